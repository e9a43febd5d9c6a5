//! P-SHAPE: the shape of the amounts: even round amounts in the sender's
//! currency, and one show paid in two payments minutes apart.
//!
//! Source: FATF (2025).

use super::{ramp, share, Indicator, Role, Subject};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub enabled: bool,
    pub weight: f64,
    /// Minutes within which a second payment to the same receiver counts as a split.
    pub split_minutes: u32,
    /// Split pairs at which the strength is full.
    pub splits_full: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            enabled: true,
            weight: 0.1,
            split_minutes: 30,
            splits_full: 2,
        }
    }
}

pub struct PShape(pub Config);

impl Indicator for PShape {
    fn code(&self) -> &'static str {
        "P-SHAPE"
    }
    fn role(&self) -> Role {
        Role::Sender
    }
    fn source(&self) -> &'static str {
        "FATF 2025"
    }
    fn weight(&self) -> f64 {
        self.0.weight
    }
    fn strength(&self, s: Subject<'_, '_>) -> f64 {
        let Subject::Sender(f) = s else { return 0.0 };
        let round = if f.risk_payments >= 3 {
            0.5 * ramp(share(f.round_amounts, f.risk_payments), 0.6, 1.0)
        } else {
            0.0
        };
        let split = ramp(
            f64::from(f.split_payments),
            0.0,
            f64::from(self.0.splits_full),
        );
        round.max(split)
    }
    fn reason(&self, s: Subject<'_, '_>) -> String {
        let Subject::Sender(f) = s else {
            return String::new();
        };
        format!(
            "{} of {} low-value payments in even round amounts; {} paid minutes after another to the same receiver",
            f.round_amounts, f.risk_payments, f.split_payments
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::test_support::sender;

    #[test]
    fn round_and_split() {
        let ind = PShape(Config::default());
        assert_eq!(
            sender(&ind, |f| {
                f.risk_payments = 2;
                f.round_amounts = 2
            })
            .0,
            0.0
        );
        assert_eq!(
            sender(&ind, |f| {
                f.risk_payments = 5;
                f.round_amounts = 5
            })
            .0,
            0.5
        );
        assert_eq!(
            sender(&ind, |f| {
                f.risk_payments = 5;
                f.split_payments = 2
            })
            .0,
            1.0
        );
        assert_eq!(sender(&ind, |f| f.risk_payments = 5).0, 0.0);
    }
}
