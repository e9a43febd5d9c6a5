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
use spur_engine::{Alert, Engine, EngineConfig, Outcome, Payment, Role, Timestamp};
use spur_store::{
    payment_digest, AlertUpdate, ChunkWriter, IngestedTxn, KnownTxn, LogCommit, LogCommitted,
    PaymentDigest, Store,
};

use crate::AppError;

/// Chunks read from the store at a time while replaying the log.
const REPLAY_PAGE: usize = 16;

/// Payments logged after the checkpoint beyond which a scan into the store
/// saves a new one with its commit: below it, the next start replays the
/// tail (a 10,000-payment day replays in well under a second), above it
/// the snapshot is worth its bytes.
pub const CHECKPOINT_AFTER: u64 = 200_000;

/// One party's standing, as of the latest settle.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PartyStanding {
    pub id: String,
    /// The party's alert score in this role when it has an alert that
    /// stands; `None` when it has none (below the threshold, or not settled
    /// since it was first seen).
    pub score: Option<f64>,
    pub alerted: bool,
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

/// What a settle stored.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Settled {
    pub alerts: usize,
    pub created: usize,
    pub updated: usize,
    pub cleared: usize,
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
    /// The alerts as the last settle stored them (`None` before the first
    /// settle of this process, which then stores the whole outcome).
    standing: Option<HashMap<(String, Role), Alert>>,
    /// A commit failed after the engine took payments: rebuild before more.
    stale: bool,
}

impl Live {
    /// Loads the latest checkpoint (or, in a database from before the log,
    /// the engine state a scan stored) and replays the log after it.
    /// `now` is the wall clock at ingestion: later payments dated more than
    /// `future_margin_seconds` after it are refused.
    pub fn open(
        mut store: Box<dyn Store>,
        cfg: EngineConfig,
        now: Timestamp,
    ) -> Result<Live, AppError> {
        let (engine, seq, since_checkpoint) = rebuild(&mut *store, &cfg, now)?;
        Ok(Live {
            store,
            cfg,
            engine,
            now,
            seq,
            since_checkpoint,
            standing: None,
            stale: false,
        })
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

    /// The last log chunk the engine has applied.
    pub fn log_seq(&self) -> i64 {
        self.seq
    }

    /// Payments logged since the checkpoint the engine started from.
    pub fn since_checkpoint(&self) -> u64 {
        self.since_checkpoint
    }

    /// After a failed commit the engine holds payments the log does not:
    /// it is rebuilt from the store before it takes any more.
    fn fresh(&mut self) -> Result<(), AppError> {
        if self.stale {
            let (engine, seq, since) = rebuild(&mut *self.store, &self.cfg, self.now)?;
            self.engine = engine;
            self.seq = seq;
            self.since_checkpoint = since;
            self.standing = None;
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
        self.fresh()?;
        let ids: Vec<&str> = payments.iter().map(|p| p.txn_id).collect();
        // The store knows every id ever logged, the ones the engine has let
        // go of included.
        let found = self.store.known_txns(&ids)?;
        let known: HashMap<&str, &KnownTxn> =
            found.iter().map(|k| (k.txn_id.as_str(), k)).collect();
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
                            sender: self.standing_of(p.sender_id, Role::Sender),
                            receiver: self.standing_of(p.receiver_id, Role::Receiver),
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
        if !chunk.is_empty() {
            let done = self.store.commit_log(&LogCommit {
                after: self.seq,
                chunks: &[chunk.bytes()],
                txns: &txns,
                ..LogCommit::default()
            })?;
            self.seq = done.seq;
            self.since_checkpoint += txns.len() as u64;
        }
        self.stale = false;
        Ok(verdicts)
    }

    fn standing_of(&self, id: &str, role: Role) -> PartyStanding {
        let alert = self
            .standing
            .as_ref()
            .and_then(|s| s.get(&(id.to_owned(), role)));
        PartyStanding {
            id: id.to_owned(),
            score: alert.map(|a| a.score),
            alerted: alert.is_some(),
        }
    }

    /// Scores every party and stores the alerts that changed since the last
    /// settle (the first settle of a process stores the whole outcome, and
    /// clears stored alerts it no longer raises).
    pub fn settle(&mut self) -> Result<Settled, AppError> {
        self.fresh()?;
        let outcome = self.engine.finish();
        let now: HashMap<(String, Role), Alert> = outcome
            .alerts
            .into_iter()
            .map(|a| ((a.subject.clone(), a.role), a))
            .collect();
        let done = match self.standing.take() {
            None => {
                let all: Vec<Alert> = now.values().cloned().collect();
                self.commit_alerts(AlertUpdate::Whole(&all))?
            }
            Some(before) => {
                let raised: Vec<Alert> = now
                    .iter()
                    .filter(|(k, a)| before.get(*k) != Some(a))
                    .map(|(_, a)| a.clone())
                    .collect();
                let cleared: Vec<(&str, Role)> = before
                    .keys()
                    .filter(|k| !now.contains_key(*k))
                    .map(|(id, role)| (id.as_str(), *role))
                    .collect();
                let done = self.commit_alerts(AlertUpdate::Changed {
                    raised: &raised,
                    cleared: &cleared,
                });
                match done {
                    Ok(done) => done,
                    Err(e) => {
                        // Not stored: the next settle compares with it again.
                        self.standing = Some(before);
                        return Err(e);
                    }
                }
            }
        };
        let settled = Settled {
            alerts: now.len(),
            created: done.alerts_created.len(),
            updated: done.alerts_updated.len(),
            cleared: done.alerts_cleared.len(),
        };
        self.standing = Some(now);
        Ok(settled)
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
    /// complete outcome (stored alerts it does not raise are cleared) and,
    /// once the log has grown [`CHECKPOINT_AFTER`] payments past the last
    /// checkpoint, a new one; one transaction, so a scan killed at any
    /// moment leaves all of it or nothing.
    pub fn commit_scan(
        &mut self,
        chunks: &[&[u8]],
        txns: &[IngestedTxn<'_>],
        outcome: &Outcome,
    ) -> Result<LogCommitted, AppError> {
        let logged = self.since_checkpoint + txns.len() as u64;
        let state = (logged >= CHECKPOINT_AFTER).then(|| self.engine.snapshot());
        let done = self.store.commit_log(&LogCommit {
            after: self.seq,
            chunks,
            txns,
            alerts: AlertUpdate::Whole(&outcome.alerts),
            payments: &[],
            checkpoint: state.as_deref(),
        });
        let done = match done {
            Ok(done) => done,
            Err(e) => {
                self.stale = true;
                return Err(e.into());
            }
        };
        self.seq = done.seq;
        self.since_checkpoint = if done.checkpoint { 0 } else { logged };
        self.standing = Some(
            outcome
                .alerts
                .iter()
                .map(|a| ((a.subject.clone(), a.role), a.clone()))
                .collect(),
        );
        Ok(done)
    }
}

/// The engine as the store has it: checkpoint, then the log's tail.
fn rebuild(
    store: &mut dyn Store,
    cfg: &EngineConfig,
    now: Timestamp,
) -> Result<(Engine, i64, u64), AppError> {
    let (mut engine, mut seq) = match store.load_checkpoint()? {
        Some(c) => (Engine::restore(cfg.clone(), &c.state)?, c.log_seq),
        None => match store.load_engine_state()? {
            // A database a scan filled before the log: its state, then
            // whatever the log has.
            Some(state) => (Engine::restore(cfg.clone(), &state.blob)?, 0),
            None => (Engine::new(cfg.clone())?, 0),
        },
    };
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
        tracing::warn!(
            refused,
            replayed,
            "payments of the log the engine refused on replay (another configuration?)"
        );
    }
    tracing::info!(log_seq = seq, replayed, "engine state loaded");
    engine.set_now(now);
    Ok((engine, seq, replayed))
}
