//! `spur stats`: aggregate figures the field can cite, from what a
//! database holds: suspected customers (sender alerts) and facilitator
//! accounts (receiver alerts) by month and corridor with their evidence
//! payments and amounts, the share of light buyers, the distribution of the
//! amount per payment (the price of a show), and the funnel alerts → cases
//! → filed reports with the time to report.
//!
//! Small cells are suppressed: a figure that describes fewer than `k`
//! parties is left empty (CSV) or `null` (JSON), so that no table singles
//! out a person. The output is deterministic (sorted, fixed formatting, no
//! clock): two runs on the same database give the same bytes, and a
//! manifest records the inputs' digest, spur's version, the configuration's
//! digest, `k` and every file's digest, so that [`verify`] can recompute
//! the figures and name any file that was edited.
//!
//! With `--epsilon` the counts are released under differential privacy
//! instead (figures_noise.rs): only the noisy counts of the released keys
//! are written, the release is kept in the database, and the manifest
//! records how it was made. Charts: the amounts, the funnel and the
//! corridors by month (figures_svg.rs).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;
use sha2::{Digest, Sha256};
use spur_engine::money::Rates;
use spur_engine::{Currency, EngineConfig, Role, Timestamp};
use spur_store::Store;

use crate::figures_noise::{Owned, Privacy};
use crate::figures_population as population;
use crate::figures_private::{draw, private_rows, record, PartySets, PrivacyRecord, Releases};
use crate::stats::{AMOUNT_BOUNDS_USD, REPORT_WITHIN_DAYS, SHOW_PRICE_USD};
use crate::{AppError, Context, Result};

/// The default smallest number of parties a published figure may describe.
pub const DEFAULT_K: u64 = 10;

/// A customer with at most this many payments is a light buyer (as `spur eval` counts them).
pub const LIGHT_BUYER_PAYMENTS: u64 = 4;

/// The files [`compute`] makes, by name, with their bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figures {
    pub files: BTreeMap<String, Vec<u8>>,
}

/// One month and corridor of the suspects' evidence payments.
#[derive(Debug, Clone, Default, Serialize)]
struct Cell {
    customers: BTreeSet<String>,
    facilitators: BTreeSet<String>,
    light: BTreeSet<String>,
    payments: u64,
    usd: f64,
}

#[derive(Serialize)]
pub(crate) struct CorridorRow {
    pub(crate) month: String,
    pub(crate) from: String,
    pub(crate) to: String,
    pub(crate) customers: Option<u64>,
    pub(crate) facilitators: Option<u64>,
    pub(crate) light_buyer_share: Option<f64>,
    pub(crate) payments: Option<u64>,
    pub(crate) usd: Option<f64>,
}

#[derive(Serialize)]
pub(crate) struct AmountRow {
    pub(crate) from_usd: f64,
    pub(crate) to_usd: Option<f64>,
    pub(crate) payments: Option<u64>,
    pub(crate) customers: Option<u64>,
    pub(crate) in_show_price: bool,
}

#[derive(Serialize)]
pub(crate) struct FunnelRow {
    /// Month the alerts were raised.
    pub(crate) month: String,
    pub(crate) alerts: Option<u64>,
    pub(crate) in_cases: Option<u64>,
    pub(crate) reports_filed: Option<u64>,
    pub(crate) median_hours_to_report: Option<f64>,
    pub(crate) filed_within_deadline: Option<u64>,
}

#[derive(Serialize)]
struct Manifest<'a> {
    spur_version: &'a str,
    /// SHA-256 of what was read: the alerts, their evidence payments, the cases and reports.
    inputs_sha256: String,
    /// SHA-256 of the engine configuration the figures were made under.
    configuration_sha256: String,
    /// The learned model the scores were read with, when one is active
    /// (`spur model activate`): its version and the SHA-256 of its body.
    model: Option<ModelRecord>,
    k: u64,
    /// With `--epsilon`: how the counts were released.
    #[serde(skip_serializing_if = "Option::is_none")]
    privacy: Option<PrivacyRecord>,
    show_price_usd: (f64, f64),
    light_buyer_payments: u64,
    report_within_days: f64,
    files: BTreeMap<&'a str, String>,
}

#[derive(Serialize)]
struct ModelRecord {
    version: i64,
    sha256: String,
}

fn hex(d: impl AsRef<[u8]>) -> String {
    d.as_ref().iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn month(t: Timestamp) -> String {
    spur_engine::time::rfc3339(t)[..7].to_owned()
}

/// A count that describes `parties` parties, or nothing below `k`.
fn kept(value: u64, parties: usize, k: u64) -> Option<u64> {
    (parties as u64 >= k).then_some(value)
}

/// Fixed formatting for every number written: the same bytes each run.
pub(crate) fn num<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

pub(crate) fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// How the figures of [`compute`] are made: the suppression floor `k`
/// and, with `privacy`, a differentially private release of the counts
/// (figures_noise.rs).
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    pub k: u64,
    pub privacy: Option<Privacy>,
    /// With `privacy`: whether a release not kept yet may be drawn (and
    /// kept); `spur stats verify` never draws.
    pub draw: bool,
}

/// Computes every file from the database; `actor` must be a user who may
/// read alerts, cases and reports.
pub fn compute(
    store: &mut dyn Store,
    actor: &str,
    cfg: &EngineConfig,
    settings: &Settings,
) -> Result<Figures> {
    let k = settings.k;
    if k == 0 {
        return Err(AppError::Invalid("--k must be at least 1".into()));
    }
    if let Some(p) = &settings.privacy {
        p.check()?;
    }
    let rates =
        Rates::new(cfg.rates.iter().map(|(c, r)| (c.as_str(), *r))).map_err(AppError::Invalid)?;
    let mut alerts = store.alerts(actor)?;
    let raised: std::collections::HashMap<i64, Timestamp> =
        alerts.iter().map(|a| (a.id, a.created_at)).collect();
    alerts.retain(|a| a.cleared_at.is_none());
    alerts.sort_by_key(|a| a.id);
    let mut cases = store.cases(actor)?;
    cases.sort_by_key(|c| c.id);
    let mut reports = store.reports(None, actor)?;
    reports.sort_by_key(|r| r.id);
    let mut ids: Vec<&str> = alerts
        .iter()
        .flat_map(|a| a.transactions.iter().map(String::as_str))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let payments = store.payments(&ids, actor)?;

    let mut inputs = Sha256::new();
    for a in &alerts {
        inputs.update(serde_json::to_vec(&(
            a.id,
            &a.subject,
            a.role.as_str(),
            a.score,
            a.created_at,
            a.case_id,
            &a.transactions,
            &a.body["payments"],
        ))?);
    }
    for p in &payments {
        inputs.update(serde_json::to_vec(&(
            &p.txn_id,
            p.timestamp,
            p.amount,
            &p.currency,
            &p.sender_id,
            &p.sender_country,
            &p.receiver_id,
            &p.receiver_country,
        ))?);
    }
    for c in &cases {
        inputs.update(serde_json::to_vec(&(c.id, &c.alerts, c.created_at))?);
    }
    for r in &reports {
        inputs.update(serde_json::to_vec(&(r.id, r.case_id, r.filed_at))?);
    }
    // The latest same-side run we made with each peer that kept its alerted
    // lists: the capture–recapture table.
    let mut runs = store.match_runs(actor)?;
    // The latest census we gathered (newest first): the estimate of three
    // to five lists.
    let census = runs
        .iter()
        .find(|r| r.side == "made" && r.mode == spur_store::CENSUS_MODE && r.histories.is_some())
        .cloned();
    if let Some(c) = &census {
        inputs.update(serde_json::to_vec(&(c.id, &c.histories))?);
    }
    runs.retain(|r| r.side == "made" && r.mode == "same-side" && r.lists.is_some());
    runs.sort_by_key(|r| std::cmp::Reverse(r.id));
    let mut peers = BTreeSet::new();
    runs.retain(|r| peers.insert(r.peer.clone()));
    runs.sort_by_key(|r| r.id);
    for r in &runs {
        inputs.update(serde_json::to_vec(&(r.id, &r.lists))?);
    }

    // Who is suspected, in which role, and whether a light buyer.
    let mut customer: BTreeMap<&str, bool> = BTreeMap::new();
    let mut facilitator: BTreeSet<&str> = BTreeSet::new();
    for a in &alerts {
        match a.role {
            Role::Sender => {
                let n = a.body["payments"].as_u64().unwrap_or(u64::MAX);
                customer.insert(&a.subject, n <= LIGHT_BUYER_PAYMENTS);
            }
            Role::Receiver => {
                facilitator.insert(&a.subject);
            }
        }
    }
    let mut cells: BTreeMap<(String, String, String), Cell> = BTreeMap::new();
    let mut buckets = vec![(0u64, BTreeSet::<&str>::new()); AMOUNT_BOUNDS_USD.len() + 1];
    // Each customer's evidence payments by amount bucket.
    let mut by_customer: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
    for p in &payments {
        let usd = Currency::parse(p.currency.as_bytes()).and_then(|c| rates.to_usd(p.amount, c));
        let cell = cells
            .entry((
                month(p.timestamp),
                p.sender_country.clone(),
                p.receiver_country.clone(),
            ))
            .or_default();
        cell.payments += 1;
        cell.usd += usd.unwrap_or(0.0);
        if let Some(&light) = customer.get(p.sender_id.as_str()) {
            cell.customers.insert(p.sender_id.clone());
            if light {
                cell.light.insert(p.sender_id.clone());
            }
            if let Some(usd) = usd {
                let i = bucket_of(usd);
                buckets[i].0 += 1;
                buckets[i].1.insert(&p.sender_id);
                by_customer
                    .entry(p.sender_id.as_str())
                    .or_insert_with(|| vec![0; AMOUNT_BOUNDS_USD.len() + 1])[i] += 1;
            }
        }
        if facilitator.contains(p.receiver_id.as_str()) {
            cell.facilitators.insert(p.receiver_id.clone());
        }
    }

    // Who is counted under which key of each table: what a private release
    // bounds and counts (figures_noise.rs).
    let parties = PartySets {
        customers: cells
            .iter()
            .map(|(key, c)| (cell_key(key), c.customers.clone()))
            .collect(),
        facilitators: cells
            .iter()
            .map(|(key, c)| (cell_key(key), c.facilitators.clone()))
            .collect(),
        // A customer counts in the buckets most of its payments fall in (its
        // first `max_cells` of them by payments, then by amount): not in the
        // lowest, which key order would give.
        amount_customers: {
            let keep = settings
                .privacy
                .map_or(usize::MAX, |p| p.max_cells as usize);
            let mut sets: BTreeMap<String, BTreeSet<String>> = (0..buckets.len())
                .map(|i| (format!("{i:02}"), BTreeSet::new()))
                .collect();
            for (who, counts) in &by_customer {
                let mut order: Vec<usize> = (0..counts.len()).filter(|&i| counts[i] > 0).collect();
                order.sort_by_key(|&i| (std::cmp::Reverse(counts[i]), i));
                for i in order.into_iter().take(keep) {
                    if let Some(set) = sets.get_mut(&format!("{i:02}")) {
                        set.insert((*who).to_owned());
                    }
                }
            }
            sets
        },
        alerts: alerts.iter().fold(BTreeMap::new(), |mut m, a| {
            m.entry(month(a.created_at))
                .or_insert_with(BTreeSet::new)
                .insert(a.subject.clone());
            m
        }),
        payments: Vec::new(),
        cents: Vec::new(),
        bucket_payments: Vec::new(),
        buckets: buckets.len(),
    };
    let parties = owned_payments(parties, &payments, &customer, &facilitator, &rates);
    let corridors: Vec<CorridorRow> = cells
        .into_iter()
        .map(|((month, from, to), c)| {
            let parties = c.customers.len() + c.facilitators.len();
            CorridorRow {
                month,
                from,
                to,
                customers: kept(c.customers.len() as u64, c.customers.len(), k),
                facilitators: kept(c.facilitators.len() as u64, c.facilitators.len(), k),
                light_buyer_share: (c.customers.len() as u64 >= k)
                    .then(|| round2(c.light.len() as f64 / c.customers.len() as f64)),
                payments: kept(c.payments, parties, k),
                usd: (parties as u64 >= k).then_some(round2(c.usd)),
            }
        })
        .collect();
    let mut from = 0.0;
    let amounts: Vec<AmountRow> = buckets
        .iter()
        .enumerate()
        .map(|(i, (n, who))| {
            let to = AMOUNT_BOUNDS_USD.get(i).copied();
            let row = AmountRow {
                from_usd: from,
                to_usd: to,
                payments: kept(*n, who.len(), k),
                customers: kept(who.len() as u64, who.len(), k),
                in_show_price: from >= SHOW_PRICE_USD.0
                    && to.is_some_and(|t| t <= SHOW_PRICE_USD.1),
            };
            from = to.unwrap_or(from);
            row
        })
        .collect();

    // The funnel by the month alerts were raised; a case's time to report
    // starts at its first alert, a cleared one included.
    let first_alert = crate::stats::case_starts(&raised, &cases);
    let mut months: BTreeMap<String, (u64, u64, Vec<f64>)> = BTreeMap::new();
    for a in &alerts {
        let m = months.entry(month(a.created_at)).or_default();
        m.0 += 1;
        m.1 += u64::from(a.case_id.is_some());
    }
    for r in &reports {
        if let (Some(filed), Some(&first)) = (r.filed_at, first_alert.get(&r.case_id)) {
            months
                .entry(month(first))
                .or_default()
                .2
                .push((filed - first) as f64 / 3600.0);
        }
    }
    let funnel: Vec<FunnelRow> = months
        .into_iter()
        .map(|(month, (alerts, in_cases, mut hours))| {
            hours.sort_by(f64::total_cmp);
            let n = alerts as usize;
            let median = crate::stats::median(&hours);
            FunnelRow {
                month,
                alerts: kept(alerts, n, k),
                in_cases: kept(in_cases, n, k),
                reports_filed: kept(hours.len() as u64, n, k),
                median_hours_to_report: (n as u64 >= k).then_some(median.map(round2)).flatten(),
                filed_within_deadline: kept(
                    hours
                        .iter()
                        .filter(|&&h| h <= REPORT_WITHIN_DAYS * 24.0)
                        .count() as u64,
                    n,
                    k,
                ),
            }
        })
        .collect();

    let inputs_sha256 = hex(inputs.finalize());
    let configuration_sha256 = hex(Sha256::digest(serde_json::to_vec(cfg)?));
    let model = store.active_model(actor)?.map(|m| ModelRecord {
        version: m.version,
        sha256: hex(Sha256::digest(m.body.as_bytes())),
    });
    let (corridors, amounts, funnel, privacy) = match &settings.privacy {
        None => (corridors, amounts, funnel, None),
        Some(p) => {
            let key = hex(Sha256::digest(serde_json::to_vec(&(
                &inputs_sha256,
                &configuration_sha256,
                model.as_ref().map(|m| &m.sha256),
                k,
                p.epsilon.to_bits(),
                p.delta.to_bits(),
                p.max_cells,
                p.max_payments,
                p.max_usd,
            ))?));
            let kept = store.stats_noise(&key, actor)?;
            let releases: Releases = match kept {
                Some(json) => serde_json::from_str(&json).map_err(|e| {
                    AppError::Invalid(format!("the kept release {key} does not read: {e}"))
                })?,
                None if settings.draw => {
                    let r = draw(&parties, p, k)?;
                    store.save_stats_noise(&key, p.epsilon, &serde_json::to_string(&r)?, actor)?;
                    r
                }
                None => {
                    return Err(AppError::Invalid(format!(
                        "the release these figures were drawn with ({key}) is not in this \
                         database: they were made from other data, another configuration or \
                         other settings, or in another database"
                    )))
                }
            };
            let (c, a, f) = private_rows(&releases, &amounts);
            (c, a, f, Some((key, releases)))
        }
    };

    let mut files = BTreeMap::new();
    let mut csv = String::from(
        "month,from,to,suspected_customers,suspected_facilitators,light_buyer_share,payments,usd\n",
    );
    for r in &corridors {
        let _ = writeln!(
            csv,
            "{},{},{},{},{},{},{},{}",
            r.month,
            r.from,
            r.to,
            num(r.customers),
            num(r.facilitators),
            num(r.light_buyer_share),
            num(r.payments),
            num(r.usd)
        );
    }
    files.insert(
        "suspects_by_month_corridor.csv".to_owned(),
        csv.into_bytes(),
    );
    let mut csv = String::from("from_usd,to_usd,payments,suspected_customers,in_show_price\n");
    for r in &amounts {
        let _ = writeln!(
            csv,
            "{},{},{},{},{}",
            r.from_usd,
            num(r.to_usd),
            num(r.payments),
            num(r.customers),
            r.in_show_price
        );
    }
    files.insert("amounts.csv".to_owned(), csv.into_bytes());
    let mut csv = String::from(
        "month,alerts,in_cases,reports_filed,median_hours_to_report,filed_within_deadline\n",
    );
    for r in &funnel {
        let _ = writeln!(
            csv,
            "{},{},{},{},{},{}",
            r.month,
            num(r.alerts),
            num(r.in_cases),
            num(r.reports_filed),
            num(r.median_hours_to_report),
            num(r.filed_within_deadline)
        );
    }
    files.insert("funnel.csv".to_owned(), csv.into_bytes());
    // Under --epsilon the lists' counts are not released (not noised).
    let released = settings.privacy.is_none();
    let population = population::rows(if released { &runs } else { &[] }, k);
    files.insert(
        "population.csv".to_owned(),
        population::csv(&population).into_bytes(),
    );
    let census = population::census_rows(census.as_ref().filter(|_| released), k);
    files.insert(
        "census.csv".to_owned(),
        population::census_csv(&census).into_bytes(),
    );
    let mut json = serde_json::to_vec_pretty(&serde_json::json!({
        "k": k,
        "suspects_by_month_corridor": corridors,
        "amounts": amounts,
        "funnel": funnel,
        "population": population,
        "census": census,
    }))?;
    json.push(b'\n');
    files.insert("figures.json".to_owned(), json);
    // Under --epsilon the buckets count customers (their payments are not
    // released).
    let (what, bars): (&str, Vec<_>) = match settings.privacy {
        None => (
            "Payments of suspected customers by amount (USD)",
            amounts
                .iter()
                .map(|r| (r.from_usd, r.to_usd, r.payments, r.in_show_price))
                .collect(),
        ),
        Some(_) => (
            "Suspected customers by the amount most of their payments fall in (USD), differentially private",
            amounts
                .iter()
                .map(|r| (r.from_usd, r.to_usd, r.customers, r.in_show_price))
                .collect(),
        ),
    };
    files.insert(
        "amounts.svg".to_owned(),
        crate::figures_svg::amounts(what, &bars).into_bytes(),
    );
    files.insert(
        "funnel.svg".to_owned(),
        crate::figures_svg::funnel(
            &funnel
                .iter()
                .map(|r| (r.month.clone(), r.alerts, r.in_cases, r.reports_filed))
                .collect::<Vec<_>>(),
        )
        .into_bytes(),
    );
    files.insert(
        "corridors.svg".to_owned(),
        crate::figures_svg::corridors(
            &corridors
                .iter()
                .map(|r| (r.month.clone(), format!("{}→{}", r.from, r.to), r.customers))
                .collect::<Vec<_>>(),
        )
        .into_bytes(),
    );

    let digests: BTreeMap<&str, String> = files
        .iter()
        .map(|(n, b)| (n.as_str(), hex(Sha256::digest(b))))
        .collect();
    let mut manifest = serde_json::to_vec_pretty(&Manifest {
        spur_version: env!("CARGO_PKG_VERSION"),
        inputs_sha256,
        configuration_sha256,
        model,
        k,
        privacy: privacy
            .as_ref()
            .zip(settings.privacy.as_ref())
            .map(|((key, r), p)| record(key, r, p)),
        show_price_usd: SHOW_PRICE_USD,
        light_buyer_payments: LIGHT_BUYER_PAYMENTS,
        report_within_days: REPORT_WITHIN_DAYS,
        files: digests,
    })?;
    manifest.push(b'\n');
    files.insert("manifest.json".to_owned(), manifest);
    Ok(Figures { files })
}

/// The evidence payments the private sums take, in time order, each owned
/// by its customer when the sender is suspected, else by its facilitator.
fn owned_payments<'a>(
    mut parties: PartySets<'a>,
    payments: &'a [spur_store::PaymentRecord],
    customer: &BTreeMap<&str, bool>,
    facilitator: &BTreeSet<&str>,
    rates: &Rates,
) -> PartySets<'a> {
    let mut order: Vec<&spur_store::PaymentRecord> = payments.iter().collect();
    order.sort_by(|a, b| (a.timestamp, &a.txn_id).cmp(&(b.timestamp, &b.txn_id)));
    for p in order {
        let is_customer = customer.contains_key(p.sender_id.as_str());
        let owner = if is_customer {
            p.sender_id.as_str()
        } else if facilitator.contains(p.receiver_id.as_str()) {
            p.receiver_id.as_str()
        } else {
            continue;
        };
        let usd = Currency::parse(p.currency.as_bytes()).and_then(|c| rates.to_usd(p.amount, c));
        let key = cell_key(&(
            month(p.timestamp),
            p.sender_country.clone(),
            p.receiver_country.clone(),
        ));
        parties.payments.push(Owned {
            owner,
            key: key.clone(),
            value: 1,
        });
        parties.cents.push(Owned {
            owner,
            key,
            value: usd.map_or(0, |u| (u * 100.0).round() as i64),
        });
        if let (true, Some(usd)) = (is_customer, usd) {
            parties.bucket_payments.push(Owned {
                owner,
                key: format!("{:02}", bucket_of(usd)),
                value: 1,
            });
        }
    }
    parties
}

fn bucket_of(usd: f64) -> usize {
    AMOUNT_BOUNDS_USD
        .iter()
        .position(|&b| usd < b)
        .unwrap_or(AMOUNT_BOUNDS_USD.len())
}

fn cell_key((month, from, to): &(String, String, String)) -> String {
    format!("{month},{from},{to}")
}

/// The settings a manifest records, to make its figures again (`spur stats
/// verify`): never drawing, a release must be the kept one.
pub fn settings_of_manifest(manifest: &[u8]) -> Result<Settings> {
    let m: serde_json::Value = serde_json::from_slice(manifest)
        .map_err(|e| AppError::Invalid(format!("the manifest does not read: {e}")))?;
    let k = m["k"]
        .as_u64()
        .ok_or_else(|| AppError::Invalid("the manifest has no k".into()))?;
    let privacy = match &m["privacy"] {
        serde_json::Value::Null => None,
        p => {
            let f = |name: &str| {
                p[name].as_f64().ok_or_else(|| {
                    AppError::Invalid(format!("the manifest's privacy has no {name}"))
                })
            };
            let whole = |name: &str| {
                u32::try_from(f(name)? as u64).map_err(|_| {
                    AppError::Invalid(format!("the manifest's {name} is out of range"))
                })
            };
            Some(Privacy {
                epsilon: f("epsilon")?,
                delta: f("delta")?,
                max_cells: whole("max_cells")?,
                max_payments: whole("max_payments")?,
                max_usd: whole("max_usd")?,
            })
        }
    };
    Ok(Settings {
        k,
        privacy,
        draw: false,
    })
}

/// Writes every file into `dir` (created if missing).
pub fn write(dir: &Path, figures: &Figures) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for (name, bytes) in &figures.files {
        let path = dir.join(name);
        crate::outfile::Staged::write(&path, bytes)
            .and_then(|staged| staged.publish(true))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// The files of `dir` that differ from `figures` (edited, missing, or made
/// from other data or another configuration), by name; empty when all agree.
pub fn verify(dir: &Path, figures: &Figures) -> Vec<String> {
    figures
        .files
        .iter()
        .filter(|(name, bytes)| {
            std::fs::read(dir.join(name)).ok().as_deref() != Some(bytes.as_slice())
        })
        .map(|(name, _)| name.clone())
        .collect()
}
