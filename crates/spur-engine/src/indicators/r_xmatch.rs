//! R-XMATCH: a cooperating institution scores this receiver too, or the
//! senders paying it.
//!
//! Source: FIU.net Ma3tch (matching across institutions, hits only); BIS
//! Project Aurora (network analysis across institutions beats siloed
//! monitoring). The evidence came through `spur match`: only a score band
//! and counts crossed, for parties the peer scores above its lower score.

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
    /// A finding about a receiver of the same name in the same country (no
    /// shared identifier) counts at this share of its band: a common name
    /// is shared by other people, and a namesake's score says nothing about
    /// this receiver.
    pub same_name_share: f64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            enabled: true,
            weight: 0.8,
            counterparty_band: 0.5,
            same_name_share: 0.5,
        }
    }
}

pub struct RXmatch(pub Config);

impl Indicator for RXmatch {
    fn code(&self) -> &'static str {
        "R-XMATCH"
    }
    fn role(&self) -> Role {
        Role::Receiver
    }
    fn source(&self) -> &'static str {
        "FIU.net Ma3tch; BIS Project Aurora"
    }
    fn weight(&self) -> f64 {
        self.0.weight
    }
    fn strength(&self, s: Subject<'_, '_>) -> f64 {
        let Subject::Receiver(f) = s else { return 0.0 };
        f.outside.map_or(0.0, |o| strength(&self.0, o))
    }
    fn reason(&self, s: Subject<'_, '_>) -> String {
        let Subject::Receiver(f) = s else {
            return String::new();
        };
        let Some(o) = f.outside else {
            return String::new();
        };
        match o.kind {
            OutsideKind::SameParty => format!(
                "also scored at least {:.1} at {} cooperating institution(s), paid there by {} senders ({} payments)",
                o.band, o.institutions, o.parties, o.payments
            ),
            OutsideKind::Counterparty => format!(
                "paid by {} senders whom {} cooperating institution(s) score at least {:.1} ({} payments matched)",
                o.parties, o.institutions, o.band, o.payments
            ),
            OutsideKind::SameName => format!(
                "a receiver of the same name in the same country scored at least {:.1} at {} cooperating institution(s), paid there by {} senders ({} payments): the same person under another account, or a namesake",
                o.band, o.institutions, o.parties, o.payments
            ),
        }
    }
}

/// The band's lower end; 0 for evidence about counterparties or about a
/// party of the same name (a namesake is possible) below `counterparty_band`,
/// and the latter at `same_name_share` of its band.
fn strength(cfg: &Config, o: crate::outside::OutsideFinding) -> f64 {
    if o.kind != OutsideKind::SameParty && o.band < cfg.counterparty_band {
        return 0.0;
    }
    let band = o.band.clamp(0.0, 1.0);
    if o.kind == OutsideKind::SameName {
        band * cfg.same_name_share.clamp(0.0, 1.0)
    } else {
        band
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::test_support::receiver;
    use crate::outside::OutsideFinding;

    #[test]
    fn the_peers_band_is_the_strength() {
        let ind = RXmatch(Config::default());
        assert_eq!(receiver(&ind, |_| {}).0, 0.0);
        let (s, reason) = receiver(&ind, |f| {
            f.outside = Some(OutsideFinding {
                kind: OutsideKind::SameParty,
                band: 0.5,
                parties: 6,
                payments: 9,
                institutions: 1,
            })
        });
        assert_eq!(s, 0.5);
        assert!(reason.contains("paid there by 6 senders"), "{reason}");
    }

    #[test]
    fn a_name_match_counts_from_the_band_up_and_says_it_may_be_a_namesake() {
        let ind = RXmatch(Config::default());
        let by_name = |band| {
            receiver(&ind, |f| {
                f.outside = Some(OutsideFinding {
                    kind: OutsideKind::SameName,
                    band,
                    parties: 6,
                    payments: 9,
                    institutions: 1,
                })
            })
        };
        assert_eq!(by_name(0.3).0, 0.0);
        let (s, reason) = by_name(0.7);
        assert_eq!(s, 0.35);
        assert!(
            reason.contains("same name") && reason.contains("namesake"),
            "{reason}"
        );
    }
}
