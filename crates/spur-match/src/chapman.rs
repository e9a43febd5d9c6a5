//! How many are there? Capture–recapture over two institutions' lists.
//!
//! Two institutions each flag a set of parties (their alerted customers,
//! say); the PSI tells how many they have in common, the cardinality only.
//! Treating the two lists as two "captures" of one population, Chapman's
//! estimator (the bias-corrected Lincoln–Petersen) gives the number of
//! distinct parties in the population both lists draw from, including those
//! neither flagged:
//!
//! N̂ = (n₁+1)(n₂+1)/(m+1) − 1, with variance
//! (n₁+1)(n₂+1)(n₁−m)(n₂−m) / ((m+1)²(m+2)) (Seber 1970),
//!
//! and a normal-approximation interval, its lower end never below the
//! n₁+n₂−m parties actually seen. The assumptions (docs/statistics.md): a
//! closed population over the period, lists drawn independently of each
//! other, every party equally likely to be on a list. Detection by the same
//! rules at both institutions breaks independence (the same kind of party
//! is caught by both): the estimate is then too low.

/// Why no estimate can be given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EstimateError {
    #[error("the overlap ({overlap}) is larger than a list ({first} and {second})")]
    OverlapTooLarge {
        first: u64,
        second: u64,
        overlap: u64,
    },
    #[error("the confidence level {0} is not one of 0.90, 0.95, 0.99")]
    Level(String),
    #[error("a log-linear estimate takes 3 to 5 lists, not {0}")]
    Lists(usize),
    #[error("{lists} lists have {expected} observed capture histories; {got} counts were given")]
    Histories {
        lists: usize,
        expected: usize,
        got: usize,
    },
    #[error("no log-linear model could be fitted to these counts (too many empty histories)")]
    NoModel,
}

/// Chapman's estimate with its interval.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Estimate {
    pub first: u64,
    pub second: u64,
    pub overlap: u64,
    /// Distinct parties on either list: the floor of any estimate.
    pub seen: u64,
    pub estimate: f64,
    pub variance: f64,
    pub level: f64,
    pub low: f64,
    pub high: f64,
}

/// Chapman's estimate of the population from two lists of `first` and
/// `second` parties that share `overlap`, with a two-sided interval at
/// `level` (0.90, 0.95 or 0.99).
pub fn chapman(
    first: u64,
    second: u64,
    overlap: u64,
    level: f64,
) -> Result<Estimate, EstimateError> {
    if overlap > first.min(second) {
        return Err(EstimateError::OverlapTooLarge {
            first,
            second,
            overlap,
        });
    }
    // The standard normal's two-sided quantiles.
    let z = if (level - 0.90).abs() < 1e-9 {
        1.644_853_626_951_472_2
    } else if (level - 0.95).abs() < 1e-9 {
        1.959_963_984_540_054
    } else if (level - 0.99).abs() < 1e-9 {
        2.575_829_303_548_900_4
    } else {
        return Err(EstimateError::Level(level.to_string()));
    };
    let (n1, n2, m) = (first as f64, second as f64, overlap as f64);
    let estimate = (n1 + 1.0) * (n2 + 1.0) / (m + 1.0) - 1.0;
    let variance =
        (n1 + 1.0) * (n2 + 1.0) * (n1 - m) * (n2 - m) / ((m + 1.0) * (m + 1.0) * (m + 2.0));
    let half = z * variance.sqrt();
    let seen = first + second - overlap;
    Ok(Estimate {
        first,
        second,
        overlap,
        seen,
        estimate,
        variance,
        level,
        low: (estimate - half).max(seen as f64),
        high: estimate + half,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-6, "{a} != {b}");
    }

    #[test]
    fn matches_hand_computed_values() {
        // 101·81/21 − 1 = 388.571428…; variance 101·81·80·60/(21²·22) = 4047.4953…
        let e = chapman(100, 80, 20, 0.95).unwrap();
        close(e.estimate, 388.571_428_571_428_6);
        close(e.variance, 4_047.495_361_781_076);
        close(e.low, 263.878_659_096_881_7);
        close(e.high, 513.264_198_045_975_4);
        assert_eq!(e.seen, 160);
    }

    #[test]
    fn identical_lists_estimate_exactly_their_size() {
        let e = chapman(10, 10, 10, 0.95).unwrap();
        close(e.estimate, 10.0);
        close(e.variance, 0.0);
        close(e.low, 10.0);
        close(e.high, 10.0);
    }

    #[test]
    fn the_interval_never_goes_below_what_was_seen() {
        // 31·41 − 1 = 1270; the normal interval's low end would be negative.
        let e = chapman(30, 40, 0, 0.95).unwrap();
        close(e.estimate, 1270.0);
        close(e.low, 70.0);
        assert!(e.high > 1270.0);
    }

    #[test]
    fn a_wider_level_widens_the_interval() {
        let a = chapman(100, 80, 20, 0.90).unwrap();
        let b = chapman(100, 80, 20, 0.99).unwrap();
        assert!(b.low < a.low && b.high > a.high);
    }

    #[test]
    fn impossible_input_is_refused() {
        assert!(matches!(
            chapman(5, 8, 6, 0.95),
            Err(EstimateError::OverlapTooLarge { .. })
        ));
        assert!(matches!(
            chapman(5, 8, 1, 0.5),
            Err(EstimateError::Level(_))
        ));
    }
}
