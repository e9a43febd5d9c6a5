//! P-PURCHASE: related card purchases (needs the optional `mcc` field).
//!
//! Source: AUSTRAC (2019); FINTRAC (2025): VPN and software, adult or dating
//! sites, flights to high-risk countries, cash withdrawals there. The merchant
//! categories are `[risk] purchase_mcc` (flights and ATM only count when the
//! merchant is in a high-risk country).

use super::{ramp, Indicator, Role, Subject};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub enabled: bool,
    pub weight: f64,
    pub full_at: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            enabled: true,
            weight: 0.3,
            full_at: 3,
        }
    }
}

pub struct PPurchase(pub Config);

impl Indicator for PPurchase {
    fn code(&self) -> &'static str {
        "P-PURCHASE"
    }
    fn role(&self) -> Role {
        Role::Sender
    }
    fn source(&self) -> &'static str {
        "AUSTRAC 2019; FINTRAC 2025"
    }
    fn weight(&self) -> f64 {
        self.0.weight
    }
    fn strength(&self, s: Subject<'_, '_>) -> f64 {
        let Subject::Sender(f) = s else { return 0.0 };
        // Purchases only matter next to payments into high-risk countries.
        if f.to_high_risk == 0 {
            return 0.0;
        }
        ramp(f64::from(f.risky_purchases), 0.0, f64::from(self.0.full_at))
    }
    fn reason(&self, s: Subject<'_, '_>) -> String {
        let Subject::Sender(f) = s else {
            return String::new();
        };
        format!(
            "{} card purchases in related merchant categories (VPN/software, adult or dating, travel or cash in a high-risk country)",
            f.risky_purchases
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::test_support::sender;

    #[test]
    fn purchases_next_to_remittances() {
        let ind = PPurchase(Config::default());
        assert_eq!(sender(&ind, |f| f.risky_purchases = 3).0, 0.0);
        assert_eq!(
            sender(&ind, |f| {
                f.risky_purchases = 3;
                f.to_high_risk = 1
            })
            .0,
            1.0
        );
    }
}
