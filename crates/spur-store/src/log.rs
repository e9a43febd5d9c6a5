//! The payment log's encoding: accepted payments, written in chunks (one per
//! group commit), each a compact binary record of every canonical field.
//!
//! The log is what the engine state is rebuilt from: start-up loads the
//! latest checkpoint and replays the chunks after it, so a chunk must read
//! back as exactly the payments that were written (byte-equal, `45.1` stays
//! the same `f64`), and a damaged chunk must be named, never panic.
//!
//! A chunk is `SPL1`, the number of payments (u32, little-endian), then each
//! payment: time (i64), amount (the f64's bits), currency (3 bytes), sender
//! and receiver country (2 each), channel (0-6, 255 when absent), a flags
//! byte saying which optional numbers follow (mcc u16, birth year u16, sex
//! u8, payout time i64), then seven texts, each a LEB128 length and UTF-8:
//! txn id, sender id, sender name, receiver id, receiver name, message,
//! receiver phone. About 90 bytes for a payment with names and a message.

use spur_engine::{Channel, Country, Currency, Extra, Payment, Sex};

const MAGIC: &[u8; 4] = b"SPL1";
const HEADER: usize = 8;
const NO_CHANNEL: u8 = 255;

const HAS_MCC: u8 = 1;
const HAS_BIRTH_YEAR: u8 = 2;
const HAS_SEX: u8 = 4;
const HAS_PAYOUT: u8 = 8;

/// Builds one chunk of the log from accepted payments.
#[derive(Clone, Debug)]
pub struct ChunkWriter {
    bytes: Vec<u8>,
    count: u32,
}

impl Default for ChunkWriter {
    fn default() -> Self {
        ChunkWriter::new()
    }
}

impl ChunkWriter {
    pub fn new() -> ChunkWriter {
        ChunkWriter::with_capacity(0)
    }

    /// Room for about `payments` payments.
    pub fn with_capacity(payments: usize) -> ChunkWriter {
        ChunkWriter::with_room(HEADER + payments * 96)
    }

    /// Room for `bytes` bytes of chunk (the header included).
    pub fn with_room(bytes: usize) -> ChunkWriter {
        let mut bytes = Vec::with_capacity(bytes.max(HEADER));
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&0u32.to_le_bytes());
        ChunkWriter { bytes, count: 0 }
    }

    pub fn push(&mut self, p: &Payment<'_>) {
        let b = &mut self.bytes;
        b.extend_from_slice(&p.timestamp.to_le_bytes());
        b.extend_from_slice(&p.amount.to_bits().to_le_bytes());
        b.extend_from_slice(&p.currency.0);
        b.extend_from_slice(&p.sender_country.0);
        b.extend_from_slice(&p.receiver_country.0);
        b.push(p.channel.map_or(NO_CHANNEL, |c| c as u8));
        let e = &p.extra;
        let flags = (e.mcc.is_some() as u8 * HAS_MCC)
            | (e.sender_birth_year.is_some() as u8 * HAS_BIRTH_YEAR)
            | (e.sender_sex.is_some() as u8 * HAS_SEX)
            | (e.payout_time.is_some() as u8 * HAS_PAYOUT);
        b.push(flags);
        if let Some(mcc) = e.mcc {
            b.extend_from_slice(&mcc.to_le_bytes());
        }
        if let Some(year) = e.sender_birth_year {
            b.extend_from_slice(&year.to_le_bytes());
        }
        if let Some(sex) = e.sender_sex {
            b.push(match sex {
                Sex::Male => 1,
                Sex::Female => 2,
                Sex::Other => 3,
            });
        }
        if let Some(t) = e.payout_time {
            b.extend_from_slice(&t.to_le_bytes());
        }
        for text in [
            p.txn_id,
            p.sender_id,
            p.sender_name,
            p.receiver_id,
            p.receiver_name,
            p.message,
            e.receiver_phone,
        ] {
            let mut n = text.len();
            while n >= 0x80 {
                b.push((n as u8) | 0x80);
                n >>= 7;
            }
            b.push(n as u8);
            b.extend_from_slice(text.as_bytes());
        }
        self.count += 1;
        self.bytes[4..8].copy_from_slice(&self.count.to_le_bytes());
    }

    pub fn len(&self) -> usize {
        self.count as usize
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The encoded size so far.
    pub fn byte_len(&self) -> usize {
        self.bytes.len()
    }

    /// The chunk as stored.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

/// A chunk that does not read as payments: which chunk, which payment in it
/// (from 1), at which byte, and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("payment log chunk {seq} is damaged at payment {payment}, byte {offset}: {reason}")]
pub struct LogError {
    pub seq: i64,
    pub payment: u32,
    pub offset: usize,
    pub reason: &'static str,
}

/// How many payments the chunk says it holds (without reading them).
pub fn chunk_len(seq: i64, bytes: &[u8]) -> Result<u32, LogError> {
    let bad = |reason| LogError {
        seq,
        payment: 0,
        offset: 0,
        reason,
    };
    if bytes.len() < HEADER {
        return Err(bad("shorter than its header"));
    }
    if &bytes[..4] != MAGIC {
        return Err(bad("not a payment log chunk (no SPL1 header)"));
    }
    let mut four = [0u8; 4];
    four.copy_from_slice(&bytes[4..8]);
    Ok(u32::from_le_bytes(four))
}

/// The payments of chunk `seq`, borrowing their text from `bytes`.
pub fn decode_chunk(seq: i64, bytes: &[u8]) -> Result<Vec<Payment<'_>>, LogError> {
    let count = chunk_len(seq, bytes)?;
    // A count no chunk of this size could hold is damage, not a reason to
    // reserve memory for it.
    let mut out = Vec::with_capacity((count as usize).min(bytes.len() / 30));
    let mut r = Reader {
        bytes,
        at: HEADER,
        seq,
        payment: 0,
    };
    for i in 0..count {
        r.payment = i + 1;
        out.push(r.payment()?);
    }
    if r.at != bytes.len() {
        return Err(r.bad("bytes after the last payment"));
    }
    Ok(out)
}

/// The payments of chunk `seq` whose txn id `wanted` accepts, in chunk
/// order. The others are stepped over by their lengths, their texts not
/// read: an alert's evidence is a few payments of a chunk of thousands.
/// A damaged chunk is an error as in [`decode_chunk`].
pub fn find_in_chunk<'a>(
    seq: i64,
    bytes: &'a [u8],
    wanted: impl Fn(&str) -> bool,
) -> Result<Vec<Payment<'a>>, LogError> {
    let count = chunk_len(seq, bytes)?;
    let mut out = Vec::new();
    let mut r = Reader {
        bytes,
        at: HEADER,
        seq,
        payment: 0,
    };
    for i in 0..count {
        r.payment = i + 1;
        let start = r.at;
        let txn_id = r.step()?;
        if wanted(txn_id) {
            r.at = start;
            out.push(r.payment()?);
        }
    }
    if r.at != bytes.len() {
        return Err(r.bad("bytes after the last payment"));
    }
    Ok(out)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    seq: i64,
    payment: u32,
}

impl<'a> Reader<'a> {
    fn bad(&self, reason: &'static str) -> LogError {
        LogError {
            seq: self.seq,
            payment: self.payment,
            offset: self.at,
            reason,
        }
    }

    fn take<const N: usize>(&mut self) -> Result<[u8; N], LogError> {
        let end = self.at.checked_add(N).filter(|&e| e <= self.bytes.len());
        let Some(end) = end else {
            return Err(self.bad("cut short"));
        };
        let mut out = [0u8; N];
        out.copy_from_slice(&self.bytes[self.at..end]);
        self.at = end;
        Ok(out)
    }

    /// Past one payment, reading only its txn id.
    fn step(&mut self) -> Result<&'a str, LogError> {
        self.take::<{ 8 + 8 + 3 + 2 + 2 + 1 }>()?;
        let [flags] = self.take::<1>()?;
        if flags & !(HAS_MCC | HAS_BIRTH_YEAR | HAS_SEX | HAS_PAYOUT) != 0 {
            return Err(self.bad("unknown flags"));
        }
        let optional = [
            (HAS_MCC, 2),
            (HAS_BIRTH_YEAR, 2),
            (HAS_SEX, 1),
            (HAS_PAYOUT, 8),
        ]
        .iter()
        .filter(|(flag, _)| flags & flag != 0)
        .map(|(_, n)| n)
        .sum::<usize>();
        self.skip(optional)?;
        let txn_id = self.text()?;
        for _ in 0..6 {
            let len = self.text_len()?;
            self.skip(len)?;
        }
        Ok(txn_id)
    }

    fn skip(&mut self, n: usize) -> Result<(), LogError> {
        match self.at.checked_add(n).filter(|&e| e <= self.bytes.len()) {
            Some(end) => {
                self.at = end;
                Ok(())
            }
            None => Err(self.bad("cut short")),
        }
    }

    fn text_len(&mut self) -> Result<usize, LogError> {
        let mut len = 0usize;
        let mut shift = 0;
        loop {
            let [b] = self.take::<1>()?;
            if shift > 28 {
                return Err(self.bad("a text length is too long"));
            }
            len |= ((b & 0x7f) as usize) << shift;
            if b & 0x80 == 0 {
                return Ok(len);
            }
            shift += 7;
        }
    }

    fn text(&mut self) -> Result<&'a str, LogError> {
        let len = self.text_len()?;
        let end = self.at.checked_add(len).filter(|&e| e <= self.bytes.len());
        let Some(end) = end else {
            return Err(self.bad("a text runs past the end"));
        };
        let s = std::str::from_utf8(&self.bytes[self.at..end])
            .map_err(|_| self.bad("a text is not UTF-8"))?;
        self.at = end;
        Ok(s)
    }

    fn payment(&mut self) -> Result<Payment<'a>, LogError> {
        let timestamp = i64::from_le_bytes(self.take()?);
        let amount = f64::from_bits(u64::from_le_bytes(self.take()?));
        let currency = self.take::<3>()?;
        if !currency.iter().all(u8::is_ascii_uppercase) {
            return Err(self.bad("the currency is not three capital letters"));
        }
        let mut country = || -> Result<Country, LogError> {
            let c = self.take::<2>()?;
            if !c.iter().all(u8::is_ascii_uppercase) {
                return Err(self.bad("a country is not two capital letters"));
            }
            Ok(Country(c))
        };
        let sender_country = country()?;
        let receiver_country = country()?;
        let [channel] = self.take::<1>()?;
        let channel = match channel {
            0 => Some(Channel::Remittance),
            1 => Some(Channel::Wallet),
            2 => Some(Channel::Bank),
            3 => Some(Channel::Card),
            4 => Some(Channel::Crypto),
            5 => Some(Channel::Cash),
            6 => Some(Channel::Other),
            NO_CHANNEL => None,
            _ => return Err(self.bad("unknown channel")),
        };
        let [flags] = self.take::<1>()?;
        if flags & !(HAS_MCC | HAS_BIRTH_YEAR | HAS_SEX | HAS_PAYOUT) != 0 {
            return Err(self.bad("unknown flags"));
        }
        let mcc = if flags & HAS_MCC != 0 {
            Some(u16::from_le_bytes(self.take()?))
        } else {
            None
        };
        let sender_birth_year = if flags & HAS_BIRTH_YEAR != 0 {
            Some(u16::from_le_bytes(self.take()?))
        } else {
            None
        };
        let sender_sex = if flags & HAS_SEX != 0 {
            Some(match self.take::<1>()? {
                [1] => Sex::Male,
                [2] => Sex::Female,
                [3] => Sex::Other,
                _ => return Err(self.bad("unknown sex")),
            })
        } else {
            None
        };
        let payout_time = if flags & HAS_PAYOUT != 0 {
            Some(i64::from_le_bytes(self.take()?))
        } else {
            None
        };
        let txn_id = self.text()?;
        let sender_id = self.text()?;
        let sender_name = self.text()?;
        let receiver_id = self.text()?;
        let receiver_name = self.text()?;
        let message = self.text()?;
        let receiver_phone = self.text()?;
        Ok(Payment {
            txn_id,
            timestamp,
            amount,
            currency: Currency(currency),
            sender_id,
            sender_country,
            sender_name,
            receiver_id,
            receiver_country,
            receiver_name,
            channel,
            message,
            extra: Extra {
                mcc,
                receiver_phone,
                sender_birth_year,
                sender_sex,
                payout_time,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payment<'a>(txn_id: &'a str, message: &'a str) -> Payment<'a> {
        Payment {
            txn_id,
            timestamp: 1_767_571_200,
            amount: 45.1,
            currency: Currency::new(b"USD"),
            sender_id: "S-1",
            sender_country: Country::new(b"US"),
            sender_name: "Peña, José",
            receiver_id: "R-1",
            receiver_country: Country::new(b"PH"),
            receiver_name: "Maria Luz Cruz",
            channel: Some(Channel::Remittance),
            message,
            extra: Extra::default(),
        }
    }

    #[test]
    fn payments_read_back_byte_equal() {
        let long = "x".repeat(300);
        let mut full = payment("T2", &long);
        full.channel = None;
        full.amount = 0.1 + 0.2;
        full.extra = Extra {
            mcc: Some(5816),
            receiver_phone: "+63 917 000 0000",
            sender_birth_year: Some(1961),
            sender_sex: Some(Sex::Female),
            payout_time: Some(1_767_574_800),
        };
        let written = [payment("T1", ""), full, payment("T3", "load \u{1f}\n")];
        let mut w = ChunkWriter::new();
        for p in &written {
            w.push(p);
        }
        assert_eq!(w.len(), 3);
        let read = decode_chunk(7, w.bytes()).unwrap();
        assert_eq!(read, written);
        assert_eq!(read[1].amount.to_bits(), (0.1f64 + 0.2).to_bits());
        let mut again = ChunkWriter::new();
        for p in &read {
            again.push(p);
        }
        assert_eq!(again.bytes(), w.bytes());
        assert_eq!(chunk_len(7, w.bytes()), Ok(3));
    }

    #[test]
    fn damaged_chunks_are_named_never_a_panic() {
        let mut w = ChunkWriter::new();
        w.push(&payment("T1", "hi"));
        w.push(&payment("T2", "there"));
        let good = w.into_bytes();
        // Every truncation and every single-byte change reads or is named.
        for cut in 0..good.len() {
            let e = decode_chunk(3, &good[..cut]).unwrap_err();
            assert_eq!(e.seq, 3);
            assert!(
                e.to_string().starts_with("payment log chunk 3 is damaged"),
                "{e}"
            );
        }
        for i in 0..good.len() {
            for v in [0u8, 0x7f, 0x80, 0xff] {
                let mut bad = good.clone();
                bad[i] = v;
                let _ = decode_chunk(3, &bad);
            }
        }
        let mut extra = good.clone();
        extra.push(0);
        assert_eq!(
            decode_chunk(3, &extra).unwrap_err().reason,
            "bytes after the last payment"
        );
        let mut count = good.clone();
        count[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
        let e = decode_chunk(3, &count).unwrap_err();
        assert_eq!((e.payment, e.reason), (3, "cut short"));
        assert_eq!(
            decode_chunk(3, b"JSON{}{}").unwrap_err().reason,
            "not a payment log chunk (no SPL1 header)"
        );
    }

    /// Stepping over payments finds exactly what decoding and filtering
    /// finds, optional fields and long texts included, and a damaged chunk
    /// is an error, never a panic.
    #[test]
    fn finding_in_a_chunk_is_decoding_and_filtering() {
        let long = "y".repeat(200);
        let mut full = payment("T2", &long);
        full.extra = Extra {
            mcc: Some(5816),
            receiver_phone: "+63 917 000 0000",
            sender_birth_year: Some(1961),
            sender_sex: Some(Sex::Male),
            payout_time: Some(1_767_574_800),
        };
        let written = [
            payment("T1", "a"),
            full,
            payment("T3", ""),
            payment("T4", "b"),
        ];
        let mut w = ChunkWriter::new();
        for p in &written {
            w.push(p);
        }
        let bytes = w.into_bytes();
        for wanted in [
            &[][..],
            &["T2"],
            &["T1", "T4"],
            &["T1", "T2", "T3", "T4"],
            &["T9"],
        ] {
            let found = find_in_chunk(5, &bytes, |id| wanted.contains(&id)).unwrap();
            let expected: Vec<_> = written
                .iter()
                .filter(|p| wanted.contains(&p.txn_id))
                .cloned()
                .collect();
            assert_eq!(found, expected, "{wanted:?}");
        }
        for cut in 0..bytes.len() {
            assert!(find_in_chunk(5, &bytes[..cut], |_| false).is_err());
        }
        for i in 0..bytes.len() {
            for v in [0u8, 0x7f, 0x80, 0xff] {
                let mut bad = bytes.clone();
                bad[i] = v;
                let _ = find_in_chunk(5, &bad, |id| id == "T2");
            }
        }
    }
}
