//! End to end with a database: idempotent ingestion (also when a scan is
//! killed), the case workflow with four eyes, goAML reports and the audit
//! trail, on SQLite in a temporary folder and on the PostgreSQL of
//! `SPUR_TEST_PG` (set by scripts/test; without it those tests fail).
//! All names and ids are synthetic.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{Run, Workdir};
use serde_json::Value;

// ---------------------------------------------------------------------------
// Harness

/// A fresh, empty database for one test.
enum Db {
    Sqlite,
    Postgres,
}

impl Db {
    /// The `--db` location of a new database called `name`.
    fn create(&self, dir: &Workdir, name: &str) -> String {
        match self {
            Db::Sqlite => dir.join(&format!("{name}.db")).display().to_string(),
            Db::Postgres => common::postgres_database(&format!("cli_{name}")),
        }
    }
}

/// `spur ARGS` against the database `db`, acting as `user` when given.
fn spur(dir: &Workdir, db: &str, user: Option<&str>, args: &[&str]) -> Run {
    let mut env = vec![("SPUR_DB", db)];
    if let Some(u) = user {
        env.push(("SPUR_USER", u));
    }
    dir.spur_with(args, &env, None)
}

/// Simulated payments (CSV) of `senders` senders, in time order.
fn simulate(dir: &Workdir, senders: usize) -> PathBuf {
    let n = senders.to_string();
    dir.spur(&["simulate", "--out", "sim", "--senders", &n, "--seed", "7"])
        .ok();
    dir.join("sim/payments.csv")
}

/// A CSV of the header and data rows `from..to` of `payments`.
fn rows(dir: &Workdir, payments: &Path, from: usize, to: usize, name: &str) -> String {
    let text = std::fs::read_to_string(payments).unwrap();
    let mut lines = text.lines();
    let mut out = String::from(lines.next().unwrap());
    out.push('\n');
    for l in lines.skip(from).take(to - from) {
        out.push_str(l);
        out.push('\n');
    }
    dir.write(name, &out);
    name.to_owned()
}

/// A number in a scan summary line, by its label: `already ingested 10 new 5`.
fn summary(run: &Run, label: &str, word: usize) -> u64 {
    let line = run
        .stderr
        .lines()
        .find(|l| l.trim_start().starts_with(label))
        .unwrap_or_else(|| panic!("no {label:?} in\n{}", run.stderr));
    let words: Vec<&str> = line[line.find(label).unwrap() + label.len()..]
        .split_whitespace()
        .collect();
    words[word]
        .parse()
        .unwrap_or_else(|_| panic!("{line}: word {word}"))
}

/// `spur scan FILE` into `db`; returns (already ingested, new) txns.
fn scan(dir: &Workdir, db: &str, file: &str) -> (u64, u64) {
    let run = spur(dir, db, None, &["scan", file, "--quiet"]).ok();
    assert_eq!(
        summary(&run, "payments read", 2),
        0,
        "rejected\n{}",
        run.stderr
    );
    (
        summary(&run, "already ingested", 0),
        summary(&run, "already ingested", 2),
    )
}

/// The stored alerts as `spur alerts --json` gives them, without what
/// depends on when and in which order they were stored; by party and role.
fn stored_alerts(dir: &Workdir, db: &str) -> Vec<Value> {
    // The first time, `reader` becomes the database's first (admin) user.
    let added = spur(dir, db, None, &["user", "add", "reader", "--role", "admin"]);
    assert!(
        added.code == Some(0) || added.stderr.contains("already exists"),
        "{}",
        added.stderr
    );
    let run = spur(dir, db, Some("reader"), &["alerts", "--json"]).ok();
    let mut alerts: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            let o = v.as_object_mut().unwrap();
            for k in ["id", "created_at", "updated_at", "case_id"] {
                o.remove(k);
            }
            v
        })
        .collect();
    alerts.sort_by_key(|a| (a["subject"].to_string(), a["role"].to_string()));
    alerts
}

fn audit_ok(dir: &Workdir, db: &str) -> u64 {
    let run = spur(dir, db, None, &["audit", "verify"]).ok();
    assert!(run.stdout.starts_with("audit log OK: "), "{}", run.stdout);
    run.stdout["audit log OK: ".len()..]
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[test] fn $name() { super::$name(super::Db::Sqlite); } )*
        }
        mod postgres {
            $( #[test] fn $name() { super::$name(super::Db::Postgres); } )*
        }
    };
}

on_both_backends! {
    the_same_file_twice_ingests_nothing_new,
    overlapping_files_equal_one_scan_of_both,
    a_scan_killed_at_any_moment_then_rerun_equals_an_uninterrupted_scan,
}

// ---------------------------------------------------------------------------
// Ingestion

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

// ---------------------------------------------------------------------------
// From alert to filed report

const ENTITY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../docs/reporting-entity.example.toml"
);

/// A database with a scan of 300 simulated senders and the staff: admin ada,
/// analyst ana, supervisors sue and sam, auditor aud.
fn office(dir: &Workdir) -> String {
    let payments = simulate(dir, 300);
    let db = dir.join("office/spur.db").display().to_string();
    scan(dir, &db, &payments.display().to_string());
    spur(dir, &db, None, &["user", "add", "bob", "--role", "analyst"])
        .fails_with(&["first user must be an admin"]);
    spur(dir, &db, None, &["user", "add", "ada", "--role", "admin"]).ok();
    for (name, role) in [
        ("ana", "analyst"),
        ("sue", "supervisor"),
        ("sam", "supervisor"),
        ("aud", "auditor"),
    ] {
        spur(
            dir,
            &db,
            Some("ada"),
            &["user", "add", name, "--role", role],
        )
        .ok();
    }
    spur(
        dir,
        &db,
        Some("ana"),
        &["user", "add", "eve", "--role", "admin"],
    )
    .fails_with(&["role analyst may not manage users"]);
    let users = spur(dir, &db, Some("aud"), &["user", "list"]).ok().stdout;
    for name in ["ada", "ana", "sue", "sam", "aud"] {
        assert!(users.contains(name), "{users}");
    }
    db
}

/// Alert ids, highest score first, from the readable table.
fn alert_ids(dir: &Workdir, db: &str) -> Vec<i64> {
    let table = spur(dir, db, Some("ana"), &["alerts"]).ok().stdout;
    let header: Vec<&str> = table
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    assert_eq!(header[..3], ["id", "status", "role"], "{table}");
    table
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next()?.parse().ok())
        .collect()
}

#[test]
fn from_alert_to_filed_report_with_four_eyes_and_a_verified_audit_log() {
    let dir = Workdir::new("flow");
    let db = office(&dir);
    let ids = alert_ids(&dir, &db);
    assert!(ids.len() >= 2, "{ids:?}");
    let (a1, a2) = (ids[0].to_string(), ids[1].to_string());
    let as_ = |user: &str, args: &[&str]| spur(&dir, &db, Some(user), args);

    let opened = as_("ana", &["case", "open", "--alert", &a1]).ok().stdout;
    assert!(opened.starts_with("case 1 opened: status open"), "{opened}");
    as_("ana", &["case", "add-alert", "--case", "1", "--alert", &a2]).ok();
    as_("ana", &["case", "assign", "--case", "1", "--to", "ana"]).ok();
    as_(
        "ana",
        &[
            "case",
            "note",
            "--case",
            "1",
            "--text",
            "same receivers, night-time pattern",
        ],
    )
    .ok();
    as_(
        "ana",
        &["case", "status", "--case", "1", "--to", "investigating"],
    )
    .ok();
    as_(
        "ana",
        &["case", "disposition", "--case", "1", "--to", "suspicious"],
    )
    .ok();
    let shown = as_("aud", &["case", "show", "--case", "1"]).ok().stdout;
    for needle in [
        "status       investigating",
        "disposition  suspicious",
        "assignee     ana",
        "same receivers, night-time pattern",
        "alert  indicator  reason",
    ] {
        assert!(shown.contains(needle), "{needle:?} in\n{shown}");
    }
    let list = as_("aud", &["case", "list"]).ok().stdout;
    assert!(
        list.lines().nth(1).unwrap().contains("investigating"),
        "{list}"
    );

    // The auditor reads everything and changes nothing.
    as_("aud", &["case", "note", "--case", "1", "--text", "x"]).fails_with(&["auditor may not"]);
    as_("aud", &["case", "open", "--alert", &ids[2].to_string()]).fails_with(&["auditor may not"]);
    as_(
        "aud",
        &[
            "report", "draft", "--case", "1", "--fiu", "ae", "--entity", ENTITY,
        ],
    )
    .fails_with(&["auditor may not"]);

    // A supervisor drafts; the XML validates against the ae schema.
    let drafted = as_(
        "sue",
        &[
            "report",
            "draft",
            "--case",
            "1",
            "--fiu",
            "ae",
            "--entity",
            ENTITY,
            "--out",
            "draft.xml",
            "--reason",
            "Several payments at night to the same receivers in PH.",
        ],
    )
    .ok()
    .stdout;
    assert!(drafted.starts_with("report 1 drafted"), "{drafted}");
    let xml = dir.read("draft.xml");
    assert!(
        xml.contains("<report_code>STR</report_code>") && xml.contains("<transaction>"),
        "{xml}"
    );
    assert!(
        xml.contains("CSAM1"),
        "the ae profile's child-exploitation indicator"
    );
    xmllint(&dir, "draft.xml", "goAMLSchema-5.0.2-ae.xsd");

    // Four eyes.
    as_("sue", &["report", "approve", "--report", "1"]).fails_with(&["self-approval refused"]);
    as_("ana", &["report", "approve", "--report", "1"])
        .fails_with(&["role analyst may not approve reports"]);
    as_("aud", &["report", "approve", "--report", "1"]).fails_with(&["auditor may not"]);
    as_("ana", &["report", "file", "--report", "1"])
        .fails_with(&["report 1 is draft: cannot file it"]);
    // A draft may be written again from the case; the author stays.
    as_(
        "ana",
        &["report", "redraft", "--report", "1", "--entity", ENTITY],
    )
    .ok();
    as_("sam", &["report", "approve", "--report", "1"]).ok();
    as_("aud", &["report", "file", "--report", "1"]).fails_with(&["auditor may not"]);
    let filed = as_(
        "ana",
        &["report", "file", "--report", "1", "--out", "filed.xml"],
    )
    .ok()
    .stdout;
    assert!(
        filed.contains("status filed") && filed.contains("approved by sam"),
        "{filed}"
    );
    xmllint(&dir, "filed.xml", "goAMLSchema-5.0.2-ae.xsd");

    // Filed is final.
    as_(
        "ana",
        &["report", "redraft", "--report", "1", "--entity", ENTITY],
    )
    .fails_with(&["report 1 is filed and can no longer change"]);
    as_("sam", &["report", "approve", "--report", "1"]).fails_with(&["report 1 is filed"]);
    as_("ana", &["report", "file", "--report", "1"]).fails_with(&["report 1 is filed"]);
    assert_eq!(
        as_("aud", &["report", "show", "--report", "1", "--xml"])
            .ok()
            .stdout,
        dir.read("filed.xml")
    );
    assert!(as_("aud", &["case", "show", "--case", "1"])
        .ok()
        .stdout
        .contains("status       reported"));

    // The generic profile (goAML 5.0.1) validates too.
    as_("ana", &["case", "open", "--alert", &ids[2].to_string()]).ok();
    as_(
        "ana",
        &[
            "report",
            "draft",
            "--case",
            "2",
            "--fiu",
            "generic",
            "--out",
            "generic.xml",
        ],
    )
    .fails_with(&["--entity FILE or SPUR_ENTITY"]);
    spur_entity(
        &dir,
        &db,
        "ana",
        &[
            "report",
            "draft",
            "--case",
            "2",
            "--fiu",
            "generic",
            "--out",
            "generic.xml",
        ],
    )
    .ok();
    xmllint(&dir, "generic.xml", "goAMLSchema-5.0.1-generic.xsd");

    let entries = audit_ok(&dir, &db);
    assert!(entries >= 15, "{entries}");

    // Someone with access to the file edits the log behind spur's back.
    let path = dir.join("office/spur.db");
    let copy = dir.join("office/deleted.db");
    std::fs::copy(&path, &copy).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "DROP TRIGGER audit_log_no_update;
         UPDATE audit_log SET actor = 'sue' WHERE action = 'report.approve';",
    )
    .unwrap();
    let edited: i64 = conn
        .query_row(
            "SELECT id FROM audit_log WHERE action = 'report.approve'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    drop(conn);
    spur(&dir, &db, None, &["audit", "verify"])
        .fails_with(&[&format!("audit log broken at entry {edited}")]);

    let conn = rusqlite::Connection::open(&copy).unwrap();
    conn.execute_batch(
        "DROP TRIGGER audit_log_no_delete;
         DELETE FROM audit_log WHERE id = 3;",
    )
    .unwrap();
    drop(conn);
    let copy = copy.display().to_string();
    spur(&dir, &copy, None, &["audit", "verify"]).fails_with(&["audit log broken at entry"]);
}

fn spur_entity(dir: &Workdir, db: &str, user: &str, args: &[&str]) -> Run {
    dir.spur_with(
        args,
        &[
            ("SPUR_DB", db),
            ("SPUR_USER", user),
            ("SPUR_ENTITY", ENTITY),
        ],
        None,
    )
}

/// xmllint on a written report, independently of spur.
fn xmllint(dir: &Workdir, file: &str, xsd: &str) {
    let xsd = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/goaml")
        .join(xsd);
    let out = std::process::Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(&xsd)
        .arg(dir.join(file))
        .output()
        .expect("xmllint (Debian: libxml2-utils) must be installed; scripts/test installs it");
    assert!(
        out.status.success(),
        "{file}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_report_that_does_not_validate_is_refused_with_xmllints_messages() {
    let dir = Workdir::new("invalid");
    let db = office(&dir);
    let ids = alert_ids(&dir, &db);
    spur(
        &dir,
        &db,
        Some("ana"),
        &["case", "open", "--alert", &ids[0].to_string()],
    )
    .ok();
    // A profile whose institution typed a transaction mode its FIU's schema lacks.
    let ae = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../profiles/ae.toml"
    ))
    .unwrap();
    let bad = ae
        .replace(
            "transaction_modes = [\"-\",",
            "transaction_modes = [\"BOGUS\", \"-\",",
        )
        .replace("transmode = \"ELCFT\"", "transmode = \"BOGUS\"")
        .replace("transmode = \"MB\"", "transmode = \"BOGUS\"");
    assert_ne!(bad, ae);
    dir.write("bad.toml", &bad);
    let run = spur_entity(
        &dir,
        &db,
        "ana",
        &[
            "report", "draft", "--case", "1", "--fiu", "bad.toml", "--out", "bad.xml",
        ],
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("does not validate against the ae profile's schema; nothing was stored"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("'BOGUS' is not an element of the set"),
        "{}",
        run.stderr
    );
    assert!(!dir.join("bad.xml").exists(), "never written as final");
    let reports = spur(&dir, &db, Some("aud"), &["report", "list"])
        .ok()
        .stdout;
    assert_eq!(reports.lines().last(), Some("0 reports"), "nothing stored");
    spur_entity(
        &dir,
        &db,
        "ana",
        &["report", "draft", "--case", "1", "--fiu", "de"],
    )
    .fails_with(&["unknown FIU profile \"de\""]);
}

/// Four eyes over every author, one open report per case, corrections,
/// redrafts that keep the analyst's words, atomic filing (issue 8).
#[test]
fn supervisor_who_redrafts_cannot_approve_and_other_report_rules() {
    let dir = Workdir::new("rules");
    let db = office(&dir);
    let ids = alert_ids(&dir, &db);
    let as_ = |user: &str, args: &[&str]| spur_entity(&dir, &db, user, args);
    let show = |id: &str| as_("aud", &["report", "show", "--report", id]).ok().stdout;
    as_("ana", &["case", "open", "--alert", &ids[0].to_string()]).ok();
    let draft = [
        "report",
        "draft",
        "--case",
        "1",
        "--fiu",
        "ae",
        "--reason",
        "Pays three young women in PH at night.",
        "--action",
        "Account restricted.",
    ];
    as_("ana", &draft).ok();

    // A supervisor who rewrites the content becomes an author: no approving it.
    as_("sue", &["report", "redraft", "--report", "1"]).ok();
    as_("sue", &["report", "approve", "--report", "1"]).fails_with(&["self-approval refused"]);
    let listed = as_("aud", &["report", "list"]).ok().stdout;
    assert!(listed.contains("  ana, sue  "), "{listed}");
    let shown = show("1");
    assert!(shown.contains("authors          ana, sue"), "{shown}");
    // The redraft kept the analyst's reason and action.
    for kept in [
        "Pays three young women in PH at night.",
        "Account restricted.",
    ] {
        assert!(
            shown.contains(&format!("  {kept}")) || shown.contains(kept),
            "{shown}"
        );
        let xml = as_("aud", &["report", "show", "--report", "1", "--xml"])
            .ok()
            .stdout;
        assert!(xml.contains(kept), "{kept} kept in the XML");
    }
    as_(
        "ana",
        &[
            "report",
            "redraft",
            "--report",
            "1",
            "--action",
            "Relationship ended.",
        ],
    )
    .ok();
    let xml = as_("aud", &["report", "show", "--report", "1", "--xml"])
        .ok()
        .stdout;
    assert!(
        xml.contains("Pays three young women in PH at night.")
            && xml.contains("Relationship ended."),
        "{xml}"
    );

    // One open report per case.
    as_("ana", &draft).fails_with(&["case 1 already has report 1", "redraft report 1"]);

    // Filing: an unwritable place leaves the report approved.
    as_("sam", &["report", "approve", "--report", "1"]).ok();
    dir.write("not-a-dir", "a file");
    for out in ["not-a-dir/STR.xml", "missing/STR.xml"] {
        as_("ana", &["report", "file", "--report", "1", "--out", out])
            .fails_with(&["cannot write", "report 1 stays approved, not filed"]);
    }
    assert!(show("1").contains("status           approved"));
    // An existing file is not overwritten, without --force.
    dir.write("STR-1.xml", "an earlier file");
    as_(
        "ana",
        &["report", "file", "--report", "1", "--out", "STR-1.xml"],
    )
    .fails_with(&["STR-1.xml exists", "--force", "report 1 stays approved"]);
    assert_eq!(dir.read("STR-1.xml"), "an earlier file");
    assert!(show("1").contains("status           approved"));
    as_(
        "ana",
        &[
            "report",
            "file",
            "--report",
            "1",
            "--out",
            "STR-1.xml",
            "--force",
        ],
    )
    .ok();
    let filed = as_("aud", &["report", "show", "--report", "1", "--xml"])
        .ok()
        .stdout;
    assert_eq!(dir.read("STR-1.xml"), filed);
    let leftovers: Vec<_> = std::fs::read_dir(dir.join("."))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".spur-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // A later report on the filed case is a correction naming the filed one.
    as_("ana", &draft).fails_with(&["case 1 has filed report 1", "correction"]);
    as_(
        "ana",
        &[
            "report",
            "draft",
            "--case",
            "1",
            "--fiu",
            "ae",
            "--corrects",
            "1",
            "--fiu-ref",
            "AE-STR-2026-000123",
            "--out",
            "correction.xml",
        ],
    )
    .ok();
    let correction = dir.read("correction.xml");
    for needle in [
        "<entity_reference>1-c1</entity_reference>",
        "<fiu_ref_number>AE-STR-2026-000123</fiu_ref_number>",
        "CORRECTION: this report replaces in full the report with entity reference 1 filed on",
    ] {
        assert!(correction.contains(needle), "{needle} in\n{correction}");
    }
    xmllint(&dir, "correction.xml", "goAMLSchema-5.0.2-ae.xsd");
    let shown = show("2");
    assert!(
        shown.contains("corrects         report 1 (FIU reference AE-STR-2026-000123)"),
        "{shown}"
    );
    // A redraft keeps it a correction.
    as_(
        "sue",
        &[
            "report",
            "redraft",
            "--report",
            "2",
            "--out",
            "correction.xml",
        ],
    )
    .ok();
    assert!(dir
        .read("correction.xml")
        .contains("<entity_reference>1-c1</entity_reference>"));

    // A report on a closed case is not approved; closing needs a disposition.
    as_(
        "ana",
        &["case", "close", "--case", "1", "--reason", "reported"],
    )
    .fails_with(&["case 1 has no disposition"]);
    as_(
        "ana",
        &["case", "disposition", "--case", "1", "--to", "suspicious"],
    )
    .ok();
    as_(
        "ana",
        &["case", "close", "--case", "1", "--reason", "reported"],
    )
    .ok();
    as_("sam", &["report", "approve", "--report", "2"])
        .fails_with(&["report 2 is on case 1, which is closed"]);
    audit_ok(&dir, &db);
}

/// The engine keeps at most `max_evidence` payments per party as evidence:
/// a report that shows fewer than the party's payments says how many of how
/// many, and `--all-evidence` adds every kept payment of the party.
#[test]
fn a_report_showing_part_of_the_evidence_says_so() {
    let dir = Workdir::new("partial");
    let db = office(&dir);
    // The alert whose party has the most kept payments beyond its evidence
    // (payments kept as evidence of its counterparties).
    let alerts: Vec<Value> = spur(&dir, &db, Some("ana"), &["alerts", "--json"])
        .ok()
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let conn = rusqlite::Connection::open(&db).unwrap();
    let kept = |a: &Value| -> u64 {
        let column = if a["role"] == "sender" {
            "sender_id"
        } else {
            "receiver_id"
        };
        conn.query_row(
            &format!("SELECT COUNT(*) FROM payments WHERE {column} = ?1"),
            [a["subject"].as_str().unwrap()],
            |r| r.get(0),
        )
        .unwrap()
    };
    let evidence_of = |a: &Value| a["transactions"].as_array().unwrap().len() as u64;
    let partial = alerts
        .iter()
        .max_by_key(|a| kept(a).saturating_sub(evidence_of(a)))
        .expect("alerts");
    let total = partial["body"]["payments"].as_u64().unwrap();
    let evidence = evidence_of(partial);
    assert!(
        kept(partial) > evidence && total > evidence,
        "the scan has a party with more kept payments than its evidence: {partial} kept {}",
        kept(partial)
    );
    let as_ = |user: &str, args: &[&str]| spur_entity(&dir, &db, user, args);
    as_(
        "ana",
        &["case", "open", "--alert", &partial["id"].to_string()],
    )
    .ok();
    let run = as_(
        "ana",
        &[
            "report", "draft", "--case", "1", "--fiu", "generic", "--out", "r.xml",
        ],
    )
    .ok();
    let said = format!("shows {evidence} of {total} payments of the alerted parties");
    assert!(dir.read("r.xml").contains(&said), "{said}");
    assert!(run.stderr.contains("--all-evidence"), "{}", run.stderr);
    let run = as_(
        "ana",
        &[
            "report",
            "redraft",
            "--report",
            "1",
            "--all-evidence",
            "--out",
            "r.xml",
        ],
    )
    .ok();
    let xml = dir.read("r.xml");
    let shown = xml.matches("<transaction>").count() as u64;
    assert!(
        shown > evidence,
        "--all-evidence adds kept payments: {shown} <= {evidence}"
    );
    if shown < total {
        assert!(
            xml.contains(&format!("shows {shown} of {total} payments")),
            "{}",
            run.stderr
        );
    } else {
        assert!(!xml.contains("of the evidence"));
    }
    xmllint(&dir, "r.xml", "goAMLSchema-5.0.1-generic.xsd");
    // The choice is kept by the next redraft.
    as_(
        "ana",
        &["report", "redraft", "--report", "1", "--out", "r.xml"],
    )
    .ok();
    assert_eq!(
        dir.read("r.xml").matches("<transaction>").count() as u64,
        shown
    );
    assert!(as_("aud", &["report", "show", "--report", "1"])
        .ok()
        .stdout
        .contains("every kept payment of the alerted parties"));
}

// ---------------------------------------------------------------------------
// Bad input

#[test]
fn unknown_ids_and_illegal_transitions_are_clear_errors() {
    let dir = Workdir::new("errors");
    let db = office(&dir);
    let ids = alert_ids(&dir, &db);
    let (a1, a2) = (ids[0].to_string(), ids[1].to_string());
    let as_ = |user: &str, args: &[&str]| spur(&dir, &db, Some(user), args);

    spur(&dir, &db, None, &["alerts"]).fails_with(&["--user NAME or SPUR_USER"]);
    as_("mallory", &["alerts"]).fails_with(&["no user named \"mallory\""]);
    as_("ana", &["case", "show", "--case", "99"]).fails_with(&["no case with id 99"]);
    as_("ana", &["case", "open", "--alert", "99999"]).fails_with(&["no alert with id 99999"]);
    as_("sue", &["report", "approve", "--report", "7"]).fails_with(&["no report with id 7"]);
    as_("ana", &["report", "show", "--report", "7"]).fails_with(&["no report with id 7"]);

    as_("ana", &["case", "open", "--alert", &a1]).ok();
    as_("ana", &["case", "open", "--alert", &a1])
        .fails_with(&[&format!("alert {a1} is already in case 1")]);
    as_("ana", &["case", "assign", "--case", "1", "--to", "aud"]).fails_with(&["auditor"]);
    as_("ana", &["case", "assign", "--case", "1", "--to", "nobody"])
        .fails_with(&["no user named \"nobody\""]);
    as_(
        "ana",
        &["case", "close", "--case", "1", "--reason", "family support"],
    )
    .fails_with(&["case 1 has no disposition", "false_positive"]);
    as_(
        "ana",
        &[
            "case",
            "disposition",
            "--case",
            "1",
            "--to",
            "false-positive",
        ],
    )
    .ok();
    as_(
        "ana",
        &[
            "case",
            "close",
            "--case",
            "1",
            "--reason",
            "false positive: family support",
        ],
    )
    .ok();
    as_(
        "ana",
        &["case", "status", "--case", "1", "--to", "investigating"],
    )
    .fails_with(&["case 1"]);
    as_("ana", &["case", "add-alert", "--case", "1", "--alert", &a2])
        .fails_with(&["case 1 is closed"]);
    as_("ana", &["case", "note", "--case", "1", "--text", "late"])
        .fails_with(&["case 1 is closed"]);
    as_("ana", &["case", "status", "--case", "1", "--to", "closed"])
        .fails_with(&["invalid value 'closed'"]);
    let shown = as_("ana", &["case", "show", "--case", "1"]).ok().stdout;
    assert!(
        shown.contains("closed for   false positive: family support"),
        "{shown}"
    );

    // A database written by a newer spur is refused, not touched.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(
        "INSERT INTO schema_version (version, applied_at) VALUES (99, 0)",
        [],
    )
    .unwrap();
    drop(conn);
    as_("ana", &["alerts"]).fails_with(&["schema version 99, newer than version"]);
    spur(&dir, &db, None, &["scan", "sim/payments.csv"]).fails_with(&["schema version 99"]);
    spur(&dir, "mysql://h/db", Some("ana"), &["alerts"])
        .fails_with(&["unsupported database location"]);
}

#[test]
fn commands_default_to_spur_data_and_scan_without_db_stores_nothing() {
    let dir = Workdir::new("default");
    let payments = simulate(&dir, 200);
    let file = payments.display().to_string();
    let run = dir.spur(&["scan", &file, "--quiet"]).ok();
    assert!(run.stdout.lines().count() > 0, "alerts on stdout as before");
    assert!(!dir.join("spur-data").exists());
    dir.spur(&["user", "add", "ada", "--role", "admin"]).ok();
    assert!(dir.join("spur-data/spur.db").exists());
    let table = dir
        .spur_with(&["alerts"], &[("SPUR_USER", "ada")], None)
        .ok()
        .stdout;
    assert!(table.ends_with("0 alerts\n"), "{table}");
}

#[test]
fn commands_other_than_scan_and_user_add_refuse_to_create_a_database() {
    let dir = Workdir::new("no-db");
    let env = [("SPUR_USER", "ada")];
    for args in [
        &["alerts"][..],
        &["user", "list"],
        &["case", "list"],
        &["report", "list"],
        &["audit", "verify"],
    ] {
        dir.spur_with(args, &env, None).fails_with(&[
            "no spur database at spur-data/spur.db",
            "run `spur scan FILE --db ...` or `spur user add` first, or pass --db",
        ]);
    }
    let elsewhere = dir.join("typo/spur.db").display().to_string();
    dir.spur_with(&["alerts", "--db", &elsewhere], &env, None)
        .fails_with(&[&format!("no spur database at {elsewhere}")]);
    assert!(!dir.join("spur-data").exists() && !dir.join("typo").exists());
}

#[test]
fn users_disabled_and_demoted_and_the_audit_log_read_and_verified() {
    let dir = Workdir::new("trust");
    let db = office(&dir);
    let as_ = |who: &str, args: &[&str]| spur(&dir, &db, Some(who), args);
    let ids = alert_ids(&dir, &db);
    as_("ana", &["case", "open", "--alert", &ids[0].to_string()]).ok();
    as_(
        "ana",
        &["case", "note", "--case", "1", "--text", "pays at night"],
    )
    .ok();

    // The last admin stays one; a disabled user can do nothing.
    as_("ada", &["user", "disable", "ada"]).fails_with(&["\"ada\" is the last active admin"]);
    as_("ada", &["user", "role", "ada", "analyst"]).fails_with(&["last active admin"]);
    as_("sue", &["user", "disable", "ana"]).fails_with(&["role supervisor may not manage users"]);
    let said = as_("ada", &["user", "role", "sam", "analyst"]).ok().stdout;
    assert_eq!(said, "user sam is now analyst\n");
    as_("ada", &["user", "disable", "ana"]).ok();
    as_("ana", &["case", "note", "--case", "1", "--text", "x"])
        .fails_with(&["user \"ana\" is disabled"]);
    as_("ana", &["alerts"]).fails_with(&["is disabled"]);
    let users = as_("aud", &["user", "list"]).ok().stdout;
    let lines: Vec<&str> = users.lines().collect();
    assert!(
        lines[0].contains("role") && lines[0].ends_with("disabled"),
        "{users}"
    );
    let column = |l: &str| l.find("20").unwrap();
    assert!(
        lines[1..].iter().all(|l| column(l) == column(lines[1])),
        "{users}"
    );
    let ana = lines.iter().find(|l| l.contains(" ana ")).unwrap();
    assert!(
        !ana.ends_with(" -"),
        "ana shows when she was disabled: {users}"
    );

    // The auditor reads the log, filtered; an analyst does not.
    let log = as_(
        "aud",
        &["audit", "log", "--actor", "ada", "--action", "user"],
    )
    .ok()
    .stdout;
    let actions: Vec<&str> = log
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().nth(3))
        .collect();
    assert_eq!(
        actions,
        [
            "user.add",
            "user.add",
            "user.add",
            "user.add",
            "user.add",
            "user.set_role",
            "user.disable"
        ],
        "{log}"
    );
    assert!(log.ends_with("7 entries\n"), "{log}");
    let case = as_("sue", &["audit", "log", "--case", "1", "--json"])
        .ok()
        .stdout;
    let case: Vec<Value> = case
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(case.len(), 2);
    assert_eq!(case[1]["action"], "case.note");
    let scans = as_("aud", &["audit", "log", "--alert", &ids[0].to_string()])
        .ok()
        .stdout;
    assert!(scans.contains("scan.commit"), "{scans}");
    as_("aud", &["audit", "log", "--since", "yesterday"]).fails_with(&["--since \"yesterday\""]);
    as_("sam", &["audit", "log"]).fails_with(&["may not read the audit log"]);
    audit_ok(&dir, &db);

    // Rows edited behind spur's back are named, each.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(&format!(
        "UPDATE users SET role = 'admin' WHERE name = 'sam'; \
         UPDATE cases SET status = 'closed' WHERE id = 1; \
         UPDATE alerts SET score = 0.01 WHERE id = {};",
        ids[1]
    ))
    .unwrap();
    drop(conn);
    let run = spur(&dir, &db, None, &["audit", "verify"])
        .fails_with(&["3 protected row(s) were changed, added or deleted"]);
    for said in [
        "user sam: role changed after audit entry".to_owned(),
        "case 1: status changed after audit entry".to_owned(),
        format!("alert {}: differs from what audit entry", ids[1]),
    ] {
        assert!(run.stdout.contains(&said), "{said} in {}", run.stdout);
    }
}

#[test]
fn logs_at_info_and_above_name_no_party() {
    let dir = Workdir::new("logs");
    let payments = simulate(&dir, 200);
    let text = std::fs::read_to_string(&payments).unwrap();
    // Party ids and names: columns sender_id, sender_name, receiver_id, receiver_name.
    let mut personal = std::collections::BTreeSet::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        for i in [4, 5, 7, 8] {
            if f[i].len() > 3 {
                personal.insert(f[i].to_owned());
            }
        }
    }
    let db = dir.join("logs.db").display().to_string();
    let file = payments.display().to_string();
    let info = |user: Option<&str>, args: &[&str]| {
        let mut env = vec![
            ("SPUR_DB", db.as_str()),
            ("SPUR_LOG", "info"),
            ("SPUR_ENTITY", ENTITY),
        ];
        if let Some(u) = user {
            env.push(("SPUR_USER", u));
        }
        dir.spur_with(args, &env, None).ok().stderr
    };
    let mut logs = info(None, &["scan", &file, "--quiet"]);
    logs += &info(None, &["scan", &file, "--quiet"]);
    logs += &info(None, &["user", "add", "ada", "--role", "admin"]);
    logs += &info(Some("ada"), &["user", "add", "ana", "--role", "analyst"]);
    let first = alert_ids(&dir, &db)[0].to_string();
    logs += &info(Some("ana"), &["case", "open", "--alert", &first]);
    logs += &info(
        Some("ana"),
        &["report", "draft", "--case", "1", "--fiu", "ae"],
    );
    let events: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains(" INFO ") || l.contains(" WARN ") || l.contains(" ERROR "))
        .collect();
    assert!(events.iter().any(|l| l.contains("stored")), "{logs}");
    for e in &events {
        for p in &personal {
            assert!(!e.contains(p.as_str()), "{p:?} in the log line {e}");
        }
    }
}

#[test]
fn token_create_prints_the_secret_once_and_list_and_revoke_never_show_it() {
    let dir = Workdir::new("tokens");
    let db = Db::Sqlite.create(&dir, "tokens");
    spur(&dir, &db, None, &["user", "add", "ada", "--role", "admin"]).ok();
    spur(
        &dir,
        &db,
        Some("ada"),
        &["user", "add", "feed", "--role", "ingest"],
    )
    .ok();
    spur(
        &dir,
        &db,
        Some("ada"),
        &["user", "add", "ana", "--role", "analyst"],
    )
    .ok();
    let created = spur(
        &dir,
        &db,
        Some("ada"),
        &["token", "create", "--for", "feed"],
    )
    .ok();
    // Standard output is the secret alone, for `TOKEN=$(spur token create ...)`.
    let secret = created.stdout.trim_end_matches('\n');
    assert!(
        secret.starts_with("spur_") && secret.len() == 69 && !secret.contains('\n'),
        "{secret:?}"
    );
    assert!(
        created.stderr.contains("token 1 for feed created") && created.stderr.contains("once"),
        "{}",
        created.stderr
    );
    let listed = spur(&dir, &db, Some("ada"), &["token", "list"]).ok();
    assert!(listed.stdout.contains("feed") && listed.stdout.contains("ada"));
    assert!(!listed.stdout.contains(&secret[5..]), "{}", listed.stdout);
    spur(&dir, &db, Some("ana"), &["token", "create", "--for", "ana"])
        .fails_with(&["analyst may not manage API tokens"]);
    spur(&dir, &db, Some("ana"), &["alerts"]).ok();
    spur(&dir, &db, Some("feed"), &["alerts"]).fails_with(&["ingest may not read"]);
    let revoked = spur(
        &dir,
        &db,
        Some("ada"),
        &["token", "revoke", "--token-id", "1"],
    )
    .ok();
    assert_eq!(revoked.stdout, "token 1 of feed revoked\n");
    spur(
        &dir,
        &db,
        Some("ada"),
        &["token", "revoke", "--token-id", "1"],
    )
    .fails_with(&["token 1 is already revoked"]);
    let log = spur(
        &dir,
        &db,
        Some("ada"),
        &["audit", "log", "--action", "token"],
    )
    .ok();
    assert!(
        log.stdout.contains("token.create") && log.stdout.contains("token.revoke"),
        "{}",
        log.stdout
    );
    assert!(!log.stdout.contains(&secret[5..]));
    audit_ok(&dir, &db);
}
