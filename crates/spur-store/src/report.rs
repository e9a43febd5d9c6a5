//! Reports to the FIU: draft → approved (four eyes) → filed (immutable).
//!
//! The XML is written elsewhere (the report crate); the store keeps it and
//! enforces who may move it along. The audit log records the XML's SHA-256
//! rather than the XML itself.

use serde::Serialize;
use spur_engine::Timestamp;

use crate::audit::{self, json, sha256_hex, Change};
use crate::case;
use crate::error::StoreError;
use crate::model::{CaseStatus, Report, ReportStatus, UserRole};
use crate::rows;
use crate::sql::{params, Row, Tx};
use crate::store::{require, WORKERS};

const COLUMNS: &str =
    "id, case_id, profile, xml, author, status, approved_by, created_at, updated_at, approved_at, filed_at FROM reports";

fn report_from(r: &Row) -> Result<Report, StoreError> {
    Ok(Report {
        id: r.int(0)?,
        case_id: r.int(1)?,
        profile: r.text(2)?,
        xml: r.text(3)?,
        author: r.text(4)?,
        status: r.text(5)?.parse()?,
        approved_by: r.opt_text(6)?,
        created_at: r.int(7)?,
        updated_at: r.int(8)?,
        approved_at: r.opt_int(9)?,
        filed_at: r.opt_int(10)?,
    })
}

pub(crate) fn load(tx: &mut dyn Tx, report_id: i64, lock: bool) -> Result<Report, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} WHERE id = $1{}",
        if lock { tx.for_update() } else { "" }
    );
    match tx.query_opt(&sql, params![report_id])? {
        Some(r) => report_from(&r),
        None => Err(StoreError::not_found("report", report_id)),
    }
}

pub(crate) fn all(tx: &mut dyn Tx, case_id: Option<i64>) -> Result<Vec<Report>, StoreError> {
    let rows = match case_id {
        Some(c) => tx.query(
            &format!("SELECT {COLUMNS} WHERE case_id = $1 ORDER BY id"),
            params![c],
        )?,
        None => tx.query(&format!("SELECT {COLUMNS} ORDER BY id"), &[])?,
    };
    rows.iter().map(report_from).collect()
}

/// What the audit log keeps of a report: the XML as its hash and length.
/// It is also the report's row view for the audit chain (`rows.rs`): a
/// column that matters goes here.
pub(crate) fn audited_view(r: &Report) -> Result<serde_json::Value, StoreError> {
    #[derive(Serialize)]
    struct WithoutXml<'a> {
        id: i64,
        case_id: i64,
        profile: &'a str,
        author: &'a str,
        status: ReportStatus,
        approved_by: Option<&'a str>,
        approved_at: Option<Timestamp>,
        filed_at: Option<Timestamp>,
        xml_bytes: usize,
        xml_sha256: String,
    }
    Ok(serde_json::to_value(WithoutXml {
        id: r.id,
        case_id: r.case_id,
        profile: &r.profile,
        author: &r.author,
        status: r.status,
        approved_by: r.approved_by.as_deref(),
        approved_at: r.approved_at,
        filed_at: r.filed_at,
        xml_bytes: r.xml.len(),
        xml_sha256: sha256_hex(r.xml.as_bytes()),
    })?)
}

fn audited(r: &Report) -> Result<Option<String>, StoreError> {
    json(&audited_view(r)?)
}

fn record(
    tx: &mut dyn Tx,
    now: Timestamp,
    actor: &str,
    action: &str,
    before: Option<&Report>,
    after: &Report,
) -> Result<(), StoreError> {
    audit::append(
        tx,
        Change {
            at: now,
            actor,
            action,
            object: format!("report:{}", after.id),
            before: before.map(audited).transpose()?.flatten(),
            after: audited(after)?,
            rows: vec![rows::report(after)?],
        },
    )?;
    Ok(())
}

pub(crate) fn draft(
    tx: &mut dyn Tx,
    now: Timestamp,
    case_id: i64,
    profile: &str,
    xml: &str,
    actor: &str,
) -> Result<Report, StoreError> {
    let user = require(tx, actor, WORKERS, "draft reports")?;
    if profile.trim().is_empty() || xml.trim().is_empty() {
        return Err(StoreError::Invalid(
            "a report needs a profile and its XML".into(),
        ));
    }
    let case = case::load(tx, case_id, true)?;
    if case.status == CaseStatus::Closed {
        return Err(StoreError::CaseClosed(case_id));
    }
    let id = tx
        .query_one(
            "INSERT INTO reports (case_id, profile, xml, author, status, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
            params![
                case_id,
                profile,
                xml,
                user.name.as_str(),
                ReportStatus::Draft.as_str(),
                now
            ],
        )?
        .int(0)?;
    let report = load(tx, id, false)?;
    record(tx, now, &user.name, "report.draft", None, &report)?;
    Ok(report)
}

/// The report, locked, if it is in `wanted` status.
fn in_status(
    tx: &mut dyn Tx,
    report_id: i64,
    wanted: ReportStatus,
    action: &'static str,
) -> Result<Report, StoreError> {
    let report = load(tx, report_id, true)?;
    if report.status == ReportStatus::Filed {
        return Err(StoreError::ReportFiled(report_id));
    }
    if report.status != wanted {
        return Err(StoreError::IllegalReportTransition {
            report: report_id,
            status: report.status,
            action,
        });
    }
    Ok(report)
}

pub(crate) fn revise(
    tx: &mut dyn Tx,
    now: Timestamp,
    report_id: i64,
    xml: &str,
    actor: &str,
) -> Result<Report, StoreError> {
    let user = require(tx, actor, WORKERS, "revise reports")?;
    if xml.trim().is_empty() {
        return Err(StoreError::Invalid("a report needs its XML".into()));
    }
    let before = in_status(tx, report_id, ReportStatus::Draft, "revise")?;
    tx.execute(
        "UPDATE reports SET xml = $1, updated_at = $2 WHERE id = $3",
        params![xml, now, report_id],
    )?;
    let after = load(tx, report_id, false)?;
    record(tx, now, &user.name, "report.revise", Some(&before), &after)?;
    Ok(after)
}

pub(crate) fn approve(
    tx: &mut dyn Tx,
    now: Timestamp,
    report_id: i64,
    actor: &str,
) -> Result<Report, StoreError> {
    let user = require(tx, actor, &[UserRole::Supervisor], "approve reports")?;
    let before = in_status(tx, report_id, ReportStatus::Draft, "approve")?;
    if before.author == user.name {
        return Err(StoreError::SelfApproval(report_id));
    }
    tx.execute(
        "UPDATE reports SET status = $1, approved_by = $2, approved_at = $3, updated_at = $3 WHERE id = $4",
        params![ReportStatus::Approved.as_str(), user.name.as_str(), now, report_id],
    )?;
    let after = load(tx, report_id, false)?;
    record(tx, now, &user.name, "report.approve", Some(&before), &after)?;
    Ok(after)
}

pub(crate) fn file(
    tx: &mut dyn Tx,
    now: Timestamp,
    report_id: i64,
    actor: &str,
) -> Result<Report, StoreError> {
    let user = require(tx, actor, WORKERS, "file reports")?;
    let before = in_status(tx, report_id, ReportStatus::Approved, "file")?;
    tx.execute(
        "UPDATE reports SET status = $1, filed_at = $2, updated_at = $2 WHERE id = $3",
        params![ReportStatus::Filed.as_str(), now, report_id],
    )?;
    let after = load(tx, report_id, false)?;
    record(tx, now, &user.name, "report.file", Some(&before), &after)?;
    case::mark_reported(tx, now, after.case_id, &user.name)?;
    Ok(after)
}
