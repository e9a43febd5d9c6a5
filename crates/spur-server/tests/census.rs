//! `spur census` over HTTP: two servers on 127.0.0.1:0 answer a third
//! institution's census with the client's own code (`spur_app::matching`,
//! ureq); the histories are those of the three plain lists, only a peer
//! token may serve, the transcript holds no identifier, and each server
//! keeps the histories in its audit log. All synthetic: one simulated
//! world split between three sending firms.

#[macro_use]
mod common;

use std::sync::Arc;

use common::{Backend, TestServer, T0};
use serde_json::Value;
use spur_app::matching::census::{lists, run, CensusPeer};
use spur_app::matching::http::HttpPeer;
use spur_app::matching::transcript::Transcript;
use spur_app::scan::{self, ScanOptions};
use spur_engine::EngineConfig;
use spur_store::{ManualClock, Store, UserRole};

on_both! {
    three_institutions_count_their_histories_over_http,
}

/// One simulated world split between three sending firms, as `spur
/// simulate --institutions 3` splits it: the header, then each firm's lines.
fn split_world() -> (String, [Vec<String>; 3]) {
    let cfg = spur_sim::SimConfig {
        senders: 900,
        seed: 7,
        ..Default::default()
    };
    let (mut csv, mut truth) = (Vec::new(), Vec::new());
    spur_sim::simulate(&cfg, &mut csv, &mut truth).unwrap();
    let mut firms: [Vec<u8>; 3] = Default::default();
    let mut truths: [Vec<u8>; 3] = Default::default();
    spur_sim::split(
        spur_sim::SplitMode::SameSide,
        7,
        &csv[..],
        &truth[..],
        firms
            .iter_mut()
            .map(|w| w as &mut dyn std::io::Write)
            .collect(),
        truths
            .iter_mut()
            .map(|w| w as &mut dyn std::io::Write)
            .collect(),
    )
    .unwrap();
    let text = firms.map(|b| String::from_utf8(b).unwrap());
    let header = text[0].lines().next().unwrap().to_owned();
    let lines = text.map(|t| t.lines().skip(1).map(str::to_owned).collect());
    (header, lines)
}

/// Posts CSV lines to a server as canonical JSON, in batches.
fn post(server: &TestServer, header: &str, lines: &[String]) {
    let names: Vec<&str> = header.split(',').collect();
    for batch in lines.chunks(1000) {
        let text = format!("{header}\n{}\n", batch.join("\n"));
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let objects: Vec<Value> = reader
            .records()
            .map(|r| {
                let r = r.unwrap();
                let mut o = serde_json::Map::new();
                for (k, v) in names.iter().zip(r.iter()) {
                    if !v.is_empty() {
                        o.insert((*k).to_owned(), Value::String(v.to_owned()));
                    }
                }
                Value::Object(o)
            })
            .collect();
        let body = serde_json::to_string(&objects).unwrap();
        let answer = server.call("POST", "/v1/payments", Some("ingest"), Some(&body));
        assert_eq!(answer.status, 200, "{answer:?}");
    }
}

fn hub_store(dir: &tempfile::TempDir, header: &str, lines: &[String]) -> String {
    let db = dir.path().join("a.db").display().to_string();
    let mut s = spur_store::open(&db, Arc::new(ManualClock::new(T0))).unwrap();
    s.add_user("ada", UserRole::Admin, "ada").unwrap();
    s.add_user("ana", UserRole::Analyst, "ada").unwrap();
    let input = dir.path().join("a.csv");
    std::fs::write(&input, format!("{header}\n{}\n", lines.join("\n"))).unwrap();
    let opts = ScanOptions {
        input,
        format: None,
        alerts: None,
        rejects: dir.path().join("a-rejects.csv"),
        max_rejects: Some(0),
        progress: None,
        now: T0 + 365 * 86_400,
        profile: spur_io::Profile::default(),
        model: None,
    };
    scan::run(&opts, EngineConfig::default(), Some(s)).unwrap();
    db
}

fn open(db: &str) -> Box<dyn Store> {
    spur_store::open(db, Arc::new(ManualClock::new(T0 + 100))).unwrap()
}

fn three_institutions_count_their_histories_over_http(backend: Backend) {
    let (header, [la, lb, lc]) = split_world();
    let b = TestServer::start(backend, "census_b");
    let c = TestServer::start(backend, "census_c");
    post(&b, &header, &lb);
    post(&c, &header, &lc);
    let dir = tempfile::tempdir().unwrap();
    let a = hub_store(&dir, &header, &la);
    let cfg = EngineConfig::default();

    // Any token but a peer's is refused by the server, before anything is kept.
    let mut wrong = HttpPeer::new(&b.base, &b.tokens["analyst"]);
    let mut peers = [CensusPeer {
        name: b.base.clone(),
        peer: &mut wrong,
    }];
    let e = run(
        &mut *open(&a),
        &cfg,
        "ana",
        &mut peers,
        &mut Transcript::none(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("403 forbidden"), "{e}");

    let path = dir.path().join("transcript.jsonl");
    let mut transcript = Transcript::to(Box::new(std::fs::File::create(&path).unwrap()));
    let (mut pb, mut pc) = (
        HttpPeer::new(&b.base, &b.tokens["peer"]),
        HttpPeer::new(&c.base, &c.tokens["peer"]),
    );
    let mut peers = [
        CensusPeer {
            name: b.base.clone(),
            peer: &mut pb,
        },
        CensusPeer {
            name: c.base.clone(),
            peer: &mut pc,
        },
    ];
    let report = run(&mut *open(&a), &cfg, "ana", &mut peers, &mut transcript).unwrap();
    drop(transcript);

    let plain_lists = [&a, &b.db, &c.db].map(|db| lists(&mut *open(db), &cfg).unwrap());
    let h = &report.histories;
    // The same counts from the plain lists (spur-match's own tests check
    // the counting against a count of their own).
    let receivers: Vec<Vec<Vec<u8>>> = plain_lists.iter().map(|l| l.receivers.clone()).collect();
    let customers: Vec<Vec<Vec<u8>>> = plain_lists.iter().map(|l| l.customers.clone()).collect();
    assert_eq!(h.receivers, spur_match::histories(&receivers).unwrap());
    assert_eq!(h.customers, spur_match::histories(&customers).unwrap());
    assert!(h.receivers[6] > 0 && h.customers[6] > 0, "{h:?}");

    // Start, two blindings and the finish with each server.
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 2 * 2 * 4, "{text}");
    for l in &plain_lists {
        for x in l.receivers.iter().chain(&l.customers) {
            let id = String::from_utf8_lossy(&x[x.iter().rposition(|&b| b == 0).unwrap() + 1..])
                .into_owned();
            assert!(!text.contains(&id), "{id} is in the transcript");
        }
    }

    // Each server kept the histories; a finished census is gone.
    for server in [&b, &c] {
        let audit = server.get("/v1/audit?limit=200", Some("admin")).json();
        let entries = audit["items"].as_array().unwrap();
        let actions: Vec<&str> = entries
            .iter()
            .filter_map(|e| e["action"].as_str())
            .filter(|a| a.starts_with("census."))
            .collect();
        assert_eq!(actions.len(), 2, "{actions:?}");
        assert!(actions.contains(&"census.serve") && actions.contains(&"census.finish"));
        let again = server.call(
            "POST",
            "/v1/census/1/finish",
            Some("peer"),
            Some(r#"{"list": 2, "receivers": [], "customers": []}"#),
        );
        again.error(404, "not_found");
    }
    // A bad start is refused with the error table's code.
    b.call("POST", "/v1/census", Some("peer"), Some(r#"{"lists": 9}"#))
        .error(400, "invalid_input");
}
