//! R-ALIAS: one person behind several accounts.
//!
//! Source: AMLC syndicate pattern; inference. Accounts are linked when they
//! share a phone number, or when their names are variants of one another
//! ("Ma." for Maria, initials, case) and they share an unrelated payer.

use super::{list_ids, ramp, Indicator, Role, Stage, Subject};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub enabled: bool,
    pub weight: f64,
    /// Other accounts at which the strength is full.
    pub full_at: u32,
    /// Unrelated senders abroad (all accounts together) needed to read it.
    pub min_group_senders: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            enabled: true,
            weight: 0.3,
            full_at: 2,
            min_group_senders: 2,
        }
    }
}

pub struct RAlias(pub Config);

impl Indicator for RAlias {
    fn code(&self) -> &'static str {
        "R-ALIAS"
    }
    fn role(&self) -> Role {
        Role::Receiver
    }
    fn stage(&self) -> Stage {
        Stage::Network
    }
    fn source(&self) -> &'static str {
        "AMLC syndicate pattern; inference"
    }
    fn weight(&self) -> f64 {
        self.0.weight
    }
    fn strength(&self, s: Subject<'_, '_>) -> f64 {
        let Subject::Receiver(f) = s else { return 0.0 };
        if f.organisation || f.group_fanin_senders < self.0.min_group_senders {
            return 0.0;
        }
        ramp(
            f.alias_accounts.len() as f64,
            0.0,
            f64::from(self.0.full_at),
        )
    }
    fn reason(&self, s: Subject<'_, '_>) -> String {
        let Subject::Receiver(f) = s else {
            return String::new();
        };
        format!(
            "one of {} accounts of the same person (name variants or shared phone, shared payers): {}; together paid by {} unrelated senders abroad",
            f.alias_accounts.len() + 1,
            list_ids(&f.alias_accounts, 5),
            f.group_fanin_senders
        )
    }
    fn parties(&self, s: Subject<'_, '_>) -> Vec<String> {
        match s {
            Subject::Receiver(f) => f.alias_accounts.iter().map(|s| (*s).to_owned()).collect(),
            Subject::Sender(_) => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::test_support::receiver;

    #[test]
    fn alias_groups() {
        let ind = RAlias(Config::default());
        assert_eq!(
            receiver(&ind, |f| f.alias_accounts = vec!["R2"]).0,
            0.0,
            "no fan-in"
        );
        let (s, r) = receiver(&ind, |f| {
            f.alias_accounts = vec!["R2"];
            f.group_fanin_senders = 4;
        });
        assert_eq!(s, 0.5);
        assert!(r.starts_with("one of 2 accounts of the same person"), "{r}");
    }
}
