//! The audit log: append-only, hash-chained, written in the transaction of
//! the change it records.
//!
//! Entry `n` stores `hash = SHA-256(prev_hash ‖ "\n" ‖ canonical(n))` where
//! `prev_hash` is entry `n-1`'s hash and `canonical` is the JSON array
//! `[id, at, actor, action, object, before, after]`. The id is inside the
//! hash, so moving an entry breaks it; `audit_head` records the last id and
//! hash, so cutting entries off the end breaks it too.
//!
//! An entry also records the digest of every protected row its change wrote
//! (see `rows.rs`), in the `audit_rows` table, and `rows_sha256` in the
//! entry is the SHA-256 over those (object, digest) lines: the chain covers
//! them, and a scan's thousands of alerts cost one entry. For entries with
//! rows the canonical array ends with `rows_sha256`; entries written before
//! row digests existed keep the seven-field form, so old chains still verify.
//! `verify` then recomputes every protected row's digest and compares it
//! with the one the last entry that wrote it recorded.

use std::collections::HashMap;

use serde::Serialize;
use sha2::{Digest, Sha256};
use spur_engine::Timestamp;

use crate::error::{AuditBreak, StoreError};
use crate::model::{AuditEntry, AuditFilter, AuditSummary, RowFinding, RowProblem};
use crate::rows::{self, RowDigest};
use crate::sql::{params, Cell, Row, Tx, Value};

pub(crate) const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The change to record, before it gets its place in the chain.
pub(crate) struct Change<'a> {
    pub at: Timestamp,
    pub actor: &'a str,
    pub action: &'a str,
    pub object: String,
    pub before: Option<String>,
    pub after: Option<String>,
    /// The protected rows the change wrote, with their digests after it.
    pub rows: Vec<RowDigest>,
}

pub(crate) fn json(v: &impl Serialize) -> Result<Option<String>, StoreError> {
    Ok(Some(serde_json::to_string(v)?))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

#[allow(clippy::too_many_arguments)]
fn entry_hash(
    prev_hash: &str,
    id: i64,
    at: Timestamp,
    actor: &str,
    action: &str,
    object: &str,
    before: Option<&str>,
    after: Option<&str>,
    rows_sha256: Option<&str>,
) -> Result<String, StoreError> {
    let canonical = match rows_sha256 {
        None => serde_json::to_string(&(id, at, actor, action, object, before, after))?,
        Some(r) => serde_json::to_string(&(id, at, actor, action, object, before, after, r))?,
    };
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(b"\n");
    h.update(canonical.as_bytes());
    Ok(hex(&h.finalize()))
}

/// The SHA-256 over an entry's row digests, sorted by object (in Rust: the
/// databases' collations differ).
fn rows_hash(rows: &[RowDigest]) -> String {
    let mut h = Sha256::new();
    for (object, digest) in rows.iter() {
        h.update(object.as_bytes());
        h.update(b"\t");
        h.update(digest.as_deref().unwrap_or("deleted").as_bytes());
        h.update(b"\n");
    }
    hex(&h.finalize())
}

/// Entries per page when verifying (small enough that the conformance suite
/// crosses pages: `concurrent_writers_keep_one_chain` writes 68).
const VERIFY_PAGE: usize = 64;

/// Rows per INSERT of row digests (2 parameters each).
const ROWS_CHUNK: usize = 300;

/// Appends one entry; call inside the transaction of the change.
pub(crate) fn append(tx: &mut dyn Tx, mut c: Change<'_>) -> Result<i64, StoreError> {
    // Taking the head row's lock first serialises concurrent writers on PostgreSQL.
    let head = tx.query_one(
        "UPDATE audit_head SET last_id = last_id + 1 WHERE id = 1 RETURNING last_id, last_hash",
        &[],
    )?;
    let (id, prev_hash) = (head.int(0)?, head.text(1)?);
    c.rows.sort();
    if c.rows.windows(2).any(|w| w[0].0 == w[1].0) {
        return Err(StoreError::Corrupt(format!(
            "audit entry {id} would record a row twice"
        )));
    }
    let rows_sha256 = (!c.rows.is_empty()).then(|| rows_hash(&c.rows));
    let hash = entry_hash(
        &prev_hash,
        id,
        c.at,
        c.actor,
        c.action,
        &c.object,
        c.before.as_deref(),
        c.after.as_deref(),
        rows_sha256.as_deref(),
    )?;
    // The entry, its rows' digests and the new head: none needs another's
    // answer, so they go out together (pipelined on PostgreSQL).
    let entry = [
        Cell::Int(id),
        Cell::Int(c.at),
        Cell::Text(c.actor),
        Cell::Text(c.action),
        Cell::Text(&c.object),
        c.before.as_deref().map_or(Cell::Null, Cell::Text),
        c.after.as_deref().map_or(Cell::Null, Cell::Text),
        Cell::Text(&prev_hash),
        Cell::Text(&hash),
        rows_sha256.as_deref().map_or(Cell::Null, Cell::Text),
    ];
    let mut statements: Vec<(&str, &[Cell<'_>])> = vec![(
        "INSERT INTO audit_log (id, recorded_at, actor, action, object, before_json, after_json, prev_hash, hash, rows_sha256) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        &entry,
    )];
    let mut inserts: Vec<(String, Vec<Cell<'_>>)> = Vec::new();
    for chunk in c.rows.chunks(ROWS_CHUNK) {
        let mut sql = String::from("INSERT INTO audit_rows (entry_id, object, digest) VALUES ");
        let mut cells: Vec<Cell<'_>> = Vec::with_capacity(chunk.len() * 2 + 1);
        cells.push(Cell::Int(id));
        for (i, (object, digest)) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("($1, ${}, ${})", 2 * i + 2, 2 * i + 3));
            cells.push(Cell::Text(object));
            cells.push(digest.as_deref().map_or(Cell::Null, Cell::Text));
        }
        inserts.push((sql, cells));
    }
    statements.extend(
        inserts
            .iter()
            .map(|(sql, cells)| (sql.as_str(), &cells[..])),
    );
    let head = [Cell::Text(&hash)];
    statements.push(("UPDATE audit_head SET last_hash = $1 WHERE id = 1", &head));
    tx.execute_each(&statements)?;
    Ok(id)
}

fn entry(r: &Row) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        id: r.int(0)?,
        at: r.int(1)?,
        actor: r.text(2)?,
        action: r.text(3)?,
        object: r.text(4)?,
        before: r.opt_text(5)?,
        after: r.opt_text(6)?,
        prev_hash: r.text(7)?,
        hash: r.text(8)?,
        rows_sha256: r.opt_text(9)?,
    })
}

const ENTRY_COLUMNS: &str = "id, recorded_at, actor, action, object, before_json, after_json, \
     prev_hash, hash, rows_sha256 FROM audit_log";

pub(crate) fn entries(tx: &mut dyn Tx) -> Result<Vec<AuditEntry>, StoreError> {
    tx.query(&format!("SELECT {ENTRY_COLUMNS} ORDER BY id"), &[])?
        .iter()
        .map(entry)
        .collect()
}

/// Objects named `kind:id`; the others (`scan`, `txns`, `engine_state`,
/// `database`) are one object each.
fn is_kind_with_ids(kind: &str) -> bool {
    matches!(kind, "user" | "case" | "report" | "alert" | "payment")
}

/// The entries that pass every condition of `filter`, oldest first.
pub(crate) fn filtered(
    tx: &mut dyn Tx,
    filter: &AuditFilter,
) -> Result<Vec<AuditEntry>, StoreError> {
    filtered_after(tx, filter, None, None)
}

/// The entries that pass `filter` with an id above `after`, oldest first,
/// at most `limit` of them: the audit log's pages (`lists.rs`).
pub(crate) fn filtered_after(
    tx: &mut dyn Tx,
    filter: &AuditFilter,
    after: Option<i64>,
    limit: Option<usize>,
) -> Result<Vec<AuditEntry>, StoreError> {
    let mut conditions: Vec<String> = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    // `column = $n`, or a prefix match by substr: LIKE is case-insensitive
    // on SQLite and not on PostgreSQL, and would need escaping.
    let mut equals = |column: &str, value: String, prefix: bool| {
        let n = values.len() + 1;
        conditions.push(if prefix {
            format!("substr({column}, 1, {}) = ${n}", value.chars().count())
        } else {
            format!("{column} = ${n}")
        });
        values.push(value.into());
    };
    if let Some(a) = &filter.actor {
        equals("actor", a.clone(), false);
    }
    if let Some(a) = &filter.action {
        // `case` is every case.* action; `case.note` only itself.
        match a.contains('.') {
            true => equals("action", a.clone(), false),
            false => equals("action", format!("{a}."), true),
        }
    }
    // An entry is about an object it names or whose row it recorded (a
    // scan's entry records each alert it wrote).
    let mut about = |value: String, prefix: bool| {
        let n = values.len() + 1;
        let test = |column: &str| match prefix {
            true => format!("substr({column}, 1, {}) = ${n}", value.chars().count()),
            false => format!("{column} = ${n}"),
        };
        conditions.push(format!(
            "({} OR id IN (SELECT entry_id FROM audit_rows WHERE {}))",
            test("object"),
            test("object")
        ));
        values.push(value.into());
    };
    match (&filter.object_kind, &filter.object_id) {
        (Some(k), Some(id)) => about(format!("{k}:{id}"), false),
        (Some(k), None) if is_kind_with_ids(k) => about(format!("{k}:"), true),
        (Some(k), None) => about(k.clone(), false),
        (None, Some(_)) => {
            return Err(StoreError::Invalid(
                "an object id needs its kind (user, case, report, alert...)".into(),
            ))
        }
        (None, None) => {}
    }
    if let Some(t) = filter.since {
        values.push(t.into());
        conditions.push(format!("recorded_at >= ${}", values.len()));
    }
    if let Some(t) = filter.until {
        values.push(t.into());
        conditions.push(format!("recorded_at < ${}", values.len()));
    }
    if let Some(id) = after {
        values.push(id.into());
        conditions.push(format!("id > ${}", values.len()));
    }
    let mut sql = format!("SELECT {ENTRY_COLUMNS}");
    if !conditions.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&conditions.join(" AND "));
    }
    sql.push_str(" ORDER BY id");
    if let Some(n) = limit {
        sql.push_str(&format!(" LIMIT {n}"));
    }
    tx.query(&sql, &values)?.iter().map(entry).collect()
}

/// Walks the chain from the first entry to the recorded head, then checks
/// every protected row against the digest the last entry that wrote it
/// recorded. A broken chain is [`StoreError::AuditBreak`] (the first break);
/// rows that differ are [`StoreError::RowsDiffer`] (all of them).
pub(crate) fn verify(tx: &mut dyn Tx) -> Result<AuditSummary, StoreError> {
    let broken =
        |entry_id: i64, reason: String| StoreError::AuditBreak(AuditBreak { entry_id, reason });
    // Each object's digest as its last entry recorded it.
    let mut last: HashMap<String, (i64, Option<String>)> = HashMap::new();
    let mut expected_id = 1;
    let mut prev_hash = GENESIS.to_owned();
    // A page of entries and their row digests at a time: memory stays
    // bounded by the rows now in the database, not by the log's history.
    let mut after_id = i64::MIN;
    loop {
        let page: Vec<AuditEntry> = tx
            .query(
                &format!("SELECT {ENTRY_COLUMNS} WHERE id > $1 ORDER BY id LIMIT {VERIFY_PAGE}"),
                params![after_id],
            )?
            .iter()
            .map(entry)
            .collect::<Result<_, _>>()?;
        let (Some(first), Some(end)) = (page.first(), page.last()) else {
            break;
        };
        after_id = end.id;
        let mut recorded: HashMap<i64, Vec<RowDigest>> = HashMap::new();
        for r in tx.query(
            "SELECT entry_id, object, digest FROM audit_rows WHERE entry_id >= $1 AND entry_id <= $2",
            params![first.id, end.id],
        )? {
            recorded
                .entry(r.int(0)?)
                .or_default()
                .push((r.text(1)?, r.opt_text(2)?));
        }
        for e in &page {
            if e.id != expected_id {
                return Err(broken(
                    e.id,
                    format!("entry {expected_id} should come here: an entry was deleted or its position changed"),
                ));
            }
            if e.prev_hash != prev_hash {
                return Err(broken(
                    e.id,
                    "it does not chain to the entry before it: an entry was moved or replaced"
                        .into(),
                ));
            }
            let hash = entry_hash(
                &e.prev_hash,
                e.id,
                e.at,
                &e.actor,
                &e.action,
                &e.object,
                e.before.as_deref(),
                e.after.as_deref(),
                e.rows_sha256.as_deref(),
            )?;
            if hash != e.hash {
                return Err(broken(
                    e.id,
                    "its content does not match its hash: the entry was edited".into(),
                ));
            }
            let mut rows = recorded.remove(&e.id).unwrap_or_default();
            rows.sort();
            let intact = match &e.rows_sha256 {
                Some(h) => rows_hash(&rows) == *h,
                None => rows.is_empty(),
            };
            if !intact {
                return Err(broken(
                    e.id,
                    "the row digests it recorded were edited, added or deleted".into(),
                ));
            }
            for (object, digest) in rows {
                last.insert(object, (e.id, digest));
            }
            prev_hash = e.hash.clone();
            expected_id += 1;
        }
    }
    let head = tx.query_one(
        "SELECT last_id, last_hash FROM audit_head WHERE id = 1",
        &[],
    )?;
    let (last_id, last_hash) = (head.int(0)?, head.text(1)?);
    if last_id != expected_id - 1 || last_hash != prev_hash {
        return Err(broken(
            last_id,
            format!(
                "the log ends at entry {} but its recorded head is entry {last_id}: entries were removed from the end",
                expected_id - 1
            ),
        ));
    }
    if let Some(orphan) = tx
        .query_one(
            "SELECT MIN(entry_id) FROM audit_rows WHERE entry_id < 1 OR entry_id > $1",
            params![last_id],
        )?
        .opt_int(0)?
    {
        return Err(broken(
            orphan,
            "row digests were recorded for an entry that is not in the log".into(),
        ));
    }
    let findings = compare(tx, last)?;
    if !findings.is_empty() {
        return Err(StoreError::RowsDiffer(findings));
    }
    Ok(AuditSummary {
        entries: last_id,
        head_hash: last_hash,
    })
}

/// Every protected row now against the digests the chain recorded.
fn compare(
    tx: &mut dyn Tx,
    last: HashMap<String, (i64, Option<String>)>,
) -> Result<Vec<RowFinding>, StoreError> {
    let mut now = rows::current(tx)?;
    // The entry's `after` is the row's view when the entry is about that object.
    let mut after =
        |entry_id: i64, object: &str| -> Result<Option<serde_json::Value>, StoreError> {
            let r = tx.query_opt(
                "SELECT after_json FROM audit_log WHERE id = $1 AND object = $2",
                params![entry_id, object],
            )?;
            Ok(match r {
                Some(r) => r.opt_text(0)?.and_then(|a| serde_json::from_str(&a).ok()),
                None => None,
            })
        };
    let mut findings = Vec::new();
    let mut last: Vec<_> = last.into_iter().collect();
    last.sort();
    for (object, (entry_id, digest)) in last {
        let found = now.remove(&object);
        let (problem, message) = match (found, digest) {
            (Some(f), Some(d)) if f.digest == d => continue,
            (None, None) => continue,
            (Some(f), Some(_)) => {
                let fields = match (after(entry_id, &object)?, &f.view) {
                    (Some(recorded), Some(view)) => {
                        rows::differing_fields(rows::recorded_view(&recorded), view)
                    }
                    _ => Vec::new(),
                };
                let message = if fields.is_empty() {
                    format!(
                        "{}: differs from what audit entry {entry_id} recorded",
                        f.label
                    )
                } else {
                    format!(
                        "{}: {} changed after audit entry {entry_id}",
                        f.label,
                        fields.join(", ")
                    )
                };
                (RowProblem::Changed, message)
            }
            (Some(f), None) => (
                RowProblem::NotInLog,
                format!(
                    "{}: row not in the audit log (entry {entry_id} deleted it)",
                    f.label
                ),
            ),
            (None, Some(_)) => (
                RowProblem::Deleted,
                format!(
                    "{}: deleted after audit entry {entry_id}",
                    rows::label_of(&object, after(entry_id, &object)?.as_ref())
                ),
            ),
        };
        findings.push(RowFinding {
            object,
            entry_id: Some(entry_id),
            problem,
            message,
        });
    }
    for (object, f) in now {
        findings.push(RowFinding {
            message: format!("{}: row not in the audit log", f.label),
            object,
            entry_id: None,
            problem: RowProblem::NotInLog,
        });
    }
    Ok(findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_known_answers() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn hash_covers_every_field() {
        type Fields<'a> = (
            &'a str,
            i64,
            i64,
            &'a str,
            &'a str,
            &'a str,
            Option<&'a str>,
            Option<&'a str>,
            Option<&'a str>,
        );
        let hash = |f: Fields| entry_hash(f.0, f.1, f.2, f.3, f.4, f.5, f.6, f.7, f.8).unwrap();
        let base: Fields = (
            GENESIS,
            1,
            10,
            "ana",
            "case.open",
            "case:1",
            None,
            Some("{}"),
            None,
        );
        let variants: [Fields; 9] = [
            (
                "1",
                1,
                10,
                "ana",
                "case.open",
                "case:1",
                None,
                Some("{}"),
                None,
            ),
            (
                GENESIS,
                2,
                10,
                "ana",
                "case.open",
                "case:1",
                None,
                Some("{}"),
                None,
            ),
            (
                GENESIS,
                1,
                11,
                "ana",
                "case.open",
                "case:1",
                None,
                Some("{}"),
                None,
            ),
            (
                GENESIS,
                1,
                10,
                "bob",
                "case.open",
                "case:1",
                None,
                Some("{}"),
                None,
            ),
            (
                GENESIS,
                1,
                10,
                "ana",
                "case.note",
                "case:1",
                None,
                Some("{}"),
                None,
            ),
            (
                GENESIS,
                1,
                10,
                "ana",
                "case.open",
                "case:2",
                None,
                Some("{}"),
                None,
            ),
            (
                GENESIS,
                1,
                10,
                "ana",
                "case.open",
                "case:1",
                Some("{}"),
                Some("{}"),
                None,
            ),
            (
                GENESIS,
                1,
                10,
                "ana",
                "case.open",
                "case:1",
                None,
                None,
                None,
            ),
            (
                GENESIS,
                1,
                10,
                "ana",
                "case.open",
                "case:1",
                None,
                Some("{}"),
                Some("ab"),
            ),
        ];
        for v in variants {
            assert_ne!(hash(v), hash(base), "{v:?}");
        }
    }

    #[test]
    fn rows_hash_covers_objects_and_digests() {
        let rows = |list: &[(&str, Option<&str>)]| -> String {
            let v: Vec<RowDigest> = list
                .iter()
                .map(|(o, d)| (o.to_string(), d.map(str::to_owned)))
                .collect();
            rows_hash(&v)
        };
        let base = rows(&[("alert:1", Some("aa")), ("alert:2", Some("bb"))]);
        assert_ne!(base, rows(&[("alert:1", Some("aa"))]));
        assert_ne!(
            base,
            rows(&[("alert:1", Some("aa")), ("alert:2", Some("bc"))])
        );
        assert_ne!(
            base,
            rows(&[("alert:1", Some("aa")), ("alert:3", Some("bb"))])
        );
        assert_ne!(base, rows(&[("alert:1", Some("aa")), ("alert:2", None)]));
    }
}
