//! The online mode: every payment is applied to both parties' state when it
//! is pushed, a party's score can be read at any time
//! ([`Engine::party_score`]), and [`Engine::settle`] runs the network stage
//! over what changed and says which alerts it raised, changed or cleared.
//!
//! The invariant (test `online_settles_to_the_batch_alerts`): pushing a
//! file's payments online, one by one or in batches of any size with a
//! settle after each, ends after a last settle with exactly the alerts of a
//! batch `finish` over the same file.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use rustc_hash::FxHashMap;
use serde::Serialize;

use super::{apply_receiver, apply_sender, sort_alerts};
use super::{ApplyCtx, ConfigError, DisplayTime, Engine, Record, RecordError, SnapshotError};
use crate::alert::{Alert, Finding};
use crate::indicators::Role;
use crate::model::Payment;
use crate::network::{Key, Net};

/// A settle recomputes at most one party in this many (senders and
/// receivers); past that it runs the whole stage, which does the same work
/// on two threads without the bookkeeping.
const DIRTY_SHARE: usize = 8;

/// What the last settle left, and what was pushed since.
pub(crate) struct Settlement {
    pub net: Net,
    /// The current alerts.
    pub alerts: AlertSet,
    /// `Engine::payments` when it was made: what was pushed since, in
    /// either mode, is `Engine::payments` minus this.
    settled_payments: u64,
    /// Parties pushed since the last settle, each once.
    touched_senders: Vec<u32>,
    touched_receivers: Vec<u32>,
    /// Per party: `Engine::payments` after its last payment (0: none), so
    /// that a party is settled when this is at most `settled_payments`,
    /// whichever engine settled (`Engine::adopt_settled`).
    touched_at_senders: Vec<u64>,
    touched_at_receivers: Vec<u64>,
    /// A receiver got its first name since: its name key changed, which
    /// alias groups read; or new outside evidence came
    /// (`Engine::update_outside`): the next settle runs the whole stage.
    renamed: bool,
    /// Txn ids held after they were last let go (`forget_old_txns`).
    txns_kept: usize,
}

/// Alerts by role and party index, kept in the order `finish` gives, so
/// that a settle that changes a few costs a few.
#[derive(Default)]
pub(crate) struct AlertSet {
    rank: FxHashMap<Key, Rank>,
    ranked: BTreeMap<Rank, Alert>,
    senders: u64,
}

/// The order of `finish`: score (highest first; scores are never negative,
/// so their bits order them), role, id.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Rank(Reverse<u64>, Role, String);

impl AlertSet {
    fn get(&self, key: &Key) -> Option<&Alert> {
        self.ranked.get(self.rank.get(key)?)
    }

    fn insert(&mut self, key: Key, a: Alert) {
        self.remove(&key);
        let rank = Rank(Reverse(a.score.to_bits()), a.role, a.subject.clone());
        self.senders += u64::from(a.role == Role::Sender);
        self.rank.insert(key, rank.clone());
        self.ranked.insert(rank, a);
    }

    fn remove(&mut self, key: &Key) -> Option<Alert> {
        let a = self.ranked.remove(&self.rank.remove(key)?)?;
        self.senders -= u64::from(a.role == Role::Sender);
        Some(a)
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = &Alert> + '_ {
        self.ranked.values()
    }

    pub fn senders(&self) -> u64 {
        self.senders
    }
}

impl Settlement {
    /// The payment numbered `n` (`Engine::payments` after it) touched both.
    fn touch(&mut self, sender: u32, receiver: u32, n: u64) {
        let since = self.settled_payments;
        mark(
            &mut self.touched_at_senders,
            &mut self.touched_senders,
            sender,
            n,
            since,
        );
        mark(
            &mut self.touched_at_receivers,
            &mut self.touched_receivers,
            receiver,
            n,
            since,
        );
    }
}

fn mark(at: &mut Vec<u64>, list: &mut Vec<u32>, i: u32, n: u64, since: u64) {
    if at.len() <= i as usize {
        at.resize(i as usize + 1, 0);
    }
    if at[i as usize] <= since {
        list.push(i);
    }
    at[i as usize] = n;
}

/// What one settle computed (the network stage's values per party), handed
/// from the engine that settled to another one with the same history, so
/// that the other reads its parties' network findings without settling
/// itself ([`Engine::settled_net`], [`Engine::adopt_settled`]).
pub struct SettledNet {
    net: Net,
    /// `Engine::payments` of the settled engine.
    payments: u64,
    /// Alerts standing after that settle.
    pub alerts: usize,
}

impl SettledNet {
    /// The payments the settle took in (those pushed before it).
    pub fn payments(&self) -> u64 {
        self.payments
    }
}

/// An engine's state taken for a fork ([`Engine::fork_seed`]).
pub struct ForkSeed {
    cfg: crate::EngineConfig,
    bytes: Vec<u8>,
    txns_kept: Option<usize>,
    /// Not in a snapshot: handed on as it is.
    outside: crate::outside::Outside,
}

impl ForkSeed {
    /// The forked engine: restored, online, settled once.
    pub fn grow(self) -> Result<Engine, SnapshotError> {
        let mut other = Engine::restore(self.cfg, &self.bytes)?;
        other.set_outside(self.outside);
        // The configuration was good for the original: it is for the copy.
        other
            .go_online()
            .map_err(|e| SnapshotError::Unreadable(e.0))?;
        if let (Some(kept), Some(st)) = (self.txns_kept, other.settlement.as_deref_mut()) {
            st.txns_kept = kept;
        }
        Ok(other)
    }
}

/// Why a [`SettledNet`] cannot be adopted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AdoptError {
    #[error("the engine is not online, or not settled once")]
    NotOnline,
    #[error("the settle took in {settled} payments, this engine only {pushed}")]
    Ahead { settled: u64, pushed: u64 },
}

/// What one settle changed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Settled {
    /// Alerts new or changed since the last settle (score, findings,
    /// evidence, counts), in the order `finish` gives.
    pub raised: Vec<Alert>,
    /// Parties (subject, role) alerted at the last settle that no longer are.
    pub cleared: Vec<(String, Role)>,
    /// Payments pushed since the last settle, now settled.
    pub payments: u64,
    /// Parties (senders and receivers) whose network-stage values were
    /// computed again.
    pub recomputed: u64,
    /// Whether the whole stage ran (first settle, a receiver renamed, or
    /// the changed region a large share of the parties).
    pub full: bool,
}

/// A party's score with its counts (`Engine::party_tallies`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PartyTally {
    pub id: String,
    /// In [0, 1], as in alerts.
    pub score: f64,
    pub payments: u32,
    pub counterparties: u32,
}

/// A party's current score in one role.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PartyScore {
    pub subject: String,
    pub role: Role,
    /// In [0, 1], rounded as in alerts.
    pub score: f64,
    /// The score reaches `alert_threshold`.
    pub alerted: bool,
    /// No payment of the party was pushed since the last settle. When
    /// false, its local findings are current and its network findings
    /// (and its neighbours' scores) those of the last settle.
    pub settled: bool,
    /// Highest contribution first; contributions add up to the score.
    pub indicators: Vec<Finding>,
}

/// How long a txn id stays in memory after its payment, before the newest.
const TXN_MEMORY: i64 = 90 * crate::model::DAY;

/// What the engine's state holds, in bytes.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StateBytes {
    /// Senders and receivers (a party in both roles counts twice).
    pub parties: u64,
    /// Their windowed state, details (ids, names) and index.
    pub party_bytes: u64,
    /// Txn ids held for the duplicate check, and their bytes.
    pub txn_ids: u64,
    pub txn_bytes: u64,
    /// What the last settle kept per party (the network stage's values;
    /// alerts not counted).
    pub settle_bytes: u64,
    pub total: u64,
    pub bytes_per_party: f64,
}

impl Engine {
    /// What the state holds now, counted (not measured by the allocator).
    pub fn state_bytes(&self) -> StateBytes {
        let s = &self.senders;
        let r = &self.receivers;
        let (party_bytes, txn_bytes) = self.held_bytes();
        let settle_bytes = self.settlement.as_ref().map_or(0, |st| st.net.bytes());
        let parties = (s.len() + r.len()) as u64;
        let total = (party_bytes + txn_bytes + settle_bytes) as u64;
        StateBytes {
            parties,
            party_bytes: party_bytes as u64,
            txn_ids: self.intake.txns.len() as u64,
            txn_bytes: txn_bytes as u64,
            settle_bytes: settle_bytes as u64,
            total,
            bytes_per_party: total as f64 / parties.max(1) as f64,
        }
    }

    /// Lets go of txn ids older than `TXN_MEMORY` before the newest payment
    /// (except the parties' evidence), once a third of those held are new.
    fn forget_old_txns(&mut self) {
        let Some(newest) = self.applied_until else {
            return;
        };
        let Some(st) = self.settlement.as_deref_mut() else {
            return;
        };
        let n = self.intake.txns.len();
        // Each pass costs what is held; after one, half as many again are
        // taken before the next, so the cost per payment stays constant.
        if n < 1024 || 2 * n < 3 * st.txns_kept {
            return;
        }
        let horizon = newest.saturating_sub(TXN_MEMORY);
        let mut pinned = vec![false; n];
        let evidence = self
            .senders
            .state
            .iter()
            .flat_map(|s| s.evidence.iter())
            .chain(self.receivers.state.iter().flat_map(|v| v.evidence.iter()));
        for &t in evidence {
            pinned[t as usize] = true;
        }
        let map = self
            .intake
            .txns
            .retain(|i, ts| ts >= horizon || pinned[i as usize]);
        let remap = |list: &mut std::collections::VecDeque<u32>| {
            list.iter_mut().for_each(|t| *t = map[*t as usize]);
        };
        self.senders
            .state
            .iter_mut()
            .for_each(|s| remap(&mut s.evidence));
        self.receivers
            .state
            .iter_mut()
            .for_each(|v| remap(&mut v.evidence));
        self.intake.forgotten_before = Some(
            self.intake
                .forgotten_before
                .map_or(horizon, |f| f.max(horizon)),
        );
        st.txns_kept = self.intake.txns.len();
    }

    /// A new engine in online mode: see [`Engine::go_online`].
    pub fn online(cfg: crate::EngineConfig) -> Result<Engine, ConfigError> {
        let mut e = Engine::new(cfg)?;
        e.go_online()?;
        Ok(e)
    }

    /// Switches to online mode, for good: what is buffered is applied, the
    /// network stage runs once over everything, and from now on every
    /// [`push`](Engine::push) applies its payment to both parties' state at
    /// once, so that [`party_score`](Engine::party_score) reads it; the
    /// network stage runs on [`settle`](Engine::settle). A payment older
    /// than one already applied for either of its parties is refused
    /// ([`RecordError::LateForParty`]): the windows only go forward, and
    /// online there is no buffer to put it in its place, so
    /// `reorder_tolerance_seconds` (the batch mode's buffer) must be unset.
    /// Call it on a fresh engine or on one restored from a snapshot.
    pub fn go_online(&mut self) -> Result<(), ConfigError> {
        if self.online {
            return Ok(());
        }
        if self.cfg.reorder_tolerance_seconds.is_some() {
            return Err(ConfigError(
                "reorder_tolerance_seconds must be unset online: payments are applied when pushed, \
                 each party's in time order"
                    .into(),
            ));
        }
        self.apply_everything();
        self.seal();
        // Per party from now on (`push_online`).
        self.intake.settled_until = None;
        self.intake.refuse_before = None;
        self.online = true;
        self.settle();
        Ok(())
    }

    pub fn is_online(&self) -> bool {
        self.online
    }

    pub(super) fn push_online(&mut self, p: &Payment<'_>) -> Result<(), RecordError> {
        let (senders, receivers) = (&self.senders.state, &self.receivers.state);
        let ts = p.timestamp;
        let behind = |last: Option<crate::model::Timestamp>, side: &'static str| match last {
            Some(last) if ts < last => Err(RecordError::LateForParty(
                last - ts,
                side,
                DisplayTime(last),
            )),
            _ => Ok(()),
        };
        let a = self.intake.admit(p, |s, r| {
            let s = s.and_then(|s| senders.get(s as usize)).map(|s| s.last_seen);
            let r = r
                .and_then(|r| receivers.get(r as usize))
                .map(|r| r.last_seen);
            behind(s, "sender")?;
            behind(r, "receiver")
        })?;
        let rec = self.record(p, &a);
        self.apply_one(&rec);
        if let Some(mut st) = self.settlement.take() {
            st.renamed |= a.receiver.renamed;
            st.touch(rec.sender, rec.receiver, self.payments);
            st.net.note_pair(&self.view(), rec.sender, rec.receiver);
            self.settlement = Some(st);
        }
        // Here rather than in `settle`: two engines fed the same payments
        // let go of the same ids at the same payment, however often each
        // settles (`adopt_settled` relies on their equal state).
        self.forget_old_txns();
        Ok(())
    }

    /// Applies one record to both sides at once.
    fn apply_one(&mut self, r: &Record) {
        self.senders.read_names(&self.names);
        self.receivers.read_names(&self.names);
        let (ns, nr) = (self.senders.info.len(), self.receivers.info.len());
        self.senders.state.resize_with(ns, Default::default);
        self.receivers.state.resize_with(nr, Default::default);
        let c = ApplyCtx {
            cfg: &self.cfg,
            purchase_mcc: &self.purchase_mcc,
            purchase_mcc_dest: &self.purchase_mcc_dest,
            senders: &self.senders.info,
            receivers: &self.receivers.info,
        };
        apply_sender(&c, &mut self.senders.state, r);
        apply_receiver(&c, &mut self.receivers.state, r);
        self.applied_until = Some(self.applied_until.map_or(r.ts, |u| u.max(r.ts)));
    }

    /// Runs the network stage over what was pushed since the last settle and
    /// says what changed. Online, every alert then equals what a batch
    /// `finish` over the same payments gives. In batch mode it applies what
    /// is buffered first (as `finish` does) and runs the whole stage.
    ///
    /// Online, `push` lets txn ids go whose payments are more than 90 days
    /// (the largest window) older than the newest one, once a third of
    /// those held came since the last time (ids of the evidence payments
    /// parties keep stay): a
    /// long run holds the ids of its last 90 days, not of every payment.
    /// Payments older than that are refused from then on
    /// ([`RecordError::BeyondMemory`]); a duplicate of a forgotten id is
    /// the caller's store to find (it keeps every id).
    pub fn settle(&mut self) -> Settled {
        self.settle_stage()
    }

    /// A second engine with this one's history, to settle for it on another
    /// thread: this one's snapshot restored and online, settled once, and
    /// holding txn ids as this one does, so that fed the payments this one
    /// accepts, in the same order, it holds the same state (party indices
    /// and txn ids alike) and refuses none of them (it reads no clock).
    pub fn fork(&mut self) -> Result<Engine, SnapshotError> {
        self.fork_seed().grow()
    }

    /// What [`fork`](Engine::fork) needs of this engine (its snapshot), so
    /// that the costly part, [`ForkSeed::grow`], can run on another thread
    /// while this one goes on.
    pub fn fork_seed(&mut self) -> ForkSeed {
        ForkSeed {
            cfg: self.cfg.clone(),
            bytes: self.snapshot(),
            txns_kept: self.settlement.as_deref().map(|st| st.txns_kept),
            outside: self.outside.clone(),
        }
    }

    /// A copy of what the last settle computed, for another engine with the    /// A copy of what the last settle computed, for another engine with the
    /// same history ([`adopt_settled`](Engine::adopt_settled)); `None`
    /// before the first settle or in batch mode.
    pub fn settled_net(&self) -> Option<SettledNet> {
        let st = self.settlement.as_deref().filter(|_| self.online)?;
        Some(SettledNet {
            net: st.net.clone(),
            payments: st.settled_payments,
            alerts: st.alerts.ranked.len(),
        })
    }

    /// Takes what another engine's settle computed as this engine's last
    /// settle, so that [`party_score`](Engine::party_score) reads those
    /// network findings and counts a party settled when it had no payment
    /// after the ones that settle took in. The other engine must have been
    /// fed the same payments in the same order (a restored snapshot of this
    /// one, then what this one accepted): party indices are read as its.
    /// This engine's [`alerts`](Engine::alerts) stay those of its own last
    /// settle, and its own next settle runs the whole stage.
    pub fn adopt_settled(&mut self, s: SettledNet) -> Result<SettledNet, AdoptError> {
        let pushed = self.payments;
        let st = self
            .settlement
            .as_deref_mut()
            .filter(|_| self.online)
            .ok_or(AdoptError::NotOnline)?;
        if s.payments > pushed {
            return Err(AdoptError::Ahead {
                settled: s.payments,
                pushed,
            });
        }
        let old = SettledNet {
            net: std::mem::replace(&mut st.net, s.net),
            payments: st.settled_payments,
            alerts: st.alerts.ranked.len(),
        };
        st.settled_payments = s.payments;
        let after = s.payments;
        let (at_s, at_r) = (&st.touched_at_senders, &st.touched_at_receivers);
        st.touched_senders.retain(|&i| at_s[i as usize] > after);
        st.touched_receivers.retain(|&i| at_r[i as usize] > after);
        // The alerts kept here are not the adopted settle's.
        st.renamed = true;
        Ok(old)
    }

    /// Hands the engine what cooperating institutions reported anew while
    /// it runs online: as [`set_outside`](Engine::set_outside), but the last
    /// settle stays (the standings read its network values until the next
    /// one), and the next settle runs the whole stage and says what the new
    /// evidence raised, changed or cleared.
    pub fn update_outside(&mut self, outside: crate::outside::Outside) {
        self.outside = outside;
        if let Some(st) = self.settlement.as_deref_mut() {
            st.renamed = true;
        }
    }

    fn settle_stage(&mut self) -> Settled {
        if !self.online {
            self.apply_everything();
            self.seal();
        }
        let payments = self.unsettled();
        let parties = self.senders.len() + self.receivers.len();
        let incremental = self.online && self.settlement.as_ref().is_some_and(|o| !o.renamed);
        if let Some(mut st) = self.settlement.take_if(|_| incremental) {
            let limit = parties / DIRTY_SHARE;
            let view = self.view();
            let (senders, receivers) = (
                std::mem::take(&mut st.touched_senders),
                std::mem::take(&mut st.touched_receivers),
            );
            // Each party pushed reaches some ten others on simulated traffic:
            // when that is already past the limit, the whole stage at once.
            let reach = (senders.len() + receivers.len()) * 8;
            let update = if reach <= limit {
                st.net.update(&view, &senders, &receivers, limit)
            } else {
                None
            };
            if let Some(update) = update {
                let mut out = Settled {
                    payments,
                    recomputed: update.recomputed as u64,
                    full: false,
                    ..Settled::default()
                };
                for (key, now) in update.alerts {
                    match now {
                        Some(a) => {
                            if st.alerts.get(&key) != Some(&a) {
                                out.raised.push(a.clone());
                                st.alerts.insert(key, a);
                            }
                        }
                        None => {
                            if let Some(a) = st.alerts.remove(&key) {
                                out.cleared.push((a.subject, a.role));
                            }
                        }
                    }
                }
                sort_alerts(&mut out.raised);
                out.cleared
                    .sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
                st.settled_payments = self.payments;
                self.settlement = Some(st);
                return out;
            }
            // Too much changed: the whole stage, below, from the alerts before.
            self.settlement = Some(st);
        }
        let old = self.settlement.take();
        let old_kept = old.as_ref().map_or(0, |o| o.txns_kept);
        let (net, fresh) = Net::full(&self.view());
        let mut out = Settled {
            payments,
            recomputed: parties as u64,
            full: true,
            ..Settled::default()
        };
        let mut alerts = old.map(|o| o.alerts).unwrap_or_default();
        let mut now: FxHashMap<Key, ()> = FxHashMap::default();
        for (key, a) in fresh {
            now.insert(key, ());
            if alerts.get(&key) != Some(&a) {
                out.raised.push(a.clone());
                alerts.insert(key, a);
            }
        }
        let gone: Vec<Key> = alerts
            .rank
            .keys()
            .filter(|k| !now.contains_key(k))
            .copied()
            .collect();
        for key in gone {
            if let Some(a) = alerts.remove(&key) {
                out.cleared.push((a.subject, a.role));
            }
        }
        sort_alerts(&mut out.raised);
        out.cleared
            .sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
        self.settlement = Some(Box::new(Settlement {
            net,
            alerts,
            settled_payments: self.payments,
            touched_senders: Vec::new(),
            touched_receivers: Vec::new(),
            touched_at_senders: Vec::new(),
            touched_at_receivers: Vec::new(),
            renamed: false,
            txns_kept: old_kept,
        }));
        out
    }

    /// Whether every pushed payment is settled (nothing pushed since the
    /// last settle). False before the first settle.
    pub fn is_settled(&self) -> bool {
        self.settlement.is_some() && self.unsettled() == 0
    }

    /// Payments pushed since the last settle.
    pub fn unsettled(&self) -> u64 {
        match &self.settlement {
            Some(s) => self.payments - s.settled_payments,
            None => self.payments,
        }
    }

    /// Every alert as of the last settle, in the order `finish` gives
    /// (highest score first); empty before the first settle.
    pub fn alerts(&self) -> impl ExactSizeIterator<Item = &Alert> + '_ {
        const NONE: &BTreeMap<Rank, Alert> = &BTreeMap::new();
        match &self.settlement {
            Some(s) => s.alerts.ranked.values(),
            None => NONE.values(),
        }
    }

    /// Every party seen in `role` with its score as of the last settle (as
    /// [`party_score`](Engine::party_score) gives it), its payments and its
    /// distinct counterparties (those its state keeps links to, plus those
    /// past them); empty before the first settle. What `spur match` offers.
    pub fn party_tallies(&self, role: Role) -> Vec<PartyTally> {
        let Some(st) = self.settlement.as_deref() else {
            return Vec::new();
        };
        let v = self.view();
        match role {
            Role::Sender => (0..v.senders.state.len())
                .map(|i| {
                    let s = &v.senders.state[i];
                    PartyTally {
                        id: v.senders.info[i].id.to_string(),
                        score: st.net.sender_now(&v, i, 0).0,
                        payments: s.payments,
                        counterparties: (s.links.len() as u32).saturating_add(s.links_overflow),
                    }
                })
                .collect(),
            Role::Receiver => (0..v.receivers.state.len())
                .map(|r| {
                    let s = &v.receivers.state[r];
                    PartyTally {
                        id: v.receivers.info[r].id.to_string(),
                        score: st.net.receiver_now(&v, r, 0).0,
                        payments: s.payments,
                        counterparties: (s.links.len() as u32).saturating_add(s.links_overflow),
                    }
                })
                .collect(),
        }
    }

    /// The current score of a party in one role, or `None` for a party
    /// never seen in it (or, in batch mode, before the first settle). Its
    /// own (local) findings are read from its current state; its network
    /// findings from the neighbours' values of the last settle. Cheap: one
    /// party's facts, no stage.
    pub fn party_score(&self, id: &str, role: Role) -> Option<PartyScore> {
        self.party_standing(id, role, usize::MAX)
    }

    /// As [`party_score`](Engine::party_score) with only the `top`
    /// strongest findings (the first `top` of `party_score`'s), whose
    /// words alone are written: what an answer to a posted payment shows.
    pub fn party_standing(&self, id: &str, role: Role, top: usize) -> Option<PartyScore> {
        let st = self.settlement.as_deref()?;
        let v = self.view();
        let (score, alerted, indicators, touched) = match role {
            Role::Sender => {
                let i = self.intake.senders.get(id)? as usize;
                if i >= v.senders.state.len() {
                    return None;
                }
                let (score, alerted, found) = st.net.sender_now(&v, i, top);
                (score, alerted, found, st.touched_at_senders.get(i).copied())
            }
            Role::Receiver => {
                let r = self.intake.receivers.get(id)? as usize;
                if r >= v.receivers.state.len() {
                    return None;
                }
                let (score, alerted, found) = st.net.receiver_now(&v, r, top);
                (
                    score,
                    alerted,
                    found,
                    st.touched_at_receivers.get(r).copied(),
                )
            }
        };
        Some(PartyScore {
            subject: id.to_owned(),
            role,
            score,
            alerted,
            settled: touched.unwrap_or(0) <= st.settled_payments,
            indicators,
        })
    }
}

impl Engine {
    /// Compares what the last settle kept with the whole network stage over
    /// the current state, every value bit for bit, and the alerts: `None`
    /// when equal, else the first difference. For tests of the incremental
    /// settle; it costs a whole stage.
    #[doc(hidden)]
    pub fn settlement_differs_from_full_stage(&self) -> Option<String> {
        let st = self.settlement.as_deref()?;
        let (net, alerts) = Net::full(&self.view());
        if let Some(d) = st.net.differs_from(&net) {
            return Some(d);
        }
        let mut alerts: Vec<Alert> = alerts.into_iter().map(|(_, a)| a).collect();
        sort_alerts(&mut alerts);
        (!alerts.iter().eq(st.alerts.iter())).then(|| "alerts differ".to_owned())
    }
}
