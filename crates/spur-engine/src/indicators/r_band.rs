//! R-BAND: inflow concentrated in the facilitator price band.
//!
//! Source: AMLC (2020): 81% of OSEC-linked transactions into the Philippines
//! were PHP 1,000-10,000. Only read for receivers with a fan-in: family
//! allowances sit in the same band.

use super::{ramp, share, Indicator, Role, Subject};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub enabled: bool,
    pub weight: f64,
    /// The band in USD (PHP 1,000-10,000 at the built-in rate).
    pub band_usd: [f64; 2],
    pub share_from: f64,
    pub share_full: f64,
    /// Fan-in payments needed before the share is read.
    pub min_fanin_payments: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            enabled: true,
            weight: 0.15,
            band_usd: [17.5, 175.0],
            share_from: 0.5,
            share_full: 0.9,
            min_fanin_payments: 2,
        }
    }
}

pub struct RBand(pub Config);

impl Indicator for RBand {
    fn code(&self) -> &'static str {
        "R-BAND"
    }
    fn role(&self) -> Role {
        Role::Receiver
    }
    fn source(&self) -> &'static str {
        "AMLC 2020"
    }
    fn weight(&self) -> f64 {
        self.0.weight
    }
    fn strength(&self, s: Subject<'_, '_>) -> f64 {
        let Subject::Receiver(f) = s else { return 0.0 };
        if f.fanin_payments < self.0.min_fanin_payments {
            return 0.0;
        }
        let by_count = share(f.band_payments, f.payments);
        let by_value = if f.usd > 0.0 { f.band_usd / f.usd } else { 0.0 };
        ramp(
            by_count.min(by_value.max(by_count * 0.8)),
            self.0.share_from,
            self.0.share_full,
        )
    }
    fn reason(&self, s: Subject<'_, '_>) -> String {
        let Subject::Receiver(f) = s else {
            return String::new();
        };
        format!(
            "{} of {} incoming payments ({:.0}% of the value) in the band USD {:.0}-{:.0} (PHP 1,000-10,000)",
            f.band_payments,
            f.payments,
            if f.usd > 0.0 { 100.0 * f.band_usd / f.usd } else { 0.0 },
            self.0.band_usd[0],
            self.0.band_usd[1]
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::test_support::receiver;

    #[test]
    fn band_share() {
        let ind = RBand(Config::default());
        let full = |f: &mut crate::facts::ReceiverFacts<'static>| {
            f.payments = 10;
            f.band_payments = 10;
            f.usd = 500.0;
            f.band_usd = 500.0;
        };
        assert_eq!(receiver(&ind, full).0, 0.0, "no fan-in, no finding");
        assert_eq!(
            receiver(&ind, |f| {
                full(f);
                f.fanin_payments = 5
            })
            .0,
            1.0
        );
        // Mostly large payments by value: a freelancer with a few small tips.
        let (s, _) = receiver(&ind, |f| {
            full(f);
            f.fanin_payments = 5;
            f.band_payments = 6;
            f.usd = 5000.0;
            f.band_usd = 300.0;
        });
        assert_eq!(s, 0.0);
    }
}
