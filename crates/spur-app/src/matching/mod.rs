//! `spur match`: two installations find what they have in common and
//! exchange evidence about it, and nothing else (docs/matching.md).
//!
//! One idea per file: [`holdings`] (which identifiers we offer, with our
//! own evidence about each), [`histories`] (capture histories of three or
//! more lists, for `spur estimate`), [`name_form`] (a name and country as one
//! identifier), [`wire`] (the JSON messages, elements in hex),
//! [`protocol`] (the two sides of a run over `spur_match`'s PSI),
//! [`transcript`] (every byte sent and received, for an auditor),
//! [`http`] (the client's transport), [`apply`] (what was learnt, stored as
//! outside evidence and re-scored); [`run`] puts them together for `spur match`.
//! [`census`] is `spur census`: three to five institutions' lists, counts only.

pub mod apply;
pub mod census;
pub mod histories;
pub mod holdings;
pub mod http;
pub mod name_form;
pub mod protocol;
pub mod run;
pub mod transcript;
pub mod wire;

/// What two installations match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Receivers by their account or wallet id, phone, or name in a country
    /// (two sending firms, or two FIUs).
    SameSide,
    /// Payments by their shared reference (a sending firm and the receiving one).
    CrossBorder,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::SameSide => "same-side",
            Mode::CrossBorder => "cross-border",
        }
    }

    pub fn parse(s: &str) -> Result<Mode, crate::AppError> {
        match s {
            "same-side" => Ok(Mode::SameSide),
            "cross-border" => Ok(Mode::CrossBorder),
            other => Err(crate::AppError::Invalid(format!(
                "mode {other:?} is neither same-side nor cross-border"
            ))),
        }
    }
}

/// Evidence crosses only about parties scored at least this (`--lower`).
pub const LOWER_SCORE: f64 = 0.2;

/// At most this many runs per peer in any hour (`spur serve`).
pub const RUNS_PER_HOUR: u32 = 10;

/// A receiver is on a side's capture–recapture list when scored at least
/// this, the lower end of the band the peer's evidence can show: both lists,
/// and their overlap, are then drawn by one criterion (the alert threshold,
/// 0.6 by default, falls inside a band, so a peer's band could not say
/// whether its receiver is above it).
pub const LIST_SCORE: f64 = 0.5;

/// The score bands that cross, by their lower ends: a peer learns which
/// band a party is in, never its score.
pub const BANDS: [f64; 3] = [0.2, 0.5, 0.8];

/// The band of `score`: the highest lower end at or below it; `None` below
/// `lower` (and below the first band), when no evidence crosses.
pub fn band(score: f64, lower: f64) -> Option<f64> {
    // NaN compares as nothing: no band.
    if score.is_nan() || score < lower {
        return None;
    }
    BANDS.iter().rev().copied().find(|b| score >= *b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_cross_as_bands_and_only_above_the_lower_score() {
        assert_eq!(band(0.19, 0.2), None);
        assert_eq!(band(0.2, 0.2), Some(0.2));
        assert_eq!(band(0.79, 0.2), Some(0.5));
        assert_eq!(band(0.95, 0.2), Some(0.8));
        assert_eq!(band(0.6, 0.7), None);
        assert_eq!(band(f64::NAN, 0.2), None);
        assert_eq!(Mode::parse("cross-border").unwrap(), Mode::CrossBorder);
        assert!(Mode::parse("both").is_err());
    }
}
