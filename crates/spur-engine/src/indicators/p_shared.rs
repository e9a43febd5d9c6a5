//! P-SHARED: the sender pays a receiver that other unrelated senders abroad
//! pay too, and that receiver scores as a possible facilitator.
//!
//! Source: AUSTRAC ("several customers paying the same beneficiary"). This is
//! suspicion propagated from receiver to sender; it runs in the network stage.

use super::{ramp, Indicator, Role, Stage, Subject};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub enabled: bool,
    pub weight: f64,
    /// Other unrelated senders the receiver needs for full strength.
    pub others_full: u32,
    /// Receivers scoring below `min_receiver_score` pass no suspicion on;
    /// from `full_receiver_score` on, all of it.
    pub min_receiver_score: f64,
    pub full_receiver_score: f64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            enabled: true,
            weight: 1.5,
            others_full: 2,
            min_receiver_score: 0.5,
            full_receiver_score: 0.85,
        }
    }
}

pub struct PShared(pub Config);

impl Indicator for PShared {
    fn code(&self) -> &'static str {
        "P-SHARED"
    }
    fn role(&self) -> Role {
        Role::Sender
    }
    fn stage(&self) -> Stage {
        Stage::Network
    }
    fn source(&self) -> &'static str {
        "AUSTRAC 2019"
    }
    fn weight(&self) -> f64 {
        self.0.weight
    }
    fn strength(&self, s: Subject<'_, '_>) -> f64 {
        let Subject::Sender(f) = s else { return 0.0 };
        let Some(r) = &f.shared else { return 0.0 };
        let c = &self.0;
        ramp(r.score, c.min_receiver_score, c.full_receiver_score)
            * ramp(f64::from(r.other_senders), 0.0, f64::from(c.others_full))
    }
    fn reason(&self, s: Subject<'_, '_>) -> String {
        let Subject::Sender(f) = s else {
            return String::new();
        };
        let Some(r) = &f.shared else {
            return String::new();
        };
        format!(
            "pays {} (receiver score {:.2}), who is also paid by {} other unrelated senders abroad, {} of them suspicious",
            r.id, r.score, r.other_senders, r.other_suspicious
        )
    }
    fn parties(&self, s: Subject<'_, '_>) -> Vec<String> {
        match s {
            Subject::Sender(f) => f.shared.iter().map(|r| r.id.to_owned()).collect(),
            Subject::Receiver(_) => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::SharedReceiver;
    use crate::indicators::test_support::sender;

    #[test]
    fn follows_the_receiver_score() {
        let ind = PShared(Config::default());
        assert_eq!(sender(&ind, |_| {}).0, 0.0);
        let (s, r) = sender(&ind, |f| {
            f.shared = Some(SharedReceiver {
                id: "R9",
                score: 0.9,
                other_senders: 1,
                other_suspicious: 1,
            })
        });
        assert!((s - 0.5).abs() < 1e-9);
        assert!(
            r.starts_with("pays R9 (receiver score 0.90), who is also paid by 1 other"),
            "{r}"
        );
        let (s, _) = sender(&ind, |f| {
            f.shared = Some(SharedReceiver {
                id: "R9",
                score: 0.675,
                other_senders: 7,
                other_suspicious: 0,
            })
        });
        assert!((s - 0.5).abs() < 1e-9);
        let (s, _) = sender(&ind, |f| {
            f.shared = Some(SharedReceiver {
                id: "R9",
                score: 0.3,
                other_senders: 7,
                other_suspicious: 0,
            })
        });
        assert_eq!(s, 0.0, "an unsuspicious receiver passes nothing on");
    }
}
