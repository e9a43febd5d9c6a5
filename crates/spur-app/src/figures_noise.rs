//! `spur stats --epsilon`: the counts of the published tables released under
//! differential privacy, with OpenDP's discrete Laplace mechanism with a
//! threshold (`make_laplace_threshold`; Rogers 2023, Canonne-Kamath-Steinke
//! 2020), never with a sampler of our own.
//!
//! The privacy unit is one suspected party (a customer or a facilitator
//! account). Each table is a map of counts whose keys come from the data
//! (months, corridors): the mechanism adds noise to every count and
//! releases only the keys whose noisy count reaches a threshold, so that a
//! key that one party alone brings is released with probability at most
//! δ. Each party is counted in at most `max_cells` keys of a table (1 by
//! default: a customer counts in the month and corridor of its first
//! evidence payment, and in the amount bucket most of its payments fall
//! in), which bounds what one
//! party changes: `max_cells` keys by one each. The budget ε is split evenly
//! over the tables released, δ too; the threshold of each is the smallest
//! that keeps its δ, and never below `k`, so that suppression holds as
//! without noise.
//!
//! Payments and amounts are sums, not counts of parties: each evidence
//! payment belongs to one party (its customer when the sender is suspected,
//! else its facilitator), and each party's payments are bounded before they
//! are summed ([`bound_owned`]: its first `max_payments` in time order, and
//! at most `max_usd` in all, the rest cut). The sums are released over keys
//! already public (the corridors the counts released, the amount buckets,
//! whose bounds are fixed) with OpenDP's discrete Laplace (`make_laplace`),
//! scale = the bound / ε: one party changes them by at most its bound in all.
//! Amounts are summed in cents.
//!
//! The release is drawn once per input, configuration and setting and kept
//! in the store (`Store::save_stats_noise`): a second run takes it again
//! (drawing afresh would let a reader average the noise away and would
//! spend the budget twice), and `spur stats verify` renders the kept release
//! again. No seed exists to publish.

use std::collections::{BTreeMap, HashMap};

use opendp::domains::{AtomDomain, MapDomain, VectorDomain};
use opendp::measurements::{make_laplace, make_laplace_threshold};
use opendp::measures::{Approximate, MaxDivergence};
use opendp::metrics::{AbsoluteDistance, L01InfDistance, L1Distance};
use serde::{Deserialize, Serialize};

use crate::{AppError, Result};

/// The default total δ of a release.
pub const DEFAULT_DELTA: f64 = 1e-6;

/// How a release is made.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Privacy {
    /// The total privacy budget ε, split evenly over the tables.
    pub epsilon: f64,
    /// The total δ, split likewise.
    pub delta: f64,
    /// The most keys of one table one party is counted in.
    pub max_cells: u32,
    /// The most payments of one party the payment sums take (its first).
    pub max_payments: u32,
    /// The most USD of one party the amount sums take.
    pub max_usd: u32,
}

/// The defaults of `--max-payments` and `--max-usd`: a customer who buys a
/// show a week for half a year at the brief's prices (USD 20 to 150), a
/// bound most parties stay within; more is cut, which lowers the sums.
pub const DEFAULT_MAX_PAYMENTS: u32 = 30;
pub const DEFAULT_MAX_USD: u32 = 3_000;

impl Privacy {
    pub fn check(&self) -> Result<()> {
        if !(self.epsilon.is_finite() && self.epsilon > 0.0) {
            return Err(AppError::Invalid(format!(
                "--epsilon {} is not a positive number",
                self.epsilon
            )));
        }
        if !(self.delta > 0.0 && self.delta < 1.0) {
            return Err(AppError::Invalid(format!(
                "--delta {} is not between 0 and 1",
                self.delta
            )));
        }
        if self.max_cells == 0 {
            return Err(AppError::Invalid("--max-cells must be at least 1".into()));
        }
        if self.max_payments == 0 || self.max_usd == 0 {
            return Err(AppError::Invalid(
                "--max-payments and --max-usd must be at least 1".into(),
            ));
        }
        Ok(())
    }
}

/// One table's released counts and how they were made.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Released {
    pub epsilon: f64,
    pub delta: f64,
    /// The noise scale (standard deviation / √2).
    pub scale: f64,
    /// Keys whose noisy count fell below it were not released.
    pub threshold: i64,
    /// The keys released, with their noisy counts.
    pub counts: BTreeMap<String, i64>,
}

/// Sums over public keys, released with noise, and how.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReleasedSums {
    pub epsilon: f64,
    pub scale: f64,
    /// The most one party adds to all the sums together.
    pub bound: i64,
    /// Every key given, with its noisy sum.
    pub sums: BTreeMap<String, i64>,
}

/// One evidence payment as a sum sees it: its owner, and the value it adds.
#[derive(Clone, Debug, PartialEq)]
pub struct Owned<'a> {
    pub owner: &'a str,
    pub key: String,
    pub value: i64,
}

/// Each owner's values bounded, in the order given: its first `max_items`
/// items, and their values cut so that its total stays within `max_total`
/// (values are not negative); summed by key.
pub fn bound_owned(items: &[Owned<'_>], max_items: u32, max_total: i64) -> BTreeMap<String, i64> {
    let mut used: HashMap<&str, (u32, i64)> = HashMap::new();
    let mut sums: BTreeMap<String, i64> = BTreeMap::new();
    for it in items {
        let (n, total) = used.entry(it.owner).or_default();
        if *n >= max_items {
            continue;
        }
        *n += 1;
        let take = it.value.max(0).min(max_total - *total);
        *total += take;
        *sums.entry(it.key.clone()).or_default() += take;
    }
    sums
}

/// Releases the sums of `keys` (0 where `sums` has none), one party adding
/// at most `bound` to all of them together, with `epsilon`.
pub fn release_sums(
    keys: &[String],
    sums: &BTreeMap<String, i64>,
    bound: i64,
    epsilon: f64,
) -> Result<ReleasedSums> {
    let scale = bound as f64 / epsilon;
    let m = make_laplace::<_, _, MaxDivergence>(
        VectorDomain::new(AtomDomain::<i64>::default()),
        L1Distance::<i64>::default(),
        scale,
        None,
    )
    .map_err(|e| AppError::Invalid(format!("OpenDP: {e}")))?;
    let spent = m
        .map(&bound)
        .map_err(|e| AppError::Invalid(format!("OpenDP privacy map: {e}")))?;
    if spent > epsilon * (1.0 + 1e-9) {
        return Err(AppError::Invalid(format!(
            "OpenDP says this release spends ε = {spent}, more than {epsilon}"
        )));
    }
    let values: Vec<i64> = keys
        .iter()
        .map(|k| sums.get(k).copied().unwrap_or(0))
        .collect();
    let noisy = m
        .invoke(&values)
        .map_err(|e| AppError::Invalid(format!("OpenDP could not draw the noise: {e}")))?;
    Ok(ReleasedSums {
        epsilon: spent,
        scale,
        bound,
        sums: keys.iter().cloned().zip(noisy).collect(),
    })
}

/// Keeps each party in at most `max` of the keys it appears under, its first
/// in key order: `cells` maps a key to the parties counted under it.
pub fn bound_contributions<P: Ord + Clone>(
    cells: &BTreeMap<String, std::collections::BTreeSet<P>>,
    max: u32,
) -> BTreeMap<String, i64> {
    let mut seen: BTreeMap<P, u32> = BTreeMap::new();
    cells
        .iter()
        .map(|(key, parties)| {
            let kept = parties
                .iter()
                .filter(|p| {
                    let n = seen.entry((*p).clone()).or_default();
                    *n += 1;
                    *n <= max
                })
                .count();
            (key.clone(), kept as i64)
        })
        .collect()
}

/// Releases `counts` (each party in at most `max_cells` keys, by one) with
/// `epsilon` and `delta`, its threshold at least `k`.
pub fn release(
    counts: &BTreeMap<String, i64>,
    epsilon: f64,
    delta: f64,
    max_cells: u32,
    k: u64,
) -> Result<Released> {
    let cells = i64::from(max_cells);
    // Pure ε for `cells` keys each changed by one: scale = cells / ε.
    let scale = cells as f64 / epsilon;
    let domain = MapDomain::new(
        AtomDomain::<String>::default(),
        AtomDomain::<i64>::default(),
    );
    let metric: L01InfDistance<AbsoluteDistance<i64>> = Default::default();
    let measure = |threshold: i64| {
        make_laplace_threshold::<_, _, Approximate<MaxDivergence>>(
            domain.clone(),
            metric.clone(),
            scale,
            threshold,
            None,
        )
        .map_err(|e| AppError::Invalid(format!("OpenDP: {e}")))
    };
    let loss = |threshold: i64| -> Result<(f64, f64)> {
        measure(threshold)?
            .map(&(max_cells, cells, 1))
            .map_err(|e| AppError::Invalid(format!("OpenDP privacy map: {e}")))
    };
    // The smallest threshold (at least k) whose δ is within the budget.
    let floor = i64::try_from(k.max(1)).unwrap_or(i64::MAX);
    let mut high = floor;
    while loss(high)?.1 > delta {
        high = high
            .checked_mul(2)
            .ok_or_else(|| AppError::Invalid("no threshold keeps this delta".into()))?;
    }
    let mut low = floor;
    while low < high {
        let mid = low + (high - low) / 2;
        if loss(mid)?.1 > delta {
            low = mid + 1;
        } else {
            high = mid;
        }
    }
    let threshold = high;
    let (spent, delta_spent) = loss(threshold)?;
    if spent > epsilon * (1.0 + 1e-9) {
        return Err(AppError::Invalid(format!(
            "OpenDP says this release spends ε = {spent}, more than {epsilon}"
        )));
    }
    let input: HashMap<String, i64> = counts.iter().map(|(k, v)| (k.clone(), *v)).collect();
    let out = measure(threshold)?
        .invoke(&input)
        .map_err(|e| AppError::Invalid(format!("OpenDP could not draw the noise: {e}")))?;
    Ok(Released {
        epsilon: spent,
        delta: delta_spent,
        scale,
        threshold,
        counts: out.into_iter().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_party_counts_in_its_first_cells_only() {
        let mut cells: BTreeMap<String, std::collections::BTreeSet<&str>> = BTreeMap::new();
        cells
            .entry("2026-01".into())
            .or_default()
            .extend(["a", "b"]);
        cells
            .entry("2026-02".into())
            .or_default()
            .extend(["a", "c"]);
        cells.entry("2026-03".into()).or_default().extend(["a"]);
        let one = bound_contributions(&cells, 1);
        assert_eq!(one.values().copied().collect::<Vec<_>>(), [2, 1, 0]);
        let two = bound_contributions(&cells, 2);
        assert_eq!(two.values().copied().collect::<Vec<_>>(), [2, 2, 0]);
    }

    #[test]
    fn a_release_keeps_large_counts_drops_small_ones_and_spends_what_it_says() {
        let counts: BTreeMap<String, i64> = [
            ("big".to_owned(), 5_000),
            ("small".to_owned(), 1),
            ("none".to_owned(), 0),
        ]
        .into_iter()
        .collect();
        let r = release(&counts, 1.0, 1e-7, 1, 10).unwrap();
        assert!(r.epsilon <= 1.0 && r.delta <= 1e-7, "{r:?}");
        assert!(r.threshold >= 10, "{r:?}");
        // Scale 1: a count of 5,000 is released within a few hundred.
        let big = r.counts["big"];
        assert!((big - 5_000).abs() < 200, "{r:?}");
        assert!(!r.counts.contains_key("small") && !r.counts.contains_key("none"));
        // Noise is drawn: of 200 counts well above the threshold, some are
        // released changed (each stays as it was with probability below
        // one half at scale 1, so all 200 with less than 10^-60).
        let many: BTreeMap<String, i64> = (0..200).map(|i| (format!("k{i:03}"), 1_000)).collect();
        let r200 = release(&many, 1.0, 1e-7, 1, 10).unwrap();
        assert_eq!(r200.counts.len(), 200);
        assert!(r200.counts.values().any(|&n| n != 1_000), "{r200:?}");
        // A stricter δ needs a higher threshold.
        let strict = release(&counts, 1.0, 1e-12, 1, 10).unwrap();
        assert!(strict.threshold > r.threshold, "{strict:?} {r:?}");
        // k is the floor of the threshold.
        assert!(release(&counts, 1.0, 1e-7, 1, 500).unwrap().threshold >= 500);
        let bad = Privacy {
            epsilon: 0.0,
            delta: 1e-6,
            max_cells: 1,
            max_payments: 1,
            max_usd: 1,
        };
        assert!(bad.check().is_err());
        assert!(Privacy {
            epsilon: 1.0,
            max_payments: 0,
            ..bad
        }
        .check()
        .is_err());
    }

    #[test]
    fn a_party_adds_at_most_its_bound_to_the_sums() {
        let items: Vec<Owned<'_>> = [
            ("a", "x", 100),
            ("a", "y", 100),
            ("a", "x", 100),
            ("b", "y", 7),
        ]
        .into_iter()
        .map(|(owner, key, value)| Owned {
            owner,
            key: key.into(),
            value,
        })
        .collect();
        // Two items of a at most, 150 in all: 100 to x, 50 to y.
        let sums = bound_owned(&items, 2, 150);
        assert_eq!(sums["x"], 100);
        assert_eq!(sums["y"], 50 + 7);
        let counted = bound_owned(&items, 2, i64::MAX);
        assert_eq!(counted.values().sum::<i64>(), 207);
    }

    #[test]
    fn sums_are_released_for_every_key_with_the_noise_of_their_bound() {
        let keys: Vec<String> = (0..200).map(|i| format!("k{i:03}")).collect();
        let sums: BTreeMap<String, i64> = keys.iter().map(|k| (k.clone(), 10_000)).collect();
        let r = release_sums(&keys, &sums, 30, 1.0).unwrap();
        assert!(r.epsilon <= 1.0, "{r:?}");
        assert_eq!(r.scale, 30.0);
        assert_eq!(r.sums.len(), 200, "every key, a missing one as 0");
        // Scale 30: every sum within 600 of 10,000 (each outside with
        // probability about e^-20), and some changed.
        assert!(r.sums.values().all(|&v| (v - 10_000).abs() < 600), "{r:?}");
        assert!(r.sums.values().any(|&v| v != 10_000));
        let none = release_sums(&keys[..1], &BTreeMap::new(), 30, 1.0).unwrap();
        assert_eq!(none.sums.len(), 1);
    }
}
