//! The differential-privacy noise `spur stats --epsilon` drew, kept so that
//! the same figures come out again and `spur stats verify` can recompute
//! them: a second run on the same data with the same settings takes the
//! noise drawn the first time (drawing afresh would let anyone average the
//! noise away and spend the budget again), and no seed is ever published.
//!
//! A row is written once and never changed (no statement here updates or
//! deletes one); its audit entry (`stats.noise`) records the SHA-256 of the
//! noise, and reading it back checks that digest, so a row edited in the
//! database is refused.

use sha2::{Digest, Sha256};
use spur_engine::Timestamp;

use crate::access::reader;
use crate::audit::{self, hex, json, Change};
use crate::error::StoreError;
use crate::sql::{params, Tx};

fn object(key: &str) -> String {
    format!("stats_noise:{key}")
}

/// The noise kept under `key`, its digest checked against its audit entry;
/// `None` when none was drawn under it. Any reader.
pub(crate) fn load(tx: &mut dyn Tx, actor: &str, key: &str) -> Result<Option<String>, StoreError> {
    reader(tx, actor)?;
    let Some(row) = tx.query_opt("SELECT noise FROM stats_noise WHERE key = $1", params![key])?
    else {
        return Ok(None);
    };
    let noise = row.text(0)?;
    let audited = tx
        .query_opt(
            "SELECT after_json FROM audit_log WHERE action = 'stats.noise' AND object = $1",
            params![object(key).as_str()],
        )?
        .ok_or_else(|| StoreError::Corrupt(format!("stats noise {key}: no audit entry")))?
        .text(0)?;
    let recorded: serde_json::Value = serde_json::from_str(&audited)?;
    let digest = hex(&Sha256::digest(noise.as_bytes()));
    if recorded["noise_sha256"].as_str() != Some(digest.as_str()) {
        return Err(StoreError::Corrupt(format!(
            "stats noise {key}: its digest is not the one its audit entry recorded (edited in the database)"
        )));
    }
    Ok(Some(noise))
}

/// Keeps `noise` under `key` (once: a key already kept is refused), audited with its digest and `epsilon`. Any reader: drawing
/// noise is part of publishing figures, which readers may do.
pub(crate) fn save(
    tx: &mut dyn Tx,
    now: Timestamp,
    actor: &str,
    key: &str,
    epsilon: f64,
    noise: &str,
) -> Result<(), StoreError> {
    let user = reader(tx, actor)?;
    if key.is_empty() || noise.is_empty() || !(epsilon.is_finite() && epsilon > 0.0) {
        return Err(StoreError::Invalid(
            "stats noise: an empty key or noise, or an epsilon that is not a positive number"
                .into(),
        ));
    }
    if tx
        .query_opt("SELECT 1 FROM stats_noise WHERE key = $1", params![key])?
        .is_some()
    {
        return Err(StoreError::Invalid(format!(
            "stats noise {key} is kept already: it is drawn once"
        )));
    }
    tx.execute(
        "INSERT INTO stats_noise (key, noise, epsilon, created_by, created_at) VALUES ($1, $2, $3, $4, $5)",
        params![key, noise, epsilon, user.name.as_str(), now],
    )?;
    audit::append(
        tx,
        Change {
            at: now,
            actor: &user.name,
            action: "stats.noise",
            object: object(key),
            before: None,
            after: json(&serde_json::json!({
                "epsilon": epsilon,
                "noise_sha256": hex(&Sha256::digest(noise.as_bytes())),
            }))?,
            rows: vec![],
        },
    )?;
    Ok(())
}
