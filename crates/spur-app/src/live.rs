//! `Live`: durable ingestion, shared by `spur scan --db` and `spur serve`.
//!
//! The engine's state lives in memory; what makes it durable is the store's
//! payment log: every accepted payment is appended (one chunk per call of
//! [`Live::submit`], the group commit) with its txn id and content digest in
//! the same transaction, before `submit` returns. [`Live::open`] loads the
//! latest checkpoint and replays the log after it, so the engine goes on
//! where the last writer stopped, whether it was stopped or killed.
//!
//! One `Live` per database writes at a time: a commit is refused if the log
//! has moved past what this engine has applied (another writer), and `Live`
//! then rebuilds its engine from the store before it takes more payments.

use std::collections::HashMap;

use serde::Serialize;
use spur_engine::{
    Engine, EngineConfig, Outcome, PartyScore, Payment, Role, SettledNet, Timestamp,
};
use spur_store::{
    payment_digest, AlertUpdate, ChunkWriter, IngestedTxn, KnownTxn, LogCommit, LogCommitted,
    PaymentDigest, PaymentRecord, Store,
};

use crate::settler::{Settler, SettlerSeed};
use crate::AppError;

/// Chunks read from the store at a time while replaying the log.
const REPLAY_PAGE: usize = 16;

/// Payments logged after the checkpoint beyond which a scan into the store
/// saves a new one with its commit: below it, the next start replays the
/// tail (a 10,000-payment day in a fraction of a second), above it the
/// snapshot is worth its bytes. (With the engine's JSON snapshot of before,
/// 302 MB for 772,711 payments, restoring took longer than replaying the
/// log, 8.0 s against 3.3 s at 99e91f1, and this was two million; the
/// snapshot is compact binary since the engine's 683661b.)
/// `Live::checkpoint` saves one whenever its caller says (the server at
/// shutdown).
pub const CHECKPOINT_AFTER: u64 = 200_000;

/// One party's standing when its payment was accepted: the engine's score
/// now (online: its local findings current, its network findings as of
/// the last settle).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PartyStanding {
    pub id: String,
    /// In [0, 1]; `None` for a batch-mode `Live`, which scores at the end.
    pub score: Option<f64>,
    /// The score reaches the alert threshold.
    pub alerted: bool,
    /// No payment of the party came since the last settle.
    pub settled: bool,
    /// The strongest findings (at most [`TOP_REASONS`], highest
    /// contribution first).
    pub reasons: Vec<Reason>,
}

/// How many findings a standing names.
pub const TOP_REASONS: usize = 3;

/// One finding behind a party's score, in the alert's words.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reason {
    pub code: String,
    pub contribution: f64,
    pub reason: String,
}

impl PartyStanding {
    fn of(id: &str, score: Option<PartyScore>) -> PartyStanding {
        match score {
            None => PartyStanding {
                id: id.to_owned(),
                score: None,
                alerted: false,
                settled: false,
                reasons: Vec::new(),
            },
            Some(s) => {
                let mut reasons: Vec<Reason> = s
                    .indicators
                    .into_iter()
                    .map(|f| Reason {
                        code: f.code,
                        contribution: f.contribution,
                        reason: f.reason,
                    })
                    .collect();
                reasons.sort_by(|a, b| b.contribution.total_cmp(&a.contribution));
                reasons.truncate(TOP_REASONS);
                PartyStanding {
                    id: id.to_owned(),
                    score: Some(s.score),
                    alerted: s.alerted,
                    settled: s.settled,
                    reasons,
                }
            }
        }
    }
}

/// What became of one submitted payment.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum Verdict {
    /// Taken and durable, with both parties' standing.
    Accepted {
        txn_id: String,
        sender: PartyStanding,
        receiver: PartyStanding,
    },
    /// The same txn id with the same content was taken before: not again.
    Duplicate { txn_id: String },
    /// Refused, with the field and the reason the rejects file would give.
    Rejected {
        txn_id: String,
        field: &'static str,
        reason: String,
    },
}

/// Alert changes of a settle (or a part of them) to store.
#[derive(Clone, Copy, Debug, Default)]
pub struct Changes<'a> {
    /// Alerts raised or changed.
    pub raised: &'a [spur_engine::Alert],
    /// Parties whose alert in a role is cleared.
    pub cleared: &'a [(&'a str, Role)],
    /// Details of their evidence payments at hand (the store reads the
    /// others from its log, which costs decoding the chunks they are in).
    pub evidence: &'a [PaymentRecord],
}

/// What a settle stored.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Settled {
    /// Alerts standing after the settle.
    pub alerts: usize,
    /// Payments the settle took into the network stage.
    pub payments: u64,
    pub created: usize,
    pub updated: usize,
    pub cleared: usize,
}

/// Where the time of the last [`Live::submit`] went (for the server's
/// metrics: what a group commit costs, stage by stage).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SubmitTimes {
    /// The store's look-up of the txn ids.
    pub lookup: std::time::Duration,
    /// Engine pushes, both parties' standings, the log chunk.
    pub engine: std::time::Duration,
    /// The store transaction (the log chunk and txn ids), durable.
    pub commit: std::time::Duration,
    /// Alerts it created (`submit_with`'s changes).
    pub alerts_created: usize,
}

pub struct Live {
    store: Box<dyn Store>,
    cfg: EngineConfig,
    engine: Engine,
    now: Timestamp,
    /// The last log chunk the engine has applied.
    seq: i64,
    /// Payments logged after the checkpoint the engine started from.
    since_checkpoint: u64,
    /// Whether this process has stored the engine's whole set of alerts
    /// (its first settle does; later ones store what changed).
    stored_whole: bool,
    /// A commit failed after the engine took payments: rebuild before more.
    stale: bool,
    mode: Mode,
    times: SubmitTimes,
    /// The store's outside evidence mark when the engine last read it.
    outside_mark: (i64, i64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Online,
    Batch,
}

impl Live {
    /// Loads the latest checkpoint (or, in a database from before the log,
    /// the engine state a scan stored), switches the engine online
    /// (`Engine::go_online`: each payment scored as it is pushed) and
    /// replays the log after the checkpoint. `now` is the wall clock at
    /// ingestion: later payments dated more than `future_margin_seconds`
    /// after it are refused. What the server uses.
    pub fn open(
        store: Box<dyn Store>,
        cfg: EngineConfig,
        now: Timestamp,
    ) -> Result<Live, AppError> {
        Live::open_in(store, cfg, now, Mode::Online)
    }

    /// As [`Live::open`] with the engine in batch mode (payments of a file
    /// in any order, scored at the end): what `spur scan --db` uses.
    pub fn open_batch(
        store: Box<dyn Store>,
        cfg: EngineConfig,
        now: Timestamp,
    ) -> Result<Live, AppError> {
        Live::open_in(store, cfg, now, Mode::Batch)
    }

    fn open_in(
        mut store: Box<dyn Store>,
        cfg: EngineConfig,
        now: Timestamp,
        mode: Mode,
    ) -> Result<Live, AppError> {
        // Read before the evidence itself: a run stored in between is read
        // again at the next `refresh_outside`.
        let outside_mark = store.outside_evidence_mark()?;
        let (engine, seq, since_checkpoint) = rebuild(&mut *store, &cfg, now, mode)?;
        Ok(Live {
            store,
            cfg,
            engine,
            now,
            seq,
            since_checkpoint,
            stored_whole: false,
            stale: false,
            mode,
            times: SubmitTimes::default(),
            outside_mark,
        })
    }

    /// Reads the store's outside evidence again when a match run stored or
    /// replaced some since the engine last read it (`spur match` from
    /// another process, or a peer's run this server answered) and hands it
    /// to the engine ([`Engine::update_outside`]: the next settle runs the
    /// whole stage). The new evidence, for a settler to take as well; `None`
    /// when nothing changed.
    pub fn refresh_outside(&mut self) -> Result<Option<spur_engine::outside::Outside>, AppError> {
        let mark = self.store.outside_evidence_mark()?;
        if mark == self.outside_mark {
            return Ok(None);
        }
        let outside = crate::matching::apply::outside(&mut *self.store)?;
        self.engine.update_outside(outside.clone());
        self.outside_mark = mark;
        Ok(Some(outside))
    }

    /// The wall clock at ingestion, for the payments after this call.
    pub fn set_now(&mut self, now: Timestamp) {
        self.now = now;
        self.engine.set_now(now);
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn engine_mut(&mut self) -> &mut Engine {
        &mut self.engine
    }

    pub fn store(&mut self) -> &mut dyn Store {
        &mut *self.store
    }

    /// The engine and the store at once (a scan feeds one and asks the other).
    pub fn parts(&mut self) -> (&mut Engine, &mut dyn Store) {
        (&mut self.engine, &mut *self.store)
    }

    /// The engine, the store closed.
    pub fn into_engine(self) -> Engine {
        self.engine
    }

    /// The last log chunk the engine has applied.
    pub fn log_seq(&self) -> i64 {
        self.seq
    }

    /// Where the time of the last `submit` went.
    pub fn submit_times(&self) -> SubmitTimes {
        self.times
    }

    /// Payments logged since the checkpoint the engine started from.
    pub fn since_checkpoint(&self) -> u64 {
        self.since_checkpoint
    }

    /// After a failed commit the engine holds payments the log does not:
    /// it is rebuilt from the store before it takes any more.
    fn fresh(&mut self) -> Result<(), AppError> {
        if self.stale {
            let (engine, seq, since) = rebuild(&mut *self.store, &self.cfg, self.now, self.mode)?;
            self.engine = engine;
            self.seq = seq;
            self.since_checkpoint = since;
            self.stored_whole = false;
            self.stale = false;
        }
        Ok(())
    }

    /// Takes a group of payments: each is accepted, a duplicate (its txn id
    /// was taken with the same content) or rejected (a reused txn id with
    /// other content, or a value the engine refuses), in order. The accepted
    /// ones are durable when this returns: one store transaction per call.
    /// On an error nothing of the call was stored, and no verdict stands.
    pub fn submit(&mut self, payments: &[Payment<'_>]) -> Result<Vec<Verdict>, AppError> {
        self.submit_with(payments, &Changes::default())
    }

    /// As [`submit`](Live::submit), storing alert changes of a settler's
    /// settle in the same transaction (as [`store_changes`](Live::store_changes)
    /// would): one commit for both. On an error neither is stored.
    pub fn submit_with(
        &mut self,
        payments: &[Payment<'_>],
        alerts: &Changes<'_>,
    ) -> Result<Vec<Verdict>, AppError> {
        self.fresh()?;
        let Changes {
            raised,
            cleared,
            evidence,
        } = *alerts;
        let changes = !raised.is_empty() || !cleared.is_empty();
        if changes {
            self.whole_stored()?;
        }
        let started = std::time::Instant::now();
        let ids: Vec<&str> = payments.iter().map(|p| p.txn_id).collect();
        // The store knows every id ever logged, the ones the engine has let
        // go of included.
        let found = self.store.known_txns(&ids)?;
        let known: HashMap<&str, &KnownTxn> =
            found.iter().map(|k| (k.txn_id.as_str(), k)).collect();
        let looked_up = std::time::Instant::now();
        let mut taken: HashMap<&str, PaymentDigest> = HashMap::new();
        let mut chunk = ChunkWriter::with_capacity(payments.len());
        let mut txns = Vec::with_capacity(payments.len());
        let mut verdicts = Vec::with_capacity(payments.len());
        for p in payments {
            let digest = payment_digest(p);
            let txn_id = p.txn_id.to_owned();
            let verdict = if let Some(k) = known.get(p.txn_id) {
                if k.same_content(&digest) {
                    Verdict::Duplicate { txn_id }
                } else {
                    Verdict::Rejected {
                        txn_id,
                        field: "txn_id",
                        reason: k.reused_reason(),
                    }
                }
            } else if let Some(first) = taken.get(p.txn_id) {
                if *first == digest {
                    Verdict::Duplicate { txn_id }
                } else {
                    Verdict::Rejected {
                        txn_id,
                        field: "txn_id",
                        reason: format!(
                            "txn id {} came twice in this batch with different content; \
                             the first stands",
                            p.txn_id
                        ),
                    }
                }
            } else {
                match self.engine.push(p) {
                    Ok(()) => {
                        self.stale = true;
                        taken.insert(p.txn_id, digest);
                        chunk.push(p);
                        txns.push(IngestedTxn {
                            txn_id: p.txn_id,
                            digest,
                        });
                        Verdict::Accepted {
                            txn_id,
                            sender: PartyStanding::of(
                                p.sender_id,
                                self.engine
                                    .party_standing(p.sender_id, Role::Sender, TOP_REASONS),
                            ),
                            receiver: PartyStanding::of(
                                p.receiver_id,
                                self.engine.party_standing(
                                    p.receiver_id,
                                    Role::Receiver,
                                    TOP_REASONS,
                                ),
                            ),
                        }
                    }
                    Err(e) => Verdict::Rejected {
                        txn_id,
                        field: e.field(),
                        reason: e.to_string(),
                    },
                }
            };
            verdicts.push(verdict);
        }
        let scored = std::time::Instant::now();
        let mut created = 0;
        if !chunk.is_empty() || changes {
            let bytes = chunk.bytes();
            let chunks = [bytes];
            let done = self.store.commit_log(&LogCommit {
                after: self.seq,
                chunks: if chunk.is_empty() { &[] } else { &chunks },
                txns: &txns,
                alerts: AlertUpdate::Changed { raised, cleared },
                payments: evidence,
                ..LogCommit::default()
            })?;
            self.seq = done.seq;
            self.since_checkpoint += txns.len() as u64;
            created = done.alerts_created.len();
        }
        self.stale = false;
        self.times = SubmitTimes {
            lookup: looked_up - started,
            engine: scored - looked_up,
            commit: scored.elapsed(),
            alerts_created: created,
        };
        Ok(verdicts)
    }

    /// Runs the engine's network stage over what came since the last
    /// settle and stores the alerts it raised, changed or cleared (the
    /// first settle of a process stores every current alert, and clears
    /// stored ones the engine no longer raises: what a crash between a
    /// submit and its settle left unstored is stored then).
    pub fn settle(&mut self) -> Result<Settled, AppError> {
        self.fresh()?;
        let s = self.engine.settle();
        let done = if self.stored_whole {
            let cleared: Vec<(&str, Role)> = s
                .cleared
                .iter()
                .map(|(id, role)| (id.as_str(), *role))
                .collect();
            self.commit_alerts(AlertUpdate::Changed {
                raised: &s.raised,
                cleared: &cleared,
            })?
        } else {
            let all: Vec<_> = self.engine.alerts().cloned().collect();
            self.commit_alerts(AlertUpdate::Whole(&all))?
        };
        self.stored_whole = true;
        Ok(Settled {
            alerts: self.engine.alerts().len(),
            payments: s.payments,
            created: done.alerts_created.len(),
            updated: done.alerts_updated.len(),
            cleared: done.alerts_cleared.len(),
        })
    }

    /// A [`Settler`] with this engine's history, to settle on another
    /// thread: fed what `submit` accepts, it holds the same state.
    pub fn settler(&mut self) -> Result<Settler, AppError> {
        self.settler_seed()?.grow()
    }

    /// What [`settler`](Live::settler) takes of this `Live` (the engine's
    /// snapshot), so that the settler is made on its own thread.
    pub fn settler_seed(&mut self) -> Result<SettlerSeed, AppError> {
        self.fresh()?;
        Ok(SettlerSeed {
            seed: self.engine.fork_seed(),
            seq: self.seq,
            since_checkpoint: self.since_checkpoint,
        })
    }

    /// Takes a settler's network values as the last settle's: the standings
    /// `submit` answers read them. Its alert changes are stored apart
    /// ([`store_settled`](Live::store_settled)).
    pub fn adopt(&mut self, net: SettledNet) -> Result<(), AppError> {
        self.engine
            .adopt_settled(net)
            .map_err(|e| AppError::Invalid(format!("cannot adopt the settle: {e}")))?;
        Ok(())
    }

    /// Stores alert changes of a settler's settle (alerts raised or
    /// changed, parties cleared), in a transaction of their own on the
    /// writer's connection; the alerts created. A settle's changes may be
    /// stored in any number of parts, in any order, also with payments
    /// ([`submit_with`](Live::submit_with)).
    pub fn store_changes(&mut self, alerts: &Changes<'_>) -> Result<usize, AppError> {
        self.whole_stored()?;
        let done = self.store.commit_log(&LogCommit {
            after: self.seq,
            alerts: AlertUpdate::Changed {
                raised: alerts.raised,
                cleared: alerts.cleared,
            },
            payments: alerts.evidence,
            ..LogCommit::default()
        })?;
        Ok(done.alerts_created.len())
    }

    fn whole_stored(&self) -> Result<(), AppError> {
        if self.stored_whole {
            Ok(())
        } else {
            Err(AppError::Invalid(
                "a settler's changes need the whole set of alerts stored first".into(),
            ))
        }
    }

    /// The engine's own alerts are not the stored ones any more (a settler
    /// stored its settles): its next `settle` stores the whole set again.
    pub fn store_whole_next(&mut self) {
        self.stored_whole = false;
    }

    fn commit_alerts(&mut self, alerts: AlertUpdate<'_>) -> Result<LogCommitted, AppError> {
        Ok(self.store.commit_log(&LogCommit {
            after: self.seq,
            alerts,
            ..LogCommit::default()
        })?)
    }

    /// Saves a checkpoint of the engine at the log's current position: the
    /// snapshot is taken on the caller's thread and written by the store on
    /// it too (not in the background: the store is this writer's
    /// connection). Start-up then replays only what comes after.
    pub fn checkpoint(&mut self) -> Result<usize, AppError> {
        self.fresh()?;
        let state = self.engine.snapshot();
        self.store.save_checkpoint(self.seq, &state)?;
        self.since_checkpoint = 0;
        Ok(state.len())
    }

    /// A whole scan's commit: its chunks and their txn ids, the engine's
    /// complete outcome (stored alerts it does not raise are cleared) in
    /// one transaction, so a scan killed at any moment leaves all of it or
    /// nothing. Once the log has grown [`CHECKPOINT_AFTER`] payments past
    /// the last checkpoint, a new one follows in a transaction of its own:
    /// it is encoded on a second thread while the first transaction is
    /// written (the engine is idle then), and it is derived state, so a
    /// kill between the two only costs the next start a longer replay.
    pub fn commit_scan(
        &mut self,
        chunks: &[&[u8]],
        txns: &[IngestedTxn<'_>],
        payments: &[PaymentRecord],
        outcome: &Outcome,
    ) -> Result<LogCommitted, AppError> {
        let logged = self.since_checkpoint + txns.len() as u64;
        let commit = LogCommit {
            after: self.seq,
            chunks,
            txns,
            alerts: AlertUpdate::Whole(&outcome.alerts),
            payments,
            checkpoint: None,
            action: Some("scan.commit"),
        };
        let started = std::time::Instant::now();
        let store = &mut self.store;
        let (done, state) = if logged >= CHECKPOINT_AFTER {
            let prepared = self.engine.prepare_snapshot();
            std::thread::scope(|scope| {
                let encoding = scope.spawn(move || {
                    let started = std::time::Instant::now();
                    let state = prepared.encode();
                    tracing::debug!(
                        bytes = state.len(),
                        ms = started.elapsed().as_secs_f64() * 1e3,
                        "checkpoint encoded"
                    );
                    state
                });
                let done = store.commit_log(&commit);
                // The encoder only reads the engine: it ends, and a panic
                // there is a bug, not input.
                let state = encoding.join().ok();
                (done, state)
            })
        } else {
            (store.commit_log(&commit), None)
        };
        let mut done = match done {
            Ok(done) => done,
            Err(e) => {
                self.stale = true;
                return Err(e.into());
            }
        };
        tracing::debug!(ms = started.elapsed().as_secs_f64() * 1e3, "scan committed");
        self.seq = done.seq;
        self.since_checkpoint = logged;
        self.stored_whole = true;
        if let Some(state) = state {
            let started = std::time::Instant::now();
            self.store
                .save_checkpoint(done.seq, &state)
                .map_err(|e| AppError::Context {
                    what: "the scan is stored; saving the checkpoint after it".into(),
                    inner: Box::new(e.into()),
                })?;
            tracing::debug!(
                ms = started.elapsed().as_secs_f64() * 1e3,
                "checkpoint saved"
            );
            done.checkpoint = true;
            self.since_checkpoint = 0;
        }
        Ok(done)
    }
}

/// The engine as the store has it: checkpoint, then the log's tail.
fn rebuild(
    store: &mut dyn Store,
    cfg: &EngineConfig,
    now: Timestamp,
    mode: Mode,
) -> Result<(Engine, i64, u64), AppError> {
    let started = std::time::Instant::now();
    let (mut engine, mut seq) = match store.load_checkpoint()? {
        Some(c) => {
            let loaded_ms = started.elapsed().as_secs_f64() * 1e3;
            let engine = Engine::restore(cfg.clone(), &c.state)?;
            tracing::debug!(
                bytes = c.state.len(),
                loaded_ms,
                restored_ms = started.elapsed().as_secs_f64() * 1e3 - loaded_ms,
                "checkpoint restored"
            );
            (engine, c.log_seq)
        }
        None => match store.load_engine_state()? {
            // A database a scan filled before the log: its state, then
            // whatever the log has.
            Some(state) => (Engine::restore(cfg.clone(), &state.blob)?, 0),
            None => (Engine::new(cfg.clone())?, 0),
        },
    };
    // What cooperating institutions told (spur match), read by R-XMATCH and
    // P-XMATCH, in both modes (a settler's fork takes it along).
    engine.set_outside(crate::matching::apply::outside(store)?);
    // Online before the replay: the log's online payments were taken in
    // each party's time order, not the whole log's, and are replayed so.
    if mode == Mode::Online {
        engine.go_online()?;
    }
    // What was accepted once is accepted again, whatever the clock says now.
    engine.set_now(spur_engine::MAX_TIMESTAMP);
    let mut replayed = 0u64;
    let mut refused = 0u64;
    loop {
        let page = store.read_log(seq, REPLAY_PAGE)?;
        if page.is_empty() {
            break;
        }
        for chunk in &page {
            for p in chunk.decode()? {
                if engine.push(&p).is_err() {
                    refused += 1;
                }
                replayed += 1;
            }
            seq = chunk.seq;
        }
    }
    if refused > 0 {
        // Still logged and known as ingested, but not in the engine's state:
        // a log written online replayed in batch mode (older than the
        // checkpoint's newest payment), or the other way round (a scan's
        // file out of each party's order), or another configuration.
        tracing::warn!(
            refused,
            replayed,
            "payments of the log the engine refused on replay"
        );
    }
    tracing::info!(
        log_seq = seq,
        replayed,
        ms = started.elapsed().as_secs_f64() * 1e3,
        "engine state loaded"
    );
    // Batch: what the store holds is history, whether it came from the
    // checkpoint or the log after it, so an older period is refused alike.
    if mode == Mode::Batch {
        engine.seal_history();
    }
    engine.set_now(now);
    Ok((engine, seq, replayed))
}
