//! What a scan takes in, end to end: poisoned and ambiguous records cost
//! only themselves (a time in the year 9999, an amount of 41 digits, a txn
//! id reused for another payment), a file of nothing but rejects is an
//! error, and an older month is refused with what to do. SQLite in a
//! temporary folder; the reused-id test on the PostgreSQL of `SPUR_TEST_PG`
//! too (set by scripts/test). All names and ids are synthetic.

mod common;

use common::{Run, Workdir};

const HEADER: &str = "txn_id,timestamp,amount,currency,sender_id,sender_country,receiver_id,receiver_country,sender_name,receiver_name,channel,message";

/// A CSV of `rows`: (txn id, time, amount); one sender pays one receiver.
fn csv(dir: &Workdir, name: &str, rows: &[(&str, &str, &str)]) -> String {
    let mut text = format!("{HEADER}\n");
    for (id, time, amount) in rows {
        text.push_str(&format!(
            "{id},{time},{amount},USD,S-1,US,R-1,PH,Gary Whitfield,Maria Santos,remittance,\n"
        ));
    }
    dir.write(name, &text);
    name.to_owned()
}

fn scan_db(dir: &Workdir, db: &str, file: &str) -> Run {
    dir.spur_with(&["scan", file, "--quiet"], &[("SPUR_DB", db)], None)
}

/// A number in the scan summary, by its label, as in tests/cases.rs.
fn summary(run: &Run, label: &str, word: usize) -> u64 {
    let line = run
        .stderr
        .lines()
        .find(|l| l.trim_start().starts_with(label))
        .unwrap_or_else(|| panic!("no {label:?} in\n{}", run.stderr));
    line[line.find(label).unwrap() + label.len()..]
        .split_whitespace()
        .nth(word)
        .and_then(|w| w.parse().ok())
        .unwrap_or_else(|| panic!("{line}: word {word}"))
}

/// The rejects file's lines after its header.
fn rejects(dir: &Workdir) -> Vec<String> {
    dir.read("rejects.csv")
        .lines()
        .skip(1)
        .map(str::to_owned)
        .collect()
}

const GOOD: [(&str, &str, &str); 3] = [
    ("T1", "2026-01-05T10:00:00Z", "25.00"),
    ("T2", "2026-01-06T10:00:00Z", "30.00"),
    ("T3", "2026-01-07T10:00:00Z", "35.00"),
];

#[test]
fn year_9999_record_does_not_poison_the_database() {
    let dir = Workdir::new("y9999");
    let db = dir.join("spur.db").display().to_string();
    let mut rows = GOOD.to_vec();
    rows.insert(1, ("T-FUTURE", "9999-06-01T00:00:00Z", "20.00"));
    let first = csv(&dir, "first.csv", &rows);
    let run = scan_db(&dir, &db, &first).ok();
    assert_eq!(summary(&run, "payments read", 2), 1, "{}", run.stderr);
    let r = rejects(&dir);
    assert_eq!(r.len(), 1);
    assert!(
        r[0].starts_with("first.csv,3,timestamp,")
            && r[0].contains("9999-06-01T00:00:00Z is ")
            && r[0].contains("after the clock at ingestion"),
        "{}",
        r[0]
    );
    // The next month's file goes in whole.
    let second = csv(
        &dir,
        "second.csv",
        &[
            ("T4", "2026-02-01T10:00:00Z", "25.00"),
            ("T5", "2026-02-02T10:00:00Z", "25.00"),
        ],
    );
    let run = scan_db(&dir, &db, &second).ok();
    assert_eq!(summary(&run, "payments read", 2), 0, "{}", run.stderr);
    assert_eq!(summary(&run, "already ingested", 2), 2, "{}", run.stderr);
}

#[test]
fn huge_amount_is_a_reject_not_an_aborted_scan() {
    let dir = Workdir::new("huge");
    let db = dir.join("spur.db").display().to_string();
    let huge = format!("1{}", "0".repeat(40));
    let mut rows = GOOD.to_vec();
    rows.push(("T-HUGE", "2026-01-08T10:00:00Z", &huge));
    let first = csv(&dir, "first.csv", &rows);
    let run = scan_db(&dir, &db, &first).ok();
    assert_eq!(summary(&run, "already ingested", 2), 3, "{}", run.stderr);
    let r = rejects(&dir);
    assert_eq!(r.len(), 1);
    assert!(
        r[0].starts_with("first.csv,5,amount,") && r[0].contains("above the maximum of 1e15"),
        "{}",
        r[0]
    );
    // The stored state reads back: the next scan goes on from it.
    let second = csv(
        &dir,
        "second.csv",
        &[("T5", "2026-01-09T10:00:00Z", "999999999999.99")],
    );
    let run = scan_db(&dir, &db, &second).ok();
    assert_eq!(summary(&run, "already ingested", 2), 1, "{}", run.stderr);
    // Without a store, the same rule.
    let run = dir.spur(&["scan", &first, "--quiet"]).ok();
    assert_eq!(summary(&run, "payments read", 2), 1, "{}", run.stderr);
}

/// A database for the reused-id test: SQLite, or PostgreSQL from `SPUR_TEST_PG`.
fn database(dir: &Workdir, postgres: bool) -> String {
    if !postgres {
        return dir.join("spur.db").display().to_string();
    }
    common::postgres_database("intake")
}

fn reused_id(postgres: bool) {
    let dir = Workdir::new("reused");
    let db = database(&dir, postgres);
    let first = csv(&dir, "first.csv", &GOOD);
    scan_db(&dir, &db, &first).ok();
    // T1 again as it was; T2 with another amount; T4 new.
    let second = csv(
        &dir,
        "second.csv",
        &[
            ("T1", "2026-01-05T10:00:00Z", "25.0"),
            ("T2", "2026-01-06T10:00:00Z", "300.00"),
            ("T4", "2026-01-08T10:00:00Z", "40.00"),
        ],
    );
    let run = scan_db(&dir, &db, &second).ok();
    assert_eq!(summary(&run, "payments read", 2), 1, "{}", run.stderr);
    assert_eq!(
        (
            summary(&run, "already ingested", 0),
            summary(&run, "already ingested", 2)
        ),
        (1, 1),
        "{}",
        run.stderr
    );
    let r = rejects(&dir);
    assert_eq!(r.len(), 1, "{r:?}");
    assert!(
        r[0].starts_with("second.csv,3,txn_id,")
            && r[0].contains("txn id T2 was ingested on ")
            && r[0].contains("with different content"),
        "{}",
        r[0]
    );
}

#[test]
fn txn_id_reused_with_different_content_is_rejected() {
    reused_id(false);
}

#[test]
fn txn_id_reused_with_different_content_is_rejected_on_postgres() {
    reused_id(true);
}

#[test]
fn a_scan_whose_every_record_is_rejected_fails() {
    let dir = Workdir::new("allrejected");
    let db = dir.join("spur.db").display().to_string();
    let bad = csv(
        &dir,
        "bad.csv",
        &[
            ("T1", "2026-01-05T10:00:00Z", "-5"),
            ("T2", "2026-01-05T10:00:00Z", "0"),
        ],
    );
    for env in [vec![], vec![("SPUR_DB", db.as_str())]] {
        let run = dir.spur_with(&["scan", &bad, "--quiet"], &env, None);
        let run = run.fails_with(&[
            "bad.csv: every one of its 2 records was rejected; nothing was scanned",
            "The first: line 2, amount:",
            "rejects.csv",
        ]);
        assert!(!run.stderr.contains("alerts"), "{}", run.stderr);
    }
    // Nothing was stored: a good file after it is all new.
    let good = csv(&dir, "good.csv", &GOOD);
    let run = scan_db(&dir, &db, &good).ok();
    assert_eq!(summary(&run, "already ingested", 0), 0, "{}", run.stderr);
    // The same file again is not an error: nothing new, and it says so.
    let run = scan_db(&dir, &db, &good).ok();
    assert!(
        run.stderr
            .contains("every payment of this file was already ingested"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_older_month_after_a_newer_one_is_refused_with_what_to_do() {
    let dir = Workdir::new("older");
    let db = dir.join("spur.db").display().to_string();
    let february = csv(&dir, "feb.csv", &[("F1", "2026-02-03T10:00:00Z", "25.00")]);
    let january = csv(&dir, "jan.csv", &[("J1", "2026-01-03T10:00:00Z", "25.00")]);
    scan_db(&dir, &db, &february).ok();
    scan_db(&dir, &db, &january).fails_with(&[
        "jan.csv: every one of its 1 records was rejected",
        "older than the newest payment already scored (2026-02-03T10:00:00Z)",
        "load an older period into a new database",
    ]);
    // In a new database of its own, January goes in.
    let own = dir.join("january.db").display().to_string();
    scan_db(&dir, &own, &january).ok();
}

#[test]
fn now_replays_history_and_simulated_traffic_ahead_of_today() {
    let dir = Workdir::new("now");
    let ahead = csv(
        &dir,
        "ahead.csv",
        &[
            ("A1", "2199-01-01T10:00:00Z", "25.00"),
            ("A2", "2026-01-01T10:00:00Z", "25.00"),
        ],
    );
    let run = dir.spur(&["scan", &ahead, "--quiet"]).ok();
    assert_eq!(summary(&run, "payments read", 2), 1, "{}", run.stderr);
    let run = dir
        .spur(&["scan", &ahead, "--quiet", "--now", "2199-01-01T00:00:00Z"])
        .ok();
    assert_eq!(summary(&run, "payments read", 2), 0, "{}", run.stderr);
    let run = dir
        .spur_with(
            &["scan", &ahead, "--quiet"],
            &[("SPUR_NOW", "2198-12-31T10:00:01Z")],
            None,
        )
        .ok();
    assert_eq!(summary(&run, "payments read", 2), 0, "{}", run.stderr);
    dir.spur(&["scan", &ahead, "--now", "tomorrow"])
        .fails_with(&["--now", "RFC 3339"]);
}
