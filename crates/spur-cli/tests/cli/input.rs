//! Bad input: rejected records and the rejects file, --max-rejects, missing and unknown columns, times without an offset.

use super::*;

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
