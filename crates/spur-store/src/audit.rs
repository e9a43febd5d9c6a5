//! The audit log: append-only, hash-chained, written in the transaction of
//! the change it records.
//!
//! Entry `n` stores `hash = SHA-256(prev_hash ‖ "\n" ‖ canonical(n))` where
//! `prev_hash` is entry `n-1`'s hash and `canonical` is the JSON array
//! `[id, at, actor, action, object, before, after]`. The id is inside the
//! hash, so moving an entry breaks it; `audit_head` records the last id and
//! hash, so cutting entries off the end breaks it too.

use serde::Serialize;
use sha2::{Digest, Sha256};
use spur_engine::Timestamp;

use crate::error::{AuditBreak, StoreError};
use crate::model::{AuditEntry, AuditSummary};
use crate::sql::{params, Row, Tx};

pub(crate) const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The change to record, before it gets its place in the chain.
pub(crate) struct Change<'a> {
    pub at: Timestamp,
    pub actor: &'a str,
    pub action: &'a str,
    pub object: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

pub(crate) fn json(v: &impl Serialize) -> Result<Option<String>, StoreError> {
    Ok(Some(serde_json::to_string(v)?))
}

fn hex(bytes: &[u8]) -> String {
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
) -> Result<String, StoreError> {
    let canonical = serde_json::to_string(&(id, at, actor, action, object, before, after))?;
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(b"\n");
    h.update(canonical.as_bytes());
    Ok(hex(&h.finalize()))
}

/// Appends one entry; call inside the transaction of the change.
pub(crate) fn append(tx: &mut dyn Tx, c: Change<'_>) -> Result<i64, StoreError> {
    // Taking the head row's lock first serialises concurrent writers on PostgreSQL.
    let head = tx.query_one(
        "UPDATE audit_head SET last_id = last_id + 1 WHERE id = 1 RETURNING last_id, last_hash",
        &[],
    )?;
    let (id, prev_hash) = (head.int(0)?, head.text(1)?);
    let hash = entry_hash(
        &prev_hash,
        id,
        c.at,
        c.actor,
        c.action,
        &c.object,
        c.before.as_deref(),
        c.after.as_deref(),
    )?;
    tx.execute(
        "INSERT INTO audit_log (id, recorded_at, actor, action, object, before_json, after_json, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        params![id, c.at, c.actor, c.action, c.object, c.before, c.after, prev_hash, hash.clone()],
    )?;
    tx.execute(
        "UPDATE audit_head SET last_hash = $1 WHERE id = 1",
        params![hash],
    )?;
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
    })
}

pub(crate) fn entries(tx: &mut dyn Tx) -> Result<Vec<AuditEntry>, StoreError> {
    tx.query(
        "SELECT id, recorded_at, actor, action, object, before_json, after_json, prev_hash, hash \
         FROM audit_log ORDER BY id",
        &[],
    )?
    .iter()
    .map(entry)
    .collect()
}

/// Walks the chain from the first entry to the recorded head.
pub(crate) fn verify(tx: &mut dyn Tx) -> Result<AuditSummary, StoreError> {
    let broken =
        |entry_id: i64, reason: String| StoreError::AuditBreak(AuditBreak { entry_id, reason });
    let mut expected_id = 1;
    let mut prev_hash = GENESIS.to_owned();
    for e in entries(tx)? {
        if e.id != expected_id {
            return Err(broken(
                e.id,
                format!("entry {expected_id} should come here: an entry was deleted or its position changed"),
            ));
        }
        if e.prev_hash != prev_hash {
            return Err(broken(
                e.id,
                "it does not chain to the entry before it: an entry was moved or replaced".into(),
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
        )?;
        if hash != e.hash {
            return Err(broken(
                e.id,
                "its content does not match its hash: the entry was edited".into(),
            ));
        }
        prev_hash = e.hash;
        expected_id += 1;
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
    Ok(AuditSummary {
        entries: last_id,
        head_hash: last_hash,
    })
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
        let base = entry_hash(
            GENESIS,
            1,
            10,
            "ana",
            "case.open",
            "case:1",
            None,
            Some("{}"),
        )
        .unwrap();
        let variants = [
            entry_hash("1", 1, 10, "ana", "case.open", "case:1", None, Some("{}")),
            entry_hash(
                GENESIS,
                2,
                10,
                "ana",
                "case.open",
                "case:1",
                None,
                Some("{}"),
            ),
            entry_hash(
                GENESIS,
                1,
                11,
                "ana",
                "case.open",
                "case:1",
                None,
                Some("{}"),
            ),
            entry_hash(
                GENESIS,
                1,
                10,
                "bob",
                "case.open",
                "case:1",
                None,
                Some("{}"),
            ),
            entry_hash(
                GENESIS,
                1,
                10,
                "ana",
                "case.note",
                "case:1",
                None,
                Some("{}"),
            ),
            entry_hash(
                GENESIS,
                1,
                10,
                "ana",
                "case.open",
                "case:2",
                None,
                Some("{}"),
            ),
            entry_hash(
                GENESIS,
                1,
                10,
                "ana",
                "case.open",
                "case:1",
                Some("{}"),
                Some("{}"),
            ),
            entry_hash(GENESIS, 1, 10, "ana", "case.open", "case:1", None, None),
        ];
        for v in variants {
            assert_ne!(v.unwrap(), base);
        }
    }
}
