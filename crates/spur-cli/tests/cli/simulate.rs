//! simulate, eval and demo.

use super::*;

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
