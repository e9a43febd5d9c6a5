//! Scanning the scenario: explained alerts sorted by score and the summary, alerts on stdout, input order, and the alerts' snapshot.

use super::*;

use std::collections::BTreeSet;

fn find<'a>(alerts: &'a [Value], subject: &str, role: &str) -> Option<&'a Value> {
    alerts
        .iter()
        .find(|a| a["subject"] == subject && a["role"] == role)
}

fn codes(alert: &Value) -> Vec<&str> {
    alert["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect()
}

#[test]
fn scan_writes_explained_alerts_sorted_by_score() {
    let dir = Workdir::new("scan");
    let rows = scenario();
    dir.write("payments.csv", &to_csv(&rows));
    let (text, run) = scan(&dir, "payments.csv", &[]);
    let alerts = parse_alerts(&text);

    for a in &alerts {
        for key in [
            "subject",
            "role",
            "score",
            "indicators",
            "transactions",
            "first_seen",
            "last_seen",
        ] {
            assert!(a.get(key).is_some(), "{key} missing from {a}");
        }
        assert!(
            ["sender", "receiver"].contains(&a["role"].as_str().unwrap()),
            "{a}"
        );
        let score = a["score"].as_f64().unwrap();
        assert!((0.5..=1.0).contains(&score), "{a}");
        let findings = a["indicators"].as_array().unwrap();
        assert!(!findings.is_empty(), "{a}");
        for f in findings {
            assert!(
                f["code"].is_string() && f["contribution"].is_f64() && f["reason"].is_string(),
                "{f}"
            );
            assert!(!f["reason"].as_str().unwrap().is_empty(), "{f}");
        }
        let sum: f64 = findings
            .iter()
            .map(|f| f["contribution"].as_f64().unwrap())
            .sum();
        assert!(
            (sum - score).abs() < 0.01,
            "contributions add up to the score: {a}"
        );
        for t in ["first_seen", "last_seen"] {
            let s = a[t].as_str().unwrap();
            assert!(
                s.len() == 20 && s.ends_with('Z'),
                "{t} is an RFC 3339 UTC time: {s}"
            );
        }
        assert!(a["first_seen"].as_str() <= a["last_seen"].as_str(), "{a}");
        let known: BTreeSet<&str> = rows.iter().map(|r| r.fields[0].as_str()).collect();
        for t in a["transactions"].as_array().unwrap() {
            assert!(
                known.contains(t.as_str().unwrap()),
                "evidence {t} is a txn_id of the input"
            );
        }
    }
    let scores: Vec<f64> = alerts
        .iter()
        .map(|a| a["score"].as_f64().unwrap())
        .collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "sorted by score, highest first: {scores:?}"
    );

    let customer = find(&alerts, "S-1001", "sender").expect("the customer alerts");
    for code in ["P-MULTIBEN", "P-HOURS", "P-LOWVAL"] {
        assert!(
            codes(customer).contains(&code),
            "{code} explains the customer: {customer}"
        );
    }
    assert_eq!(
        customer["transactions"].as_array().unwrap().len(),
        30,
        "{customer}"
    );
    assert_eq!(customer["first_seen"], rows[0].fields[1]);
    let hub = find(&alerts, "R-3001", "receiver").expect("the facilitator alerts");
    assert!(codes(hub).contains(&"R-FANIN"), "{hub}");
    for quiet in ["S-5001", "R-5002", "S-6001", "R-6002"] {
        assert!(
            alerts.iter().all(|a| a["subject"] != quiet),
            "{quiet} is legitimate and must not alert:\n{text}"
        );
    }

    // The summary, on stderr.
    let s = &squash(&run.stderr);
    assert!(
        run.stdout.is_empty(),
        "alerts go to the file, not stdout: {}",
        run.stdout
    );
    assert!(
        s.contains(&format!("payments read {} rejected 0", rows.len())),
        "{s}"
    );
    assert!(
        s.contains("parties") && s.contains("senders,") && s.contains("receivers"),
        "{s}"
    );
    let alert_line = s
        .lines()
        .find(|l| l.trim_start().starts_with("alerts"))
        .unwrap_or_else(|| panic!("{s}"));
    let senders = alerts.iter().filter(|a| a["role"] == "sender").count();
    let receivers = alerts.len() - senders;
    assert!(
        alert_line.contains(&format!("{senders} senders, {receivers} receivers")),
        "{alert_line}"
    );
    assert!(s.contains("top indicators"), "{s}");
    assert!(s.contains("throughput") && s.contains("payments/s"), "{s}");
    assert!(
        !dir.join("rejects.csv").exists(),
        "no rejects file without rejects"
    );
}

#[test]
fn alerts_go_to_stdout_without_alerts_flag() {
    let dir = Workdir::new("stdout");
    let expected = scenario_alerts(&dir);
    let run = dir.spur(&["scan", "clean.csv"]).ok();
    assert_eq!(run.stdout, expected);
}

#[test]
fn alerts_do_not_depend_on_input_order() {
    let dir = Workdir::new("order");
    let expected = scenario_alerts(&dir);
    let mut rows = scenario();
    rows.reverse();
    dir.write("reversed.csv", &to_csv(&rows));
    let (text, _) = scan(&dir, "reversed.csv", &[]);
    assert_eq!(text, expected);
}

#[test]
fn alerts_snapshot() {
    let dir = Workdir::new("snapshot");
    let text = scenario_alerts(&dir);
    // Deterministic: no clock, no hash order.
    dir.spur(&["scan", "clean.csv", "--alerts", "again.jsonl"])
        .ok();
    assert_eq!(
        text,
        dir.read("again.jsonl"),
        "two scans of one input write the same bytes"
    );
    insta::assert_json_snapshot!("scenario_alerts", parse_alerts(&text));
}
