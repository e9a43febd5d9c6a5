//! Cases: an analyst's unit of work, gathering alerts, notes and reports.
//!
//! Status moves along [`transition`]: open → investigating | escalated,
//! investigating ⇄ escalated; any unclosed case may be closed with a reason
//! and a disposition other than undetermined (final); filing a report makes
//! a case `reported`.

use std::collections::HashMap;

use spur_engine::Timestamp;

use crate::access::{find_user, require, WORKERS};
use crate::alert_rows::alert_exists;
use crate::audit::{self, json, Change};
use crate::error::StoreError;
use crate::model::{Case, CaseStatus, Disposition, Note, UserRole};
use crate::rows;
use crate::sql::{params, Row, Tx, Value};

/// Whether `set_status` may move a case from `from` to `to`; the error's hint
/// says why not.
pub(crate) fn transition(case: i64, from: CaseStatus, to: CaseStatus) -> Result<(), StoreError> {
    use CaseStatus::*;
    let hint = match (from, to) {
        (Open, Investigating)
        | (Open, Escalated)
        | (Investigating, Escalated)
        | (Escalated, Investigating) => return Ok(()),
        (Closed, _) => ": a closed case is final",
        (_, Closed) => ": close it with a reason instead",
        (_, Reported) => ": a case becomes reported when one of its reports is filed",
        _ => "",
    };
    Err(StoreError::IllegalTransition {
        case,
        from,
        to,
        hint,
    })
}

fn note_from(r: &Row) -> Result<Note, StoreError> {
    Ok(Note {
        id: r.int(0)?,
        author: r.text(1)?,
        at: r.int(2)?,
        text: r.text(3)?,
    })
}

const CASE_COLUMNS: &str =
    "id, status, disposition, assignee, close_reason, opened_by, created_at, updated_at FROM cases";

fn case_from(r: &Row, alerts: Vec<i64>, notes: Vec<Note>) -> Result<Case, StoreError> {
    Ok(Case {
        id: r.int(0)?,
        status: r.text(1)?.parse()?,
        disposition: r.text(2)?.parse()?,
        assignee: r.opt_text(3)?,
        close_reason: r.opt_text(4)?,
        opened_by: r.text(5)?,
        created_at: r.int(6)?,
        updated_at: r.int(7)?,
        alerts,
        notes,
    })
}

/// Loads a case; `lock` takes its row lock for a change.
pub(crate) fn load(tx: &mut dyn Tx, case_id: i64, lock: bool) -> Result<Case, StoreError> {
    let sql = format!(
        "SELECT {CASE_COLUMNS} WHERE id = $1{}",
        if lock { tx.for_update() } else { "" }
    );
    let r = tx
        .query_opt(&sql, params![case_id])?
        .ok_or_else(|| StoreError::not_found("case", case_id))?;
    let alerts = tx
        .query(
            "SELECT alert_id FROM case_alerts WHERE case_id = $1 ORDER BY seq",
            params![case_id],
        )?
        .iter()
        .map(|r| r.int(0))
        .collect::<Result<_, _>>()?;
    let notes = tx
        .query(
            "SELECT id, author, noted_at, body FROM case_notes WHERE case_id = $1 ORDER BY id",
            params![case_id],
        )?
        .iter()
        .map(note_from)
        .collect::<Result<_, _>>()?;
    case_from(&r, alerts, notes)
}

/// The cases that pass `conditions` (SQL on the `cases` columns, with
/// `values` for their placeholders), in `order`, at most `limit`: three
/// queries for the whole page, not three per case.
pub(crate) fn select(
    tx: &mut dyn Tx,
    conditions: &str,
    values: &[Value],
    order: &str,
    limit: usize,
) -> Result<Vec<Case>, StoreError> {
    let rows = tx.query(
        &format!("SELECT {CASE_COLUMNS} WHERE {conditions} ORDER BY {order} LIMIT {limit}"),
        values,
    )?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.int(0)).collect::<Result<_, _>>()?;
    let list = ids
        .iter()
        .enumerate()
        .map(|(i, _)| format!("${}", i + 1))
        .collect::<Vec<_>>()
        .join(", ");
    let id_values: Vec<Value> = ids.iter().map(|id| Value::Int(*id)).collect();
    let mut alerts: HashMap<i64, Vec<i64>> = HashMap::new();
    for r in tx.query(
        &format!("SELECT case_id, alert_id FROM case_alerts WHERE case_id IN ({list}) ORDER BY case_id, seq"),
        &id_values,
    )? {
        alerts.entry(r.int(0)?).or_default().push(r.int(1)?);
    }
    let mut notes: HashMap<i64, Vec<Note>> = HashMap::new();
    for r in tx.query(
        &format!("SELECT case_id, id, author, noted_at, body FROM case_notes WHERE case_id IN ({list}) ORDER BY case_id, id"),
        &id_values,
    )? {
        let note = Note {
            id: r.int(1)?,
            author: r.text(2)?,
            at: r.int(3)?,
            text: r.text(4)?,
        };
        notes.entry(r.int(0)?).or_default().push(note);
    }
    rows.iter()
        .map(|r| {
            let id = r.int(0)?;
            case_from(
                r,
                alerts.remove(&id).unwrap_or_default(),
                notes.remove(&id).unwrap_or_default(),
            )
        })
        .collect()
}

pub(crate) fn all(tx: &mut dyn Tx) -> Result<Vec<Case>, StoreError> {
    let ids = tx.query("SELECT id FROM cases ORDER BY id", &[])?;
    ids.iter().map(|r| load(tx, r.int(0)?, false)).collect()
}

fn attach(tx: &mut dyn Tx, case_id: i64, alert_id: i64) -> Result<(), StoreError> {
    alert_exists(tx, alert_id)?;
    if let Some(r) = tx.query_opt(
        "SELECT case_id FROM case_alerts WHERE alert_id = $1",
        params![alert_id],
    )? {
        return Err(StoreError::AlertInCase {
            alert: alert_id,
            case: r.int(0)?,
        });
    }
    let seq = tx
        .query_one(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM case_alerts WHERE case_id = $1",
            params![case_id],
        )?
        .int(0)?;
    tx.execute(
        "INSERT INTO case_alerts (alert_id, case_id, seq) VALUES ($1, $2, $3)",
        params![alert_id, case_id, seq],
    )?;
    Ok(())
}

pub(crate) fn open(
    tx: &mut dyn Tx,
    now: Timestamp,
    alert_id: i64,
    actor: &str,
) -> Result<Case, StoreError> {
    let user = require(tx, actor, WORKERS, "open cases")?;
    alert_exists(tx, alert_id)?;
    let id = tx
        .query_one(
            "INSERT INTO cases (status, disposition, opened_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $4) RETURNING id",
            params![
                CaseStatus::Open.as_str(),
                Disposition::Undetermined.as_str(),
                user.name.as_str(),
                now
            ],
        )?
        .int(0)?;
    attach(tx, id, alert_id)?;
    let case = load(tx, id, false)?;
    audit::append(
        tx,
        Change {
            at: now,
            actor: &user.name,
            action: "case.open",
            object: format!("case:{id}"),
            before: None,
            after: json(&case)?,
            rows: vec![rows::case(&case)?],
        },
    )?;
    Ok(case)
}

/// Runs one change to an unclosed case and audits its before and after.
fn change(
    tx: &mut dyn Tx,
    now: Timestamp,
    case_id: i64,
    actor: &str,
    action: &'static str,
    f: impl FnOnce(&mut dyn Tx, &Case, &str) -> Result<(), StoreError>,
) -> Result<Case, StoreError> {
    let user = require(tx, actor, WORKERS, "work cases")?;
    let before = load(tx, case_id, true)?;
    f(tx, &before, &user.name)?;
    tx.execute(
        "UPDATE cases SET updated_at = $1 WHERE id = $2",
        params![now, case_id],
    )?;
    let after = load(tx, case_id, false)?;
    audit::append(
        tx,
        Change {
            at: now,
            actor: &user.name,
            action,
            object: format!("case:{case_id}"),
            before: json(&before)?,
            after: json(&after)?,
            rows: vec![rows::case(&after)?],
        },
    )?;
    Ok(after)
}

fn not_closed(case: &Case) -> Result<(), StoreError> {
    match case.status {
        CaseStatus::Closed => Err(StoreError::CaseClosed(case.id)),
        _ => Ok(()),
    }
}

pub(crate) fn add_alert(
    tx: &mut dyn Tx,
    now: Timestamp,
    case_id: i64,
    alert_id: i64,
    actor: &str,
) -> Result<Case, StoreError> {
    change(tx, now, case_id, actor, "case.add_alert", |tx, case, _| {
        not_closed(case)?;
        attach(tx, case.id, alert_id)
    })
}

pub(crate) fn assign(
    tx: &mut dyn Tx,
    now: Timestamp,
    case_id: i64,
    assignee: &str,
    actor: &str,
) -> Result<Case, StoreError> {
    change(tx, now, case_id, actor, "case.assign", |tx, case, _| {
        not_closed(case)?;
        let to = find_user(tx, assignee)?;
        if to.disabled_at.is_some() {
            return Err(StoreError::UserDisabled(to.name));
        }
        if !matches!(to.role, UserRole::Analyst | UserRole::Supervisor) {
            return Err(StoreError::Invalid(format!(
                "cases go to analysts or supervisors, not to an {}",
                to.role
            )));
        }
        tx.execute(
            "UPDATE cases SET assignee = $1 WHERE id = $2",
            params![to.name, case.id],
        )?;
        Ok(())
    })
}

pub(crate) fn note(
    tx: &mut dyn Tx,
    now: Timestamp,
    case_id: i64,
    text: &str,
    actor: &str,
) -> Result<Case, StoreError> {
    if text.trim().is_empty() {
        return Err(StoreError::Invalid("an empty note".into()));
    }
    change(tx, now, case_id, actor, "case.note", |tx, case, author| {
        not_closed(case)?;
        tx.execute(
            "INSERT INTO case_notes (case_id, author, noted_at, body) VALUES ($1, $2, $3, $4)",
            params![case.id, author, now, text],
        )?;
        Ok(())
    })
}

pub(crate) fn set_status(
    tx: &mut dyn Tx,
    now: Timestamp,
    case_id: i64,
    status: CaseStatus,
    actor: &str,
) -> Result<Case, StoreError> {
    change(tx, now, case_id, actor, "case.set_status", |tx, case, _| {
        transition(case.id, case.status, status)?;
        tx.execute(
            "UPDATE cases SET status = $1 WHERE id = $2",
            params![status.as_str(), case.id],
        )?;
        Ok(())
    })
}

/// The case's move to `reported` when one of its reports is filed.
pub(crate) fn mark_reported(
    tx: &mut dyn Tx,
    now: Timestamp,
    case_id: i64,
    actor: &str,
) -> Result<(), StoreError> {
    let case = load(tx, case_id, true)?;
    match case.status {
        CaseStatus::Reported => return Ok(()),
        CaseStatus::Closed => return Err(StoreError::CaseClosed(case_id)),
        _ => {}
    }
    change(tx, now, case_id, actor, "case.reported", |tx, case, _| {
        tx.execute(
            "UPDATE cases SET status = $1 WHERE id = $2",
            params![CaseStatus::Reported.as_str(), case.id],
        )?;
        Ok(())
    })?;
    Ok(())
}

pub(crate) fn set_disposition(
    tx: &mut dyn Tx,
    now: Timestamp,
    case_id: i64,
    disposition: Disposition,
    actor: &str,
) -> Result<Case, StoreError> {
    change(
        tx,
        now,
        case_id,
        actor,
        "case.set_disposition",
        |tx, case, _| {
            not_closed(case)?;
            tx.execute(
                "UPDATE cases SET disposition = $1 WHERE id = $2",
                params![disposition.as_str(), case.id],
            )?;
            Ok(())
        },
    )
}

pub(crate) fn close(
    tx: &mut dyn Tx,
    now: Timestamp,
    case_id: i64,
    reason: &str,
    actor: &str,
) -> Result<Case, StoreError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(StoreError::Invalid("closing a case needs a reason".into()));
    }
    change(tx, now, case_id, actor, "case.close", |tx, case, _| {
        if case.status == CaseStatus::Closed {
            return Err(StoreError::IllegalTransition {
                case: case.id,
                from: CaseStatus::Closed,
                to: CaseStatus::Closed,
                hint: ": it is closed already",
            });
        }
        // A closed case is final: its conclusion must be on record.
        if case.disposition == Disposition::Undetermined {
            return Err(StoreError::NoDisposition(case.id));
        }
        tx.execute(
            "UPDATE cases SET status = $1, close_reason = $2 WHERE id = $3",
            params![CaseStatus::Closed.as_str(), reason, case.id],
        )?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use CaseStatus::*;

    #[test]
    fn transitions() {
        let check = |from, to, legal: bool| {
            assert_eq!(transition(1, from, to).is_ok(), legal, "{from} -> {to}");
        };
        check(Open, Investigating, true);
        check(Open, Escalated, true);
        check(Investigating, Escalated, true);
        check(Escalated, Investigating, true);
        for s in CaseStatus::ALL {
            check(*s, *s, false);
            check(*s, Closed, false);
            check(*s, Reported, false);
            check(Closed, *s, false);
            check(Reported, *s, false);
            check(*s, Open, false);
        }
    }
}
