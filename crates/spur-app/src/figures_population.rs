//! `spur stats`: how many are there, from what matching learnt: Chapman's
//! estimate of each same-side match run's two alerted lists
//! (`population.csv`), and the estimate of the latest census's three to
//! five lists (`census.csv`: the log-linear model, or Chapman's for two).
//! A figure describing fewer than k parties is left empty, with the
//! estimate it would give away.

use std::fmt::Write as _;

use serde::Serialize;
use spur_match::HistoriesEstimate;
use spur_store::{CensusHistories, MatchRun};

use crate::figures::{num, round2};

/// One list of a same-side match run: ours, the peer's, on both, and
/// Chapman's estimate with its 95% interval; all empty when a count is
/// below k (the estimate would give the small one away).
#[derive(Serialize)]
pub(crate) struct PopulationRow {
    run: i64,
    list: &'static str,
    here: Option<u64>,
    there: Option<u64>,
    on_both: Option<u64>,
    estimate: Option<f64>,
    low_95: Option<f64>,
    high_95: Option<f64>,
}

fn population_row(
    run: i64,
    list: &'static str,
    [here, there, both]: [i64; 3],
    k: u64,
) -> PopulationRow {
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    let (h, t, b) = (count(here), count(there), count(both));
    let shown = h >= k && t >= k && b >= k;
    let e = shown
        .then(|| spur_match::chapman(h, t, b, 0.95).ok())
        .flatten();
    PopulationRow {
        run,
        list,
        here: shown.then_some(h),
        there: shown.then_some(t),
        on_both: shown.then_some(b),
        estimate: e.map(|e| round2(e.estimate)),
        low_95: e.map(|e| round2(e.low)),
        high_95: e.map(|e| round2(e.high)),
    }
}

/// Both lists of each same-side run in `runs` (those that kept their lists).
pub(crate) fn rows(runs: &[MatchRun], k: u64) -> Vec<PopulationRow> {
    runs.iter()
        .flat_map(|r| {
            let l = r.lists.unwrap_or_default();
            [("receivers", l.receivers), ("customers", l.senders)]
                .map(|(list, counts)| population_row(r.id, list, counts, k))
        })
        .collect()
}

pub(crate) fn csv(rows: &[PopulationRow]) -> String {
    let mut csv = String::from("run,list,here,there,on_both,estimate,low_95,high_95\n");
    for r in rows {
        let _ = writeln!(
            csv,
            "{},{},{},{},{},{},{},{}",
            r.run,
            r.list,
            num(r.here),
            num(r.there),
            num(r.on_both),
            num(r.estimate),
            num(r.low_95),
            num(r.high_95)
        );
    }
    csv
}

/// One list of the latest census: how many lists, the parties seen on any,
/// and the estimate with its 95% interval and the model it came from; all
/// empty when fewer than k parties were seen.
#[derive(Serialize)]
pub(crate) struct CensusRow {
    run: i64,
    lists: usize,
    list: &'static str,
    seen: Option<u64>,
    estimate: Option<f64>,
    low_95: Option<f64>,
    high_95: Option<f64>,
    /// `chapman` (two lists), `independent` or the kept two-list
    /// interactions (`1x2 2x3`).
    model: Option<String>,
}

fn census_row(run: i64, lists: usize, list: &'static str, counts: &[u64], k: u64) -> CensusRow {
    let seen: u64 = counts.iter().sum();
    let shown = seen >= k;
    let fit = shown
        .then(|| spur_match::estimate(lists, counts, 0.95).ok())
        .flatten()
        .map(|e| {
            let model = match &e {
                HistoriesEstimate::Chapman(_) => "chapman".to_owned(),
                HistoriesEstimate::Loglinear(e) if e.interactions.is_empty() => {
                    "independent".to_owned()
                }
                HistoriesEstimate::Loglinear(e) => {
                    let pairs: Vec<String> = e
                        .interactions
                        .iter()
                        .map(|(i, j)| format!("{i}x{j}"))
                        .collect();
                    pairs.join(" ")
                }
            };
            let (estimate, low, high) = e.interval();
            (estimate, low, high, model)
        });
    CensusRow {
        run,
        lists,
        list,
        seen: shown.then_some(seen),
        estimate: fit.as_ref().map(|f| round2(f.0)),
        low_95: fit.as_ref().map(|f| round2(f.1)),
        high_95: fit.as_ref().map(|f| round2(f.2)),
        model: fit.map(|f| f.3),
    }
}

/// The receivers' and the customers' rows of `census` (none without one).
pub(crate) fn census_rows(census: Option<&MatchRun>, k: u64) -> Vec<CensusRow> {
    let Some((run, h)) = census.and_then(|r| r.histories.as_ref().map(|h| (r.id, h))) else {
        return Vec::new();
    };
    let CensusHistories {
        lists,
        receivers,
        customers,
    } = h;
    vec![
        census_row(run, *lists, "receivers", receivers, k),
        census_row(run, *lists, "customers", customers, k),
    ]
}

pub(crate) fn census_csv(rows: &[CensusRow]) -> String {
    let mut csv = String::from("run,lists,list,seen,estimate,low_95,high_95,model\n");
    for r in rows {
        let _ = writeln!(
            csv,
            "{},{},{},{},{},{},{},{}",
            r.run,
            r.lists,
            r.list,
            num(r.seen),
            num(r.estimate),
            num(r.low_95),
            num(r.high_95),
            num(r.model.as_deref())
        );
    }
    csv
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_census_row_is_its_lists_estimate_or_empty_below_k() {
        // Three independent lists of 1,000 catching 30%, 40% and 50%.
        let counts = [90, 140, 60, 210, 90, 140, 60];
        let r = census_row(7, 3, "customers", &counts, 10);
        assert_eq!(r.seen, Some(790));
        assert_eq!(r.model.as_deref(), Some("independent"));
        assert!(
            (r.estimate.unwrap() - 1000.0).abs() < 10.0,
            "{:?}",
            r.estimate
        );
        let small = census_row(7, 3, "customers", &counts, 791);
        assert!(small.seen.is_none() && small.estimate.is_none() && small.model.is_none());
        // Two lists: Chapman's, from list 1 (30 + 20), list 2 (40 + 20) and both (20).
        let two = census_row(8, 2, "receivers", &[30, 40, 20], 10);
        assert_eq!(two.model.as_deref(), Some("chapman"));
        let chapman = spur_match::chapman(50, 60, 20, 0.95).unwrap();
        assert_eq!(two.estimate, Some(round2(chapman.estimate)));
    }
}
