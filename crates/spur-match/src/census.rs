//! How many are there across three or more institutions: the capture
//! histories of their lists, learnt as counts only (`spur census`).
//!
//! Each institution `i` holds a list `Lᵢ` (its suspected customers, or its
//! suspected receiving accounts) and a fresh secret `kᵢ`. An item `x` of
//! any list ends as `H(x)·k₁·k₂⋯kₙ` once every institution has blinded it
//! (the group is commutative, so the order does not matter): equal values
//! are the same identifier, on whichever lists they came from. The one who
//! gathers (the hub) passes each list through every other institution's
//! [`Blinder::reblind`] and counts, per final value, the lists it came
//! from: the capture histories.
//!
//! Every blinding answer is **sorted** by its bytes, never in the order
//! received, so no one can tell which of the values it sent became which:
//! the hub learns the counts of the histories and not which of its own
//! items are on another list (a cardinality-only intersection), and the
//! others learn nothing from values blinded with secrets they do not hold.
//! What leaks beyond the histories is named in docs/matching.md ("Three or
//! more lists"): an institution that blinds two lists that have both been
//! through the same other secrets sees their overlap, which the histories
//! the hub sends back give anyway. As for the two-party PSI, the guarantee
//! is for parties that follow the protocol (semi-honest), under the
//! decisional Diffie–Hellman assumption; a hub that offers guesses is
//! bounded by list sizes, rate limits and the audit log.

use curve25519_dalek::scalar::Scalar;

use crate::{point, Element, MatchError, Message, MAX_ITEMS};

/// One institution's secret for one census: it blinds its own list once and
/// other lists as they pass.
pub struct Blinder {
    secret: Scalar,
}

fn sorted(mut m: Message) -> Message {
    m.sort_unstable();
    m
}

impl Blinder {
    /// A fresh secret from the operating system.
    pub fn new() -> Result<Blinder, MatchError> {
        let mut wide = [0u8; 64];
        getrandom::fill(&mut wide).map_err(|e| MatchError::Randomness(e.to_string()))?;
        Ok(Blinder {
            secret: Scalar::from_bytes_mod_order_wide(&wide),
        })
    }

    /// This institution's own list, blinded and sorted, duplicates once.
    pub fn blind<I: AsRef<[u8]>>(&self, items: &[I]) -> Result<Message, MatchError> {
        if items.len() > MAX_ITEMS {
            return Err(MatchError::TooMany {
                got: items.len(),
                max: MAX_ITEMS,
            });
        }
        let mut m = sorted(
            items
                .iter()
                .map(|x| (point(x.as_ref()) * self.secret).compress().to_bytes())
                .collect(),
        );
        m.dedup();
        Ok(m)
    }

    /// Another list, blinded again with this secret and sorted: nothing of
    /// the order received survives. A value that is no point, or the
    /// identity, is refused by its index.
    pub fn reblind(&self, values: &[Element]) -> Result<Message, MatchError> {
        if values.len() > MAX_ITEMS {
            return Err(MatchError::TooMany {
                got: values.len(),
                max: MAX_ITEMS,
            });
        }
        let out = crate::blind_again(values, &self.secret)?;
        Ok(sorted(out))
    }
}

/// The capture histories of `lists` (each blinded by every institution's
/// secret, or plain): `counts[h - 1]` is how many distinct values are on
/// exactly the lists of `h`, the bit `1 << i` meaning list `i + 1` (the
/// layout [`crate::loglinear`] takes). A list's repeated values count once.
pub fn histories<T: Ord>(lists: &[Vec<T>]) -> Result<Vec<u64>, MatchError> {
    if lists.len() > crate::MAX_LISTS {
        return Err(MatchError::Lists {
            got: lists.len(),
            max: crate::MAX_LISTS,
        });
    }
    let mut all: Vec<(&T, usize)> = lists
        .iter()
        .enumerate()
        .flat_map(|(i, l)| l.iter().map(move |e| (e, 1usize << i)))
        .collect();
    all.sort_unstable();
    let mut counts = vec![0u64; (1usize << lists.len()).saturating_sub(1)];
    let mut k = 0;
    while k < all.len() {
        let value = all[k].0;
        let mut h = 0usize;
        while k < all.len() && all[k].0 == value {
            h |= all[k].1;
            k += 1;
        }
        counts[h - 1] += 1;
    }
    Ok(counts)
}

/// The estimate of how many there are from a census's histories.
#[derive(Debug, Clone, PartialEq)]
pub enum HistoriesEstimate {
    /// Two lists: Chapman's.
    Chapman(crate::Estimate),
    /// Three to five lists: the log-linear model of least AIC.
    Loglinear(crate::LoglinearEstimate),
}

impl HistoriesEstimate {
    /// The estimate and its interval: (estimate, low, high).
    pub fn interval(&self) -> (f64, f64, f64) {
        match self {
            HistoriesEstimate::Chapman(e) => (e.estimate, e.low, e.high),
            HistoriesEstimate::Loglinear(e) => (e.estimate, e.low, e.high),
        }
    }
}

/// The estimate from `counts` (by history, as [`histories`] gives them) of
/// `lists` lists at `level`: Chapman's for two lists, from list 1 (`10` and
/// `11`), list 2 (`01` and `11`) and both (`11`); the log-linear model's for
/// three to five.
pub fn estimate(
    lists: usize,
    counts: &[u64],
    level: f64,
) -> Result<HistoriesEstimate, crate::EstimateError> {
    match (lists, counts) {
        (2, &[one, two, both]) => {
            crate::chapman(one + both, two + both, both, level).map(HistoriesEstimate::Chapman)
        }
        _ => crate::loglinear(lists, counts, level).map(HistoriesEstimate::Loglinear),
    }
}
