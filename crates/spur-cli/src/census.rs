//! `spur census` and `spur estimate`: gathering capture histories from
//! peers, and printing capture–recapture estimates.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use spur_app::matching::census::{self, CensusPeer};
use spur_app::matching::http::HttpPeer;
use spur_app::matching::transcript::Transcript;
use spur_match::{HistoriesEstimate, LoglinearEstimate};
use spur_store::OpenMode;

/// One line on the log-linear estimate.
pub(crate) fn loglinear_line(e: &LoglinearEstimate) -> String {
    let model = if e.interactions.is_empty() {
        "independent lists".to_owned()
    } else {
        let pairs: Vec<String> = e
            .interactions
            .iter()
            .map(|(i, j)| format!("{i}×{j}"))
            .collect();
        format!("dependence between lists {}", pairs.join(", "))
    };
    format!(
        "{} lists, {} parties seen; model of least AIC of {} fitted: {model}\nestimated {:.0} in all, {:.0} on no list ({:.0}% interval {:.0} to {:.0})",
        e.lists,
        e.seen,
        e.models,
        e.estimate,
        e.unseen,
        e.level * 100.0,
        e.low,
        e.high
    )
}

/// The estimate from `counts` of `lists` lists: Chapman's for two, the
/// log-linear model's for more.
fn estimate_line(lists: usize, counts: &[u64], level: f64) -> String {
    match spur_match::estimate(lists, counts, level) {
        Ok(HistoriesEstimate::Chapman(e)) => format!(
            "{} here, {} there, {} on both; Chapman estimate {:.0} ({:.0}% {:.0} to {:.0})",
            e.first,
            e.second,
            e.overlap,
            e.estimate,
            level * 100.0,
            e.low,
            e.high
        ),
        Ok(HistoriesEstimate::Loglinear(e)) => loglinear_line(&e),
        Err(e) => format!("no estimate: {e}"),
    }
}

pub(crate) struct CensusArgs<'a> {
    pub db: &'a str,
    pub user: &'a str,
    pub peers: &'a [String],
    pub tokens: &'a [String],
    pub out: Option<&'a Path>,
    pub transcript: Option<&'a Path>,
    pub level: f64,
    pub cfg: spur_engine::EngineConfig,
}

pub(crate) fn run(a: CensusArgs<'_>) -> Result<()> {
    if a.peers.len() != a.tokens.len() {
        anyhow::bail!(
            "{} peers and {} tokens: give one --token per --peer, in the same order",
            a.peers.len(),
            a.tokens.len()
        );
    }
    let mut transcript = match a.transcript {
        Some(p) => Transcript::to(Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        ))),
        None => Transcript::none(),
    };
    let mut http: Vec<HttpPeer> = a
        .peers
        .iter()
        .zip(a.tokens)
        .map(|(url, token)| HttpPeer::new(url, token))
        .collect();
    let mut peers: Vec<CensusPeer<'_>> = a
        .peers
        .iter()
        .zip(http.iter_mut())
        .map(|(name, peer)| CensusPeer {
            name: name.clone(),
            peer,
        })
        .collect();
    let mut store = crate::cases::open(a.db, OpenMode::Existing)?;
    let r = census::run(&mut *store, &a.cfg, a.user, &mut peers, &mut transcript)
        .context("spur census")?;
    let h = &r.histories;
    if let Some(dir) = a.out {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        for (file, counts) in [
            ("receivers.csv", &h.receivers),
            ("customers.csv", &h.customers),
        ] {
            let p = dir.join(file);
            std::fs::write(&p, census::histories_csv(h.lists, counts))
                .with_context(|| format!("cannot write {}", p.display()))?;
        }
    }
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "spur census: {} lists (ours list 1, then {}); {} of our items offered, {} of the peers'; run {} here",
        h.lists,
        a.peers.join(", "),
        r.offered,
        r.received,
        r.run.id
    )?;
    for (what, counts) in [
        ("receivers scored 0.5 or more", &h.receivers),
        ("suspected customers", &h.customers),
    ] {
        writeln!(out, "{what}: {}", estimate_line(h.lists, counts, a.level))?;
    }
    if let Some(dir) = a.out {
        writeln!(
            out,
            "histories in {}/receivers.csv and customers.csv (`spur estimate --histories` reads them)",
            dir.display()
        )?;
    }
    Ok(())
}
