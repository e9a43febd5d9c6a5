//! What cooperating institutions told about our parties (`spur match`):
//! outside findings the caller hands the engine, which reads no file and no
//! network. The indicators R-XMATCH and P-XMATCH read them from the facts.

use std::collections::HashMap;

use crate::indicators::Role;

/// What the outside evidence is about.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OutsideKind {
    /// The party itself, known to the peer under the same identifier (same side).
    #[default]
    SameParty,
    /// The counterparties of payments both institutions hold (cross-border):
    /// the receivers a sender pays, or the senders paying a receiver.
    Counterparty,
    /// A party of the same name in the same country at the peer (same
    /// side, matched by name, not by an identifier): the same person's
    /// account under another id, or a namesake.
    SameName,
}

impl OutsideKind {
    /// Which of two kinds a party's finding keeps: an identifier match
    /// over a name match over counterparties.
    fn rank(self) -> u8 {
        match self {
            OutsideKind::SameParty => 2,
            OutsideKind::SameName => 1,
            OutsideKind::Counterparty => 0,
        }
    }
}

/// One party's outside finding, summed over the peers that reported it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct OutsideFinding {
    pub kind: OutsideKind,
    /// The lower end of the highest score band a peer reported, in [0, 1].
    pub band: f64,
    /// The peer's parties behind it: the payers it has there (same side),
    /// or the counterparties of the payments matched (cross-border).
    pub parties: u32,
    /// Payments behind it at the peer (same side) or matched (cross-border).
    pub payments: u32,
    /// Cooperating institutions that reported it.
    pub institutions: u32,
}

/// The outside findings, by party and role.
#[derive(Clone, Debug, Default)]
pub struct Outside {
    by_party: HashMap<(Role, String), OutsideFinding>,
}

impl Outside {
    /// Adds what one peer reported about `id` in `role`: the highest band
    /// stands, counts add up. A band outside [0, 1] (or not a number) is
    /// clamped to it (NaN counts as 0): input never panics the engine.
    pub fn add(&mut self, role: Role, id: &str, f: OutsideFinding) {
        let band = if f.band.is_nan() {
            0.0
        } else {
            f.band.clamp(0.0, 1.0)
        };
        let e = self.by_party.entry((role, id.to_owned())).or_default();
        if e.institutions == 0 {
            *e = OutsideFinding { band, ..f };
            return;
        }
        e.band = e.band.max(band);
        e.parties = e.parties.saturating_add(f.parties);
        e.payments = e.payments.saturating_add(f.payments);
        e.institutions = e.institutions.saturating_add(f.institutions);
        if f.kind.rank() > e.kind.rank() {
            e.kind = f.kind;
        }
    }

    pub fn get(&self, role: Role, id: &str) -> Option<OutsideFinding> {
        // A tuple key cannot be looked up by borrowed parts; ids are short.
        self.by_party.get(&(role, id.to_owned())).copied()
    }

    pub fn len(&self) -> usize {
        self.by_party.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_party.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_of_two_peers_add_up_and_keep_the_highest_band() {
        let mut o = Outside::default();
        let f = |band, parties| OutsideFinding {
            kind: OutsideKind::Counterparty,
            band,
            parties,
            payments: 2,
            institutions: 1,
        };
        o.add(Role::Receiver, "R1", f(0.2, 3));
        o.add(Role::Receiver, "R1", f(0.5, 4));
        o.add(Role::Receiver, "R2", f(f64::NAN, 1));
        o.add(Role::Receiver, "R3", f(7.0, 1));
        let r1 = o.get(Role::Receiver, "R1").unwrap();
        assert_eq!(
            (r1.band, r1.parties, r1.payments, r1.institutions),
            (0.5, 7, 4, 2)
        );
        assert_eq!(o.get(Role::Receiver, "R2").unwrap().band, 0.0);
        assert_eq!(o.get(Role::Receiver, "R3").unwrap().band, 1.0);
        assert_eq!(o.get(Role::Sender, "R1"), None);
        assert_eq!(r1.kind, OutsideKind::Counterparty);
        o.add(
            Role::Receiver,
            "R1",
            OutsideFinding {
                kind: OutsideKind::SameName,
                ..f(0.1, 1)
            },
        );
        assert_eq!(
            o.get(Role::Receiver, "R1").unwrap().kind,
            OutsideKind::SameName
        );
        o.add(
            Role::Receiver,
            "R1",
            OutsideFinding {
                kind: OutsideKind::SameParty,
                ..f(0.1, 1)
            },
        );
        o.add(Role::Receiver, "R1", f(0.1, 1));
        assert_eq!(
            o.get(Role::Receiver, "R1").unwrap().kind,
            OutsideKind::SameParty
        );
    }
}
