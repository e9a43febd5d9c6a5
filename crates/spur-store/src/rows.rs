//! What the audit chain protects of each table: a SHA-256 digest of every
//! row that matters, written with the audit entry of the change that made
//! the row what it is, and recomputed by `verify`.
//!
//! A row's digest is the hash of its *view*. Users, cases and reports, a few
//! rows written one at a time, are viewed as the JSON their audit entries'
//! `after` holds, with object keys sorted (so the digest does not depend on
//! serde_json's map order) and a report's XML as its own SHA-256: a new
//! field of [`User`], [`Case`] or `report::audited_view` is covered without
//! more code, and verify can name the field that differs. Alerts and
//! payments, written by the thousand in a scan, are viewed as their stored
//! columns ([`ALERT_ROW`], [`PAYMENT_ROW`]: add a column there), hashed as
//! stored without parsing their JSON.
//!
//! Objects are named as in the audit log: `user:3`, `case:7`, `report:2`, `token:4`
//! (the token row with its hash, token.rs), `match_run:5` (a match run or a
//! census, with what `spur stats` publishes of it),
//! `alert:12`, `payment:TXN`, plus `engine_state` and `txns` (the number of
//! recorded txn ids: millions of ids are counted, not hashed one by one).

use std::collections::BTreeMap;

use serde_json::Value;
use spur_engine::Timestamp;

use crate::audit::sha256_hex;
use crate::case;
use crate::error::StoreError;
use sha2::{Digest, Sha256};

use crate::matching::MatchRun;
use crate::model::{Case, Report, User};
use crate::report;
use crate::sql::{Keys, Row, Tx, Value as SqlValue};
use crate::token;

/// One protected row as an audit entry records it: its object name and its
/// digest (`None` for a row the change deleted).
pub(crate) type RowDigest = (String, Option<String>);

// ---- the views: one per table, the place to extend ----

pub(crate) fn user_view(u: &User) -> Result<Value, StoreError> {
    Ok(serde_json::to_value(u)?)
}

/// The case row with its alert links and its notes.
pub(crate) fn case_view(c: &Case) -> Result<Value, StoreError> {
    Ok(serde_json::to_value(c)?)
}

/// What the audit log keeps of a report: every column, the XML as its hash.
pub(crate) fn report_view(r: &Report) -> Result<Value, StoreError> {
    report::audited_view(r)
}

/// The columns of an alert that its digest covers, `id` first (its case
/// link is the case's).
pub(crate) const ALERT_ROW: &str = "id, subject, role, score, country, indicators, transactions, \
     body, first_seen, last_seen, created_at, updated_at, cleared_at FROM alerts";

/// The columns of an evidence payment that its digest covers, `txn_id` first.
pub(crate) const PAYMENT_ROW: &str = "txn_id, paid_at, amount, currency, sender_id, sender_name, \
     sender_country, receiver_id, receiver_name, receiver_country, channel, message, recorded_at \
     FROM payments";

/// A match run or census as its audit entries name it: every column (the
/// lists' sizes and a census's histories, which `spur stats` publishes).
pub(crate) fn match_run_view(r: &MatchRun) -> Result<Value, StoreError> {
    Ok(serde_json::to_value(r)?)
}

pub(crate) fn engine_state_view(version: i64, saved_at: Timestamp, blob: &[u8]) -> Value {
    serde_json::json!({
        "version": version,
        "saved_at": saved_at,
        "bytes": blob.len(),
        "sha256": sha256_hex(blob),
    })
}

pub(crate) fn txns_view(count: i64) -> Value {
    serde_json::json!({ "count": count })
}

// ---- digests ----

/// JSON with object keys sorted, whatever the map type.
fn canonical(v: &Value, out: &mut String) -> Result<(), StoreError> {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(k)?);
                out.push(':');
                canonical(&m[k], out)?;
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(x, out)?;
            }
            out.push(']');
        }
        other => out.push_str(&serde_json::to_string(other)?),
    }
    Ok(())
}

/// A stored row, column by column, each value tagged and text
/// length-prefixed so that no two rows encode alike.
fn columns_digest(r: &Row) -> String {
    let mut h = Sha256::new();
    for v in &r.0 {
        match v {
            SqlValue::Null => h.update(b"n;"),
            SqlValue::Int(i) => h.update(format!("i{i};").as_bytes()),
            // `{:?}` of an f64 is the shortest text that reads back the same.
            SqlValue::Real(x) => h.update(format!("r{x:?};").as_bytes()),
            SqlValue::Text(t) => {
                h.update(format!("t{}:", t.len()).as_bytes());
                h.update(t.as_bytes());
            }
            SqlValue::Blob(b) => {
                h.update(format!("b{}:", b.len()).as_bytes());
                h.update(b);
            }
        }
    }
    crate::audit::hex(&h.finalize())
}

/// The digests of the alerts with these ids, or of all (`None`), as stored.
pub(crate) fn alerts(tx: &mut dyn Tx, ids: Option<&[i64]>) -> Result<Vec<RowDigest>, StoreError> {
    let rows = match ids {
        None => tx.query(&format!("SELECT {ALERT_ROW}"), &[])?,
        Some(ids) => tx.query_keys(&format!("SELECT {ALERT_ROW} WHERE id"), Keys::Int(ids))?,
    };
    rows.iter()
        .map(|r| Ok((format!("alert:{}", r.int(0)?), Some(columns_digest(r)))))
        .collect()
}

/// The digests of the payments with these txn ids, or of all, as stored.
pub(crate) fn payments(
    tx: &mut dyn Tx,
    txn_ids: Option<&[&str]>,
) -> Result<Vec<RowDigest>, StoreError> {
    let rows = match txn_ids {
        None => tx.query(&format!("SELECT {PAYMENT_ROW}"), &[])?,
        Some(ids) => tx.query_keys(
            &format!("SELECT {PAYMENT_ROW} WHERE txn_id"),
            Keys::Text(ids),
        )?,
    };
    rows.iter()
        .map(|r| Ok((format!("payment:{}", r.text(0)?), Some(columns_digest(r)))))
        .collect()
}

/// The columns of an imported label that its digest covers, `id` first.
pub(crate) const LABEL_ROW: &str = "id, party_id, role, disposition, source, source_file, \
     labelled_by, labelled_at FROM labels";

/// The columns of a model version that its digest covers, `version` first.
pub(crate) const MODEL_ROW: &str = "version, status, refusal, trainer, trained_at, labels, \
     threshold, cv_precision, cv_recall, rules_precision, rules_recall, body, activated_by, \
     activated_at FROM models";

/// The digests of rows of `table` (`SELECT`ed by `columns`, id first) with
/// these ids, or of all, named `KIND:ID`.
fn by_id(
    tx: &mut dyn Tx,
    columns: &str,
    id_column: &str,
    kind: &str,
    ids: Option<&[i64]>,
) -> Result<Vec<RowDigest>, StoreError> {
    let rows = match ids {
        None => tx.query(&format!("SELECT {columns}"), &[])?,
        Some(ids) => tx.query_keys(
            &format!("SELECT {columns} WHERE {id_column}"),
            Keys::Int(ids),
        )?,
    };
    rows.iter()
        .map(|r| Ok((format!("{kind}:{}", r.int(0)?), Some(columns_digest(r)))))
        .collect()
}

/// The digests of the imported labels with these ids, or of all.
pub(crate) fn labels(tx: &mut dyn Tx, ids: Option<&[i64]>) -> Result<Vec<RowDigest>, StoreError> {
    by_id(tx, LABEL_ROW, "id", "label", ids)
}

/// The digests of the model versions with these numbers, or of all.
pub(crate) fn models(tx: &mut dyn Tx, ids: Option<&[i64]>) -> Result<Vec<RowDigest>, StoreError> {
    by_id(tx, MODEL_ROW, "version", "model", ids)
}

/// `PREFIX ($1, $2, ...)` with the values as parameters.
pub(crate) fn digest(view: &Value) -> Result<String, StoreError> {
    let mut text = String::new();
    canonical(view, &mut text)?;
    Ok(sha256_hex(text.as_bytes()))
}

fn row(object: String, view: &Value) -> Result<RowDigest, StoreError> {
    Ok((object, Some(digest(view)?)))
}

pub(crate) fn user(u: &User) -> Result<RowDigest, StoreError> {
    row(format!("user:{}", u.id), &user_view(u)?)
}

pub(crate) fn case(c: &Case) -> Result<RowDigest, StoreError> {
    row(format!("case:{}", c.id), &case_view(c)?)
}

pub(crate) fn match_run(r: &MatchRun) -> Result<RowDigest, StoreError> {
    row(format!("match_run:{}", r.id), &match_run_view(r)?)
}

pub(crate) fn report(r: &Report) -> Result<RowDigest, StoreError> {
    row(format!("report:{}", r.id), &report_view(r)?)
}

pub(crate) fn engine_state(
    version: i64,
    saved_at: Timestamp,
    blob: &[u8],
) -> Result<RowDigest, StoreError> {
    row(
        "engine_state".into(),
        &engine_state_view(version, saved_at, blob),
    )
}

/// The `txns` object after a change: how many txn ids are recorded, as
/// `log_head` keeps the count (verify counts the table itself).
pub(crate) fn txns(tx: &mut dyn Tx) -> Result<RowDigest, StoreError> {
    let count = tx
        .query_one("SELECT txns FROM log_head WHERE id = 1", &[])?
        .int(0)?;
    txns_counted(count)
}

pub(crate) fn txns_counted(count: i64) -> Result<RowDigest, StoreError> {
    row("txns".into(), &txns_view(count))
}

/// A chunk of the payment log: `log:SEQ`.
pub(crate) fn log_chunk_view(payments: i64, bytes: &[u8], recorded_at: Timestamp) -> Value {
    serde_json::json!({
        "payments": payments,
        "recorded_at": recorded_at,
        "bytes": bytes.len(),
        "sha256": sha256_hex(bytes),
    })
}

pub(crate) fn log_chunk(
    seq: i64,
    payments: u32,
    bytes: &[u8],
    recorded_at: Timestamp,
) -> Result<RowDigest, StoreError> {
    row(
        format!("log:{seq}"),
        &log_chunk_view(payments.into(), bytes, recorded_at),
    )
}

/// The latest engine checkpoint: `checkpoint`.
pub(crate) fn checkpoint(
    log_seq: i64,
    saved_at: Timestamp,
    state: &[u8],
) -> Result<RowDigest, StoreError> {
    row(
        "checkpoint".into(),
        &checkpoint_view(log_seq, saved_at, state),
    )
}

pub(crate) fn checkpoint_view(log_seq: i64, saved_at: Timestamp, state: &[u8]) -> Value {
    serde_json::json!({
        "log_seq": log_seq,
        "saved_at": saved_at,
        "bytes": state.len(),
        "sha256": sha256_hex(state),
    })
}

// ---- the database as it is now ----

/// A protected row as found now: its digest, a name for people, and its
/// view where the audit entries' `after` JSON is the same view (so verify
/// can name the fields that differ).
pub(crate) struct Found {
    pub digest: String,
    pub label: String,
    pub view: Option<Value>,
}

/// Every protected row now in the database, by object name.
pub(crate) fn current(tx: &mut dyn Tx) -> Result<BTreeMap<String, Found>, StoreError> {
    let mut found = BTreeMap::new();
    let mut put = |object: String, label: String, view: Value, keep: bool| {
        let digest = digest(&view)?;
        let view = keep.then_some(view);
        found.insert(
            object,
            Found {
                digest,
                label,
                view,
            },
        );
        Ok::<(), StoreError>(())
    };
    for u in crate::access::all_users(tx)? {
        put(
            format!("user:{}", u.id),
            format!("user {}", u.name),
            user_view(&u)?,
            true,
        )?;
    }
    for c in case::all(tx)? {
        put(
            format!("case:{}", c.id),
            format!("case {}", c.id),
            case_view(&c)?,
            true,
        )?;
    }
    for r in report::all(tx, None)? {
        put(
            format!("report:{}", r.id),
            format!("report {}", r.id),
            report_view(&r)?,
            true,
        )?;
    }
    for r in crate::matching::runs(tx)? {
        put(
            format!("match_run:{}", r.id),
            format!("match run {}", r.id),
            match_run_view(&r)?,
            true,
        )?;
    }
    for (t, sha256) in token::all_with_hashes(tx)? {
        put(
            format!("token:{}", t.id),
            format!("token {}", t.id),
            token::view(&t, &sha256)?,
            true,
        )?;
    }
    if let Some(r) = tx.query_opt(
        "SELECT version, saved_at, state FROM engine_state WHERE id = 1",
        &[],
    )? {
        put(
            "engine_state".into(),
            "the engine state".into(),
            engine_state_view(r.int(0)?, r.int(1)?, &r.blob(2)?),
            false,
        )?;
    }
    let count = tx.query_one("SELECT COUNT(*) FROM txns", &[])?.int(0)?;
    if count > 0 {
        put(
            "txns".into(),
            format!("the recorded txn ids ({count})"),
            txns_view(count),
            false,
        )?;
    }
    if let Some(c) = crate::log_store::load_checkpoint(tx)? {
        put(
            "checkpoint".into(),
            "the engine checkpoint".into(),
            checkpoint_view(c.log_seq, c.saved_at, &c.state),
            false,
        )?;
    }
    // A page of chunks at a time: the log may be larger than memory allows.
    let mut after = 0;
    loop {
        let page = tx.query(
            "SELECT seq, payments, bytes, recorded_at FROM payment_log WHERE seq > $1 ORDER BY seq LIMIT 64",
            &[SqlValue::Int(after)],
        )?;
        let Some(last) = page.last() else { break };
        after = last.int(0)?;
        for r in &page {
            let seq = r.int(0)?;
            put(
                format!("log:{seq}"),
                format!("payment log chunk {seq}"),
                log_chunk_view(r.int(1)?, &r.blob(2)?, r.int(3)?),
                false,
            )?;
        }
    }
    let scanned = alerts(tx, None)?
        .into_iter()
        .chain(payments(tx, None)?)
        .chain(labels(tx, None)?)
        .chain(models(tx, None)?);
    for (object, digest) in scanned {
        let label = object.replacen(':', " ", 1);
        found.insert(
            object,
            Found {
                digest: digest.unwrap_or_default(),
                label,
                view: None,
            },
        );
    }
    Ok(found)
}

/// A name for a row that is gone: `alert:12` → `alert 12`, a user by the
/// name its last audit entry gave.
pub(crate) fn label_of(object: &str, after: Option<&Value>) -> String {
    match object.split_once(':') {
        Some(("user", id)) => match after.and_then(|a| a["name"].as_str()) {
            Some(name) => format!("user {name}"),
            None => format!("user {id}"),
        },
        Some((kind, id)) => format!("{kind} {id}"),
        None => object.replace('_', " "),
    }
}

/// The top-level fields whose values differ, in words (`xml` for a
/// report's XML hash and length), in alphabetical order.
/// The row's view in an entry's `after`: the whole of it, or, for an entry
/// that records more than the row (a match run's evidence count and
/// digest), what it holds under `run`.
pub(crate) fn recorded_view(after: &Value) -> &Value {
    match after.get("run") {
        Some(run) if run.is_object() => run,
        _ => after,
    }
}

pub(crate) fn differing_fields(recorded: &Value, now: &Value) -> Vec<String> {
    let (Value::Object(a), Value::Object(b)) = (recorded, now) else {
        return Vec::new();
    };
    let mut fields: Vec<String> = Vec::new();
    for k in a.keys().chain(b.keys()) {
        if a.get(k) != b.get(k) {
            let name = match k.as_str() {
                "xml_sha256" | "xml_bytes" => "xml",
                other => other,
            };
            if !fields.iter().any(|f| f == name) {
                fields.push(name.to_owned());
            }
        }
    }
    fields.sort();
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_ignores_map_order_but_not_values() {
        let a: Value = serde_json::from_str(r#"{"b":1,"a":{"y":[1,2],"x":"s"}}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"a":{"x":"s","y":[1,2]},"b":1}"#).unwrap();
        let c: Value = serde_json::from_str(r#"{"a":{"x":"s","y":[2,1]},"b":1}"#).unwrap();
        assert_eq!(digest(&a).unwrap(), digest(&b).unwrap());
        assert_ne!(digest(&a).unwrap(), digest(&c).unwrap());
    }

    #[test]
    fn stored_columns_encode_unambiguously() {
        use SqlValue::*;
        let d = |v: Vec<SqlValue>| columns_digest(&Row(v));
        let t = |s: &str| Text(s.to_owned());
        assert_ne!(d(vec![t("ab"), t("c")]), d(vec![t("a"), t("bc")]));
        assert_ne!(d(vec![Int(1)]), d(vec![Real(1.0)]));
        assert_ne!(d(vec![Null]), d(vec![t("")]));
        assert_ne!(d(vec![Real(0.1)]), d(vec![Real(0.1 + 1e-17 * 2.0)]));
        assert_eq!(d(vec![t("x"), Real(0.25)]), d(vec![t("x"), Real(0.25)]));
    }

    #[test]
    fn fields_that_differ_are_named() {
        let a = serde_json::json!({"role": "analyst", "name": "ana", "xml_sha256": "1", "xml_bytes": 3});
        let b = serde_json::json!({"role": "admin", "name": "ana", "xml_sha256": "2", "xml_bytes": 4, "new": 1});
        assert_eq!(differing_fields(&a, &b), ["new", "role", "xml"]);
    }
}
