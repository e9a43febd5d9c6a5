//! The store's core: migrations, users and roles, txn ids, the engine state, scans and their alerts and evidence payments.

use super::*;

conformance! {
    migrations_run_on_open_and_once,
    newer_schema_is_refused,
    users_and_roles,
    txn_recording_is_idempotent,
    engine_state_round_trip,
    scan_batch_commits_txns_alerts_and_state,
    scan_batch_failing_midway_leaves_nothing,
    evidence_payments_are_kept_with_the_batch,
    a_whole_scan_clears_the_alerts_it_no_longer_raises,
    a_scan_started_before_another_was_stored_is_refused,
    a_txn_is_kept_with_its_payments_digest,
}

fn migrations_run_on_open_and_once(f: &Fixture) {
    let mut s = f.open();
    assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
    s.add_user("ada", UserRole::Admin, "ada").unwrap();
    drop(s);
    // Reopening applies nothing again and keeps the data.
    let mut s = f.open();
    assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(s.user("ada").unwrap().role, UserRole::Admin);
}

fn newer_schema_is_refused(f: &Fixture) {
    drop(f.open());
    f.sql(&format!(
        "INSERT INTO schema_version (version, applied_at) VALUES ({}, 0)",
        SCHEMA_VERSION + 1
    ));
    let err = match spur_store::open(&f.url, f.clock.clone()) {
        Err(e) => e,
        Ok(_) => panic!("a newer schema was opened"),
    };
    assert!(
        matches!(err, StoreError::SchemaTooNew { found, supported } if found == SCHEMA_VERSION + 1 && supported == SCHEMA_VERSION),
        "{err:?}"
    );
    assert_eq!(err.code(), "schema_too_new");
    let message = err.to_string();
    assert!(
        message.contains("newer") && message.contains("upgrade spur"),
        "{message}"
    );
}

fn users_and_roles(f: &Fixture) {
    let mut s = f.open();
    assert_err!(
        s.add_user("ana", UserRole::Analyst, "ana"),
        StoreError::FirstUserNotAdmin
    );
    s.add_user("ada", UserRole::Admin, "ada").unwrap();
    s.add_user("ana", UserRole::Analyst, "ada").unwrap();
    assert_err!(
        s.add_user("ana", UserRole::Supervisor, "ada"),
        StoreError::UserExists(_)
    );
    assert_err!(
        s.add_user("bob", UserRole::Analyst, "ana"),
        StoreError::Forbidden {
            role: UserRole::Analyst,
            ..
        }
    );
    assert_err!(
        s.add_user("bob", UserRole::Analyst, "nobody"),
        StoreError::UnknownUser(_)
    );
    assert_err!(
        s.add_user(" ", UserRole::Analyst, "ada"),
        StoreError::Invalid(_)
    );
    assert_err!(
        s.add_user("system", UserRole::Analyst, "ada"),
        StoreError::Invalid(_)
    );
    let ana = s.set_user_role("ana", UserRole::Supervisor, "ada").unwrap();
    assert_eq!(ana.role, UserRole::Supervisor);
    assert_eq!(s.user("ana").unwrap().role, UserRole::Supervisor);
    assert_err!(
        s.set_user_role("ana", UserRole::Admin, "ana"),
        StoreError::Forbidden { .. }
    );
    assert_err!(
        s.set_user_role("ada", UserRole::Analyst, "ada"),
        StoreError::LastAdmin(_)
    );
    assert_err!(s.user("nobody"), StoreError::UnknownUser(_));
    let names: Vec<_> = s
        .users("ana")
        .unwrap()
        .into_iter()
        .map(|u| u.name)
        .collect();
    assert_eq!(names, ["ada", "ana"]);
}

fn txn_recording_is_idempotent(f: &Fixture) {
    let mut s = f.open();
    assert_eq!(s.record_txns(&["a", "b", "c"]).unwrap(), 3);
    assert_eq!(s.record_txns(&["b", "c", "d", "d"]).unwrap(), 1);
    assert_eq!(s.record_txns(&[]).unwrap(), 0);
    assert_err!(s.record_txns(&["e", ""]), StoreError::Invalid(_));
    assert_eq!(
        s.record_txns(&["e"]).unwrap(),
        1,
        "a refused batch recorded nothing"
    );
    // More than one insert statement's worth, overlapping what is there.
    let many: Vec<String> = (0..1234).map(|i| format!("m{i}")).collect();
    let mut refs: Vec<&str> = many.iter().map(String::as_str).collect();
    refs.push("a");
    assert_eq!(s.record_txns(&refs).unwrap(), 1234);
    drop(s);
    let mut s = f.open();
    assert_eq!(s.record_txns(&refs).unwrap(), 0);
    assert_eq!(s.record_txns(&["a", "m0", "m1233", "new"]).unwrap(), 1);
}

fn engine_state_round_trip(f: &Fixture) {
    let mut s = f.open();
    assert_eq!(s.load_engine_state().unwrap(), None);
    assert_eq!(s.save_engine_state(b"one").unwrap(), 1);
    let one = s.load_engine_state().unwrap().unwrap();
    assert_eq!(
        (one.version, one.saved_at, one.blob.as_slice()),
        (1, T0, &b"one"[..])
    );
    let every_byte: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
    f.clock.advance(60);
    assert_eq!(s.save_engine_state(&every_byte).unwrap(), 2);
    drop(s);
    let two = f.open().load_engine_state().unwrap().unwrap();
    assert_eq!((two.version, two.saved_at), (2, T0 + 60));
    assert!(two.blob == every_byte, "the blob came back changed");
    f.open().save_engine_state(b"").unwrap();
    assert_eq!(f.open().load_engine_state().unwrap().unwrap().blob, b"");
}

fn scan_batch_commits_txns_alerts_and_state(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    let b1 = s
        .commit_scan_batch(
            &["t1", "t2"],
            &[
                alert("S-1", Role::Sender, 0.7, &["t1"]),
                alert("R-1", Role::Receiver, 0.9, &["t1", "t2"]),
            ],
            b"s1",
        )
        .unwrap();
    assert_eq!(
        (
            b1.new_txns,
            b1.alerts_created.len(),
            b1.alerts_updated.len(),
            b1.state_version
        ),
        (2, 2, 0, 1)
    );
    let alerts = s.alerts("ana").unwrap();
    assert_eq!(alerts.len(), 2);
    let r1 = alerts.iter().find(|a| a.subject == "R-1").unwrap();
    assert_eq!(
        (r1.role, r1.score, r1.country.as_str()),
        (Role::Receiver, 0.9, "PH")
    );
    assert_eq!(r1.transactions, ["t1", "t2"]);
    assert_eq!(r1.indicators[0]["code"], "P-SHARED");
    assert_eq!(r1.body["subject"], "R-1");
    assert_eq!(
        (r1.first_seen, r1.last_seen, r1.case_id),
        (T0 - 86_400, T0, None)
    );

    // The next batch overlaps: old txns count nothing, the same party's alert is updated.
    f.clock.advance(3600);
    let b2 = s
        .commit_scan_batch(
            &["t2", "t3"],
            &[alert("R-1", Role::Receiver, 0.95, &["t1", "t2", "t3"])],
            b"s2",
        )
        .unwrap();
    assert_eq!(
        (b2.new_txns, b2.alerts_created.len(), b2.state_version),
        (1, 0, 2)
    );
    assert_eq!(b2.alerts_updated, [r1.id]);
    let r1 = s.alert(r1.id, "aud").unwrap();
    assert_eq!(
        (
            r1.score,
            r1.transactions.len(),
            r1.created_at,
            r1.updated_at
        ),
        (0.95, 3, T0, T0 + 3600)
    );
    assert_eq!(s.alerts("aud").unwrap().len(), 2);
    assert_eq!(s.record_txns(&["t1", "t2", "t3"]).unwrap(), 0);
    assert_eq!(s.load_engine_state().unwrap().unwrap().blob, b"s2");
    assert_err!(
        s.commit_scan_batch(&["t9"], &[alert("X", Role::Sender, f64::NAN, &[])], b"s3"),
        StoreError::Invalid(_)
    );
}

fn scan_batch_failing_midway_leaves_nothing(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    s.commit_scan_batch(
        &["t1"],
        &[alert("S-1", Role::Sender, 0.7, &["t1"])],
        b"before",
    )
    .unwrap();
    let audited = audit_len(&mut *s);
    // The database refuses the batch's second alert, after its txns and first alert were written.
    f.sql(match f.kind {
        Kind::Sqlite => {
            "CREATE TRIGGER boom BEFORE INSERT ON alerts WHEN NEW.subject = 'boom' \
             BEGIN SELECT RAISE(ABORT, 'injected failure'); END;"
        }
        Kind::Postgres => {
            "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN IF NEW.subject = 'boom' THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$; \
             CREATE TRIGGER boom BEFORE INSERT ON alerts FOR EACH ROW EXECUTE FUNCTION boom();"
        }
    });
    let err = assert_err!(
        s.commit_scan_batch(
            &["t2", "t3", "t4"],
            &[
                alert("S-2", Role::Sender, 0.8, &["t2"]),
                alert("boom", Role::Sender, 0.8, &["t3"])
            ],
            b"after",
        ),
        StoreError::Database(_)
    );
    assert!(
        format!("{err}").contains("injected failure")
            || format!("{err:?}").contains("injected failure")
    );
    drop(s);
    let mut s = f.open();
    let subjects: Vec<_> = s
        .alerts("aud")
        .unwrap()
        .into_iter()
        .map(|a| a.subject)
        .collect();
    assert_eq!(subjects, ["S-1"]);
    let state = s.load_engine_state().unwrap().unwrap();
    assert_eq!((state.version, state.blob.as_slice()), (1, &b"before"[..]));
    assert_eq!(audit_len(&mut *s), audited);
    s.verify_audit().unwrap();
    assert_eq!(
        s.record_txns(&["t1", "t2", "t3", "t4"]).unwrap(),
        3,
        "none of the failed batch's txns were kept"
    );
}

/// A scan keeps each payment's digest with its txn id, so a reused id with
/// other content can be told from the same payment again; ids recorded
/// without a digest (and those of before the digests) count as the same.
fn a_txn_is_kept_with_its_payments_digest(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    s.record_txns(&["old"]).unwrap();
    f.clock.advance(3 * 86_400);
    s.commit_scan_batch_with_payments(&txns(&["t1", "t2"]), &[], &[], b"s1", 0)
        .unwrap();
    let mut known = s.known_txns(&["t2", "old", "t1", "t9"]).unwrap();
    known.sort_by(|a, b| a.txn_id.cmp(&b.txn_id));
    let summary: Vec<(&str, Option<[u8; 32]>, i64)> = known
        .iter()
        .map(|k| (k.txn_id.as_str(), k.digest, k.recorded_at))
        .collect();
    assert_eq!(
        summary,
        [
            ("old", None, T0),
            ("t1", Some(digest_of("t1")), T0 + 3 * 86_400),
            ("t2", Some(digest_of("t2")), T0 + 3 * 86_400),
        ]
    );
    assert!(known[0].same_content(&digest_of("anything")));
    assert!(known[1].same_content(&digest_of("t1")));
    assert!(!known[1].same_content(&digest_of("t1 with another amount")));
    let reason = known[1].reused_reason();
    assert!(
        reason.starts_with("txn id t1 was ingested on 2026-01-08 with different content"),
        "{reason}"
    );
    // A later batch with the id again keeps the first digest.
    let again = [IngestedTxn {
        txn_id: "t1",
        digest: digest_of("other"),
    }];
    let batch = s
        .commit_scan_batch_with_payments(&again, &[], &[], b"s2", 1)
        .unwrap();
    assert_eq!(batch.new_txns, 0);
    let k = s.known_txns(&["t1"]).unwrap();
    assert_eq!(k[0].digest, Some(digest_of("t1")));
}

fn evidence_payments_are_kept_with_the_batch(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    assert_eq!(known_ids(&mut *s, &["t1", "t2"]), Vec::<String>::new());
    s.commit_scan_batch_with_payments(
        &txns(&["t1", "t2", "t3"]),
        &[alert("R-1", Role::Receiver, 0.9, &["t2", "t1"])],
        &[payment("t2", T0), payment("t1", T0 - 60)],
        b"s1",
        0,
    )
    .unwrap();
    assert_eq!(known_ids(&mut *s, &["t1", "t3", "t9"]), ["t1", "t3"]);
    // By time; unknown ids are left out; the auditor may read them.
    let kept = s.payments(&["t2", "t1", "t9"], "aud").unwrap();
    assert_eq!(kept, [payment("t1", T0 - 60), payment("t2", T0)]);
    // Kept once: a later batch citing it again changes nothing.
    let mut again = payment("t1", T0 - 60);
    again.amount = 99.0;
    s.commit_scan_batch_with_payments(&txns(&["t4"]), &[], &[again], b"s2", 1)
        .unwrap();
    assert_eq!(s.payments(&["t1"], "ana").unwrap()[0].amount, 45.5);
    assert_err!(s.payments(&["t1"], "nobody"), StoreError::UnknownUser(_));
    // A failing batch keeps none of its payments.
    assert_err!(
        s.commit_scan_batch_with_payments(
            &txns(&["t5"]),
            &[alert("X", Role::Sender, f64::NAN, &[])],
            &[payment("t5", T0)],
            b"s3",
            2
        ),
        StoreError::Invalid(_)
    );
    assert!(s.payments(&["t5"], "ana").unwrap().is_empty());
    assert_eq!(known_ids(&mut *s, &["t5"]), Vec::<String>::new());
}

fn a_whole_scan_clears_the_alerts_it_no_longer_raises(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    let first = s
        .commit_scan_batch_with_payments(
            &txns(&["t1", "t2"]),
            &[
                alert("S-1", Role::Sender, 0.7, &["t1"]),
                alert("R-1", Role::Receiver, 0.9, &["t1", "t2"]),
            ],
            &[],
            b"s1",
            0,
        )
        .unwrap();
    let (s1, r1) = (first.alerts_created[0], first.alerts_created[1]);
    s.open_case(s1, "ana").unwrap();
    f.clock.advance(60);
    // S-1 fell below the threshold: cleared, not deleted; its case keeps it.
    let second = s
        .commit_scan_batch_with_payments(
            &txns(&["t3"]),
            &[alert("R-1", Role::Receiver, 0.95, &["t3"])],
            &[],
            b"s2",
            1,
        )
        .unwrap();
    assert_eq!(
        (second.alerts_updated.clone(), second.alerts_cleared.clone()),
        (vec![r1], vec![s1])
    );
    let cleared = s.alert(s1, "aud").unwrap();
    assert_eq!(
        (cleared.cleared_at, cleared.case_id),
        (Some(T0 + 60), Some(1))
    );
    assert_eq!(s.alert(r1, "aud").unwrap().cleared_at, None);
    // Raised again, it stands again; a partial batch clears nothing.
    let third = s
        .commit_scan_batch(&["t4"], &[alert("S-1", Role::Sender, 0.8, &["t4"])], b"s3")
        .unwrap();
    assert_eq!(
        (third.alerts_updated, third.alerts_cleared),
        (vec![s1], vec![])
    );
    assert_eq!(s.alert(s1, "aud").unwrap().cleared_at, None);
    s.verify_audit().unwrap();
}

fn a_scan_started_before_another_was_stored_is_refused(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    // Two scans start from an empty store; the first one stores.
    s.commit_scan_batch_with_payments(
        &txns(&["t1"]),
        &[alert("S-1", Role::Sender, 0.7, &["t1"])],
        &[payment("t1", T0)],
        b"a",
        0,
    )
    .unwrap();
    let audit = audit_len(&mut *s);
    let err = assert_err!(
        s.commit_scan_batch_with_payments(
            &txns(&["t2"]),
            &[alert("S-2", Role::Sender, 0.8, &["t2"])],
            &[payment("t2", T0)],
            b"b",
            0
        ),
        StoreError::ScanConflict {
            expected: 0,
            found: 1
        }
    );
    assert!(err.to_string().contains("run it again"), "{err}");
    assert_eq!(err.code(), "scan_conflict");
    // Nothing of the refused scan.
    assert_eq!(known_ids(&mut *s, &["t2"]), Vec::<String>::new());
    assert!(s.payments(&["t2"], "aud").unwrap().is_empty());
    assert_eq!(s.alerts("aud").unwrap().len(), 1);
    assert_eq!(s.load_engine_state().unwrap().unwrap().blob, b"a");
    assert_eq!(audit_len(&mut *s), audit);
    // Run again from what is stored, it goes through.
    s.commit_scan_batch_with_payments(
        &txns(&["t2"]),
        &[alert("S-2", Role::Sender, 0.8, &["t2"])],
        &[payment("t2", T0)],
        b"b",
        1,
    )
    .unwrap();
}
