//! Many users at once on one database, over HTTP, on SQLite and on
//! PostgreSQL: an ingest stream posting payments while analysts work
//! cases, two of them on the same case. Nothing may be lost (every
//! payment accepted once, every note kept), no request may fail with a
//! 5xx (a deadlock or a serialization failure reaching the user), and the
//! audit chain must verify afterwards. All data synthetic.

mod common;

use std::sync::Arc;

use common::{Backend, TestServer, T0};
use spur_engine::{Alert, Finding, Role};
use spur_store::{IngestedTxn, ManualClock, PaymentRecord};

const ANALYSTS: usize = 4;
const CASES_EACH: usize = 5;
const NOTES: usize = 4;
const BATCHES: usize = 30;
const BATCH: usize = 25;

#[test]
fn sqlite_ingest_and_analysts_at_once() {
    at_once(Backend::Sqlite);
}

#[test]
fn postgres_ingest_and_analysts_at_once() {
    at_once(Backend::Postgres);
}

/// One alert per case each analyst works, plus the shared one.
fn seed(server: &TestServer, alerts: usize) {
    let mut s = spur_store::open(&server.db, Arc::new(ManualClock::new(T0))).expect("open");
    let mut stored = Vec::new();
    let mut payments = Vec::new();
    for i in 0..alerts {
        let txn = format!("seed-{i}");
        payments.push(PaymentRecord {
            txn_id: txn.clone(),
            timestamp: T0 - 3_600 * (i as i64 + 1),
            amount: 30.0,
            currency: "USD".into(),
            sender_id: format!("S-{i}"),
            sender_name: format!("Sender Number{i}"),
            sender_country: "US".into(),
            receiver_id: format!("R-{i}"),
            receiver_name: format!("Receiver Number{i}"),
            receiver_country: "PH".into(),
            channel: "wallet".into(),
            message: String::new(),
        });
        stored.push(Alert {
            subject: format!("S-{i}"),
            role: Role::Sender,
            score: 0.9,
            country: "US".into(),
            indicators: vec![Finding {
                code: "P-NIGHT".into(),
                contribution: 0.9,
                reason: "pays at night".into(),
                parties: vec![],
            }],
            context: vec![],
            transactions: vec![txn],
            payments: 1,
            first_seen: T0 - 86_400,
            last_seen: T0,
        });
    }
    let txns: Vec<IngestedTxn<'_>> = payments
        .iter()
        .map(|p| IngestedTxn {
            txn_id: &p.txn_id,
            digest: [7; 32],
        })
        .collect();
    s.commit_scan_batch_with_payments(&txns, &stored, &payments, b"state", 0)
        .expect("seed the alerts");
}

fn at_once(backend: Backend) {
    let mut server = TestServer::start(backend, "concurrent");
    let alerts = ANALYSTS * CASES_EACH + 1;
    seed(&server, alerts);
    let names: Vec<String> = (0..ANALYSTS).map(|i| format!("analyst{i}")).collect();
    for name in &names {
        let body = format!(r#"{{"name": "{name}", "role": "analyst"}}"#);
        assert_eq!(
            server
                .call("POST", "/v1/users", Some("admin"), Some(&body))
                .status,
            201
        );
        let token = server
            .call(
                "POST",
                "/v1/tokens",
                Some("admin"),
                Some(&format!(r#"{{"for": "{name}"}}"#)),
            )
            .json()["secret"]
            .as_str()
            .unwrap()
            .to_owned();
        server
            .tokens
            .insert(Box::leak(name.clone().into_boxed_str()), token);
    }
    let ids: Vec<i64> = server.get("/v1/alerts?limit=500", Some("admin")).json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), alerts);
    // The shared case: every analyst notes on it at the same time.
    let shared = server.call(
        "POST",
        "/v1/cases",
        Some("supervisor"),
        Some(&format!(r#"{{"alert": {}}}"#, ids[0])),
    );
    assert_eq!(shared.status, 201, "{shared:?}");
    let shared = shared.json()["id"].as_i64().unwrap();

    let server = &server;
    let answers: Vec<(String, u16, String)> = std::thread::scope(|scope| {
        let ingest = scope.spawn(move || {
            let mut bad = Vec::new();
            for b in 0..BATCHES {
                let items: Vec<String> = (0..BATCH)
                    .map(|i| {
                        let n = b * BATCH + i;
                        format!(
                            r#"{{"txn_id": "live-{n}", "timestamp": "2026-01-05T{:02}:{:02}:00Z", "amount": "25.00", "currency": "USD",
                                "sender_id": "L-{}", "sender_country": "GB", "receiver_id": "M-{}", "receiver_country": "PH"}}"#,
                            n / 60,
                            n % 60,
                            n % 97,
                            n % 13
                        )
                    })
                    .collect();
                let a = server.call("POST", "/v1/payments", Some("ingest"), Some(&format!("[{}]", items.join(","))));
                let accepted = a.status == 200 && a.json()["accepted"] == BATCH;
                if !accepted {
                    bad.push(("ingest".to_owned(), a.status, a.body.chars().take(400).collect()));
                }
            }
            bad
        });
        let workers: Vec<_> = names
            .iter()
            .enumerate()
            .map(|(w, name)| {
                let mine: Vec<i64> = ids[1 + w * CASES_EACH..1 + (w + 1) * CASES_EACH].to_vec();
                scope.spawn(move || {
                    let mut bad = Vec::new();
                    let mut check = |what: &str, a: common::Answer, ok: u16| {
                        if a.status != ok {
                            bad.push((
                                format!("{name} {what}"),
                                a.status,
                                a.body.chars().take(400).collect(),
                            ));
                        }
                        a
                    };
                    for alert in mine {
                        let c = check(
                            "open",
                            server.call(
                                "POST",
                                "/v1/cases",
                                Some(name),
                                Some(&format!(r#"{{"alert": {alert}}}"#)),
                            ),
                            201,
                        );
                        let Some(c) = c.json()["id"].as_i64() else {
                            continue;
                        };
                        let body = format!(r#"{{"assignee": "{name}"}}"#);
                        check(
                            "assign",
                            server.call(
                                "PUT",
                                &format!("/v1/cases/{c}/assignee"),
                                Some(name),
                                Some(&body),
                            ),
                            200,
                        );
                        for n in 0..NOTES {
                            let note = format!(r#"{{"text": "note {n} by {name}"}}"#);
                            check(
                                "note",
                                server.call(
                                    "POST",
                                    &format!("/v1/cases/{c}/notes"),
                                    Some(name),
                                    Some(&note),
                                ),
                                201,
                            );
                            check(
                                "shared note",
                                server.call(
                                    "POST",
                                    &format!("/v1/cases/{shared}/notes"),
                                    Some(name),
                                    Some(&note),
                                ),
                                201,
                            );
                        }
                        check(
                            "disposition",
                            server.call(
                                "PUT",
                                &format!("/v1/cases/{c}/disposition"),
                                Some(name),
                                Some(r#"{"disposition": "false_positive"}"#),
                            ),
                            200,
                        );
                        check(
                            "close",
                            server.call(
                                "POST",
                                &format!("/v1/cases/{c}/close"),
                                Some(name),
                                Some(r#"{"reason": "a shop's customer"}"#),
                            ),
                            200,
                        );
                    }
                    bad
                })
            })
            .collect();
        let mut bad = ingest.join().unwrap();
        for w in workers {
            bad.extend(w.join().unwrap());
        }
        bad
    });
    assert!(answers.is_empty(), "requests that failed: {answers:#?}");

    // Nothing lost: every note on the shared case, every case closed with its notes.
    let case = server
        .get(&format!("/v1/cases/{shared}"), Some("auditor"))
        .json();
    assert_eq!(
        case["case"]["notes"].as_array().unwrap().len(),
        ANALYSTS * CASES_EACH * NOTES
    );
    let closed = server
        .get("/v1/cases?status=closed&limit=500", Some("auditor"))
        .json();
    let closed = closed["items"].as_array().unwrap();
    assert_eq!(closed.len(), ANALYSTS * CASES_EACH);
    assert!(closed
        .iter()
        .all(|c| c["notes"].as_array().unwrap().len() == NOTES));
    // Every payment once: posting them again gives duplicates only.
    let again = r#"[{"txn_id": "live-0", "timestamp": "2026-01-05T00:00:00Z", "amount": "25.00", "currency": "USD",
        "sender_id": "L-0", "sender_country": "GB", "receiver_id": "M-0", "receiver_country": "PH"}]"#;
    assert_eq!(
        server
            .call("POST", "/v1/payments", Some("ingest"), Some(again))
            .json()["duplicate"],
        1
    );
    // And the audit chain holds over all of it.
    let mut store = spur_store::open(&server.db, Arc::new(ManualClock::new(T0))).expect("open");
    let summary = store.verify_audit().expect("the audit chain verifies");
    assert!(
        summary.entries as usize > ANALYSTS * CASES_EACH * (NOTES * 2 + 4),
        "{summary:?}"
    );
}
