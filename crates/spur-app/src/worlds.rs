//! Detection quality over a family of simulated worlds (`spur eval --worlds N`).
//!
//! One world says little: the engine could have learned its constants. This runs the
//! engine on N worlds (with `vary`, each drawn from the domain brief's ranges by its
//! seed, see `spur_sim::Behaviour::varied`), scores each world's alerts against its
//! ground truth, and reports the median and the worst world's precision, recall and
//! light-buyer recall, with the look-alike population behind each worst world's false
//! alerts. Everything happens in memory; nothing is written.

use std::io::Cursor;
use std::ops::ControlFlow;

use serde::Serialize;
use spur_engine::{Engine, EngineConfig};
use spur_io::{CsvPaymentReader, Entry, PaymentBatch, PaymentReader};
use spur_sim::{EvalReport, SimConfig};

/// Which worlds, and how large.
#[derive(Clone, Debug, Serialize)]
pub struct WorldsOptions {
    /// How many worlds: seeds `first_seed`, `first_seed + 1`, …
    pub worlds: usize,
    pub first_seed: u64,
    /// Senders per world (`SimConfig::senders`).
    pub senders: usize,
    /// Days per world.
    pub days: u32,
    /// Draw each world's behaviour from the brief's ranges; otherwise the calibrated
    /// world with another seed.
    pub vary: bool,
}

impl Default for WorldsOptions {
    fn default() -> Self {
        WorldsOptions {
            worlds: 20,
            first_seed: 1,
            senders: SimConfig::default().senders,
            days: SimConfig::default().days,
            vary: true,
        }
    }
}

/// One world's figures (both roles together, as `spur eval` reports "overall").
#[derive(Clone, Debug, Serialize)]
pub struct WorldFigures {
    pub seed: u64,
    pub payments: usize,
    pub positives: usize,
    pub alerts: usize,
    pub false_positives: usize,
    pub precision: f64,
    pub recall: f64,
    pub average_precision: f64,
    /// Recall on offenders with at most 4 payments.
    pub light_recall: f64,
    /// The legitimate population with the most false alerts, and how many.
    pub top_lookalike: Option<Lookalike>,
    /// The whole evaluation of this world.
    pub report: EvalReport,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Lookalike {
    pub label: String,
    pub alerted: usize,
    /// alerted / parties of that label.
    pub share: f64,
}

/// The worst world for one figure.
#[derive(Clone, Debug, Serialize)]
pub struct Worst {
    pub value: f64,
    pub seed: u64,
    /// What drove that world's false alerts.
    pub top_lookalike: Option<Lookalike>,
}

/// Median and worst over the worlds, per figure.
#[derive(Clone, Debug, Serialize)]
pub struct Spread {
    pub median: f64,
    pub worst: Worst,
}

#[derive(Clone, Debug, Serialize)]
pub struct WorldsReport {
    pub options: WorldsOptions,
    pub precision: Spread,
    pub recall: Spread,
    pub light_recall: Spread,
    pub average_precision: Spread,
    pub worlds: Vec<WorldFigures>,
}

/// Why a run over worlds could not be made.
#[derive(Debug, thiserror::Error)]
pub enum WorldsError {
    #[error("no worlds to evaluate (--worlds must be at least 1)")]
    NoWorlds,
    #[error("world {seed}: simulation: {source}")]
    Sim {
        seed: u64,
        source: spur_sim::SimError,
    },
    #[error("world {seed}: the engine refused its configuration: {reason}")]
    Engine { seed: u64, reason: String },
    #[error("world {seed}: {reason}")]
    World { seed: u64, reason: String },
}

/// Runs the engine configured as `cfg` on every world of `opts` and measures it.
pub fn evaluate_worlds(
    opts: &WorldsOptions,
    cfg: &EngineConfig,
) -> Result<WorldsReport, WorldsError> {
    if opts.worlds == 0 {
        return Err(WorldsError::NoWorlds);
    }
    let mut worlds = Vec::with_capacity(opts.worlds);
    for i in 0..opts.worlds {
        let seed = opts.first_seed.wrapping_add(i as u64);
        worlds.push(one_world(opts, seed, cfg)?);
        tracing::info!(seed, done = i + 1, of = opts.worlds, "world evaluated");
    }
    let spread = |f: fn(&WorldFigures) -> f64| -> Spread {
        let mut v: Vec<f64> = worlds.iter().map(f).collect();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        };
        // Lowest value; the first such world by seed.
        let w = worlds
            .iter()
            .min_by(|a, b| f(a).total_cmp(&f(b)))
            .expect("at least one world");
        Spread {
            median,
            worst: Worst {
                value: f(w),
                seed: w.seed,
                top_lookalike: w.top_lookalike.clone(),
            },
        }
    };
    Ok(WorldsReport {
        options: opts.clone(),
        precision: spread(|w| w.precision),
        recall: spread(|w| w.recall),
        light_recall: spread(|w| w.light_recall),
        average_precision: spread(|w| w.average_precision),
        worlds,
    })
}

fn one_world(
    opts: &WorldsOptions,
    seed: u64,
    cfg: &EngineConfig,
) -> Result<WorldFigures, WorldsError> {
    let bad = |reason: String| WorldsError::World { seed, reason };
    let world = scan_world(&sim_config(opts, seed), cfg)?;
    let (csv, truth, summary) = (&world.payments, &world.truth, &world.summary);
    let mut lines = Vec::with_capacity(world.alerts.len() * 64);
    for a in &world.alerts {
        serde_json::to_writer(&mut lines, a).map_err(|e| bad(e.to_string()))?;
        lines.push(b'\n');
    }
    let report = spur_sim::evaluate(&truth[..], &lines[..], Some(&csv[..]))
        .map_err(|e| bad(e.to_string()))?;
    let top_lookalike = report
        .false_positives
        .iter()
        .filter(|f| f.alerted > 0)
        // Most alerted; on ties the first in the report's order.
        .fold(None::<&spur_sim::FalsePositives>, |best, f| match best {
            Some(b) if b.alerted >= f.alerted => Some(b),
            _ => Some(f),
        })
        .map(|f| Lookalike {
            label: f.label.clone(),
            alerted: f.alerted,
            share: f.share,
        });
    Ok(WorldFigures {
        seed,
        payments: summary.payments,
        positives: report.overall.positives,
        alerts: report.overall.alerts,
        false_positives: report.overall.false_positives,
        precision: report.overall.precision,
        recall: report.overall.recall,
        average_precision: report.overall.average_precision,
        light_recall: report.light_offenders.as_ref().map_or(0.0, |s| s.recall),
        top_lookalike,
        report,
    })
}

/// World `seed` of `opts`: drawn from the brief's ranges with `vary`, else the
/// calibrated world with that seed.
pub(crate) fn sim_config(opts: &WorldsOptions, seed: u64) -> SimConfig {
    SimConfig {
        senders: opts.senders,
        days: opts.days,
        ..if opts.vary {
            SimConfig::varied(seed)
        } else {
            SimConfig {
                seed,
                ..SimConfig::default()
            }
        }
    }
}

/// A simulated world scanned in memory: its payments (CSV), ground truth
/// (truth.csv) and the engine's alerts.
pub(crate) struct ScannedWorld {
    pub payments: Vec<u8>,
    pub truth: Vec<u8>,
    pub summary: spur_sim::SimSummary,
    pub alerts: Vec<spur_engine::Alert>,
}

/// Simulates `sim` and runs the engine configured as `cfg` over it.
pub(crate) fn scan_world(sim: &SimConfig, cfg: &EngineConfig) -> Result<ScannedWorld, WorldsError> {
    let seed = sim.seed;
    let bad = |reason: String| WorldsError::World { seed, reason };
    let (mut csv, mut truth) = (Vec::new(), Vec::new());
    let summary = spur_sim::simulate(sim, &mut csv, &mut truth)
        .map_err(|source| WorldsError::Sim { seed, source })?;
    let mut batch = PaymentBatch::with_capacity(summary.payments);
    let mut reader =
        CsvPaymentReader::new(Cursor::new(&csv[..])).map_err(|e| bad(e.to_string()))?;
    let mut rejected = None;
    reader
        .read_all(&mut |line, rec| match rec {
            Ok(rec) => {
                batch.push(line, &rec);
                ControlFlow::Continue(())
            }
            Err(e) => {
                rejected = Some(format!("payments line {line}: {e:?}"));
                ControlFlow::Break(())
            }
        })
        .map_err(|e| bad(e.to_string()))?;
    if let Some(r) = rejected {
        return Err(bad(r));
    }
    let mut engine = Engine::new(cfg.clone()).map_err(|e| WorldsError::Engine {
        seed,
        reason: e.to_string(),
    })?;
    for entry in batch.entries() {
        if let Entry::Payment { payment, .. } = entry {
            engine
                .push(&payment)
                .map_err(|e| bad(format!("payment refused: {e}")))?;
        }
    }
    let alerts = engine.finish().alerts;
    drop(batch);
    Ok(ScannedWorld {
        payments: csv,
        truth,
        summary,
        alerts,
    })
}

impl std::fmt::Display for WorldsReport {
    /// One row per world, then the median and the worst.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let o = &self.options;
        writeln!(
            f,
            "{} {} worlds (seeds {}-{}), {} senders, {} days each",
            o.worlds,
            if o.vary { "varied" } else { "calibrated" },
            o.first_seed,
            o.first_seed.wrapping_add(o.worlds as u64 - 1),
            o.senders,
            o.days
        )?;
        writeln!(
            f,
            "{:>6} {:>9} {:>9} {:>7} {:>9} {:>6} {:>6} {:>6}  most false alerts",
            "seed", "payments", "positives", "alerts", "precision", "recall", "light", "AP"
        )?;
        for w in &self.worlds {
            writeln!(
                f,
                "{:>6} {:>9} {:>9} {:>7} {:>9.3} {:>6.3} {:>6.3} {:>6.3}  {}",
                w.seed,
                w.payments,
                w.positives,
                w.alerts,
                w.precision,
                w.recall,
                w.light_recall,
                w.average_precision,
                lookalike(&w.top_lookalike)
            )?;
        }
        writeln!(f)?;
        writeln!(
            f,
            "{:<18} {:>6} {:>6} {:>6}  most false alerts in the worst world",
            "figure", "median", "worst", "seed"
        )?;
        for (name, s) in [
            ("precision", &self.precision),
            ("recall", &self.recall),
            ("light-buyer recall", &self.light_recall),
            ("average precision", &self.average_precision),
        ] {
            writeln!(
                f,
                "{:<18} {:>6.3} {:>6.3} {:>6}  {}",
                name,
                s.median,
                s.worst.value,
                s.worst.seed,
                lookalike(&s.worst.top_lookalike)
            )?;
        }
        Ok(())
    }
}

fn lookalike(l: &Option<Lookalike>) -> String {
    match l {
        Some(l) => format!("{} ({}, {:.1}%)", l.label, l.alerted, l.share * 100.0),
        None => "-".to_owned(),
    }
}
