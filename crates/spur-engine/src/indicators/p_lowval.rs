//! P-LOWVAL: low-value transfers to high-risk destinations.
//!
//! Source: AUSTRAC financial crime guide (2019); FATF (2025). The band and the
//! destination list are engine-wide (`[risk]`), because every paying-side
//! indicator reads the same "risk payments": cross-border, to a high-risk
//! country, inside the band, to an unrelated person, not business or donation.

use super::{ramp, Indicator, Role, Subject};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub enabled: bool,
    pub weight: f64,
    /// Risk payments at which the strength is full.
    pub full_at: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            enabled: true,
            weight: 0.15,
            full_at: 4,
        }
    }
}

pub struct PLowval(pub Config);

impl Indicator for PLowval {
    fn code(&self) -> &'static str {
        "P-LOWVAL"
    }
    fn role(&self) -> Role {
        Role::Sender
    }
    fn source(&self) -> &'static str {
        "AUSTRAC 2019; FATF 2025"
    }
    fn weight(&self) -> f64 {
        self.0.weight
    }
    fn strength(&self, s: Subject<'_, '_>) -> f64 {
        let Subject::Sender(f) = s else { return 0.0 };
        ramp(f64::from(f.risk_payments), 0.0, f64::from(self.0.full_at))
    }
    fn reason(&self, s: Subject<'_, '_>) -> String {
        let Subject::Sender(f) = s else {
            return String::new();
        };
        format!(
            "{} low-value payments (USD {:.0} in all) to unrelated persons in {}",
            f.risk_payments, f.risk_usd, f.risk_country
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::test_support::sender;

    #[test]
    fn grows_with_risk_payments() {
        let ind = PLowval(Config::default());
        assert_eq!(sender(&ind, |_| {}).0, 0.0);
        let (s, r) = sender(&ind, |f| {
            f.risk_payments = 2;
            f.risk_usd = 101.0;
        });
        assert!((s - 0.5).abs() < 1e-9);
        assert_eq!(
            r,
            "2 low-value payments (USD 101 in all) to unrelated persons in PH"
        );
        assert_eq!(sender(&ind, |f| f.risk_payments = 40).0, 1.0);
    }
}
