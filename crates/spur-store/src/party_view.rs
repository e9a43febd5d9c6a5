//! One party as the workbench draws it, from what the store keeps: its
//! alerts, its kept payments as a timeline, the parties it dealt with, and
//! the network of kept payments around it up to two hops, read in one
//! snapshot.
//!
//! The store keeps only evidence payments (data minimisation), so the
//! timeline and the network show what some alert cites, not every payment
//! the party made; `PartySummary` counts those.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;
use spur_engine::{Role, Timestamp};

use crate::alert_rows::{alert_from, ALERT_COLUMNS};
use crate::alert_view::{counterparties, Counterparty};
use crate::error::StoreError;
use crate::model::{AlertStatus, PaymentRecord, StoredAlert};
use crate::payment_rows::{payment_from, PAYMENT_COLUMNS};
use crate::sql::{params, Tx, Value};

/// How far the network reaches from the party, in payments.
pub const NETWORK_HOPS: u32 = 2;
/// The most parties the network holds; beyond, it is cut (`truncated`),
/// nearer parties first, so a hub's neighbourhood stays drawable.
pub const MAX_NETWORK_PARTIES: usize = 250;

/// Ids per `IN (...)` list.
const CHUNK: usize = 400;

/// What the kept payments say of a party.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PartySummary {
    /// As on its latest kept payment.
    pub name: String,
    pub country: String,
    pub payments_sent: usize,
    pub payments_received: usize,
    /// Sum per currency (ISO 4217 code → amount), in code order.
    pub sent: BTreeMap<String, f64>,
    pub received: BTreeMap<String, f64>,
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
}

/// An alert of a party in the network, enough to colour its node.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NodeAlert {
    pub id: i64,
    pub role: Role,
    pub score: f64,
    pub status: AlertStatus,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NetworkParty {
    pub id: String,
    pub name: String,
    pub country: String,
    /// Payments away from the party viewed: 0 for itself.
    pub hops: u32,
    /// Its stored alerts, by id.
    pub alerts: Vec<NodeAlert>,
}

/// The kept payments from one party to another, summed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NetworkLink {
    pub sender: String,
    pub receiver: String,
    pub payments: usize,
    /// Sum per currency, in code order.
    pub totals: BTreeMap<String, f64>,
    pub first: Timestamp,
    pub last: Timestamp,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Network {
    /// Nearest first, then by id.
    pub parties: Vec<NetworkParty>,
    /// Links between parties of the network, by sender then receiver.
    pub links: Vec<NetworkLink>,
    /// Whether parties beyond [`MAX_NETWORK_PARTIES`] were left out.
    pub truncated: bool,
}

/// A party with what stands behind it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PartyView {
    pub id: String,
    /// The side viewed; `None`: both.
    pub role: Option<Role>,
    pub summary: PartySummary,
    /// Its stored alerts in either role, by id.
    pub alerts: Vec<StoredAlert>,
    /// Its kept payments on the side viewed, by time then txn id.
    pub payments: Vec<PaymentRecord>,
    /// The other sides of those payments, most payments first.
    pub counterparties: Vec<Counterparty>,
    pub network: Network,
}

pub(crate) fn load(
    tx: &mut dyn Tx,
    party: &str,
    role: Option<Role>,
) -> Result<PartyView, StoreError> {
    let alerts = tx
        .query(
            &format!("SELECT {ALERT_COLUMNS} WHERE a.subject = $1 ORDER BY a.id"),
            params![party],
        )?
        .iter()
        .map(alert_from)
        .collect::<Result<Vec<_>, _>>()?;
    let all = payments_of(tx, party)?;
    if alerts.is_empty() && all.is_empty() {
        return Err(StoreError::not_found("party", party));
    }
    let payments: Vec<PaymentRecord> = all
        .iter()
        .filter(|p| match role {
            Some(Role::Sender) => p.sender_id == party,
            Some(Role::Receiver) => p.receiver_id == party,
            None => true,
        })
        .cloned()
        .collect();
    Ok(PartyView {
        id: party.to_owned(),
        role,
        summary: summary(party, &all),
        counterparties: counterparties(party, &payments),
        network: network(tx, party)?,
        alerts,
        payments,
    })
}

/// Every kept payment of the party, on either side, by time then txn id.
fn payments_of(tx: &mut dyn Tx, party: &str) -> Result<Vec<PaymentRecord>, StoreError> {
    tx.query(
        &format!(
            "SELECT {PAYMENT_COLUMNS} WHERE sender_id = $1 OR receiver_id = $1 ORDER BY paid_at, txn_id"
        ),
        params![party],
    )?
    .iter()
    .map(payment_from)
    .collect()
}

fn summary(party: &str, payments: &[PaymentRecord]) -> PartySummary {
    let mut s = PartySummary::default();
    for p in payments {
        // In time order: the latest payment's name and country stay.
        if p.sender_id == party {
            s.payments_sent += 1;
            *s.sent.entry(p.currency.clone()).or_insert(0.0) += p.amount;
            s.name.clone_from(&p.sender_name);
            s.country.clone_from(&p.sender_country);
        }
        if p.receiver_id == party {
            s.payments_received += 1;
            *s.received.entry(p.currency.clone()).or_insert(0.0) += p.amount;
            s.name.clone_from(&p.receiver_name);
            s.country.clone_from(&p.receiver_country);
        }
        s.first = Some(s.first.map_or(p.timestamp, |f| f.min(p.timestamp)));
        s.last = Some(s.last.map_or(p.timestamp, |l| l.max(p.timestamp)));
    }
    s
}

/// Breadth first over kept payments, both directions, up to
/// [`NETWORK_HOPS`] and [`MAX_NETWORK_PARTIES`].
fn network(tx: &mut dyn Tx, party: &str) -> Result<Network, StoreError> {
    let mut hops: HashMap<String, u32> = HashMap::from([(party.to_owned(), 0)]);
    let mut names: HashMap<String, (String, String)> = HashMap::new();
    let mut seen_txns: HashSet<String> = HashSet::new();
    let mut payments: Vec<PaymentRecord> = Vec::new();
    let mut frontier = vec![party.to_owned()];
    let mut truncated = false;
    for hop in 1..=NETWORK_HOPS {
        let mut next: Vec<String> = Vec::new();
        for p in touching(tx, &frontier)? {
            if !seen_txns.insert(p.txn_id.clone()) {
                continue;
            }
            for (id, name, country) in [
                (&p.sender_id, &p.sender_name, &p.sender_country),
                (&p.receiver_id, &p.receiver_name, &p.receiver_country),
            ] {
                names.insert(id.clone(), (name.clone(), country.clone()));
                if !hops.contains_key(id) {
                    next.push(id.clone());
                }
            }
            payments.push(p);
        }
        next.sort();
        next.dedup();
        let room = MAX_NETWORK_PARTIES.saturating_sub(hops.len());
        if next.len() > room {
            truncated = true;
            next.truncate(room);
        }
        for id in &next {
            hops.insert(id.clone(), hop);
        }
        frontier = next;
        if frontier.is_empty() {
            break;
        }
    }
    let mut links: BTreeMap<(String, String), NetworkLink> = BTreeMap::new();
    for p in &payments {
        if !hops.contains_key(&p.sender_id) || !hops.contains_key(&p.receiver_id) {
            continue;
        }
        let key = (p.sender_id.clone(), p.receiver_id.clone());
        let link = links.entry(key).or_insert_with(|| NetworkLink {
            sender: p.sender_id.clone(),
            receiver: p.receiver_id.clone(),
            payments: 0,
            totals: BTreeMap::new(),
            first: p.timestamp,
            last: p.timestamp,
        });
        link.payments += 1;
        *link.totals.entry(p.currency.clone()).or_insert(0.0) += p.amount;
        link.first = link.first.min(p.timestamp);
        link.last = link.last.max(p.timestamp);
    }
    let ids: Vec<String> = hops.keys().cloned().collect();
    let mut node_alerts = alerts_of(tx, &ids)?;
    let mut parties: Vec<NetworkParty> = hops
        .into_iter()
        .map(|(id, hops)| {
            let (name, country) = names.remove(&id).unwrap_or_default();
            NetworkParty {
                alerts: node_alerts.remove(&id).unwrap_or_default(),
                id,
                name,
                country,
                hops,
            }
        })
        .collect();
    parties.sort_by(|a, b| (a.hops, &a.id).cmp(&(b.hops, &b.id)));
    Ok(Network {
        parties,
        links: links.into_values().collect(),
        truncated,
    })
}

/// `(?, ?, ...)` for `n` values after the first `from`.
fn placeholders(from: usize, n: usize) -> String {
    let list: Vec<String> = (from + 1..=from + n).map(|i| format!("${i}")).collect();
    format!("({})", list.join(", "))
}

/// The kept payments sent or received by any of `parties`.
fn touching(tx: &mut dyn Tx, parties: &[String]) -> Result<Vec<PaymentRecord>, StoreError> {
    let mut out = Vec::new();
    for chunk in parties.chunks(CHUNK) {
        let list = placeholders(0, chunk.len());
        let values: Vec<Value> = chunk.iter().map(Value::from).collect();
        // The same values twice: the placeholders after the first list.
        let mut both = values.clone();
        both.extend(values);
        let list2 = placeholders(chunk.len(), chunk.len());
        for r in tx.query(
            &format!(
                "SELECT {PAYMENT_COLUMNS} WHERE sender_id IN {list} OR receiver_id IN {list2} \
                 ORDER BY paid_at, txn_id"
            ),
            &both,
        )? {
            out.push(payment_from(&r)?);
        }
    }
    Ok(out)
}

fn alerts_of(
    tx: &mut dyn Tx,
    parties: &[String],
) -> Result<HashMap<String, Vec<NodeAlert>>, StoreError> {
    let mut out: HashMap<String, Vec<NodeAlert>> = HashMap::new();
    for chunk in parties.chunks(CHUNK) {
        let values: Vec<Value> = chunk.iter().map(Value::from).collect();
        let sql = format!(
            "SELECT {ALERT_COLUMNS} WHERE a.subject IN {} ORDER BY a.id",
            placeholders(0, chunk.len())
        );
        for r in tx.query(&sql, &values)? {
            let a = alert_from(&r)?;
            out.entry(a.subject.clone()).or_default().push(NodeAlert {
                id: a.id,
                role: a.role,
                score: a.score,
                status: AlertStatus::of(&a),
            });
        }
    }
    Ok(out)
}
