//! P-NOTIES: no apparent ties to the destination country.
//!
//! Source: AUSTRAC; ACAMS bank example. A sender whose surname is common in
//! the destination, or who also sends family money there, has ties.

use super::{Indicator, Role, Subject};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub enabled: bool,
    pub weight: f64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            enabled: true,
            weight: 0.15,
        }
    }
}

pub struct PNoties(pub Config);

impl Indicator for PNoties {
    fn code(&self) -> &'static str {
        "P-NOTIES"
    }
    fn role(&self) -> Role {
        Role::Sender
    }
    fn source(&self) -> &'static str {
        "AUSTRAC; ACAMS"
    }
    fn weight(&self) -> f64 {
        self.0.weight
    }
    fn strength(&self, s: Subject<'_, '_>) -> f64 {
        let Subject::Sender(f) = s else { return 0.0 };
        // Without a name there is nothing to read ties from: no finding.
        if f.named && f.risk_payments > 0 && !f.surname_ties && !f.diaspora.any() {
            1.0
        } else {
            0.0
        }
    }
    fn reason(&self, s: Subject<'_, '_>) -> String {
        let Subject::Sender(f) = s else {
            return String::new();
        };
        format!(
            "no apparent ties to {}: no family name shared with a receiver, no diaspora name or words, surname not common there",
            f.risk_country
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::test_support::sender;

    #[test]
    fn ties_cancel_it() {
        let ind = PNoties(Config::default());
        assert_eq!(
            sender(&ind, |f| {
                f.risk_payments = 1;
                f.named = true
            })
            .0,
            1.0
        );
        assert_eq!(
            sender(&ind, |f| f.risk_payments = 1).0,
            0.0,
            "no name, no finding"
        );
        assert_eq!(
            sender(&ind, |f| {
                f.risk_payments = 1;
                f.surname_ties = true
            })
            .0,
            0.0
        );
        let family = crate::facts::Diaspora::FAMILY_LINK;
        assert_eq!(
            sender(&ind, |f| {
                f.risk_payments = 1;
                f.diaspora = family
            })
            .0,
            0.0
        );
        assert_eq!(sender(&ind, |_| {}).0, 0.0);
    }
}
