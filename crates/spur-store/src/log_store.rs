//! The payment log and engine checkpoints in the database (migration 8).
//!
//! Durable ingestion writes what is *new*: each group commit appends one or
//! more chunks of accepted payments to `payment_log` with their txn ids and
//! content digests in `txns` (idempotency), in one transaction; now and then
//! a checkpoint of the engine's state is saved with the log position it
//! covers. Start-up loads the latest checkpoint and replays the chunks after
//! it. Nothing here grows with the history per commit: no whole-state
//! rewrite, no count over every txn id (`log_head` keeps the count).

use std::collections::{HashMap, HashSet};

use spur_engine::{Alert, Payment, Role, Timestamp};
use tracing::debug;

use crate::audit::{self, json, Change};
use crate::error::StoreError;
use crate::log::{chunk_len, decode_chunk, find_in_chunk, LogError};
use crate::model::{IngestedTxn, KnownTxn, PaymentRecord};
use crate::rows;
use crate::sql::{params, Cell, Keys, NewRows, Tx};
use crate::store::SYSTEM_ACTOR;

/// One stored chunk of the log.
#[derive(Clone, Debug, PartialEq)]
pub struct LogChunk {
    /// Its position: 1, 2, 3, ... in the order of commit.
    pub seq: i64,
    pub payments: u32,
    pub bytes: Vec<u8>,
    pub recorded_at: Timestamp,
}

impl LogChunk {
    /// Its payments, borrowing their text from the chunk.
    pub fn decode(&self) -> Result<Vec<Payment<'_>>, LogError> {
        decode_chunk(self.seq, &self.bytes)
    }
}

/// The engine's state as of a log position.
#[derive(Clone, Debug, PartialEq)]
pub struct Checkpoint {
    /// The last chunk the state includes (0: none).
    pub log_seq: i64,
    /// `Engine::snapshot`'s bytes, opaque to the store.
    pub state: Vec<u8>,
    pub saved_at: Timestamp,
}

/// Where the log ends.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LogHead {
    /// The last chunk's seq (0: an empty log).
    pub seq: i64,
    /// How many txn ids the store holds (logged or recorded before the log).
    pub txns: i64,
}

/// What a commit does to the stored alerts.
#[derive(Clone, Copy, Debug, Default)]
pub enum AlertUpdate<'a> {
    /// Leaves them as they are.
    #[default]
    None,
    /// These alerts are raised or changed (created, or updated in place),
    /// and these parties' alerts in these roles no longer reach the
    /// threshold (marked cleared): what a settle changed.
    Changed {
        raised: &'a [Alert],
        cleared: &'a [(&'a str, Role)],
    },
    /// The engine's whole outcome: stored alerts not among them are cleared.
    Whole(&'a [Alert]),
}

/// One group commit: everything in it is stored together or not at all.
#[derive(Clone, Copy, Debug, Default)]
pub struct LogCommit<'a> {
    /// The log position the caller's engine is at (the last chunk it has
    /// applied); if the log has moved on (another writer), nothing is stored
    /// and the error is [`StoreError::LogConflict`].
    pub after: i64,
    /// New chunks, as `ChunkWriter` encodes them; numbered `after + 1`, ...
    pub chunks: &'a [&'a [u8]],
    /// The chunks' payments' txn ids and digests, in chunk order, one per
    /// payment. An id the store holds already fails the commit with
    /// [`StoreError::AlreadyIngested`].
    pub txns: &'a [IngestedTxn<'a>],
    pub alerts: AlertUpdate<'a>,
    /// Details of evidence payments to keep (a payment kept already is left
    /// as it was). Evidence of the alerts in `alerts` that is neither here
    /// nor kept yet is taken from this commit's chunks or read from the log:
    /// a caller need not pass what its chunks hold.
    pub payments: &'a [PaymentRecord],
    /// The engine's state after the last chunk, saved as the checkpoint
    /// (older checkpoints are dropped).
    pub checkpoint: Option<&'a [u8]>,
    /// The audit entry's action: `log.commit` unless given (a whole scan
    /// is `scan.commit`).
    pub action: Option<&'a str>,
}

/// What a commit stored.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct LogCommitted {
    /// The log's end after the commit (its last chunk's seq).
    pub seq: i64,
    pub chunks: usize,
    pub new_txns: u64,
    pub alerts_created: Vec<i64>,
    pub alerts_updated: Vec<i64>,
    pub alerts_cleared: Vec<i64>,
    /// Evidence payments newly kept.
    pub payments_kept: usize,
    pub checkpoint: bool,
}

pub(crate) fn head(tx: &mut dyn Tx, lock: bool) -> Result<LogHead, StoreError> {
    let lock = if lock { tx.for_update() } else { "" };
    let r = tx.query_one(
        &format!("SELECT last_seq, txns FROM log_head WHERE id = 1{lock}"),
        &[],
    )?;
    Ok(LogHead {
        seq: r.int(0)?,
        txns: r.int(1)?,
    })
}

/// The txn ids the commit's alerts cite as evidence.
fn cited<'a>(update: &AlertUpdate<'a>) -> HashSet<&'a str> {
    match update {
        AlertUpdate::None => HashSet::new(),
        AlertUpdate::Changed { raised, .. } | AlertUpdate::Whole(raised) => raised
            .iter()
            .flat_map(|a| a.transactions.iter().map(String::as_str))
            .collect(),
    }
}

/// Checks the commit before any SQL: the txn ids are the chunks' payments.
/// Each chunk is decoded once, here, and the payments of it that `cited`
/// names (and `c.payments` does not hold) come back as evidence to keep,
/// so a caller need not decode its own chunks to find them.
fn check(c: &LogCommit<'_>, cited: &HashSet<&str>) -> Result<Vec<PaymentRecord>, StoreError> {
    let given: HashSet<&str> = c.payments.iter().map(|p| p.txn_id.as_str()).collect();
    let mut evidence = Vec::new();
    let mut expected = 0usize;
    let mut at = 0usize;
    for (i, bytes) in c.chunks.iter().enumerate() {
        let seq = c.after + 1 + i as i64;
        let payments = decode_chunk(seq, bytes)
            .map_err(|e| StoreError::Invalid(format!("a log chunk to append: {e}")))?;
        expected += payments.len();
        for p in payments {
            match c.txns.get(at) {
                Some(t) if t.txn_id == p.txn_id => {}
                _ => {
                    return Err(StoreError::Invalid(format!(
                        "txn id {} of the log chunk is not the txn id given with it",
                        at + 1
                    )))
                }
            }
            if p.txn_id.is_empty() {
                return Err(StoreError::Invalid("an empty txn_id".into()));
            }
            if cited.contains(p.txn_id) && !given.contains(p.txn_id) {
                evidence.push(PaymentRecord::from_payment(&p));
            }
            at += 1;
        }
    }
    if expected != c.txns.len() {
        return Err(StoreError::Invalid(format!(
            "{} txn ids given with {expected} logged payments",
            c.txns.len()
        )));
    }
    if c.payments
        .iter()
        .any(|p| p.txn_id.is_empty() || !p.amount.is_finite())
    {
        return Err(StoreError::Invalid(
            "every payment needs a txn_id and a finite amount".into(),
        ));
    }
    match c.alerts {
        AlertUpdate::None => {}
        AlertUpdate::Changed { raised, .. } | AlertUpdate::Whole(raised) => {
            crate::alert_rows::check_alerts(raised)?
        }
    }
    Ok(evidence)
}

pub(crate) fn commit(
    tx: &mut dyn Tx,
    c: &LogCommit<'_>,
    now: Timestamp,
) -> Result<LogCommitted, StoreError> {
    let started = std::time::Instant::now();
    let mut phase = started;
    let mut lap = || {
        let now = std::time::Instant::now();
        let ms = (now - phase).as_secs_f64() * 1e3;
        phase = now;
        ms
    };
    let cited = cited(&c.alerts);
    // A large commit's check (every chunk decoded) runs on a thread of its
    // own beside the writes, which on PostgreSQL mostly wait for the server
    // and on SQLite leave the other core idle: 200-240 ms of a scan's
    // 889,096 payments. Its error comes first, as when it ran before them;
    // either error drops the transaction, so nothing of it stays.
    let (in_chunks, wrote) = if c.txns.len() >= CHECK_BESIDE {
        std::thread::scope(|s| {
            let checking = s.spawn(|| check(c, &cited));
            let wrote = write_log(tx, c, now);
            let checked = checking
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            (checked, wrote)
        })
    } else {
        let checked = check(c, &cited)?;
        (Ok(checked), write_log(tx, c, now))
    };
    let in_chunks = in_chunks?;
    let Wrote {
        found,
        counts,
        new_txns,
        txns_ms,
        chunks_ms,
    } = wrote?;
    // What of the check was left when the writes were done.
    let check_ms = lap() - txns_ms - chunks_ms;
    let mut written: Vec<rows::RowDigest> = Vec::new();
    for (i, (bytes, &count)) in c.chunks.iter().zip(&counts).enumerate() {
        written.push(rows::log_chunk(c.after + 1 + i as i64, count, bytes, now)?);
    }
    let digests_ms = lap();
    let seq = c.after + c.chunks.len() as i64;
    let txns = found.txns + new_txns as i64;
    if !c.chunks.is_empty() {
        tx.execute(
            "UPDATE log_head SET last_seq = $1, txns = $2 WHERE id = 1",
            params![seq, txns],
        )?;
        written.push(rows::txns_counted(txns)?);
    }
    lap();
    let (created, updated, cleared, written_alerts) = alerts(tx, c.alerts, now)?;
    let alerts_ms = lap();
    let mut kept = crate::payment_rows::insert_payments(tx, c.payments, now)?;
    kept.extend(crate::payment_rows::insert_payments(tx, &in_chunks, now)?);
    let payments_ms = lap();
    kept.extend(evidence_from_log(tx, &written_alerts, now)?);
    let evidence_ms = lap();
    let touched: Vec<i64> = created
        .iter()
        .chain(&updated)
        .chain(&cleared)
        .copied()
        .collect();
    written.extend(rows::alerts(tx, Some(&touched))?);
    let kept_ids: Vec<&str> = kept.iter().map(String::as_str).collect();
    written.extend(rows::payments(tx, Some(&kept_ids))?);
    let row_digests_ms = lap();
    if let Some(state) = c.checkpoint {
        written.push(save_checkpoint(tx, seq, state, now)?);
    }
    let checkpoint_ms = lap();
    let committed = LogCommitted {
        seq,
        chunks: c.chunks.len(),
        new_txns,
        alerts_created: created,
        alerts_updated: updated,
        alerts_cleared: cleared,
        payments_kept: kept.len(),
        checkpoint: c.checkpoint.is_some(),
    };
    if !written.is_empty() {
        audit::append(
            tx,
            Change {
                at: now,
                actor: SYSTEM_ACTOR,
                action: c.action.unwrap_or("log.commit"),
                object: "log".into(),
                before: None,
                after: json(&committed)?,
                rows: written,
            },
        )?;
    }
    let audit_ms = lap();
    // Where a commit's time goes (docs/storage.md, "What it costs").
    debug!(
        seq,
        chunks = committed.chunks,
        new_txns,
        check_ms,
        chunks_ms,
        txns_ms,
        digests_ms,
        alerts_ms,
        payments_ms,
        evidence_ms,
        row_digests_ms,
        checkpoint_ms,
        audit_ms,
        total_ms = started.elapsed().as_secs_f64() * 1e3,
        "log commit written"
    );
    Ok(committed)
}

/// Commits of at least this many payments are checked beside their writes.
const CHECK_BESIDE: usize = 4096;

/// What [`write_log`] wrote.
struct Wrote {
    found: LogHead,
    /// Each chunk's payments.
    counts: Vec<u32>,
    new_txns: u64,
    txns_ms: f64,
    chunks_ms: f64,
}

/// The log's part of a commit: under the head's lock, the txn ids and the
/// chunks. `check` makes sure (before the commit's end) that the txn ids
/// are the chunks' own, in order.
fn write_log(tx: &mut dyn Tx, c: &LogCommit<'_>, now: Timestamp) -> Result<Wrote, StoreError> {
    let started = std::time::Instant::now();
    // The head's row lock queues writers on PostgreSQL (SQLite's write
    // transaction is exclusive already).
    let found = head(tx, true)?;
    if found.seq != c.after {
        return Err(StoreError::LogConflict {
            expected: c.after,
            found: found.seq,
        });
    }
    // Each chunk's payments, and where its txn ids end in `c.txns` (`check`
    // made sure they are the chunks' own, in order).
    let mut counts = Vec::with_capacity(c.chunks.len());
    let mut ends = Vec::with_capacity(c.chunks.len());
    for (i, bytes) in c.chunks.iter().enumerate() {
        let seq = c.after + 1 + i as i64;
        let count = chunk_len(seq, bytes).map_err(|e| StoreError::Invalid(e.to_string()))?;
        counts.push(count);
        ends.push(ends.last().copied().unwrap_or(0) + count as usize);
    }
    // Every txn id of the commit in one bulk insert (one `COPY` on
    // PostgreSQL, not one per chunk), each with its chunk's seq; before the
    // chunks, while the ids' index is in SQLite's page cache.
    let new_txns = insert_logged_txns(tx, c.txns, &ends, c.after, found.txns, now)?;
    let txns_ms = started.elapsed().as_secs_f64() * 1e3;
    // The chunks' rows (PostgreSQL: one `COPY` for a scan's many, the
    // statements pipelined for a group commit's few).
    let chunk_cell = |r: usize, col: usize| match col {
        0 => Cell::Int(c.after + 1 + r as i64),
        1 => Cell::Int(counts[r].into()),
        2 => Cell::Int(now),
        _ => Cell::Blob(c.chunks[r]),
    };
    tx.insert_all(&NewRows {
        table: "payment_log",
        columns: &["seq", "payments", "recorded_at", "bytes"],
        key: "seq",
        len: c.chunks.len(),
        cell: &chunk_cell,
        held: None,
    })?;
    let chunks_ms = started.elapsed().as_secs_f64() * 1e3 - txns_ms;
    Ok(Wrote {
        found,
        counts,
        new_txns,
        txns_ms,
        chunks_ms,
    })
}

/// Inserts the txn ids of chunk `seq` (in bulk: `COPY` on PostgreSQL); an id
/// held already fails the whole commit, naming every such id of the chunk.
fn insert_logged_txns(
    tx: &mut dyn Tx,
    txns: &[IngestedTxn<'_>],
    ends: &[usize],
    after: i64,
    held: i64,
    now: Timestamp,
) -> Result<u64, StoreError> {
    // Row `r` came in the chunk whose end is the first past it.
    let seq = |r: usize| after + 1 + ends.partition_point(|&end| end <= r) as i64;
    let cell = |r: usize, c: usize| match c {
        0 => Cell::Text(txns[r].txn_id),
        1 => Cell::Blob(&txns[r].digest[..]),
        2 => Cell::Int(now),
        _ => Cell::Int(seq(r)),
    };
    let inserted = tx.insert_new(
        &NewRows {
            table: "txns",
            columns: &["txn_id", "digest", "recorded_at", "log_seq"],
            key: "txn_id",
            len: txns.len(),
            cell: &cell,
            held: u64::try_from(held).ok(),
        },
        false,
    )?;
    if inserted.count < txns.len() as u64 {
        let last = after + ends.len() as i64;
        return Err(StoreError::AlreadyIngested(known_before(
            tx,
            txns,
            after + 1..=last,
        )?));
    }
    Ok(inserted.count)
}

/// Of these ids, those held before the chunks `seqs` (or twice in them).
fn known_before(
    tx: &mut dyn Tx,
    rows: &[IngestedTxn<'_>],
    seqs: std::ops::RangeInclusive<i64>,
) -> Result<Vec<KnownTxn>, StoreError> {
    let ids: Vec<&str> = rows.iter().map(|t| t.txn_id).collect();
    let mut known = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for t in rows {
        if !seen.insert(t.txn_id) {
            // Twice in the commit: the second is a duplicate of the first.
            known.push(KnownTxn {
                txn_id: t.txn_id.to_owned(),
                digest: None,
                recorded_at: 0,
            });
        }
    }
    for (k, logged_in) in crate::payment_rows::txn_rows(tx, &ids)? {
        if !logged_in.is_some_and(|s| seqs.contains(&s)) {
            known.push(k);
        }
    }
    known.sort_by(|a, b| a.txn_id.cmp(&b.txn_id));
    known.dedup_by(|a, b| a.txn_id == b.txn_id);
    Ok(known)
}

/// Created, updated (changed) and cleared alert ids, and the alerts written.
type AlertIds<'a> = (Vec<i64>, Vec<i64>, Vec<i64>, Vec<&'a Alert>);
/// Parties whose alert in a role is cleared.
type Cleared<'a> = &'a [(&'a str, Role)];

fn alerts<'a>(
    tx: &mut dyn Tx,
    update: AlertUpdate<'a>,
    now: Timestamp,
) -> Result<AlertIds<'a>, StoreError> {
    let (mut created, mut updated, mut cleared) = (Vec::new(), Vec::new(), Vec::new());
    let (raised, clear): (&[Alert], Option<Cleared<'_>>) = match update {
        AlertUpdate::None => return Ok((created, updated, cleared, Vec::new())),
        AlertUpdate::Changed { raised, cleared } => (raised, Some(cleared)),
        AlertUpdate::Whole(raised) => (raised, None),
    };
    // The alerts as stored, so that only those that changed are written (a
    // day's scan on a long history re-raises thousands unchanged).
    // Only the raised parties' rows (the unique (subject, role) index): a
    // settle's few changes, stored with a group commit, do not read every
    // stored alert.
    let mut stored: HashMap<(String, String), (i64, String, bool)> = HashMap::new();
    let mut subjects: Vec<&str> = raised.iter().map(|a| a.subject.as_str()).collect();
    subjects.sort_unstable();
    subjects.dedup();
    for r in tx.query_keys(
        "SELECT id, subject, role, body, cleared_at FROM alerts WHERE subject",
        Keys::Text(&subjects),
    )? {
        stored.insert(
            (r.text(1)?, r.text(2)?),
            (r.int(0)?, r.text(3)?, r.opt_int(4)?.is_some()),
        );
    }
    let mut unchanged = Vec::new();
    let mut written = Vec::new();
    // The alerts to write: stored ones updated by their id, new ones
    // inserted, both many to a statement (the stored rows were read under
    // the log head's lock, which every writer of alerts holds).
    let mut inserts = Vec::new();
    let mut updates = Vec::new();
    let mut keys = HashSet::new();
    for a in raised {
        let key = (a.subject.clone(), a.role.as_str().to_owned());
        let columns = crate::alert_rows::AlertColumns::of(a)?;
        match stored.get(&key) {
            Some((id, body, false)) if *body == columns.body => {
                unchanged.push(*id);
                continue;
            }
            Some((id, _, _)) => updates.push((*id, a, columns)),
            None => inserts.push((a, columns)),
        }
        // The same party and role twice: one after the other, as given (below).
        keys.insert(key);
        written.push(a);
    }
    if keys.len() == written.len() {
        created = crate::alert_rows::insert_alerts(tx, &inserts, now)?;
        crate::alert_rows::update_alerts(tx, &updates, now)?;
        updated = updates.iter().map(|(id, _, _)| *id).collect();
    } else {
        for a in &written {
            match crate::alert_rows::upsert_alert(tx, a, now)? {
                (id, true) => created.push(id),
                (id, false) => updated.push(id),
            }
        }
    }
    match clear {
        None => {
            let standing: Vec<i64> = updated.iter().chain(&unchanged).copied().collect();
            cleared = crate::alert_rows::clear_others(tx, &created, &standing, now)?
        }
        Some(parties) => {
            for (subject, role) in parties {
                for r in tx.query(
                    "UPDATE alerts SET cleared_at = $1, updated_at = $1 \
                     WHERE subject = $2 AND role = $3 AND cleared_at IS NULL RETURNING id",
                    params![now, *subject, role.as_str()],
                )? {
                    cleared.push(r.int(0)?);
                }
            }
        }
    }
    Ok((created, updated, cleared, written))
}

/// Keeps the evidence payments of the raised alerts that are not kept yet,
/// read from the log chunks their txn ids name; returns their txn ids.
fn evidence_from_log(
    tx: &mut dyn Tx,
    raised: &[&Alert],
    now: Timestamp,
) -> Result<Vec<String>, StoreError> {
    let mut wanted: Vec<&str> = raised
        .iter()
        .flat_map(|a| a.transactions.iter().map(String::as_str))
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    let missing = crate::payment_rows::payments_missing(tx, &wanted)?;
    if missing.is_empty() {
        return Ok(Vec::new());
    }
    // Which chunk holds each; ids from before the log have none.
    let mut by_chunk: std::collections::BTreeMap<i64, std::collections::HashSet<String>> =
        Default::default();
    let missing: Vec<&str> = missing.iter().map(String::as_str).collect();
    for r in tx.query_keys(
        "SELECT txn_id, log_seq FROM txns WHERE log_seq IS NOT NULL AND txn_id",
        Keys::Text(&missing),
    )? {
        by_chunk.entry(r.int(1)?).or_default().insert(r.text(0)?);
    }
    let mut records = Vec::new();
    for (seq, ids) in by_chunk {
        let Some(bytes) = tx.load_blob("payment_log", "bytes", "seq", seq)? else {
            return Err(StoreError::Corrupt(format!(
                "txn ids name payment log chunk {seq}, which is not there"
            )));
        };
        // A day's new alerts cite a few older payments in every chunk:
        // step over the others rather than decode them.
        let payments = find_in_chunk(seq, &bytes, |id| ids.contains(id))
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        records.extend(payments.iter().map(PaymentRecord::from_payment));
    }
    crate::payment_rows::insert_payments(tx, &records, now)
}

fn save_checkpoint(
    tx: &mut dyn Tx,
    log_seq: i64,
    state: &[u8],
    now: Timestamp,
) -> Result<rows::RowDigest, StoreError> {
    // Only the latest is ever loaded; the log has everything older. A
    // save at the same position replaces the parts there.
    tx.execute("DELETE FROM checkpoint_parts", &[])?;
    let parts = tx.save_parts("checkpoint_parts", log_seq, state)?;
    let len = i64::try_from(state.len())
        .map_err(|_| StoreError::Invalid("a checkpoint of over 2^63 bytes".into()))?;
    tx.execute(
        "INSERT INTO checkpoints (log_seq, saved_at, state, parts, bytes) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (log_seq) DO UPDATE \
         SET state = excluded.state, saved_at = excluded.saved_at, \
         parts = excluded.parts, bytes = excluded.bytes",
        params![log_seq, now, &[][..], parts as i64, len],
    )?;
    tx.execute(
        "DELETE FROM checkpoints WHERE log_seq <> $1",
        params![log_seq],
    )?;
    rows::checkpoint(log_seq, now, state)
}

/// Saves a checkpoint at `log_seq`, which must be a position the log has.
pub(crate) fn checkpoint(
    tx: &mut dyn Tx,
    log_seq: i64,
    state: &[u8],
    now: Timestamp,
) -> Result<(), StoreError> {
    let found = head(tx, true)?;
    if log_seq < 0 || log_seq > found.seq {
        return Err(StoreError::Invalid(format!(
            "a checkpoint at log position {log_seq}, but the log ends at {}",
            found.seq
        )));
    }
    if let Some(r) = tx.query_opt("SELECT MAX(log_seq) FROM checkpoints", &[])? {
        if r.opt_int(0)?.is_some_and(|latest| latest > log_seq) {
            // A slower background save must not replace a newer one.
            return Err(StoreError::Invalid(format!(
                "a checkpoint at log position {log_seq} is older than the one stored"
            )));
        }
    }
    let row = save_checkpoint(tx, log_seq, state, now)?;
    audit::append(
        tx,
        Change {
            at: now,
            actor: SYSTEM_ACTOR,
            action: "checkpoint.save",
            object: "checkpoint".into(),
            before: None,
            after: json(&serde_json::json!({ "log_seq": log_seq, "bytes": state.len() }))?,
            rows: vec![row],
        },
    )?;
    Ok(())
}

pub(crate) fn load_checkpoint(tx: &mut dyn Tx) -> Result<Option<Checkpoint>, StoreError> {
    let Some(r) = tx.query_opt(
        "SELECT log_seq, saved_at, parts, bytes FROM checkpoints ORDER BY log_seq DESC LIMIT 1",
        &[],
    )?
    else {
        return Ok(None);
    };
    let log_seq = r.int(0)?;
    // A hundred megabytes: read into one buffer, not copied from a row.
    let state = match (r.opt_int(2)?, r.opt_int(3)?) {
        (Some(parts), Some(len)) => {
            let len = usize::try_from(len)
                .map_err(|_| StoreError::Corrupt(format!("a checkpoint of {len} bytes")))?;
            let state = tx.load_parts("checkpoint_parts", log_seq, len)?;
            if let Some(found) = state.as_ref().filter(|s| s.len() != len) {
                return Err(StoreError::Corrupt(format!(
                    "the checkpoint at log position {log_seq} has {} bytes in its parts, \
                     {len} recorded ({parts} parts)",
                    found.len()
                )));
            }
            state
        }
        // Saved before migration 14: whole in its row.
        _ => tx.load_blob("checkpoints", "state", "log_seq", log_seq)?,
    }
    .ok_or_else(|| StoreError::Corrupt("the checkpoint went while it was read".into()))?;
    Ok(Some(Checkpoint {
        log_seq,
        state,
        saved_at: r.int(1)?,
    }))
}

pub(crate) fn read(tx: &mut dyn Tx, after: i64, limit: usize) -> Result<Vec<LogChunk>, StoreError> {
    let limit = i64::try_from(limit.max(1)).unwrap_or(i64::MAX);
    tx.query(
        "SELECT seq, payments, bytes, recorded_at FROM payment_log WHERE seq > $1 ORDER BY seq LIMIT $2",
        params![after, limit],
    )?
    .into_iter()
    .map(|mut r| {
        Ok(LogChunk {
            seq: r.int(0)?,
            payments: u32::try_from(r.int(1)?)
                .map_err(|_| StoreError::Corrupt("a log chunk's payment count".into()))?,
            bytes: r.take_blob(2)?,
            recorded_at: r.int(3)?,
        })
    })
    .collect()
}
