//! R-SENDERS: the receiver's senders themselves look like customers.
//!
//! Inference from the paying-side indicators (brief). Suspicion propagated
//! from senders to receiver; network stage. A sender counts when its
//! paying-side score reaches `sender_score`; the strength is their scores
//! combined as independent evidence, 1 − Π(1 − score). The engine reads the
//! senders' local scores first, then their final scores (see network.rs).

use super::{list_ids, Indicator, Role, Stage, Subject};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub enabled: bool,
    pub weight: f64,
    pub sender_score: f64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            enabled: true,
            weight: 0.7,
            sender_score: 0.3,
        }
    }
}

pub struct RSenders(pub Config);

impl Indicator for RSenders {
    fn code(&self) -> &'static str {
        "R-SENDERS"
    }
    fn role(&self) -> Role {
        Role::Receiver
    }
    fn stage(&self) -> Stage {
        Stage::Network
    }
    fn source(&self) -> &'static str {
        "inference from the paying-side indicators"
    }
    fn weight(&self) -> f64 {
        self.0.weight
    }
    fn strength(&self, s: Subject<'_, '_>) -> f64 {
        let Subject::Receiver(f) = s else { return 0.0 };
        f.sender_suspicion.clamp(0.0, 1.0)
    }
    fn reason(&self, s: Subject<'_, '_>) -> String {
        let Subject::Receiver(f) = s else {
            return String::new();
        };
        format!(
            "{} of its {} unrelated senders abroad score as possible customers: {}",
            f.suspicious_senders,
            f.group_fanin_senders.max(f.fanin_senders),
            list_ids(&f.suspicious_sender_ids, 5)
        )
    }
    fn parties(&self, s: Subject<'_, '_>) -> Vec<String> {
        match s {
            Subject::Receiver(f) => f
                .suspicious_sender_ids
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            Subject::Sender(_) => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::test_support::receiver;

    #[test]
    fn counts_suspicious_senders() {
        let ind = RSenders(Config::default());
        assert_eq!(receiver(&ind, |_| {}).0, 0.0);
        let (s, r) = receiver(&ind, |f| {
            f.suspicious_senders = 6;
            f.fanin_senders = 8;
            f.suspicious_sender_ids = vec!["S1", "S2", "S3", "S4", "S5", "S6"];
            f.sender_suspicion = 0.9;
        });
        assert_eq!(s, 0.9);
        assert_eq!(r, "6 of its 8 unrelated senders abroad score as possible customers: S1, S2, S3, S4, S5 and 1 more");
    }
}
