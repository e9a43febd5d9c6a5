//! The rows of `alerts`: checked, written many to a statement (new ones
//! inserted, stored ones updated by their id), cleared, and read back.

use std::collections::HashMap;

use spur_engine::{Alert, Role, Timestamp};

use crate::error::StoreError;
use crate::model::StoredAlert;
use crate::sql::{params, Row, Tx, Value};

pub(crate) fn check_alerts(alerts: &[Alert]) -> Result<(), StoreError> {
    if alerts
        .iter()
        .any(|a| !a.score.is_finite() || a.subject.is_empty())
    {
        return Err(StoreError::Invalid(
            "every alert needs a subject and a finite score".into(),
        ));
    }
    Ok(())
}

/// The alert as its `body` column holds it.
pub(crate) fn alert_body(a: &Alert) -> Result<String, StoreError> {
    Ok(serde_json::to_string(&serde_json::to_value(a)?)?)
}

/// An alert's text columns, as `alerts` holds them.
pub(crate) struct AlertColumns {
    pub(crate) indicators: String,
    pub(crate) transactions: String,
    pub(crate) body: String,
}

impl AlertColumns {
    pub(crate) fn of(a: &Alert) -> Result<Self, StoreError> {
        let body = serde_json::to_value(a)?;
        Ok(AlertColumns {
            indicators: serde_json::to_string(&body["indicators"])?,
            transactions: serde_json::to_string(&a.transactions)?,
            body: serde_json::to_string(&body)?,
        })
    }
}

/// Alerts per multi-row statement (11 parameters each at most).
pub(crate) const ALERT_ROWS: usize = 500;

/// Inserts new alerts (no alert of their party in their role is stored),
/// many to a statement; their ids, in the order given.
pub(crate) fn insert_alerts(
    tx: &mut dyn Tx,
    alerts: &[(&Alert, AlertColumns)],
    now: Timestamp,
) -> Result<Vec<i64>, StoreError> {
    let mut ids = Vec::with_capacity(alerts.len());
    for part in alerts.chunks(ALERT_ROWS) {
        let mut sql = String::from(
            "INSERT INTO alerts (subject, role, score, country, indicators, transactions, body, \
             first_seen, last_seen, created_at, updated_at) VALUES ",
        );
        let mut values: Vec<Value> = vec![now.into()];
        for (i, (a, c)) in part.iter().enumerate() {
            values_row(&mut sql, i == 0, values.len() + 1, &[None; 9], ", $1, $1");
            values.extend([
                a.subject.as_str().into(),
                a.role.as_str().into(),
                a.score.into(),
                a.country.as_str().into(),
                c.indicators.as_str().into(),
                c.transactions.as_str().into(),
                c.body.as_str().into(),
                a.first_seen.into(),
                a.last_seen.into(),
            ]);
        }
        sql.push_str(" RETURNING id, subject, role");
        let mut by_key = HashMap::new();
        for r in tx.query(&sql, &values)? {
            by_key.insert((r.text(1)?, r.text(2)?), r.int(0)?);
        }
        for (a, _) in part {
            let id = by_key
                .get(&(a.subject.clone(), a.role.as_str().to_owned()))
                .ok_or_else(|| {
                    StoreError::Corrupt("an inserted alert's id did not come back".into())
                })?;
            ids.push(*id);
        }
    }
    Ok(ids)
}

/// Updates stored alerts in place by their ids (standing again if they
/// were cleared), many to a statement.
pub(crate) fn update_alerts(
    tx: &mut dyn Tx,
    alerts: &[(i64, &Alert, AlertColumns)],
    now: Timestamp,
) -> Result<(), StoreError> {
    for part in alerts.chunks(ALERT_ROWS) {
        // VALUES' columns are column1, column2, ... on both backends.
        let mut sql = String::from(
            "UPDATE alerts SET score = v.column2, country = v.column3, indicators = v.column4, \
             transactions = v.column5, body = v.column6, first_seen = v.column7, \
             last_seen = v.column8, updated_at = $1, cleared_at = NULL FROM (VALUES ",
        );
        let mut values: Vec<Value> = vec![now.into()];
        for (i, (id, a, c)) in part.iter().enumerate() {
            // Typed, so that both backends read the VALUES' columns alike.
            const TYPES: [Option<&str>; 8] = [
                Some("BIGINT"),
                Some("DOUBLE PRECISION"),
                Some("TEXT"),
                Some("TEXT"),
                Some("TEXT"),
                Some("TEXT"),
                Some("BIGINT"),
                Some("BIGINT"),
            ];
            values_row(&mut sql, i == 0, values.len() + 1, &TYPES, "");
            values.extend([
                (*id).into(),
                a.score.into(),
                a.country.as_str().into(),
                c.indicators.as_str().into(),
                c.transactions.as_str().into(),
                c.body.as_str().into(),
                a.first_seen.into(),
                a.last_seen.into(),
            ]);
        }
        sql.push_str(") AS v WHERE alerts.id = v.column1");
        let changed = tx.execute(&sql, &values)?;
        if changed != part.len() as u64 {
            return Err(StoreError::Corrupt(format!(
                "{} of {} stored alerts to update were found",
                changed,
                part.len()
            )));
        }
    }
    Ok(())
}

/// Creates the alert, or updates the party's alert in that role; true if created.
pub(crate) fn upsert_alert(
    tx: &mut dyn Tx,
    a: &Alert,
    now: Timestamp,
) -> Result<(i64, bool), StoreError> {
    let body = serde_json::to_value(a)?;
    let indicators = serde_json::to_string(&body["indicators"])?;
    let transactions = serde_json::to_string(&a.transactions)?;
    let body = serde_json::to_string(&body)?;
    debug_assert_eq!(body, alert_body(a)?);
    let existing = tx.query_opt(
        &format!(
            "SELECT id FROM alerts WHERE subject = $1 AND role = $2{}",
            tx.for_update()
        ),
        params![a.subject.as_str(), a.role.as_str()],
    )?;
    match existing {
        Some(r) => {
            let id = r.int(0)?;
            tx.execute(
                "UPDATE alerts SET score = $1, country = $2, indicators = $3, transactions = $4, body = $5, \
                 first_seen = $6, last_seen = $7, updated_at = $8, cleared_at = NULL WHERE id = $9",
                params![a.score, a.country.as_str(), indicators, transactions, body, a.first_seen, a.last_seen, now, id],
            )?;
            Ok((id, false))
        }
        None => {
            let id = tx
                .query_one(
                    "INSERT INTO alerts (subject, role, score, country, indicators, transactions, body, \
                     first_seen, last_seen, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
                    params![
                        a.subject.as_str(),
                        a.role.as_str(),
                        a.score,
                        a.country.as_str(),
                        indicators,
                        transactions,
                        body,
                        a.first_seen,
                        a.last_seen,
                        now
                    ],
                )?
                .int(0)?;
            Ok((id, true))
        }
    }
}

/// Marks cleared the standing alerts that are neither `created` nor `updated`.
pub(crate) fn clear_others(
    tx: &mut dyn Tx,
    created: &[i64],
    updated: &[i64],
    now: Timestamp,
) -> Result<Vec<i64>, StoreError> {
    let current: std::collections::HashSet<i64> = created.iter().chain(updated).copied().collect();
    let mut cleared = Vec::new();
    for r in tx.query(
        "SELECT id FROM alerts WHERE cleared_at IS NULL ORDER BY id",
        &[],
    )? {
        let id = r.int(0)?;
        if !current.contains(&id) {
            cleared.push(id);
        }
    }
    for id in &cleared {
        tx.execute(
            "UPDATE alerts SET cleared_at = $1, updated_at = $1 WHERE id = $2",
            params![now, *id],
        )?;
    }
    Ok(cleared)
}

/// `PREFIX ($1, $2, ...)` with the ids as parameters.
pub(crate) const ALERT_COLUMNS: &str =
    "a.id, a.subject, a.role, a.score, a.country, a.indicators, a.transactions, a.body, \
     a.first_seen, a.last_seen, a.created_at, a.updated_at, c.case_id, a.cleared_at \
     FROM alerts a LEFT JOIN case_alerts c ON c.alert_id = a.id";

pub(crate) fn alert_from(r: &Row) -> Result<StoredAlert, StoreError> {
    let role = match r.text(2)?.as_str() {
        "sender" => Role::Sender,
        "receiver" => Role::Receiver,
        other => return Err(StoreError::Corrupt(format!("alert role {other:?}"))),
    };
    Ok(StoredAlert {
        id: r.int(0)?,
        subject: r.text(1)?,
        role,
        score: r.real(3)?,
        country: r.text(4)?,
        indicators: serde_json::from_str(&r.text(5)?)?,
        transactions: serde_json::from_str(&r.text(6)?)?,
        body: serde_json::from_str(&r.text(7)?)?,
        first_seen: r.int(8)?,
        last_seen: r.int(9)?,
        created_at: r.int(10)?,
        updated_at: r.int(11)?,
        case_id: r.opt_int(12)?,
        cleared_at: r.opt_int(13)?,
    })
}

pub(crate) fn all_alerts(tx: &mut dyn Tx) -> Result<Vec<StoredAlert>, StoreError> {
    tx.query(&format!("SELECT {ALERT_COLUMNS} ORDER BY a.id"), &[])?
        .iter()
        .map(alert_from)
        .collect()
}

pub(crate) fn alert_exists(tx: &mut dyn Tx, alert_id: i64) -> Result<(), StoreError> {
    match tx.query_opt("SELECT id FROM alerts WHERE id = $1", params![alert_id])? {
        Some(_) => Ok(()),
        None => Err(StoreError::not_found("alert", alert_id)),
    }
}

/// One row of a multi-row `VALUES`: a comma unless `first`, then `(`, the
/// placeholders `$start`, `$start + 1`, ... (each cast to its type where
/// `types` gives one), `tail`, `)`.
fn values_row(sql: &mut String, first: bool, start: usize, types: &[Option<&str>], tail: &str) {
    use std::fmt::Write;
    if !first {
        sql.push_str(", ");
    }
    sql.push('(');
    for (k, t) in types.iter().enumerate() {
        if k > 0 {
            sql.push_str(", ");
        }
        let _ = match t {
            Some(t) => write!(sql, "CAST(${} AS {t})", start + k),
            None => write!(sql, "${}", start + k),
        };
    }
    sql.push_str(tail);
    sql.push(')');
}
