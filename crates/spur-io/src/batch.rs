//! Payments held in bulk, owning their text: a reader thread fills a batch,
//! hands it to the scoring thread, and gets it back empty. One growing text
//! buffer per batch, so nothing is allocated per record once batches are warm.

use spur_engine::model::{Channel, Country, Currency, Extra, Payment, Sex, Timestamp};

use crate::input::Reject;

#[derive(Clone, Copy, Debug)]
struct Span(u32, u32);

#[derive(Clone, Copy, Debug)]
struct Row {
    line: u64,
    timestamp: Timestamp,
    amount: f64,
    currency: Currency,
    sender_country: Country,
    receiver_country: Country,
    channel: Option<Channel>,
    mcc: Option<u16>,
    sender_birth_year: Option<u16>,
    sender_sex: Option<Sex>,
    payout_time: Option<Timestamp>,
    txn_id: Span,
    sender_id: Span,
    sender_name: Span,
    receiver_id: Span,
    receiver_name: Span,
    message: Span,
    receiver_phone: Span,
}

/// One record of a batch: a payment (by index) or a reject, in file order.
enum Item {
    Payment(Row),
    Reject(Reject),
}

/// What a batch yields, in file order.
pub enum Entry<'a> {
    Payment { line: u64, payment: Payment<'a> },
    Reject(&'a Reject),
}

#[derive(Default)]
pub struct PaymentBatch {
    text: String,
    items: Vec<Item>,
}

impl PaymentBatch {
    pub fn with_capacity(records: usize) -> PaymentBatch {
        PaymentBatch {
            text: String::with_capacity(records * 96),
            items: Vec::with_capacity(records),
        }
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Empties the batch, keeping its memory.
    pub fn clear(&mut self) {
        self.text.clear();
        self.items.clear();
    }

    fn keep(&mut self, s: &str) -> Span {
        let start = self.text.len() as u32;
        self.text.push_str(s);
        Span(start, self.text.len() as u32)
    }

    fn get(&self, s: Span) -> &str {
        &self.text[s.0 as usize..s.1 as usize]
    }

    /// Copies a payment read at `line` into the batch.
    pub fn push(&mut self, line: u64, p: &Payment<'_>) {
        let row = Row {
            line,
            timestamp: p.timestamp,
            amount: p.amount,
            currency: p.currency,
            sender_country: p.sender_country,
            receiver_country: p.receiver_country,
            channel: p.channel,
            mcc: p.extra.mcc,
            sender_birth_year: p.extra.sender_birth_year,
            sender_sex: p.extra.sender_sex,
            payout_time: p.extra.payout_time,
            txn_id: self.keep(p.txn_id),
            sender_id: self.keep(p.sender_id),
            sender_name: self.keep(p.sender_name),
            receiver_id: self.keep(p.receiver_id),
            receiver_name: self.keep(p.receiver_name),
            message: self.keep(p.message),
            receiver_phone: self.keep(p.extra.receiver_phone),
        };
        self.items.push(Item::Payment(row));
    }

    pub fn push_reject(&mut self, reject: Reject) {
        self.items.push(Item::Reject(reject));
    }

    /// Each record's txn, sender and receiver id, in order (`None` for a
    /// reject): all a look-ahead needs ([`spur_engine::Engine::prefetch`]).
    pub fn ids(&self) -> impl Iterator<Item = Option<[&str; 3]>> {
        self.items.iter().map(move |item| match item {
            Item::Reject(_) => None,
            Item::Payment(r) => Some([
                self.get(r.txn_id),
                self.get(r.sender_id),
                self.get(r.receiver_id),
            ]),
        })
    }

    /// The records in the order they were pushed.
    pub fn entries(&self) -> impl Iterator<Item = Entry<'_>> {
        self.items.iter().map(move |item| match item {
            Item::Reject(r) => Entry::Reject(r),
            Item::Payment(r) => Entry::Payment {
                line: r.line,
                payment: Payment {
                    txn_id: self.get(r.txn_id),
                    timestamp: r.timestamp,
                    amount: r.amount,
                    currency: r.currency,
                    sender_id: self.get(r.sender_id),
                    sender_country: r.sender_country,
                    sender_name: self.get(r.sender_name),
                    receiver_id: self.get(r.receiver_id),
                    receiver_country: r.receiver_country,
                    receiver_name: self.get(r.receiver_name),
                    channel: r.channel,
                    message: self.get(r.message),
                    extra: Extra {
                        mcc: r.mcc,
                        receiver_phone: self.get(r.receiver_phone),
                        sender_birth_year: r.sender_birth_year,
                        sender_sex: r.sender_sex,
                        payout_time: r.payout_time,
                    },
                },
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_in_order() {
        let p = Payment {
            txn_id: "T1",
            timestamp: 1_767_647_643,
            amount: 50.5,
            currency: Currency::new(b"USD"),
            sender_id: "S1",
            sender_country: Country::new(b"US"),
            sender_name: "Gary Hill",
            receiver_id: "R1",
            receiver_country: Country::new(b"PH"),
            receiver_name: "Ma. Peña",
            channel: Some(Channel::Wallet),
            message: "gift",
            extra: Extra {
                mcc: Some(4816),
                receiver_phone: "+63 917",
                sender_birth_year: Some(1970),
                sender_sex: Some(Sex::Male),
                payout_time: Some(1),
            },
        };
        let mut b = PaymentBatch::with_capacity(4);
        b.push(2, &p);
        b.push_reject(Reject {
            line: 3,
            field: "amount",
            reason: "bad".into(),
        });
        b.push(4, &Payment { txn_id: "T2", ..p });
        let ids: Vec<_> = b.ids().collect();
        assert_eq!(
            ids,
            [Some(["T1", "S1", "R1"]), None, Some(["T2", "S1", "R1"])]
        );
        let got: Vec<String> = b
            .entries()
            .map(|e| match e {
                Entry::Payment { line, payment } => {
                    assert_eq!(
                        payment,
                        Payment {
                            txn_id: payment.txn_id,
                            ..p
                        }
                    );
                    format!("{line}:{}", payment.txn_id)
                }
                Entry::Reject(r) => format!("{}:reject", r.line),
            })
            .collect();
        assert_eq!(got, ["2:T1", "3:reject", "4:T2"]);
        b.clear();
        assert!(b.is_empty());
    }
}
