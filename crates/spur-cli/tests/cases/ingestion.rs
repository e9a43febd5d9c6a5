//! Ingestion on both backends: the same file twice, overlapping files, a scan killed at any moment then run again.

use super::*;

on_both_backends! {
    the_same_file_twice_ingests_nothing_new,
    overlapping_files_equal_one_scan_of_both,
    a_scan_killed_at_any_moment_then_rerun_equals_an_uninterrupted_scan,
}

fn the_same_file_twice_ingests_nothing_new(db: Db) {
    let dir = Workdir::new("twice");
    let payments = simulate(&dir, 300);
    let file = payments.display().to_string();
    let db = db.create(&dir, "twice");
    let (old, new) = scan(&dir, &db, &file);
    assert_eq!(old, 0);
    assert!(new > 1000, "{new}");
    let first = stored_alerts(&dir, &db);
    assert!(!first.is_empty());

    let (old_again, new_again) = scan(&dir, &db, &file);
    assert_eq!((old_again, new_again), (new, 0));
    assert_eq!(stored_alerts(&dir, &db), first);
    audit_ok(&dir, &db);
}

fn overlapping_files_equal_one_scan_of_both(db: Db) {
    let dir = Workdir::new("overlap");
    let payments = simulate(&dir, 300);
    let total = std::fs::read_to_string(&payments).unwrap().lines().count() - 1;
    let (n, k) = (total * 3 / 5, 200);
    let yesterday = rows(&dir, &payments, 0, n, "yesterday.csv");
    let today = rows(&dir, &payments, n - k, total, "today.csv");
    let all = rows(&dir, &payments, 0, total, "all.csv");

    let two_days = db.create(&dir, "two_days");
    assert_eq!(scan(&dir, &two_days, &yesterday), (0, n as u64));
    assert_eq!(
        scan(&dir, &two_days, &today),
        (k as u64, (total - n) as u64),
        "the overlap is counted once"
    );
    let at_once = db.create(&dir, "at_once");
    assert_eq!(scan(&dir, &at_once, &all), (0, total as u64));
    let want = stored_alerts(&dir, &at_once);
    assert!(!want.is_empty());
    let got = stored_alerts(&dir, &two_days);
    assert_eq!(got, want);
    // Evidence from yesterday's file of an alert raised today has its details.
    let kept = kept_payments(&two_days);
    for a in &got {
        for t in a["transactions"].as_array().unwrap() {
            assert!(
                kept.contains(t.as_str().unwrap()),
                "{t} of {}",
                a["subject"]
            );
        }
    }
}

/// The txn ids whose details the store keeps, read behind spur's back.
fn kept_payments(db: &str) -> std::collections::BTreeSet<String> {
    let sql = "SELECT txn_id FROM payments";
    if db.starts_with("postgres://") {
        let mut c = ::postgres::Client::connect(db, ::postgres::NoTls).unwrap();
        c.query(sql, &[])
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect()
    } else {
        let c = rusqlite::Connection::open(db).unwrap();
        let mut q = c.prepare(sql).unwrap();
        q.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }
}

fn a_scan_killed_at_any_moment_then_rerun_equals_an_uninterrupted_scan(db: Db) {
    let dir = Workdir::new("kill");
    let payments = simulate(&dir, 3000);
    let file = payments.display().to_string();
    let total = std::fs::read_to_string(&payments).unwrap().lines().count() as u64 - 1;

    let killed = db.create(&dir, "killed");
    let mut outcomes = Vec::new();
    // Kills at fixed times (a debug build reads for about 0.4 s and scores
    // until about 0.8 s), then just after spur says it begins to store, when
    // its one transaction is under way (it takes some 0.4 s).
    let moments = [
        ("start", 50),
        ("start", 200),
        ("start", 500),
        ("scored", 0),
        ("storing", 0),
        ("storing", 30),
        ("storing", 150),
    ];
    for (after, ms) in moments {
        let mut child = dir
            .command(
                &["scan", &file, "--quiet"],
                &[("SPUR_DB", killed.as_str()), ("SPUR_LOG", "info")],
            )
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut seen = after == "start";
        let mut lines =
            std::io::BufRead::lines(std::io::BufReader::new(child.stderr.take().unwrap()));
        while !seen {
            match lines.next() {
                Some(Ok(l)) => seen = l.contains(after),
                _ => break,
            }
        }
        std::thread::sleep(Duration::from_millis(ms));
        // SIGKILL: no destructor, no rollback by spur itself.
        child.kill().unwrap();
        let status = child.wait().unwrap();
        outcomes.push((after, ms, seen, status.success()));
    }
    // Every scan reached its moment; those killed right then did not finish
    // (the last ones may, on a fast machine).
    assert!(outcomes.iter().all(|o| o.2), "{outcomes:?}");
    assert!(
        outcomes.iter().filter(|o| o.1 == 0).all(|o| !o.3),
        "{outcomes:?}"
    );
    let (old, new) = scan(&dir, &killed, &file);
    assert_eq!(old + new, total, "{outcomes:?}");
    assert!(
        new == 0 || new == total,
        "a killed scan left part of its run: {new} of {total} new ({outcomes:?})"
    );
    let fresh = db.create(&dir, "fresh");
    scan(&dir, &fresh, &file);
    let want = stored_alerts(&dir, &fresh);
    assert!(want.len() > 50, "{}", want.len());
    assert_eq!(stored_alerts(&dir, &killed), want, "{outcomes:?}");
    audit_ok(&dir, &killed);
}
