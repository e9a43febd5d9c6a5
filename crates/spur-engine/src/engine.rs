//! The engine: interns parties, keeps windowed state per party, and at the end
//! of a batch (or whenever asked) runs the network stage and scores everyone.

use serde::Serialize;

use crate::alert::Alert;
use crate::config::EngineConfig;
use crate::geo::{hour_in, local_hour};
use crate::indicators::{Indicator, Role};
pub(crate) use crate::intern::PartyInfo;
use crate::intern::{Admitted, Index, Intake, Parties};
use crate::model::{Country, Payment, Timestamp, DAY, MINUTE};
use crate::money::Rates;
use crate::names::Names;
use crate::prefetch::prefetch;
use crate::remark::{Remark, RemarkReader};
use crate::scoring::View;
use crate::state::*;

mod apply;
mod checkpoint;
use apply::{apply_receiver, apply_sender, ApplyCtx};
mod online;
pub use online::{AdoptError, ForkSeed, PartyScore, PartyTally, Settled, SettledNet, StateBytes};

/// Why one record was not taken. The caller adds file and line.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RecordError {
    #[error("currency {0} is not in the rate table")]
    UnknownCurrency(String),
    #[error("txn_id already seen")]
    DuplicateTxn,
    #[error("arrived {0} s after later payments were scored (reorder tolerance exceeded)")]
    Late(i64),
    /// Online: older than a payment of one of its parties already applied.
    #[error(
        "is {0} s older than a payment of the {1} already scored ({2}); online, each party's \
         payments are scored in time order"
    )]
    LateForParty(i64, &'static str, DisplayTime),
    /// Older than what a snapshot (or `finish`) settled: the windows only go forward.
    #[error(
        "is {0} s older than the newest payment already scored ({1}); payments are scored in \
         time order: load an older period into a new database, or ingest in time order"
    )]
    BehindState(i64, DisplayTime),
    /// Online: older than the txn id memory reaches (the largest window, 90
    /// days, before the newest payment): its duplicate check is the store's.
    #[error(
        "is {0} s older than the engine's txn id memory reaches ({1}: 90 days before the newest \
         payment); load an older period into a new database"
    )]
    BeyondMemory(i64, DisplayTime),
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
            | RecordError::LateForParty(..)
            | RecordError::BeyondMemory(..)
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

/// The binary snapshot's version (`checkpoint.rs`); version 1 was JSON,
/// still read.
const SNAPSHOT_VERSION: u32 = 3;

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

/// Version 1 of the snapshot (JSON), still read.
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
    #[error(
        "engine state has version {0}; this spur reads versions 1 and 2: rescan from the start"
    )]
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

/// An engine whose state a snapshot covers whole (see
/// [`Engine::prepare_snapshot`]).
#[derive(Clone, Copy)]
pub struct Prepared<'a>(&'a Engine);

impl Prepared<'_> {
    /// The snapshot's bytes, as [`Engine::snapshot`] gives them.
    pub fn encode(&self) -> Vec<u8> {
        self.0.encode_snapshot()
    }
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
    /// Online mode (`Engine::online`): every payment is applied at once.
    online: bool,
    /// What the last settle left (alerts, the network stage's values per
    /// party), and what was pushed since; `None` before the first settle.
    settlement: Option<Box<online::Settlement>>,
    /// What cooperating institutions reported; not part of a snapshot (the
    /// caller hands it again after a restore).
    outside: crate::outside::Outside,
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
            online: false,
            settlement: None,
            outside: crate::outside::Outside::default(),
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

    /// Hands the engine what cooperating institutions reported (`spur
    /// match`), read by R-XMATCH and P-XMATCH from the next `finish` or
    /// settle on. Online, the next settle is a whole network stage, since
    /// any party's local score may have changed.
    pub fn set_outside(&mut self, outside: crate::outside::Outside) {
        self.outside = outside;
        self.settlement = None;
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
    ///
    /// Online ([`Engine::online`]), the payment is applied to both parties'
    /// state at once; one older than a payment already applied for either
    /// of its parties is refused ([`RecordError::LateForParty`]).
    pub fn push(&mut self, p: &Payment<'_>) -> Result<(), RecordError> {
        if self.online {
            return self.push_online(p);
        }
        let admitted = self.intake.admit(p, |_, _| Ok(()))?;
        let rec = self.record(p, &admitted);
        self.take(rec);
        Ok(())
    }

    /// The compact record of a payment through the intake; its parties'
    /// rows are brought up to date.
    fn record(&mut self, p: &Payment<'_>, a: &Admitted) -> Record {
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
        rec
    }

    /// Batch mode: buffers a record, applying early what comes in order.
    fn take(&mut self, rec: Record) {
        if self.applied_until.is_some_and(|u| rec.ts < u) {
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
    ///
    /// Online, it settles ([`Engine::settle`]) and returns every current alert.
    pub fn finish(&mut self) -> Outcome {
        if self.online {
            self.settle();
            return Outcome {
                alerts: self.alerts().cloned().collect(),
                stats: self.stats(),
            };
        }
        self.apply_everything();
        self.seal();
        // A settlement kept by `settle` describes an older state.
        self.settlement = None;
        let (net, alerts) = crate::network::Net::full(&self.view());
        let mut out = Outcome {
            alerts: alerts.into_iter().map(|(_, a)| a).collect(),
            stats: self.stats(),
        };
        out.stats.possible_romance_victims = net.routed_count();
        sort_alerts(&mut out.alerts);
        out.stats.alerts_senders =
            out.alerts.iter().filter(|a| a.role == Role::Sender).count() as u64;
        out.stats.alerts_receivers = out.alerts.len() as u64 - out.stats.alerts_senders;
        out
    }

    /// Counts of payments and parties (the alert counts and romance victims
    /// as of the last settle, online; zero in batch mode before `finish`).
    pub fn stats(&self) -> Stats {
        let mut st = Stats {
            payments: self.payments,
            senders: self.senders.len() as u64,
            receivers: self.receivers.len() as u64,
            ..Stats::default()
        };
        if let Some(o) = &self.settlement {
            st.possible_romance_victims = o.net.routed_count();
            st.alerts_senders = o.alerts.senders();
            st.alerts_receivers = o.alerts.iter().len() as u64 - st.alerts_senders;
        }
        st
    }

    /// Batch mode: applies what is buffered and makes it history, as a
    /// snapshot does: later payments older than the newest applied are
    /// refused as late ([`RecordError::BehindState`]) instead of rebuilding
    /// the windows around them. A caller that replayed stored history (a
    /// store's log after its checkpoint) calls it before new payments, so
    /// that an older period is refused whether or not a checkpoint lies
    /// between it and the history. Online, a no-op (each party's order
    /// rules there).
    pub fn seal_history(&mut self) {
        if !self.online {
            self.apply_everything();
            self.seal();
        }
    }

    /// No replay reaches behind what was applied.
    fn seal(&mut self) {
        self.intake.settled_until = self.applied_until;
        self.applied_log = Vec::new();
    }

    /// The engine's state, to continue its windows in a later run: every
    /// buffered payment is applied first, so later payments must not be
    /// older than the newest one seen (they would be refused as late).
    /// Binary (`checkpoint.rs`: versioned, with the configuration's
    /// fingerprint). Online, it leaves the engine online; an engine restored
    /// from it is in batch mode until `go_online`.
    pub fn snapshot(&mut self) -> Vec<u8> {
        self.prepare_snapshot().encode()
    }

    /// Applies and seals what a snapshot covers (as [`Engine::snapshot`]
    /// does) and lends the engine for encoding: [`Prepared::encode`] takes
    /// a shared reference, so a caller can encode on another thread while
    /// it writes elsewhere (a scan's commit).
    pub fn prepare_snapshot(&mut self) -> Prepared<'_> {
        if !self.online {
            self.apply_everything();
            // What is saved is settled: no replay reaches behind it.
            self.seal();
        }
        Prepared(self)
    }

    fn encode_snapshot(&self) -> Vec<u8> {
        self.encode_snapshot_as(SNAPSHOT_VERSION)
    }

    /// The snapshot in the layout of `version` (an older one only for the
    /// test that it is still read).
    fn encode_snapshot_as(&self, version: u32) -> Vec<u8> {
        // Room for all of it at once: the state in memory is larger than
        // its encoding, and room never written costs no memory. Grown by
        // doubling instead, a 100 MB snapshot touched about twice its size
        // of fresh memory and copied half of it again (on a VM that backs
        // fresh memory lazily, most of the encoding's time).
        let mut w = checkpoint::Writer(Vec::with_capacity(self.snapshot_room()), version);
        w.0.extend_from_slice(checkpoint::MAGIC);
        w.u32(version);
        w.str(&fingerprint(&self.cfg));
        w.opt_i64(self.applied_until);
        w.i64(self.max_seen);
        w.u64(self.payments);
        w.opt_i64(self.intake.forgotten_before);
        let txns = &self.intake.txns;
        w.len(self.senders.len());
        w.len(self.receivers.len());
        w.len(txns.len());
        for (info, s) in self.senders.info.iter().zip(&self.senders.state) {
            w.info(info);
            w.sender(s);
        }
        for (info, v) in self.receivers.info.iter().zip(&self.receivers.state) {
            w.info(info);
            w.receiver(v);
        }
        for i in 0..txns.len() {
            w.str(txns.get(i as u32));
            w.i64(txns.times[i]);
        }
        w.0
    }

    /// Bytes the parties (their facts, state and indices) and the txn ids
    /// hold in memory.
    pub(crate) fn held_bytes(&self) -> (usize, usize) {
        let s = &self.senders;
        let r = &self.receivers;
        let party_bytes = s.info_bytes()
            + r.info_bytes()
            + s.state.capacity() * std::mem::size_of::<crate::state::SenderState>()
            + r.state.capacity() * std::mem::size_of::<crate::state::ReceiverState>()
            + s.state.iter().map(|x| x.heap_bytes()).sum::<usize>()
            + r.state.iter().map(|x| x.heap_bytes()).sum::<usize>()
            + self.intake.senders.bytes()
            + self.intake.receivers.bytes();
        (party_bytes, self.intake.txns.bytes())
    }

    /// Room for a snapshot: what the state holds in memory (more than its
    /// encoding takes).
    fn snapshot_room(&self) -> usize {
        let (parties, txns) = self.held_bytes();
        parties + txns
    }

    /// Reads the binary snapshot (`checkpoint.rs`).
    fn restore_binary(cfg: EngineConfig, bytes: &[u8]) -> Result<Engine, SnapshotError> {
        let mut r = checkpoint::Reader::new(&bytes[checkpoint::MAGIC.len()..]);
        let version = r.u32()?;
        if !(2..=SNAPSHOT_VERSION).contains(&version) {
            return Err(SnapshotError::Version(version));
        }
        r.version = version;
        if r.str()? != fingerprint(&cfg) {
            return Err(SnapshotError::Config);
        }
        let max_ev = cfg.max_evidence;
        let mut e = Engine::new(cfg).map_err(|e| SnapshotError::Unreadable(e.to_string()))?;
        let applied_until = r.opt_i64()?;
        let max_seen = r.i64()?;
        let payments = r.u64()?;
        let forgotten = r.opt_i64()?;
        // Each party takes more than 100 bytes, each txn id more than 12.
        let ns = r.len(u32::MAX as usize, 100)?;
        let nr = r.len(u32::MAX as usize, 100)?;
        let nt = r.len(u32::MAX as usize, 12)?;
        // Room for an eighth more parties: a restored engine takes new ones
        // at once (a day's scan reserves for them), and a list full to its
        // last row would be copied whole into one twice its size, into
        // memory touched for the first time (the senders' rows of a long
        // history are some 150 MB). Room not used is never touched.
        let room = |n: usize| n + n / 8;
        let (mut s_info, mut s_state) =
            (Vec::with_capacity(room(ns)), Vec::with_capacity(room(ns)));
        for _ in 0..ns {
            s_info.push(r.info()?);
            s_state.push(r.sender(nr as u32, nt as u32, max_ev)?);
        }
        let (mut r_info, mut r_state) =
            (Vec::with_capacity(room(nr)), Vec::with_capacity(room(nr)));
        for _ in 0..nr {
            r_info.push(r.info()?);
            r_state.push(r.receiver(ns as u32, nt as u32, max_ev)?);
        }
        e.intake.txns.reserve(nt, 12);
        // Each id's slot is fetched while the ids before it are inserted: a
        // table of a million ids is far larger than the cache, and waiting
        // for each slot in turn was most of the inserting.
        const AHEAD: usize = 16;
        let mut pending: std::collections::VecDeque<(&str, i64)> =
            std::collections::VecDeque::with_capacity(AHEAD + 1);
        for left in (0..nt).rev() {
            let id = r.str()?;
            let ts = r.i64()?;
            e.intake.txns.prefetch(id);
            pending.push_back((id, ts));
            while pending.len() > AHEAD || (left == 0 && !pending.is_empty()) {
                let Some((id, ts)) = pending.pop_front() else {
                    break;
                };
                e.intake
                    .txns
                    .insert(id, ts)
                    .ok_or(SnapshotError::Corrupt("duplicate txn id"))?;
            }
        }
        if !r.done() {
            return Err(SnapshotError::Corrupt("bytes after the end"));
        }
        let corrupt = |e: crate::intern::Inconsistent| SnapshotError::Corrupt(e.0);
        e.senders = Parties::from_parts(s_info, s_state).map_err(corrupt)?;
        e.receivers = Parties::from_parts(r_info, r_state).map_err(corrupt)?;
        e.intake.senders = Index::from_info(&e.senders.info).map_err(corrupt)?;
        e.intake.receivers = Index::from_info(&e.receivers.info).map_err(corrupt)?;
        // Name keys are not stored: read them from the names again.
        e.senders.read_names(&e.names);
        e.receivers.read_names(&e.names);
        e.applied_until = applied_until;
        e.intake.settled_until = applied_until;
        e.intake.forgotten_before = forgotten;
        e.max_seen = max_seen;
        e.payments = payments;
        Ok(e)
    }

    /// An engine that goes on from a [`snapshot`](Engine::snapshot). The
    /// configuration may differ only in what does not shape the state (the
    /// alert threshold, indicator weights).
    pub fn restore(cfg: EngineConfig, bytes: &[u8]) -> Result<Engine, SnapshotError> {
        if bytes.starts_with(checkpoint::MAGIC) {
            return Engine::restore_binary(cfg, bytes);
        }
        // Version 1: JSON, as earlier spur wrote it.
        let snap: Snapshot =
            serde_json::from_slice(bytes).map_err(|e| SnapshotError::Unreadable(e.to_string()))?;
        if snap.version != 1 {
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
                // The JSON snapshot has no times: kept for the windows from now.
                .insert(id, snap.applied_until.unwrap_or(snap.max_seen))
                .ok_or(SnapshotError::Corrupt("duplicate txn id"))?;
            start = end as usize;
        }
        e.applied_until = snap.applied_until;
        e.intake.settled_until = snap.applied_until;
        e.max_seen = snap.max_seen;
        e.payments = snap.payments;
        Ok(e)
    }

    /// The read-only view scoring works on.
    pub(crate) fn view(&self) -> View<'_> {
        View {
            cfg: &self.cfg,
            indicators: &self.indicators,
            senders: &self.senders,
            receivers: &self.receivers,
            txns: &self.intake.txns,
            outside: &self.outside,
        }
    }
}

/// Alerts by score (highest first), role, id: the order `finish` gives.
pub(crate) fn sort_alerts(alerts: &mut [Alert]) {
    alerts.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.role.cmp(&b.role))
            .then_with(|| a.subject.cmp(&b.subject))
    });
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
