//! A scan's unit in the store and the engine state it saves: the batch's
//! txn ids, kept payments and alerts with the state, in one transaction and
//! one audit entry (`scan.commit`), refused when another scan was stored
//! since the state it started from; and the state saved on its own
//! (`engine_state.save`).

use serde::Serialize;
use spur_engine::{Alert, Timestamp};
use tracing::debug;

use crate::alert_rows::{check_alerts, clear_others, upsert_alert};
use crate::audit::{self, json, Change};
use crate::error::StoreError;
use crate::model::{PaymentRecord, ScanBatch};
use crate::payment_rows::{insert_payments, insert_txns, TxnRow};
use crate::rows;
use crate::sql::{params, Tx};
use crate::sql_store::SqlStore;
use crate::store::SYSTEM_ACTOR;

/// The engine state as the next version; that version.
pub(crate) fn store_state(tx: &mut dyn Tx, blob: &[u8], now: Timestamp) -> Result<i64, StoreError> {
    let version = tx
        .query_one(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM engine_state",
            &[],
        )?
        .int(0)?;
    tx.execute(
        "INSERT INTO engine_state (id, version, state, saved_at) VALUES (1, $1, $2, $3) \
         ON CONFLICT (id) DO UPDATE SET version = excluded.version, state = excluded.state, saved_at = excluded.saved_at",
        params![version, blob, now],
    )?;
    Ok(version)
}

/// What the audit entry keeps of a saved state: its version, size and hash.
#[derive(Serialize)]
pub(crate) struct StateAudit {
    version: i64,
    bytes: usize,
    sha256: String,
}

pub(crate) fn state_audit(version: i64, blob: &[u8]) -> StateAudit {
    StateAudit {
        version,
        bytes: blob.len(),
        sha256: audit::sha256_hex(blob),
    }
}

impl SqlStore {
    /// A scan batch; with `payments`, `alerts` is the engine's complete outcome.
    pub(crate) fn commit_scan(
        &mut self,
        txns: &[TxnRow<'_>],
        alerts: &[Alert],
        whole: Option<(&[PaymentRecord], i64)>,
        state: &[u8],
    ) -> Result<ScanBatch, StoreError> {
        let (payments, based_on) = match whole {
            Some((p, v)) => (p, Some(v)),
            None => (&[][..], None),
        };
        if txns.iter().any(|(t, _)| t.is_empty()) {
            return Err(StoreError::Invalid("an empty txn_id".into()));
        }
        check_alerts(alerts)?;
        if payments
            .iter()
            .any(|p| p.txn_id.is_empty() || !p.amount.is_finite())
        {
            return Err(StoreError::Invalid(
                "every payment needs a txn_id and a finite amount".into(),
            ));
        }
        self.write(|tx, now| {
            if let Some(expected) = based_on {
                // The audit head's lock queues concurrent scans on PostgreSQL.
                tx.query_one(
                    &format!("SELECT last_id FROM audit_head WHERE id = 1{}", tx.for_update()),
                    &[],
                )?;
                let found = tx
                    .query_one("SELECT COALESCE(MAX(version), 0) FROM engine_state", &[])?
                    .int(0)?;
                if found != expected {
                    return Err(StoreError::ScanConflict { expected, found });
                }
            }
            let new_txns = insert_txns(tx, txns, now)?;
            let kept = insert_payments(tx, payments, now)?;
            let new_payments: Vec<&str> = kept.iter().map(String::as_str).collect();
            let (mut alerts_created, mut alerts_updated) = (Vec::new(), Vec::new());
            for a in alerts {
                match upsert_alert(tx, a, now)? {
                    (id, true) => alerts_created.push(id),
                    (id, false) => alerts_updated.push(id),
                }
            }
            let alerts_cleared = if based_on.is_some() {
                clear_others(tx, &alerts_created, &alerts_updated, now)?
            } else {
                Vec::new()
            };
            let state_version = store_state(tx, state, now)?;
            // The digests of what the scan wrote, as stored (read back: a
            // database may store a number differently from how it was given).
            let mut written = vec![rows::engine_state(state_version, now, state)?];
            // No txn ids at all is no `txns` row (as verify sees it), not a
            // count of 0 that verify would then find deleted.
            if tx.query_opt("SELECT txn_id FROM txns LIMIT 1", &[])?.is_some() {
                written.push(rows::txns(tx)?);
            }
            let touched: Vec<i64> = alerts_created
                .iter()
                .chain(&alerts_updated)
                .chain(&alerts_cleared)
                .copied()
                .collect();
            written.extend(rows::alerts(tx, Some(&touched))?);
            written.extend(rows::payments(tx, Some(&new_payments))?);
            let batch = ScanBatch {
                new_txns,
                alerts_created,
                alerts_updated,
                alerts_cleared,
                state_version,
            };
            audit::append(
                tx,
                Change {
                    at: now,
                    actor: SYSTEM_ACTOR,
                    action: "scan.commit",
                    object: "scan".into(),
                    before: None,
                    after: json(&serde_json::json!({ "batch": &batch, "state": state_audit(state_version, state) }))?,
                    rows: written,
                },
            )?;
            debug!(
                new_txns = batch.new_txns,
                alerts_created = batch.alerts_created.len(),
                alerts_updated = batch.alerts_updated.len(),
                "scan batch committed"
            );
            Ok(batch)
        })
    }
}
