//! R-EVENING: inflow clustered in the receiver's local afternoon and evening.
//!
//! Inference from P-HOURS (brief): customers' nights in the US and Europe are
//! the Philippine afternoon and evening. The window is `[risk] evening_hours`.

use super::{clustered, Indicator, Role, Subject};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub enabled: bool,
    pub weight: f64,
    pub share_from: f64,
    pub share_full: f64,
    pub confident_at: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            enabled: true,
            weight: 0.1,
            share_from: 0.55,
            share_full: 0.9,
            confident_at: 5,
        }
    }
}

pub struct REvening(pub Config);

impl Indicator for REvening {
    fn code(&self) -> &'static str {
        "R-EVENING"
    }
    fn role(&self) -> Role {
        Role::Receiver
    }
    fn source(&self) -> &'static str {
        "inference from P-HOURS (FATF 2025)"
    }
    fn weight(&self) -> f64 {
        self.0.weight
    }
    fn strength(&self, s: Subject<'_, '_>) -> f64 {
        let Subject::Receiver(f) = s else { return 0.0 };
        let c = &self.0;
        clustered(
            f.evening_payments,
            f.fanin_payments,
            c.share_from,
            c.share_full,
            c.confident_at,
        )
    }
    fn reason(&self, s: Subject<'_, '_>) -> String {
        let Subject::Receiver(f) = s else {
            return String::new();
        };
        format!(
            "{} of {} low-value payments from abroad arrive in the local afternoon or evening",
            f.evening_payments, f.fanin_payments
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::test_support::receiver;

    #[test]
    fn clustered_inflow() {
        let ind = REvening(Config::default());
        assert_eq!(
            receiver(&ind, |f| {
                f.fanin_payments = 10;
                f.evening_payments = 5
            })
            .0,
            0.0
        );
        assert_eq!(
            receiver(&ind, |f| {
                f.fanin_payments = 10;
                f.evening_payments = 10
            })
            .0,
            1.0
        );
        assert!(
            (receiver(&ind, |f| {
                f.fanin_payments = 1;
                f.evening_payments = 1
            })
            .0 - 0.2)
                .abs()
                < 1e-9
        );
    }
}
