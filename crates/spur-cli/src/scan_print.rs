//! `spur scan`'s summary, printed.

use std::io::{self, Write};

use spur_app::scan::ScanReport;

pub fn print(r: &ScanReport, out: &mut impl Write) -> io::Result<()> {
    let s = &r.outcome.stats;
    writeln!(out, "spur scan: {}", crate::terminal::visible(&r.input))?;
    writeln!(
        out,
        "  payments read     {:>10}   rejected {}",
        r.read, r.rejected
    )?;
    if let Some(b) = &r.stored {
        writeln!(
            out,
            "  already ingested  {:>10}   new {}",
            r.already_ingested, b.new_txns
        )?;
        writeln!(
            out,
            "  stored alerts     {:>10} new, {} updated, {} cleared (log at chunk {}{})",
            b.alerts_created.len(),
            b.alerts_updated.len(),
            b.alerts_cleared.len(),
            b.seq,
            if b.checkpoint {
                ", checkpoint saved"
            } else {
                ""
            }
        )?;
    }
    if let Some(m) = &r.model {
        writeln!(
            out,
            "  learned model     version {}: {} of {} candidate alerts (rules' score >= {}) flagged",
            m.version, m.flagged, m.candidates, r.threshold
        )?;
    }
    if r.read > 0 && r.already_ingested + r.rejected == r.read {
        writeln!(
            out,
            "  nothing new       every payment of this file was already ingested{}",
            if r.rejected > 0 { " or rejected" } else { "" }
        )?;
    }
    if let Some(f) = &r.rejects_file {
        writeln!(out, "  rejects file      {}", f.display())?;
    }
    if !r.unknown_columns.is_empty() {
        writeln!(
            out,
            "  ignored columns   {}",
            crate::terminal::visible(&r.unknown_columns.join(", "))
        )?;
    }
    if r.skipped > 0 {
        writeln!(
            out,
            "  not payments      {:>10} entries left out (not booked credit transfers)",
            r.skipped
        )?;
    }
    if r.naive_times > 0 {
        writeln!(
            out,
            "  times read as UTC {:>10} payments had a time without an offset (Z or ±hh:mm)",
            r.naive_times
        )?;
    }
    if r.ambiguous_times > 0 {
        writeln!(
            out,
            "  times twice       {:>10} payments had a local time that happened twice (clocks went back), read as [input] ambiguous_time says",
            r.ambiguous_times
        )?;
    }
    writeln!(
        out,
        "  parties           {:>10} senders, {} receivers",
        s.senders, s.receivers
    )?;
    writeln!(
        out,
        "  alerts            {:>10} senders, {} receivers (threshold {:.2})",
        s.alerts_senders, s.alerts_receivers, r.threshold
    )?;
    let top: Vec<String> = r
        .top_indicators()
        .iter()
        .take(6)
        .map(|(c, n)| format!("{c} {n}"))
        .collect();
    if !top.is_empty() {
        writeln!(out, "  top indicators    {}", top.join(", "))?;
    }
    if s.possible_romance_victims > 0 {
        writeln!(
            out,
            "  romance-scam pattern, not OSEC (route to fraud): {} senders",
            s.possible_romance_victims
        )?;
    }
    writeln!(
        out,
        "  throughput        {:>10.0} payments/s ({:.2} s)",
        r.payments_per_second(),
        r.elapsed.as_secs_f64()
    )
}
