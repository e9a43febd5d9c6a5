//! The indicator library: one file per published indicator, all behind
//! [`Indicator`]. An indicator reads a party's [`facts`](crate::facts) and
//! returns a strength in [0, 1]; the scorer weighs the strengths into one
//! score, and the indicator explains itself in one line for the analyst.
//!
//! Codes are stable: analysts, reports and FIU profiles refer to them.

use serde::{Deserialize, Serialize};

use crate::facts::{ReceiverFacts, SenderFacts};

mod p_channel;
mod p_freq;
mod p_hours;
mod p_lowval;
mod p_multiben;
mod p_noties;
mod p_profile;
mod p_purchase;
mod p_remark;
mod p_shape;
mod p_shared;
mod p_xmatch;
mod r_alias;
mod r_band;
mod r_cashout;
mod r_evening;
mod r_fanin;
mod r_ring;
mod r_senders;
mod r_xmatch;

pub use p_channel::PChannel;
pub use p_freq::PFreq;
pub use p_hours::PHours;
pub use p_lowval::PLowval;
pub use p_multiben::PMultiben;
pub use p_noties::PNoties;
pub use p_profile::PProfile;
pub use p_purchase::PPurchase;
pub use p_remark::PRemark;
pub use p_shape::PShape;
pub use p_shared::PShared;
pub use p_xmatch::PXmatch;
pub use r_alias::RAlias;
pub use r_band::RBand;
pub use r_cashout::RCashout;
pub use r_evening::REvening;
pub use r_fanin::RFanin;
pub use r_ring::RRing;
pub use r_senders::RSenders;
pub use r_xmatch::RXmatch;

/// Which side of a payment a party is scored on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Sender,
    Receiver,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Sender => "sender",
            Role::Receiver => "receiver",
        }
    }
}

/// Local indicators read one party's own payments; network indicators read
/// the scores of its neighbours and run after the local ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Local,
    Network,
}

/// The party being scored.
#[derive(Clone, Copy, Debug)]
pub enum Subject<'s, 'a> {
    Sender(&'s SenderFacts<'a>),
    Receiver(&'s ReceiverFacts<'a>),
}

impl<'a> Subject<'_, 'a> {
    pub fn role(&self) -> Role {
        match self {
            Subject::Sender(_) => Role::Sender,
            Subject::Receiver(_) => Role::Receiver,
        }
    }

    /// Id, country, payments, first and last seen.
    pub fn summary(
        &self,
    ) -> (
        &'a str,
        crate::model::Country,
        u32,
        crate::model::Timestamp,
        crate::model::Timestamp,
    ) {
        match self {
            Subject::Sender(f) => (f.id, f.country, f.payments, f.first_seen, f.last_seen),
            Subject::Receiver(f) => (f.id, f.country, f.payments, f.first_seen, f.last_seen),
        }
    }
}

pub trait Indicator: Send + Sync {
    /// Stable code, e.g. `P-MULTIBEN`.
    fn code(&self) -> &'static str;
    fn role(&self) -> Role;
    fn stage(&self) -> Stage {
        Stage::Local
    }
    /// Where the indicator is published.
    fn source(&self) -> &'static str;
    /// How much a full-strength finding adds to the party's raw score.
    fn weight(&self) -> f64;
    /// Strength in [0, 1]; 0 when the indicator does not apply.
    fn strength(&self, subject: Subject<'_, '_>) -> f64;
    /// One line an analyst understands, for a subject with strength > 0.
    fn reason(&self, subject: Subject<'_, '_>) -> String;
    /// The other parties behind a network finding.
    fn parties(&self, _subject: Subject<'_, '_>) -> Vec<String> {
        Vec::new()
    }
}

/// Per-indicator configuration: `[indicators.p_freq]` and so on.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct IndicatorsConfig {
    pub p_lowval: p_lowval::Config,
    pub p_freq: p_freq::Config,
    pub p_multiben: p_multiben::Config,
    pub p_noties: p_noties::Config,
    pub p_hours: p_hours::Config,
    pub p_remark: p_remark::Config,
    pub p_shape: p_shape::Config,
    pub p_shared: p_shared::Config,
    pub p_channel: p_channel::Config,
    pub p_purchase: p_purchase::Config,
    pub p_profile: p_profile::Config,
    pub r_fanin: r_fanin::Config,
    pub r_band: r_band::Config,
    pub r_senders: r_senders::Config,
    pub r_evening: r_evening::Config,
    pub r_alias: r_alias::Config,
    pub r_cashout: r_cashout::Config,
    pub r_ring: r_ring::Config,
    pub p_xmatch: p_xmatch::Config,
    pub r_xmatch: r_xmatch::Config,
}

impl IndicatorsConfig {
    /// The enabled indicators.
    pub fn build(&self) -> Vec<Box<dyn Indicator>> {
        let all: Vec<(bool, Box<dyn Indicator>)> = vec![
            (
                self.p_lowval.enabled,
                Box::new(PLowval(self.p_lowval.clone())),
            ),
            (self.p_freq.enabled, Box::new(PFreq(self.p_freq.clone()))),
            (
                self.p_multiben.enabled,
                Box::new(PMultiben(self.p_multiben.clone())),
            ),
            (
                self.p_noties.enabled,
                Box::new(PNoties(self.p_noties.clone())),
            ),
            (self.p_hours.enabled, Box::new(PHours(self.p_hours.clone()))),
            (
                self.p_remark.enabled,
                Box::new(PRemark(self.p_remark.clone())),
            ),
            (self.p_shape.enabled, Box::new(PShape(self.p_shape.clone()))),
            (
                self.p_shared.enabled,
                Box::new(PShared(self.p_shared.clone())),
            ),
            (
                self.p_channel.enabled,
                Box::new(PChannel(self.p_channel.clone())),
            ),
            (
                self.p_purchase.enabled,
                Box::new(PPurchase(self.p_purchase.clone())),
            ),
            (
                self.p_profile.enabled,
                Box::new(PProfile(self.p_profile.clone())),
            ),
            (self.r_fanin.enabled, Box::new(RFanin(self.r_fanin.clone()))),
            (self.r_band.enabled, Box::new(RBand(self.r_band.clone()))),
            (
                self.r_senders.enabled,
                Box::new(RSenders(self.r_senders.clone())),
            ),
            (
                self.r_evening.enabled,
                Box::new(REvening(self.r_evening.clone())),
            ),
            (self.r_alias.enabled, Box::new(RAlias(self.r_alias.clone()))),
            (
                self.r_cashout.enabled,
                Box::new(RCashout(self.r_cashout.clone())),
            ),
            (self.r_ring.enabled, Box::new(RRing(self.r_ring.clone()))),
            (
                self.p_xmatch.enabled,
                Box::new(PXmatch(self.p_xmatch.clone())),
            ),
            (
                self.r_xmatch.enabled,
                Box::new(RXmatch(self.r_xmatch.clone())),
            ),
        ];
        all.into_iter()
            .filter(|(on, _)| *on)
            .map(|(_, i)| i)
            .collect()
    }

    /// Sanity of the parameters: weights and shares where they make sense.
    pub fn validate(&self) -> Result<(), String> {
        for i in self.build() {
            let w = i.weight();
            if !(w.is_finite() && w >= 0.0) {
                return Err(format!(
                    "indicator {}: weight must be a number >= 0",
                    i.code()
                ));
            }
        }
        Ok(())
    }
}

/// 0 at `lo`, 1 at `hi`, linear between.
#[inline]
pub(crate) fn ramp(x: f64, lo: f64, hi: f64) -> f64 {
    if hi <= lo {
        return if x >= hi { 1.0 } else { 0.0 };
    }
    ((x - lo) / (hi - lo)).clamp(0.0, 1.0)
}

/// Share `part / whole`, 0 for an empty whole.
#[inline]
pub(crate) fn share(part: u32, whole: u32) -> f64 {
    if whole == 0 {
        0.0
    } else {
        f64::from(part) / f64::from(whole)
    }
}

/// How clustered `part` of `whole` payments are in a window of the day:
/// the share ramps from `from` to `full`, weighed by confidence that grows
/// with the number of payments up to `confident_at`.
#[inline]
pub(crate) fn clustered(part: u32, whole: u32, from: f64, full: f64, confident_at: u32) -> f64 {
    ramp(share(part, whole), from, full) * ramp(f64::from(whole), 0.0, f64::from(confident_at))
}

/// Up to `n` ids, then "and K more".
pub(crate) fn list_ids(ids: &[&str], n: usize) -> String {
    let mut s = ids.iter().take(n).copied().collect::<Vec<_>>().join(", ");
    if ids.len() > n {
        s.push_str(&format!(" and {} more", ids.len() - n));
    }
    s
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;

    /// Strength of `ind` on a sender built by `f` from default facts.
    pub fn sender(ind: &dyn Indicator, f: impl FnOnce(&mut SenderFacts<'static>)) -> (f64, String) {
        let mut facts = SenderFacts {
            id: "S1",
            country: crate::model::Country::new(b"US"),
            ..Default::default()
        };
        facts.risk_country = crate::model::Country::new(b"PH");
        f(&mut facts);
        let s = ind.strength(Subject::Sender(&facts));
        let r = if s > 0.0 {
            ind.reason(Subject::Sender(&facts))
        } else {
            String::new()
        };
        assert_eq!(
            ind.strength(Subject::Receiver(&ReceiverFacts::default())),
            0.0,
            "{} is for senders",
            ind.code()
        );
        (s, r)
    }

    pub fn receiver(
        ind: &dyn Indicator,
        f: impl FnOnce(&mut ReceiverFacts<'static>),
    ) -> (f64, String) {
        let mut facts = ReceiverFacts {
            id: "R1",
            country: crate::model::Country::new(b"PH"),
            ..Default::default()
        };
        f(&mut facts);
        let s = ind.strength(Subject::Receiver(&facts));
        let r = if s > 0.0 {
            ind.reason(Subject::Receiver(&facts))
        } else {
            String::new()
        };
        assert_eq!(
            ind.strength(Subject::Sender(&SenderFacts::default())),
            0.0,
            "{} is for receivers",
            ind.code()
        );
        (s, r)
    }
}
