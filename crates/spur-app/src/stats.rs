//! The figures of the workbench's dashboard: payments per day, the top
//! corridors, the distribution of amounts in USD against a show's published
//! price (USD 20-150, IJM on the AP report: the domain brief), alerts per
//! day, and the funnel alerts → cases → filed reports with the time from an
//! alert to its filed report (RA 11930 gives platforms 5 days to report to
//! the AMLC).
//!
//! Payments are counted from the store's payment log, which holds every
//! accepted payment: a [`PaymentTally`] reads it once and then only the
//! chunks after the last one it read, so a caller that keeps the tally (the
//! server does) pays for each payment once. The alerts, cases and reports
//! come from the store with the actor's role checked there, before any
//! figure is given.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use spur_engine::model::DAY;
use spur_engine::money::Rates;
use spur_engine::Timestamp;
use spur_store::Store;

use crate::Result;

/// Upper bounds (USD) of the amount buckets; the last bucket is open.
pub const AMOUNT_BOUNDS_USD: [f64; 9] =
    [10.0, 20.0, 50.0, 100.0, 150.0, 250.0, 500.0, 1000.0, 5000.0];

/// What a show costs, USD (the brief: "a show costs USD 20-150").
pub const SHOW_PRICE_USD: (f64, f64) = (20.0, 150.0);

/// Days from an alert to its filed report that the law allows (RA 11930, to the AMLC).
pub const REPORT_WITHIN_DAYS: f64 = 5.0;

/// Corridors the dashboard names; the rest are summed as others.
pub const TOP_CORRIDORS: usize = 10;

/// Chunks read from the log at a time.
const PAGE: usize = 16;

/// Running counts over the payment log, up to chunk `seq`.
#[derive(Debug, Default, Clone)]
pub struct PaymentTally {
    seq: i64,
    payments: u64,
    /// Payments in a currency the rate table does not know: counted, not in USD.
    unconverted: u64,
    /// Day (UTC, days since 1970) → payments, USD.
    days: BTreeMap<i64, (u64, f64)>,
    corridors: HashMap<([u8; 2], [u8; 2]), (u64, f64)>,
    amounts: [u64; AMOUNT_BOUNDS_USD.len() + 1],
}

impl PaymentTally {
    /// Reads the log's chunks after the last one counted.
    pub fn catch_up(&mut self, store: &mut dyn Store, rates: &Rates) -> Result<()> {
        loop {
            let page = store.read_log(self.seq, PAGE)?;
            if page.is_empty() {
                return Ok(());
            }
            for chunk in &page {
                for p in chunk.decode()? {
                    self.count(
                        p.timestamp,
                        p.sender_country.0,
                        p.receiver_country.0,
                        rates.to_usd(p.amount, p.currency),
                    );
                }
                self.seq = chunk.seq;
            }
        }
    }

    fn count(&mut self, at: Timestamp, from: [u8; 2], to: [u8; 2], usd: Option<f64>) {
        self.payments += 1;
        let usd_or_0 = usd.unwrap_or(0.0);
        let day = self.days.entry(at.div_euclid(DAY)).or_default();
        day.0 += 1;
        day.1 += usd_or_0;
        let c = self.corridors.entry((from, to)).or_default();
        c.0 += 1;
        c.1 += usd_or_0;
        match usd {
            Some(usd) => {
                let i = AMOUNT_BOUNDS_USD
                    .iter()
                    .position(|&b| usd < b)
                    .unwrap_or(AMOUNT_BOUNDS_USD.len());
                self.amounts[i] += 1;
            }
            None => self.unconverted += 1,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayCount {
    /// `YYYY-MM-DD`, UTC.
    pub day: String,
    pub count: u64,
    /// The payments' sum in USD (0 for alert counts).
    pub usd: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Corridor {
    /// ISO 3166 alpha-2 of the senders; `*` for the others summed.
    pub from: String,
    pub to: String,
    pub payments: u64,
    pub usd: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AmountBucket {
    /// USD, inclusive.
    pub from_usd: f64,
    /// USD, exclusive; `None` for the open last bucket.
    pub to_usd: Option<f64>,
    pub payments: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Funnel {
    /// Every stored alert, cleared ones included.
    pub alerts: u64,
    /// Alerts a case holds.
    pub alerts_in_cases: u64,
    pub cases: u64,
    pub reports_filed: u64,
    /// From the first alert of a filed report's case to its filing, hours;
    /// `None` before any report was filed.
    pub median_hours_to_report: Option<f64>,
    /// Filed reports that took at most [`REPORT_WITHIN_DAYS`] from their first alert.
    pub filed_within_deadline: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dashboard {
    pub payments: u64,
    pub payments_by_day: Vec<DayCount>,
    /// Highest number of payments first, then the others summed (`*`).
    pub corridors: Vec<Corridor>,
    pub amounts: Vec<AmountBucket>,
    /// Payments in a currency without a rate: counted, in no bucket.
    pub unconverted: u64,
    /// The published price of a show, USD (from, to).
    pub show_price_usd: (f64, f64),
    /// Alerts by the day they were raised.
    pub alerts_by_day: Vec<DayCount>,
    pub funnel: Funnel,
    pub report_within_days: f64,
}

/// The dashboard's figures; `actor` must be a user who may read alerts.
pub fn dashboard(
    store: &mut dyn Store,
    actor: &str,
    tally: &mut PaymentTally,
    rates: &Rates,
) -> Result<Dashboard> {
    // The role is checked by the store here, before the log is read.
    let alerts = store.alerts(actor)?;
    let cases = store.cases(actor)?;
    let reports = store.reports(None, actor)?;
    tally.catch_up(store, rates)?;

    let mut alert_days: BTreeMap<i64, u64> = BTreeMap::new();
    let mut raised: HashMap<i64, Timestamp> = HashMap::new();
    for a in &alerts {
        *alert_days.entry(a.created_at.div_euclid(DAY)).or_default() += 1;
        raised.insert(a.id, a.created_at);
    }
    let first_alert = case_starts(&raised, &cases);
    let mut hours: Vec<f64> = reports
        .iter()
        .filter_map(|r| Some((r.filed_at? - first_alert.get(&r.case_id)?) as f64 / 3600.0))
        .collect();
    hours.sort_by(f64::total_cmp);
    let median = median(&hours);

    let mut corridors: Vec<Corridor> = tally
        .corridors
        .iter()
        .map(|(&(from, to), &(payments, usd))| Corridor {
            from: code(from),
            to: code(to),
            payments,
            usd,
        })
        .collect();
    corridors.sort_by(|a, b| {
        b.payments
            .cmp(&a.payments)
            .then_with(|| (&a.from, &a.to).cmp(&(&b.from, &b.to)))
    });
    if corridors.len() > TOP_CORRIDORS {
        let rest = corridors.split_off(TOP_CORRIDORS);
        corridors.push(Corridor {
            from: "*".into(),
            to: "*".into(),
            payments: rest.iter().map(|c| c.payments).sum(),
            usd: rest.iter().map(|c| c.usd).sum(),
        });
    }
    let mut from = 0.0;
    let amounts = tally
        .amounts
        .iter()
        .enumerate()
        .map(|(i, &payments)| {
            let to = AMOUNT_BOUNDS_USD.get(i).copied();
            let b = AmountBucket {
                from_usd: from,
                to_usd: to,
                payments,
            };
            from = to.unwrap_or(from);
            b
        })
        .collect();

    Ok(Dashboard {
        payments: tally.payments,
        payments_by_day: tally
            .days
            .iter()
            .map(|(&d, &(count, usd))| DayCount {
                day: date(d),
                count,
                usd,
            })
            .collect(),
        corridors,
        amounts,
        unconverted: tally.unconverted,
        show_price_usd: SHOW_PRICE_USD,
        alerts_by_day: alert_days
            .iter()
            .map(|(&d, &count)| DayCount {
                day: date(d),
                count,
                usd: 0.0,
            })
            .collect(),
        funnel: Funnel {
            alerts: alerts.len() as u64,
            alerts_in_cases: alerts.iter().filter(|a| a.case_id.is_some()).count() as u64,
            cases: cases.len() as u64,
            reports_filed: hours.len() as u64,
            median_hours_to_report: median,
            filed_within_deadline: hours
                .iter()
                .filter(|&&h| h <= REPORT_WITHIN_DAYS * 24.0)
                .count() as u64,
        },
        report_within_days: REPORT_WITHIN_DAYS,
    })
}

/// Where each case's time to report starts: when its first alert was raised
/// (`raised`: alert id → time), or when it was opened if that was earlier.
pub(crate) fn case_starts(
    raised: &HashMap<i64, Timestamp>,
    cases: &[spur_store::Case],
) -> HashMap<i64, Timestamp> {
    cases
        .iter()
        .filter_map(|c| {
            c.alerts
                .iter()
                .filter_map(|id| raised.get(id))
                .min()
                .map(|&t| (c.id, t.min(c.created_at)))
        })
        .collect()
}

/// The median of sorted values; `None` for none.
pub(crate) fn median(sorted: &[f64]) -> Option<f64> {
    match sorted.len() {
        0 => None,
        n if n % 2 == 1 => Some(sorted[n / 2]),
        n => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

fn code(c: [u8; 2]) -> String {
    String::from_utf8_lossy(&c).into_owned()
}

fn date(day: i64) -> String {
    spur_engine::time::rfc3339(day * DAY)[..10].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_fall_in_their_buckets_and_unknown_currencies_in_none() {
        let mut t = PaymentTally::default();
        for usd in [5.0, 19.99, 20.0, 149.0, 150.0, 9_999.0] {
            t.count(0, *b"US", *b"PH", Some(usd));
        }
        t.count(DAY, *b"US", *b"PH", None);
        assert_eq!(t.amounts, [1, 1, 1, 0, 1, 1, 0, 0, 0, 1]);
        assert_eq!(t.unconverted, 1);
        assert_eq!(t.payments, 7);
        assert_eq!(t.days.len(), 2);
        assert_eq!(t.corridors[&(*b"US", *b"PH")].0, 7);
    }
}
