//! End to end: the real `spur` binary on small synthetic inputs, each test in
//! its own temporary folder. All names and ids here are made up.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::Value;

mod common;

use common::{Run, Workdir};

/// The text with every run of spaces squashed to one, for the summary's columns.
fn squash(text: &str) -> String {
    text.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ") + "\n")
        .collect()
}

/// Command-line words and `SPUR_` variables of a data-driven case.
type Args = &'static [&'static str];
type Vars = &'static [(&'static str, &'static str)];

fn parse_alerts(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("alert line is not JSON ({e}): {l}"))
        })
        .collect()
}

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

/// Rows of a CSV file as `(line, field, reason)` after checking the rejects header.
fn parse_rejects(text: &str, file: &str) -> Vec<(u64, String, String)> {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        r.headers().unwrap(),
        vec!["file", "line", "field", "reason"]
    );
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            assert_eq!(&rec[0], file);
            (
                rec[1].parse().unwrap(),
                rec[2].to_owned(),
                rec[3].to_owned(),
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------
// The scenario: one customer, one facilitator with six customers, and two
// legitimate patterns that must stay quiet.

const COLUMNS: [&str; 12] = [
    "txn_id",
    "timestamp",
    "amount",
    "currency",
    "sender_id",
    "sender_country",
    "sender_name",
    "receiver_id",
    "receiver_country",
    "receiver_name",
    "channel",
    "message",
];

#[derive(Clone)]
struct Row {
    fields: [String; 12],
}

/// 2026-01-05T00:00:00Z
const T0: i64 = 1_767_571_200;
const HOUR: i64 = 3600;
const DAY: i64 = 24 * HOUR;

/// Seconds since the epoch as an RFC 3339 time in UTC.
fn rfc3339(t: i64) -> String {
    let (days, secs) = (t.div_euclid(DAY), t.rem_euclid(DAY));
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / HOUR,
        secs % HOUR / 60,
        secs % 60
    )
}

struct Party(&'static str, &'static str, &'static str);

const CUSTOMER: Party = Party("S-1001", "Walter Pike", "US");
const FACILITATORS: [Party; 5] = [
    Party("R-2001", "Liza Mabini", "PH"),
    Party("R-2002", "Rhea Soriano", "PH"),
    Party("R-2003", "Joy Navarro", "PH"),
    Party("R-2004", "Carmela Aquino", "PH"),
    Party("R-2005", "Mylene Torres", "PH"),
];
const HUB: Party = Party("R-3001", "Cherry Lagman", "PH");
const HUB_CUSTOMERS: [(Party, &str, &str); 6] = [
    (Party("S-4001", "Dale Hooper", "US"), "USD", "50.00"),
    (Party("S-4002", "Niels Bruun", "DK"), "DKK", "300.00"),
    (Party("S-4003", "Graham Pell", "GB"), "GBP", "30.00"),
    (Party("S-4004", "Kevin Rudd-Hale", "AU"), "AUD", "80.00"),
    (Party("S-4005", "Jonas Feld", "DE"), "EUR", "40.00"),
    (Party("S-4006", "Brent Lachance", "CA"), "CAD", "60.00"),
];
const WORKER: Party = Party("S-5001", "Ernesto Villareal", "AE");
const MOTHER: Party = Party("R-5002", "Lourdes Villareal", "PH");
const TENANT: Party = Party("S-6001", "Amy Corbin", "US");
const LANDLORD: Party = Party("R-6002", "Hal Brennan", "US");

fn payment(t: i64, from: &Party, to: &Party, amount: &str, currency: &str, message: &str) -> Row {
    Row {
        fields: [
            String::new(), // txn_id, numbered in time order
            rfc3339(t),
            amount.into(),
            currency.into(),
            from.0.into(),
            from.2.into(),
            from.1.into(),
            to.0.into(),
            to.2.into(),
            to.1.into(),
            "remittance".into(),
            message.into(),
        ],
    }
}

fn scenario() -> Vec<Row> {
    let mut rows = Vec::new();
    // The customer: 30 payments over 60 days to five unrelated receivers in
    // the Philippines, USD 35-45, between 22:00 and 03:00 US time.
    for k in 0..30 {
        let t = T0 + 2 * k * DAY + (5 + k % 3) * HOUR + (k * 7 % 50) * 60;
        let amount = ["35.00", "40.00", "45.00"][(k % 3) as usize];
        rows.push(payment(
            t,
            &CUSTOMER,
            &FACILITATORS[(k % 5) as usize],
            amount,
            "USD",
            "",
        ));
    }
    // The facilitator: six unrelated senders abroad, two payments each.
    for (k, (sender, currency, amount)) in HUB_CUSTOMERS.iter().enumerate() {
        let k = k as i64;
        rows.push(payment(
            T0 + 5 * k * DAY + 9 * HOUR,
            sender,
            &HUB,
            amount,
            currency,
            "",
        ));
        // A quoted message over two lines: later line numbers must not shift.
        let message = if k == 0 {
            "for the\nshow, thanks"
        } else {
            "gift"
        };
        rows.push(payment(
            T0 + (5 * k + 10) * DAY + 10 * HOUR,
            sender,
            &HUB,
            amount,
            currency,
            message,
        ));
    }
    // A worker abroad supporting his mother, and a tenant paying rent.
    for m in 0..2 {
        rows.push(payment(
            T0 + (30 * m + 3) * DAY + 10 * HOUR,
            &WORKER,
            &MOTHER,
            "250.00",
            "USD",
            "for the house",
        ));
    }
    for w in 0..9 {
        rows.push(payment(
            T0 + 7 * w * DAY + 17 * HOUR,
            &TENANT,
            &LANDLORD,
            "400.00",
            "USD",
            "rent",
        ));
    }
    rows.sort_by(|a, b| {
        a.fields[1]
            .cmp(&b.fields[1])
            .then_with(|| a.fields[4].cmp(&b.fields[4]))
    });
    for (i, r) in rows.iter_mut().enumerate() {
        r.fields[0] = format!("TX{:04}", i + 1);
    }
    rows
}

fn csv_line(fields: &[String]) -> String {
    let quoted: Vec<String> = fields
        .iter()
        .map(|f| {
            if f.contains([',', '"', '\n']) {
                format!("\"{}\"", f.replace('"', "\"\""))
            } else {
                f.clone()
            }
        })
        .collect();
    quoted.join(",") + "\n"
}

fn to_csv(rows: &[Row]) -> String {
    let mut out = COLUMNS.join(",") + "\n";
    for r in rows {
        out += &csv_line(&r.fields);
    }
    out
}

fn to_jsonl(rows: &[Row]) -> String {
    let mut out = String::new();
    for r in rows {
        let obj: serde_json::Map<String, Value> = COLUMNS
            .iter()
            .zip(&r.fields)
            .map(|(k, v)| ((*k).to_owned(), Value::String(v.clone())))
            .collect();
        writeln!(out, "{}", Value::Object(obj)).unwrap();
    }
    out
}

/// Scans `input` (a file in `dir`) and returns the alerts text and the run.
fn scan(dir: &Workdir, input: &str, extra: &[&str]) -> (String, Run) {
    let mut args = vec![
        "scan",
        input,
        "--alerts",
        "alerts.jsonl",
        "--rejects",
        "rejects.csv",
    ];
    args.extend_from_slice(extra);
    let run = dir.spur(&args).ok();
    (dir.read("alerts.jsonl"), run)
}

/// The alerts of the clean scenario, computed once per test that needs them.
fn scenario_alerts(dir: &Workdir) -> String {
    dir.write("clean.csv", &to_csv(&scenario()));
    let mut args = vec![
        "scan",
        "clean.csv",
        "--alerts",
        "clean-alerts.jsonl",
        "--rejects",
        "clean-rejects.csv",
    ];
    args.push("--quiet");
    dir.spur(&args).ok();
    dir.read("clean-alerts.jsonl")
}

// ---------------------------------------------------------------------------
// scan

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

/// A bad row, what to put at its place and what the rejects file says about it.
struct Bad {
    name: &'static str,
    /// Builds the row from a good row of the scenario.
    row: fn(&Row) -> String,
    field: &'static str,
    reason: &'static str,
}

fn with(row: &Row, i: usize, value: &str) -> String {
    let mut r = row.clone();
    r.fields[i] = value.to_owned();
    r.fields[0] += "-B";
    csv_line(&r.fields)
}

const BAD: [Bad; 5] = [
    Bad {
        name: "bad timestamp",
        row: |r| with(r, 1, "2026-02-30T05:00:00Z"),
        field: "timestamp",
        reason: "\"2026-02-30T05:00:00Z\" is not an RFC 3339 time (day out of range); if the export writes times differently, set [input] timestamp_format",
    },
    Bad {
        name: "negative amount",
        row: |r| with(r, 2, "-40.00"),
        field: "amount",
        reason: "\"-40.00\" must be a positive decimal",
    },
    Bad {
        name: "unknown currency",
        row: |r| with(r, 3, "XYZ"),
        field: "currency",
        reason: "currency XYZ is not in the rate table",
    },
    Bad {
        name: "duplicate txn_id",
        row: |r| {
            let mut line = with(r, 2, "41.00");
            line = line.replacen("-B", "", 1);
            // The same id as a row read earlier (TX0003).
            line.replacen(&r.fields[0], "TX0003", 1)
        },
        field: "txn_id",
        reason: "txn_id already seen",
    },
    Bad {
        name: "wrong field count",
        row: |r| {
            let mut fields = r.fields.to_vec();
            fields.push("extra".to_owned());
            csv_line(&fields)
        },
        field: "record",
        reason: "has 13 fields, the header has 12",
    },
];

/// The scenario with the bad rows spread among the good ones; the expected
/// rejects as `(line, field, reason)`.
fn scenario_with_bad_rows() -> (String, Vec<(u64, String, String)>) {
    let rows = scenario();
    let mut text = COLUMNS.join(",") + "\n";
    let mut expected = Vec::new();
    let mut bad = BAD.iter();
    for (i, r) in rows.iter().enumerate() {
        text += &csv_line(&r.fields);
        if i % 9 == 8 {
            if let Some(b) = bad.next() {
                let line = text.matches('\n').count() as u64 + 1;
                text += &(b.row)(r);
                expected.push((line, b.field.to_owned(), b.reason.to_owned()));
            }
        }
    }
    assert!(bad.next().is_none(), "every bad row placed");
    (text, expected)
}

#[test]
fn bad_records_are_rejected_once_and_good_ones_still_scored() {
    let dir = Workdir::new("rejects");
    let clean = scenario_alerts(&dir);
    let (text, expected) = scenario_with_bad_rows();
    dir.write("payments.csv", &text);
    let (alerts, run) = scan(&dir, "payments.csv", &[]);

    let got = parse_rejects(&dir.read("rejects.csv"), "payments.csv");
    for ((g, e), b) in got.iter().zip(&expected).zip(&BAD) {
        assert_eq!(g, e, "{}", b.name);
    }
    assert_eq!(
        got.len(),
        expected.len(),
        "each bad row exactly once: {got:#?}"
    );
    assert_eq!(
        alerts, clean,
        "the good rows score exactly as without the bad ones"
    );
    let summary = squash(&run.stderr);
    assert!(
        summary.contains(&format!(
            "payments read {} rejected {}",
            scenario().len() + BAD.len(),
            BAD.len()
        )),
        "{summary}"
    );
    assert!(summary.contains("rejects file rejects.csv"), "{summary}");
}

#[test]
fn bad_json_lines_are_rejected_with_their_line() {
    let dir = Workdir::new("rejects-jsonl");
    let clean = scenario_alerts(&dir);
    let good = to_jsonl(&scenario());
    // (after how many good lines, the bad line, field, reason)
    let bad = [
        (
            0,
            r#"{"txn_id":"X1","amount":"#,
            "record",
            "invalid JSON at column",
        ),
        (
            7,
            r#"["not", "an", "object"]"#,
            "record",
            "expected a payment object",
        ),
        (
            20,
            r#"{"txn_id":"X2","timestamp":"2026-01-20T05:00:00Z","amount":true,"currency":"USD","sender_id":"S-1001","sender_country":"US","receiver_id":"R-2001","receiver_country":"PH"}"#,
            "amount",
            "not a boolean",
        ),
        (
            30,
            r#"{"txn_id":"X3","timestamp":"2026-02-30T05:00:00Z","amount":"40","currency":"USD","sender_id":"S-1001","sender_country":"US","receiver_id":"R-2001","receiver_country":"PH"}"#,
            "timestamp",
            "is not an RFC 3339 time",
        ),
    ];
    let mut text = String::new();
    let mut expected = Vec::new();
    for (i, line) in good.lines().enumerate() {
        for (after, row, field, reason) in &bad {
            if *after == i {
                text += row;
                text.push('\n');
                expected.push((text.lines().count() as u64, *field, *reason));
            }
        }
        text += line;
        text.push('\n');
        // Blank lines are skipped, but still counted as lines.
        if i == 10 {
            text.push('\n');
        }
    }
    dir.write("payments.jsonl", &text);
    let (alerts, _) = scan(&dir, "payments.jsonl", &[]);
    let got = parse_rejects(&dir.read("rejects.csv"), "payments.jsonl");
    assert_eq!(got.len(), expected.len(), "{got:#?}");
    for (g, (line, field, reason)) in got.iter().zip(expected) {
        assert_eq!((g.0, g.1.as_str()), (line, field), "{g:?}");
        assert!(g.2.contains(reason), "{g:?} should say {reason:?}");
    }
    assert_eq!(alerts, clean);
}

#[test]
fn max_rejects_stops_past_the_limit_only() {
    let dir = Workdir::new("max-rejects");
    let (text, _) = scenario_with_bad_rows();
    dir.write("payments.csv", &text);
    let n = BAD.len();

    let below = (n - 1).to_string();
    dir.spur(&[
        "scan",
        "payments.csv",
        "--alerts",
        "a.jsonl",
        "--max-rejects",
        &below,
    ])
    .fails_with(&[
        "payments.csv",
        &format!("more than {below} records rejected"),
        "--max-rejects",
        "rejects.csv",
    ]);
    assert!(
        !dir.join("a.jsonl").exists(),
        "no alerts from an aborted scan"
    );

    let at = n.to_string();
    dir.spur(&[
        "scan",
        "payments.csv",
        "--alerts",
        "a.jsonl",
        "--max-rejects",
        &at,
    ])
    .ok();
    assert!(dir.join("a.jsonl").exists());
    assert_eq!(
        parse_rejects(&dir.read("rejects.csv"), "payments.csv").len(),
        n
    );

    dir.write("clean.csv", &to_csv(&scenario()));
    dir.spur(&[
        "scan",
        "clean.csv",
        "--alerts",
        "b.jsonl",
        "--max-rejects",
        "0",
    ])
    .ok();
}

#[test]
fn missing_required_columns_stop_before_any_output() {
    // Columns to drop, and the one error that names them (in schema order).
    let cases: [(&[&str], &str); 3] = [
        (
            &["sender_country"],
            "missing required column: sender_country",
        ),
        (
            &["receiver_country", "amount"],
            "missing required columns: amount, receiver_country",
        ),
        (&["txn_id", "message"], "missing required column: txn_id"),
    ];
    for (drop, message) in cases {
        let dir = Workdir::new("missing");
        let keep: Vec<usize> = (0..COLUMNS.len())
            .filter(|&i| !drop.contains(&COLUMNS[i]))
            .collect();
        let mut text = keep
            .iter()
            .map(|&i| COLUMNS[i])
            .collect::<Vec<_>>()
            .join(",")
            + "\n";
        for r in scenario() {
            let fields: Vec<String> = keep.iter().map(|&i| r.fields[i].clone()).collect();
            text += &csv_line(&fields);
        }
        dir.write("payments.csv", &text);
        dir.spur(&["scan", "payments.csv", "--alerts", "alerts.jsonl"])
            .fails_with(&["payments.csv", message]);
        assert!(
            !dir.join("alerts.jsonl").exists(),
            "{drop:?}: no alerts file when nothing could be read"
        );
        assert!(
            !dir.join("rejects.csv").exists(),
            "{drop:?}: no rejects file either"
        );
    }
}

#[test]
fn unknown_columns_are_named_once_and_ignored() {
    let dir = Workdir::new("unknown-columns");
    let clean = scenario_alerts(&dir);
    let mut text = COLUMNS.join(",") + ",branch,note\n";
    for r in scenario() {
        let mut fields = r.fields.to_vec();
        fields.extend(["Makati".to_owned(), "checked".to_owned()]);
        text += &csv_line(&fields);
    }
    dir.write("payments.csv", &text);
    let (alerts, run) = scan(&dir, "payments.csv", &[]);
    assert_eq!(parse_rejects_or_none(&dir), 0, "{}", run.stderr);
    assert_eq!(alerts, clean);
    let notices = run
        .stderr
        .lines()
        .filter(|l| l.contains("branch"))
        .collect::<Vec<_>>();
    assert_eq!(
        notices.len(),
        1,
        "one notice naming the unknown columns:\n{}",
        run.stderr
    );
    assert!(notices[0].contains("branch, note"), "{}", notices[0]);
}

/// Times without an offset are read as UTC, with one notice: a file whose
/// times all lack the `Z` scores as the same file with it.
#[test]
fn times_without_offset_read_as_utc_with_a_notice() {
    let dir = Workdir::new("naive-times");
    let clean = scenario_alerts(&dir);
    let mut text = COLUMNS.join(",") + "\n";
    for r in scenario() {
        let fields: Vec<String> = r
            .fields
            .iter()
            .map(|f| f.strip_suffix('Z').unwrap_or(f).to_owned())
            .collect();
        text += &csv_line(&fields);
    }
    assert!(!text.contains(":00Z"), "the times lost their Z");
    dir.write("payments.csv", &text);
    let (alerts, run) = scan(&dir, "payments.csv", &[]);
    assert_eq!(parse_rejects_or_none(&dir), 0, "{}", run.stderr);
    assert_eq!(alerts, clean);
    let payments = scenario().len();
    assert!(
        run.stderr
            .lines()
            .any(|l| l.contains("times read as UTC") && l.contains(&payments.to_string())),
        "{}",
        run.stderr
    );
}

fn parse_rejects_or_none(dir: &Workdir) -> usize {
    if dir.join("rejects.csv").exists() {
        parse_rejects(&dir.read("rejects.csv"), "payments.csv").len()
    } else {
        0
    }
}

// ---------------------------------------------------------------------------
// Formats and standard input

#[test]
fn stdin_and_json_lines_give_the_same_alerts_as_csv() {
    let dir = Workdir::new("formats");
    let clean = scenario_alerts(&dir);
    assert!(!clean.is_empty());
    let rows = scenario();
    let csv = to_csv(&rows);
    let jsonl = to_jsonl(&rows);
    dir.write("payments.jsonl", &jsonl);
    dir.write("payments.data", &jsonl);

    let cases: [(&str, &[&str], Option<&str>); 5] = [
        (
            "csv on stdin, --format csv",
            &["scan", "-", "--format", "csv"],
            Some(&csv),
        ),
        ("csv on stdin, no --format", &["scan", "-"], Some(&csv)),
        (
            "jsonl on stdin, --format jsonl",
            &["scan", "-", "--format", "jsonl"],
            Some(&jsonl),
        ),
        (".jsonl extension", &["scan", "payments.jsonl"], None),
        (
            "--format jsonl on any extension",
            &["scan", "payments.data", "--format", "jsonl"],
            None,
        ),
    ];
    for (name, args, stdin) in cases {
        let run = dir.spur_with(args, &[], stdin).ok();
        assert_eq!(run.stdout, clean, "{name}");
        assert!(
            squash(&run.stderr).contains(&format!("payments read {} rejected 0", rows.len())),
            "{name}: {}",
            run.stderr
        );
    }
    dir.spur(&["scan", "payments.data"])
        .fails_with(&["payments.data", "--format"]);
}

#[test]
fn piped_stderr_has_no_progress_bar() {
    let dir = Workdir::new("no-tty");
    // Big enough for the bar to draw, were stderr a terminal.
    let mut rows = Vec::new();
    for k in 0..40 {
        for mut r in scenario() {
            r.fields[0] = format!("{}-{k}", r.fields[0]);
            rows.push(r);
        }
    }
    dir.write("payments.csv", &to_csv(&rows));
    // With SPUR_LOG=info there are log lines: they must not be coloured either.
    for log in ["warn", "info"] {
        let args = ["scan", "payments.csv", "--alerts", "alerts.jsonl"];
        let run = dir.spur_with(&args, &[("SPUR_LOG", log)], None).ok();
        assert!(
            !run.stderr.contains('\x1b'),
            "SPUR_LOG={log}: escape codes in piped stderr: {:?}",
            run.stderr
        );
        assert!(
            !run.stderr.contains('\r'),
            "SPUR_LOG={log}: carriage returns in piped stderr: {:?}",
            run.stderr
        );
        assert!(
            !run.stderr.contains("reading"),
            "SPUR_LOG={log}: {:?}",
            run.stderr
        );
        if log == "info" {
            assert!(
                run.stderr.contains("INFO"),
                "log lines are there: {}",
                run.stderr
            );
        }
    }
}

#[test]
fn missing_input_file_is_named() {
    let dir = Workdir::new("no-input");
    dir.spur(&["scan", "nowhere/payments.csv", "--alerts", "alerts.jsonl"])
        .fails_with(&["nowhere/payments.csv"]);
    assert!(!dir.join("alerts.jsonl").exists());
    dir.spur(&[
        "eval",
        "--truth",
        "no-truth.csv",
        "--alerts",
        "no-alerts.jsonl",
    ])
    .fails_with(&["no-truth.csv"]);
}

// ---------------------------------------------------------------------------
// Configuration: defaults, then the TOML file, then SPUR_ variables, then flags

#[test]
fn configuration_layers() {
    let dir = Workdir::new("config");
    let default = parse_alerts(&scenario_alerts(&dir));
    // Alert scores are rounded to 0.001: a bar at 0.9905 lies between them.
    let strict = default
        .iter()
        .filter(|a| a["score"].as_f64().unwrap() >= 0.991)
        .count();
    assert!(strict < default.len(), "the scenario has alerts below 0.99");
    dir.write("strict.toml", "alert_threshold = 0.9905\n");

    // (what, config file, SPUR_ variables, flags, expected alerts, threshold in the summary)
    let cases: [(&str, bool, Vars, Args, usize, &str); 5] = [
        ("defaults", false, &[], &[], default.len(), "0.60"),
        ("file", true, &[], &[], strict, "0.99"),
        (
            "environment over file",
            true,
            &[("SPUR_ALERT_THRESHOLD", "0.6")],
            &[],
            default.len(),
            "0.60",
        ),
        (
            "flag over environment",
            true,
            &[("SPUR_ALERT_THRESHOLD", "0.6")],
            &["--threshold", "0.9905"],
            strict,
            "0.99",
        ),
        (
            "SPUR_CONFIG names the file",
            false,
            &[("SPUR_CONFIG", "strict.toml")],
            &[],
            strict,
            "0.99",
        ),
    ];
    for (what, file, env, flags, expected, threshold) in cases {
        let mut args = vec!["scan", "clean.csv", "--alerts", "alerts.jsonl"];
        if file {
            args.extend(["--config", "strict.toml"]);
        }
        args.extend_from_slice(flags);
        let run = dir.spur_with(&args, env, None).ok();
        let alerts = parse_alerts(&dir.read("alerts.jsonl"));
        assert_eq!(alerts.len(), expected, "{what}");
        assert!(
            run.stderr.contains(&format!("(threshold {threshold})")),
            "{what}: {}",
            run.stderr
        );
    }
}

#[test]
fn configuration_errors_name_the_key() {
    let dir = Workdir::new("config-errors");
    dir.write("clean.csv", &to_csv(&scenario()));
    dir.write("typo.toml", "alert_treshold = 0.9\n");
    dir.write("nested.toml", "[indicators.p_freq]\nwieght = 0.9\n");
    let scan = ["scan", "clean.csv", "--alerts", "alerts.jsonl"];
    let cases: [(Args, Vars, Args); 6] = [
        (
            &["--config", "typo.toml"],
            &[],
            &["typo.toml", "alert_treshold"],
        ),
        (
            &["--config", "nested.toml"],
            &[],
            &["nested.toml", "wieght"],
        ),
        (
            &[],
            &[("SPUR_ALERT_TRESHOLD", "0.9")],
            &["SPUR_ALERT_TRESHOLD"],
        ),
        (
            &[],
            &[("SPUR_INDICATORS__P_FREQ__WIEGHT", "0.9")],
            &["SPUR_INDICATORS__P_FREQ__WIEGHT"],
        ),
        (
            &[],
            &[("SPUR_ALERT_THRESHOLD", "high")],
            &["SPUR_ALERT_THRESHOLD"],
        ),
        (
            &["--threshold", "1.5"],
            &[],
            &["--threshold", "alert_threshold must lie in [0, 1]"],
        ),
    ];
    for (flags, env, needles) in cases {
        let mut args = scan.to_vec();
        args.extend_from_slice(flags);
        dir.spur_with(&args, env, None).fails_with(needles);
        assert!(!dir.join("alerts.jsonl").exists());
    }
    dir.spur(&["scan", "clean.csv", "--config", "absent.toml"])
        .fails_with(&["absent.toml"]);
}

/// The test script exports `SPUR_TEST_PG` for storage tests; it is not engine
/// configuration, and must not stop a scan run from the same shell.
#[test]
fn regression_spur_test_pg_is_not_configuration() {
    let dir = Workdir::new("test-pg");
    dir.write("clean.csv", &to_csv(&scenario()));
    dir.spur_with(
        &["scan", "clean.csv", "--alerts", "alerts.jsonl"],
        &[("SPUR_TEST_PG", "postgres://x@127.0.0.1:1/postgres")],
        None,
    )
    .ok();
}

// ---------------------------------------------------------------------------
// simulate, eval, demo

const SIM: [&str; 6] = ["--seed", "5", "--senders", "1500", "--days", "30"];

#[test]
fn simulate_is_reproducible_and_eval_reports_on_the_scan() {
    let dir = Workdir::new("simulate");
    for out in ["a", "b"] {
        let mut args = vec!["simulate", "--out", out];
        args.extend_from_slice(&SIM);
        dir.spur(&args).ok();
    }
    for file in ["payments.csv", "truth.csv"] {
        let (a, b) = (
            std::fs::read(dir.join(&format!("a/{file}"))).unwrap(),
            std::fs::read(dir.join(&format!("b/{file}"))).unwrap(),
        );
        assert!(a.len() > 1000, "{file} has content");
        assert!(a == b, "{file} differs between two runs with one seed");
    }

    dir.spur(&[
        "scan",
        "a/payments.csv",
        "--alerts",
        "a/alerts.jsonl",
        "--rejects",
        "a/rejects.csv",
        "--max-rejects",
        "0",
    ])
    .ok();
    let eval = [
        "eval",
        "--truth",
        "a/truth.csv",
        "--alerts",
        "a/alerts.jsonl",
        "--payments",
        "a/payments.csv",
    ];
    let run = dir.spur(&eval).ok();
    let header = run.stdout.lines().next().unwrap_or_default();
    assert!(
        header.contains("precision") && header.contains("recall"),
        "{}",
        run.stdout
    );
    for role in ["sender", "receiver", "overall"] {
        assert!(
            run.stdout.lines().any(|l| l.starts_with(role)),
            "{role} line in\n{}",
            run.stdout
        );
    }
    assert!(run.stdout.contains("offender recall"), "{}", run.stdout);

    let mut args = eval.to_vec();
    args.push("--json");
    let run = dir.spur(&args).ok();
    let report: Value = serde_json::from_str(&run.stdout).expect("eval --json prints JSON");
    for key in ["sender", "receiver", "overall"] {
        for metric in ["precision", "recall"] {
            let v = report[key][metric]
                .as_f64()
                .unwrap_or_else(|| panic!("{key}.{metric} in {report}"));
            assert!((0.0..=1.0).contains(&v));
        }
    }
    assert!(
        report["overall"]["alerts"].as_u64().unwrap() > 0,
        "the simulated offenders raise alerts"
    );
}

#[test]
fn simulate_vary_draws_another_world_and_writes_what_it_drew() {
    let dir = Workdir::new("simulate-vary");
    let mut args = vec!["simulate", "--out", "calibrated"];
    args.extend_from_slice(&SIM);
    dir.spur(&args).ok();
    for out in ["a", "b"] {
        let mut args = vec!["simulate", "--vary", "--out", out];
        args.extend_from_slice(&SIM);
        dir.spur(&args).ok();
    }
    let read = |f: &str| std::fs::read(dir.join(f)).unwrap();
    assert!(
        read("a/payments.csv") == read("b/payments.csv"),
        "one seed, one varied world"
    );
    assert!(read("a/payments.csv") != read("calibrated/payments.csv"));
    assert!(!dir.join("calibrated/world.json").exists());
    let world: Value = serde_json::from_slice(&read("a/world.json")).expect("world.json");
    assert_eq!(world["seed"], 5);
    let irregular = world["behaviour"]["partner"]["irregular"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&irregular), "{world}");
}

#[test]
fn eval_over_worlds_prints_median_worst_and_the_lookalike_behind_it() {
    let dir = Workdir::new("eval-worlds");
    let args = [
        "eval",
        "--worlds",
        "2",
        "--vary",
        "--senders",
        "800",
        "--days",
        "30",
    ];
    let run = dir.spur(&args).ok();
    let out = &run.stdout;
    assert!(out.contains("2 varied worlds (seeds 1-2)"), "{out}");
    for figure in [
        "precision",
        "recall",
        "light-buyer recall",
        "average precision",
    ] {
        assert!(
            out.lines().any(|l| l.starts_with(figure)),
            "{figure} in\n{out}"
        );
    }
    let mut json = args.to_vec();
    json.push("--json");
    let report: Value = serde_json::from_str(&dir.spur(&json).ok().stdout).expect("JSON");
    assert_eq!(report["worlds"].as_array().map(Vec::len), Some(2));
    for figure in ["precision", "recall", "light_recall"] {
        let s = &report[figure];
        let (median, worst) = (
            s["median"].as_f64().unwrap(),
            s["worst"]["value"].as_f64().unwrap(),
        );
        assert!(
            worst <= median && (0.0..=1.0).contains(&worst),
            "{figure}: {s}"
        );
        assert!(s["worst"]["seed"].as_u64().is_some(), "{s}");
    }
    // --worlds stands instead of --truth, not beside it.
    dir.spur(&["eval", "--worlds", "1", "--truth", "t.csv"])
        .fails_with(&["--truth", "cannot be used with"]);
    dir.spur(&["eval", "--worlds", "0"])
        .fails_with(&["at least 1"]);
}

#[test]
fn demo_tells_what_it_found() {
    let dir = Workdir::new("demo");
    let run = dir
        .spur(&["demo", "--out", "demo", "--senders", "1500", "--days", "30"])
        .ok();
    let out = &run.stdout;
    assert!(
        out.contains("Measured against the simulator's ground truth"),
        "{out}"
    );
    assert!(
        out.lines().any(|l| l.starts_with("overall")) && out.contains("precision"),
        "{out}"
    );
    assert!(out.contains("What spur found"), "{out}");
    for file in ["payments.csv", "truth.csv", "alerts.jsonl"] {
        assert!(dir.join(&format!("demo/{file}")).exists(), "{file}");
    }
    assert!(!run.stderr.contains('\x1b'), "{:?}", run.stderr);
}

// ---------------------------------------------------------------------------
// Input profiles

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../spur-io/tests/fixtures/");

/// The synthetic German bank export, scanned with its profile, gives the
/// same alerts as its canonical twin; without the profile, spur names the
/// key to set.
#[test]
fn a_bank_export_scans_with_its_profile_like_its_canonical_twin() {
    let dir = Workdir::new("profile");
    let fixture = |name: &str| std::fs::read_to_string(format!("{FIXTURES}{name}")).unwrap();
    dir.write("export.csv", &fixture("bank-export.csv"));
    dir.write("twin.csv", &fixture("bank-export-canonical.csv"));
    dir.write("profile.toml", &fixture("bank-export.toml"));
    let run = dir
        .spur(&[
            "scan",
            "export.csv",
            "--config",
            "profile.toml",
            "--alerts",
            "export-alerts.jsonl",
            "--threshold",
            "0.1",
            "--quiet",
        ])
        .ok();
    assert!(run.stderr.contains("47"), "{}", run.stderr);
    assert!(run.stderr.contains("times twice"), "{}", run.stderr);
    assert!(!dir.join("rejects.csv").exists());
    dir.spur(&[
        "scan",
        "twin.csv",
        "--alerts",
        "twin-alerts.jsonl",
        "--threshold",
        "0.1",
        "--quiet",
    ])
    .ok();
    let alerts = dir.read("export-alerts.jsonl");
    assert!(!alerts.is_empty(), "the fixture raises alerts at 0.1");
    assert_eq!(alerts, dir.read("twin-alerts.jsonl"));

    // The same profile as flags.
    dir.spur(&[
        "scan",
        "export.csv",
        "--delimiter",
        ";",
        "--decimal-separator",
        ",",
        "--thousands-separator",
        ".",
        "--timestamp-format",
        "%d.%m.%Y %H:%M",
        "--time-zone",
        "Europe/Berlin",
        "--column",
        "txn_id=Buchungs-ID",
        "--column",
        "timestamp=Buchungsdatum",
        "--column",
        "amount=Betrag",
        "--column",
        "currency=Währung",
        "--column",
        "sender_id=Auftraggeber-IBAN",
        "--column",
        "sender_name=Auftraggeber",
        "--column",
        "sender_country=Auftraggeber-Land",
        "--column",
        "receiver_id=Empfänger-Konto",
        "--column",
        "receiver_name=Empfänger",
        "--column",
        "receiver_country=Empfänger-Land",
        "--column",
        "channel=Zahlungsart",
        "--column",
        "message=Verwendungszweck",
        "--alerts",
        "flag-alerts.jsonl",
        "--threshold",
        "0.1",
        "--quiet",
    ])
    .ok();
    assert_eq!(dir.read("flag-alerts.jsonl"), alerts);

    dir.spur(&["scan", "export.csv", "--quiet"]).fails_with(&[
        "export.csv",
        "the header has one column; is the delimiter ';'? set [input] delimiter",
    ]);
    dir.write("typo.toml", "[input]\ndelimeter = \";\"\n");
    dir.spur(&["scan", "export.csv", "--config", "typo.toml"])
        .fails_with(&["typo.toml", "unknown field `delimeter`"]);
}
