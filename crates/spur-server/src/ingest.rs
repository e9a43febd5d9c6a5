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
//! Settling (the network stage and the stored alerts) follows within
//! `settle_after` of the first payment not yet settled, between commits.
//! On close, the writer answers what is queued, settles and checkpoints.

use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use spur_app::live::{Live, Verdict};
use spur_engine::EngineConfig;
use spur_io::{Entry, PaymentBatch};
use spur_store::{Clock, OpenMode, SystemClock};
use tokio::sync::oneshot;

use crate::error::ApiError;
use crate::metrics::Metrics;

/// Payments gathered into one commit at most (a request's batch is never split).
pub const MAX_GROUP: usize = 20_000;

/// A request's batch and where to send its verdicts (one per payment of
/// the batch, in its order; the batch's parse rejects are not in it).
struct Job {
    batch: PaymentBatch,
    reply: oneshot::Sender<Result<Vec<Verdict>, ApiError>>,
}

/// Handle to the writer thread.
pub struct Ingest {
    jobs: Mutex<Option<SyncSender<Job>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
    settled: Arc<std::sync::atomic::AtomicBool>,
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
}

fn unix_now(clock: &dyn Clock) -> i64 {
    clock.now()
}

impl Ingest {
    /// Opens the store and the ingest service on the writer thread (loading
    /// the checkpoint and replaying the log), settles once, and returns when
    /// it is ready to take payments.
    pub fn open(
        location: &str,
        config: IngestConfig,
        metrics: Arc<Metrics>,
    ) -> Result<Ingest, String> {
        let (jobs, receiver) = mpsc::sync_channel::<Job>(config.queue.max(1));
        // Start-up errors are for the operator: in full, as text.
        let (opened, said) = mpsc::channel::<Result<(), String>>();
        let settled = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = settled.clone();
        let location = location.to_owned();
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
                    Ok(live) => {
                        flag.store(true, Ordering::Release);
                        let _ = opened.send(Ok(()));
                        write(live, &receiver, &config, &metrics, &flag, &clock);
                    }
                    Err(e) => {
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
        match sender.try_send(Job { batch, reply }) {
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
        drop(self.jobs.lock().unwrap_or_else(|p| p.into_inner()).take());
        if let Some(t) = self.thread.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = t.join();
        }
    }
}

fn write(
    mut live: Live,
    jobs: &Receiver<Job>,
    config: &IngestConfig,
    metrics: &Metrics,
    settled: &std::sync::atomic::AtomicBool,
    clock: &dyn Clock,
) {
    // When the oldest payment not yet settled was acknowledged.
    let mut unsettled_since: Option<Instant> = None;
    loop {
        let first = match unsettled_since {
            None => jobs.recv().ok(),
            Some(since) => {
                let wait = (since + config.settle_after).saturating_duration_since(Instant::now());
                match jobs.recv_timeout(wait) {
                    Ok(job) => Some(job),
                    Err(RecvTimeoutError::Timeout) => {
                        settle(&mut live, config, metrics, settled, &mut unsettled_since);
                        continue;
                    }
                    Err(RecvTimeoutError::Disconnected) => None,
                }
            }
        };
        let Some(first) = first else { break };
        let mut group = vec![first];
        let mut payments = group[0].batch.len();
        while payments < MAX_GROUP {
            match jobs.try_recv() {
                Ok(job) => {
                    payments += job.batch.len();
                    group.push(job);
                }
                Err(_) => break,
            }
        }
        commit(&mut live, group, metrics, clock, &mut || {
            // Before any request is answered: a client that reads /readyz
            // right after its answer must not see the previous settle's flag.
            if unsettled_since.is_none() {
                unsettled_since = Some(Instant::now());
            }
            settled.store(false, Ordering::Release);
        });
        if unsettled_since.is_some_and(|s| s.elapsed() >= config.settle_after) {
            settle(&mut live, config, metrics, settled, &mut unsettled_since);
        }
    }
    // Closed: every request was answered (the HTTP server has finished).
    if unsettled_since.is_some() {
        settle(&mut live, config, metrics, settled, &mut unsettled_since);
    }
    checkpoint(&mut live, metrics);
}

/// Saves a checkpoint; a failure costs only replay time at the next start.
fn checkpoint(live: &mut Live, metrics: &Metrics) {
    match live.checkpoint() {
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

/// One group commit; `on_accepted` runs before the answers go out when
/// some payment was accepted.
fn commit(
    live: &mut Live,
    group: Vec<Job>,
    metrics: &Metrics,
    clock: &dyn Clock,
    on_accepted: &mut dyn FnMut(),
) {
    live.set_now(clock.now());
    let payments: Vec<_> = group
        .iter()
        .flat_map(|job| {
            job.batch.entries().filter_map(|e| match e {
                Entry::Payment { payment, .. } => Some(payment),
                Entry::Reject(_) => None,
            })
        })
        .collect();
    let started = Instant::now();
    let result = live.submit(&payments);
    metrics.scoring.observe(started.elapsed());
    drop(payments);
    match result {
        Ok(verdicts) => {
            if verdicts
                .iter()
                .any(|v| matches!(v, Verdict::Accepted { .. }))
            {
                on_accepted();
            }
            let mut verdicts = verdicts.into_iter();
            for job in group {
                let n = job
                    .batch
                    .entries()
                    .filter(|e| matches!(e, Entry::Payment { .. }))
                    .count();
                let _ = job.reply.send(Ok(verdicts.by_ref().take(n).collect()));
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

fn settle(
    live: &mut Live,
    config: &IngestConfig,
    metrics: &Metrics,
    settled: &std::sync::atomic::AtomicBool,
    unsettled_since: &mut Option<Instant>,
) {
    match live.settle() {
        Ok(s) => {
            metrics
                .alerts_raised
                .fetch_add(s.created as u64, Ordering::Relaxed);
            metrics
                .alerts_standing
                .store(s.alerts as u64, Ordering::Relaxed);
            state_gauges(live, metrics);
            *unsettled_since = None;
            settled.store(true, Ordering::Release);
            // A long-running server checkpoints as a scan does, so that a
            // restart (or a kill) replays at most this much of the log.
            // Taken here, between group commits and after a settle: the
            // posts that come meanwhile wait for it (about 0.3 s of snapshot
            // for a 900,000-payment state, docs/network.md).
            if live.since_checkpoint() >= config.checkpoint_after {
                checkpoint(live, metrics);
            }
        }
        Err(e) => {
            // Tried again a settling interval later, not in a tight loop.
            *unsettled_since = Some(Instant::now());
            let e = ApiError::from(e);
            tracing::error!(code = e.code, "settle failed");
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
