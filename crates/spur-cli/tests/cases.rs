//! End to end with a database: idempotent ingestion (also when a scan is
//! killed), the case workflow with four eyes, goAML reports and the audit
//! trail, on SQLite in a temporary folder and on the PostgreSQL of
//! `SPUR_TEST_PG` (set by scripts/test; without it those tests fail).
//! All names and ids are synthetic.
//!
//! The tests are grouped by subject, one file each under tests/cases/; the
//! harness and the helpers they share are here.

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

// The tests in files of their own, by subject (tests/cases/).
#[path = "cases/errors.rs"]
mod errors;
#[path = "cases/ingestion.rs"]
mod ingestion;
#[path = "cases/logs.rs"]
mod logs;
#[path = "cases/reports.rs"]
mod reports;
#[path = "cases/users.rs"]
mod users;
