//! The settler's thread (docs/server.md, "Settling beside the writer"): it
//! owns a [`Settler`], takes what each group commit accepted, settles
//! within `settle_after` of the first payment it has not settled, sends
//! the writer the settle (network values and alert changes, with the
//! details of their new evidence payments), and checkpoints on a store
//! connection of its own.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use spur_app::live::Live;
use spur_app::settler::{Settlement, Settler};
use spur_io::{Entry, PaymentBatch};
use spur_store::{OpenMode, PaymentRecord, SystemClock};

use super::{IngestConfig, ToWriter};
use crate::error::ApiError;
use crate::metrics::Metrics;

/// What the settler is sent.
pub(super) enum ToSettler {
    /// The payments of one group commit the writer accepted (`accepted`, in
    /// the order of the batches' payments), durable up to log chunk `seq`.
    Took {
        batches: Vec<PaymentBatch>,
        accepted: Vec<bool>,
        seq: i64,
        at: Instant,
    },
    /// New outside evidence the writer read (a match run): settle with it
    /// now, whole stage, and send the settle as any other.
    Outside(spur_engine::outside::Outside),
    /// Settle what is left, checkpoint, answer `Finished`, end.
    Finish,
}

/// The settler's thread, fed by the returned channel; `None` (the writer
/// then settles itself) when its engine cannot be made.
pub(super) fn start_settler(
    live: &mut Live,
    location: &str,
    config: &IngestConfig,
    to_writer: SyncSender<ToWriter>,
    metrics: Arc<Metrics>,
) -> Option<Sender<ToSettler>> {
    let seed = match live.settler_seed() {
        Ok(s) => s,
        Err(e) => {
            let e = ApiError::from(e);
            tracing::error!(code = e.code, "no settler: the writer settles itself");
            return None;
        }
    };
    let (send, receive) = mpsc::channel();
    let (location, settle_after) = (location.to_owned(), config.settle_after);
    let (checkpoint_after, gate) = (config.checkpoint_after, config.settle_gate.clone());
    match std::thread::Builder::new()
        .name("spur-settle".into())
        .spawn(move || {
            // Made here, not before the server is ready: the writer's
            // commits queue for it meanwhile.
            let settler = match seed.grow() {
                Ok(s) => s,
                Err(e) => {
                    let _ = to_writer.send(ToWriter::SettlerFailed(e.to_string()));
                    return;
                }
            };
            let task = SettlerTask {
                settler,
                location,
                settle_after,
                checkpoint_after,
                gate,
                to_writer,
                metrics,
                store: None,
                recent: Vec::new(),
            };
            task.run(&receive)
        }) {
        Ok(_) => Some(send),
        Err(e) => {
            tracing::error!(%e, "no settler thread: the writer settles itself");
            None
        }
    }
}

struct SettlerTask {
    settler: Settler,
    location: String,
    settle_after: Duration,
    checkpoint_after: u64,
    gate: Option<Arc<Mutex<()>>>,
    to_writer: SyncSender<ToWriter>,
    metrics: Arc<Metrics>,
    /// Its own connection, for checkpoints, opened at the first.
    store: Option<Box<dyn spur_store::Store>>,
    /// The batches taken since the last settle, with what was accepted:
    /// the details of the evidence payments its alerts cite.
    recent: Vec<(Vec<PaymentBatch>, Vec<bool>)>,
}

impl SettlerTask {
    fn run(mut self, from_writer: &Receiver<ToSettler>) {
        // When the first payment not yet settled was acknowledged.
        let mut unsettled_since: Option<Instant> = None;
        loop {
            let msg = match unsettled_since {
                None => from_writer.recv().ok(),
                Some(since) => {
                    let wait =
                        (since + self.settle_after).saturating_duration_since(Instant::now());
                    match from_writer.recv_timeout(wait) {
                        Ok(m) => Some(m),
                        Err(RecvTimeoutError::Timeout) => {
                            let (s, evidence) = self.settle();
                            unsettled_since = None;
                            if self.to_writer.send(ToWriter::Settled(s, evidence)).is_err() {
                                return;
                            }
                            if self.settler.since_checkpoint() >= self.checkpoint_after {
                                self.checkpoint();
                            }
                            continue;
                        }
                        Err(RecvTimeoutError::Disconnected) => None,
                    }
                }
            };
            match msg {
                Some(ToSettler::Took {
                    batches,
                    accepted,
                    seq,
                    at,
                }) => {
                    let payments = batches
                        .iter()
                        .flat_map(|b| b.entries())
                        .filter_map(|e| match e {
                            Entry::Payment { payment, .. } => Some(payment),
                            Entry::Reject(_) => None,
                        })
                        .zip(&accepted)
                        .filter_map(|(p, &ok)| ok.then_some(p));
                    if let Err(e) = self.settler.take(payments, seq) {
                        let _ = self.to_writer.send(ToWriter::SettlerFailed(e.to_string()));
                        return;
                    }
                    if unsettled_since.is_none() && accepted.iter().any(|&a| a) {
                        unsettled_since = Some(at);
                    }
                    self.recent.push((batches, accepted));
                }
                Some(ToSettler::Outside(outside)) => {
                    self.settler.update_outside(outside);
                    let (s, evidence) = self.settle();
                    unsettled_since = None;
                    if self.to_writer.send(ToWriter::Settled(s, evidence)).is_err() {
                        return;
                    }
                }
                Some(ToSettler::Finish) => {
                    let last = self.settle();
                    self.checkpoint();
                    let _ = self.to_writer.send(ToWriter::Finished(Some(last)));
                    return;
                }
                // The writer ended without a `Finish` (it fell back, or failed).
                None => return,
            }
        }
    }

    fn settle(&mut self) -> (Settlement, Vec<PaymentRecord>) {
        let gate = self.gate.clone();
        let _held = gate
            .as_ref()
            .map(|g| g.lock().unwrap_or_else(|p| p.into_inner()));
        let started = Instant::now();
        let s = self.settler.settle();
        let evidence = self.evidence(&s);
        self.metrics
            .stages
            .settle_background
            .observe(started.elapsed());
        let st = self.settler.engine().stats();
        self.metrics
            .state_senders
            .store(st.senders, Ordering::Relaxed);
        self.metrics
            .state_receivers
            .store(st.receivers, Ordering::Relaxed);
        self.metrics
            .state_payments
            .store(st.payments, Ordering::Relaxed);
        (s, evidence)
    }

    /// The details of the raised alerts' evidence payments among the
    /// batches taken since the last settle; those batches are let go.
    fn evidence(&mut self, s: &Settlement) -> Vec<PaymentRecord> {
        let recent = std::mem::take(&mut self.recent);
        if s.changes.raised.is_empty() {
            return Vec::new();
        }
        let mut by_txn: HashMap<&str, spur_engine::Payment<'_>> = HashMap::new();
        for (batches, accepted) in &recent {
            let payments = batches
                .iter()
                .flat_map(|b| b.entries())
                .filter_map(|e| match e {
                    Entry::Payment { payment, .. } => Some(payment),
                    Entry::Reject(_) => None,
                })
                .zip(accepted)
                .filter_map(|(p, &ok)| ok.then_some(p));
            for p in payments {
                by_txn.insert(p.txn_id, p);
            }
        }
        let mut wanted: Vec<&str> = s
            .changes
            .raised
            .iter()
            .flat_map(|a| a.transactions.iter().map(String::as_str))
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        wanted
            .into_iter()
            .filter_map(|t| by_txn.get(t).map(PaymentRecord::from_payment))
            .collect()
    }

    /// Saves a checkpoint on its own connection; a failure costs only
    /// replay time at the next start.
    fn checkpoint(&mut self) {
        let started = Instant::now();
        if self.store.is_none() {
            match spur_store::open_with(&self.location, Arc::new(SystemClock), OpenMode::Existing) {
                Ok(store) => self.store = Some(store),
                Err(e) => {
                    let e = ApiError::from(spur_app::AppError::from(e));
                    tracing::error!(code = e.code, "checkpoint failed: no store connection");
                    return;
                }
            }
        }
        let Some(store) = self.store.as_deref_mut() else {
            return;
        };
        let done = self.settler.checkpoint(store);
        self.metrics
            .stages
            .checkpoint_background
            .observe(started.elapsed());
        match done {
            Ok(bytes) => {
                self.metrics
                    .state_bytes
                    .store(bytes as u64, Ordering::Relaxed);
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
}
