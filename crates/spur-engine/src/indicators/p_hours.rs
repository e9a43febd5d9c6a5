//! P-HOURS: payments at unusual hours in the sender's local time.
//!
//! Source: FATF (2025). Late night and early morning in the US and Europe is
//! afternoon and evening in the Philippines, when shows are streamed. The
//! night window is engine-wide (`[risk] night_hours`).

use super::{clustered, Indicator, Role, Subject};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub enabled: bool,
    pub weight: f64,
    /// Share of risk payments at night: none at `share_from` (about what
    /// payments spread over the whole day give), full at `share_full`.
    pub share_from: f64,
    pub share_full: f64,
    /// Payments needed for full confidence.
    pub confident_at: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            enabled: true,
            weight: 0.25,
            share_from: 0.34,
            share_full: 0.8,
            confident_at: 3,
        }
    }
}

pub struct PHours(pub Config);

impl Indicator for PHours {
    fn code(&self) -> &'static str {
        "P-HOURS"
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
        clustered(
            f.night_payments,
            f.risk_payments,
            c.share_from,
            c.share_full,
            c.confident_at,
        )
    }
    fn reason(&self, s: Subject<'_, '_>) -> String {
        let Subject::Sender(f) = s else {
            return String::new();
        };
        format!(
            "{} of {} low-value payments sent late at night or early morning, sender's local time",
            f.night_payments, f.risk_payments
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::test_support::sender;

    #[test]
    fn night_share_with_confidence() {
        let ind = PHours(Config::default());
        assert_eq!(
            sender(&ind, |f| {
                f.risk_payments = 9;
                f.night_payments = 3
            })
            .0,
            0.0
        );
        assert_eq!(
            sender(&ind, |f| {
                f.risk_payments = 9;
                f.night_payments = 8
            })
            .0,
            1.0
        );
        let (s, r) = sender(&ind, |f| {
            f.risk_payments = 1;
            f.night_payments = 1
        });
        assert!((s - 1.0 / 3.0).abs() < 1e-9);
        assert!(r.starts_with("1 of 1 low-value payments"));
    }
}
