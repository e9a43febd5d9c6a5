//! `spur match` over HTTP: the server on 127.0.0.1:0 answers a peer's run
//! from a store the client side scanned, with the client's own code
//! (`spur_app::matching`, ureq). Only a peer token may run; the set-size
//! and rate limits answer with the error table's codes; evidence crosses for
//! matched items only; the client's re-score raises the receiver both see;
//! the transcript holds none of the client's identifiers; the server's
//! running engine takes the evidence it stored. All synthetic.

#[macro_use]
mod common;

use std::sync::Arc;

use common::{Backend, TestServer, T0};
use spur_app::matching::http::HttpPeer;
use spur_app::matching::run::{run, MatchOptions};
use spur_app::matching::transcript::Transcript;
use spur_app::matching::{Mode, LOWER_SCORE};
use spur_app::scan::{self, ScanOptions};
use spur_engine::{EngineConfig, Role};
use spur_server::Limits;
use spur_store::{ManualClock, Store, UserRole};

on_both! {
    a_peer_matches_over_http_within_its_limits,
}

/// Payments of firm `firm`'s customers `senders`: three each to the one
/// receiver both firms pay (R-SHARED, in the evening), one each to a
/// receiver of its own.
fn rows(firm: &str, senders: std::ops::Range<u32>) -> Vec<[String; 8]> {
    let mut out = Vec::new();
    let mut n = 0;
    for k in senders {
        for day in 0..3 {
            n += 1;
            out.push([
                format!("{firm}-{n}"),
                format!("2026-01-{:02}T20:{:02}:00Z", 5 + day * 3, k % 60),
                "25.00".into(),
                "USD".into(),
                format!("S-{k}"),
                "US".into(),
                "R-SHARED".into(),
                "PH".into(),
            ]);
        }
        n += 1;
        out.push([
            format!("{firm}-{n}"),
            "2026-01-20T10:00:00Z".into(),
            "300.00".into(),
            "USD".into(),
            format!("S-{k}"),
            "US".into(),
            format!("{firm}-ONLY-{k}"),
            "GB".into(),
        ]);
    }
    out
}

/// The client side: firm A's store, scanned from a file.
fn client_store(dir: &tempfile::TempDir) -> String {
    let db = dir.path().join("a.db").display().to_string();
    let mut s = spur_store::open(&db, Arc::new(ManualClock::new(T0))).unwrap();
    s.add_user("ada", UserRole::Admin, "ada").unwrap();
    s.add_user("ana", UserRole::Analyst, "ada").unwrap();
    let mut csv = String::from(
        "txn_id,timestamp,amount,currency,sender_id,sender_country,receiver_id,receiver_country\n",
    );
    for r in rows("A", 0..4) {
        csv.push_str(&r.join(","));
        csv.push('\n');
    }
    let input = dir.path().join("a.csv");
    std::fs::write(&input, csv).unwrap();
    let opts = ScanOptions {
        input,
        format: None,
        alerts: Some(dir.path().join("a.jsonl")),
        rejects: dir.path().join("a-rejects.csv"),
        max_rejects: Some(0),
        progress: None,
        now: T0 + 90 * 86_400,
        profile: spur_io::Profile::default(),
        model: None,
    };
    scan::run(&opts, EngineConfig::default(), Some(s)).unwrap();
    db
}

fn open(db: &str) -> Box<dyn Store> {
    spur_store::open(db, Arc::new(ManualClock::new(T0 + 100))).unwrap()
}

fn receiver_score(db: &str, id: &str) -> Option<(f64, String)> {
    open(db)
        .alerts("ada")
        .unwrap()
        .into_iter()
        .find(|a| a.subject == id && a.role == Role::Receiver && a.cleared_at.is_none())
        .map(|a| (a.score, a.indicators.to_string()))
}

fn a_peer_matches_over_http_within_its_limits(backend: Backend) {
    let limits = Limits {
        match_items: 50,
        match_runs_per_hour: 2,
        ..Limits::default()
    };
    let server = TestServer::with_limits(backend, "match", limits);
    // Firm B (the server) takes its payments over the API.
    let body: Vec<String> = rows("B", 4..8)
        .into_iter()
        .map(|r| {
            format!(
                r#"{{"txn_id": "{}", "timestamp": "{}", "amount": "{}", "currency": "{}",
                   "sender_id": "{}", "sender_country": "{}", "receiver_id": "{}", "receiver_country": "{}"}}"#,
                r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]
            )
        })
        .collect();
    let posted = server.call(
        "POST",
        "/v1/payments",
        Some("ingest"),
        Some(&format!("[{}]", body.join(","))),
    );
    assert_eq!(posted.status, 200, "{posted:?}");

    let dir = tempfile::tempdir().unwrap();
    let a = client_store(&dir);
    let before = receiver_score(&a, "R-SHARED").map_or(0.0, |s| s.0);
    let opts = MatchOptions {
        peer_name: &server.base,
        mode: Mode::SameSide,
        user: "ana",
        lower: LOWER_SCORE,
        facts: false,
    };
    let cfg = EngineConfig::default();

    // A token of any other role is refused by the server.
    let mut wrong = HttpPeer::new(&server.base, &server.tokens["analyst"]);
    let e = run(
        open(&a),
        &cfg,
        &mut wrong,
        &opts,
        &mut Transcript::none(),
        T0 + 100,
    )
    .unwrap_err();
    assert!(e.to_string().contains("403 forbidden"), "{e}");

    // The peer's run, with its transcript.
    let path = dir.path().join("transcript.jsonl");
    let mut transcript = Transcript::to(Box::new(std::fs::File::create(&path).unwrap()));
    let mut peer = HttpPeer::new(&server.base, &server.tokens["peer"]);
    let report = run(open(&a), &cfg, &mut peer, &opts, &mut transcript, T0 + 100).unwrap();
    assert_eq!(report.learnt.matched, 1, "{report:?}");
    assert_eq!(
        report.learnt.offered, 5,
        "R-SHARED and four receivers of A's own"
    );
    let ids: Vec<&str> = report
        .learnt
        .evidence
        .iter()
        .map(|e| e.party_id.as_str())
        .collect();
    assert_eq!(
        ids,
        ["R-SHARED"],
        "evidence about the matched receiver only"
    );
    let (after, indicators) = receiver_score(&a, "R-SHARED").expect("alerted after");
    assert!(after > before, "{before} -> {after}");
    assert!(indicators.contains("R-XMATCH"), "{indicators}");

    // The server stored what A told about its R-SHARED; its running engine
    // reads it within about two settling intervals (no scan, no restart):
    // the stored alert and the party's standing carry R-XMATCH.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let alerts = server
            .get(
                "/v1/alerts?indicator=R-XMATCH&role=receiver",
                Some("analyst"),
            )
            .json();
        let subjects: Vec<&str> = alerts["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|a| a["subject"].as_str())
            .collect();
        if subjects == ["R-SHARED"] {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the server did not take the outside evidence: {alerts}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let party = server.get("/v1/parties/R-SHARED", Some("analyst")).json();
    assert!(party.to_string().contains("R-XMATCH"), "{party}");

    let transcript = std::fs::read_to_string(&path).unwrap();
    assert_eq!(transcript.lines().count(), 4, "{transcript}");
    for id in ["R-SHARED", "S-0", "S-3", "A-ONLY", "A-1"] {
        assert!(!transcript.contains(id), "{id} is in the transcript");
    }

    // Set-size limit: 51 items for a limit of 50.
    let item = format!("\"{}\"", "e2".repeat(32));
    let too_many = format!(
        r#"{{"mode": "same-side", "items": [{}]}}"#,
        vec![item.as_str(); 51].join(",")
    );
    server
        .call("POST", "/v1/match/runs", Some("peer"), Some(&too_many))
        .error(413, "too_many_items");
    // Evidence about an item that did not match: refused, nothing stored.
    let started = server.call(
        "POST",
        "/v1/match/runs",
        Some("peer"),
        Some(r#"{"mode": "same-side", "items": []}"#),
    );
    assert_eq!(started.status, 201, "{started:?}");
    let v = started.json();
    let answer: Vec<String> = v["offer"]
        .as_array()
        .unwrap()
        .iter()
        .map(|_| format!("\"{}\"", "e2".repeat(32)))
        .collect();
    let finish = format!(
        r#"{{"answer": [{}], "evidence": [{{"at": 0, "role": "receiver", "band": 0.8, "parties": 1, "payments": 1}}], "alerted": 0}}"#,
        answer.join(",")
    );
    let route = format!("/v1/match/runs/{}/finish", v["run"]);
    let refused = server.call("POST", &route, Some("peer"), Some(&finish));
    let message = refused.error(400, "invalid_input");
    assert!(message.contains("not a matched item"), "{message}");
    // Rate limit: two runs this hour were all this peer may start.
    let limited = server.call(
        "POST",
        "/v1/match/runs",
        Some("peer"),
        Some(r#"{"mode": "same-side", "items": []}"#),
    );
    limited.error(429, "rate_limited");
    assert!(limited.headers.contains_key("retry-after"), "{limited:?}");

    // Every run is audited on the server's side.
    let audit = server.get("/v1/audit?limit=200", Some("admin")).json();
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .filter(|a| a.starts_with("match."))
        .collect();
    assert_eq!(
        actions.iter().filter(|a| **a == "match.serve").count(),
        2,
        "{actions:?}"
    );
    assert_eq!(actions.iter().filter(|a| **a == "match.finish").count(), 1);
}
