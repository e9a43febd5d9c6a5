//! `spur user`, `spur alerts`, `spur case` and `spur audit`: the store's case
//! workflow on the command line. The store checks who may do what; this file
//! only opens it, names the acting user and prints.

use std::io::{self, Write};
use std::sync::Arc;

use anyhow::{Context, Result};
use spur_engine::time::rfc3339;
use spur_store::{AuditFilter, Case, OpenMode, Store, StoreError, StoredAlert, SystemClock};

/// Where the store lives when neither `--db` nor `SPUR_DB` says.
pub const DEFAULT_DB: &str = "spur-data/spur.db";

/// Opens and migrates the store at `location`; `mode` says whether this
/// command may start a new database there (the store decides and names the
/// path it looked at).
pub fn open(location: &str, mode: OpenMode) -> Result<Box<dyn Store>> {
    // The location is not repeated: a PostgreSQL URL may carry a password.
    spur_store::open_with(location, Arc::new(SystemClock), mode).context("cannot open the database")
}

/// The acting user's name, from `--user` or `SPUR_USER`.
pub fn actor(user: Option<&str>) -> Result<&str> {
    user.filter(|u| !u.trim().is_empty())
        .context("name the acting user with --user NAME or SPUR_USER")
}

pub fn print_users(store: &mut dyn Store, actor: &str) -> Result<()> {
    let users = store.users(actor)?;
    let width = users
        .iter()
        .map(|u| u.name.chars().count())
        .max()
        .unwrap_or(0)
        .max(4);
    let mut out = io::stdout().lock();
    writeln!(
        out,
        "  id  {:<width$}  role        created               disabled",
        "name"
    )?;
    for u in users {
        writeln!(
            out,
            "{:>4}  {:<width$}  {:<11} {}  {}",
            u.id,
            u.name,
            u.role.as_str(),
            rfc3339(u.created_at),
            u.disabled_at.map_or("-".to_owned(), rfc3339)
        )?;
    }
    Ok(())
}

fn codes(a: &StoredAlert) -> String {
    a.indicators
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|f| f["code"].as_str())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

fn alert_line(a: &StoredAlert) -> String {
    format!(
        "{:>5}{} {:<8} {:>5.2}  {:<7} {:<5} {:<16} {}",
        a.id,
        if a.cleared_at.is_some() { "c" } else { " " },
        a.role.as_str(),
        a.score,
        a.country,
        a.case_id.map_or("-".to_owned(), |c| c.to_string()),
        a.subject,
        codes(a)
    )
}

const ALERT_HEADER: &str = "   id  role     score  country case  subject          indicators";

/// Standing alerts; with `all` also those a later scan cleared.
pub fn print_alerts(store: &mut dyn Store, actor: &str, json: bool, all: bool) -> Result<()> {
    let mut alerts = store.alerts(actor)?;
    alerts.retain(|a| all || a.cleared_at.is_none());
    let mut out = io::BufWriter::new(io::stdout().lock());
    if json {
        for a in &alerts {
            serde_json::to_writer(&mut out, a)?;
            writeln!(out)?;
        }
    } else {
        writeln!(out, "{ALERT_HEADER}")?;
        for a in &alerts {
            writeln!(out, "{}", alert_line(a))?;
        }
        writeln!(out, "{} alerts", alerts.len())?;
        if all && alerts.iter().any(|a| a.cleared_at.is_some()) {
            writeln!(
                out,
                "c: cleared, a later scan found the party below the threshold"
            )?;
        }
    }
    out.flush()?;
    Ok(())
}

fn case_line(c: &Case) -> String {
    format!(
        "{:>5}  {:<13} {:<15} {:<12} {:>6}  {}",
        c.id,
        c.status,
        c.disposition,
        c.assignee.as_deref().unwrap_or("-"),
        c.alerts.len(),
        rfc3339(c.updated_at)
    )
}

pub fn print_cases(store: &mut dyn Store, actor: &str) -> Result<()> {
    let mut out = io::stdout().lock();
    writeln!(
        out,
        "   id  status        disposition     assignee     alerts  updated"
    )?;
    for c in store.cases(actor)? {
        writeln!(out, "{}", case_line(&c))?;
    }
    Ok(())
}

pub fn print_case(store: &mut dyn Store, case_id: i64, actor: &str) -> Result<()> {
    let c = store.case(case_id, actor)?;
    let mut out = io::stdout().lock();
    writeln!(out, "case {}", c.id)?;
    writeln!(out, "  status       {}", c.status)?;
    if let Some(r) = &c.close_reason {
        writeln!(out, "  closed for   {r}")?;
    }
    writeln!(out, "  disposition  {}", c.disposition)?;
    writeln!(
        out,
        "  assignee     {}",
        c.assignee.as_deref().unwrap_or("-")
    )?;
    writeln!(
        out,
        "  opened by    {} at {}",
        c.opened_by,
        rfc3339(c.created_at)
    )?;
    writeln!(out, "  alerts")?;
    writeln!(out, "  {ALERT_HEADER}")?;
    for id in &c.alerts {
        let a = store.alert(*id, actor)?;
        writeln!(out, "  {}", alert_line(&a))?;
        let list = a.indicators.as_array().cloned().unwrap_or_default();
        for f in list {
            writeln!(
                out,
                "           {:<10} {}",
                f["code"].as_str().unwrap_or("?"),
                f["reason"].as_str().unwrap_or("")
            )?;
        }
    }
    if !c.notes.is_empty() {
        writeln!(out, "  notes")?;
        for n in &c.notes {
            writeln!(out, "    {} {}: {}", rfc3339(n.at), n.author, n.text)?;
        }
    }
    let reports = store.reports(Some(c.id), actor)?;
    if !reports.is_empty() {
        writeln!(out, "  reports")?;
        for r in &reports {
            writeln!(
                out,
                "    report {} ({}) {} by {}{}",
                r.id,
                r.profile,
                r.status,
                r.author,
                r.approved_by
                    .as_deref()
                    .map(|s| format!(", approved by {s}"))
                    .unwrap_or_default()
            )?;
        }
    }
    Ok(())
}

/// One line saying what a change did to a case.
pub fn say_case(what: &str, c: &Case) {
    println!(
        "case {} {what}: status {}, {} alert(s), assignee {}",
        c.id,
        c.status,
        c.alerts.len(),
        c.assignee.as_deref().unwrap_or("-")
    );
}

/// `OK` with the entry count; else the first broken entry, or every row that
/// differs from the chain, as the error.
pub fn verify_audit(store: &mut dyn Store) -> Result<()> {
    match store.verify_audit() {
        Ok(s) => {
            println!("audit log OK: {} entries, head {}", s.entries, s.head_hash);
            Ok(())
        }
        Err(StoreError::AuditBreak(b)) => Err(anyhow::anyhow!(
            "audit log broken at entry {}: {}",
            b.entry_id,
            b.reason
        )),
        Err(StoreError::RowsDiffer(found)) => {
            let mut out = io::stdout().lock();
            for f in &found {
                writeln!(out, "{}", f.message)?;
            }
            Err(anyhow::anyhow!(
                "audit log does not cover the database: {} protected row(s) were changed, added or deleted behind spur's back (listed above)",
                found.len()
            ))
        }
        Err(e) => Err(e.into()),
    }
}

/// An RFC 3339 time, or a date (midnight UTC), for `--since` and `--until`.
pub fn parse_time(flag: &str, text: &str) -> Result<i64> {
    let full = if text.len() == 10 {
        format!("{text}T00:00:00Z")
    } else {
        text.to_owned()
    };
    spur_io::time::parse_rfc3339(full.as_bytes()).map_err(|reason| {
        anyhow::anyhow!(
            "{flag} {text:?}: {reason}; give an RFC 3339 time (2026-01-05T09:30:00Z) or a date (2026-01-05)"
        )
    })
}

/// The audit entries that pass `filter`, as a table or JSON Lines.
pub fn print_audit_log(
    store: &mut dyn Store,
    filter: &AuditFilter,
    actor: &str,
    json: bool,
) -> Result<()> {
    let entries = store.audit_entries(filter, actor)?;
    let mut out = io::BufWriter::new(io::stdout().lock());
    if json {
        for e in &entries {
            serde_json::to_writer(&mut out, e)?;
            writeln!(out)?;
        }
    } else {
        let width = |f: &dyn Fn(&spur_store::AuditEntry) -> usize, title: &str| {
            entries.iter().map(f).max().unwrap_or(0).max(title.len())
        };
        let id_w = width(&|e| e.id.to_string().len(), "entry");
        let actor_w = width(&|e| e.actor.chars().count(), "actor");
        let action_w = width(&|e| e.action.len(), "action");
        writeln!(
            out,
            "{:>id_w$}  {:<20}  {:<actor_w$}  {:<action_w$}  object",
            "entry", "time", "actor", "action"
        )?;
        for e in &entries {
            writeln!(
                out,
                "{:>id_w$}  {:<20}  {:<actor_w$}  {:<action_w$}  {}",
                e.id,
                rfc3339(e.at),
                e.actor,
                e.action,
                e.object
            )?;
        }
        writeln!(out, "{} entries", entries.len())?;
    }
    out.flush()?;
    Ok(())
}
