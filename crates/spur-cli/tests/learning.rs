//! Learning from the analysts through the real binary: labels imported
//! (bad lines named, good ones kept, only workers), the guard rails (too few
//! labels, a model worse than the rules, activation by its trainer), and
//! train → show → activate → export → scan --model. SQLite in a temporary
//! folder; all data synthetic.

mod common;

use std::collections::HashMap;

use common::{Run, Workdir};
use serde_json::Value;

fn as_user(dir: &Workdir, db: &str, user: &str, args: &[&str]) -> Run {
    dir.spur_with(args, &[("SPUR_DB", db), ("SPUR_USER", user)], None)
}

/// Simulated traffic scanned into a database from the rules' score 0.3 on
/// (candidates for a model), and the office's staff.
fn office(dir: &Workdir) -> String {
    dir.spur(&[
        "simulate",
        "--out",
        "sim",
        "--senders",
        "20000",
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
        "--threshold",
        "0.3",
        "--alerts",
        "alerts.jsonl",
        "--quiet",
    ])
    .ok();
    dir.spur(&["user", "add", "ada", "--role", "admin", "--db", &db])
        .ok();
    for (name, role) in [
        ("ana", "analyst"),
        ("sue", "supervisor"),
        ("sam", "supervisor"),
        ("aud", "auditor"),
    ] {
        as_user(dir, &db, "ada", &["user", "add", name, "--role", role]).ok();
    }
    db
}

/// (party, role) of every alert of the scan, with its truth.
fn alerted_with_truth(dir: &Workdir) -> Vec<(String, String, bool)> {
    let mut truth = HashMap::new();
    for line in dir.read("sim/truth.csv").lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let positive = matches!(
            (f[1], f[2]),
            ("sender", "osec_offender") | ("receiver", "osec_facilitator")
        );
        truth.insert((f[0].to_owned(), f[1].to_owned()), positive);
    }
    dir.read("alerts.jsonl")
        .lines()
        .map(|l| {
            let a: Value = serde_json::from_str(l).unwrap();
            let key = (
                a["subject"].as_str().unwrap().to_owned(),
                a["role"].as_str().unwrap().to_owned(),
            );
            let positive = truth.get(&key).copied().unwrap_or(false);
            (key.0, key.1, positive)
        })
        .collect()
}

fn labels_file(rows: &[(String, String, bool)], flip: impl Fn(usize) -> bool) -> String {
    let mut text = String::from("party_id,role,disposition\n");
    for (i, (party, role, positive)) in rows.iter().enumerate() {
        let positive = *positive != flip(i);
        let d = if positive {
            "suspicious"
        } else {
            "false-positive"
        };
        text.push_str(&format!("{party},{role},{d}\n"));
    }
    text
}

fn version_of(train: &Run) -> String {
    let line = train.stdout.lines().next().unwrap();
    line.split_whitespace().nth(2).unwrap().to_owned()
}

#[test]
fn train_show_activate_export_and_scan_with_the_model() {
    let dir = Workdir::new("learn-round-trip");
    let db = office(&dir);
    let rows = alerted_with_truth(&dir);
    assert!(rows.len() > 100, "{} alerts", rows.len());

    // Guard rail: no labels yet, no model; nothing stored.
    as_user(
        &dir,
        &db,
        "sue",
        &["model", "train", "--candidates-from", "0.3"],
    )
    .fails_with(&["too few labels to train: 0 labelled alerts", "at least 50"]);

    // Labels: only analysts and supervisors import; a bad line costs only itself.
    let mut text = labels_file(&rows, |_| false);
    text.push_str("S-X,payer,suspicious\n");
    dir.write("labels.csv", &text);
    as_user(
        &dir,
        &db,
        "aud",
        &["feedback", "import", "--file", "labels.csv"],
    )
    .fails_with(&["auditor may not import labels"]);
    let import = as_user(
        &dir,
        &db,
        "ana",
        &["feedback", "import", "--file", "labels.csv"],
    )
    .ok();
    let bad_line = rows.len() + 2;
    assert!(
        import.stderr.contains(&format!(
            "labels.csv:{bad_line}: role: \"payer\" is not sender or receiver"
        )),
        "{}",
        import.stderr
    );
    assert!(
        import
            .stdout
            .contains(&format!("imported {} label(s)", rows.len())),
        "{}",
        import.stdout
    );

    // Train: a version with its cross-validated figures beside the rules'.
    let train = as_user(
        &dir,
        &db,
        "sue",
        &["model", "train", "--candidates-from", "0.3"],
    )
    .ok();
    assert!(train.stdout.contains("(candidate)"), "{}", train.stdout);
    assert!(
        train.stdout.contains("cross-validated precision"),
        "{}",
        train.stdout
    );
    let v = version_of(&train);
    assert_eq!(v, "1");

    // Show: the versions, then one with its weights.
    let list = as_user(&dir, &db, "aud", &["model", "show"]).ok();
    assert!(list.stdout.contains("candidate"), "{}", list.stdout);
    let one = as_user(&dir, &db, "aud", &["model", "show", "--version", "1"]).ok();
    assert!(one.stdout.contains("the rules' score"), "{}", one.stdout);
    assert!(one.stdout.contains("weight per sd"), "{}", one.stdout);

    // Shadow: what the model would drop, in sentences.
    let shadow = as_user(&dir, &db, "ana", &["model", "shadow", "--version", "1"]).ok();
    assert!(
        shadow.stdout.contains("the model would drop"),
        "{}",
        shadow.stdout
    );
    assert!(
        shadow.stdout.contains("would be dropped") && shadow.stdout.contains("would be added"),
        "{}",
        shadow.stdout
    );
    assert!(
        shadow.stdout.contains("the model's log-odds by"),
        "{}",
        shadow.stdout
    );

    // Figures made under the rules say no model; once one is active, their
    // manifest names it, and the figures made before no longer verify.
    as_user(&dir, &db, "aud", &["stats", "--out", "rules", "--k", "1"]).ok();
    let manifest = |d: &str| -> serde_json::Value {
        serde_json::from_str(&dir.read(&format!("{d}/manifest.json"))).unwrap()
    };
    assert!(manifest("rules")["model"].is_null());

    // Four eyes: neither the trainer nor an analyst activates; another supervisor does.
    as_user(&dir, &db, "sue", &["model", "activate", "--version", "1"])
        .fails_with(&["self-activation refused", "model version 1"]);
    as_user(&dir, &db, "ana", &["model", "activate", "--version", "1"])
        .fails_with(&["analyst may not activate models"]);
    as_user(&dir, &db, "sam", &["model", "activate", "--version", "1"]).ok();
    as_user(&dir, &db, "aud", &["stats", "--out", "model", "--k", "1"]).ok();
    let m = manifest("model");
    assert_eq!(m["model"]["version"], 1, "{m}");
    assert_eq!(m["model"]["sha256"].as_str().map(str::len), Some(64), "{m}");
    as_user(&dir, &db, "aud", &["stats", "verify", "--dir", "rules"])
        .fails_with(&["manifest.json"]);
    as_user(&dir, &db, "aud", &["stats", "verify", "--dir", "model"]).ok();
    let list = as_user(&dir, &db, "aud", &["model", "show"]).ok();
    assert!(list.stdout.contains("active"), "{}", list.stdout);
    // An active model's contributions read as sentences in the alert.
    let alert = as_user(&dir, &db, "ana", &["alert", "show", "--alert", "1"]).ok();
    assert!(
        alert
            .stdout
            .contains("the active learned model (version 1)")
            && alert.stdout.contains("the model's log-odds by")
            && alert.stdout.contains("against its threshold"),
        "{}",
        alert.stdout
    );

    // A model worse than the rules is stored refused and cannot be activated:
    // labels that contradict the truth on a third of the alerts.
    dir.write("noise.csv", &labels_file(&rows, |i| i % 3 == 0));
    as_user(
        &dir,
        &db,
        "ana",
        &["feedback", "import", "--file", "noise.csv"],
    )
    .ok();
    let worse = as_user(
        &dir,
        &db,
        "ana",
        &["model", "train", "--candidates-from", "0.3"],
    )
    .ok();
    assert!(worse.stdout.contains("(refused)"), "{}", worse.stdout);
    assert!(
        worse.stdout.contains("below the rules'"),
        "{}",
        worse.stdout
    );
    let v2 = version_of(&worse);
    as_user(&dir, &db, "sam", &["model", "activate", "--version", &v2])
        .fails_with(&["was refused", "cannot be activated"]);

    // Export and scan a file with the model: each alert carries its sentences.
    as_user(
        &dir,
        &db,
        "aud",
        &["model", "export", "--version", "1", "--out", "model.json"],
    )
    .ok();
    as_user(
        &dir,
        &db,
        "aud",
        &["model", "export", "--version", "1", "--out", "model.json"],
    )
    .fails_with(&["model.json", "never overwritten"]);
    let scan = dir
        .spur(&[
            "scan",
            "sim/payments.csv",
            "--model",
            "model.json",
            "--alerts",
            "scored.jsonl",
            "--quiet",
        ])
        .ok();
    assert!(
        scan.stderr.contains("learned model     version 1:"),
        "{}",
        scan.stderr
    );
    let scored: Vec<Value> = dir
        .read("scored.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!scored.is_empty() && scored.len() < rows.len());
    for a in &scored {
        let m = &a["model"];
        assert_eq!(m["version"], 1);
        assert_eq!(m["flagged"], true);
        let contributions = m["contributions"].as_array().unwrap();
        assert!(!contributions.is_empty());
        // Exact: the intercept plus the contributions are the model's log-odds.
        let logit: f64 = m["intercept"].as_f64().unwrap()
            + contributions
                .iter()
                .map(|c| c["log_odds"].as_f64().unwrap())
                .sum::<f64>();
        let p = 1.0 / (1.0 + (-logit).exp());
        assert!((p - m["probability"].as_f64().unwrap()).abs() < 1e-9);
        assert!(contributions[0]["sentence"]
            .as_str()
            .unwrap()
            .contains("the model's log-odds by"));
        // The rules' findings are still there, as always.
        assert!(!a["indicators"].as_array().unwrap().is_empty());
    }
    // Carried to another database: imported as its next version, activated
    // there by a supervisor other than the importer.
    let other = dir.join("other.db").display().to_string();
    dir.spur(&["user", "add", "ada", "--role", "admin", "--db", &other])
        .ok();
    for (name, role) in [("sue", "supervisor"), ("sam", "supervisor")] {
        as_user(&dir, &other, "ada", &["user", "add", name, "--role", role]).ok();
    }
    let imported = as_user(
        &dir,
        &other,
        "sue",
        &["model", "import", "--file", "model.json"],
    )
    .ok();
    assert!(
        imported.stdout.contains("stored as version 1 (candidate)"),
        "{}",
        imported.stdout
    );
    as_user(
        &dir,
        &other,
        "sue",
        &["model", "activate", "--version", "1"],
    )
    .fails_with(&["self-activation refused"]);
    as_user(
        &dir,
        &other,
        "sam",
        &["model", "activate", "--version", "1"],
    )
    .ok();
    as_user(&dir, &other, "sam", &["audit", "verify"]).ok();

    // --model with a database is refused: stored alerts are the rules'.
    dir.spur(&[
        "scan",
        "sim/payments.csv",
        "--model",
        "model.json",
        "--db",
        &db,
        "--quiet",
    ])
    .fails_with(&["--model scores a file scan"]);

    // Everything above is in the audit chain, and the chain holds.
    let log = as_user(&dir, &db, "aud", &["audit", "log"]).ok();
    for action in ["labels.import", "model.train", "model.activate"] {
        assert!(log.stdout.contains(action), "{action}: {}", log.stdout);
    }
    as_user(&dir, &db, "aud", &["audit", "verify"]).ok();
}

#[test]
fn a_bad_model_file_is_named_not_a_panic() {
    let dir = Workdir::new("learn-bad-model");
    dir.write("p.csv", "txn_id\n");
    dir.write("model.json", "{\"version\": 1}\n");
    dir.spur(&["scan", "p.csv", "--model", "model.json"])
        .fails_with(&["model.json", "line 1"]);
    dir.spur(&["scan", "p.csv", "--model", "missing.json"])
        .fails_with(&["cannot read missing.json"]);
}
