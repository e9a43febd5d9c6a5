//! What an analyst reads at the terminal: filtered alert lists, one alert
//! with its counterparties and payments, evaluation from the database,
//! payment data shown escaped, and output into a pipe that closes early.
//! On SQLite in a temporary folder; all names and ids are synthetic.

mod common;

use std::io::Read;
use std::process::Stdio;

use common::{Run, Workdir};
use serde_json::Value;

/// A database with a scan of simulated traffic and one admin, `ada`.
fn office(name: &str, senders: &str) -> (Workdir, String) {
    let dir = Workdir::new(name);
    dir.spur(&[
        "simulate",
        "--out",
        "sim",
        "--senders",
        senders,
        "--seed",
        "11",
        "--days",
        "30",
    ])
    .ok();
    let db = dir.join("spur.db").display().to_string();
    dir.spur(&[
        "scan",
        "sim/payments.csv",
        "--db",
        &db,
        "--alerts",
        "alerts.jsonl",
        "--quiet",
    ])
    .ok();
    dir.spur(&["user", "add", "ada", "--role", "admin", "--db", &db])
        .ok();
    as_ada(&dir, &db, &["user", "add", "ana", "--role", "analyst"]).ok();
    (dir, db)
}

fn as_ana(dir: &Workdir, db: &str, args: &[&str]) -> Run {
    dir.spur_with(args, &[("SPUR_DB", db), ("SPUR_USER", "ana")], None)
}

fn as_ada(dir: &Workdir, db: &str, args: &[&str]) -> Run {
    dir.spur_with(args, &[("SPUR_DB", db), ("SPUR_USER", "ada")], None)
}

fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn ids(alerts: &[Value]) -> Vec<i64> {
    alerts.iter().map(|a| a["id"].as_i64().unwrap()).collect()
}

fn codes(a: &Value) -> Vec<&str> {
    a["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect()
}

#[test]
fn alerts_filter_by_role_score_indicator_country_status_and_assignee() {
    let (dir, db) = office("filters", "2000");
    let all = json_lines(&as_ada(&dir, &db, &["alerts", "--json"]).ok().stdout);
    assert!(all.len() > 20, "{} alerts", all.len());
    let listed = |args: &[&str]| {
        let mut a = vec!["alerts", "--json"];
        a.extend_from_slice(args);
        ids(&json_lines(&as_ada(&dir, &db, &a).ok().stdout))
    };
    let expect = |keep: &dyn Fn(&Value) -> bool| {
        ids(&all.iter().filter(|a| keep(a)).cloned().collect::<Vec<_>>())
    };
    let check = |args: &[&str], keep: &dyn Fn(&Value) -> bool| {
        let (got, want) = (listed(args), expect(keep));
        assert!(
            !want.is_empty() && want.len() < all.len(),
            "{args:?} selects nothing or all"
        );
        assert_eq!(got, want, "{args:?}");
    };
    check(&["--role", "receiver"], &|a| a["role"] == "receiver");
    check(&["--min-score", "0.8"], &|a| {
        a["score"].as_f64().unwrap() >= 0.8
    });
    check(&["--indicator", "r-ring"], &|a| {
        codes(a).contains(&"R-RING")
    });
    let country = all[0]["country"].as_str().unwrap().to_owned();
    check(&["--country", &country], &|a| {
        a["country"] == country.as_str()
    });
    check(&["--role", "sender", "--min-score", "0.7"], &|a| {
        a["role"] == "sender" && a["score"].as_f64().unwrap() >= 0.7
    });

    let first = all[0]["id"].as_i64().unwrap().to_string();
    as_ana(&dir, &db, &["case", "open", "--alert", &first]).ok();
    assert_eq!(
        listed(&["--status", "in_case"]),
        vec![all[0]["id"].as_i64().unwrap()]
    );
    assert_eq!(
        listed(&["--status", "in-case"]),
        listed(&["--status", "in_case"])
    );
    assert_eq!(listed(&["--status", "new"]).len(), all.len() - 1);
    assert_eq!(listed(&["--status", "new,in_case"]).len(), all.len());
    assert!(listed(&["--status", "cleared"]).is_empty());
    // An analyst's own work: the alerts of the cases assigned to them.
    assert!(listed(&["--assignee", "ana"]).is_empty());
    as_ana(&dir, &db, &["case", "assign", "--case", "1", "--to", "ana"]).ok();
    assert_eq!(
        listed(&["--assignee", "ana"]),
        vec![all[0]["id"].as_i64().unwrap()]
    );
    assert!(listed(&["--assignee", "ada"]).is_empty());

    // The table: one header, one row per alert, aligned columns.
    let table = as_ada(&dir, &db, &["alerts", "--role", "receiver"])
        .ok()
        .stdout;
    let lines: Vec<&str> = table.lines().collect();
    let n = expect(&|a| a["role"] == "receiver").len();
    assert_eq!(lines.len(), n + 2, "{table}");
    assert_eq!(lines[n + 1], format!("{n} alerts"));
    let subject_at = lines[0].find("subject").unwrap();
    for l in &lines[1..=n] {
        assert!(l[subject_at..].starts_with('R'), "misaligned: {l}\n{table}");
    }
    as_ada(&dir, &db, &["alerts", "--status", "closed"]).fails_with(&["closed"]);
}

#[test]
fn alert_show_explains_the_alert_with_counterparties_and_payments() {
    let (dir, db) = office("show", "1500");
    let all = json_lines(&as_ada(&dir, &db, &["alerts", "--json"]).ok().stdout);
    let a = &all[0];
    let id = a["id"].as_i64().unwrap().to_string();
    let text = as_ada(&dir, &db, &["alert", "show", "--alert", &id])
        .ok()
        .stdout;
    assert!(
        text.starts_with(&format!(
            "alert {id}: {} {}",
            a["role"].as_str().unwrap(),
            a["subject"].as_str().unwrap()
        )),
        "{text}"
    );
    for code in codes(a) {
        assert!(text.contains(code), "{code} missing:\n{text}");
    }
    for t in a["transactions"].as_array().unwrap() {
        assert!(text.contains(t.as_str().unwrap()), "{t} missing:\n{text}");
    }
    assert!(text.contains("\ncounterparties ("), "{text}");

    let detail: Value = serde_json::from_str(
        &as_ada(&dir, &db, &["alert", "show", "--alert", &id, "--json"])
            .ok()
            .stdout,
    )
    .unwrap();
    let payments = detail["payments"].as_array().unwrap();
    assert_eq!(payments.len(), a["transactions"].as_array().unwrap().len());
    // Every counterparty is the other side of some payment, and their counts add up.
    let subject = a["subject"].as_str().unwrap();
    let mut total = 0;
    for c in detail["counterparties"].as_array().unwrap() {
        let cid = c["id"].as_str().unwrap();
        let n = payments
            .iter()
            .filter(|p| {
                (p["sender_id"] == subject && p["receiver_id"] == cid)
                    || (p["receiver_id"] == subject && p["sender_id"] == cid)
            })
            .count();
        assert_eq!(c["payments"].as_u64().unwrap() as usize, n, "{cid}");
        total += n;
    }
    assert_eq!(total, payments.len());
    as_ada(&dir, &db, &["alert", "show", "--alert", "999999"])
        .fails_with(&["no alert with id 999999"]);
}

#[test]
fn eval_reads_the_alerts_from_the_database() {
    let (dir, db) = office("eval", "1500");
    let from_file = dir
        .spur(&[
            "eval",
            "--truth",
            "sim/truth.csv",
            "--alerts",
            "alerts.jsonl",
            "--json",
        ])
        .ok()
        .stdout;
    let from_db = as_ada(&dir, &db, &["eval", "--truth", "sim/truth.csv", "--json"])
        .ok()
        .stdout;
    assert_eq!(from_db, from_file);
    dir.spur(&["eval", "--truth", "sim/truth.csv"])
        .fails_with(&["--alerts FILE", "--db DB"]);
}

#[test]
fn control_characters_in_stored_text_are_shown_escaped() {
    let (dir, db) = office("escape", "600");
    let all = json_lines(&as_ada(&dir, &db, &["alerts", "--json"]).ok().stdout);
    let first = all[0]["id"].as_i64().unwrap().to_string();
    as_ana(&dir, &db, &["case", "open", "--alert", &first]).ok();
    as_ana(
        &dir,
        &db,
        &[
            "case",
            "note",
            "--case",
            "1",
            "--text",
            "called\x1b[2J\x1b]0;owned\x07 back\u{202e}",
        ],
    )
    .ok();
    let shown = as_ada(&dir, &db, &["case", "show", "--case", "1"])
        .ok()
        .stdout;
    assert!(
        !shown.contains('\x1b') && !shown.contains('\x07') && !shown.contains('\u{202e}'),
        "{shown:?}"
    );
    assert!(
        shown.contains("called\\x1b[2J\\x1b]0;owned\\x07 back\\u{202e}"),
        "{shown}"
    );
}

#[test]
fn output_into_a_pipe_closed_early_ends_quietly() {
    let (dir, db) = office("pipe", "3000");
    for args in [
        &["alerts", "--json"][..],
        &["alerts"][..],
        &["eval", "--truth", "sim/truth.csv"][..],
    ] {
        let mut child = dir
            .command(args, &[("SPUR_DB", &db), ("SPUR_USER", "ada")])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut head = [0u8; 16];
        child.stdout.take().unwrap().read_exact(&mut head).unwrap();
        // The reader is gone: spur's next writes meet a closed pipe.
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}

#[test]
fn control_characters_never_reach_the_terminal_raw() {
    let (dir, db) = office("escape-all", "600");
    let evil = "ev\x1b[2Jil\u{202e}";
    let runs = [
        as_ada(&dir, &db, &["user", "add", evil, "--role", "analyst"]),
        as_ada(&dir, &db, &["user", "list"]),
        as_ada(&dir, &db, &["user", "disable", evil]),
        as_ada(&dir, &db, &["case", "assign", "--case", "1", "--to", evil]),
        as_ada(&dir, &db, &["alerts", "--indicator", evil]),
        dir.spur_with(&["alerts"], &[("SPUR_DB", &db), ("SPUR_USER", evil)], None),
        dir.spur(&["scan", evil, "--alerts", "a.jsonl"]),
    ];
    for run in runs {
        for (what, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
            assert!(
                !text.contains('\x1b') && !text.contains('\u{202e}'),
                "{}: raw control character on {what}: {text:?}",
                run.what
            );
        }
    }
}
