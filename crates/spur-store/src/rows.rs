//! What the audit chain protects of each table: a SHA-256 digest of every
//! row that matters, written with the audit entry of the change that made
//! the row what it is, and recomputed by `verify`.
//!
//! A row's digest is the hash of its *view*: a JSON value of the columns
//! that matter, with object keys sorted (so the digest does not depend on
//! serde_json's map order) and a report's XML as its own SHA-256. Each table
//! has one view function below; a table that gains a column that matters
//! gets it in its view (users, cases and reports take theirs from the same
//! structs the audit entries' `after` JSON is made of, so a new field of
//! [`Case`] or of `report::audited_view` is covered without more code).
//!
//! Objects are named as in the audit log: `user:3`, `case:7`, `report:2`,
//! `alert:12`, `payment:TXN`, plus `engine_state` and `txns` (the number of
//! recorded txn ids: millions of ids are counted, not hashed one by one).

use std::collections::BTreeMap;

use serde_json::Value;
use spur_engine::Timestamp;

use crate::audit::sha256_hex;
use crate::case;
use crate::error::StoreError;
use crate::model::{Case, PaymentRecord, Report, StoredAlert, User};
use crate::report;
use crate::sql::Tx;
use crate::store;

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

/// The alert without its case: the link belongs to the case's view.
pub(crate) fn alert_view(a: &StoredAlert) -> Result<Value, StoreError> {
    let mut v = serde_json::to_value(a)?;
    if let Value::Object(m) = &mut v {
        m.remove("case_id");
    }
    Ok(v)
}

pub(crate) fn payment_view(p: &PaymentRecord) -> Result<Value, StoreError> {
    Ok(serde_json::to_value(p)?)
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

pub(crate) fn report(r: &Report) -> Result<RowDigest, StoreError> {
    row(format!("report:{}", r.id), &report_view(r)?)
}

pub(crate) fn alert(a: &StoredAlert) -> Result<RowDigest, StoreError> {
    row(format!("alert:{}", a.id), &alert_view(a)?)
}

pub(crate) fn payment(p: &PaymentRecord) -> Result<RowDigest, StoreError> {
    row(format!("payment:{}", p.txn_id), &payment_view(p)?)
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

/// The `txns` object after a change: how many txn ids are recorded.
pub(crate) fn txns(tx: &mut dyn Tx) -> Result<RowDigest, StoreError> {
    let count = tx.query_one("SELECT COUNT(*) FROM txns", &[])?.int(0)?;
    row("txns".into(), &txns_view(count))
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
    for u in store::all_users(tx)? {
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
    for a in store::all_alerts(tx)? {
        put(
            format!("alert:{}", a.id),
            format!("alert {}", a.id),
            alert_view(&a)?,
            false,
        )?;
    }
    for p in store::all_payments(tx)? {
        put(
            format!("payment:{}", p.txn_id),
            format!("payment {}", p.txn_id),
            payment_view(&p)?,
            false,
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
    fn fields_that_differ_are_named() {
        let a = serde_json::json!({"role": "analyst", "name": "ana", "xml_sha256": "1", "xml_bytes": 3});
        let b = serde_json::json!({"role": "admin", "name": "ana", "xml_sha256": "2", "xml_bytes": 4, "new": 1});
        assert_eq!(differing_fields(&a, &b), ["new", "role", "xml"]);
    }
}
