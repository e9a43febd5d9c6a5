//! Which alerts an analyst asks for, and one alert with what stands behind it:
//! the filter and the detail view that the CLI and the later HTTP API share.

use std::collections::BTreeMap;

use serde::Serialize;
use spur_engine::{Role, Timestamp};

use crate::error::StoreError;
use crate::model::{AlertStatus, PaymentRecord, StoredAlert};
use crate::page::{PageRequest, MAX_LIMIT};
use crate::store::Store;

impl AlertStatus {
    pub fn of(a: &StoredAlert) -> AlertStatus {
        match (a.case_id, a.cleared_at) {
            (Some(_), _) => AlertStatus::InCase,
            (None, Some(_)) => AlertStatus::Cleared,
            (None, None) => AlertStatus::New,
        }
    }
}

/// Which alerts to list, filtered in SQL ([`crate::Store::alert_page`]).
/// Every field left `None` (or empty) lets all through; `statuses` empty
/// means the standing ones (`new` and `in_case`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AlertFilter {
    pub role: Option<Role>,
    /// At least this score.
    pub min_score: Option<f64>,
    /// An indicator code behind the alert, e.g. `P-SHARED` (case-insensitive).
    pub indicator: Option<String>,
    /// The party's country, ISO 3166 alpha-2 (case-insensitive).
    pub country: Option<String>,
    pub statuses: Vec<AlertStatus>,
    /// The user the alert's case is assigned to.
    pub assignee: Option<String>,
    /// The alerted party's id, exactly.
    pub subject: Option<String>,
}

/// The codes of the indicators behind an alert, strongest first.
pub fn indicator_codes(a: &StoredAlert) -> impl Iterator<Item = &str> {
    a.indicators
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["code"].as_str())
}

/// Every alert that passes `filter`, in id order: the pages of
/// [`Store::alert_page`] read to the end.
pub fn filtered_alerts(
    store: &mut dyn Store,
    filter: &AlertFilter,
    actor: &str,
) -> Result<Vec<StoredAlert>, StoreError> {
    let mut alerts = Vec::new();
    let mut request = PageRequest::first(MAX_LIMIT);
    loop {
        let page = store.alert_page(filter, &request, actor)?;
        alerts.extend(page.items);
        match page.next_cursor {
            Some(c) => request.cursor = Some(c),
            None => break,
        }
    }
    alerts.sort_by_key(|a| a.id);
    Ok(alerts)
}

/// One party on the other side of an alerted party's evidence payments.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Counterparty {
    pub id: String,
    pub name: String,
    pub country: String,
    pub payments: usize,
    /// Sum per currency (ISO 4217 code → amount), in code order.
    pub totals: BTreeMap<String, f64>,
    pub first: Timestamp,
    pub last: Timestamp,
}

/// An alert with the payments behind it and the parties it dealt with.
#[derive(Clone, Debug, Serialize)]
pub struct AlertDetail {
    pub alert: StoredAlert,
    /// The evidence payments the store holds, in time order.
    pub payments: Vec<PaymentRecord>,
    /// Evidence txn ids the store does not hold (ingested before payment
    /// details were kept, or by another system).
    pub missing: Vec<String>,
    /// Most payments first, then by id.
    pub counterparties: Vec<Counterparty>,
}

/// Reads alert `alert_id`, its evidence payments and its counterparties.
pub fn alert_detail(
    store: &mut dyn Store,
    alert_id: i64,
    actor: &str,
) -> Result<AlertDetail, StoreError> {
    let alert = store.alert(alert_id, actor)?;
    let ids: Vec<&str> = alert.transactions.iter().map(String::as_str).collect();
    let mut payments = store.payments(&ids, actor)?;
    payments.sort_by(|a, b| (a.timestamp, &a.txn_id).cmp(&(b.timestamp, &b.txn_id)));
    let held: std::collections::HashSet<&str> =
        payments.iter().map(|p| p.txn_id.as_str()).collect();
    let missing = ids
        .iter()
        .filter(|id| !held.contains(*id))
        .map(|id| (*id).to_owned())
        .collect();
    let counterparties = counterparties(&alert.subject, &payments);
    Ok(AlertDetail {
        alert,
        payments,
        missing,
        counterparties,
    })
}

/// The other sides of `party`'s payments, most payments first, then by id.
pub(crate) fn counterparties(party: &str, payments: &[PaymentRecord]) -> Vec<Counterparty> {
    let mut by_id: BTreeMap<&str, Counterparty> = BTreeMap::new();
    for p in payments {
        // The other side of the payment from the alerted party.
        let (id, name, country) = if p.sender_id == party {
            (&p.receiver_id, &p.receiver_name, &p.receiver_country)
        } else {
            (&p.sender_id, &p.sender_name, &p.sender_country)
        };
        let c = by_id.entry(id).or_insert_with(|| Counterparty {
            id: id.clone(),
            name: name.clone(),
            country: country.clone(),
            payments: 0,
            totals: BTreeMap::new(),
            first: p.timestamp,
            last: p.timestamp,
        });
        c.payments += 1;
        *c.totals.entry(p.currency.clone()).or_insert(0.0) += p.amount;
        c.first = c.first.min(p.timestamp);
        c.last = c.last.max(p.timestamp);
        if c.name.is_empty() {
            c.name.clone_from(name);
        }
    }
    let mut list: Vec<Counterparty> = by_id.into_values().collect();
    list.sort_by(|a, b| b.payments.cmp(&a.payments).then_with(|| a.id.cmp(&b.id)));
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counterparties_are_the_other_side_most_payments_first() {
        let pay = |txn: &str, to: &str, amount: f64, at: Timestamp| PaymentRecord {
            txn_id: txn.into(),
            timestamp: at,
            amount,
            currency: "AUD".into(),
            sender_id: "S1".into(),
            sender_name: "A".into(),
            sender_country: "AU".into(),
            receiver_id: to.into(),
            receiver_name: format!("name of {to}"),
            receiver_country: "PH".into(),
            channel: "remittance".into(),
            message: String::new(),
        };
        let list = counterparties(
            "S1",
            &[
                pay("T1", "R2", 10.0, 5),
                pay("T2", "R1", 20.0, 1),
                pay("T3", "R1", 30.0, 9),
            ],
        );
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].id, "R1");
        assert_eq!(list[0].payments, 2);
        assert_eq!(list[0].totals["AUD"], 50.0);
        assert_eq!((list[0].first, list[0].last), (1, 9));
        assert_eq!(list[1].id, "R2");
    }
}
