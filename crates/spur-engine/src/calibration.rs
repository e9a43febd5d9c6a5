//! Calibrated scores: what an alert's score means.
//!
//! The raw score `1 − e^(−raw)` ranks parties well but does not say how often
//! a party scored 0.8 is what it looks like. A calibration maps it, per role,
//! through a monotone piecewise-linear curve fitted by isotonic regression on
//! labelled scores (many simulated worlds drawn from the brief's ranges, or an
//! institution's own dispositions), so that of the alerts shown around 0.8,
//! about 80% are true. The curve never reorders parties: the ranking, and so
//! the network stage, which reads raw scores, are unchanged; only the shown
//! score and the alert decision (`alert_threshold` applies to the shown
//! score) read it. No knots: the identity. The default is the curve
//! `spur calibrate` fitted over varied worlds (docs/indicators.md,
//! "Calibrated scores", says on which).

use serde::{Deserialize, Serialize};

use crate::indicators::Role;

/// Knots `[raw score, calibrated score]` per role, ascending in both.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Calibration {
    pub sender: Vec<[f64; 2]>,
    pub receiver: Vec<[f64; 2]>,
}

/// The fitted default curves: `spur calibrate --worlds 20 --vary` (seeds
/// 1-20, 20,000 senders, 90 days, blocks of 200), at the commit that
/// introduced them; docs/indicators.md says how they were checked on other
/// seeds.
#[rustfmt::skip]
const SENDER: &[[f64; 2]] = &[
    [0.0567, 0.001],
    [0.0672, 0.0012],
    [0.0713, 0.0012],
    [0.075, 0.0018],
    [0.0791, 0.0023],
    [0.0879, 0.0041],
    [0.1014, 0.0044],
    [0.1429, 0.0067],
    [0.1863, 0.0138],
    [0.2292, 0.0186],
    [0.2538, 0.0434],
    [0.2917, 0.0438],
    [0.3137, 0.0826],
    [0.348, 0.1145],
    [0.391, 0.361],
    [0.421, 0.3665],
    [0.4563, 0.5297],
    [0.5054, 0.5808],
    [0.5517, 0.5922],
    [0.5804, 0.6878],
    [0.608, 0.8038],
    [0.6348, 0.9261],
    [0.6758, 0.9287],
    [0.7285, 0.951],
    [0.7881, 0.9837],
    [0.8731, 0.9979],
];
#[rustfmt::skip]
const RECEIVER: &[[f64; 2]] = &[
    [0.0528, 0.0008],
    [0.0812, 0.0011],
    [0.1164, 0.0019],
    [0.1236, 0.0023],
    [0.1303, 0.0025],
    [0.1401, 0.0033],
    [0.16, 0.0041],
    [0.1827, 0.005],
    [0.2035, 0.0063],
    [0.2188, 0.0071],
    [0.2979, 0.044],
    [0.357, 0.0678],
    [0.387, 0.0931],
    [0.4021, 0.1456],
    [0.4314, 0.1807],
    [0.4657, 0.2952],
    [0.5039, 0.4976],
    [0.5455, 0.7184],
    [0.5884, 0.9038],
    [0.6159, 0.9512],
    [0.6465, 0.9615],
    [0.6828, 0.9879],
    [0.7206, 0.9901],
    [0.7411, 0.9908],
    [0.7567, 0.9951],
    [0.7735, 0.9952],
    [0.8454, 0.9997],
];

impl Default for Calibration {
    fn default() -> Self {
        Calibration {
            sender: SENDER.to_vec(),
            receiver: RECEIVER.to_vec(),
        }
    }
}

impl Calibration {
    /// No curve: shown scores are raw scores.
    pub fn identity() -> Self {
        Calibration {
            sender: Vec::new(),
            receiver: Vec::new(),
        }
    }

    /// The shown score of a raw score in [0, 1].
    pub fn apply(&self, role: Role, score: f64) -> f64 {
        let knots = match role {
            Role::Sender => &self.sender,
            Role::Receiver => &self.receiver,
        };
        through(knots, score)
    }

    /// Whether both curves are knots in [0, 1], ascending in the raw score
    /// (strictly) and in the shown one.
    pub fn validate(&self) -> Result<(), String> {
        for (name, k) in [("sender", &self.sender), ("receiver", &self.receiver)] {
            if k.iter().flatten().any(|x| !(0.0..=1.0).contains(x)) {
                return Err(format!("calibration.{name}: knots must lie in [0, 1]"));
            }
            if k.windows(2)
                .any(|w| w[1][0] <= w[0][0] || w[1][1] < w[0][1])
            {
                return Err(format!(
                    "calibration.{name}: knots must ascend: raw scores strictly, shown scores not falling"
                ));
            }
        }
        Ok(())
    }
}

/// Linear between knots; from (0, 0) to the first, and from the last to
/// (1, 1): no score above the last knot is flattened into one value, so the
/// order of the strongest alerts survives.
fn through(knots: &[[f64; 2]], x: f64) -> f64 {
    let Some(&last) = knots.last() else { return x };
    if x >= last[0] {
        let span = 1.0 - last[0];
        if span <= 0.0 {
            return last[1];
        }
        return last[1] + (1.0 - last[1]) * ((x - last[0]) / span).min(1.0);
    }
    let mut prev = [0.0, 0.0];
    for k in knots {
        if x < k[0] {
            let span = k[0] - prev[0];
            if span <= 0.0 {
                return k[1];
            }
            return prev[1] + (k[1] - prev[1]) * (x - prev[0]) / span;
        }
        prev = *k;
    }
    last[1]
}

/// Fits knots to `(raw score, truth)` pairs by isotonic regression (pool
/// adjacent violators) over blocks of at least `min_block` pairs of
/// neighbouring scores: each knot is a block's mean score and its share of
/// true parties (Laplace-smoothed), the shares never falling with the score. Equal scores stay
/// in one block. Fewer pairs than `min_block`: one knot.
pub fn fit(pairs: &mut [(f64, bool)], min_block: usize) -> Vec<[f64; 2]> {
    // A score that is not a number is no evidence: it counts as 0, untrue.
    for p in pairs.iter_mut().filter(|p| !p.0.is_finite()) {
        *p = (0.0, false);
    }
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let min_block = min_block.max(1);
    // Blocks of neighbouring scores: (sum of scores, trues, count).
    let mut blocks: Vec<(f64, f64, f64)> = Vec::new();
    let mut i = 0;
    while i < pairs.len() {
        let (mut sum, mut hits, mut n) = (0.0, 0.0, 0usize);
        while i < pairs.len() && (n < min_block || pairs[i].0 == pairs[i - 1].0) {
            sum += pairs[i].0;
            hits += f64::from(u8::from(pairs[i].1));
            n += 1;
            i += 1;
        }
        blocks.push((sum, hits, n as f64));
    }
    // A short tail joins the block before it.
    if blocks.len() > 1 && (blocks[blocks.len() - 1].2 as usize) < min_block {
        let t = blocks.pop().expect("more than one block");
        let b = blocks.last_mut().expect("one block left");
        *b = (b.0 + t.0, b.1 + t.1, b.2 + t.2);
    }
    // Pool adjacent violators.
    let mut pooled: Vec<(f64, f64, f64)> = Vec::with_capacity(blocks.len());
    for b in blocks {
        pooled.push(b);
        while pooled.len() > 1 {
            let n = pooled.len();
            let (a, c) = (pooled[n - 2], pooled[n - 1]);
            if share(c) >= share(a) {
                break;
            }
            pooled.pop();
            pooled[n - 2] = (a.0 + c.0, a.1 + c.1, a.2 + c.2);
        }
    }
    let knots: Vec<[f64; 2]> = pooled
        .into_iter()
        .map(|b| [round4(b.0 / b.2), round4(share(b))])
        .collect();
    // Inside a flat run only its ends matter.
    let flat = |i: usize| i > 0 && i + 1 < knots.len() && knots[i - 1][1] == knots[i + 1][1];
    (0..knots.len())
        .filter(|&i| !flat(i))
        .map(|i| knots[i])
        .collect()
}

/// A block's share of true parties with one true and one untrue added
/// (Laplace): a block where all were true says "very likely", never "certain".
fn share((_, hits, n): (f64, f64, f64)) -> f64 {
    (hits + 1.0) / (n + 2.0)
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_knots_is_the_identity() {
        let c = Calibration::identity();
        for x in [0.0, 0.3, 0.5, 0.999] {
            assert_eq!(c.apply(Role::Sender, x), x);
            assert_eq!(c.apply(Role::Receiver, x), x);
        }
    }

    #[test]
    fn the_default_curves_are_valid() {
        assert!(Calibration::default().validate().is_ok());
    }

    #[test]
    fn knots_interpolate_and_flatten() {
        let c = Calibration {
            sender: vec![[0.2, 0.1], [0.6, 0.5], [0.9, 0.95]],
            receiver: Vec::new(),
        };
        let at = |x| c.apply(Role::Sender, x);
        assert!((at(0.1) - 0.05).abs() < 1e-12, "from the origin");
        assert!((at(0.4) - 0.3).abs() < 1e-12);
        assert!((at(0.75) - 0.725).abs() < 1e-12);
        assert!(
            (at(0.95) - 0.975).abs() < 1e-12,
            "towards (1, 1) after the last knot"
        );
        assert!(at(0.99) > at(0.95) && at(0.99) < 1.0);
        assert_eq!(c.apply(Role::Receiver, 0.4), 0.4);
        assert!(c.validate().is_ok());
        let bad = Calibration {
            sender: vec![[0.5, 0.6], [0.4, 0.7]],
            receiver: Vec::new(),
        };
        assert!(bad.validate().unwrap_err().contains("ascend"));
        let bad = Calibration {
            sender: Vec::new(),
            receiver: vec![[0.5, 1.5]],
        };
        assert!(bad.validate().unwrap_err().contains("[0, 1]"));
    }

    #[test]
    fn the_fit_pools_violators_and_keeps_the_order() {
        // Scores 0.1..0.6 in blocks of two: shares 0, 1, 0.5 -> the last two pool.
        let mut pairs = vec![
            (0.1, false),
            (0.2, false),
            (0.3, true),
            (0.4, true),
            (0.5, true),
            (0.6, false),
        ];
        let k = fit(&mut pairs, 2);
        assert_eq!(k, vec![[0.15, 0.25], [0.45, 0.6667]]);
        let c = Calibration {
            sender: k,
            receiver: Vec::new(),
        };
        assert!(c.validate().is_ok());
    }

    #[test]
    fn equal_scores_share_a_block_and_a_short_tail_joins() {
        let mut pairs = vec![(0.5, true), (0.5, false), (0.5, true), (0.9, true)];
        let k = fit(&mut pairs, 2);
        assert_eq!(k, vec![[0.6, 0.6667]], "(3 + 1) / (4 + 2)");
        // Four blocks of two, the last three all true: the middle one goes.
        let mut pairs = vec![
            (0.1, false),
            (0.2, false),
            (0.3, true),
            (0.4, true),
            (0.5, true),
            (0.6, true),
            (0.7, true),
            (0.8, true),
        ];
        assert_eq!(
            fit(&mut pairs, 2),
            vec![[0.15, 0.25], [0.35, 0.75], [0.75, 0.75]]
        );
        assert!(fit(&mut [], 10).is_empty());
    }

    #[test]
    fn a_well_calibrated_input_stays_near_the_diagonal() {
        // 10,000 pairs whose truth rate is their score, deterministic.
        let mut pairs: Vec<(f64, bool)> = (0..10_000)
            .map(|i| {
                let s = (i as f64 + 0.5) / 10_000.0;
                // Every tenth of a block true in proportion to s.
                let hit = ((i * 7919) % 1000) as f64 / 1000.0 < s;
                (s, hit)
            })
            .collect();
        let k = fit(&mut pairs, 500);
        assert!(k.len() >= 10, "{k:?}");
        for [x, y] in k {
            assert!((x - y).abs() < 0.08, "{x} -> {y}");
        }
    }
}
