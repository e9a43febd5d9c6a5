//! `spur scan`: read payments, feed the engine, write alerts and rejects.
//!
//! With a store (`--db`) the engine goes on from the stored state ([`Live`]:
//! the latest checkpoint and the payment log after it), payments whose txn id
//! was ingested before are skipped, and the run's accepted payments (as log
//! chunks with their txn ids and digests), alerts, the evidence payments the
//! alerts cite and, when the log has grown enough, a checkpoint are committed
//! in one transaction at the end: a scan stopped at any moment leaves nothing
//! of its run, or all of it.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufWriter, Read, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use std::sync::Arc;

use crate::{bail, Context, Result};
use spur_engine::{Engine, EngineConfig, Outcome};
use spur_io::{open_reader_with, Entry, Format, PaymentBatch, Profile, Reject, RejectsWriter};
use spur_store::{
    payment_digest, ChunkWriter, IngestedTxn, KnownTxn, LogCommitted, PaymentDigest, Store,
};

use crate::live::Live;

/// Records per batch handed from the reading thread to the scoring thread.
const BATCH: usize = 8192;

/// How far ahead of the payment being pushed the engine is told which one
/// comes ([`Engine::prefetch`]).
const LOOKAHEAD: usize = 12;

pub struct ScanOptions {
    /// A file, or `-` for standard input.
    pub input: PathBuf,
    pub format: Option<Format>,
    /// Alerts as JSON Lines; standard output when `None`.
    pub alerts: Option<PathBuf>,
    pub rejects: PathBuf,
    pub max_rejects: Option<u64>,
    /// Told how many bytes were read, for a progress bar.
    pub progress: Option<Arc<dyn Progress>>,
    /// The wall clock at ingestion (the system's, or `--now` when replaying
    /// history): payments dated more than `future_margin_seconds` after it
    /// are rejected.
    pub now: spur_engine::Timestamp,
    /// How the export writes its records ([input] in the configuration).
    pub profile: Profile,
    /// A learned model (`spur model export`) that decides which of the
    /// candidate alerts are written, each with its sentences; a file scan only.
    pub model: Option<crate::learn::db::ExportedModel>,
}

/// What a learned model did in a scan.
#[derive(Clone, Debug)]
pub struct ModelUse {
    pub version: i64,
    /// Alerts the rules raised from the model's candidate threshold.
    pub candidates: usize,
    /// Of them, the ones the model flagged (the alerts written).
    pub flagged: usize,
}

pub struct ScanReport {
    pub input: String,
    pub read: u64,
    pub rejected: u64,
    pub unknown_columns: Vec<String>,
    /// Payments with a time that had no offset, read as UTC.
    pub naive_times: u64,
    /// Payments with a local time that happened twice ([input] ambiguous_time).
    pub ambiguous_times: u64,
    /// Records that are not payments by rule (camt entries that are not
    /// booked credit transfers), left out.
    pub skipped: u64,
    pub outcome: Outcome,
    pub elapsed: Duration,
    pub threshold: f64,
    pub rejects_file: Option<PathBuf>,
    /// Payments skipped because the store had their txn id (with `--db`).
    pub already_ingested: u64,
    /// What the store committed (with `--db`).
    pub stored: Option<LogCommitted>,
    /// With `--model`: what the model did.
    pub model: Option<ModelUse>,
}

/// The system clock, in seconds since 1970: the wall clock at ingestion
/// unless `--now` says otherwise.
pub fn system_now() -> spur_engine::Timestamp {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// About how many payments a file of `bytes` holds, to size the engine's
/// tables once instead of growing them while reading. Canonical records with
/// names run from about 60 to 200 bytes, an ISO 20022 transaction with its
/// markup about 600 to 1,500 (a hint of bytes/100 reserved 60 MB too many for
/// a 210 MB pacs.008); past a few million payments the tables grow as they must.
fn payments_hint(bytes: u64, format: Format) -> usize {
    let per_payment = match format {
        Format::Iso20022(_) => 700,
        Format::Csv | Format::Jsonl => 100,
    };
    (bytes / per_payment).min(4_000_000) as usize
}

/// Who shows how far a scan has read (the CLI's progress bar).
pub trait Progress: Send + Sync {
    /// The input's size, when known, before the first byte is read.
    fn start(&self, total_bytes: Option<u64>);
    /// More bytes were read.
    fn advance(&self, bytes: u64);
    /// Reading ended.
    fn finish(&self);
}

/// Counts bytes as they are read, for the progress bar.
struct Counting<R> {
    inner: R,
    bar: Option<Arc<dyn Progress>>,
    pending: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(bar) = &self.bar {
            self.pending += n as u64;
            if self.pending >= 1 << 20 || n == 0 {
                bar.advance(self.pending);
                self.pending = 0;
            }
        }
        Ok(n)
    }
}

/// Rejects go to a file created on the first one.
struct Rejects<'a> {
    path: &'a Path,
    file_label: &'a str,
    writer: Option<RejectsWriter<BufWriter<File>>>,
    count: u64,
    /// The first one, named when every record was rejected.
    first: Option<Reject>,
}

impl Rejects<'_> {
    fn add(&mut self, r: &Reject) -> Result<()> {
        if self.writer.is_none() {
            let f = File::create(self.path)
                .with_context(|| format!("cannot create rejects file {}", self.path.display()))?;
            self.writer = Some(RejectsWriter::new(BufWriter::new(f))?);
        }
        if let Some(w) = &mut self.writer {
            w.write(self.file_label, r)?;
        }
        if self.first.is_none() {
            self.first = Some(r.clone());
        }
        self.count += 1;
        Ok(())
    }
}

pub fn run(
    opts: &ScanOptions,
    cfg: EngineConfig,
    store: Option<Box<dyn Store>>,
) -> Result<ScanReport> {
    let started = Instant::now();
    let mut cfg = cfg;
    if let Some(m) = &opts.model {
        if store.is_some() {
            bail!(
                "--model scores a file scan; alerts stored in a database are the rules' \
                 (import the model there and activate it, docs/learning.md)"
            );
        }
        // The model judges every alert from its candidate threshold on.
        cfg.alert_threshold = m.model.candidate_threshold;
    }
    let threshold = cfg.alert_threshold;
    let stdin = opts.input.as_os_str() == "-";
    let label = if stdin {
        "-".to_owned()
    } else {
        opts.input.display().to_string()
    };
    // From the flag, else the extension, else the first bytes (XML reads as
    // ISO 20022; standard input is otherwise CSV).
    let named = opts
        .format
        .or_else(|| (!stdin).then(|| Format::from_path(&opts.input)).flatten());
    let (source, size): (Box<dyn Read + Send>, Option<u64>) = if stdin {
        (Box::new(io::stdin()), None)
    } else {
        let f = File::open(&opts.input).with_context(|| format!("cannot open {label}"))?;
        let size = f.metadata().ok().map(|m| m.len());
        (Box::new(f), size)
    };
    let bar = opts.progress.clone();
    if let Some(bar) = &bar {
        bar.start(size);
    }
    let mut source = io::BufReader::with_capacity(1 << 20, source);
    let format = match named {
        Some(f) => f,
        None => {
            let head = source
                .fill_buf()
                .with_context(|| format!("cannot read {label}"))?;
            match Format::sniff(head) {
                Some(f) => f,
                None if stdin => Format::Csv,
                None => bail!(
                    "{label}: cannot tell the format from the extension; use --format csv, jsonl or iso20022"
                ),
            }
        }
    };
    let counting = Counting {
        inner: source,
        bar: bar.clone(),
        pending: 0,
    };
    let mut reader = open_reader_with(format, Box::new(counting), &opts.profile)
        .with_context(|| label.to_string())?;
    // With a store, the engine as the store has it (checkpoint, then the
    // log's tail); the commit is refused if another writer moved the log.
    let mut live = match store {
        Some(store) => Some(
            Live::open_batch(store, cfg.clone(), opts.now)
                .context("cannot go on from the engine state stored in the database")?,
        ),
        None => None,
    };
    let mut own = None;
    let (engine, mut store): (&mut Engine, Option<&mut dyn Store>) = match &mut live {
        Some(live) => {
            let (engine, store) = live.parts();
            (engine, Some(store))
        }
        None => (own.insert(Engine::new(cfg)?), None),
    };
    engine.set_now(opts.now);
    // The first scan into a store need not look its ids up.
    let holds_txns = match &mut store {
        Some(store) => store.log_head()?.txns > 0,
        None => false,
    };
    let mut logged = Logged::default();
    if let Some(size) = size {
        let hint = payments_hint(size, format);
        engine.reserve(hint);
        if store.is_some() {
            logged.reserve(hint);
        }
    }
    let mut rejects = Rejects {
        path: &opts.rejects,
        file_label: &label,
        writer: None,
        count: 0,
        first: None,
    };
    let mut read = 0u64;
    let max = opts.max_rejects;
    // Two cores: one thread reads and checks records, this one scores them.
    // The reader may run 16 batches (~130,000 payments, ~20 MB) ahead, so it
    // keeps going while the engine applies a block of payments to its
    // windows (4 batches left it waiting: 5-10% slower on a million).
    let (full_tx, full_rx) = mpsc::sync_channel::<PaymentBatch>(16);
    let (empty_tx, empty_rx) = mpsc::channel::<PaymentBatch>();
    // With a store, a third thread writes the accepted payments into log
    // chunks with their digests (about 1 µs a payment), which the scoring
    // thread did before: three stages on two cores keep both busy.
    let (log_tx, log_rx) = mpsc::sync_channel::<(PaymentBatch, Vec<bool>)>(16);
    let logging = store.is_some();
    let mut already_ingested = 0u64;
    let (stats, unknown_columns, failure, logged) = thread::scope(|scope| {
        let log_empty = empty_tx.clone();
        let logger = logging.then(|| {
            scope.spawn(move || {
                for (mut batch, accepted) in log_rx.iter() {
                    let payments = batch
                        .entries()
                        .zip(&accepted)
                        .filter_map(|(e, &ok)| match e {
                            Entry::Payment { payment, .. } if ok => Some(payment),
                            _ => None,
                        });
                    for p in payments {
                        logged.push(&p);
                    }
                    batch.clear();
                    let _ = log_empty.send(batch);
                }
                logged
            })
        });
        let reading = scope.spawn(move || {
            let mut batch = PaymentBatch::with_capacity(BATCH);
            let stats = reader.read_all(&mut |line, rec| {
                match rec {
                    Ok(p) => batch.push(line, &p),
                    Err(r) => batch.push_reject(r),
                }
                if batch.len() >= BATCH {
                    let next = empty_rx
                        .try_recv()
                        .unwrap_or_else(|_| PaymentBatch::with_capacity(BATCH));
                    if full_tx.send(std::mem::replace(&mut batch, next)).is_err() {
                        return ControlFlow::Break(());
                    }
                }
                ControlFlow::Continue(())
            });
            if !batch.is_empty() {
                let _ = full_tx.send(batch);
            }
            (stats, reader.unknown_columns().to_vec())
        });
        let mut failure: Option<crate::AppError> = None;
        'batches: for mut batch in full_rx.iter() {
            // Per entry: accepted by the engine (what the log takes).
            let mut accepted = Vec::with_capacity(if logging { batch.len() } else { 0 });
            let found: Vec<KnownTxn> = match &mut store {
                // A store that holds no txn id yet knows none of these.
                Some(store) if holds_txns => {
                    let ids: Vec<&str> = batch
                        .entries()
                        .filter_map(|e| match e {
                            Entry::Payment { payment, .. } => Some(payment.txn_id),
                            Entry::Reject(_) => None,
                        })
                        .collect();
                    match store.known_txns(&ids) {
                        Ok(found) => found,
                        Err(e) => {
                            failure = Some(crate::AppError::Context {
                                what: "reading the database".into(),
                                inner: Box::new(e.into()),
                            });
                            break 'batches;
                        }
                    }
                }
                _ => Vec::new(),
            };
            // By id, borrowed: no copy of each known id.
            let known: HashMap<&str, &KnownTxn> =
                found.iter().map(|k| (k.txn_id.as_str(), k)).collect();
            let mut ahead = batch.ids().skip(LOOKAHEAD);
            for entry in batch.entries() {
                if let Some(Some([txn, sender, receiver])) = ahead.next() {
                    engine.prefetch(txn, sender, receiver);
                }
                read += 1;
                if logging {
                    accepted.push(false);
                }
                let rejected = match entry {
                    Entry::Reject(r) => r.clone(),
                    Entry::Payment { line, payment } => {
                        // Without a store (or none of the batch known) no lookup.
                        let seen = if known.is_empty() {
                            None
                        } else {
                            known.get(payment.txn_id)
                        };
                        match seen {
                            // The same payment again: skipped, not an error.
                            Some(k) if k.same_content(&payment_digest(&payment)) => {
                                already_ingested += 1;
                                continue;
                            }
                            Some(k) => Reject {
                                line,
                                field: "txn_id",
                                reason: k.reused_reason(),
                            },
                            None => match engine.push(&payment) {
                                Ok(()) => {
                                    if let Some(last) = accepted.last_mut() {
                                        *last = true;
                                    }
                                    continue;
                                }
                                Err(e) => Reject {
                                    line,
                                    field: e.field(),
                                    reason: e.to_string(),
                                },
                            },
                        }
                    }
                };
                if let Err(e) = rejects.add(&rejected) {
                    failure = Some(e);
                    break 'batches;
                }
                if max.is_some_and(|m| rejects.count > m) {
                    break 'batches;
                }
            }
            drop(ahead);
            if logging {
                if log_tx.send((batch, accepted)).is_err() {
                    break 'batches;
                }
            } else {
                batch.clear();
                let _ = empty_tx.send(batch);
            }
        }
        // Dropping the receiver stops the reader at its next batch.
        drop(full_rx);
        drop(log_tx);
        // The logger only encodes what it is given; a panic there is a bug.
        let logged = match logger.map(|l| l.join()) {
            Some(Ok(logged)) => logged,
            Some(Err(e)) => std::panic::resume_unwind(e),
            None => Logged::default(),
        };
        let (stats, unknown) = reading.join().unwrap_or_else(|_| {
            (
                Err(spur_io::InputError::Io(io::Error::other(
                    "the reading thread failed",
                ))),
                Vec::new(),
            )
        });
        (stats, unknown, failure, logged)
    });
    let mut logged = logged;
    logged.already_ingested = already_ingested;
    if let Some(w) = &mut rejects.writer {
        w.flush()?;
    }
    let rejected = rejects.count;
    let first_reject = rejects.first.take();
    drop(rejects);
    if let Some(bar) = &bar {
        bar.finish();
    }
    let stats = stats.with_context(|| label.to_string())?;
    let (naive_times, ambiguous_times, skipped) =
        (stats.naive_times, stats.ambiguous_times, stats.skipped);
    if let Some(e) = failure {
        return Err(e);
    }
    if let Some(m) = max {
        if rejected > m {
            bail!(
                "{label}: more than {m} records rejected (--max-rejects); stopped at record {read}. \
                 The reasons are in {}",
                opts.rejects.display()
            );
        }
    }
    // A file none of whose records could be taken is an error, not "0
    // alerts": the wrong file, format or profile, or a database it no
    // longer fits (older than what is stored, every id reused).
    if read > 0 && rejected == read {
        let first = first_reject
            .map(|r| format!(" The first: line {}, {}: {}.", r.line, r.field, r.reason))
            .unwrap_or_default();
        bail!(
            "{label}: every one of its {read} records was rejected; nothing was scanned{}.{first} \
             All the reasons are in {}",
            if store.is_some() {
                " and nothing stored"
            } else {
                ""
            },
            opts.rejects.display()
        );
    }
    // Unknown columns are named once, in the summary.
    tracing::info!(
        payments = read - rejected - logged.already_ingested,
        already_ingested = logged.already_ingested,
        rejected,
        seconds = started.elapsed().as_secs_f64(),
        "input read; scoring"
    );
    let mut outcome = engine.finish();
    let mut model_use = None;
    let mut scores = Vec::new();
    if let Some(m) = &opts.model {
        let candidates = outcome.alerts.len();
        let mut kept = Vec::new();
        for a in std::mem::take(&mut outcome.alerts) {
            let score = m.model.score(&a, Some(m.version));
            if score.flagged {
                kept.push(a);
                scores.push(score);
            }
        }
        outcome.alerts = kept;
        model_use = Some(ModelUse {
            version: m.version,
            candidates,
            flagged: outcome.alerts.len(),
        });
    }
    tracing::info!(
        alerts = outcome.alerts.len(),
        seconds = started.elapsed().as_secs_f64(),
        "scored"
    );
    let stored = match &mut live {
        Some(live) => {
            let chunks: Vec<&[u8]> = logged.chunks.iter().map(ChunkWriter::bytes).collect();
            let txns = logged.txns();
            tracing::info!(
                txns = txns.len(),
                chunks = chunks.len(),
                "storing in one transaction"
            );
            let done = live
                .commit_scan(&chunks, &txns, &[], &outcome)
                .context("storing the scan")?;
            tracing::info!(
                new_txns = done.new_txns,
                log_seq = done.seq,
                checkpoint = done.checkpoint,
                alerts_created = done.alerts_created.len(),
                alerts_updated = done.alerts_updated.len(),
                alerts_cleared = done.alerts_cleared.len(),
                "stored"
            );
            Some(done)
        }
        None => None,
    };
    // Freeing the state of hundreds of thousands of parties one allocation at
    // a time takes longer than the rest of a small scan; the process ends soon.
    if let Some(live) = live {
        std::mem::forget(live.into_engine());
    } else {
        std::mem::forget(own);
    }
    // With a store, alerts go to a file only when asked for.
    if stored.is_none() || opts.alerts.is_some() {
        write_alerts(opts.alerts.as_deref(), &outcome, &scores)?;
    }
    Ok(ScanReport {
        input: label,
        read,
        rejected,
        unknown_columns,
        naive_times,
        ambiguous_times,
        skipped,
        outcome,
        elapsed: started.elapsed(),
        threshold,
        rejects_file: (rejected > 0).then(|| opts.rejects.clone()),
        already_ingested: logged.already_ingested,
        stored,
        model: model_use,
    })
}

/// Payments per log chunk of a scan (the log reads back a chunk at a time).
const LOG_CHUNK: usize = 8192;

/// The run's accepted payments as log chunks, with their txn ids and
/// content digests (the ids kept beside the chunks, so that the commit's
/// list of them is not decoded from the chunks again: 0.7 s on 889,096).
#[derive(Default)]
struct Logged {
    chunks: Vec<ChunkWriter>,
    digests: Vec<PaymentDigest>,
    /// The txn ids, one after another; `ends[i]` is where the i-th ends.
    ids: String,
    ends: Vec<usize>,
    /// Payments skipped because the store had their txn id.
    already_ingested: u64,
}

impl Logged {
    /// Room for about `payments` payments at once: grown by doubling, the
    /// lists of a million payments touched twice their size of fresh memory
    /// and copied what they held at every step.
    fn reserve(&mut self, payments: usize) {
        self.digests.reserve(payments);
        self.ends.reserve(payments);
        self.ids.reserve(payments * 12);
        self.chunks.reserve(payments / LOG_CHUNK + 1);
    }

    fn push(&mut self, p: &spur_engine::Payment<'_>) {
        if self.chunks.last().is_none_or(|c| c.len() >= LOG_CHUNK) {
            // Room for as many bytes as the chunk before took (and an
            // eighth more), so that a chunk is not copied when it outgrows
            // a guess.
            let next = match self.chunks.last() {
                Some(c) => ChunkWriter::with_room(c.byte_len() + c.byte_len() / 8),
                None => ChunkWriter::with_capacity(LOG_CHUNK),
            };
            self.chunks.push(next);
        }
        if let Some(c) = self.chunks.last_mut() {
            c.push(p);
        }
        self.digests.push(payment_digest(p));
        self.ids.push_str(p.txn_id);
        self.ends.push(self.ids.len());
    }

    /// The txn ids with their digests, in log order. (The evidence the
    /// alerts cite the store takes from the chunks as it checks them.)
    fn txns(&self) -> Vec<IngestedTxn<'_>> {
        let mut start = 0;
        self.ends
            .iter()
            .zip(&self.digests)
            .map(|(&end, &digest)| {
                let txn_id = &self.ids[start..end];
                start = end;
                IngestedTxn { txn_id, digest }
            })
            .collect()
    }
}

/// The alerts as JSON Lines; with a model's `scores` (one per alert), each
/// alert carries its verdict as `model`.
fn write_alerts(
    path: Option<&Path>,
    outcome: &Outcome,
    scores: &[crate::learn::ModelScore],
) -> Result<()> {
    let out: Box<dyn Write> = match path {
        Some(p) => Box::new(
            File::create(p)
                .with_context(|| format!("cannot create alerts file {}", p.display()))?,
        ),
        None => Box::new(io::stdout().lock()),
    };
    let mut out = BufWriter::new(out);
    for (i, a) in outcome.alerts.iter().enumerate() {
        match scores.get(i) {
            Some(model) => {
                #[derive(serde::Serialize)]
                struct WithModel<'a> {
                    #[serde(flatten)]
                    alert: &'a spur_engine::Alert,
                    model: &'a crate::learn::ModelScore,
                }
                serde_json::to_writer(&mut out, &WithModel { alert: a, model })?
            }
            None => serde_json::to_writer(&mut out, a)?,
        }
        out.write_all(b"\n")?;
    }
    out.flush().context("writing alerts")?;
    Ok(())
}

impl ScanReport {
    /// Indicator codes by how many alerts carry them, most frequent first.
    pub fn top_indicators(&self) -> Vec<(&str, usize)> {
        let mut counts: Vec<(&str, usize)> = Vec::new();
        for a in &self.outcome.alerts {
            for f in &a.indicators {
                match counts.iter_mut().find(|(c, _)| *c == f.code) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((&f.code, 1)),
                }
            }
        }
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        counts
    }

    pub fn payments_per_second(&self) -> f64 {
        self.read as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 213 MB pacs.008 of 282,902 payments was sized as 2.1 million
    /// payments (bytes/100) and peaked 60 MB above the same payments as CSV.
    #[test]
    fn regression_payments_hint_counts_iso20022_payments_by_their_size() {
        let xml = payments_hint(212_940_018, Format::Iso20022(None));
        assert!((250_000..=400_000).contains(&xml), "{xml}");
        assert_eq!(payments_hint(37_561_673, Format::Csv), 375_616);
        assert_eq!(payments_hint(u64::MAX, Format::Jsonl), 4_000_000);
    }
}
