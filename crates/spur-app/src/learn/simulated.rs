//! `spur eval --learn`: what learning from the analysts buys, measured on
//! simulated worlds with ground truth.
//!
//! For each world (its behaviour drawn by its seed, `SimConfig::varied`):
//! the training traffic is the world with its own seed; 40% of its
//! candidate alerts (chosen by a hash of party and role, not by score) are
//! labelled from ground truth, as analysts would have dispositioned them; a
//! model is trained on them with the guard rails of `train`; and it is
//! applied to the *test* traffic: the same world's behaviour and population
//! mix with another seed, never seen in training. Rules and model are both
//! measured on the test traffic against every positive of its truth.

use std::collections::HashMap;

use serde::Serialize;
use spur_engine::{Alert, EngineConfig};
use spur_sim::SimConfig;

use super::train::{train, Example, Figures};
use crate::worlds::{scan_world, WorldsError};

/// The share of the training world's candidate alerts that are labelled.
pub const LABELLED_SHARE: f64 = 0.4;
/// The rules' score from which alerts are candidates for the model: set
/// once, before any measurement, below the default alert threshold (0.5) so
/// that the model may find what the rules' threshold misses.
pub const CANDIDATE_THRESHOLD: f64 = 0.3;
/// The test traffic's seed is the world's plus this.
pub const TEST_SEED_OFFSET: u64 = 1_000_000;

#[derive(Clone, Debug, Serialize)]
pub struct LearnOptions {
    pub worlds: usize,
    pub first_seed: u64,
    pub senders: usize,
    pub days: u32,
}

#[derive(Clone, Debug, Serialize)]
pub struct LearnWorld {
    /// The world (its behaviour and the training traffic's seed).
    pub seed: u64,
    pub test_seed: u64,
    pub labels: usize,
    /// Why the model was refused, if it was (the rules then stay in use).
    pub refusal: Option<String>,
    pub cv: Figures,
    pub rules: Figures,
    pub model: Figures,
}

#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub median: f64,
    pub worst: f64,
    pub worst_seed: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct LearnReport {
    pub options: LearnOptions,
    pub worlds: Vec<LearnWorld>,
    pub rules_precision: Summary,
    pub rules_recall: Summary,
    pub model_precision: Summary,
    pub model_recall: Summary,
}

/// Truth as (party id, role) → positive.
fn truth(bytes: &[u8]) -> Result<HashMap<(String, String), bool>, String> {
    let mut out = HashMap::new();
    let mut r = csv::Reader::from_reader(bytes);
    for rec in r.records() {
        let rec = rec.map_err(|e| e.to_string())?;
        let (id, role, label) = (&rec[0], &rec[1], &rec[2]);
        out.insert(
            (id.to_owned(), role.to_owned()),
            spur_sim::is_positive(role, label),
        );
    }
    Ok(out)
}

fn key(a: &Alert) -> (String, String) {
    (a.subject.clone(), a.role.as_str().to_owned())
}

/// Whether the analysts looked at this alert: a hash of party and role, so
/// the labelled share does not follow the score.
fn labelled(a: &Alert) -> bool {
    let h = format!("{}/{}", a.subject, a.role.as_str())
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
    (h % 1000) as f64 / 1000.0 < LABELLED_SHARE
}

pub fn evaluate(opts: &LearnOptions, cfg: &EngineConfig) -> Result<LearnReport, WorldsError> {
    if opts.worlds == 0 {
        return Err(WorldsError::NoWorlds);
    }
    let rules_threshold = cfg.alert_threshold;
    let candidates = EngineConfig {
        alert_threshold: CANDIDATE_THRESHOLD.min(rules_threshold),
        ..cfg.clone()
    };
    let mut worlds = Vec::new();
    for i in 0..opts.worlds {
        let seed = opts.first_seed.wrapping_add(i as u64);
        let bad = |reason: String| WorldsError::World { seed, reason };
        let world = SimConfig {
            senders: opts.senders,
            days: opts.days,
            ..SimConfig::varied(seed)
        };
        let test_seed = seed.wrapping_add(TEST_SEED_OFFSET);
        let trained_on = scan_world(&world, &candidates)?;
        let truth_train = truth(&trained_on.truth).map_err(bad)?;
        let examples: Vec<Example> = trained_on
            .alerts
            .iter()
            .filter(|a| labelled(a))
            .map(|a| Example {
                key: format!("{}/{}", a.subject, a.role.as_str()),
                positive: truth_train.get(&key(a)).copied().unwrap_or(false),
                rules_alerted: a.score >= rules_threshold,
                alert: Some(a.clone()),
            })
            .collect();
        // Too few labels of a class (rules so precise that 40% of their
        // alerts hold fewer than 10 false ones) is a refusal like any other:
        // the rules stay in use for that world.
        let (labels, cv, refusal, model_of) = match train(&examples, candidates.alert_threshold) {
            Ok(t) => (t.labels, t.cv, t.refusal, Some(t.model)),
            Err(e) => (
                examples.len(),
                Figures::default(),
                Some(e.to_string()),
                None,
            ),
        };
        let test = scan_world(
            &SimConfig {
                seed: test_seed,
                ..world.clone()
            },
            &candidates,
        )?;
        let truth_test = truth(&test.truth).map_err(bad)?;
        let positives = truth_test.values().filter(|p| **p).count();
        let measure = |alerted: &dyn Fn(&Alert) -> bool| {
            let mut f = Figures::of(
                test.alerts
                    .iter()
                    .filter(|a| alerted(a))
                    .map(|a| (true, truth_test.get(&key(a)).copied().unwrap_or(false))),
            );
            f.false_negatives = positives - f.true_positives;
            f.recall = if positives == 0 {
                0.0
            } else {
                f.true_positives as f64 / positives as f64
            };
            f
        };
        let rules = measure(&|a| a.score >= rules_threshold);
        // A refused model is not used: the rules decide.
        let model = match (&refusal, &model_of) {
            (None, Some(m)) => measure(&|a| m.score(a, None).flagged),
            _ => rules,
        };
        tracing::info!(
            seed,
            done = i + 1,
            of = opts.worlds,
            "world learned and measured"
        );
        worlds.push(LearnWorld {
            seed,
            test_seed,
            labels,
            refusal,
            cv,
            rules,
            model,
        });
    }
    let summary = |f: fn(&LearnWorld) -> f64| {
        let mut v: Vec<f64> = worlds.iter().map(f).collect();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        };
        let w = worlds
            .iter()
            .min_by(|a, b| f(a).total_cmp(&f(b)))
            .map_or(0, |w| w.seed);
        Summary {
            median,
            worst: v[0],
            worst_seed: w,
        }
    };
    Ok(LearnReport {
        options: opts.clone(),
        rules_precision: summary(|w| w.rules.precision),
        rules_recall: summary(|w| w.rules.recall),
        model_precision: summary(|w| w.model.precision),
        model_recall: summary(|w| w.model.recall),
        worlds,
    })
}

impl std::fmt::Display for LearnReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let o = &self.options;
        writeln!(
            f,
            "{} varied worlds (seeds {}-{}; test traffic seed + {TEST_SEED_OFFSET}), {} senders, {} days; \
             {:.0}% of the training traffic's alerts (score >= {CANDIDATE_THRESHOLD}) labelled from truth",
            o.worlds,
            o.first_seed,
            o.first_seed.wrapping_add(o.worlds as u64 - 1),
            o.senders,
            o.days,
            LABELLED_SHARE * 100.0
        )?;
        writeln!(
            f,
            "{:>6} {:>7} {:>7} {:>9} {:>7} {:>9} {:>7}  model",
            "seed", "labels", "cv P", "rules P", "rules R", "model P", "model R"
        )?;
        for w in &self.worlds {
            writeln!(
                f,
                "{:>6} {:>7} {:>7.3} {:>9.3} {:>7.3} {:>9.3} {:>7.3}  {}",
                w.seed,
                w.labels,
                w.cv.precision,
                w.rules.precision,
                w.rules.recall,
                w.model.precision,
                w.model.recall,
                w.refusal
                    .as_deref()
                    .map_or("used".to_owned(), |r| format!("refused: {r}"))
            )?;
        }
        writeln!(f)?;
        writeln!(
            f,
            "{:<16} {:>6} {:>6} {:>6}",
            "figure", "median", "worst", "seed"
        )?;
        for (name, s) in [
            ("rules precision", &self.rules_precision),
            ("rules recall", &self.rules_recall),
            ("model precision", &self.model_precision),
            ("model recall", &self.model_recall),
        ] {
            writeln!(
                f,
                "{:<16} {:>6.3} {:>6.3} {:>6}",
                name, s.median, s.worst, s.worst_seed
            )?;
        }
        Ok(())
    }
}
