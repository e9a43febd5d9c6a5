//! The snapshot's binary form: a small little-endian encoding of the state
//! structs, written by hand (no format library: the state is plain numbers,
//! short lists and strings). Versioned and tied to the configuration's
//! fingerprint; the reader checks every length against the bytes left and
//! every index against the tables, so that bad bytes give a
//! [`SnapshotError`], never a panic (property test
//! `a_mutated_snapshot_is_refused_or_restored_never_a_panic`).
//!
//! Layout: `SPURSNAP`, version (u32; 3, and 2 is read: a sender's state
//! without the square sum of its risk amounts, both sides' links without
//! their count of business payments), fingerprint, applied_until,
//! max_seen, payments, forgotten_before; senders (count, then each party's
//! details and state); receivers (the same); txn ids (count, then each id
//! and its payment's time). Name keys are not stored: they are read from the
//! names again on restore.

use std::collections::VecDeque;

use super::SnapshotError;
use crate::intern::PartyInfo;
use crate::model::{Country, Sex};
use crate::names::NameKey;
use crate::state::*;

pub(super) const MAGIC: &[u8; 8] = b"SPURSNAP";

/// Writes values little-endian, in the layout of snapshot version `.1`.
pub(super) struct Writer(pub Vec<u8>, pub u32);

impl Writer {
    pub fn u8(&mut self, x: u8) {
        self.0.push(x);
    }
    pub fn bool(&mut self, x: bool) {
        self.0.push(u8::from(x));
    }
    pub fn u16(&mut self, x: u16) {
        self.0.extend_from_slice(&x.to_le_bytes());
    }
    pub fn u32(&mut self, x: u32) {
        self.0.extend_from_slice(&x.to_le_bytes());
    }
    pub fn u64(&mut self, x: u64) {
        self.0.extend_from_slice(&x.to_le_bytes());
    }
    pub fn i64(&mut self, x: i64) {
        self.0.extend_from_slice(&x.to_le_bytes());
    }
    pub fn f32(&mut self, x: f32) {
        self.u32(x.to_bits());
    }
    pub fn f64(&mut self, x: f64) {
        self.u64(x.to_bits());
    }
    pub fn str(&mut self, s: &str) {
        self.u32(s.len() as u32);
        self.0.extend_from_slice(s.as_bytes());
    }
    pub fn opt_i64(&mut self, x: Option<i64>) {
        self.bool(x.is_some());
        self.i64(x.unwrap_or(0));
    }
    pub fn len(&mut self, n: usize) {
        self.u32(n as u32);
    }

    pub fn info(&mut self, p: &PartyInfo) {
        self.str(&p.id);
        self.str(&p.name);
        self.0.extend_from_slice(&p.country.0);
        self.i64(p.offset);
        self.bool(p.phone.is_some());
        self.u64(p.phone.unwrap_or(0));
        self.bool(p.birth_year.is_some());
        self.u16(p.birth_year.unwrap_or(0));
        self.u8(match p.sex {
            None => 0,
            Some(Sex::Male) => 1,
            Some(Sex::Female) => 2,
            Some(Sex::Other) => 3,
        });
    }

    fn cadence(&mut self, c: &Cadence) {
        self.u32(c.n);
        self.i64(c.last_ts);
        self.f32(c.first_usd);
        self.f32(c.min_usd);
        self.f32(c.max_usd);
        self.bool(c.same_amount);
        self.i64(c.gap_min);
        self.i64(c.gap_max);
        self.f32(c.gap_days);
        self.f32(c.gap_days_sq);
    }

    fn evidence(&mut self, e: &VecDeque<u32>) {
        self.len(e.len());
        e.iter().for_each(|&t| self.u32(t));
    }

    pub fn sender(&mut self, s: &SenderState) {
        for x in [s.payments, s.to_high_risk, s.risk] {
            self.u32(x);
        }
        self.f64(s.risk_usd);
        self.0.extend_from_slice(&s.risk_country.0);
        for x in [s.family, s.filipino_words, s.purchases] {
            self.u32(x);
        }
        self.f64(s.unrelated_first_usd);
        self.f64(s.unrelated_max_usd);
        self.u32(s.large);
        self.u32(s.romance_words);
        self.len(s.window.len());
        s.window.iter().for_each(|&t| self.i64(t));
        for x in [s.max_7d, s.max_30d, s.max_90d] {
            self.u32(x);
        }
        self.opt_i64(s.first_risk);
        self.u32(s.first_30d);
        self.f64(s.first_amounts.0);
        self.u32(s.first_amounts.1);
        if self.1 >= 3 {
            self.f64(s.risk_usd_sq);
        }
        s.last_amounts.iter().for_each(|&x| self.f32(x));
        for x in [s.night, s.cover, s.handles, s.round, s.split] {
            self.u32(x);
        }
        self.len(s.links.len());
        for l in &s.links {
            self.u32(l.receiver);
            self.bool(l.related);
            self.u8(l.channels);
            if self.1 >= 3 {
                self.u16(l.business);
            }
            self.cadence(&l.risk);
        }
        self.u32(s.links_overflow);
        self.evidence(&s.evidence);
        self.i64(s.first_seen);
        self.i64(s.last_seen);
    }

    pub fn receiver(&mut self, v: &ReceiverState) {
        self.u32(v.payments);
        self.f64(v.usd);
        self.u32(v.band);
        self.f64(v.band_usd);
        for x in [v.fanin, v.evening, v.max_30d, v.payouts, v.fast_payouts] {
            self.u32(x);
        }
        self.len(v.delays_min.len());
        v.delays_min.iter().for_each(|&d| self.u32(d));
        self.len(v.links.len());
        for l in &v.links {
            self.u32(l.sender);
            self.bool(l.related);
            self.bool(l.purchase);
            if self.1 >= 3 {
                self.u16(l.business);
            }
            self.cadence(&l.fanin);
        }
        self.u32(v.links_overflow);
        self.evidence(&v.evidence);
        self.i64(v.first_seen);
        self.i64(v.last_seen);
    }
}

/// Reads what `Writer` wrote; every read checks the bytes left.
pub(super) struct Reader<'a> {
    b: &'a [u8],
    /// The snapshot's version: what a sender's state holds (3 added
    /// `risk_usd_sq` and each link's `business`).
    pub version: u32,
}

fn bad(what: &'static str) -> SnapshotError {
    SnapshotError::Corrupt(what)
}

impl<'a> Reader<'a> {
    pub fn new(b: &'a [u8]) -> Reader<'a> {
        Reader {
            b,
            version: super::SNAPSHOT_VERSION,
        }
    }
    pub fn done(&self) -> bool {
        self.b.is_empty()
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8], SnapshotError> {
        if n > self.b.len() {
            return Err(bad("cut short"));
        }
        let (head, rest) = self.b.split_at(n);
        self.b = rest;
        Ok(head)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], SnapshotError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }
    pub fn u8(&mut self) -> Result<u8, SnapshotError> {
        Ok(self.take(1)?[0])
    }
    pub fn bool(&mut self) -> Result<bool, SnapshotError> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(bad("a flag is neither 0 nor 1")),
        }
    }
    pub fn u16(&mut self) -> Result<u16, SnapshotError> {
        Ok(u16::from_le_bytes(self.array()?))
    }
    pub fn u32(&mut self) -> Result<u32, SnapshotError> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    pub fn u64(&mut self) -> Result<u64, SnapshotError> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    pub fn i64(&mut self) -> Result<i64, SnapshotError> {
        Ok(i64::from_le_bytes(self.array()?))
    }
    /// A finite `f32`, as every state holds (amounts are bounded at the intake).
    fn f32(&mut self) -> Result<f32, SnapshotError> {
        let x = f32::from_bits(self.u32()?);
        x.is_finite()
            .then_some(x)
            .ok_or(bad("a number is not finite"))
    }
    fn f64(&mut self) -> Result<f64, SnapshotError> {
        let x = f64::from_bits(self.u64()?);
        x.is_finite()
            .then_some(x)
            .ok_or(bad("a number is not finite"))
    }
    /// A list length, at most `max` and at most what `each`-byte items the
    /// bytes left can hold: no allocation larger than the input.
    pub fn len(&mut self, max: usize, each: usize) -> Result<usize, SnapshotError> {
        let n = self.u32()? as usize;
        if n > max || n.saturating_mul(each) > self.b.len() {
            return Err(bad("a list is longer than its bound or the bytes"));
        }
        Ok(n)
    }
    pub fn str(&mut self) -> Result<&'a str, SnapshotError> {
        let n = self.len(usize::MAX, 1)?;
        std::str::from_utf8(self.take(n)?).map_err(|_| bad("a text is not UTF-8"))
    }
    pub fn opt_i64(&mut self) -> Result<Option<i64>, SnapshotError> {
        let some = self.bool()?;
        let x = self.i64()?;
        Ok(some.then_some(x))
    }
    fn country(&mut self) -> Result<Country, SnapshotError> {
        let c: [u8; 2] = self.array()?;
        Country::parse(&c).ok_or(bad("a country code"))
    }

    pub fn info(&mut self) -> Result<PartyInfo, SnapshotError> {
        let id = self.str()?.into();
        let name: Box<str> = self.str()?.into();
        let country = self.country()?;
        let offset = self.i64()?;
        let phone = (self.bool()?, self.u64()?);
        let birth_year = (self.bool()?, self.u16()?);
        let sex = match self.u8()? {
            0 => None,
            1 => Some(Sex::Male),
            2 => Some(Sex::Female),
            3 => Some(Sex::Other),
            _ => return Err(bad("a sex code")),
        };
        Ok(PartyInfo {
            id,
            keyed: name.is_empty(),
            name,
            key: NameKey::default(),
            country,
            offset,
            phone: phone.0.then_some(phone.1),
            birth_year: birth_year.0.then_some(birth_year.1),
            sex,
        })
    }

    fn cadence(&mut self) -> Result<Cadence, SnapshotError> {
        Ok(Cadence {
            n: self.u32()?,
            last_ts: self.i64()?,
            first_usd: self.f32()?,
            min_usd: self.f32()?,
            max_usd: self.f32()?,
            same_amount: self.bool()?,
            gap_min: self.i64()?,
            gap_max: self.i64()?,
            gap_days: self.f32()?,
            gap_days_sq: self.f32()?,
        })
    }

    /// Evidence txn indices, each below `txns`.
    fn evidence(&mut self, max: usize, txns: u32) -> Result<VecDeque<u32>, SnapshotError> {
        let n = self.len(max, 4)?;
        let mut e = VecDeque::with_capacity(n);
        for _ in 0..n {
            let t = self.u32()?;
            if t >= txns {
                return Err(bad("an evidence payment is not among the txn ids"));
            }
            e.push_back(t);
        }
        Ok(e)
    }

    /// A sender's state; `receivers` and `txns` bound its indices.
    pub fn sender(
        &mut self,
        receivers: u32,
        txns: u32,
        max_ev: usize,
    ) -> Result<SenderState, SnapshotError> {
        let mut s = SenderState {
            payments: self.u32()?,
            to_high_risk: self.u32()?,
            risk: self.u32()?,
            risk_usd: self.f64()?,
            risk_country: Country(self.array()?),
            family: self.u32()?,
            filipino_words: self.u32()?,
            purchases: self.u32()?,
            unrelated_first_usd: self.f64()?,
            unrelated_max_usd: self.f64()?,
            large: self.u32()?,
            romance_words: self.u32()?,
            ..SenderState::default()
        };
        let n = self.len(MAX_WINDOW, 8)?;
        for _ in 0..n {
            s.window.push_back(self.i64()?);
        }
        s.max_7d = self.u32()?;
        s.max_30d = self.u32()?;
        s.max_90d = self.u32()?;
        s.first_risk = self.opt_i64()?;
        s.first_30d = self.u32()?;
        s.first_amounts = (self.f64()?, self.u32()?);
        s.risk_usd_sq = if self.version >= 3 {
            self.f64()?
        } else {
            crate::state::unknown_square_sum()
        };
        for k in 0..5 {
            s.last_amounts[k] = self.f32()?;
        }
        s.night = self.u32()?;
        s.cover = self.u32()?;
        s.handles = self.u32()?;
        s.round = self.u32()?;
        s.split = self.u32()?;
        let n = self.len(MAX_SENDER_LINKS, 40)?;
        s.links.reserve_exact(n);
        for _ in 0..n {
            let receiver = self.u32()?;
            if receiver >= receivers {
                return Err(bad("a link to no receiver"));
            }
            s.links.push(SenderLink {
                receiver,
                related: self.bool()?,
                channels: self.u8()?,
                business: if self.version >= 3 { self.u16()? } else { 0 },
                risk: self.cadence()?,
            });
        }
        s.links_overflow = self.u32()?;
        s.evidence = self.evidence(max_ev, txns)?;
        s.first_seen = self.i64()?;
        s.last_seen = self.i64()?;
        Ok(s)
    }

    /// A receiver's state; `senders` and `txns` bound its indices.
    pub fn receiver(
        &mut self,
        senders: u32,
        txns: u32,
        max_ev: usize,
    ) -> Result<ReceiverState, SnapshotError> {
        let mut v = ReceiverState {
            payments: self.u32()?,
            usd: self.f64()?,
            band: self.u32()?,
            band_usd: self.f64()?,
            fanin: self.u32()?,
            evening: self.u32()?,
            max_30d: self.u32()?,
            payouts: self.u32()?,
            fast_payouts: self.u32()?,
            ..ReceiverState::default()
        };
        let n = self.len(MAX_DELAYS, 4)?;
        for _ in 0..n {
            v.delays_min.push(self.u32()?);
        }
        let n = self.len(MAX_RECEIVER_LINKS, 40)?;
        v.links.reserve_exact(n);
        for _ in 0..n {
            let sender = self.u32()?;
            if sender >= senders {
                return Err(bad("a link to no sender"));
            }
            v.links.push(ReceiverLink {
                sender,
                related: self.bool()?,
                purchase: self.bool()?,
                business: if self.version >= 3 { self.u16()? } else { 0 },
                fanin: self.cadence()?,
            });
        }
        v.links_overflow = self.u32()?;
        v.evidence = self.evidence(max_ev, txns)?;
        v.first_seen = self.i64()?;
        v.last_seen = self.i64()?;
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Engine, EngineConfig};
    use super::MAGIC;
    use crate::model::{Channel, Country, Currency, Extra, Payment, DAY, HOUR};

    /// Snapshots of version 2 (before `risk_usd_sq`) are still read:
    /// their senders' square sums are unknown, and scoring then takes the
    /// last five amounts' spread for that of all; versions spur never wrote
    /// are refused.
    #[test]
    fn a_version_2_snapshot_restores_with_unknown_square_sums() {
        // Every party with a score listed: the scores are compared.
        let cfg = EngineConfig {
            alert_threshold: 0.01,
            ..EngineConfig::default()
        };
        let mut e = Engine::new(cfg.clone()).expect("configuration");
        let ids: Vec<String> = (0..14).map(|i| format!("t{i}")).collect();
        for (i, id) in ids.iter().enumerate() {
            let p = Payment {
                txn_id: id,
                timestamp: 1_700_000_000 + i as i64 * (DAY + 5 * HOUR),
                amount: 30.0 + 7.0 * (i % 4) as f64 + 4.0 * i as f64,
                currency: Currency::new(b"USD"),
                sender_id: "s1",
                sender_country: Country::new(b"US"),
                sender_name: "Sam Sender",
                receiver_id: if i % 2 == 0 { "r1" } else { "r2" },
                receiver_country: Country::new(b"PH"),
                receiver_name: if i % 2 == 0 {
                    "Rita Receiver"
                } else {
                    "Ana Other"
                },
                channel: Some(Channel::parse(b"remittance")),
                message: "",
                extra: Extra::default(),
            };
            e.push(&p).expect("accepted");
        }
        e.prepare_snapshot();
        let (v2, v3) = (e.encode_snapshot_as(2), e.encode_snapshot_as(3));
        assert!(v2.len() < v3.len(), "version 2 lacks a field per sender");
        let mut old = Engine::restore(cfg.clone(), &v2).expect("version 2 restores");
        let mut new = Engine::restore(cfg.clone(), &v3).expect("version 3 restores");
        assert!(old.senders.state.iter().all(|s| s.risk_usd_sq < 0.0));
        assert!(new.senders.state.iter().all(|s| s.risk_usd_sq > 0.0));
        let alerts = |e: &mut Engine| -> Vec<(String, u64)> {
            e.finish()
                .alerts
                .into_iter()
                .map(|a| (a.subject, (a.score * 1000.0) as u64))
                .collect()
        };
        let scored = alerts(&mut new);
        assert!(scored.iter().any(|(s, _)| s == "s1"), "{scored:?}");
        assert_eq!(alerts(&mut old), scored);
        let mut v4 = v3.clone();
        v4[MAGIC.len()..MAGIC.len() + 4].copy_from_slice(&4u32.to_le_bytes());
        assert!(matches!(
            Engine::restore(EngineConfig::default(), &v4),
            Err(crate::engine::SnapshotError::Version(4))
        ));
    }

    /// A snapshot's counts are input: at their largest, scoring must still
    /// not overflow (a mutated snapshot once panicked in `2 * night`).
    #[test]
    fn saturated_counts_score_without_overflow() {
        let mut e = Engine::new(EngineConfig::default()).expect("default configuration");
        let ids: Vec<String> = (0..12).map(|i| format!("t{i}")).collect();
        for (i, id) in ids.iter().enumerate() {
            let p = Payment {
                txn_id: id,
                timestamp: 1_700_000_000 + i as i64 * (DAY + 3 * HOUR),
                amount: 40.0,
                currency: Currency::new(b"USD"),
                sender_id: if i % 2 == 0 { "s1" } else { "s2" },
                sender_country: Country::new(b"US"),
                sender_name: "Sam Sender",
                receiver_id: if i % 3 == 0 { "r1" } else { "r2" },
                receiver_country: Country::new(b"PH"),
                receiver_name: "Rita Receiver",
                channel: Some(Channel::parse(b"remittance")),
                message: "",
                extra: Extra::default(),
            };
            e.push(&p).expect("accepted");
        }
        let mut e = Engine::restore(EngineConfig::default(), &e.snapshot()).expect("restores");
        for s in &mut e.senders.state {
            for n in [
                &mut s.payments,
                &mut s.to_high_risk,
                &mut s.risk,
                &mut s.family,
                &mut s.filipino_words,
                &mut s.purchases,
                &mut s.large,
                &mut s.romance_words,
                &mut s.max_7d,
                &mut s.max_30d,
                &mut s.max_90d,
                &mut s.first_30d,
                &mut s.night,
                &mut s.cover,
                &mut s.handles,
                &mut s.round,
                &mut s.split,
                &mut s.links_overflow,
            ] {
                *n = u32::MAX;
            }
            for l in &mut s.links {
                l.risk.n = u32::MAX;
            }
        }
        for v in &mut e.receivers.state {
            for n in [
                &mut v.payments,
                &mut v.band,
                &mut v.fanin,
                &mut v.evening,
                &mut v.max_30d,
                &mut v.payouts,
                &mut v.fast_payouts,
                &mut v.links_overflow,
            ] {
                *n = u32::MAX;
            }
            for l in &mut v.links {
                l.fanin.n = u32::MAX;
            }
        }
        let out = e.finish();
        assert_eq!(out.stats.senders, 2);
    }
}
