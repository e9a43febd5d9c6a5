//! `spur_app::worlds`: the engine measured over varied simulated worlds. Small
//! worlds, so that it runs in every test run; the figures of record come from
//! `spur eval --worlds 20 --vary` (docs/simulator.md).

use spur_app::worlds::{evaluate_worlds, WorldsOptions, WorldsReport};
use spur_engine::EngineConfig;

fn small() -> WorldsOptions {
    WorldsOptions {
        worlds: 3,
        first_seed: 11,
        senders: 2_500,
        days: 60,
        vary: true,
    }
}

fn run(cfg: &EngineConfig) -> WorldsReport {
    evaluate_worlds(&small(), cfg).expect("worlds evaluate")
}

#[test]
fn the_report_gives_median_and_worst_with_the_lookalike_behind_it() {
    let r = run(&EngineConfig::default());
    assert_eq!(r.worlds.len(), 3);
    assert_eq!(
        r.worlds.iter().map(|w| w.seed).collect::<Vec<_>>(),
        [11, 12, 13]
    );
    for (s, f) in [
        (
            &r.precision,
            (|w| w.precision) as fn(&spur_app::worlds::WorldFigures) -> f64,
        ),
        (&r.recall, |w| w.recall),
        (&r.light_recall, |w| w.light_recall),
    ] {
        let values: Vec<f64> = r.worlds.iter().map(f).collect();
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        assert_eq!(s.worst.value, min);
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        assert_eq!(s.median, sorted[1], "the middle of three");
        let worst = r.worlds.iter().find(|w| w.seed == s.worst.seed).unwrap();
        assert_eq!(f(worst), min);
        assert_eq!(s.worst.top_lookalike, worst.top_lookalike);
    }
    for w in &r.worlds {
        assert!(w.positives > 0 && w.payments > 0, "seed {}", w.seed);
        // The look-alike named is the legitimate label with the most false alerts.
        let most = w
            .report
            .false_positives
            .iter()
            .map(|f| f.alerted)
            .max()
            .unwrap_or(0);
        match &w.top_lookalike {
            Some(l) => assert_eq!(l.alerted, most),
            None => assert_eq!(most, 0),
        }
    }
    let text = r.to_string();
    assert!(text.contains("3 varied worlds (seeds 11-13)"), "{text}");
    assert!(
        text.lines().any(|l| l.starts_with("light-buyer recall")),
        "{text}"
    );
}

#[test]
fn a_broken_engine_is_caught_as_worse() {
    let good = run(&EngineConfig::default());
    // Alerting on almost anything: precision collapses in the worst world.
    let loose = run(&EngineConfig {
        alert_threshold: 0.1,
        ..EngineConfig::default()
    });
    assert!(
        loose.precision.worst.value < good.precision.worst.value - 0.1,
        "threshold 0.1: worst precision {} against {}",
        loose.precision.worst.value,
        good.precision.worst.value
    );
    // Without the network (light buyers are found through their facilitators):
    // light-buyer recall falls.
    let mut blind = EngineConfig::default();
    blind.indicators.p_shared.enabled = false;
    blind.indicators.r_senders.enabled = false;
    let blind = run(&blind);
    assert!(
        blind.light_recall.median < good.light_recall.median - 0.1,
        "no network: light recall {} against {}",
        blind.light_recall.median,
        good.light_recall.median
    );
}

#[test]
fn no_worlds_is_an_error() {
    let opts = WorldsOptions {
        worlds: 0,
        ..small()
    };
    assert!(evaluate_worlds(&opts, &EngineConfig::default()).is_err());
}
