//! A digest of an ingested payment's content, kept beside its txn id: a txn
//! id that comes again with other content is a different payment under a
//! reused id (or a corrected export), not one to skip as already ingested.
//!
//! Computed for every payment of a scan into a store, so it hashes the
//! fields' bytes as they are (no formatting, no allocation): each text field
//! is preceded by its length, so no two payments share their input bytes.

use sha2::{Digest, Sha256};
use spur_engine::{Payment, Sex};

/// SHA-256 of a payment's canonical fields.
pub type PaymentDigest = [u8; 32];

/// Bumped if the fields or their encoding change: digests of another
/// version never match, so a payment would be told "different".
const VERSION: &[u8] = b"spur-payment-1";

/// The digest of every field of the canonical payment, optional ones
/// included (a later export that adds a sender's name is other content).
pub fn payment_digest(p: &Payment<'_>) -> PaymentDigest {
    let mut h = Sha256::new();
    h.update(VERSION);
    let text = |h: &mut Sha256, s: &str| {
        h.update((s.len() as u64).to_le_bytes());
        h.update(s.as_bytes());
    };
    text(&mut h, p.txn_id);
    h.update(p.timestamp.to_le_bytes());
    // The value, not its writing: 45.1 and 45.10 are one amount.
    h.update(p.amount.to_bits().to_le_bytes());
    h.update(p.currency.0);
    text(&mut h, p.sender_id);
    h.update(p.sender_country.0);
    text(&mut h, p.sender_name);
    text(&mut h, p.receiver_id);
    h.update(p.receiver_country.0);
    text(&mut h, p.receiver_name);
    text(&mut h, p.channel.map_or("", |c| c.as_str()));
    text(&mut h, p.message);
    let e = &p.extra;
    // Absent and present are told apart by a marker byte.
    let opt = |h: &mut Sha256, v: Option<i64>| match v {
        Some(v) => {
            h.update([1]);
            h.update(v.to_le_bytes());
        }
        None => h.update([0]),
    };
    opt(&mut h, e.mcc.map(i64::from));
    text(&mut h, e.receiver_phone);
    opt(&mut h, e.sender_birth_year.map(i64::from));
    opt(
        &mut h,
        e.sender_sex.map(|s| match s {
            Sex::Male => 1,
            Sex::Female => 2,
            Sex::Other => 3,
        }),
    );
    opt(&mut h, e.payout_time);
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use spur_engine::{Channel, Country, Currency, Extra};

    fn base() -> Payment<'static> {
        Payment {
            txn_id: "T1",
            timestamp: 1_767_571_200,
            amount: 45.1,
            currency: Currency::new(b"USD"),
            sender_id: "S-1",
            sender_country: Country::new(b"US"),
            sender_name: "Gary Whitfield",
            receiver_id: "R-1",
            receiver_country: Country::new(b"PH"),
            receiver_name: "Maria Luz Cruz",
            channel: Some(Channel::Remittance),
            message: "",
            extra: Extra::default(),
        }
    }

    /// Every field counts, and moving text from one field to the next does
    /// not give the same bytes.
    #[test]
    fn every_field_changes_the_digest() {
        let d = payment_digest(&base());
        assert_eq!(d, payment_digest(&base()));
        type Change = fn(&mut Payment<'static>);
        let changes: &[(&str, Change)] = &[
            ("txn_id", |p| p.txn_id = "T2"),
            ("timestamp", |p| p.timestamp += 1),
            ("amount", |p| p.amount = 45.11),
            ("currency", |p| p.currency = Currency::new(b"AUD")),
            ("sender_id", |p| p.sender_id = "S-2"),
            ("sender_country", |p| p.sender_country = Country::new(b"GB")),
            ("sender_name", |p| p.sender_name = "Gary Whitfielx"),
            ("receiver_id", |p| p.receiver_id = "R-2"),
            ("receiver_country", |p| {
                p.receiver_country = Country::new(b"TH")
            }),
            ("receiver_name", |p| p.receiver_name = ""),
            ("channel", |p| p.channel = None),
            ("message", |p| p.message = "x"),
            ("shifted text", |p| {
                p.sender_id = "S-1Gary";
                p.sender_name = " Whitfield";
            }),
            ("mcc", |p| p.extra.mcc = Some(0)),
            ("phone", |p| p.extra.receiver_phone = "+63"),
            ("birth year", |p| p.extra.sender_birth_year = Some(1970)),
            ("sex", |p| p.extra.sender_sex = Some(Sex::Other)),
            ("payout", |p| p.extra.payout_time = Some(0)),
        ];
        for (what, change) in changes {
            let mut p = base();
            change(&mut p);
            assert_ne!(payment_digest(&p), d, "{what}");
        }
    }
}
