//! The workbench's API over HTTP, on SQLite and on PostgreSQL: paging
//! through the lists with filters, an alert and a party with what stands
//! behind them, a case taken to a filed goAML report with four eyes, the
//! users an admin manages, and the 404 and 409 answers. All data synthetic.
//!
//! The tests are grouped by subject, one file each under tests/workbench/;
//! the seed and the helpers they share are here.

#[macro_use]
mod common;

use std::sync::Arc;

use common::{Backend, TestServer, T0};
use serde_json::Value;
use spur_engine::{Alert, Finding, Role};
use spur_store::{IngestedTxn, ManualClock, PaymentRecord};

const CODES: &[&str] = &["P-SHARED", "R-RING", "P-FREQ"];
const COUNTRIES: &[&str] = &["PH", "CA", "AU"];

/// 30 alerts as a scan stores them: sender S-i paid receiver R-i once
/// (txn t-i, the evidence of both); scores tie in fives; codes and
/// countries in turn. Written behind the running server, as a scan into
/// the same database is.
fn seed(server: &TestServer) {
    let mut s = spur_store::open(&server.db, Arc::new(ManualClock::new(T0))).expect("open");
    let mut alerts = Vec::new();
    let mut payments = Vec::new();
    for i in 0..15usize {
        let txn = format!("t-{i:02}");
        payments.push(PaymentRecord {
            txn_id: txn.clone(),
            timestamp: T0 - 3_600 * (i as i64 + 1),
            amount: 40.0 + i as f64,
            currency: "USD".into(),
            sender_id: format!("S-{i:02}"),
            sender_name: format!("Sender Number{i}"),
            sender_country: COUNTRIES[i % 3].into(),
            receiver_id: format!("R-{i:02}"),
            receiver_name: format!("Receiver Number{i}"),
            receiver_country: "PH".into(),
            channel: "remittance".into(),
            message: "for load".into(),
        });
        for (role, prefix) in [(Role::Sender, "S"), (Role::Receiver, "R")] {
            let score = [0.55, 0.65, 0.75, 0.85, 0.95][i % 5];
            alerts.push(Alert {
                subject: format!("{prefix}-{i:02}"),
                role,
                score,
                country: COUNTRIES[(i + usize::from(role == Role::Receiver)) % 3].into(),
                indicators: vec![Finding {
                    code: CODES[i % 3].into(),
                    contribution: score,
                    reason: "pays several unrelated young women at night".into(),
                    parties: vec![],
                }],
                context: vec![],
                transactions: vec![txn.clone()],
                payments: 1,
                first_seen: T0 - 86_400,
                last_seen: T0,
            });
        }
    }
    let txns: Vec<IngestedTxn<'_>> = payments
        .iter()
        .map(|p| IngestedTxn {
            txn_id: &p.txn_id,
            digest: [7; 32],
        })
        .collect();
    s.commit_scan_batch_with_payments(&txns, &alerts, &payments, b"state", 0)
        .expect("seed the alerts");
}

/// Every page of `path` (which may carry filters) at `limit` a page, as
/// `who`; checks that every page but the last is full. Returns the items.
fn walk(server: &TestServer, path: &str, limit: usize, who: &str) -> Vec<Value> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    for page in 1.. {
        let url = match &cursor {
            Some(c) => format!("{path}{sep}limit={limit}&cursor={c}"),
            None => format!("{path}{sep}limit={limit}"),
        };
        let answer = server.get(&url, Some(who));
        assert_eq!(answer.status, 200, "{url}: {answer:?}");
        let body = answer.json();
        let got = body["items"].as_array().expect("items").clone();
        assert!(got.len() <= limit, "{url}");
        items.extend(got.iter().cloned());
        match body["next_cursor"].as_str() {
            Some(c) => {
                assert_eq!(got.len(), limit, "{url}: a cursor on a page not full");
                cursor = Some(c.to_owned());
            }
            None => {
                assert!(body["next_cursor"].is_null(), "{url}");
                break;
            }
        }
        assert!(page < 1_000, "{url}: paging does not end");
    }
    items
}

fn ids(items: &[Value]) -> Vec<i64> {
    items
        .iter()
        .map(|v| v["id"].as_i64().expect("id"))
        .collect()
}

/// A call that must answer `status`; returns its JSON.
#[track_caller]
fn ok(
    server: &TestServer,
    method: &str,
    path: &str,
    who: &str,
    body: Option<&str>,
    status: u16,
) -> Value {
    let answer = server.call(method, path, Some(who), body);
    assert_eq!(
        answer.status, status,
        "{method} {path} as {who}: {answer:?}"
    );
    answer.json()
}

// The tests in files of their own, by subject (tests/workbench/).
#[path = "workbench/detail.rs"]
mod detail;
#[path = "workbench/document.rs"]
mod document;
#[path = "workbench/page.rs"]
mod page;
#[path = "workbench/paging.rs"]
mod paging;
#[path = "workbench/refusals.rs"]
mod refusals;
#[path = "workbench/reports.rs"]
mod reports;
#[path = "workbench/users.rs"]
mod users;
