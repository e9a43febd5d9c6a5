//! P-CHANNEL: the same beneficiary paid through several channels or providers.
//!
//! Source: AUSTRAC.

use super::{ramp, Indicator, Role, Subject};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub enabled: bool,
    pub weight: f64,
    /// Channels to one beneficiary at which the strength is full (one gives none).
    pub full_at: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            enabled: true,
            weight: 0.2,
            full_at: 3,
        }
    }
}

pub struct PChannel(pub Config);

impl Indicator for PChannel {
    fn code(&self) -> &'static str {
        "P-CHANNEL"
    }
    fn role(&self) -> Role {
        Role::Sender
    }
    fn source(&self) -> &'static str {
        "AUSTRAC"
    }
    fn weight(&self) -> f64 {
        self.0.weight
    }
    fn strength(&self, s: Subject<'_, '_>) -> f64 {
        let Subject::Sender(f) = s else { return 0.0 };
        ramp(f64::from(f.max_channels), 1.0, f64::from(self.0.full_at))
    }
    fn reason(&self, s: Subject<'_, '_>) -> String {
        let Subject::Sender(f) = s else {
            return String::new();
        };
        format!(
            "paid {} beneficiaries through more than one channel (up to {} channels for one)",
            f.multi_channel_receivers, f.max_channels
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::test_support::sender;

    #[test]
    fn channels_per_beneficiary() {
        let ind = PChannel(Config::default());
        assert_eq!(sender(&ind, |f| f.max_channels = 1).0, 0.0);
        assert_eq!(sender(&ind, |f| f.max_channels = 2).0, 0.5);
        let (s, r) = sender(&ind, |f| {
            f.max_channels = 3;
            f.multi_channel_receivers = 2
        });
        assert_eq!(s, 1.0);
        assert_eq!(
            r,
            "paid 2 beneficiaries through more than one channel (up to 3 channels for one)"
        );
    }
}
