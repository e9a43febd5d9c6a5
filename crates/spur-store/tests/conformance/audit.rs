//! The audit chain: every change at the clock's time, append-only in the database, an edited, deleted, cut or swapped entry detected, one chain under concurrent writers.

use super::*;

conformance! {
    audit_records_every_change_at_the_clock_time,
    audit_log_is_append_only_in_the_database,
    audit_detects_an_edited_entry,
    audit_detects_a_deleted_entry,
    audit_detects_entries_cut_from_the_end,
    audit_detects_swapped_entries,
    concurrent_writers_keep_one_chain,
}

fn audit_records_every_change_at_the_clock_time(f: &Fixture) {
    let mut s = f.open();
    assert_eq!(s.verify_audit().unwrap().entries, 0);
    staff(&mut *s);
    f.clock.set(T0 + 1000);
    s.record_txns(&["t0"]).unwrap();
    s.save_engine_state(b"x").unwrap();
    let b = s
        .commit_scan_batch(&["t1"], &[alert("S-1", Role::Sender, 0.9, &["t1"])], b"y")
        .unwrap();
    f.clock.set(T0 + 2000);
    let opened = s.open_case(b.alerts_created[0], "ana").unwrap();
    let case = s
        .set_disposition(opened.id, Disposition::FalsePositive, "sue")
        .unwrap();
    let closed = s.close(case.id, "false positive", "sue").unwrap();

    let log = s.audit_log("aud").unwrap();
    let summary = s.verify_audit().unwrap();
    assert_eq!(summary.entries, log.len() as i64);
    assert_eq!(summary.head_hash, log.last().unwrap().hash);
    let shape: Vec<_> = log
        .iter()
        .map(|e| (e.actor.as_str(), e.action.as_str(), e.at))
        .collect();
    assert_eq!(shape.len(), 6 + 6);
    assert_eq!(shape[0], ("ada", "user.add", T0));
    assert_eq!(
        shape[6..],
        [
            ("system", "txns.record", T0 + 1000),
            ("system", "engine_state.save", T0 + 1000),
            ("system", "scan.commit", T0 + 1000),
            ("ana", "case.open", T0 + 2000),
            ("sue", "case.set_disposition", T0 + 2000),
            ("sue", "case.close", T0 + 2000),
        ]
    );
    let last = log.last().unwrap();
    assert_eq!(last.object, format!("case:{}", case.id));
    let before: serde_json::Value = serde_json::from_str(last.before.as_deref().unwrap()).unwrap();
    let after: serde_json::Value = serde_json::from_str(last.after.as_deref().unwrap()).unwrap();
    assert_eq!(before, serde_json::to_value(&case).unwrap());
    assert_eq!(after, serde_json::to_value(&closed).unwrap());
    // Chained: each entry names the hash of the one before.
    for w in log.windows(2) {
        assert_eq!(w[1].prev_hash, w[0].hash);
        assert_eq!(w[1].id, w[0].id + 1);
    }
}

fn audit_log_is_append_only_in_the_database(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    assert!(f
        .raw("UPDATE audit_log SET actor = 'eve' WHERE id = 2")
        .is_err());
    assert!(f.raw("DELETE FROM audit_log WHERE id = 2").is_err());
    assert!(f.raw("DELETE FROM audit_log").is_err());
    s.verify_audit().unwrap();
}

fn audit_detects_an_edited_entry(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    s.verify_audit().unwrap();
    f.drop_audit_triggers();
    f.sql("UPDATE audit_log SET after_json = replace(after_json, 'auditor', 'admin') WHERE id = 6");
    let b = expect_break(&mut *s, 6);
    assert!(b.reason.contains("edited"), "{}", b.reason);
}

fn audit_detects_a_deleted_entry(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    f.drop_audit_triggers();
    f.sql("DELETE FROM audit_log WHERE id = 3");
    let b = expect_break(&mut *s, 4);
    assert!(b.reason.contains("deleted"), "{}", b.reason);
    // Renumbering to hide the gap breaks the hashes instead.
    f.sql("UPDATE audit_log SET id = id - 1 WHERE id > 3");
    expect_break(&mut *s, 3);
}

fn audit_detects_entries_cut_from_the_end(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    f.drop_audit_triggers();
    f.sql("DELETE FROM audit_log WHERE id >= 5");
    let b = expect_break(&mut *s, 6);
    assert!(b.reason.contains("removed from the end"), "{}", b.reason);
}

fn audit_detects_swapped_entries(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    f.drop_audit_triggers();
    f.sql(
        "UPDATE audit_log SET id = -1 WHERE id = 3; \
         UPDATE audit_log SET id = 3 WHERE id = 4; \
         UPDATE audit_log SET id = 4 WHERE id = -1;",
    );
    expect_break(&mut *s, 3);
}

fn concurrent_writers_keep_one_chain(f: &Fixture) {
    let mut s = f.open();
    let alerts = with_alerts(&mut *s);
    let case = s.open_case(alerts[0], "ana").unwrap().id;
    let before = audit_len(&mut *s);
    let writers: Vec<_> = ["ana", "alex"]
        .into_iter()
        .map(|who| {
            let mut mine = f.open();
            std::thread::spawn(move || {
                for i in 0..15 {
                    mine.note(case, &format!("note {i}"), who).unwrap();
                    mine.record_txns(&[&format!("{who}-{i}")]).unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.join().expect("writer thread");
    }
    assert_eq!(s.case(case, "aud").unwrap().notes.len(), 30);
    assert_eq!(audit_len(&mut *s), before + 60);
    s.verify_audit().unwrap();
}
