//! What a scan into a store gathers for its one commit at the end: the run's
//! accepted payments, packed into one buffer (no allocation per payment), so
//! that the txn ids and the details of the evidence payments can be read back.

use spur_engine::Payment;
use spur_store::{payment_digest, IngestedTxn, PaymentDigest, PaymentRecord};

/// The run's accepted payments, each as length-prefixed fields in one buffer.
#[derive(Default)]
pub struct Ingest {
    bytes: Vec<u8>,
    /// Where each payment starts in `bytes`.
    starts: Vec<usize>,
    /// Each payment's content digest, kept with its txn id.
    digests: Vec<PaymentDigest>,
    /// Payments skipped because the store had their txn id.
    pub already_ingested: u64,
}

const TEXT_FIELDS: usize = 10;

impl Ingest {
    pub fn push(&mut self, p: &Payment<'_>) {
        self.digests.push(payment_digest(p));
        self.starts.push(self.bytes.len());
        self.bytes.extend_from_slice(&p.timestamp.to_le_bytes());
        self.bytes.extend_from_slice(&p.amount.to_le_bytes());
        let channel = p.channel.map(|c| c.as_str()).unwrap_or_default();
        let fields: [&str; TEXT_FIELDS] = [
            p.txn_id,
            p.currency.as_str(),
            p.sender_id,
            p.sender_name,
            p.sender_country.as_str(),
            p.receiver_id,
            p.receiver_name,
            p.receiver_country.as_str(),
            channel,
            p.message,
        ];
        for f in fields {
            self.bytes
                .extend_from_slice(&(f.len() as u32).to_le_bytes());
            self.bytes.extend_from_slice(f.as_bytes());
        }
    }

    pub fn len(&self) -> usize {
        self.starts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The txn id and text fields of payment `i`, with its time and amount.
    fn fields(&self, i: usize) -> (i64, f64, [&str; TEXT_FIELDS]) {
        let mut at = self.starts[i];
        let mut take = |n: usize| {
            let s = &self.bytes[at..at + n];
            at += n;
            s
        };
        let mut eight = [0u8; 8];
        eight.copy_from_slice(take(8));
        let timestamp = i64::from_le_bytes(eight);
        eight.copy_from_slice(take(8));
        let amount = f64::from_le_bytes(eight);
        let mut fields = [""; TEXT_FIELDS];
        for f in &mut fields {
            let mut four = [0u8; 4];
            four.copy_from_slice(take(4));
            let len = u32::from_le_bytes(four) as usize;
            // Written from `&str` above: always UTF-8.
            *f = std::str::from_utf8(take(len)).unwrap_or_default();
        }
        (timestamp, amount, fields)
    }

    /// The txn ids with their payments' digests, as the store keeps them.
    pub fn txns(&self) -> Vec<IngestedTxn<'_>> {
        (0..self.len())
            .map(|i| IngestedTxn {
                txn_id: self.fields(i).2[0],
                digest: self.digests[i],
            })
            .collect()
    }

    /// The payments whose txn id `keep` accepts, as the store keeps them.
    pub fn records(&self, keep: impl Fn(&str) -> bool) -> Vec<PaymentRecord> {
        (0..self.len())
            .map(|i| self.fields(i))
            .filter(|(_, _, f)| keep(f[0]))
            .map(|(timestamp, amount, f)| PaymentRecord {
                txn_id: f[0].to_owned(),
                timestamp,
                amount,
                currency: f[1].to_owned(),
                sender_id: f[2].to_owned(),
                sender_name: f[3].to_owned(),
                sender_country: f[4].to_owned(),
                receiver_id: f[5].to_owned(),
                receiver_name: f[6].to_owned(),
                receiver_country: f[7].to_owned(),
                channel: f[8].to_owned(),
                message: f[9].to_owned(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spur_engine::{Channel, Country, Currency, Extra};

    fn payment<'a>(txn_id: &'a str, name: &'a str, message: &'a str) -> Payment<'a> {
        Payment {
            txn_id,
            timestamp: 1_767_571_200,
            amount: 45.1,
            currency: Currency::parse(b"USD").unwrap(),
            sender_id: "S-1",
            sender_country: Country::parse(b"US").unwrap(),
            sender_name: name,
            receiver_id: "R-1",
            receiver_country: Country::parse(b"PH").unwrap(),
            receiver_name: "Maria Luz Cruz",
            channel: Some(Channel::Remittance),
            message,
            extra: Extra::default(),
        }
    }

    #[test]
    fn payments_read_back_as_written() {
        let mut ingest = Ingest::default();
        ingest.push(&payment("T1", "Peña, José", ""));
        ingest.push(&payment("T2", "", "load \u{1f}\n 'n' stuff"));
        ingest.push(&payment("T3", "x", "y"));
        let txns = ingest.txns();
        let ids: Vec<&str> = txns.iter().map(|t| t.txn_id).collect();
        assert_eq!(ids, ["T1", "T2", "T3"]);
        assert_eq!(
            txns[0].digest,
            payment_digest(&payment("T1", "Peña, José", ""))
        );
        assert_ne!(txns[1].digest, txns[2].digest);
        let kept = ingest.records(|t| t != "T1");
        assert_eq!(kept.len(), 2);
        assert_eq!(
            (
                kept[0].txn_id.as_str(),
                kept[0].sender_name.as_str(),
                kept[0].message.as_str()
            ),
            ("T2", "", "load \u{1f}\n 'n' stuff")
        );
        assert_eq!(
            (
                kept[1].amount,
                kept[1].timestamp,
                kept[1].currency.as_str(),
                kept[1].channel.as_str()
            ),
            (45.1, 1_767_571_200, "USD", "remittance")
        );
        assert_eq!(
            (
                kept[1].sender_country.as_str(),
                kept[1].receiver_id.as_str(),
                kept[1].receiver_name.as_str()
            ),
            ("US", "R-1", "Maria Luz Cruz")
        );
    }
}
