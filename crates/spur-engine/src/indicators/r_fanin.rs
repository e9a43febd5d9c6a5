//! R-FANIN: small payments from several unrelated senders abroad.
//!
//! Source: AMLC red flag (via the Philippine DOJ); AUSTRAC. Senders related by
//! family name, organisations and business or donation payments are not part
//! of the fan-in; receivers that read as organisations (charities, schools),
//! and fan-ins made of fixed monthly amounts (sponsorships), are discounted.
//! Alias accounts of the same person count together.

use super::{ramp, share, Indicator, Role, Subject};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub enabled: bool,
    pub weight: f64,
    /// Distinct unrelated senders over the whole history: none at 1, full at `senders_full`.
    pub senders_full: u32,
    /// Distinct unrelated senders within 30 days: full at `month_full`.
    pub month_full: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            enabled: true,
            weight: 0.6,
            senders_full: 6,
            month_full: 4,
        }
    }
}

pub struct RFanin(pub Config);

impl Indicator for RFanin {
    fn code(&self) -> &'static str {
        "R-FANIN"
    }
    fn role(&self) -> Role {
        Role::Receiver
    }
    fn source(&self) -> &'static str {
        "AMLC red flag (Philippine DOJ); AUSTRAC"
    }
    fn weight(&self) -> f64 {
        self.0.weight
    }
    fn strength(&self, s: Subject<'_, '_>) -> f64 {
        let Subject::Receiver(f) = s else { return 0.0 };
        if f.organisation {
            return 0.0;
        }
        let all = f64::from(f.fanin_senders.max(f.group_fanin_senders));
        // Within 30 days no more distinct senders than in all: the window
        // counts romance-scam victims the sender count leaves out.
        let month = f.fanin_max_30d.min(f.fanin_senders);
        let base = ramp(all, 1.0, f64::from(self.0.senders_full)).max(ramp(
            f64::from(month),
            1.0,
            f64::from(self.0.month_full),
        ));
        base * (1.0 - share(f.steady_senders, f.fanin_senders))
    }
    fn reason(&self, s: Subject<'_, '_>) -> String {
        let Subject::Receiver(f) = s else {
            return String::new();
        };
        let mut r = format!(
            "paid by {} unrelated senders abroad in low amounts ({} payments; up to {} senders within 30 days)",
            f.fanin_senders, f.fanin_payments, f.fanin_max_30d
        );
        if f.group_fanin_senders > f.fanin_senders {
            r.push_str(&format!(
                "; {} with its alias accounts",
                f.group_fanin_senders
            ));
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::test_support::receiver;

    #[test]
    fn romance_victims_in_the_window_do_not_count_as_senders() {
        // Five senders within 30 days, three of them routed as romance-scam
        // victims: two fan-in senders are left, and the window reads two.
        let ind = RFanin(Config::default());
        let (s, _) = receiver(&ind, |f| {
            f.fanin_senders = 2;
            f.fanin_max_30d = 5
        });
        assert!((s - 1.0 / 3.0).abs() < 1e-9, "{s}");
    }

    #[test]
    fn fanin_with_context() {
        let ind = RFanin(Config::default());
        assert_eq!(receiver(&ind, |f| f.fanin_senders = 1).0, 0.0);
        assert_eq!(receiver(&ind, |f| f.fanin_senders = 6).0, 1.0);
        assert_eq!(
            receiver(&ind, |f| {
                f.fanin_senders = 4;
                f.fanin_max_30d = 4
            })
            .0,
            1.0,
            "four senders within 30 days"
        );
        assert_eq!(
            receiver(&ind, |f| {
                f.fanin_senders = 9;
                f.organisation = true
            })
            .0,
            0.0,
            "charity"
        );
        assert_eq!(
            receiver(&ind, |f| {
                f.fanin_senders = 6;
                f.steady_senders = 6
            })
            .0,
            0.0,
            "sponsors"
        );
        let (s, r) = receiver(&ind, |f| {
            f.fanin_senders = 2;
            f.group_fanin_senders = 6;
            f.fanin_payments = 9;
            f.fanin_max_30d = 1
        });
        assert_eq!(s, 1.0);
        assert!(r.ends_with("; 6 with its alias accounts"), "{r}");
    }
}
