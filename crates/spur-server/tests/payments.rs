//! `POST /v1/payments` over HTTP, on SQLite and PostgreSQL: verdicts per
//! payment with the rejects file's reasons, durability across a restart,
//! and simulated traffic posted in batches ending with the alerts of the
//! engine run over the same payments at once.

#[macro_use]
mod common;

use std::ops::ControlFlow;
use std::sync::Arc;

use common::{eventually, Backend, TestServer};
use serde_json::{json, Value};
use spur_io::{JsonlPaymentReader, PaymentReader};

on_both! {
    one_payment_or_many_each_with_its_verdict,
    rejects_read_as_in_the_rejects_file,
    only_the_ingest_role_posts_payments,
    an_acknowledged_payment_survives_a_restart_and_is_then_a_duplicate,
    simulated_traffic_posted_in_batches_ends_with_the_alerts_of_one_scan,
    readyz_is_unsettled_as_soon_as_a_payment_is_acknowledged,
    concurrent_requests_share_group_commits,
    a_running_server_checkpoints_as_its_log_grows,
    posts_are_answered_while_a_settle_runs,
}

/// A settle runs beside the writer (the settler's thread), not between its
/// commits: with the settler held inside a settle, posts are still
/// answered, durable and scored, and `settled` stays false until the
/// settle's changes are stored; then the alerts it raised are in the store.
fn posts_are_answered_while_a_settle_runs(backend: Backend) {
    let gate = Arc::new(std::sync::Mutex::new(()));
    let limits = spur_server::Limits {
        settle_gate: Some(gate.clone()),
        ..spur_server::Limits::default()
    };
    let server = TestServer::with_settling(
        backend,
        "settling",
        limits,
        std::time::Duration::from_millis(1),
    );
    // Six customers abroad paying one receiver: a network finding that only
    // a settle raises (R-SENDERS, P-SHARED).
    let mut batch = Vec::new();
    for c in 0..6 {
        for i in 0..3 {
            let mut p = payment(&format!("H-{c}-{i}"), json!("25.00"));
            p["sender_id"] = json!(format!("S-H{c}"));
            p["timestamp"] = json!(format!("2026-01-0{}T2{i}:30:00Z", c + 1));
            p["receiver_country"] = json!("PH");
            batch.push(p);
        }
    }
    let held = gate.lock().unwrap();
    let first = post(&server, &Value::Array(batch[..9].to_vec()).to_string()).json();
    assert_eq!(first["accepted"], 9, "{first}");
    // The settler now waits at the gate with those payments (settle_after
    // 1 ms); the writer goes on.
    std::thread::sleep(std::time::Duration::from_millis(50));
    let started = std::time::Instant::now();
    let second = post(&server, &Value::Array(batch[9..].to_vec()).to_string()).json();
    assert_eq!(second["accepted"], 9, "{second}");
    assert!(
        second["results"][8]["receiver"]["score"].as_f64().is_some(),
        "scored while the settle runs: {second}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "answered without waiting for the settle"
    );
    assert_eq!(server.get("/readyz", None).json()["settled"], false);
    let mut store = spur_store::open(&server.db, Arc::new(spur_store::SystemClock)).unwrap();
    assert_eq!(store.log_head().unwrap().txns, 18, "both posts durable");
    drop(held);
    eventually("settled", || {
        server.get("/readyz", None).json()["settled"] == true
    });
    let engine = {
        let mut e = spur_engine::Engine::new(spur_engine::EngineConfig::default()).unwrap();
        let lines: String = batch.iter().map(|p| format!("{p}\n")).collect();
        let mut reader = JsonlPaymentReader::new(lines.as_bytes());
        reader
            .read_all(&mut |_, r| {
                e.push(&r.expect("valid")).expect("accepted");
                ControlFlow::Continue(())
            })
            .unwrap();
        e.finish().alerts
    };
    assert!(!engine.is_empty(), "the batch raises alerts");
    let mut stored: Vec<(String, f64)> = store
        .alerts("aud")
        .unwrap()
        .into_iter()
        .filter(|a| a.cleared_at.is_none())
        .map(|a| (a.subject, a.score))
        .collect();
    stored.sort_by(|a, b| a.0.cmp(&b.0));
    let mut expected: Vec<(String, f64)> =
        engine.into_iter().map(|a| (a.subject, a.score)).collect();
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(stored, expected, "the settle's alerts stored");
}

/// Clients posting at once are answered from shared commits: fewer
/// `submit` calls (one scoring sample each) than requests, every payment
/// accepted exactly once.
fn concurrent_requests_share_group_commits(backend: Backend) {
    let server = TestServer::start(backend, "group");
    let (clients, each) = (8, 25);
    std::thread::scope(|s| {
        for c in 0..clients {
            let server = &server;
            s.spawn(move || {
                for i in 0..each {
                    let mut p = payment(&format!("G-{c}-{i}"), json!("3.00"));
                    p["sender_id"] = json!(format!("S-{c}"));
                    let a = post(server, &p.to_string()).json();
                    assert_eq!(a["accepted"], 1, "{a}");
                }
            });
        }
    });
    let metrics = server.get("/metrics", None).body;
    let commits: u64 = metrics
        .lines()
        .find_map(|l| {
            l.strip_prefix("spur_scoring_duration_seconds_count ")?
                .parse()
                .ok()
        })
        .unwrap();
    let requests = (clients * each) as u64;
    assert!(
        commits >= 1 && commits < requests,
        "{commits} commits for {requests} requests"
    );
    let accepted = format!("spur_payments_total{{outcome=\"accepted\"}} {requests}");
    assert!(metrics.lines().any(|l| l == accepted), "{metrics}");
    let mut store = spur_store::open(&server.db, Arc::new(spur_store::SystemClock)).unwrap();
    assert_eq!(store.log_head().unwrap().txns, requests as i64);
}

/// Regression: the writer cleared `settled` after answering, so a client
/// reading /readyz right after its answer saw the previous settle's `true`.
fn readyz_is_unsettled_as_soon_as_a_payment_is_acknowledged(backend: Backend) {
    let server = TestServer::with_settling(
        backend,
        "unsettled",
        spur_server::Limits::default(),
        std::time::Duration::from_secs(3600),
    );
    assert_eq!(server.get("/readyz", None).json()["settled"], true);
    assert_eq!(
        post(&server, &payment("T-1", json!("1.00")).to_string()).json()["accepted"],
        1
    );
    let ready = server.get("/readyz", None).json();
    assert_eq!(
        (ready["ready"].clone(), ready["settled"].clone()),
        (json!(true), json!(false))
    );
    // A duplicate changes nothing that needs settling: still unsettled, not reset.
    post(&server, &payment("T-1", json!("1.00")).to_string());
    assert_eq!(server.get("/readyz", None).json()["settled"], false);
}

fn payment(txn: &str, amount: Value) -> Value {
    json!({
        "txn_id": txn,
        "timestamp": "2026-01-05T09:30:00Z",
        "amount": amount,
        "currency": "USD",
        "sender_id": "S-1",
        "sender_name": "Test Sender",
        "sender_country": "US",
        "receiver_id": "R-1",
        "receiver_name": "Test Receiver",
        "receiver_country": "PH",
        "channel": "remittance",
        "message": "synthetic"
    })
}

fn post(server: &TestServer, body: &str) -> common::Answer {
    server.call("POST", "/v1/payments", Some("ingest"), Some(body))
}

fn one_payment_or_many_each_with_its_verdict(backend: Backend) {
    let server = TestServer::start(backend, "verdicts");
    let one = post(&server, &payment("T-1", json!("45.10")).to_string());
    assert_eq!(one.status, 200, "{one:?}");
    let one = one.json();
    assert_eq!(
        (one["accepted"].as_u64(), one["rejected"].as_u64()),
        (Some(1), Some(0))
    );
    let r = &one["results"][0];
    assert_eq!(r["status"], "accepted");
    assert_eq!(
        (r["index"].as_u64(), r["txn_id"].as_str()),
        (Some(0), Some("T-1"))
    );
    assert_eq!(r["sender"]["id"], "S-1");
    assert_eq!(r["receiver"]["id"], "R-1");
    for side in ["sender", "receiver"] {
        let party = &r[side];
        assert_eq!(party["alerted"], false, "{party}");
        assert_eq!(party["settled"], false, "{party}");
        let score = party["score"].as_f64().unwrap();
        assert!((0.0..0.5).contains(&score), "{party}");
        // Its strongest findings (at most three) add up to no more than it.
        let reasons = party["reasons"].as_array().unwrap();
        assert!(reasons.len() <= 3, "{party}");
        let sum: f64 = reasons
            .iter()
            .map(|x| x["contribution"].as_f64().unwrap())
            .sum();
        assert!(sum <= score + 1e-9, "{party}");
    }

    let mut other = payment("T-1", json!(99));
    other["message"] = json!("changed");
    let many = json!([
        payment("T-2", json!(12.5)),    // amount as a number
        payment("T-3", json!("1,5")),   // unreadable amount
        payment("T-1", json!("45.10")), // the same again
        other,                          // a reused id with other content
        7,                              // not an object
        payment("T-2", json!(12.5)),    // twice in one request
    ]);
    // Pretty-printed: line breaks inside the elements do not matter.
    let answer = post(&server, &serde_json::to_string_pretty(&many).unwrap());
    assert_eq!(answer.status, 200, "{answer:?}");
    let a = answer.json();
    let statuses: Vec<(&str, Option<&str>)> = a["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["status"].as_str().unwrap(), r["field"].as_str()))
        .collect();
    assert_eq!(
        statuses,
        [
            ("accepted", None),
            ("rejected", Some("amount")),
            ("duplicate", None),
            ("rejected", Some("txn_id")),
            ("rejected", Some("record")),
            ("duplicate", None),
        ]
    );
    let indices: Vec<u64> = a["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["index"].as_u64().unwrap())
        .collect();
    assert_eq!(indices, [0, 1, 2, 3, 4, 5]);
    assert_eq!(a["results"][1]["txn_id"], "T-3");
    assert_eq!(a["results"][4]["txn_id"], Value::Null);
    assert!(a["results"][3]["reason"]
        .as_str()
        .unwrap()
        .contains("different content"));
    assert_eq!(
        (
            a["accepted"].as_u64(),
            a["duplicate"].as_u64(),
            a["rejected"].as_u64()
        ),
        (Some(1), Some(2), Some(3))
    );
    // An empty array is no payment at all.
    let empty = post(&server, "[]").json();
    assert_eq!(empty["results"], json!([]));
    // Not JSON at all: the request is malformed.
    post(&server, "{\"txn_id\": ").error(400, "malformed_body");
    post(&server, "txn_id,amount\nT-9,1").error(400, "malformed_body");
    let metrics = server.get("/metrics", None).body;
    for line in [
        "spur_payments_total{outcome=\"accepted\"} 2",
        "spur_payments_total{outcome=\"duplicate\"} 2",
        "spur_payments_total{outcome=\"rejected\"} 3",
    ] {
        assert!(metrics.lines().any(|l| l == line), "{line}\n{metrics}");
    }
    assert!(!metrics.contains("spur_scoring_duration_seconds_count 0"));
}

/// What spur-io's JSON Lines reader says of one record, as a scan's rejects file would.
fn reader_reject(line: &str) -> (String, String) {
    let mut got = None;
    JsonlPaymentReader::new(line.as_bytes())
        .read_all(&mut |_, r| {
            got = Some(r.err().map(|e| (e.field.to_owned(), e.reason)));
            ControlFlow::Continue(())
        })
        .unwrap();
    got.flatten().expect("the reader rejects it")
}

fn rejects_read_as_in_the_rejects_file(backend: Backend) {
    let server = TestServer::start(backend, "rejects");
    let mut cases = Vec::new();
    let mut bad = |field: &str, value: Value| {
        let mut p = payment(&format!("R-{}", cases.len()), json!("10.00"));
        p[field] = value;
        cases.push(p);
    };
    bad("amount", json!("-5"));
    bad("amount", json!("10.001"));
    bad("timestamp", json!("yesterday"));
    bad("currency", json!("US"));
    bad("sender_country", json!("USA"));
    bad("txn_id", json!("T\u{0007}1"));
    bad("receiver_id", json!(""));
    let answer = post(&server, &Value::Array(cases.clone()).to_string()).json();
    for (i, p) in cases.iter().enumerate() {
        let r = &answer["results"][i];
        let (field, reason) = reader_reject(&p.to_string());
        assert_eq!(r["status"], "rejected", "{p}: {r}");
        assert_eq!(r["field"], field.as_str(), "{p}");
        assert_eq!(r["reason"], reason.as_str(), "{p}");
    }
}

fn only_the_ingest_role_posts_payments(backend: Backend) {
    let server = TestServer::start(backend, "roles");
    let body = payment("T-1", json!("1.00")).to_string();
    for role in ["admin", "analyst", "supervisor", "auditor"] {
        let m = server
            .call("POST", "/v1/payments", Some(role), Some(&body))
            .error(403, "forbidden");
        assert!(m.contains("may not post payments"), "{m}");
    }
    server
        .call("POST", "/v1/payments", None, Some(&body))
        .error(401, "unauthenticated");
    assert_eq!(post(&server, &body).json()["accepted"], 1);
}

fn an_acknowledged_payment_survives_a_restart_and_is_then_a_duplicate(backend: Backend) {
    let mut server = TestServer::start(backend, "restart");
    let batch: Vec<Value> = (0..50)
        .map(|i| payment(&format!("T-{i}"), json!(format!("{}.00", 10 + i))))
        .collect();
    let body = Value::Array(batch).to_string();
    assert_eq!(post(&server, &body).json()["accepted"], 50);
    // Durable: in the store as soon as it was answered, before any shutdown.
    {
        let mut store = spur_store::open(&server.db, Arc::new(spur_store::SystemClock)).unwrap();
        let ids: Vec<String> = (0..50).map(|i| format!("T-{i}")).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        assert_eq!(store.known_txns(&ids).unwrap().len(), 50);
    }
    server.stop();
    // A graceful stop left a checkpoint at the log's end: the next start replays nothing.
    {
        let mut store = spur_store::open(&server.db, Arc::new(spur_store::SystemClock)).unwrap();
        let checkpoint = store.load_checkpoint().unwrap().expect("a checkpoint");
        assert_eq!(checkpoint.log_seq, store.log_head().unwrap().seq);
    }
    server.restart();
    let answer = post(&server, &body).json();
    assert_eq!(
        (answer["accepted"].as_u64(), answer["duplicate"].as_u64()),
        (Some(0), Some(50))
    );
}

/// A server that runs for long saves checkpoints as its log grows (after a
/// settle, past `checkpoint_after` payments), not only when it stops: a
/// kill replays at most that much of the log.
fn a_running_server_checkpoints_as_its_log_grows(backend: Backend) {
    let limits = spur_server::Limits {
        checkpoint_after: 40,
        ..spur_server::Limits::default()
    };
    let server = TestServer::with_limits(backend, "checkpoints", limits);
    let checkpoint = || {
        let mut store = spur_store::open(&server.db, Arc::new(spur_store::SystemClock)).unwrap();
        store.load_checkpoint().unwrap().map(|c| c.log_seq)
    };
    let body = |from: usize, n: usize| {
        let batch: Vec<Value> = (from..from + n)
            .map(|i| payment(&format!("C-{i}"), json!("25.00")))
            .collect();
        Value::Array(batch).to_string()
    };
    // Below the threshold: settled, but no checkpoint yet.
    assert_eq!(post(&server, &body(0, 30)).json()["accepted"], 30);
    eventually("settled", || {
        server.get("/readyz", None).json()["settled"] == true
    });
    assert_eq!(
        checkpoint(),
        None,
        "a checkpoint before 40 payments were logged"
    );
    // Past it: the next settle saves one at the log's end, the server still running.
    assert_eq!(post(&server, &body(30, 30)).json()["accepted"], 30);
    eventually("a checkpoint", || checkpoint().is_some());
    let mut store = spur_store::open(&server.db, Arc::new(spur_store::SystemClock)).unwrap();
    assert_eq!(checkpoint(), Some(store.log_head().unwrap().seq));
}

/// Simulated payments (CSV, in time order) as canonical JSON objects.
fn simulated(senders: usize, days: u32) -> Vec<Value> {
    let mut csv = Vec::new();
    let mut truth = Vec::new();
    let cfg = spur_sim::SimConfig {
        seed: 11,
        senders,
        days,
        ..spur_sim::SimConfig::default()
    };
    spur_sim::simulate(&cfg, &mut csv, &mut truth).unwrap();
    let mut reader = csv::Reader::from_reader(&csv[..]);
    let header = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            let mut o = serde_json::Map::new();
            for (k, v) in header.iter().zip(r.iter()) {
                if !v.is_empty() {
                    o.insert(k.to_owned(), Value::String(v.to_owned()));
                }
            }
            Value::Object(o)
        })
        .collect()
}

fn simulated_traffic_posted_in_batches_ends_with_the_alerts_of_one_scan(backend: Backend) {
    let payments = simulated(600, 60);
    assert!(payments.len() > 1000, "{}", payments.len());
    // The engine over the same payments at once, as a scan.
    let expected = {
        let text: String = payments.iter().map(|p| format!("{p}\n")).collect();
        let mut engine = spur_engine::Engine::new(spur_engine::EngineConfig::default()).unwrap();
        engine.set_now(spur_engine::MAX_TIMESTAMP);
        JsonlPaymentReader::new(text.as_bytes())
            .read_all(&mut |_, r| {
                engine.push(&r.unwrap()).unwrap();
                ControlFlow::Continue(())
            })
            .unwrap();
        let mut alerts: Vec<(String, String, String)> = engine
            .finish()
            .alerts
            .iter()
            .map(|a| {
                (
                    a.subject.clone(),
                    a.role.as_str().to_owned(),
                    format!("{:.6}", a.score),
                )
            })
            .collect();
        alerts.sort();
        alerts
    };
    assert!(!expected.is_empty(), "the simulated world raises alerts");

    let server = TestServer::start(backend, "traffic");
    let mut accepted = 0;
    for (i, chunk) in payments.chunks(700).enumerate() {
        // Some batches of one, the rest in hundreds.
        if i == 1 {
            for p in chunk {
                accepted += post(&server, &p.to_string()).json()["accepted"]
                    .as_u64()
                    .unwrap();
            }
        } else {
            let a = post(&server, &Value::Array(chunk.to_vec()).to_string()).json();
            assert_eq!(a["rejected"], 0, "{a}");
            accepted += a["accepted"].as_u64().unwrap();
        }
    }
    assert_eq!(accepted as usize, payments.len());
    eventually("the server settles", || {
        server.get("/readyz", None).json()["settled"] == true
    });
    let mut store = spur_store::open(&server.db, Arc::new(spur_store::SystemClock)).unwrap();
    let mut stored: Vec<(String, String, String)> = store
        .alerts("aud")
        .unwrap()
        .into_iter()
        .filter(|a| a.cleared_at.is_none())
        .map(|a| {
            (
                a.subject,
                a.role.as_str().to_owned(),
                format!("{:.6}", a.score),
            )
        })
        .collect();
    stored.sort();
    assert_eq!(stored, expected);
    // A party with an alert now says so, with its reasons.
    let (subject, role, _) = &expected[0];
    let metrics = server.get("/metrics", None).body;
    assert!(
        !metrics.contains("spur_alerts_raised_total 0\n"),
        "{metrics}"
    );
    let state_payments = format!("spur_state_payments {}", payments.len());
    assert!(metrics.lines().any(|l| l == state_payments), "{metrics}");
    assert!(!metrics.contains("spur_state_senders 0\n"), "{metrics}");
    let mut p = payments
        .iter()
        .find(|p| {
            p[if role == "sender" {
                "sender_id"
            } else {
                "receiver_id"
            }] == subject.as_str()
        })
        .unwrap()
        .clone();
    p["txn_id"] = json!("T-after");
    p["timestamp"] = payments.last().unwrap()["timestamp"].clone();
    let a = post(&server, &p.to_string()).json();
    let party = &a["results"][0][role.as_str()];
    assert_eq!(party["alerted"], true, "{a}");
    assert!(!party["reasons"].as_array().unwrap().is_empty(), "{a}");
}
