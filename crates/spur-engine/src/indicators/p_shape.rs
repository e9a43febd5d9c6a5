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
    /// Round amounts count from `round_min_payments` risk payments on: no
    /// strength while their share is at `round_share_from`, `round_strength`
    /// at `round_share_full`. Weaker than a split: plenty of people pay in
    /// round amounts.
    pub round_min_payments: u32,
    pub round_share_from: f64,
    pub round_share_full: f64,
    pub round_strength: f64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            enabled: true,
            weight: 0.1,
            split_minutes: 30,
            splits_full: 2,
            round_min_payments: 3,
            round_share_from: 0.6,
            round_share_full: 1.0,
            round_strength: 0.5,
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
        let c = &self.0;
        let round = if f.risk_payments >= c.round_min_payments {
            c.round_strength.clamp(0.0, 1.0)
                * ramp(
                    share(f.round_amounts, f.risk_payments),
                    c.round_share_from,
                    c.round_share_full,
                )
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

    #[test]
    fn round_amount_thresholds_come_from_configuration() {
        let four_of_five = |f: &mut crate::facts::SenderFacts<'_>| {
            f.risk_payments = 5;
            f.round_amounts = 4
        };
        // 80% round: halfway up the default ramp from 60% to 100%, times 0.5.
        assert!((sender(&PShape(Config::default()), four_of_five).0 - 0.25).abs() < 1e-9);
        let c = Config {
            round_share_full: 0.8,
            round_strength: 0.4,
            ..Config::default()
        };
        assert!((sender(&PShape(c), four_of_five).0 - 0.4).abs() < 1e-9);
        let c = Config {
            round_min_payments: 6,
            ..Config::default()
        };
        assert_eq!(sender(&PShape(c), four_of_five).0, 0.0);
    }
}
