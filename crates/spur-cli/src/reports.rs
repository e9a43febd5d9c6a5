//! `spur report`'s printing: a report's line, its details, the list. The
//! drafting, approval and filing are `spur_app::reports` and `spur-store`.

use std::io::Write;

use anyhow::Result;
use spur_engine::time::rfc3339;
use spur_engine::Timestamp;
use spur_store::Report;

/// The warnings of a draft, for the person at the terminal.
pub fn warn(warnings: &[String]) {
    for w in warnings {
        eprintln!("spur: warning: {}", crate::terminal::visible(w));
    }
}

/// What a line about a report says after its id: for listings and after a change.
pub fn details(r: &Report) -> String {
    let mut line = format!(
        "case {}, profile {}, status {}, reference {}, authors {}",
        r.case_id,
        r.profile,
        r.status,
        r.entity_reference.as_deref().unwrap_or("-"),
        r.authors.join(", ")
    );
    if let Some(c) = r.corrects {
        line.push_str(&format!(", corrects report {c}"));
    }
    if let Some(s) = &r.approved_by {
        line.push_str(&format!(", approved by {s}"));
    }
    line
}

/// Everything the store holds about a report, then its XML.
pub fn show(r: &Report) -> String {
    let when = |t: Option<Timestamp>| t.map(rfc3339).unwrap_or_else(|| "-".into());
    let mut out = format!("report {}\n", r.id);
    let mut row = |k: &str, v: &str| {
        out.push_str(&format!("  {k:<17}{v}\n"));
    };
    row("case", &r.case_id.to_string());
    row("profile", &r.profile);
    row("status", r.status.as_str());
    row(
        "entity reference",
        r.entity_reference
            .as_deref()
            .unwrap_or("- (before schema 4)"),
    );
    if let Some(c) = r.corrects {
        let fiu = r
            .fiu_ref_number
            .as_deref()
            .map(|f| format!(" (FIU reference {f})"))
            .unwrap_or_default();
        row("corrects", &format!("report {c}{fiu}"));
    }
    row("authors", &r.authors.join(", "));
    row("created", &rfc3339(r.created_at));
    row(
        "approved by",
        &match &r.approved_by {
            Some(s) => format!("{s} at {}", when(r.approved_at)),
            None => "-".into(),
        },
    );
    row("filed", &when(r.filed_at));
    row(
        "evidence",
        if r.all_evidence {
            "every kept payment of the alerted parties"
        } else {
            "the alerts' evidence payments"
        },
    );
    row("reason", if r.reason.is_empty() { "-" } else { &r.reason });
    row("action", if r.action.is_empty() { "-" } else { &r.action });
    out.push('\n');
    out.push_str(&r.xml);
    out
}

/// Every report as an aligned table, with the count.
pub fn print_list(reports: &[Report]) -> Result<()> {
    use crate::table::{Align, Table};
    let mut t = Table::new(&[
        ("id", Align::Right),
        ("case", Align::Right),
        ("status", Align::Left),
        ("profile", Align::Left),
        ("reference", Align::Left),
        ("corrects", Align::Right),
        ("authors", Align::Left),
        ("approved by", Align::Left),
    ]);
    for r in reports {
        t.row([
            r.id.to_string(),
            r.case_id.to_string(),
            r.status.to_string(),
            r.profile.clone(),
            r.entity_reference.clone().unwrap_or_else(|| "-".into()),
            r.corrects.map_or("-".into(), |c| c.to_string()),
            r.authors.join(", "),
            r.approved_by.clone().unwrap_or_else(|| "-".into()),
        ]);
    }
    let mut out = std::io::stdout().lock();
    t.write(&mut out)?;
    writeln!(out, "{} reports", reports.len())?;
    Ok(())
}

pub fn say(what: &str, r: &Report) -> Result<()> {
    let what = if what.is_empty() {
        String::new()
    } else {
        format!(" {what}")
    };
    crate::cases::say(&format!(
        "report {}{what}: {}",
        r.id,
        crate::terminal::visible(&details(r))
    ))
}
