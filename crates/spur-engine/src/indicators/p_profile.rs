//! P-PROFILE: the customer profile of published cohorts (needs KYC fields).
//!
//! Source: FINTRAC; AIC Trends & Issues 589: almost all male, 40s to 60s.
//! Context only and a fairness risk: off by default, a small weight, and it
//! never alerts on its own (it needs risk payments and adds little).

use super::{Indicator, Role, Subject};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub enabled: bool,
    pub weight: f64,
    pub min_age: u16,
    pub max_age: u16,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            enabled: false,
            weight: 0.05,
            min_age: 40,
            max_age: 69,
        }
    }
}

pub struct PProfile(pub Config);

fn age(f: &crate::facts::SenderFacts<'_>) -> Option<u16> {
    let year = 1970 + f.last_seen.div_euclid(31_556_952);
    let born = f.birth_year?;
    u16::try_from(year).ok()?.checked_sub(born)
}

impl Indicator for PProfile {
    fn code(&self) -> &'static str {
        "P-PROFILE"
    }
    fn role(&self) -> Role {
        Role::Sender
    }
    fn source(&self) -> &'static str {
        "FINTRAC; AIC Trends & Issues 589"
    }
    fn weight(&self) -> f64 {
        self.0.weight
    }
    fn strength(&self, s: Subject<'_, '_>) -> f64 {
        let Subject::Sender(f) = s else { return 0.0 };
        let male = f.sex == Some(crate::model::Sex::Male);
        match age(f) {
            Some(a)
                if male
                    && f.risk_payments > 0
                    && (self.0.min_age..=self.0.max_age).contains(&a) =>
            {
                1.0
            }
            _ => 0.0,
        }
    }
    fn reason(&self, s: Subject<'_, '_>) -> String {
        let Subject::Sender(f) = s else {
            return String::new();
        };
        format!(
            "profile matches published cohorts (male, aged {}); context only, never a reason on its own",
            age(f).unwrap_or(0)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::test_support::sender;
    use crate::model::Sex;

    #[test]
    fn off_by_default_and_context_only() {
        assert!(!Config::default().enabled);
        let ind = PProfile(Config::default());
        let in_2026 = 1_767_582_000;
        let set = |f: &mut crate::facts::SenderFacts<'static>| {
            f.sex = Some(Sex::Male);
            f.birth_year = Some(1970);
            f.last_seen = in_2026;
        };
        assert_eq!(sender(&ind, set).0, 0.0, "no risk payments, no finding");
        let (s, r) = sender(&ind, |f| {
            set(f);
            f.risk_payments = 1
        });
        assert_eq!(s, 1.0);
        assert!(r.contains("aged 56"), "{r}");
        assert_eq!(
            sender(&ind, |f| {
                set(f);
                f.risk_payments = 1;
                f.sex = Some(Sex::Female)
            })
            .0,
            0.0
        );
    }
}
