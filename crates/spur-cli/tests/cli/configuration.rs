//! Configuration: defaults, then the TOML file, then SPUR_ variables, then flags; errors that name the key.

use super::*;

/// Command-line words and `SPUR_` variables of a data-driven case.
type Args = &'static [&'static str];
type Vars = &'static [(&'static str, &'static str)];

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
