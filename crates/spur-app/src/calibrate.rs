//! Fitting the score calibration over a family of simulated worlds
//! (`spur calibrate`), and the reliability of scores (`spur eval --reliability`).
//!
//! Every world of `WorldsOptions` is scanned with the configured engine but no
//! calibration and a low threshold (`floor`), so that the scores below the
//! alert threshold are seen too. Per role the `(score, true?)` pairs of all
//! worlds are pooled and fitted by isotonic regression
//! (`spur_engine::calibration::fit`); then, for each candidate threshold on the
//! calibrated score, the precision and recall of every world are measured and
//! the lowest threshold whose *worst* world reaches the target precision is
//! chosen. The fit and the choice are in-sample; `spur eval` on other seeds
//! measures them out of sample.

use serde::Serialize;
use spur_engine::{calibration, Calibration, EngineConfig, Role};

use crate::worlds::{scan_world, sim_config, WorldsError, WorldsOptions};

/// What to fit, and the target.
#[derive(Clone, Debug, Serialize)]
pub struct CalibrateOptions {
    pub worlds: WorldsOptions,
    /// Pairs per isotonic block, at least.
    pub min_block: usize,
    /// The precision the worst world must reach at the chosen threshold.
    pub target_precision: f64,
    /// Scores below this are not collected (the threshold of the fitting scans).
    pub floor: f64,
}

impl Default for CalibrateOptions {
    fn default() -> Self {
        CalibrateOptions {
            worlds: WorldsOptions::default(),
            min_block: 200,
            target_precision: 0.9,
            floor: 0.05,
        }
    }
}

/// One world's labelled scores, per role, and its positives.
#[derive(Clone, Debug)]
pub struct Labelled {
    pub seed: u64,
    pub pairs: [Vec<(f64, bool)>; 2],
    pub positives: usize,
}

/// Figures at one threshold on the calibrated score.
#[derive(Clone, Debug, Serialize)]
pub struct AtThreshold {
    pub threshold: f64,
    pub pooled_precision: f64,
    pub pooled_recall: f64,
    pub worst_precision: f64,
    pub worst_precision_seed: u64,
    pub worst_recall: f64,
    pub worst_recall_seed: u64,
}

/// One bin of a reliability diagram.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Bin {
    pub from: f64,
    pub to: f64,
    pub parties: usize,
    pub mean_score: f64,
    pub share_true: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct CalibrateReport {
    pub options: CalibrateOptions,
    pub calibration: Calibration,
    pub thresholds: Vec<AtThreshold>,
    /// The lowest threshold whose worst world reaches the target, if any.
    pub chosen: Option<f64>,
    pub before: Vec<Bin>,
    pub after: Vec<Bin>,
}

/// Scans every world of `opts` with `cfg`, its threshold lowered to `floor`
/// (its calibration as configured: the scores are the shown ones).
pub fn label_worlds(
    opts: &WorldsOptions,
    cfg: &EngineConfig,
    floor: f64,
) -> Result<Vec<Labelled>, WorldsError> {
    if opts.worlds == 0 {
        return Err(WorldsError::NoWorlds);
    }
    let mut raw = cfg.clone();
    raw.alert_threshold = floor;
    let mut out = Vec::with_capacity(opts.worlds);
    for i in 0..opts.worlds {
        let seed = opts.first_seed.wrapping_add(i as u64);
        let w = scan_world(&sim_config(opts, seed), &raw)?;
        let bad = |reason: String| WorldsError::World { seed, reason };
        let mut lines = Vec::with_capacity(w.alerts.len() * 64);
        for a in &w.alerts {
            serde_json::to_writer(&mut lines, a).map_err(|e| bad(e.to_string()))?;
            lines.push(b'\n');
        }
        let pairs =
            spur_sim::labelled_scores(&w.truth[..], &lines[..]).map_err(|e| bad(e.to_string()))?;
        let positives = spur_sim::evaluate(&w.truth[..], &b""[..], None::<&[u8]>)
            .map_err(|e| bad(e.to_string()))?
            .overall
            .positives;
        tracing::info!(seed, done = i + 1, of = opts.worlds, "world labelled");
        out.push(Labelled {
            seed,
            pairs,
            positives,
        });
    }
    Ok(out)
}

/// The reliability of the scores `cfg` shows over the worlds of `opts`,
/// pooled, from the default floor up.
pub fn reliability_of(opts: &WorldsOptions, cfg: &EngineConfig) -> Result<Vec<Bin>, WorldsError> {
    let worlds = label_worlds(opts, cfg, CalibrateOptions::default().floor)?;
    let pooled: Vec<(f64, bool)> = worlds.iter().flat_map(|w| w.pairs.concat()).collect();
    Ok(reliability(&pooled, 0.1))
}

/// Fits the calibration and chooses the threshold.
pub fn calibrate(
    opts: &CalibrateOptions,
    cfg: &EngineConfig,
) -> Result<CalibrateReport, WorldsError> {
    let mut raw = cfg.clone();
    raw.calibration = Calibration::identity();
    let worlds = label_worlds(&opts.worlds, &raw, opts.floor)?;
    let mut fitted = Calibration::identity();
    for (role, knots) in [
        (Role::Sender, &mut fitted.sender),
        (Role::Receiver, &mut fitted.receiver),
    ] {
        let mut pooled: Vec<(f64, bool)> = worlds
            .iter()
            .flat_map(|w| w.pairs[role_ix(role)].iter().copied())
            .collect();
        *knots = calibration::fit(&mut pooled, opts.min_block);
    }
    let fit_ref = &fitted;
    let shown = |w: &Labelled| -> Vec<(f64, bool)> {
        [Role::Sender, Role::Receiver]
            .into_iter()
            .flat_map(|role| {
                w.pairs[role_ix(role)]
                    .iter()
                    .map(move |&(s, t)| (fit_ref.apply(role, s), t))
            })
            .collect()
    };
    let calibrated: Vec<Shown> = worlds
        .iter()
        .map(|w| Shown {
            seed: w.seed,
            positives: w.positives,
            pairs: shown(w),
        })
        .collect();
    let thresholds: Vec<AtThreshold> = (6..=19)
        .map(|k| f64::from(k) * 0.05)
        .map(|t| at_threshold(&calibrated, t))
        .collect();
    let chosen = thresholds
        .iter()
        .find(|t| t.worst_precision >= opts.target_precision)
        .map(|t| t.threshold);
    let all = |f: &dyn Fn(&Labelled) -> Vec<(f64, bool)>| -> Vec<(f64, bool)> {
        worlds.iter().flat_map(f).collect()
    };
    let before = reliability(&all(&|w| w.pairs.concat()), 0.1);
    let after = reliability(&all(&shown), 0.1);
    Ok(CalibrateReport {
        options: opts.clone(),
        calibration: fitted,
        thresholds,
        chosen,
        before,
        after,
    })
}

fn role_ix(role: Role) -> usize {
    usize::from(role == Role::Receiver)
}

/// One world's shown scores (both roles) with their truth.
struct Shown {
    seed: u64,
    positives: usize,
    pairs: Vec<(f64, bool)>,
}

fn at_threshold(worlds: &[Shown], t: f64) -> AtThreshold {
    let mut worst_p = (f64::INFINITY, 0);
    let mut worst_r = (f64::INFINITY, 0);
    let (mut alerts, mut hits, mut positives) = (0usize, 0usize, 0usize);
    for Shown {
        seed,
        positives: pos,
        pairs,
    } in worlds
    {
        let a = pairs.iter().filter(|p| p.0 >= t).count();
        let h = pairs.iter().filter(|p| p.0 >= t && p.1).count();
        let p = if a == 0 { 1.0 } else { h as f64 / a as f64 };
        let r = if *pos == 0 {
            1.0
        } else {
            h as f64 / *pos as f64
        };
        if p < worst_p.0 {
            worst_p = (p, *seed);
        }
        if r < worst_r.0 {
            worst_r = (r, *seed);
        }
        alerts += a;
        hits += h;
        positives += pos;
    }
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    AtThreshold {
        threshold: (t * 100.0).round() / 100.0,
        pooled_precision: ratio(hits, alerts),
        pooled_recall: ratio(hits, positives),
        worst_precision: worst_p.0,
        worst_precision_seed: worst_p.1,
        worst_recall: worst_r.0,
        worst_recall_seed: worst_r.1,
    }
}

/// Bins of `width` over [0, 1]: each bin's parties, mean score and share
/// of true parties. Empty bins are left out.
pub fn reliability(pairs: &[(f64, bool)], width: f64) -> Vec<Bin> {
    let n = (1.0 / width).round().max(1.0) as usize;
    let mut acc = vec![(0usize, 0.0f64, 0usize); n];
    for &(s, t) in pairs {
        let k = ((s / width) as usize).min(n - 1);
        acc[k].0 += 1;
        acc[k].1 += s;
        acc[k].2 += usize::from(t);
    }
    acc.into_iter()
        .enumerate()
        .filter(|(_, a)| a.0 > 0)
        .map(|(k, (count, sum, hits))| Bin {
            from: k as f64 * width,
            to: (k + 1) as f64 * width,
            parties: count,
            mean_score: sum / count as f64,
            share_true: hits as f64 / count as f64,
        })
        .collect()
}

impl CalibrateReport {
    /// The fitted knots and the chosen threshold as a configuration file.
    pub fn to_toml(&self) -> String {
        let knots = |k: &[[f64; 2]]| {
            k.iter()
                .map(|[x, y]| format!("[{x}, {y}]"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let o = &self.options;
        let mut s = format!(
            "# spur calibrate: {} {} worlds from seed {}, {} senders, {} days; blocks of {}; target worst-world precision {}\n",
            o.worlds.worlds,
            if o.worlds.vary { "varied" } else { "calibrated" },
            o.worlds.first_seed,
            o.worlds.senders,
            o.worlds.days,
            o.min_block,
            o.target_precision
        );
        match self.chosen {
            Some(t) => s.push_str(&format!("alert_threshold = {t}\n")),
            None => s.push_str("# no threshold reached the target precision in every world\n"),
        }
        s.push_str(&format!(
            "\n[calibration]\nsender = [{}]\nreceiver = [{}]\n",
            knots(&self.calibration.sender),
            knots(&self.calibration.receiver)
        ));
        s
    }
}

impl std::fmt::Display for CalibrateReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{:>9} {:>9} {:>7} {:>11} {:>5} {:>8} {:>5}",
            "threshold", "precision", "recall", "worst prec.", "seed", "worst r.", "seed"
        )?;
        for t in &self.thresholds {
            writeln!(
                f,
                "{:>9.2} {:>9.3} {:>7.3} {:>11.3} {:>5} {:>8.3} {:>5}",
                t.threshold,
                t.pooled_precision,
                t.pooled_recall,
                t.worst_precision,
                t.worst_precision_seed,
                t.worst_recall,
                t.worst_recall_seed
            )?;
        }
        match self.chosen {
            Some(t) => writeln!(
                f,
                "lowest threshold whose worst world reaches precision {}: {t:.2}",
                self.options.target_precision
            )?,
            None => writeln!(
                f,
                "no threshold reaches precision {} in every world",
                self.options.target_precision
            )?,
        }
        writeln!(
            f,
            "\nreliability (pooled): score bin, parties, share true before -> after"
        )?;
        for b in &self.after {
            let before = self
                .before
                .iter()
                .find(|x| x.from == b.from)
                .map_or("-".to_owned(), |x| {
                    format!("{:.3} ({})", x.share_true, x.parties)
                });
            writeln!(
                f,
                "  {:.1}-{:.1}  {:>6}  {before} -> {:.3}",
                b.from, b.to, b.parties, b.share_true
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reliability_bins_count_and_share() {
        let pairs = [
            (0.05, false),
            (0.55, true),
            (0.58, false),
            (0.95, true),
            (1.0, true),
        ];
        let bins = reliability(&pairs, 0.1);
        assert_eq!(bins.len(), 3);
        assert_eq!((bins[1].parties, bins[1].share_true), (2, 0.5));
        assert_eq!(bins[2].parties, 2, "a score of 1 falls in the last bin");
    }

    #[test]
    fn the_worst_world_decides() {
        let worlds = vec![
            Shown {
                seed: 1,
                positives: 2,
                pairs: vec![(0.9, true), (0.8, true), (0.7, false)],
            },
            Shown {
                seed: 2,
                positives: 4,
                pairs: vec![(0.9, true), (0.6, false)],
            },
        ];
        let t = at_threshold(&worlds, 0.65);
        assert_eq!(t.worst_precision, 2.0 / 3.0);
        assert_eq!(t.worst_precision_seed, 1);
        assert_eq!(t.worst_recall, 0.25);
        assert_eq!(t.worst_recall_seed, 2);
        assert_eq!(t.pooled_precision, 0.75);
        assert_eq!(t.pooled_recall, 0.5);
    }
}
