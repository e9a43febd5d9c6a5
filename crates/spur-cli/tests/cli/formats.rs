//! Formats and standard input: CSV and JSON lines from a file or stdin, stderr when piped, a missing input file.

use super::*;

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
