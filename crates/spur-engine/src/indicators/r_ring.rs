//! R-RING: part of a ring: linked through shared payers to other suspicious
//! receivers (other persons, not alias accounts).
//!
//! Source: AMLC family-run and syndicate patterns. Network stage.

use super::{list_ids, ramp, Indicator, Role, Stage, Subject};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub enabled: bool,
    pub weight: f64,
    pub full_at: u32,
    /// The first (step 3) score another receiver needs to count as a
    /// suspicious ring partner: a raw score, apart from `alert_threshold`
    /// and the calibration, so that showing scores differently never
    /// changes what the network stage finds.
    pub partner_score: f64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            enabled: true,
            weight: 0.3,
            full_at: 2,
            partner_score: 0.5,
        }
    }
}

pub struct RRing(pub Config);

impl Indicator for RRing {
    fn code(&self) -> &'static str {
        "R-RING"
    }
    fn role(&self) -> Role {
        Role::Receiver
    }
    fn stage(&self) -> Stage {
        Stage::Network
    }
    fn source(&self) -> &'static str {
        "AMLC family-run and syndicate patterns"
    }
    fn weight(&self) -> f64 {
        self.0.weight
    }
    fn strength(&self, s: Subject<'_, '_>) -> f64 {
        let Subject::Receiver(f) = s else { return 0.0 };
        ramp(
            f.ring_receivers.len() as f64,
            0.0,
            f64::from(self.0.full_at),
        )
    }
    fn reason(&self, s: Subject<'_, '_>) -> String {
        let Subject::Receiver(f) = s else {
            return String::new();
        };
        format!(
            "shares payers with {} other suspicious receivers: {}",
            f.ring_receivers.len(),
            list_ids(&f.ring_receivers, 5)
        )
    }
    fn parties(&self, s: Subject<'_, '_>) -> Vec<String> {
        match s {
            Subject::Receiver(f) => f.ring_receivers.iter().map(|s| (*s).to_owned()).collect(),
            Subject::Sender(_) => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::test_support::receiver;

    #[test]
    fn ring_links() {
        let ind = RRing(Config::default());
        assert_eq!(receiver(&ind, |_| {}).0, 0.0);
        let (s, r) = receiver(&ind, |f| f.ring_receivers = vec!["R7"]);
        assert_eq!(s, 0.5);
        assert_eq!(r, "shares payers with 1 other suspicious receivers: R7");
    }
}
