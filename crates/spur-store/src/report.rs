//! Reports to the FIU: draft → approved (four eyes) → filed (immutable).
//!
//! The XML is written elsewhere (the report crate); the store keeps it and
//! enforces who may move it along. The audit log records the XML's SHA-256
//! rather than the XML itself.

use serde::Serialize;
use spur_engine::Timestamp;

use crate::access::{require, WORKERS};
use crate::audit::{self, json, sha256_hex, Change};
use crate::case;
use crate::error::StoreError;
use crate::model::{
    entity_reference, Case, CaseStatus, Correction, Report, ReportContent, ReportPlan,
    ReportStatus, UserRole,
};
use crate::rows;
use crate::sql::{params, Row, Tx};

pub(crate) const COLUMNS: &str =
    "id, case_id, profile, xml, author, status, approved_by, created_at, updated_at, \
     approved_at, filed_at, authors, entity_reference, corrects, fiu_ref_number, reason, action, \
     all_evidence FROM reports";

pub(crate) fn report_from(r: &Row) -> Result<Report, StoreError> {
    let author = r.text(4)?;
    let authors = match r.opt_text(11)? {
        Some(list) => serde_json::from_str(&list)?,
        // Stored before schema version 4: only its author wrote it.
        None => vec![author.clone()],
    };
    Ok(Report {
        id: r.int(0)?,
        case_id: r.int(1)?,
        profile: r.text(2)?,
        xml: r.text(3)?,
        author,
        authors,
        entity_reference: r.opt_text(12)?,
        corrects: r.opt_int(13)?,
        fiu_ref_number: r.opt_text(14)?,
        reason: r.text(15)?,
        action: r.text(16)?,
        all_evidence: r.int(17)? != 0,
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

/// What the audit log keeps of a report: the XML as its hash and length,
/// everything else as it is. It is also the report's row view for the audit
/// chain (`rows.rs`): a column that matters goes here.
pub(crate) fn audited_view(r: &Report) -> Result<serde_json::Value, StoreError> {
    #[derive(Serialize)]
    struct WithoutXml<'a> {
        id: i64,
        case_id: i64,
        profile: &'a str,
        author: &'a str,
        authors: &'a [String],
        entity_reference: Option<&'a str>,
        corrects: Option<i64>,
        fiu_ref_number: Option<&'a str>,
        reason: &'a str,
        action: &'a str,
        all_evidence: bool,
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
        authors: &r.authors,
        entity_reference: r.entity_reference.as_deref(),
        corrects: r.corrects,
        fiu_ref_number: r.fiu_ref_number.as_deref(),
        reason: &r.reason,
        action: &r.action,
        all_evidence: r.all_evidence,
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

fn check_content(c: &ReportContent<'_>) -> Result<(), StoreError> {
    if c.profile.trim().is_empty() || c.xml.trim().is_empty() {
        return Err(StoreError::Invalid(
            "a report needs a profile and its XML".into(),
        ));
    }
    Ok(())
}

/// The store does not parse XML; spur-report writes each element on a line
/// of its own, so the reference is found as written. This ties the unique
/// `entity_reference` column to what the FIU receives.
fn carries_reference(xml: &str, reference: &str) -> Result<(), StoreError> {
    if xml.contains(&format!("<entity_reference>{reference}</entity_reference>")) {
        Ok(())
    } else {
        Err(StoreError::WrongReference(reference.to_owned()))
    }
}

/// The one report of the case that is not filed yet, if any.
fn open_report(tx: &mut dyn Tx, case_id: i64) -> Result<Option<Report>, StoreError> {
    let sql = format!("SELECT {COLUMNS} WHERE case_id = $1 AND status <> $2 ORDER BY id");
    tx.query_opt(&sql, params![case_id, ReportStatus::Filed.as_str()])?
        .map(|r| report_from(&r))
        .transpose()
}

/// The case's filed report with the highest id: the last one filed, since a
/// case's reports are drafted one after the other.
fn latest_filed(tx: &mut dyn Tx, case_id: i64) -> Result<Option<i64>, StoreError> {
    Ok(tx
        .query_opt(
            "SELECT MAX(id) FROM reports WHERE case_id = $1 AND status = $2",
            params![case_id, ReportStatus::Filed.as_str()],
        )?
        .map(|r| r.opt_int(0))
        .transpose()?
        .flatten())
}

/// Checks that a new report may be drafted on the case and what it must be.
/// Call with the case's row lock held (`case::load(.., true)`) when drafting,
/// so that two drafts at once cannot both pass.
pub(crate) fn plan(
    tx: &mut dyn Tx,
    case: &Case,
    corrects: Option<i64>,
) -> Result<ReportPlan, StoreError> {
    if case.status == CaseStatus::Closed {
        return Err(StoreError::CaseClosed(case.id));
    }
    if let Some(open) = open_report(tx, case.id)? {
        return Err(StoreError::OpenReport {
            case: case.id,
            report: open.id,
            status: open.status,
        });
    }
    let latest_filed = latest_filed(tx, case.id)?;
    let Some(corrected_id) = corrects else {
        if let Some(filed) = latest_filed {
            return Err(StoreError::CorrectionRequired {
                case: case.id,
                filed,
            });
        }
        return Ok(ReportPlan {
            case_id: case.id,
            entity_reference: entity_reference(case.id, 0),
            corrects: None,
        });
    };
    let corrected = load(tx, corrected_id, false)?;
    let refuse = |reason: String| StoreError::BadCorrection {
        report: corrected_id,
        reason,
    };
    if corrected.case_id != case.id {
        return Err(refuse(format!(
            "it is a report on case {}, not on case {}",
            corrected.case_id, case.id
        )));
    }
    if corrected.status != ReportStatus::Filed {
        return Err(refuse(format!(
            "it is {}, not filed: only a filed report is corrected; a draft is redrafted",
            corrected.status
        )));
    }
    if latest_filed != Some(corrected_id) {
        return Err(refuse(format!(
            "report {} was filed after it and replaces it: correct report {0}",
            latest_filed.unwrap_or_default()
        )));
    }
    let corrections = tx
        .query_one(
            "SELECT COUNT(*) FROM reports WHERE case_id = $1 AND corrects IS NOT NULL",
            params![case.id],
        )?
        .int(0)?;
    Ok(ReportPlan {
        case_id: case.id,
        entity_reference: entity_reference(
            case.id,
            u32::try_from(corrections + 1).unwrap_or(u32::MAX),
        ),
        corrects: Some(corrected),
    })
}

pub(crate) fn draft(
    tx: &mut dyn Tx,
    now: Timestamp,
    case_id: i64,
    content: &ReportContent<'_>,
    correction: Option<Correction<'_>>,
    actor: &str,
) -> Result<Report, StoreError> {
    let user = require(tx, actor, WORKERS, "draft reports")?;
    check_content(content)?;
    let case = case::load(tx, case_id, true)?;
    let plan = plan(tx, &case, correction.map(|c| c.report_id))?;
    carries_reference(content.xml, &plan.entity_reference)?;
    let fiu_ref = correction
        .and_then(|c| c.fiu_ref_number)
        .map(str::trim)
        .filter(|r| !r.is_empty());
    let authors = serde_json::to_string(&[user.name.as_str()])?;
    let id = tx
        .query_one(
            "INSERT INTO reports (case_id, profile, xml, author, status, created_at, updated_at, \
             authors, entity_reference, corrects, fiu_ref_number, reason, action, all_evidence) \
             VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
            params![
                case_id,
                content.profile,
                content.xml,
                user.name.as_str(),
                ReportStatus::Draft.as_str(),
                now,
                authors,
                plan.entity_reference.as_str(),
                plan.corrects.as_ref().map(|r| r.id),
                fiu_ref,
                content.reason,
                content.action,
                i64::from(content.all_evidence)
            ],
        )?
        .int(0)?;
    let report = load(tx, id, false)?;
    record(tx, now, &user.name, "report.draft", None, &report)?;
    Ok(report)
}

/// The report, locked, if it is in `wanted` status and its case is not closed.
fn in_status(
    tx: &mut dyn Tx,
    report_id: i64,
    wanted: ReportStatus,
    action: &'static str,
    done: &'static str,
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
    // Locked: a close committing meanwhile waits, or is seen.
    if case::load(tx, report.case_id, true)?.status == CaseStatus::Closed {
        return Err(StoreError::ReportCaseClosed {
            report: report_id,
            case: report.case_id,
            action: done,
        });
    }
    Ok(report)
}

pub(crate) fn revise(
    tx: &mut dyn Tx,
    now: Timestamp,
    report_id: i64,
    content: &ReportContent<'_>,
    actor: &str,
) -> Result<Report, StoreError> {
    let user = require(tx, actor, WORKERS, "revise reports")?;
    check_content(content)?;
    let before = in_status(tx, report_id, ReportStatus::Draft, "revise", "redrafted")?;
    if let Some(reference) = &before.entity_reference {
        carries_reference(content.xml, reference)?;
    }
    // Whoever writes the content is one of its authors (four eyes).
    let mut authors = before.authors.clone();
    if !before.is_author(&user.name) {
        authors.push(user.name.clone());
    }
    tx.execute(
        "UPDATE reports SET profile = $1, xml = $2, reason = $3, action = $4, all_evidence = $5, \
         authors = $6, updated_at = $7 WHERE id = $8",
        params![
            content.profile,
            content.xml,
            content.reason,
            content.action,
            i64::from(content.all_evidence),
            serde_json::to_string(&authors)?,
            now,
            report_id
        ],
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
    let before = in_status(tx, report_id, ReportStatus::Draft, "approve", "approved")?;
    if before.is_author(&user.name) {
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
    let before = in_status(tx, report_id, ReportStatus::Approved, "file", "filed")?;
    if before.entity_reference.is_none() {
        // From before schema version 4, when a case could hold several open
        // reports under the case id: only the first of them may be filed.
        if let Some(filed) = latest_filed(tx, before.case_id)? {
            return Err(StoreError::CorrectionRequired {
                case: before.case_id,
                filed,
            });
        }
    }
    tx.execute(
        "UPDATE reports SET status = $1, filed_at = $2, updated_at = $2 WHERE id = $3",
        params![ReportStatus::Filed.as_str(), now, report_id],
    )?;
    let after = load(tx, report_id, false)?;
    record(tx, now, &user.name, "report.file", Some(&before), &after)?;
    case::mark_reported(tx, now, after.case_id, &user.name)?;
    Ok(after)
}
