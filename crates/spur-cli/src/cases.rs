//! `spur user`, `spur alerts`, `spur alert show`, `spur case` and `spur audit`: the store's case
//! workflow on the command line. The store checks who may do what; this file
//! only opens it, names the acting user and prints.

use std::io::{self, Write};
use std::sync::Arc;

use anyhow::{Context, Result};
use spur_engine::time::rfc3339;
use spur_store::{
    alert_detail, filtered_alerts, indicator_codes, AlertFilter, AlertStatus, AuditFilter, Case,
    OpenMode, Store, StoreError, StoredAlert, SystemClock,
};

use crate::table::{Align, Table};
use crate::terminal::visible;

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
    let mut t = Table::new(&[
        ("id", Align::Right),
        ("name", Align::Left),
        ("role", Align::Left),
        ("created", Align::Left),
        ("disabled", Align::Left),
    ]);
    for u in store.users(actor)? {
        t.row([
            u.id.to_string(),
            u.name,
            u.role.to_string(),
            rfc3339(u.created_at),
            u.disabled_at.map_or("-".to_owned(), rfc3339),
        ]);
    }
    let mut out = io::stdout().lock();
    t.write(&mut out)?;
    Ok(())
}

const ALERT_COLUMNS: &[(&str, Align)] = &[
    ("id", Align::Right),
    ("status", Align::Left),
    ("role", Align::Left),
    ("score", Align::Right),
    ("country", Align::Left),
    ("case", Align::Right),
    ("subject", Align::Left),
    ("indicators", Align::Left),
];

fn alert_row(a: &StoredAlert) -> [String; 8] {
    [
        a.id.to_string(),
        AlertStatus::of(a).to_string(),
        a.role.as_str().to_owned(),
        format!("{:.2}", a.score),
        a.country.clone(),
        a.case_id.map_or("-".to_owned(), |c| c.to_string()),
        a.subject.clone(),
        indicator_codes(a).collect::<Vec<_>>().join(" "),
    ]
}

/// The alerts that pass `filter`, as a table or one JSON object per line.
pub fn print_alerts(
    store: &mut dyn Store,
    actor: &str,
    filter: &AlertFilter,
    json: bool,
) -> Result<()> {
    let alerts = filtered_alerts(store, filter, actor)?;
    let mut out = io::BufWriter::new(io::stdout().lock());
    if json {
        for a in &alerts {
            serde_json::to_writer(&mut out, a)?;
            writeln!(out)?;
        }
    } else {
        let mut t = Table::new(ALERT_COLUMNS);
        for a in &alerts {
            t.row(alert_row(a));
        }
        t.write(&mut out)?;
        writeln!(out, "{} alerts", alerts.len())?;
    }
    out.flush()?;
    Ok(())
}

/// The standing alerts as the engine wrote them, one JSON object per line
/// (what `spur scan --alerts` writes), for `spur eval --db`.
pub fn standing_alert_lines(store: &mut dyn Store, actor: &str) -> Result<Vec<u8>> {
    let mut lines = Vec::new();
    for a in filtered_alerts(store, &AlertFilter::default(), actor)? {
        serde_json::to_writer(&mut lines, &a.body)?;
        lines.push(b'\n');
    }
    Ok(lines)
}

/// One alert: why, with whom, and the payments behind it.
pub fn print_alert(store: &mut dyn Store, alert_id: i64, actor: &str, json: bool) -> Result<()> {
    let d = alert_detail(store, alert_id, actor)?;
    let mut out = io::BufWriter::new(io::stdout().lock());
    if json {
        serde_json::to_writer_pretty(&mut out, &d)?;
        writeln!(out)?;
        out.flush()?;
        return Ok(());
    }
    let a = &d.alert;
    writeln!(
        out,
        "alert {}: {} {} ({}), score {:.2}, {}",
        a.id,
        a.role.as_str(),
        visible(&a.subject),
        visible(&a.country),
        a.score,
        AlertStatus::of(a)
    )?;
    writeln!(
        out,
        "  seen {} to {}; {} evidence payment(s){}",
        rfc3339(a.first_seen),
        rfc3339(a.last_seen),
        a.transactions.len(),
        a.case_id.map(|c| format!("; case {c}")).unwrap_or_default()
    )?;
    writeln!(out, "\nwhy")?;
    let mut why = Table::new(&[
        ("indicator", Align::Left),
        ("contribution", Align::Right),
        ("reason", Align::Left),
    ]);
    for f in a.indicators.as_array().into_iter().flatten() {
        let parties = f["parties"]
            .as_array()
            .map(|p| {
                p.iter()
                    .filter_map(|x| x.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .filter(|p| !p.is_empty())
            .map(|p| format!(" [parties: {p}]"))
            .unwrap_or_default();
        why.row([
            f["code"].as_str().unwrap_or("?").to_owned(),
            f["contribution"]
                .as_f64()
                .map_or(String::new(), |c| format!("{c:.2}")),
            format!("{}{parties}", f["reason"].as_str().unwrap_or("")),
        ]);
    }
    why.write(&mut out)?;
    if let Some(verdict) = spur_app::learn::db::active_verdict(store, &d.alert, actor)? {
        writeln!(
            out,
            "\nthe active learned model (version {})",
            verdict.version.unwrap_or(0)
        )?;
        for line in verdict.sentences(5) {
            writeln!(out, "  {line}")?;
        }
    }
    writeln!(out, "\ncounterparties ({})", d.counterparties.len())?;
    let mut cps = Table::new(&[
        ("id", Align::Left),
        ("name", Align::Left),
        ("country", Align::Left),
        ("payments", Align::Right),
        ("total", Align::Right),
        ("first", Align::Left),
        ("last", Align::Left),
    ]);
    for c in &d.counterparties {
        let totals = c
            .totals
            .iter()
            .map(|(cur, sum)| format!("{sum:.2} {cur}"))
            .collect::<Vec<_>>()
            .join(", ");
        cps.row([
            c.id.clone(),
            c.name.clone(),
            c.country.clone(),
            c.payments.to_string(),
            totals,
            rfc3339(c.first),
            rfc3339(c.last),
        ]);
    }
    cps.write(&mut out)?;
    writeln!(
        out,
        "\npayments ({} of {} held by the store)",
        d.payments.len(),
        a.transactions.len()
    )?;
    let mut pays = Table::new(&[
        ("txn", Align::Left),
        ("time", Align::Left),
        ("amount", Align::Right),
        ("currency", Align::Left),
        ("sender", Align::Left),
        ("receiver", Align::Left),
        ("channel", Align::Left),
        ("message", Align::Left),
    ]);
    for p in &d.payments {
        pays.row([
            p.txn_id.clone(),
            rfc3339(p.timestamp),
            format!("{:.2}", p.amount),
            p.currency.clone(),
            format!("{} ({})", p.sender_id, p.sender_country),
            format!("{} ({})", p.receiver_id, p.receiver_country),
            p.channel.clone(),
            p.message.clone(),
        ]);
    }
    pays.write(&mut out)?;
    if !d.missing.is_empty() {
        writeln!(out, "not held: {}", visible(&d.missing.join(" ")))?;
    }
    out.flush()?;
    Ok(())
}

pub fn print_cases(store: &mut dyn Store, actor: &str) -> Result<()> {
    let mut t = Table::new(&[
        ("id", Align::Right),
        ("status", Align::Left),
        ("disposition", Align::Left),
        ("assignee", Align::Left),
        ("alerts", Align::Right),
        ("updated", Align::Left),
    ]);
    for c in store.cases(actor)? {
        t.row([
            c.id.to_string(),
            c.status.to_string(),
            c.disposition.to_string(),
            c.assignee.unwrap_or_else(|| "-".to_owned()),
            c.alerts.len().to_string(),
            rfc3339(c.updated_at),
        ]);
    }
    let mut out = io::stdout().lock();
    t.write(&mut out)?;
    Ok(())
}

pub fn print_case(store: &mut dyn Store, case_id: i64, actor: &str) -> Result<()> {
    let c = store.case(case_id, actor)?;
    let mut out = io::BufWriter::new(io::stdout().lock());
    writeln!(out, "case {}", c.id)?;
    writeln!(out, "  status       {}", c.status)?;
    if let Some(r) = &c.close_reason {
        writeln!(out, "  closed for   {}", visible(r))?;
    }
    writeln!(out, "  disposition  {}", c.disposition)?;
    writeln!(
        out,
        "  assignee     {}",
        visible(c.assignee.as_deref().unwrap_or("-"))
    )?;
    writeln!(
        out,
        "  opened by    {} at {}",
        visible(&c.opened_by),
        rfc3339(c.created_at)
    )?;
    writeln!(out, "\nalerts")?;
    let mut t = Table::new(ALERT_COLUMNS);
    let mut reasons = Table::new(&[
        ("alert", Align::Right),
        ("indicator", Align::Left),
        ("reason", Align::Left),
    ]);
    for id in &c.alerts {
        let a = store.alert(*id, actor)?;
        t.row(alert_row(&a));
        for f in a.indicators.as_array().into_iter().flatten() {
            reasons.row([
                a.id.to_string(),
                f["code"].as_str().unwrap_or("?").to_owned(),
                f["reason"].as_str().unwrap_or("").to_owned(),
            ]);
        }
    }
    t.write(&mut out)?;
    writeln!(out, "\nwhy")?;
    reasons.write(&mut out)?;
    if !c.notes.is_empty() {
        writeln!(out, "\nnotes")?;
        for n in &c.notes {
            writeln!(
                out,
                "  {} {}: {}",
                rfc3339(n.at),
                visible(&n.author),
                visible(&n.text)
            )?;
        }
    }
    let reports = store.reports(Some(c.id), actor)?;
    if !reports.is_empty() {
        writeln!(out, "\nreports")?;
        for r in &reports {
            writeln!(
                out,
                "  report {}: {}",
                r.id,
                visible(&crate::reports::details(r))
            )?;
        }
    }
    out.flush()?;
    Ok(())
}

/// One line saying what a change did to a case.
pub fn say_case(what: &str, c: &Case) -> Result<()> {
    say(&format!(
        "case {} {what}: status {}, {} alert(s), assignee {}",
        c.id,
        c.status,
        c.alerts.len(),
        visible(c.assignee.as_deref().unwrap_or("-"))
    ))
}

/// One line on standard output. `println!` would panic on a closed pipe;
/// this hands the error up, where `main` ends quietly.
pub fn say(line: &str) -> Result<()> {
    writeln!(io::stdout().lock(), "{line}")?;
    Ok(())
}

/// `OK` with the entry count; else the first broken entry, or every row that
/// differs from the chain, as the error.
pub fn verify_audit(store: &mut dyn Store) -> Result<()> {
    match store.verify_audit() {
        Ok(s) => say(&format!(
            "audit log OK: {} entries, head {}",
            s.entries, s.head_hash
        )),
        Err(StoreError::AuditBreak(b)) => Err(anyhow::anyhow!(
            "audit log broken at entry {}: {}",
            b.entry_id,
            b.reason
        )),
        Err(StoreError::RowsDiffer(found)) => {
            let mut out = io::stdout().lock();
            for f in &found {
                writeln!(out, "{}", visible(&f.message))?;
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
        let mut t = Table::new(&[
            ("entry", Align::Right),
            ("time", Align::Left),
            ("actor", Align::Left),
            ("action", Align::Left),
            ("object", Align::Left),
        ]);
        for e in &entries {
            t.row([
                e.id.to_string(),
                rfc3339(e.at),
                e.actor.clone(),
                e.action.clone(),
                e.object.clone(),
            ]);
        }
        t.write(&mut out)?;
        writeln!(out, "{} entries", entries.len())?;
    }
    out.flush()?;
    Ok(())
}
