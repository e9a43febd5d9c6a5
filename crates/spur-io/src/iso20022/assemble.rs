//! From the slots of a transaction to the canonical fields: the rules every
//! family shares (which id is the txn id, which amount, which time, a
//! party's id and country), each value remembering where it came from so a
//! reject can name the element.

use std::fmt::Write as _;

use crate::field::{quoted, Field, FIELD_COUNT};
use crate::iso20022::slots::{PartyField, Role, Slot, View};
use crate::iso20022::NotAPayment;

/// Where a canonical field's value came from.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Source {
    /// Nothing yet.
    None,
    /// An element (its path is in the view).
    Slot(Slot),
    /// Derived or looked for elsewhere: said in words.
    Said(&'static str),
}

/// The canonical fields of one payment, as text, reused from one to the next.
pub(crate) struct Out {
    pub(crate) text: [String; FIELD_COUNT],
    pub(crate) source: [Source; FIELD_COUNT],
}

impl Out {
    pub(crate) fn new() -> Out {
        Out {
            text: std::array::from_fn(|_| String::new()),
            source: [Source::None; FIELD_COUNT],
        }
    }

    pub(crate) fn clear(&mut self) {
        for t in &mut self.text {
            t.clear();
        }
        self.source = [Source::None; FIELD_COUNT];
    }

    fn set(&mut self, f: Field, value: &str, source: Source) {
        let t = &mut self.text[f as usize];
        t.clear();
        t.push_str(value);
        self.source[f as usize] = source;
    }

    /// Says where `f` was looked for, when it stays empty.
    fn looked(&mut self, f: Field, said: &'static str) {
        self.source[f as usize] = Source::Said(said);
    }
}

/// The first of `slots` that has a value.
fn first<'a>(v: &View<'a>, slots: &[Slot]) -> Option<(Slot, &'a str)> {
    slots.iter().find_map(|&s| v.get(s).map(|x| (s, x)))
}

/// The txn id: the first of `ids` present (an `EndToEndId` of
/// `NOTPROVIDED` does not count), else `MsgId/n` for the n-th transaction of
/// the message.
pub(crate) fn txn_id(v: &View<'_>, out: &mut Out, ids: &[Slot]) {
    let found = ids.iter().find_map(|&s| {
        v.get(s)
            .filter(|x| !(s == Slot::EndToEndId && x.eq_ignore_ascii_case("NOTPROVIDED")))
            .map(|x| (s, x))
    });
    match (found, v.get(Slot::MsgId)) {
        (Some((s, x)), _) => out.set(Field::TxnId, x, Source::Slot(s)),
        (None, Some(msg)) => {
            let t = &mut out.text[Field::TxnId as usize];
            t.clear();
            let _ = write!(t, "{msg}/{}", v.number_in_message);
            out.source[Field::TxnId as usize] = Source::Said("GrpHdr/MsgId and the position");
        }
        (None, None) => out.looked(
            Field::TxnId,
            "no UETR, EndToEndId, TxId, InstrId or GrpHdr/MsgId",
        ),
    }
}

/// The amount and its currency: the first of `amounts` present, with its `Ccy`.
pub(crate) fn amount(v: &View<'_>, out: &mut Out, amounts: &[Slot], said: &'static str) {
    match first(v, amounts) {
        Some((s, x)) => {
            out.set(Field::Amount, x, Source::Slot(s));
            let ccy = s.currency().unwrap_or(s);
            match v.get(ccy) {
                Some(c) => out.set(Field::Currency, c, Source::Slot(ccy)),
                None => out.looked(Field::Currency, "the amount's Ccy attribute"),
            }
        }
        None => {
            out.looked(Field::Amount, said);
            out.looked(Field::Currency, said);
        }
    }
}

/// The time: the first of `times` present; a date alone is its midnight UTC.
pub(crate) fn time(v: &View<'_>, out: &mut Out, times: &[Slot], said: &'static str) {
    let Some((s, x)) = first(v, times) else {
        out.looked(Field::Timestamp, said);
        return;
    };
    out.set(Field::Timestamp, x, Source::Slot(s));
    let t = &mut out.text[Field::Timestamp as usize];
    // `2026-01-05`, or with a zone `2026-01-05Z` / `2026-01-05+01:00`.
    let b = t.as_bytes();
    if b.len() >= 10 && b[4] == b'-' && b[7] == b'-' && !b[10..].starts_with(b"T") {
        let zone = if b.len() == 10 {
            "Z".to_string()
        } else {
            t[10..].to_string()
        };
        t.truncate(10);
        t.push_str("T00:00:00");
        t.push_str(&zone);
    }
}

/// `RmtInf/Ustrd` lines as the message, and `bank` as the channel.
pub(crate) fn message_and_channel(v: &View<'_>, out: &mut Out) {
    if let Some(m) = v.get(Slot::Ustrd) {
        out.set(Field::Message, m, Source::Slot(Slot::Ustrd));
    }
    out.set(
        Field::Channel,
        "bank",
        Source::Said("every ISO 20022 credit transfer"),
    );
}

/// The canonical fields of one side of the payment.
pub(crate) struct SideFields {
    pub id: Field,
    pub name: Field,
    pub country: Field,
    /// `receiver_phone` for the creditor.
    pub phone: Option<Field>,
    /// Words for a reject: where the id and the country were looked for.
    pub id_said: &'static str,
    pub country_said: &'static str,
}

pub(crate) const SENDER: SideFields = SideFields {
    id: Field::SenderId,
    name: Field::SenderName,
    country: Field::SenderCountry,
    phone: None,
    id_said: "no debtor account (IBAN, Othr/Id) and no debtor name to derive an id from",
    country_said: "no debtor PstlAdr/Ctry, CtryOfRes, agent BIC or IBAN",
};

pub(crate) const RECEIVER: SideFields = SideFields {
    id: Field::ReceiverId,
    name: Field::ReceiverName,
    country: Field::ReceiverCountry,
    phone: Some(Field::ReceiverPhone),
    id_said: "no creditor account (IBAN, Othr/Id) and no creditor name to derive an id from",
    country_said: "no creditor PstlAdr/Ctry, CtryOfRes, agent BIC or IBAN",
};

/// The prefix of a party id spur derives for a party without an account.
pub(crate) const DERIVED_ID_PREFIX: &str = "noacct:";

/// One side's id, name, country (and phone) from `role`'s slots, each
/// falling back to `fallback`'s (a camt statement's account) when absent.
pub(crate) fn side(
    v: &View<'_>,
    out: &mut Out,
    role: Role,
    fallback: Option<Role>,
    f: &SideFields,
) {
    let get = |field: PartyField| -> Option<(Slot, &str)> {
        let own = Slot::Party(role, field);
        v.get(own).map(|x| (own, x)).or_else(|| {
            let other = Slot::Party(fallback?, field);
            v.get(other).map(|x| (other, x))
        })
    };
    let name = get(PartyField::Name);
    if let Some((s, x)) = name {
        out.set(f.name, x, Source::Slot(s));
    }
    if let (Some(phone), Some((s, x))) = (f.phone, get(PartyField::Phone)) {
        out.set(phone, x, Source::Slot(s));
    }
    let bic = get(PartyField::Bic);
    let iban = get(PartyField::Iban);

    // Country: the address, else residence, else the agent's BIC (letters
    // 5-6), else the IBAN's first two letters.
    let country = get(PartyField::Country)
        .or_else(|| get(PartyField::Residence))
        .map(|(s, x)| (Source::Slot(s), x))
        .or_else(|| {
            bic.and_then(|(_, b)| b.get(4..6))
                .map(|c| (Source::Said("the agent's BIC (letters 5-6)"), c))
        })
        .or_else(|| {
            iban.and_then(|(_, i)| i.get(0..2))
                .map(|c| (Source::Said("the IBAN (letters 1-2)"), c))
        });
    match country {
        Some((src, c)) => out.set(f.country, c, src),
        None => out.looked(f.country, f.country_said),
    }

    match iban.or_else(|| get(PartyField::OtherId)) {
        Some((s, x)) => out.set(f.id, x, Source::Slot(s)),
        None => match name {
            Some((_, n)) => {
                // noacct:NAME:CC:BIC8, the name upper-cased with its runs of
                // whitespace made one space: the same person at the same
                // bank gets the same id in every file.
                let cc = out.text[f.country as usize].to_ascii_uppercase();
                let t = &mut out.text[f.id as usize];
                t.clear();
                t.push_str(DERIVED_ID_PREFIX);
                for (i, word) in n.split_whitespace().enumerate() {
                    if i > 0 {
                        t.push(' ');
                    }
                    t.extend(word.chars().flat_map(char::to_uppercase));
                }
                t.push(':');
                t.push_str(&cc);
                t.push(':');
                if let Some((_, b)) = bic {
                    t.push_str(&b.get(..8).unwrap_or(b).to_ascii_uppercase());
                }
                out.source[f.id as usize] =
                    Source::Said("derived from the name, country and agent BIC (no account)");
            }
            None => out.looked(f.id, f.id_said),
        },
    }
}

/// A reject's reason: the transaction's position and end-to-end id, where
/// the value came from, and what is wrong with it.
pub(crate) fn reason(v: &View<'_>, source: Source, why: &str) -> String {
    let mut r = format!("transaction {}", v.number);
    match v.get(Slot::EndToEndId) {
        Some(id) => {
            r.push_str(" (EndToEndId ");
            r.push_str(&quoted(id, ")"));
        }
        None => r.push_str(" (no EndToEndId)"),
    }
    match source {
        Source::Slot(s) => {
            r.push_str(", ");
            r.push_str(path_or(v, s));
        }
        Source::Said(words) => {
            r.push_str(", ");
            r.push_str(words);
        }
        Source::None => {}
    }
    r.push_str(": ");
    r.push_str(why);
    r
}

/// Turns a family's [`NotAPayment::Reject`] or a text problem into reason words.
pub(crate) fn problem(v: &View<'_>) -> Option<NotAPayment> {
    let (slot, why) = v.problem()?;
    Some(NotAPayment::Reject(canonical(*slot), why.clone()))
}

fn path_or<'a>(v: &View<'a>, slot: Slot) -> &'a str {
    match v.path(slot) {
        "" => "a value",
        p => p,
    }
}

/// The canonical field a slot feeds, for naming it in a reject.
pub(crate) fn canonical(slot: Slot) -> Field {
    match slot {
        Slot::InstdAmt | Slot::SttlmAmt | Slot::TxAmt | Slot::Amt | Slot::EntryAmt => Field::Amount,
        Slot::InstdCcy | Slot::SttlmCcy | Slot::TxCcy | Slot::AmtCcy | Slot::EntryCcy => {
            Field::Currency
        }
        Slot::CreDtTm
        | Slot::AccptncDtTm
        | Slot::SttlmDt
        | Slot::ReqdExctnDt
        | Slot::BookgDt
        | Slot::ValDt => Field::Timestamp,
        Slot::Ustrd => Field::Message,
        Slot::Party(Role::Creditor, PartyField::Name) => Field::ReceiverName,
        Slot::Party(Role::Creditor, PartyField::Phone) => Field::ReceiverPhone,
        Slot::Party(Role::Creditor, PartyField::Iban | PartyField::OtherId) => Field::ReceiverId,
        Slot::Party(Role::Creditor, _) => Field::ReceiverCountry,
        Slot::Party(Role::Debtor, PartyField::Name) => Field::SenderName,
        Slot::Party(Role::Debtor, PartyField::Iban | PartyField::OtherId) => Field::SenderId,
        Slot::Party(Role::Debtor, _) => Field::SenderCountry,
        _ => Field::TxnId,
    }
}
