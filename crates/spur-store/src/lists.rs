//! The lists an analyst's screen pages through, filtered and ordered in SQL
//! on either backend, one keyset page at a time (see `page.rs`):
//!
//! | list | order | cursor |
//! | --- | --- | --- |
//! | alerts | score descending, then id | score (exact bits), id |
//! | cases, reports | newest first (id descending) | id |
//! | users, audit entries | id ascending (the log in its chain's order) | id |
//!
//! Who may read is checked by the `Store` methods that call these.

use spur_engine::Role;

use crate::access::{user_from, USER_COLUMNS};
use crate::alert_rows::{alert_from, ALERT_COLUMNS};
use crate::alert_view::AlertFilter;
use crate::audit;
use crate::case;
use crate::error::StoreError;
use crate::model::{
    AlertStatus, AuditEntry, AuditFilter, Case, CaseStatus, Disposition, Report, ReportStatus,
    StoredAlert, User,
};
use crate::page::{self, Page, PageRequest};
use crate::report;
use crate::sql::{Dialect, Tx, Value};

/// Which cases to list; every condition given must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CaseFilter {
    /// Any of these statuses; empty: every status.
    pub statuses: Vec<CaseStatus>,
    /// The user the case is assigned to.
    pub assignee: Option<String>,
    pub disposition: Option<Disposition>,
}

/// Which reports to list; every condition given must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReportFilter {
    pub case_id: Option<i64>,
    /// Any of these statuses; empty: every status.
    pub statuses: Vec<ReportStatus>,
}

/// A WHERE clause being built: conditions joined by AND, with their values
/// numbered `$1`, `$2`, ... in the order they were added.
#[derive(Default)]
struct Where {
    conditions: Vec<String>,
    values: Vec<Value>,
}

impl Where {
    /// Adds `condition(placeholder)` with `value` for its placeholder.
    fn value(&mut self, value: impl Into<Value>, condition: impl FnOnce(&str) -> String) {
        self.values.push(value.into());
        let placeholder = format!("${}", self.values.len());
        self.conditions.push(condition(&placeholder));
    }

    /// `column IN ($a, $b, ...)` for one or more text values.
    fn any_of(&mut self, column: &str, texts: &[&'static str]) {
        let mut list = Vec::with_capacity(texts.len());
        for t in texts {
            self.values.push((*t).into());
            list.push(format!("${}", self.values.len()));
        }
        self.conditions
            .push(format!("{column} IN ({})", list.join(", ")));
    }

    fn sql(&self) -> String {
        match self.conditions.is_empty() {
            true => "1 = 1".to_owned(),
            false => self.conditions.join(" AND "),
        }
    }
}

const ALERTS: &str = "alerts";

pub(crate) fn alerts(
    tx: &mut dyn Tx,
    filter: &AlertFilter,
    request: &PageRequest,
) -> Result<Page<StoredAlert>, StoreError> {
    let size = request.size()?;
    let mut w = Where::default();
    if let Some(cursor) = &request.cursor {
        let key = page::decode(cursor, ALERTS, 2)?;
        let score = page::f64_from_key(cursor, &key[0])?;
        let id = page::int(cursor, &key[1])?;
        // `score <= s` first: a range the (score DESC, id) index can seek to.
        w.value(score, |s| format!("a.score <= {s}"));
        let s = w.values.len();
        w.value(id, |i| format!("(a.score < ${s} OR a.id > {i})"));
    }
    let status = |s: AlertStatus| match s {
        AlertStatus::New => "(c.case_id IS NULL AND a.cleared_at IS NULL)",
        AlertStatus::InCase => "c.case_id IS NOT NULL",
        AlertStatus::Cleared => "(c.case_id IS NULL AND a.cleared_at IS NOT NULL)",
    };
    if filter.statuses.is_empty() {
        // The standing ones: new and in a case.
        w.conditions
            .push("(c.case_id IS NOT NULL OR a.cleared_at IS NULL)".into());
    } else {
        let any: Vec<&str> = filter.statuses.iter().map(|s| status(*s)).collect();
        w.conditions.push(format!("({})", any.join(" OR ")));
    }
    if let Some(role) = filter.role {
        let role = match role {
            Role::Sender => "sender",
            Role::Receiver => "receiver",
        };
        w.value(role, |p| format!("a.role = {p}"));
    }
    if let Some(m) = filter.min_score {
        if !m.is_finite() {
            return Err(StoreError::Invalid(format!("min_score {m}: give a number")));
        }
        w.value(m, |p| format!("a.score >= {p}"));
    }
    if let Some(c) = &filter.country {
        w.value(c.to_ascii_uppercase(), |p| {
            format!("upper(a.country) = {p}")
        });
    }
    if let Some(subject) = &filter.subject {
        w.value(subject.as_str(), |p| format!("a.subject = {p}"));
    }
    if let Some(code) = &filter.indicator {
        // The codes are in the alert's findings, a JSON array of objects.
        let elements = match tx.dialect() {
            Dialect::Sqlite => "json_each(a.indicators) AS j",
            Dialect::Postgres => "json_array_elements(a.indicators::json) AS j(value)",
        };
        w.value(code.to_ascii_uppercase(), |p| {
            format!("EXISTS (SELECT 1 FROM {elements} WHERE upper(j.value ->> 'code') = {p})")
        });
    }
    if let Some(a) = &filter.assignee {
        w.value(a.as_str(), |p| format!("cs.assignee = {p}"));
    }
    let sql = format!(
        "SELECT {ALERT_COLUMNS} LEFT JOIN cases cs ON cs.id = c.case_id WHERE {} \
         ORDER BY a.score DESC, a.id LIMIT {}",
        w.sql(),
        size + 1
    );
    let rows = tx
        .query(&sql, &w.values)?
        .iter()
        .map(alert_from)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page::from_rows(rows, size, ALERTS, |a| {
        vec![page::f64_key(a.score), a.id.to_string()]
    }))
}

const CASES: &str = "cases";

pub(crate) fn cases(
    tx: &mut dyn Tx,
    filter: &CaseFilter,
    request: &PageRequest,
) -> Result<Page<Case>, StoreError> {
    let size = request.size()?;
    let mut w = Where::default();
    if let Some(cursor) = &request.cursor {
        let key = page::decode(cursor, CASES, 1)?;
        w.value(page::int(cursor, &key[0])?, |p| format!("id < {p}"));
    }
    if !filter.statuses.is_empty() {
        let texts: Vec<&'static str> = filter.statuses.iter().map(|s| s.as_str()).collect();
        w.any_of("status", &texts);
    }
    if let Some(a) = &filter.assignee {
        w.value(a.as_str(), |p| format!("assignee = {p}"));
    }
    if let Some(d) = filter.disposition {
        w.value(d.as_str(), |p| format!("disposition = {p}"));
    }
    let rows = case::select(tx, &w.sql(), &w.values, "id DESC", size + 1)?;
    Ok(Page::from_rows(rows, size, CASES, |c| {
        vec![c.id.to_string()]
    }))
}

const REPORTS: &str = "reports";

pub(crate) fn reports(
    tx: &mut dyn Tx,
    filter: &ReportFilter,
    request: &PageRequest,
) -> Result<Page<Report>, StoreError> {
    let size = request.size()?;
    let mut w = Where::default();
    if let Some(cursor) = &request.cursor {
        let key = page::decode(cursor, REPORTS, 1)?;
        w.value(page::int(cursor, &key[0])?, |p| format!("id < {p}"));
    }
    if let Some(c) = filter.case_id {
        w.value(c, |p| format!("case_id = {p}"));
    }
    if !filter.statuses.is_empty() {
        let texts: Vec<&'static str> = filter.statuses.iter().map(|s| s.as_str()).collect();
        w.any_of("status", &texts);
    }
    let sql = format!(
        "SELECT {} WHERE {} ORDER BY id DESC LIMIT {}",
        report::COLUMNS,
        w.sql(),
        size + 1
    );
    let rows = tx
        .query(&sql, &w.values)?
        .iter()
        .map(report::report_from)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page::from_rows(rows, size, REPORTS, |r| {
        vec![r.id.to_string()]
    }))
}

const USERS: &str = "users";

pub(crate) fn users(tx: &mut dyn Tx, request: &PageRequest) -> Result<Page<User>, StoreError> {
    let size = request.size()?;
    let mut w = Where::default();
    if let Some(cursor) = &request.cursor {
        let key = page::decode(cursor, USERS, 1)?;
        w.value(page::int(cursor, &key[0])?, |p| format!("id > {p}"));
    }
    let sql = format!(
        "SELECT {USER_COLUMNS} WHERE {} ORDER BY id LIMIT {}",
        w.sql(),
        size + 1
    );
    let rows = tx
        .query(&sql, &w.values)?
        .iter()
        .map(user_from)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page::from_rows(rows, size, USERS, |u| {
        vec![u.id.to_string()]
    }))
}

const AUDIT: &str = "audit";

pub(crate) fn audit_entries(
    tx: &mut dyn Tx,
    filter: &AuditFilter,
    request: &PageRequest,
) -> Result<Page<AuditEntry>, StoreError> {
    let size = request.size()?;
    let after = match &request.cursor {
        Some(cursor) => {
            let key = page::decode(cursor, AUDIT, 1)?;
            Some(page::int(cursor, &key[0])?)
        }
        None => None,
    };
    let rows = audit::filtered_after(tx, filter, after, Some(size + 1))?;
    Ok(Page::from_rows(rows, size, AUDIT, |e| {
        vec![e.id.to_string()]
    }))
}
