//! `spur calibrate`: a calibration fitted over small varied worlds, written as
//! a configuration the engine accepts, and `spur eval --reliability` drawing
//! the diagram of the scores a configuration shows. All data synthetic.

mod common;

use common::Workdir;

const WORLDS: [&str; 7] = [
    "--worlds",
    "2",
    "--vary",
    "--senders",
    "1500",
    "--days",
    "45",
];

#[test]
fn calibrate_writes_a_configuration_the_engine_accepts() {
    let dir = Workdir::new("calibrate");
    let mut args = vec!["calibrate"];
    args.extend(WORLDS);
    args.extend([
        "--min-block",
        "50",
        "--target-precision",
        "0.5",
        "--out",
        "cal.toml",
        "--svg",
        "cal.svg",
    ]);
    let run = dir.spur(&args).ok();
    assert!(
        run.stdout
            .contains("lowest threshold whose worst world reaches precision 0.5"),
        "{}",
        run.stdout
    );
    let toml = dir.read("cal.toml");
    assert!(toml.contains("[calibration]"), "{toml}");
    assert!(
        toml.lines().any(|l| l.starts_with("alert_threshold = ")),
        "{toml}"
    );
    let svg = dir.read("cal.svg");
    assert!(
        svg.starts_with("<svg") && svg.contains("calibrated"),
        "{svg}"
    );

    // The written file is a configuration: eval reads it, and its diagram too.
    let mut eval = vec!["--config", "cal.toml", "eval"];
    eval.extend(WORLDS);
    eval.extend(["--first-seed", "50", "--reliability", "held.svg"]);
    let run = dir.spur(&eval).ok();
    assert!(
        run.stdout.contains("2 varied worlds (seeds 50-51)"),
        "{}",
        run.stdout
    );
    let held = dir.read("held.svg");
    assert!(
        held.contains("seeds 50-51") && held.contains("<circle"),
        "{held}"
    );

    // A curve that falls is refused, naming the key.
    dir.write(
        "bad.toml",
        "[calibration]\nsender = [[0.5, 0.9], [0.6, 0.2]]\n",
    );
    let mut bad = vec!["--config", "bad.toml", "eval"];
    bad.extend(WORLDS);
    dir.spur(&bad).fails_with(&["calibration.sender", "ascend"]);
}
