//! `spur stats --epsilon`: which tables a private release covers, who is
//! counted where, the draw of all of them with one budget, and the rows
//! written from what was released (the mechanisms are figures_noise.rs).
//!
//! Seven releases share the budget ε evenly: four counts of parties with a
//! threshold (suspected customers and facilitators by month and corridor,
//! customers by amount bucket, parties alerted by month), which split δ,
//! and three sums over keys already public (evidence payments and their
//! USD by the corridors the counts released, customers' payments by amount
//! bucket), each party's payments bounded.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::figures::{AmountRow, CorridorRow, FunnelRow};
use crate::figures_noise::{
    bound_contributions, bound_owned, release, release_sums, Owned, Privacy, Released, ReleasedSums,
};
use crate::Result;

/// The releases a draw makes.
const RELEASES: f64 = 7.0;
/// Of them, the counts with a threshold, which split δ.
const THRESHOLDED: f64 = 4.0;

/// Who is counted under each key of the tables a private release covers,
/// and the evidence payments the sums take, each with its owner.
pub(crate) struct PartySets<'a> {
    /// By "month,from,to".
    pub customers: BTreeMap<String, BTreeSet<String>>,
    pub facilitators: BTreeMap<String, BTreeSet<String>>,
    /// By the amount bucket's number ("00", "01", ...).
    pub amount_customers: BTreeMap<String, BTreeSet<String>>,
    /// Parties alerted, by the month of the alert.
    pub alerts: BTreeMap<String, BTreeSet<String>>,
    /// Evidence payments in time order, by "month,from,to": value 1.
    pub payments: Vec<Owned<'a>>,
    /// The same payments' USD in cents.
    pub cents: Vec<Owned<'a>>,
    /// Customers' evidence payments by amount bucket: value 1.
    pub bucket_payments: Vec<Owned<'a>>,
    /// The amount buckets there are ("00", ...): public.
    pub buckets: usize,
}

/// The tables' releases, as kept in the store (under a key of the data
/// and every setting, the sums' bounds included).
#[derive(Serialize, serde::Deserialize)]
pub(crate) struct Releases {
    customers: Released,
    facilitators: Released,
    amount_customers: Released,
    alerts: Released,
    payments: ReleasedSums,
    usd_cents: ReleasedSums,
    amount_payments: ReleasedSums,
}

#[derive(Serialize)]
pub(crate) struct PrivacyRecord {
    mechanism: &'static str,
    unit: &'static str,
    epsilon: f64,
    delta: f64,
    max_cells: u32,
    max_payments: u32,
    max_usd: u32,
    /// The key the release is kept under in the database (no noise, no seed).
    release: String,
    tables: Vec<TableRecord>,
}

#[derive(Serialize)]
struct TableRecord {
    table: &'static str,
    epsilon: f64,
    delta: f64,
    scale: f64,
    /// Counts: keys below it were not released.
    #[serde(skip_serializing_if = "Option::is_none")]
    threshold: Option<i64>,
    /// Sums: the most one party adds to them all.
    #[serde(skip_serializing_if = "Option::is_none")]
    bound: Option<i64>,
}

/// Draws every release, each with a seventh of the budget.
pub(crate) fn draw(parties: &PartySets<'_>, p: &Privacy, k: u64) -> Result<Releases> {
    let eps = p.epsilon / RELEASES;
    let delta = p.delta / THRESHOLDED;
    let one = |cells: &BTreeMap<String, BTreeSet<String>>| {
        release(
            &bound_contributions(cells, p.max_cells),
            eps,
            delta,
            p.max_cells,
            k,
        )
    };
    let customers = one(&parties.customers)?;
    let facilitators = one(&parties.facilitators)?;
    // The sums go over the corridors the counts released (public now) and
    // over every amount bucket (public bounds).
    let corridors: Vec<String> = customers
        .counts
        .keys()
        .chain(facilitators.counts.keys())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .cloned()
        .collect();
    let buckets: Vec<String> = (0..parties.buckets).map(|i| format!("{i:02}")).collect();
    let max_payments = i64::from(p.max_payments);
    let max_cents = i64::from(p.max_usd) * 100;
    let payments = release_sums(
        &corridors,
        &bound_owned(&parties.payments, p.max_payments, max_payments),
        max_payments,
        eps,
    )?;
    let usd_cents = release_sums(
        &corridors,
        &bound_owned(&parties.cents, p.max_payments, max_cents),
        max_cents,
        eps,
    )?;
    let amount_payments = release_sums(
        &buckets,
        &bound_owned(&parties.bucket_payments, p.max_payments, max_payments),
        max_payments,
        eps,
    )?;
    Ok(Releases {
        customers,
        facilitators,
        amount_customers: one(&parties.amount_customers)?,
        alerts: one(&parties.alerts)?,
        payments,
        usd_cents,
        amount_payments,
    })
}

/// A noisy count as written: never below 0 (post-processing).
fn shown(n: i64) -> u64 {
    n.max(0) as u64
}

/// The tables as released: only the released keys of the corridors and the
/// funnel (which keys exist is itself what the threshold protects), every
/// amount bucket (their bounds are public); the noisy counts and sums, and
/// nothing that is not released (shares, cases, reports and times stay
/// empty).
pub(crate) fn private_rows(
    r: &Releases,
    exact_amounts: &[AmountRow],
) -> (Vec<CorridorRow>, Vec<AmountRow>, Vec<FunnelRow>) {
    let keys: BTreeSet<&String> = r
        .customers
        .counts
        .keys()
        .chain(r.facilitators.counts.keys())
        .collect();
    let sum = |t: &ReleasedSums, key: &str| t.sums.get(key).map(|&n| shown(n));
    let corridors = keys
        .into_iter()
        .filter_map(|key| {
            let mut parts = key.splitn(3, ',');
            let (month, from, to) = (parts.next()?, parts.next()?, parts.next()?);
            let count = |t: &Released| t.counts.get(key).map(|&n| shown(n));
            Some(CorridorRow {
                month: month.to_owned(),
                from: from.to_owned(),
                to: to.to_owned(),
                customers: count(&r.customers),
                facilitators: count(&r.facilitators),
                light_buyer_share: None,
                payments: sum(&r.payments, key),
                usd: sum(&r.usd_cents, key).map(|c| c as f64 / 100.0),
            })
        })
        .collect();
    let amounts = exact_amounts
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let key = format!("{i:02}");
            AmountRow {
                from_usd: a.from_usd,
                to_usd: a.to_usd,
                payments: sum(&r.amount_payments, &key),
                customers: r.amount_customers.counts.get(&key).map(|&n| shown(n)),
                in_show_price: a.in_show_price,
            }
        })
        .collect();
    let funnel = r
        .alerts
        .counts
        .iter()
        .map(|(month, &n)| FunnelRow {
            month: month.clone(),
            alerts: Some(shown(n)),
            in_cases: None,
            reports_filed: None,
            median_hours_to_report: None,
            filed_within_deadline: None,
        })
        .collect();
    (corridors, amounts, funnel)
}

/// What the manifest says of a release kept under `key`.
pub(crate) fn record(key: &str, r: &Releases, p: &Privacy) -> PrivacyRecord {
    let counts = [
        ("suspected_customers", &r.customers),
        ("suspected_facilitators", &r.facilitators),
        ("amount_customers", &r.amount_customers),
        ("parties_alerted", &r.alerts),
    ]
    .into_iter()
    .map(|(name, t)| TableRecord {
        table: name,
        epsilon: t.epsilon,
        delta: t.delta,
        scale: t.scale,
        threshold: Some(t.threshold),
        bound: None,
    });
    let sums = [
        ("payments", &r.payments),
        ("usd_cents", &r.usd_cents),
        ("amount_payments", &r.amount_payments),
    ]
    .into_iter()
    .map(|(name, t)| TableRecord {
        table: name,
        epsilon: t.epsilon,
        delta: 0.0,
        scale: t.scale,
        threshold: None,
        bound: Some(t.bound),
    });
    PrivacyRecord {
        mechanism: "OpenDP 0.16: make_laplace_threshold (discrete Laplace with a threshold) \
                    for the counts of parties, make_laplace (discrete Laplace) for the bounded \
                    sums over public keys; the budget split evenly over the seven releases, \
                    delta over the four counts",
        unit: "one suspected party (customer or facilitator account), with the evidence \
               payments it owns (a payment belongs to its customer when the sender is \
               suspected, else to its facilitator)",
        epsilon: p.epsilon,
        delta: p.delta,
        max_cells: p.max_cells,
        max_payments: p.max_payments,
        max_usd: p.max_usd,
        release: key.to_owned(),
        tables: counts.chain(sums).collect(),
    }
}
