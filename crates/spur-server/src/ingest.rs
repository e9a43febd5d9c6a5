//! The one writer: a dedicated thread owns the ingest service
//! ([`spur_app::live::Live`], with its own store connection) and takes the
//! payments of every request through one bounded channel.
//!
//! Group commit: the writer waits for a request, then takes every other one
//! already waiting (up to [`MAX_GROUP`] payments) and hands them all to one
//! `Live::submit`, which is one store transaction; each request is answered
//! with its own verdicts once that transaction is durable. Under load many
//! requests share one commit; alone, a request waits for nobody.
//!
//! Settling (the network stage) and checkpoints run on a second thread, the
//! settler ([`spur_app::settler::Settler`]): after each commit the writer
//! hands it the batches with what it accepted; within `settle_after` of the
//! first payment it has not settled, it settles and sends the writer the
//! alert changes (which the writer stores) and the network values (which
//! it adopts, so that its answers carry them). Past `checkpoint_after`
//! payments it saves a checkpoint on a store connection of its own. So the
//! writer never waits for a settle or a snapshot; it only stores the
//! changes, one small transaction per settle. On close, the writer answers
//! what is queued, the settler settles and checkpoints, and the writer
//! stores the last changes. Should the settler fail, the writer settles
//! itself, between commits, as before.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use spur_app::live::{Changes, Live, Verdict};
use spur_app::settler::Settlement;
use spur_engine::{Alert, EngineConfig, Role};
use spur_io::{Entry, PaymentBatch};
use spur_store::{Clock, OpenMode, PaymentRecord, SystemClock};
use tokio::sync::oneshot;

use crate::error::ApiError;
use crate::metrics::Metrics;

mod settler;
use settler::{start_settler, ToSettler};

/// Payments gathered into one commit at most (a request's batch is never split).
pub const MAX_GROUP: usize = 20_000;

/// A request's batch and where to send its verdicts (one per payment of
/// the batch, in its order; the batch's parse rejects are not in it).
struct Job {
    batch: PaymentBatch,
    /// When it was handed to the writer.
    queued: Instant,
    reply: oneshot::Sender<Result<Vec<Verdict>, ApiError>>,
}

/// What the writer is sent: requests, and what the settler did.
enum ToWriter {
    Job(Job),
    /// A settle of the settler, with the details of its raised alerts'
    /// evidence payments that came since the settle before (the others
    /// were kept then, or are read from the log).
    Settled(Settlement, Vec<PaymentRecord>),
    /// The settler stopped being usable: the writer settles itself.
    SettlerFailed(String),
    /// The settler's last settle, after `Finish`; it has ended.
    Finished(Option<(Settlement, Vec<PaymentRecord>)>),
    /// Every request was answered: settle, checkpoint and end.
    Close,
}

/// Handle to the writer thread.
pub struct Ingest {
    jobs: Mutex<Option<SyncSender<ToWriter>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
    settled: Arc<AtomicBool>,
}

/// How the writer is set up.
#[derive(Clone, Debug)]
pub struct IngestConfig {
    pub engine: EngineConfig,
    /// Requests waiting for the writer; beyond them, 503.
    pub queue: usize,
    /// The network findings of a payment are settled within this time of
    /// its acknowledgement (plus the time a settle takes).
    pub settle_after: Duration,
    /// Payments logged after the last checkpoint beyond which a new one is
    /// saved, after the next settle.
    pub checkpoint_after: u64,
    /// Held by a test to keep the settler from settling (it takes the lock
    /// before each settle), to show that posts are answered meanwhile.
    pub settle_gate: Option<Arc<Mutex<()>>>,
}

fn unix_now(clock: &dyn Clock) -> i64 {
    clock.now()
}

impl Ingest {
    /// Opens the store and the ingest service on the writer thread (loading
    /// the checkpoint and replaying the log), settles once, starts the
    /// settler, and returns when it is ready to take payments.
    pub fn open(
        location: &str,
        config: IngestConfig,
        metrics: Arc<Metrics>,
    ) -> Result<Ingest, String> {
        let (jobs, receiver) = mpsc::sync_channel::<ToWriter>(config.queue.max(1));
        // Start-up errors are for the operator: in full, as text.
        let (opened, said) = mpsc::channel::<Result<(), String>>();
        let settled = Arc::new(AtomicBool::new(false));
        let flag = settled.clone();
        let location = location.to_owned();
        let to_writer = jobs.clone();
        let thread = std::thread::Builder::new()
            .name("spur-ingest".into())
            .spawn(move || {
                let clock = SystemClock;
                let live =
                    spur_store::open_with(&location, Arc::new(SystemClock), OpenMode::Existing)
                        .map_err(|e| e.to_string())
                        .and_then(|store| {
                            Live::open(store, config.engine.clone(), unix_now(&clock))
                                .map_err(|e| e.to_string())
                        })
                        .and_then(|mut live| {
                            let settled = live.settle().map_err(|e| e.to_string())?;
                            metrics
                                .alerts_standing
                                .store(settled.alerts as u64, Ordering::Relaxed);
                            state_gauges(&live, &metrics);
                            Ok(live)
                        });
                match live {
                    Ok(mut live) => {
                        let settler = start_settler(
                            &mut live,
                            &location,
                            &config,
                            to_writer,
                            metrics.clone(),
                        );
                        flag.store(true, Ordering::Release);
                        let _ = opened.send(Ok(()));
                        let writer = Writer {
                            live,
                            config: &config,
                            metrics: &metrics,
                            settled: &flag,
                            clock: &clock,
                            settler,
                            unsettled_since: None,
                            pending: HashMap::new(),
                            pending_through: 0,
                            evidence: HashMap::new(),
                            outside_checked: Instant::now(),
                        };
                        writer.run(&receiver);
                    }
                    Err(e) => {
                        drop(to_writer);
                        let _ = opened.send(Err(e));
                    }
                }
            })
            .map_err(|e| format!("cannot start the writer thread: {e}"))?;
        let ingest = Ingest {
            jobs: Mutex::new(Some(jobs)),
            thread: Mutex::new(Some(thread)),
            settled,
        };
        match said.recv() {
            Ok(Ok(())) => Ok(ingest),
            Ok(Err(e)) => {
                ingest.close();
                Err(e)
            }
            Err(_) => {
                ingest.close();
                Err("the writer thread ended while opening".to_owned())
            }
        }
    }

    /// Whether every acknowledged payment's network findings are settled.
    pub fn is_settled(&self) -> bool {
        self.settled.load(Ordering::Acquire)
    }

    /// Hands a request's batch to the writer and awaits its verdicts (one
    /// per payment of the batch, in order). 503 when the writer's queue is full.
    pub async fn submit(&self, batch: PaymentBatch) -> Result<Vec<Verdict>, ApiError> {
        let (reply, answered) = oneshot::channel();
        let sender = self
            .jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| ApiError::unavailable("the server is stopping"))?;
        match sender.try_send(ToWriter::Job(Job {
            batch,
            queued: Instant::now(),
            reply,
        })) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => return Err(ApiError::overloaded("ingest queue full")),
            Err(TrySendError::Disconnected(_)) => {
                return Err(ApiError::unavailable("the server is stopping"))
            }
        }
        answered
            .await
            .unwrap_or_else(|_| Err(ApiError::internal("ingest_thread", "the writer ended")))
    }

    /// Answers what is queued, settles, checkpoints, and ends the writer.
    pub fn close(&self) {
        if let Some(jobs) = self.jobs.lock().unwrap_or_else(|p| p.into_inner()).take() {
            // Behind every request queued: they are answered first.
            let _ = jobs.send(ToWriter::Close);
        }
        if let Some(t) = self.thread.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = t.join();
        }
    }
}

struct Writer<'a> {
    live: Live,
    config: &'a IngestConfig,
    metrics: &'a Metrics,
    settled: &'a AtomicBool,
    clock: &'a dyn Clock,
    /// `None`: the writer settles itself.
    settler: Option<Sender<ToSettler>>,
    /// Settling itself: when the oldest payment not yet settled was acknowledged.
    unsettled_since: Option<Instant>,
    /// Alert changes of the settler's settles not stored yet, by party and
    /// role (`None`: cleared); a later settle's replaces an earlier one's.
    /// They are stored [`PIECE`] at a time with the group commits, or alone
    /// when no request waits, so that no commit waits for a whole settle's.
    pending: HashMap<(String, Role), Option<Alert>>,
    /// The payments the settle took in whose changes `pending` completes.
    pending_through: u64,
    /// Details of pending alerts' evidence payments, by txn id.
    evidence: HashMap<String, PaymentRecord>,
    /// When the store's outside evidence was last looked at.
    outside_checked: Instant,
}

/// Alert changes stored with one group commit at most.
const PIECE: usize = 32;

impl Writer<'_> {
    fn run(mut self, inbox: &Receiver<ToWriter>) {
        let mut closing = false;
        let mut later: Vec<ToWriter> = Vec::new();
        loop {
            let msg = match later.pop() {
                Some(m) => Some(m),
                None => self.next(inbox),
            };
            let Some(msg) = msg else { break };
            match msg {
                ToWriter::Job(first) => {
                    let mut group = vec![first];
                    let mut payments = group[0].batch.len();
                    while payments < MAX_GROUP {
                        match inbox.try_recv() {
                            Ok(ToWriter::Job(job)) => {
                                payments += job.batch.len();
                                group.push(job);
                            }
                            // After this group.
                            Ok(other) => {
                                later.push(other);
                                break;
                            }
                            Err(_) => break,
                        }
                    }
                    self.commit(group);
                    if self.settler.is_none()
                        && self
                            .unsettled_since
                            .is_some_and(|s| s.elapsed() >= self.config.settle_after)
                    {
                        self.settle_here();
                    }
                }
                ToWriter::Settled(s, evidence) => self.adopt(s, evidence),
                ToWriter::SettlerFailed(why) => {
                    tracing::error!(%why, "the settler stopped: the writer settles itself");
                    self.fall_back();
                    if closing {
                        break;
                    }
                }
                ToWriter::Finished(last) => {
                    if let Some((s, evidence)) = last {
                        self.adopt(s, evidence);
                    }
                    while !self.pending.is_empty() && self.settler.is_some() {
                        self.store_piece();
                    }
                    if self.settler.is_some() {
                        return;
                    }
                    // Fell back while storing: settle and checkpoint here.
                    break;
                }
                ToWriter::Close => {
                    closing = true;
                    match &self.settler {
                        Some(settler) => {
                            if settler.send(ToSettler::Finish).is_err() {
                                self.fall_back();
                                break;
                            }
                        }
                        None => break,
                    }
                }
            }
        }
        // Closed (every request answered) with no settler: settle here.
        if self.unsettled_since.is_some() {
            self.settle_here();
        }
        checkpoint(&mut self.live, self.metrics);
    }

    /// The next message; settling itself, it settles when one is due.
    fn next(&mut self, inbox: &Receiver<ToWriter>) -> Option<ToWriter> {
        loop {
            if !self.pending.is_empty() {
                match inbox.try_recv() {
                    Ok(m) => return Some(m),
                    Err(mpsc::TryRecvError::Empty) => {
                        self.store_piece();
                        continue;
                    }
                    Err(mpsc::TryRecvError::Disconnected) => return None,
                }
            }
            self.check_outside();
            // Settling itself: when the oldest unsettled payment is due.
            let settle_at = self
                .unsettled_since
                .filter(|_| self.settler.is_none())
                .map(|since| since + self.config.settle_after);
            let outside_at = self.outside_checked + self.config.settle_after;
            let due = settle_at.map_or(outside_at, |t| t.min(outside_at));
            match inbox.recv_timeout(due.saturating_duration_since(Instant::now())) {
                Ok(m) => return Some(m),
                Err(RecvTimeoutError::Timeout) => {
                    if settle_at.is_some_and(|t| Instant::now() >= t) {
                        self.settle_here();
                    }
                }
                Err(RecvTimeoutError::Disconnected) => return None,
            }
        }
    }

    /// At most once per settling interval: reads the store's outside
    /// evidence again when a match run changed it (`spur match` from
    /// another process, or a peer's run this server answered), and settles
    /// with it (the settler, or here), so that the standings and the stored
    /// alerts read it within about two intervals.
    fn check_outside(&mut self) {
        if self.outside_checked.elapsed() < self.config.settle_after {
            return;
        }
        self.outside_checked = Instant::now();
        let outside = match self.live.refresh_outside() {
            Ok(Some(o)) => o,
            Ok(None) => return,
            Err(e) => {
                let e = ApiError::from(e);
                tracing::error!(code = e.code, "outside evidence could not be read");
                return;
            }
        };
        tracing::info!(
            parties = outside.len(),
            "outside evidence changed: settling with it"
        );
        self.settled.store(false, Ordering::Release);
        match &self.settler {
            Some(settler) => {
                if settler.send(ToSettler::Outside(outside)).is_err() {
                    self.fall_back();
                }
            }
            None => self.settle_here(),
        }
    }

    /// From now on the writer settles itself; its engine's alerts are not
    /// the stored ones, so its first settle stores them all.
    fn fall_back(&mut self) {
        self.settler = None;
        self.pending.clear();
        self.evidence.clear();
        self.live.store_whole_next();
        self.settle_here();
    }

    /// One group commit, its answers, and its payments to the settler.
    fn commit(&mut self, group: Vec<Job>) {
        let live = &mut self.live;
        let metrics = self.metrics;
        live.set_now(self.clock.now());
        let taken = Instant::now();
        for job in &group {
            metrics.stages.queue.observe(taken - job.queued);
        }
        let payments: Vec<_> = group
            .iter()
            .flat_map(|job| {
                job.batch.entries().filter_map(|e| match e {
                    Entry::Payment { payment, .. } => Some(payment),
                    Entry::Reject(_) => None,
                })
            })
            .collect();
        let piece = take_piece(&mut self.pending, &mut self.evidence);
        let cleared_refs = piece.cleared_refs();
        let started = Instant::now();
        let result = live.submit_with(&payments, &piece.changes(&cleared_refs));
        metrics.scoring.observe(started.elapsed());
        drop(payments);
        drop(cleared_refs);
        match &result {
            Ok(_) => {
                let t = live.submit_times();
                metrics.stages.lookup.observe(t.lookup);
                metrics.stages.engine.observe(t.engine);
                metrics.stages.commit.observe(t.commit);
                metrics
                    .alerts_raised
                    .fetch_add(t.alerts_created as u64, Ordering::Relaxed);
            }
            // Not stored: kept for the next commit.
            Err(_) => piece.put_back(&mut self.pending, &mut self.evidence),
        }
        match result {
            Ok(verdicts) => {
                let accepted: Vec<bool> = verdicts
                    .iter()
                    .map(|v| matches!(v, Verdict::Accepted { .. }))
                    .collect();
                if accepted.iter().any(|&a| a) {
                    // Before any request is answered: a client that reads
                    // /readyz right after its answer must not see the
                    // previous settle's flag.
                    if self.unsettled_since.is_none() {
                        self.unsettled_since = Some(Instant::now());
                    }
                    self.settled.store(false, Ordering::Release);
                }
                let mut verdicts = verdicts.into_iter();
                let mut batches = Vec::with_capacity(group.len());
                for job in group {
                    let n = job
                        .batch
                        .entries()
                        .filter(|e| matches!(e, Entry::Payment { .. }))
                        .count();
                    let _ = job.reply.send(Ok(verdicts.by_ref().take(n).collect()));
                    batches.push(job.batch);
                }
                let seq = live.log_seq();
                if !accepted.iter().any(|&a| a) {
                    self.settled_if_stored();
                }
                if let Some(settler) = &self.settler {
                    let took = ToSettler::Took {
                        batches,
                        accepted,
                        seq,
                        at: taken,
                    };
                    if settler.send(took).is_err() {
                        tracing::error!("the settler ended: the writer settles itself");
                        self.fall_back();
                    }
                }
            }
            Err(e) => {
                // Nothing of the group was stored: each request gets the error.
                let e = ApiError::from(e);
                tracing::warn!(code = e.code, "group commit failed");
                for job in group {
                    let _ = job
                        .reply
                        .send(Err(ApiError::new(e.status, e.code, e.message.clone())));
                }
            }
        }
    }

    /// Takes a settle of the settler: adopts its network values (the
    /// answers carry them from now on) and queues its alert changes.
    fn adopt(&mut self, s: Settlement, evidence: Vec<PaymentRecord>) {
        if self.settler.is_none() {
            // Fell back meanwhile: its own settles store everything.
            return;
        }
        let started = Instant::now();
        let (through, standing) = (s.net.payments(), s.net.alerts);
        let adopted = self.live.adopt(s.net);
        for a in s.changes.raised {
            self.pending.insert((a.subject.clone(), a.role), Some(a));
        }
        for key in s.changes.cleared {
            self.pending.insert(key, None);
        }
        for p in evidence {
            self.evidence.insert(p.txn_id.clone(), p);
        }
        self.pending_through = through;
        self.metrics.stages.settle.observe(started.elapsed());
        self.metrics
            .alerts_standing
            .store(standing as u64, Ordering::Relaxed);
        if let Err(e) = adopted {
            let e = ApiError::from(e);
            tracing::error!(
                code = e.code,
                "a settle could not be adopted: the writer settles itself"
            );
            self.fall_back();
            return;
        }
        self.settled_if_stored();
    }

    /// Stores a piece of the pending changes alone (no request waits).
    fn store_piece(&mut self) {
        let piece = take_piece(&mut self.pending, &mut self.evidence);
        let refs = piece.cleared_refs();
        let started = Instant::now();
        let stored = self.live.store_changes(&piece.changes(&refs));
        self.metrics.stages.settle.observe(started.elapsed());
        drop(refs);
        match stored {
            Ok(created) => {
                self.metrics
                    .alerts_raised
                    .fetch_add(created as u64, Ordering::Relaxed);
                self.settled_if_stored();
            }
            Err(e) => {
                let e = ApiError::from(e);
                tracing::error!(
                    code = e.code,
                    "a settle's alerts could not be stored: the writer settles itself"
                );
                piece.put_back(&mut self.pending, &mut self.evidence);
                self.fall_back();
            }
        }
    }

    /// Settled when the latest settle took in every payment and its changes
    /// are all stored.
    fn settled_if_stored(&mut self) {
        if self.pending.is_empty() && self.pending_through == self.live.engine().stats().payments {
            self.unsettled_since = None;
            self.settled.store(true, Ordering::Release);
        }
    }

    /// A settle on the writer's thread (no settler): posts wait meanwhile.
    fn settle_here(&mut self) {
        let (live, metrics) = (&mut self.live, self.metrics);
        let started = Instant::now();
        let done = live.settle();
        metrics.stages.settle.observe(started.elapsed());
        match done {
            Ok(s) => {
                metrics
                    .alerts_raised
                    .fetch_add(s.created as u64, Ordering::Relaxed);
                metrics
                    .alerts_standing
                    .store(s.alerts as u64, Ordering::Relaxed);
                state_gauges(live, metrics);
                self.unsettled_since = None;
                self.settled.store(true, Ordering::Release);
                // A long-running server checkpoints as a scan does, so that a
                // restart (or a kill) replays at most this much of the log.
                if live.since_checkpoint() >= self.config.checkpoint_after {
                    checkpoint(live, metrics);
                }
            }
            Err(e) => {
                // Tried again a settling interval later, not in a tight loop.
                self.unsettled_since = Some(Instant::now());
                let e = ApiError::from(e);
                tracing::error!(code = e.code, "settle failed");
            }
        }
    }
}

/// Up to [`PIECE`] pending changes and their evidence at hand.
struct Piece {
    raised: Vec<Alert>,
    cleared: Vec<(String, Role)>,
    evidence: Vec<PaymentRecord>,
}

impl Piece {
    fn cleared_refs(&self) -> Vec<(&str, Role)> {
        self.cleared
            .iter()
            .map(|(id, r)| (id.as_str(), *r))
            .collect()
    }

    fn changes<'a>(&'a self, cleared: &'a [(&'a str, Role)]) -> Changes<'a> {
        Changes {
            raised: &self.raised,
            cleared,
            evidence: &self.evidence,
        }
    }

    /// Not stored: pending again (unless a later settle's change for the
    /// party came meanwhile).
    fn put_back(
        self,
        pending: &mut HashMap<(String, Role), Option<Alert>>,
        evidence: &mut HashMap<String, PaymentRecord>,
    ) {
        for a in self.raised {
            pending
                .entry((a.subject.clone(), a.role))
                .or_insert(Some(a));
        }
        for key in self.cleared {
            pending.entry(key).or_insert(None);
        }
        for p in self.evidence {
            evidence.entry(p.txn_id.clone()).or_insert(p);
        }
    }
}

fn take_piece(
    pending: &mut HashMap<(String, Role), Option<Alert>>,
    evidence: &mut HashMap<String, PaymentRecord>,
) -> Piece {
    let keys: Vec<(String, Role)> = pending.keys().take(PIECE).cloned().collect();
    let mut piece = Piece {
        raised: Vec::new(),
        cleared: Vec::new(),
        evidence: Vec::new(),
    };
    for key in keys {
        match pending.remove(&key) {
            Some(Some(a)) => {
                // Taken once: the other alert citing it finds it kept.
                piece
                    .evidence
                    .extend(a.transactions.iter().filter_map(|t| evidence.remove(t)));
                piece.raised.push(a);
            }
            Some(None) => piece.cleared.push(key),
            None => {}
        }
    }
    if pending.is_empty() {
        // What no pending alert cites any more (a later settle changed it).
        evidence.clear();
    }
    piece
}

/// Saves a checkpoint; a failure costs only replay time at the next start.
fn checkpoint(live: &mut Live, metrics: &Metrics) {
    let started = Instant::now();
    let done = live.checkpoint();
    metrics.stages.checkpoint.observe(started.elapsed());
    match done {
        Ok(bytes) => {
            metrics.state_bytes.store(bytes as u64, Ordering::Relaxed);
            tracing::info!(bytes, "checkpoint saved");
        }
        Err(e) => {
            let e = ApiError::from(e);
            tracing::error!(
                code = e.code,
                "checkpoint failed: the next start replays more of the log"
            );
        }
    }
}

/// The state's size, as the engine counts it.
fn state_gauges(live: &Live, metrics: &Metrics) {
    let st = live.engine().stats();
    metrics.state_senders.store(st.senders, Ordering::Relaxed);
    metrics
        .state_receivers
        .store(st.receivers, Ordering::Relaxed);
    metrics.state_payments.store(st.payments, Ordering::Relaxed);
}
