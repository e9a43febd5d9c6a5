//! R-CASHOUT: rapid cash-out after receipt (needs the optional `payout_time`).
//!
//! Inference; no source gives a threshold, so `fast_minutes` is a parameter.
//! Read only for receivers with a fan-in: many families cash out at once too.

use super::{ramp, share, Indicator, Role, Subject};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub enabled: bool,
    pub weight: f64,
    /// A payout within this many minutes of the payment is fast.
    pub fast_minutes: u32,
    /// Payouts seen at least, and distinct fan-in senders at least: a family
    /// that cashes out at once is one sender's money.
    pub min_payouts: u32,
    pub min_fanin_senders: u32,
    /// Share of fast payouts: no strength at `share_from`, full at `share_full`.
    pub share_from: f64,
    pub share_full: f64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            enabled: true,
            weight: 0.2,
            fast_minutes: 120,
            min_payouts: 3,
            min_fanin_senders: 2,
            share_from: 0.3,
            share_full: 0.8,
        }
    }
}

pub struct RCashout(pub Config);

impl Indicator for RCashout {
    fn code(&self) -> &'static str {
        "R-CASHOUT"
    }
    fn role(&self) -> Role {
        Role::Receiver
    }
    fn source(&self) -> &'static str {
        "inference (no published threshold)"
    }
    fn weight(&self) -> f64 {
        self.0.weight
    }
    fn strength(&self, s: Subject<'_, '_>) -> f64 {
        let Subject::Receiver(f) = s else { return 0.0 };
        if f.payouts < self.0.min_payouts || f.fanin_senders < self.0.min_fanin_senders {
            return 0.0;
        }
        ramp(
            share(f.fast_payouts, f.payouts),
            self.0.share_from,
            self.0.share_full,
        )
    }
    fn reason(&self, s: Subject<'_, '_>) -> String {
        let Subject::Receiver(f) = s else {
            return String::new();
        };
        format!(
            "{} of {} payouts within {} minutes of receipt (median {} minutes)",
            f.fast_payouts,
            f.payouts,
            self.0.fast_minutes,
            f.median_payout_minutes.unwrap_or(0)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::test_support::receiver;

    #[test]
    fn fast_payouts() {
        let ind = RCashout(Config::default());
        assert_eq!(
            receiver(&ind, |f| {
                f.payouts = 10;
                f.fast_payouts = 10
            })
            .0,
            0.0,
            "no fan-in"
        );
        let (s, r) = receiver(&ind, |f| {
            f.payouts = 10;
            f.fast_payouts = 9;
            f.fanin_senders = 3;
            f.median_payout_minutes = Some(25)
        });
        assert_eq!(s, 1.0);
        assert_eq!(
            r,
            "9 of 10 payouts within 120 minutes of receipt (median 25 minutes)"
        );
    }

    #[test]
    fn fan_in_senders_needed_come_from_configuration() {
        let two = |f: &mut crate::facts::ReceiverFacts<'_>| {
            f.payouts = 10;
            f.fast_payouts = 9;
            f.fanin_senders = 2
        };
        assert_eq!(receiver(&RCashout(Config::default()), two).0, 1.0);
        let c = Config {
            min_fanin_senders: 3,
            ..Config::default()
        };
        assert_eq!(receiver(&RCashout(c), two).0, 0.0);
    }
}
