//! The engine: interns parties, keeps windowed state per party, and at the end
//! of a batch (or whenever asked) runs the network stage and scores everyone.

use std::collections::VecDeque;

use serde::Serialize;

use crate::alert::{Alert, Finding};
use crate::config::{ConductConfig, EngineConfig};
use crate::facts::{Conduct, Diaspora, ReceiverFacts, SenderFacts};
use crate::geo::{hour_in, local_hour};
use crate::indicators::{Indicator, Role, Stage, Subject};
pub(crate) use crate::intern::PartyInfo;
use crate::intern::{Admitted, Index, Intake, Parties};
use crate::model::{Country, Payment, Timestamp, DAY, MINUTE};
use crate::money::Rates;
use crate::names::{NameKey, Names, Ties};
use crate::prefetch::prefetch;
use crate::remark::{Remark, RemarkReader};
use crate::state::*;

/// Why one record was not taken. The caller adds file and line.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RecordError {
    #[error("currency {0} is not in the rate table")]
    UnknownCurrency(String),
    #[error("txn_id already seen")]
    DuplicateTxn,
    #[error("arrived {0} s after later payments were scored (reorder tolerance exceeded)")]
    Late(i64),
    /// Older than what a snapshot (or `finish`) settled: the windows only go forward.
    #[error(
        "is {0} s older than the newest payment already scored ({1}); payments are scored in \
         time order: load an older period into a new database, or ingest in time order"
    )]
    BehindState(i64, DisplayTime),
    #[error("amount must be a positive number")]
    BadAmount,
    #[error("amount {0:e} is above the maximum of {max:e} in any currency", max = MAX_AMOUNT)]
    AmountTooLarge(f64),
    #[error("amount is {0:e} USD, above the maximum of {max:e} USD", max = MAX_USD)]
    UsdTooLarge(f64),
    #[error("timestamp {0} is outside the years 1753-9999 that goAML accepts")]
    TimeOutOfRange(DisplayTime),
    #[error(
        "timestamp {0} is {1} s after the clock at ingestion ({2}); more than future_margin_seconds \
         allows: a wrong year, or a time zone?"
    )]
    InFuture(DisplayTime, i64, DisplayTime),
}

impl RecordError {
    /// The field the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            RecordError::UnknownCurrency(_) => "currency",
            RecordError::DuplicateTxn => "txn_id",
            RecordError::Late(_)
            | RecordError::BehindState(..)
            | RecordError::TimeOutOfRange(_)
            | RecordError::InFuture(..) => "timestamp",
            RecordError::BadAmount
            | RecordError::AmountTooLarge(_)
            | RecordError::UsdTooLarge(_) => "amount",
        }
    }
}

/// A timestamp in an error message, shown as RFC 3339 (formatted only when
/// the message is, so a reject costs no allocation until it is written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DisplayTime(pub Timestamp);

impl std::fmt::Display for DisplayTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if (-62_135_596_800..=253_402_300_799).contains(&self.0) {
            crate::time::write_rfc3339(f, self.0)
        } else {
            // Outside years 1-9999 RFC 3339 has no form; seconds say it.
            write!(f, "{} s from 1970", self.0)
        }
    }
}

/// The largest amount taken, in the payment's own currency: past 2^53 / 10
/// an `f64` no longer holds cents exactly, and no payment is that large.
pub const MAX_AMOUNT: f64 = 1e15;

/// The largest amount taken once converted to USD, a trillion: beyond any
/// real payment, and far enough below `f32::MAX` (about 3.4e38, the windows'
/// type) that no state and no snapshot ever holds an infinity.
pub const MAX_USD: f64 = 1e12;

/// The earliest time taken: 1753-01-01T00:00:00Z, goAML's first year.
pub const MIN_TIMESTAMP: Timestamp = -6_847_804_800;

/// The latest time taken: 9999-12-31T23:59:59Z, goAML's last second.
pub const MAX_TIMESTAMP: Timestamp = 253_402_300_799;

/// Bad configuration.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct ConfigError(pub String);

/// Counts for the summary.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Stats {
    pub payments: u64,
    pub senders: u64,
    pub receivers: u64,
    pub alerts_senders: u64,
    pub alerts_receivers: u64,
    /// Cross-border senders that look like romance-scam victims (large,
    /// escalating payments with emergency or travel stories): another crime,
    /// counted here for routing, not alerted as OSEC.
    pub possible_romance_victims: u64,
}

const SNAPSHOT_VERSION: u32 = 1;

/// How far ahead of the record being applied its successor's state is
/// fetched into the cache.
const APPLY_AHEAD: usize = 8;

/// Payments a batch buffers before applying them early, when in time order.
const EARLY_APPLY: usize = 1 << 16;

/// The configuration that shapes the windowed state: a snapshot only goes on
/// under the same.
fn fingerprint(cfg: &EngineConfig) -> String {
    let i = &cfg.indicators;
    serde_json::json!({
        "risk": cfg.risk,
        "rates": cfg.rates,
        "max_evidence": cfg.max_evidence,
        "split_minutes": i.p_shape.split_minutes,
        "band_usd": i.r_band.band_usd,
        "fast_minutes": i.r_cashout.fast_minutes,
    })
    .to_string()
}

#[derive(serde::Serialize)]
struct SnapshotRef<'a> {
    version: u32,
    fingerprint: String,
    senders: (&'a [PartyInfo], &'a [SenderState]),
    receivers: (&'a [PartyInfo], &'a [ReceiverState]),
    txn_text: &'a str,
    txn_ends: &'a [u32],
    applied_until: Option<Timestamp>,
    max_seen: Timestamp,
    payments: u64,
}

#[derive(serde::Deserialize)]
struct Snapshot {
    version: u32,
    fingerprint: String,
    senders: (Vec<PartyInfo>, Vec<SenderState>),
    receivers: (Vec<PartyInfo>, Vec<ReceiverState>),
    txn_text: String,
    txn_ends: Vec<u32>,
    applied_until: Option<Timestamp>,
    max_seen: Timestamp,
    payments: u64,
}

/// Why a snapshot cannot be restored.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SnapshotError {
    #[error("engine state is unreadable: {0}")]
    Unreadable(String),
    #[error("engine state has version {0}; this spur reads version 1: rescan from the start")]
    Version(u32),
    #[error("engine state was built with other risk parameters; rescan from the start with the new configuration")]
    Config,
    #[error("engine state is inconsistent ({0})")]
    Corrupt(&'static str),
}

/// Everything `finish` produces.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Highest score first.
    pub alerts: Vec<Alert>,
    pub stats: Stats,
}

pub struct Engine {
    cfg: EngineConfig,
    /// The checks that need only the ids seen so far, and party indices.
    intake: Intake,
    names: Names,
    remarks: RemarkReader,
    indicators: Vec<Box<dyn Indicator>>,
    high_risk: Vec<bool>,
    purchase_mcc: Vec<u16>,
    purchase_mcc_dest: Vec<u16>,
    /// Bit set of purchase channels.
    purchase_channels: u8,
    senders: Parties<SenderState>,
    receivers: Parties<ReceiverState>,
    pending: Vec<Record>,
    /// Payments up to this time have been applied to the state.
    applied_until: Option<Timestamp>,
    /// Batch mode: payments applied early because they came in time order,
    /// kept so that a latecomer can still be put in its place (`replay`).
    applied_log: Vec<Record>,
    replay: bool,
    max_seen: Timestamp,
    payments: u64,
}

fn country_slot(c: Country) -> usize {
    let a = c.0[0].wrapping_sub(b'A') as usize;
    let b = c.0[1].wrapping_sub(b'A') as usize;
    (a.min(25)) * 26 + b.min(25)
}

impl Engine {
    pub fn new(cfg: EngineConfig) -> Result<Engine, ConfigError> {
        cfg.validate().map_err(ConfigError)?;
        let rates =
            Rates::new(cfg.rates.iter().map(|(k, v)| (k.as_str(), *v))).map_err(ConfigError)?;
        let mut high_risk = vec![false; 26 * 26];
        for c in &cfg.risk.destinations {
            if let Some(c) = Country::parse(c.as_bytes()) {
                high_risk[country_slot(c)] = true;
            }
        }
        let mut intake = Intake::new(rates);
        intake.future_margin = cfg.future_margin_seconds;
        Ok(Engine {
            intake,
            names: Names::new(),
            remarks: RemarkReader::new(&cfg.risk.cover_words),
            indicators: cfg.indicators.build(),
            high_risk,
            purchase_mcc: cfg.risk.purchase_mcc.clone(),
            purchase_channels: cfg.risk.purchase_channels.iter().fold(0, |bits, c| {
                bits | crate::model::Channel::parse(c.as_bytes()).bit()
            }),
            purchase_mcc_dest: cfg.risk.purchase_mcc_in_destination.clone(),
            senders: Parties::new(),
            receivers: Parties::new(),
            pending: Vec::new(),
            applied_until: None,
            applied_log: Vec::new(),
            replay: false,
            max_seen: i64::MIN,
            payments: 0,
            cfg,
        })
    }

    /// The wall clock at ingestion, read by the caller (the engine has no
    /// clock): payments dated more than `future_margin_seconds` after it are
    /// refused ([`RecordError::InFuture`]). One such payment would otherwise
    /// settle the windows past every real payment, and every later scan
    /// would refuse all of its payments as late. Without it only the years
    /// (1753-9999) are checked: a caller that takes payments from outside
    /// sets it.
    pub fn set_now(&mut self, now: Timestamp) {
        self.intake.now = Some(now);
    }

    pub fn config(&self) -> &EngineConfig {
        &self.cfg
    }

    /// The enabled indicators, in evaluation order.
    pub fn indicators(&self) -> &[Box<dyn Indicator>] {
        &self.indicators
    }

    /// Makes room for about `payments` more payments (and their parties) at
    /// once, instead of growing the tables step by step while they come. A
    /// hint only: a wrong guess costs time or memory, never a result.
    pub fn reserve(&mut self, payments: usize) {
        self.intake.txns.reserve(payments, 12);
        if self.cfg.reorder_tolerance_seconds.is_none() && self.intake.settled_until.is_none() {
            self.applied_log.reserve(payments);
        }
        // A hash table's room is written when it is made, so it is sized
        // close to the guess; a list's room costs nothing until it is used,
        // so it is sized past it: growing a full list of large rows copies
        // them all into a table twice their size.
        self.intake.senders.reserve(payments / 8);
        self.intake.receivers.reserve(payments / 8);
        self.senders.reserve(payments / 4);
        self.receivers.reserve(payments / 4);
    }

    /// Starts loading what taking a payment with these ids will look up
    /// (the table slots of its txn id and its parties), so that the wait for
    /// memory overlaps with the payments taken before it. A hint only: call
    /// it for the payment some 8 to 16 ahead of the one being pushed.
    #[inline]
    pub fn prefetch(&self, txn_id: &str, sender_id: &str, receiver_id: &str) {
        self.intake.prefetch(txn_id, sender_id, receiver_id);
    }

    /// Takes one payment. Payments may come in any order within the reorder
    /// tolerance (all of them, in a batch with no tolerance set).
    pub fn push(&mut self, p: &Payment<'_>) -> Result<(), RecordError> {
        let admitted = self.intake.admit(p)?;
        self.take(p, &admitted);
        Ok(())
    }

    /// Takes a payment through the intake.
    fn take(&mut self, p: &Payment<'_>, a: &Admitted) {
        let (usd, txn) = (a.usd, a.txn);
        let (sender, receiver) = (a.sender.index, a.receiver.index);
        self.senders
            .update(&a.sender, p.sender_id, p.sender_name, p.sender_country);
        self.receivers.update(
            &a.receiver,
            p.receiver_id,
            p.receiver_name,
            p.receiver_country,
        );
        let e = &p.extra;
        if a.sender.fill != 0 {
            self.senders
                .fill(sender, e.sender_birth_year, e.sender_sex, None);
        }
        if a.receiver.fill != 0 {
            self.receivers.fill(receiver, None, None, a.receiver_phone);
        }
        let s_off = i64::from(a.sender.hot.offset);
        let r_off = i64::from(a.receiver.hot.offset);
        let mut flags = 0;
        if p.sender_country != p.receiver_country {
            flags |= Record::CROSS_BORDER;
        }
        if self.high_risk[country_slot(p.receiver_country)] {
            flags |= Record::HIGH_RISK_DEST;
        }
        // A whole multiple of 10 (the cast saturates: huge amounts fail the
        // comparison).
        let whole = p.amount as u64;
        if whole >= 10 && whole as f64 == p.amount && whole.is_multiple_of(10) {
            flags |= Record::ROUND;
        }
        if p.extra.mcc.is_some() {
            flags |= Record::HAS_MCC;
        }
        if p.channel
            .is_some_and(|c| c.bit() & self.purchase_channels != 0)
        {
            flags |= Record::PURCHASE;
        }
        if p.channel.is_some() {
            flags |= Record::HAS_CHANNEL;
        }
        let rec = Record {
            ts: p.timestamp,
            payout_delay: p
                .extra
                .payout_time
                .map_or(-1, |t| t.saturating_sub(p.timestamp).max(0)),
            usd: usd as f32,
            txn,
            sender,
            receiver,
            mcc: p.extra.mcc.unwrap_or(0),
            remark: if p.message.is_empty() {
                0
            } else {
                self.remarks.read(p.message).0
            },
            channel: p.channel.map_or(0, |c| c as u8),
            sender_hour: local_hour(p.timestamp, s_off),
            receiver_hour: local_hour(p.timestamp, r_off),
            flags,
        };
        self.payments += 1;
        self.max_seen = self.max_seen.max(p.timestamp);
        if self.applied_until.is_some_and(|u| p.timestamp < u) {
            // Older than what a batch applied early: put back in order at the end.
            self.replay = true;
        }
        self.pending.push(rec);
        match self.cfg.reorder_tolerance_seconds {
            Some(tol) if self.pending.len() >= 4096 => {
                self.apply_until(self.max_seen.saturating_sub(tol));
                self.intake.refuse_before = self.applied_until;
            }
            // A batch in time order so far: apply as it comes, which spreads
            // the work over the reading instead of leaving it all to the end.
            None if !self.replay && self.pending.len() >= EARLY_APPLY => self.apply_early(),
            _ => {}
        }
    }

    /// Batch mode: applies what is buffered now, keeping it for a replay.
    fn apply_early(&mut self) {
        if !self.pending.is_sorted_by_key(|r| r.ts) {
            self.pending.sort_by_key(|r| r.ts);
        }
        let ready = std::mem::take(&mut self.pending);
        let keep = self.intake.settled_until.is_none();
        self.apply_all(&ready, keep);
        if let Some(last) = ready.last() {
            self.applied_until = Some(last.ts);
        }
        self.pending = ready;
        self.pending.clear();
    }

    /// Applies everything buffered. After a latecomer in a batch, the state
    /// of this run is rebuilt from its payments in time order.
    fn apply_everything(&mut self) {
        if self.replay {
            self.replay = false;
            self.senders
                .state
                .iter_mut()
                .for_each(|s| *s = SenderState::default());
            self.receivers
                .state
                .iter_mut()
                .for_each(|s| *s = ReceiverState::default());
            let mut all = std::mem::take(&mut self.applied_log);
            all.append(&mut self.pending);
            self.pending = all;
            self.applied_until = None;
        }
        if self.cfg.reorder_tolerance_seconds.is_none() {
            self.apply_early();
        } else {
            self.apply_until(Timestamp::MAX);
        }
    }

    /// Applies the buffered payments up to `watermark`, in time order.
    fn apply_until(&mut self, watermark: Timestamp) {
        // Stable: payments with equal times keep their input order. Most
        // files come in time order already.
        if !self.pending.is_sorted_by_key(|r| r.ts) {
            self.pending.sort_by_key(|r| r.ts);
        }
        let cut = self.pending.partition_point(|r| r.ts <= watermark);
        let ready = std::mem::take(&mut self.pending);
        self.apply_all(&ready[..cut], false);
        if cut > 0 {
            self.applied_until = Some(ready[cut - 1].ts);
        }
        self.pending = ready;
        self.pending.drain(..cut);
    }

    /// Applies records in time order: the paying side on one thread, the
    /// receiving side on another; each side owns its state. New parties get
    /// their state rows here, and with `keep` the records are added to the
    /// log for a replay, both on the paying side's thread, which has less to
    /// do than the one that also reads payments in (writing fresh memory
    /// costs the thread that first touches it).
    fn apply_all(&mut self, records: &[Record], keep: bool) {
        self.senders.read_names(&self.names);
        self.receivers.read_names(&self.names);
        let c = ApplyCtx {
            cfg: &self.cfg,
            purchase_mcc: &self.purchase_mcc,
            purchase_mcc_dest: &self.purchase_mcc_dest,
            senders: &self.senders.info,
            receivers: &self.receivers.info,
        };
        let (senders, receivers) = (&mut self.senders.state, &mut self.receivers.state);
        let (new_senders, new_receivers) = (c.senders.len(), c.receivers.len());
        let log = &mut self.applied_log;
        // The two sides are independent: each reads the records in order
        // and writes only its own state.
        let mut paying = || {
            senders.resize_with(new_senders, SenderState::default);
            if keep {
                log.extend_from_slice(records);
            }
            for (k, r) in records.iter().enumerate() {
                if let Some(next) = records.get(k + APPLY_AHEAD) {
                    c.prefetch(next, &senders[next.sender as usize], |s| {
                        (&s.payments, &s.links, &s.window)
                    });
                }
                apply_sender(&c, senders, r);
            }
        };
        let mut receiving = || {
            receivers.resize_with(new_receivers, ReceiverState::default);
            for (k, r) in records.iter().enumerate() {
                if let Some(next) = records.get(k + APPLY_AHEAD) {
                    c.prefetch(next, &receivers[next.receiver as usize], |v| {
                        (&v.payments, &v.links, &v.evidence)
                    });
                }
                apply_receiver(&c, receivers, r);
            }
        };
        if records.len() < 1024 {
            paying();
            receiving();
        } else {
            std::thread::scope(|scope| {
                scope.spawn(paying);
                receiving();
            });
        }
    }

    /// Applies everything buffered, runs the network stage and scores every
    /// party. What it applied is settled, as after a [`snapshot`]: payments
    /// pushed later must not be older than the newest one seen (they would
    /// be refused as late), so the records kept for a replay are let go
    /// before the network stage needs the memory.
    ///
    /// [`snapshot`]: Engine::snapshot
    pub fn finish(&mut self) -> Outcome {
        self.apply_everything();
        self.settle();
        crate::network::score(self)
    }

    /// No replay reaches behind what was applied.
    fn settle(&mut self) {
        self.intake.settled_until = self.applied_until;
        self.applied_log = Vec::new();
    }

    /// The engine's state, to continue its windows in a later run: every
    /// buffered payment is applied first, so later payments must not be
    /// older than the newest one seen (they would be refused as late).
    pub fn snapshot(&mut self) -> Vec<u8> {
        self.apply_everything();
        // What is saved is settled: no replay reaches behind it.
        self.settle();
        let snap = SnapshotRef {
            version: SNAPSHOT_VERSION,
            fingerprint: fingerprint(&self.cfg),
            senders: (&self.senders.info, &self.senders.state),
            receivers: (&self.receivers.info, &self.receivers.state),
            txn_text: &self.intake.txns.text,
            txn_ends: &self.intake.txns.ends,
            applied_until: self.applied_until,
            max_seen: self.max_seen,
            payments: self.payments,
        };
        // Serialising plain data to a Vec cannot fail.
        serde_json::to_vec(&snap).unwrap_or_default()
    }

    /// An engine that goes on from a [`snapshot`](Engine::snapshot). The
    /// configuration may differ only in what does not shape the state (the
    /// alert threshold, indicator weights).
    pub fn restore(cfg: EngineConfig, bytes: &[u8]) -> Result<Engine, SnapshotError> {
        let snap: Snapshot =
            serde_json::from_slice(bytes).map_err(|e| SnapshotError::Unreadable(e.to_string()))?;
        if snap.version != SNAPSHOT_VERSION {
            return Err(SnapshotError::Version(snap.version));
        }
        if snap.fingerprint != fingerprint(&cfg) {
            return Err(SnapshotError::Config);
        }
        let mut e = Engine::new(cfg).map_err(|e| SnapshotError::Unreadable(e.to_string()))?;
        let corrupt = |e: crate::intern::Inconsistent| SnapshotError::Corrupt(e.0);
        e.senders = Parties::from_parts(snap.senders.0, snap.senders.1).map_err(corrupt)?;
        e.receivers = Parties::from_parts(snap.receivers.0, snap.receivers.1).map_err(corrupt)?;
        e.intake.senders = Index::from_info(&e.senders.info).map_err(corrupt)?;
        e.intake.receivers = Index::from_info(&e.receivers.info).map_err(corrupt)?;
        let mut start = 0usize;
        for &end in &snap.txn_ends {
            let id = snap
                .txn_text
                .get(start..end as usize)
                .ok_or(SnapshotError::Corrupt("txn ids"))?;
            e.intake
                .txns
                .insert(id)
                .ok_or(SnapshotError::Corrupt("duplicate txn id"))?;
            start = end as usize;
        }
        e.applied_until = snap.applied_until;
        e.intake.settled_until = snap.applied_until;
        e.max_seen = snap.max_seen;
        e.payments = snap.payments;
        Ok(e)
    }

    // Accessors for the network stage.
    pub(crate) fn parts(&self) -> EngineParts<'_> {
        EngineParts {
            cfg: &self.cfg,
            indicators: &self.indicators,
            senders: &self.senders,
            receivers: &self.receivers,
            payments: self.payments,
        }
    }

    pub(crate) fn txn_id(&self, i: u32) -> &str {
        self.intake.txns.get(i)
    }
}

/// Room for one more element: exactly one while the list is short, as most
/// parties have one to three counterparties (a `Vec` would make room for
/// four at once), then doubling.
#[inline]
fn grow_by_one<T>(list: &mut Vec<T>) {
    if list.len() == list.capacity() {
        let more = if list.len() < 4 { 1 } else { list.len() };
        list.reserve_exact(more);
    }
}

/// What applying a record reads besides the side's own state.
struct ApplyCtx<'a> {
    cfg: &'a EngineConfig,
    purchase_mcc: &'a [u16],
    purchase_mcc_dest: &'a [u16],
    senders: &'a [PartyInfo],
    receivers: &'a [PartyInfo],
}

/// What both sides read of one record.
struct Seen<'a> {
    usd: f64,
    hi: f64,
    cross: bool,
    in_band: bool,
    remark: Remark,
    /// Business or donation, by its message.
    explained: bool,
    /// A card payment to a shop is a purchase; to a person, a transfer.
    purchase: bool,
    s_info: &'a PartyInfo,
    r_info: &'a PartyInfo,
}

impl<'a> ApplyCtx<'a> {
    /// Starts loading what applying `r` will read: both parties' names and
    /// three places (picked by `lines`) in the side's state, which spans
    /// several cache lines.
    #[inline]
    fn prefetch<S, A, B, C>(&self, r: &Record, state: &S, lines: impl Fn(&S) -> (&A, &B, &C)) {
        prefetch(&self.senders[r.sender as usize].key);
        prefetch(&self.receivers[r.receiver as usize].key);
        let (a, b, c) = lines(state);
        prefetch(a);
        prefetch(b);
        prefetch(c);
    }

    fn see(&self, r: &Record) -> Seen<'a> {
        let [lo, hi] = self.cfg.risk.low_value_usd;
        let usd = f64::from(r.usd);
        let remark = Remark(r.remark);
        let r_info = &self.receivers[r.receiver as usize];
        Seen {
            usd,
            hi,
            cross: r.has(Record::CROSS_BORDER),
            in_band: usd >= lo && usd <= hi,
            remark,
            explained: remark.has(Remark::BUSINESS) || remark.has(Remark::DONATION),
            purchase: r.has(Record::HAS_MCC)
                || (r.has(Record::PURCHASE) && r_info.key.organisation),
            s_info: &self.senders[r.sender as usize],
            r_info,
        }
    }
}

fn apply_sender(c: &ApplyCtx<'_>, senders: &mut [SenderState], r: &Record) {
    let Seen {
        usd,
        hi,
        cross,
        in_band,
        remark,
        explained,
        purchase,
        s_info,
        r_info,
    } = c.see(r);
    let max_ev = c.cfg.max_evidence;
    let s_org = s_info.key.organisation;
    let r_org = r_info.key.organisation;

    // Paying side.
    let s = &mut senders[r.sender as usize];
    if s.payments == 0 {
        s.first_seen = r.ts;
    }
    s.payments += 1;
    s.last_seen = r.ts;
    let link = match s.links.iter().position(|l| l.receiver == r.receiver) {
        Some(i) => Some(i),
        None if s.links.len() < MAX_SENDER_LINKS => {
            let related = s_info.key.related(&r_info.key);
            grow_by_one(&mut s.links);
            s.links.push(SenderLink {
                receiver: r.receiver,
                related,
                channels: 0,
                risk: Cadence::new(),
            });
            Some(s.links.len() - 1)
        }
        None => {
            s.links_overflow += 1;
            None
        }
    };
    let related = link.is_some_and(|i| s.links[i].related);
    if cross && related {
        s.family += 1;
    }
    if cross && remark.has(Remark::FILIPINO) {
        s.filipino_words += 1;
    }
    if r.has(Record::HAS_MCC) {
        let anywhere = c.purchase_mcc.contains(&r.mcc);
        let there = r.has(Record::HIGH_RISK_DEST) && c.purchase_mcc_dest.contains(&r.mcc);
        if anywhere || there {
            s.purchases += 1;
            keep_evidence(&mut s.evidence, r.txn, max_ev);
        }
    }
    let high_risk = cross && r.has(Record::HIGH_RISK_DEST) && !purchase;
    if high_risk {
        s.to_high_risk += 1;
    }
    if high_risk && !related && !r_org && !explained {
        // Romance-scam pattern: stories and escalating amounts.
        if s.unrelated_first_usd == 0.0 {
            s.unrelated_first_usd = usd;
        }
        s.unrelated_max_usd = s.unrelated_max_usd.max(usd);
        if usd > hi {
            s.large += 1;
        }
        if remark.has(Remark::ROMANCE) {
            s.romance_words += 1;
        }
    }
    if high_risk && in_band && !related && !s_org && !r_org && !explained {
        if s.risk == 0 {
            s.first_risk = Some(r.ts);
            s.risk_country = r_info.country;
        }
        s.risk += 1;
        s.risk_usd += usd;
        s.window_add(r.ts);
        if s.first_risk.is_some_and(|t| r.ts < t + 30 * DAY) {
            s.first_30d += 1;
        }
        if s.first_amounts.1 < 5 {
            s.first_amounts.0 += usd;
            s.first_amounts.1 += 1;
        }
        s.last_amounts[(s.risk as usize - 1) % 5] = r.usd;
        let [nf, nt] = c.cfg.risk.night_hours;
        if hour_in(r.sender_hour, nf, nt) {
            s.night += 1;
        }
        if remark.has(Remark::COVER) {
            s.cover += 1;
        }
        if remark.has(Remark::HANDLE) {
            s.handles += 1;
        }
        if r.has(Record::ROUND) {
            s.round += 1;
        }
        if let Some(i) = link {
            let l = &mut s.links[i];
            if r.has(Record::HAS_CHANNEL) {
                l.channels |= 1 << r.channel;
            }
            let split_within = i64::from(c.cfg.indicators.p_shape.split_minutes) * MINUTE;
            if let Some(gap) = l.risk.add(r.ts, r.usd) {
                if gap <= split_within {
                    s.split += 1;
                }
            }
        }
        keep_evidence(&mut s.evidence, r.txn, max_ev);
    }
}

fn apply_receiver(c: &ApplyCtx<'_>, receivers: &mut [ReceiverState], r: &Record) {
    let Seen {
        usd,
        cross,
        in_band,
        explained,
        purchase,
        s_info,
        r_info,
        ..
    } = c.see(r);
    let max_ev = c.cfg.max_evidence;
    let s_org = s_info.key.organisation;

    // Receiving side.
    let band = c.cfg.indicators.r_band.band_usd;
    let v = &mut receivers[r.receiver as usize];
    if v.payments == 0 {
        v.first_seen = r.ts;
    }
    v.payments += 1;
    v.usd += usd;
    v.last_seen = r.ts;
    if usd >= band[0] && usd <= band[1] {
        v.band += 1;
        v.band_usd += usd;
    }
    let link = match v.links.iter().position(|l| l.sender == r.sender) {
        Some(i) => Some(i),
        None if v.links.len() < MAX_RECEIVER_LINKS => {
            let related = s_info.key.related(&r_info.key);
            grow_by_one(&mut v.links);
            v.links.push(ReceiverLink {
                sender: r.sender,
                related,
                purchase: false,
                fanin: Cadence::new(),
            });
            Some(v.links.len() - 1)
        }
        None => {
            v.links_overflow += 1;
            None
        }
    };
    let related = match link {
        Some(i) => v.links[i].related,
        None => s_info.key.related(&r_info.key),
    };
    if let Some(i) = link.filter(|_| r.has(Record::PURCHASE)) {
        v.links[i].purchase = true;
    }
    if cross && in_band && !related && !s_org && !explained && !purchase {
        v.fanin += 1;
        let [ef, et] = c.cfg.risk.evening_hours;
        if hour_in(r.receiver_hour, ef, et) {
            v.evening += 1;
        }
        if let Some(i) = link {
            v.links[i].fanin.add(r.ts, r.usd);
        }
        let d = v.distinct_30d(r.ts);
        v.max_30d = v.max_30d.max(d);
        if r.payout_delay >= 0 {
            v.payouts += 1;
            let minutes = (r.payout_delay / MINUTE).min(u32::MAX as i64) as u32;
            if minutes <= c.cfg.indicators.r_cashout.fast_minutes {
                v.fast_payouts += 1;
            }
            if v.delays_min.len() < MAX_DELAYS {
                v.delays_min.push(minutes);
            }
        }
        keep_evidence(&mut v.evidence, r.txn, max_ev);
    }
}

/// Read-only view of the engine for scoring.
pub(crate) struct EngineParts<'e> {
    pub cfg: &'e EngineConfig,
    pub indicators: &'e [Box<dyn Indicator>],
    pub senders: &'e Parties<SenderState>,
    pub receivers: &'e Parties<ReceiverState>,
    pub payments: u64,
}

/// Sender facts from the sender's own payments (the local stage).
/// How receiver `v` is paid, where that reads like an organisation.
pub(crate) fn conduct(cfg: &ConductConfig, v: &ReceiverState) -> Conduct {
    // Among the payers it keeps links to (the first MAX_RECEIVER_LINKS).
    let card_payers = v.links.iter().filter(|l| l.purchase).count() as u32;
    if card_payers >= cfg.shop_min_payers
        && card_payers as f64 >= cfg.shop_purchase_share * v.links.len() as f64
    {
        return Conduct::Shop;
    }
    let fanin = v.links.iter().filter(|l| l.fanin.n > 0).count() as u32;
    let steady = v.links.iter().filter(|l| l.fanin.steady_monthly()).count() as u32;
    if steady >= cfg.sponsor_min_payers
        && f64::from(steady) >= cfg.sponsor_steady_share * f64::from(fanin)
    {
        return Conduct::Sponsored;
    }
    Conduct::Person
}

/// Payments between two parties that come again and again at regular gaps,
/// as a household's provider pays (`[conduct] household_*`).
fn regular_gaps(cfg: &ConductConfig, c: &Cadence) -> bool {
    c.n >= cfg.household_min_payments
        && c.gap_variation()
            .is_some_and(|v| f64::from(v) <= cfg.household_gap_variation)
}

/// How many of a receiver's `fanin` payers (of `all` fan-in payers) pay it
/// at regular gaps, when they are at least two and at least half: a
/// household paid by its providers abroad. 0 otherwise.
pub(crate) fn household_payers<'a>(
    cfg: &ConductConfig,
    fanin: impl Iterator<Item = &'a Cadence>,
    all: u32,
) -> u32 {
    let regular = fanin.filter(|c| regular_gaps(cfg, c)).count() as u32;
    if regular >= 2 && 2 * regular >= all {
        regular
    } else {
        0
    }
}

/// Sender facts from the sender's own payments (the local stage); `conduct`
/// is every receiver's.
pub(crate) fn sender_facts<'e>(
    e: &EngineParts<'e>,
    i: usize,
    conduct: &[Conduct],
) -> SenderFacts<'e> {
    let info = &e.senders.info[i];
    let s = &e.senders.state[i];
    let recv = &e.receivers.info;
    // Receivers of risk payments; related ones count as one family.
    let mut groups: Vec<&NameKey> = Vec::new();
    let mut risk_receivers = 0;
    let mut steady = 0;
    let mut unsteady = 0;
    let (mut multi, mut max_channels) = (0, 0);
    let mut to_organisations = 0;
    for l in s.links.iter().filter(|l| l.risk.n > 0) {
        risk_receivers += 1;
        if conduct[l.receiver as usize] != Conduct::Person {
            to_organisations += 1;
        }
        let key = &recv[l.receiver as usize].key;
        if !groups.iter().any(|g| g.related(key)) {
            groups.push(key);
        }
        if l.risk.n >= 2 {
            if l.risk.steady_monthly() {
                steady += 1;
            } else {
                unsteady += 1;
            }
        }
        let ch = l.channels.count_ones();
        if ch > 1 {
            multi += 1;
        }
        max_channels = max_channels.max(ch);
    }
    // Regular gaps to the receivers it pays again and again: a household's
    // provider. Customers buy shows when they want them.
    let household = &e.cfg.conduct;
    let (mut regular_payments, mut irregular, mut gap_days) = (0u32, false, 0f32);
    for l in s
        .links
        .iter()
        .filter(|l| l.risk.n >= household.household_min_payments)
    {
        if regular_gaps(household, &l.risk) {
            regular_payments += l.risk.n;
            gap_days += l.risk.mean_gap_days().unwrap_or(0.0) * l.risk.n as f32;
        } else {
            irregular = true;
        }
    }
    let partner_like = groups.len() == 1
        && s.risk >= 3
        && 2 * s.night < s.risk
        && s.links
            .iter()
            .filter(|l| l.risk.n > 0)
            .all(|l| l.risk.n < 3 || l.risk.steady_amounts())
        && s.links.iter().any(|l| l.risk.steady_amounts());
    let household_gap_days = (!partner_like
        && !irregular
        && regular_payments > 0
        && 2 * regular_payments >= s.risk
        && 2 * s.night < s.risk)
        .then(|| gap_days / regular_payments as f32);
    let last_n = s.risk.min(5);
    let last_amount = if last_n == 0 {
        0.0
    } else {
        s.last_amounts[..last_n as usize]
            .iter()
            .map(|&x| f64::from(x))
            .sum::<f64>()
            / f64::from(last_n)
    };
    SenderFacts {
        id: &info.id,
        country: info.country,
        payments: s.payments,
        to_high_risk: s.to_high_risk,
        risk_payments: s.risk,
        risk_usd: s.risk_usd,
        risk_country: s.risk_country,
        family_payments: s.family,
        max_7d: s.max_7d,
        max_30d: s.max_30d,
        max_90d: s.max_90d,
        first_30d: s.first_30d,
        first_amount_usd: if s.first_amounts.1 == 0 {
            0.0
        } else {
            s.first_amounts.0 / f64::from(s.first_amounts.1)
        },
        last_amount_usd: last_amount,
        risk_receivers,
        unrelated_receiver_groups: groups.len() as u32,
        steady_monthly: steady > 0 && unsteady == 0,
        partner_like,
        household_gap_days,
        named: !info.name.is_empty(),
        pays_organisations: risk_receivers > 0 && to_organisations == risk_receivers,
        surname_ties: s.risk > 0
            && info
                .key
                .ties
                .contains(Ties::for_destination(s.risk_country)),
        diaspora: {
            let mut d = Diaspora::default();
            if s.family > 0 {
                d.0 |= Diaspora::FAMILY_LINK.0;
            }
            let to_ph = s.risk_country == Country::new(b"PH") || s.risk == 0;
            if (to_ph && info.key.filipino)
                || (s.risk_country == Country::new(b"VN") && info.key.ties.contains(Ties::VN))
            {
                d.0 |= Diaspora::NAME.0;
            }
            if to_ph && s.filipino_words > 0 {
                d.0 |= Diaspora::FILIPINO_WORDS.0;
            }
            d
        },
        night_payments: s.night,
        cover_remarks: s.cover,
        handles: s.handles,
        round_amounts: s.round,
        split_payments: s.split,
        multi_channel_receivers: multi,
        max_channels,
        risky_purchases: s.purchases,
        birth_year: info.birth_year,
        sex: info.sex,
        shared: None,
        first_seen: s.first_seen,
        last_seen: s.last_seen,
    }
}

/// Receiver facts from the receiver's own payments (the local stage).
///
/// Senders marked in `routed` (the romance-scam pattern) are not part of the fan-in.
pub(crate) fn receiver_facts<'e>(
    e: &EngineParts<'e>,
    i: usize,
    routed: &[bool],
    conduct: Conduct,
) -> ReceiverFacts<'e> {
    let info = &e.receivers.info[i];
    let v = &e.receivers.state[i];
    let fanin_links = v
        .links
        .iter()
        .filter(|l| l.fanin.n > 0 && !routed[l.sender as usize]);
    let fanin_senders =
        fanin_links.clone().count() as u32 + if v.fanin > 0 { v.links_overflow } else { 0 };
    let steady = fanin_links
        .clone()
        .filter(|l| l.fanin.steady_monthly())
        .count() as u32;
    let household_payers =
        household_payers(&e.cfg.conduct, fanin_links.map(|l| &l.fanin), fanin_senders);
    let median = if v.delays_min.is_empty() {
        None
    } else {
        let mut d = v.delays_min.clone();
        d.sort_unstable();
        Some(d[d.len() / 2])
    };
    ReceiverFacts {
        id: &info.id,
        country: info.country,
        payments: v.payments,
        usd: v.usd,
        band_payments: v.band,
        band_usd: v.band_usd,
        fanin_payments: v.fanin,
        fanin_senders,
        fanin_max_30d: v.max_30d,
        steady_senders: steady,
        evening_payments: v.evening,
        payouts: v.payouts,
        fast_payouts: v.fast_payouts,
        median_payout_minutes: median,
        organisation: info.key.organisation || conduct != Conduct::Person,
        conduct,
        household_payers,
        alias_accounts: Vec::new(),
        group_fanin_senders: fanin_senders,
        suspicious_senders: 0,
        suspicious_sender_ids: Vec::new(),
        sender_suspicion: 0.0,
        ring_receivers: Vec::new(),
        first_seen: v.first_seen,
        last_seen: v.last_seen,
    }
}

/// Weighs findings into one score: raw = Σ weight·strength, score = 1 − e^(−raw).
/// Each finding's contribution is its share of the score.
pub(crate) fn combine(
    indicators: &[Box<dyn Indicator>],
    subject: Subject<'_, '_>,
    role: Role,
    stage: Option<Stage>,
) -> (f64, Vec<(usize, f64)>) {
    let mut raw = 0.0;
    let mut parts = Vec::new();
    for (k, ind) in indicators.iter().enumerate() {
        if ind.role() != role || stage.is_some_and(|st| ind.stage() != st) {
            continue;
        }
        let s = ind.strength(subject);
        debug_assert!((0.0..=1.0).contains(&s), "{} strength {s}", ind.code());
        if s > 0.0 {
            let w = ind.weight() * s;
            raw += w;
            parts.push((k, w));
        }
    }
    (raw, parts)
}

/// The raw score alone, without allocating: for every party.
pub(crate) fn raw_score(
    indicators: &[Box<dyn Indicator>],
    subject: Subject<'_, '_>,
    role: Role,
    stage: Option<Stage>,
) -> f64 {
    indicators
        .iter()
        .filter(|ind| ind.role() == role && stage.is_none_or(|st| ind.stage() == st))
        .map(|ind| ind.weight() * ind.strength(subject))
        .sum()
}

pub(crate) fn score_of(raw: f64) -> f64 {
    1.0 - (-raw).exp()
}

/// Turns scored facts into an alert.
pub(crate) fn make_alert(
    e: &Engine,
    subject: Subject<'_, '_>,
    raw: f64,
    parts: &[(usize, f64)],
    evidence: &VecDeque<u32>,
    context: Vec<String>,
) -> Alert {
    let (id, country, payments, first_seen, last_seen) = subject.summary();
    let role = subject.role();
    let score = score_of(raw);
    let mut findings: Vec<Finding> = parts
        .iter()
        .map(|&(k, w)| {
            let ind = &e.indicators[k];
            Finding {
                code: ind.code(),
                contribution: round3(score * w / raw),
                reason: ind.reason(subject),
                parties: ind.parties(subject),
            }
        })
        .collect();
    findings.sort_by(|a, b| {
        b.contribution
            .total_cmp(&a.contribution)
            .then(a.code.cmp(b.code))
    });
    Alert {
        subject: id.to_owned(),
        role,
        score: round3(score),
        country: country.as_str().to_owned(),
        indicators: findings,
        context,
        transactions: evidence.iter().map(|&t| e.txn_id(t).to_owned()).collect(),
        payments,
        first_seen,
        last_seen,
    }
}

pub(crate) fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod conduct_tests {
    use super::*;

    /// `payers` payers, the first `card` of them by card, of whom `steady` pay
    /// a fixed amount monthly and `other_fanin` more pay irregularly.
    fn receiver(payers: u32, card: u32, steady: u32, other_fanin: u32) -> ReceiverState {
        let mut v = ReceiverState::default();
        for k in 0..payers {
            let mut fanin = Cadence::new();
            if k < steady {
                for m in 0..3 {
                    fanin.add(m * 30 * DAY, 35.0);
                }
            } else if k < steady + other_fanin {
                fanin.add(0, 35.0);
                fanin.add(3 * DAY, 60.0);
            }
            v.links.push(ReceiverLink {
                sender: k,
                related: false,
                purchase: k < card,
                fanin,
            });
        }
        v
    }

    #[test]
    fn households_by_the_gaps_of_their_payers() {
        let cadence = |days: &[i64]| {
            let mut c = Cadence::new();
            for d in days {
                c.add(1_000_000_000 + d * DAY, 40.0);
            }
            c
        };
        let weekly = cadence(&[0, 7, 14, 21, 28]);
        let monthly = cadence(&[3, 33, 62, 93]);
        let bursts = cadence(&[0, 1, 2, 30, 31]);
        let few = cadence(&[0, 7, 14]);
        let cfg = ConductConfig::default();
        let count =
            |links: &[&Cadence], all: u32| household_payers(&cfg, links.iter().copied(), all);
        assert_eq!(count(&[&weekly, &monthly], 2), 2, "both regular");
        assert_eq!(
            count(&[&weekly, &monthly, &bursts, &few], 4),
            2,
            "half regular"
        );
        assert_eq!(
            count(&[&weekly, &monthly, &bursts, &few, &few], 5),
            0,
            "under half"
        );
        assert_eq!(count(&[&weekly], 1), 0, "one payer is not a household");
        assert_eq!(
            count(&[&weekly, &monthly], 6),
            0,
            "payers past the kept links count"
        );
        let strict = ConductConfig {
            household_min_payments: 6,
            ..ConductConfig::default()
        };
        assert_eq!(
            household_payers(&strict, [&weekly, &monthly].into_iter(), 2),
            0
        );
    }

    #[test]
    fn shops_and_sponsorships_by_conduct() {
        let c = ConductConfig::default();
        // (payers, by card, steady monthly, other fan-in) → conduct
        let cases = [
            ((6, 3, 0, 0), Conduct::Shop, "half by card"),
            ((7, 3, 0, 0), Conduct::Person, "under half by card"),
            ((2, 2, 0, 0), Conduct::Person, "too few payers"),
            ((6, 0, 3, 3), Conduct::Sponsored, "half steady"),
            ((7, 0, 3, 4), Conduct::Person, "under half steady"),
            ((2, 0, 2, 0), Conduct::Person, "too few sponsors"),
        ];
        for ((payers, card, steady, other), want, why) in cases {
            let v = receiver(payers, card, steady, other);
            assert_eq!(conduct(&c, &v), want, "{why}");
        }
        let strict = ConductConfig {
            shop_purchase_share: 0.9,
            ..ConductConfig::default()
        };
        assert_eq!(conduct(&strict, &receiver(6, 3, 0, 0)), Conduct::Person);
    }
}
