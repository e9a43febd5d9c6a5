//! P-XMATCH: a cooperating institution scores this sender too, or the
//! receivers its payments reach.
//!
//! Source: FIU.net Ma3tch (matching across institutions, hits only); BIS
//! Project Aurora. Cross-border, the receiving institution's facilitator
//! evidence reaches the sending side's customer through the payments both
//! hold under one reference; only a score band and counts crossed.

use super::{Indicator, Role, Subject};
use crate::outside::OutsideKind;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub enabled: bool,
    /// A full-strength finding (band 1) adds this much to the raw score;
    /// a band's lower end scales it.
    pub weight: f64,
    /// Evidence about counterparties (cross-border), or about a party of
    /// the same name (same side, matched by name), counts from this band
    /// up: a counterparty's or a namesake's low score says little about
    /// this party.
    pub counterparty_band: f64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            enabled: true,
            weight: 0.8,
            counterparty_band: 0.5,
        }
    }
}

pub struct PXmatch(pub Config);

impl Indicator for PXmatch {
    fn code(&self) -> &'static str {
        "P-XMATCH"
    }
    fn role(&self) -> Role {
        Role::Sender
    }
    fn source(&self) -> &'static str {
        "FIU.net Ma3tch; BIS Project Aurora"
    }
    fn weight(&self) -> f64 {
        self.0.weight
    }
    fn strength(&self, s: Subject<'_, '_>) -> f64 {
        let Subject::Sender(f) = s else { return 0.0 };
        f.outside.map_or(0.0, |o| strength(&self.0, o))
    }
    fn reason(&self, s: Subject<'_, '_>) -> String {
        let Subject::Sender(f) = s else {
            return String::new();
        };
        let Some(o) = f.outside else {
            return String::new();
        };
        match o.kind {
            OutsideKind::SameParty => format!(
                "also scored at least {:.1} at {} cooperating institution(s) ({} payments there)",
                o.band, o.institutions, o.payments
            ),
            OutsideKind::Counterparty => format!(
                "{} payments reach {} receivers whom {} cooperating institution(s) score at least {:.1}",
                o.payments, o.parties, o.institutions, o.band
            ),
            OutsideKind::SameName => format!(
                "a sender of the same name in the same country scored at least {:.1} at {} cooperating institution(s) ({} payments there): the same person under another account, or a namesake",
                o.band, o.institutions, o.payments
            ),
        }
    }
}

/// The band's lower end; 0 for evidence about counterparties or about a
/// party of the same name (a namesake is possible) below `counterparty_band`.
fn strength(cfg: &Config, o: crate::outside::OutsideFinding) -> f64 {
    if o.kind != OutsideKind::SameParty && o.band < cfg.counterparty_band {
        return 0.0;
    }
    o.band.clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::test_support::sender;
    use crate::outside::OutsideFinding;

    #[test]
    fn the_peers_band_is_the_strength() {
        let ind = PXmatch(Config::default());
        assert_eq!(sender(&ind, |_| {}).0, 0.0);
        let (s, reason) = sender(&ind, |f| {
            f.outside = Some(OutsideFinding {
                kind: OutsideKind::Counterparty,
                band: 0.8,
                parties: 1,
                payments: 3,
                institutions: 1,
            })
        });
        assert_eq!(s, 0.8);
        assert!(reason.contains("3 payments reach 1 receivers"), "{reason}");
        let weak = sender(&ind, |f| {
            f.outside = Some(OutsideFinding {
                kind: OutsideKind::Counterparty,
                band: 0.2,
                parties: 1,
                payments: 3,
                institutions: 1,
            })
        });
        assert_eq!(
            weak.0, 0.0,
            "a counterparty below the 0.5 band says nothing"
        );
    }
}
