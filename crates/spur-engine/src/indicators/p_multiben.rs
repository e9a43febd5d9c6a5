//! P-MULTIBEN: several unrelated beneficiaries in high-risk countries.
//!
//! Source: Westpac / AUSTRAC typology; AMLC. Receivers that share a family name
//! with each other count once (one family), receivers related to the sender
//! not at all.

use super::{ramp, Indicator, Role, Subject};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub enabled: bool,
    pub weight: f64,
    /// Unrelated beneficiaries at which the strength is full (one gives none).
    pub full_at: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            enabled: true,
            weight: 0.6,
            full_at: 4,
        }
    }
}

pub struct PMultiben(pub Config);

impl Indicator for PMultiben {
    fn code(&self) -> &'static str {
        "P-MULTIBEN"
    }
    fn role(&self) -> Role {
        Role::Sender
    }
    fn source(&self) -> &'static str {
        "Westpac/AUSTRAC typology; AMLC"
    }
    fn weight(&self) -> f64 {
        self.0.weight
    }
    fn strength(&self, s: Subject<'_, '_>) -> f64 {
        let Subject::Sender(f) = s else { return 0.0 };
        ramp(
            f64::from(f.unrelated_receiver_groups),
            1.0,
            f64::from(self.0.full_at),
        )
    }
    fn reason(&self, s: Subject<'_, '_>) -> String {
        let Subject::Sender(f) = s else {
            return String::new();
        };
        format!(
            "paid {} unrelated receivers in {} ({} low-value payments)",
            f.unrelated_receiver_groups, f.risk_country, f.risk_payments
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::test_support::sender;

    #[test]
    fn counts_unrelated_families() {
        let ind = PMultiben(Config::default());
        for (groups, want) in [(0, 0.0), (1, 0.0), (2, 1.0 / 3.0), (4, 1.0), (9, 1.0)] {
            let (s, _) = sender(&ind, |f| f.unrelated_receiver_groups = groups);
            assert!((s - want).abs() < 1e-9, "{groups}: {s}");
        }
        let (_, r) = sender(&ind, |f| {
            f.unrelated_receiver_groups = 5;
            f.risk_payments = 12
        });
        assert_eq!(
            r,
            "paid 5 unrelated receivers in PH (12 low-value payments)"
        );
    }
}
