//! `spur match` between two stores in memory (the server's half called
//! directly; crates/spur-server/tests/matching.rs runs it over HTTP): both
//! learn the same intersection, evidence crosses for matched items only, the
//! transcript holds no identifier of ours, and re-scoring raises a party
//! both institutions see.

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;
use std::sync::Arc;

use spur_app::matching::protocol::{serve_finish, serve_start, Peer, Pending};
use spur_app::matching::run::{run, MatchOptions};
use spur_app::matching::transcript::Transcript;
use spur_app::matching::wire::{FinishRequest, StartRequest};
use spur_app::matching::{Mode, LOWER_SCORE, RUNS_PER_HOUR};
use spur_app::scan::{self, ScanOptions};
use spur_app::AppError;
use spur_engine::{EngineConfig, Role};
use spur_store::{ManualClock, Store, UserRole};

const T0: i64 = 1_767_571_200;

/// A receiver paid by 8 unrelated customers abroad: 4 pay through firm A,
/// 4 through firm B, so each firm sees half its fan-in. One person's wallet
/// under another id at each firm (R-WALLET-A, R-WALLET-B), known by the same
/// phone written two ways, paid by the same customers; another person's
/// account under another id at each firm (R-NAMED-A, R-NAMED-B), known by
/// the same name written two ways. Plus parties each firm has alone.
fn payments(firm: &str, senders: std::ops::Range<u32>) -> String {
    let mut s = String::from(
        "txn_id,timestamp,amount,currency,sender_id,sender_name,sender_country,receiver_id,receiver_name,receiver_country,receiver_phone\n",
    );
    let (phone, name) = if firm == "A" {
        ("+63 917 123 4567", "Maria Cristina Dela Cruz")
    } else {
        ("+639171234567", "DELA CRUZ, MARIA CRISTINA")
    };
    let mut n = 0;
    for k in senders {
        for day in 0..3 {
            n += 1;
            s.push_str(&format!(
                "{firm}-{n},2026-01-{:02}T20:{:02}:00Z,25.00,USD,S-{k},,US,R-SHARED,,PH,\n",
                5 + day * 3,
                k % 60
            ));
            n += 1;
            s.push_str(&format!(
                "{firm}-{n},2026-01-{:02}T21:{:02}:00Z,30.00,USD,S-{k},,US,R-WALLET-{firm},,PH,{phone}\n",
                5 + day * 3,
                k % 60
            ));
            n += 1;
            s.push_str(&format!(
                "{firm}-{n},2026-01-{:02}T22:{:02}:00Z,35.00,USD,S-{k},,US,R-NAMED-{firm},\"{name}\",PH,\n",
                5 + day * 3,
                k % 60
            ));
        }
        n += 1;
        s.push_str(&format!(
            "{firm}-{n},2026-01-20T10:00:00Z,300.00,USD,S-{k},,US,{firm}-ONLY-{k},,GB,\n"
        ));
    }
    s
}

fn store_with(dir: &tempfile::TempDir, firm: &str, csv: &str) -> String {
    let db = dir.path().join(format!("{firm}.db")).display().to_string();
    let mut s = spur_store::open(&db, Arc::new(ManualClock::new(T0))).unwrap();
    s.add_user("ada", UserRole::Admin, "ada").unwrap();
    s.add_user("ana", UserRole::Analyst, "ada").unwrap();
    s.add_user("peer-a", UserRole::Peer, "ada").unwrap();
    let input = dir.path().join(format!("{firm}.csv"));
    std::fs::write(&input, csv).unwrap();
    let opts = ScanOptions {
        input,
        format: None,
        alerts: Some(dir.path().join(format!("{firm}.jsonl"))),
        rejects: dir.path().join(format!("{firm}-rejects.csv")),
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

/// The server's half over a store, called in memory; every body kept.
struct InMemory {
    store: Box<dyn Store>,
    pending: Option<Pending>,
    max_items: usize,
    bodies: Rc<RefCell<Vec<String>>>,
}

impl Peer for InMemory {
    fn post(&mut self, route: &str, body: &str) -> Result<String, AppError> {
        self.bodies.borrow_mut().push(body.to_owned());
        let answer = if route == "/v1/match/runs" {
            let req: StartRequest = serde_json::from_str(body)?;
            let (answer, pending) = serve_start(
                &mut *self.store,
                &EngineConfig::default(),
                "peer-a",
                &req,
                self.max_items,
                RUNS_PER_HOUR,
                LOWER_SCORE,
            )?;
            self.pending = Some(pending);
            serde_json::to_string(&answer)?
        } else {
            let req: FinishRequest = serde_json::from_str(body)?;
            let pending = self.pending.take().expect("a started run");
            serde_json::to_string(&serve_finish(&mut *self.store, "peer-a", pending, &req)?)?
        };
        self.bodies.borrow_mut().push(answer.clone());
        Ok(answer)
    }
}

fn score(db: &str, id: &str) -> Option<f64> {
    open(db)
        .alerts("ada")
        .unwrap()
        .into_iter()
        .find(|a| a.subject == id && a.role == Role::Receiver && a.cleared_at.is_none())
        .map(|a| a.score)
}

struct Shared(Rc<RefCell<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_same_side_match_raises_the_shared_receiver_and_leaks_no_identifier() {
    let dir = tempfile::tempdir().unwrap();
    let a = store_with(&dir, "A", &payments("A", 0..4));
    let b = store_with(&dir, "B", &payments("B", 4..8));
    let before = score(&a, "R-SHARED");

    let bodies = Rc::new(RefCell::new(Vec::new()));
    let mut peer = InMemory {
        store: open(&b),
        pending: None,
        max_items: spur_match::MAX_ITEMS,
        bodies: bodies.clone(),
    };
    let written = Rc::new(RefCell::new(Vec::new()));
    let mut transcript = Transcript::to(Box::new(Shared(written.clone())));
    let opts = MatchOptions {
        peer_name: "http://bank-b.example",
        mode: Mode::SameSide,
        user: "ana",
        lower: LOWER_SCORE,
        facts: false,
    };
    let report = run(
        open(&a),
        &EngineConfig::default(),
        &mut peer,
        &opts,
        &mut transcript,
        T0 + 100,
    )
    .unwrap();
    // R-SHARED by its account, the wallet by its phone, the named account
    // by its name in its country.
    assert_eq!(report.learnt.matched, 3, "{report:?}");
    // Only the matched receivers are learnt about, one outside finding each.
    let ids: Vec<&str> = report
        .learnt
        .evidence
        .iter()
        .map(|e| e.party_id.as_str())
        .collect();
    assert_eq!(ids, ["R-NAMED-A", "R-SHARED", "R-WALLET-A"]);
    let kinds: Vec<&str> = report
        .learnt
        .evidence
        .iter()
        .map(|e| e.kind.as_str())
        .collect();
    assert_eq!(kinds, ["same_name", "same_party", "same_party"]);
    let wallet = score(&a, "R-WALLET-A").expect("the wallet alerted after the match");
    assert!(wallet > 0.0);
    let after = score(&a, "R-SHARED").expect("alerted after the match");
    assert!(after > before.unwrap_or(0.0), "{before:?} -> {after}");
    let alert = open(&a)
        .alerts("ada")
        .unwrap()
        .into_iter()
        .find(|x| x.subject == "R-SHARED")
        .unwrap();
    assert!(
        alert.indicators.to_string().contains("R-XMATCH"),
        "{}",
        alert.indicators
    );
    // The server stored what we told about its receivers, and only that.
    let theirs: Vec<String> = open(&b)
        .outside_evidence()
        .unwrap()
        .into_iter()
        .map(|e| e.party_id)
        .collect();
    assert_eq!(theirs, ["R-NAMED-B", "R-SHARED", "R-WALLET-B"]);

    // Not one of our identifiers, nor its hash's hex, in what crossed.
    let transcript = String::from_utf8(written.borrow().clone()).unwrap();
    assert_eq!(transcript.lines().count(), 4);
    let everything = bodies.borrow().join("\n") + &transcript;
    for id in [
        "R-SHARED",
        "R-WALLET",
        "9171234567",
        "delacruz",
        "Cristina",
        "S-0",
        "S-1",
        "A-ONLY-0",
        "A-1",
        "B-ONLY",
    ] {
        assert!(!everything.contains(id), "{id} crossed");
    }
}

#[test]
fn evidence_about_an_unmatched_item_or_too_many_items_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let b = store_with(&dir, "B", &payments("B", 4..8));
    let mut store = open(&b);
    let item = "ab".repeat(32);
    let req = StartRequest {
        mode: "same-side".into(),
        items: vec![item.clone(); 3],
        facts: false,
    };
    let e = serve_start(
        &mut *store,
        &EngineConfig::default(),
        "peer-a",
        &req,
        2,
        10,
        0.2,
    )
    .err()
    .unwrap();
    assert!(
        matches!(e, AppError::Match(spur_match::MatchError::TooMany { .. })),
        "{e}"
    );
    let e = serve_start(
        &mut *store,
        &EngineConfig::default(),
        "ana",
        &req,
        9,
        10,
        0.2,
    )
    .err()
    .unwrap();
    assert!(e.to_string().contains("may not serve match runs"), "{e}");

    // A real client item that matches nothing, then evidence about position 0.
    let side = spur_match::Side::new(&[b"nothing here".to_vec()]).unwrap();
    let req = StartRequest {
        mode: "same-side".into(),
        items: spur_app::matching::wire::to_hex(&side.offer()),
        facts: false,
    };
    let (started, pending) = serve_start(
        &mut *store,
        &EngineConfig::default(),
        "peer-a",
        &req,
        9,
        10,
        0.2,
    )
    .unwrap();
    let offer = spur_app::matching::wire::from_hex("offer", &started.offer).unwrap();
    let fin = FinishRequest {
        answer: spur_app::matching::wire::to_hex(&side.answer(&offer).unwrap()),
        evidence: vec![spur_app::matching::wire::Evidence {
            at: 0,
            role: "receiver".into(),
            band: 0.8,
            parties: 1,
            payments: 1,
        }],
        alerted: 0,
        alerted_senders: 0,
    };
    let e = serve_finish(&mut *store, "peer-a", pending, &fin)
        .err()
        .unwrap();
    assert!(e.to_string().contains("not a matched item"), "{e}");
    assert!(store.outside_evidence().unwrap().is_empty());
}

/// The same 18 payments at a sending firm and at the receiving institution:
/// six customers abroad paying one account three times each at night, each
/// amount its own. The receiving side writes its own txn ids unless
/// `same_ids`.
fn cross_border(firm: &str, same_ids: bool) -> String {
    let mut s = String::from(
        "txn_id,timestamp,amount,currency,sender_id,sender_country,receiver_id,receiver_country\n",
    );
    for k in 0..6u32 {
        for day in 0..3u32 {
            let n = k * 3 + day;
            let id = if same_ids {
                format!("UETR-{n}")
            } else {
                format!("{firm}-{n}")
            };
            s.push_str(&format!(
                "{id},2026-01-{:02}T22:{:02}:00Z,{}.{:02},USD,S-{k},US,R-FAC,PH\n",
                5 + day * 4,
                k * 7,
                30 + n,
                n
            ));
        }
    }
    s
}

/// A cross-border run between `a` and `b`, by facts too when `facts`; a's report.
fn cross_border_run(a: &str, b: &str, facts: bool) -> spur_app::matching::run::MatchReport {
    let mut peer = InMemory {
        store: open(b),
        pending: None,
        max_items: spur_match::MAX_ITEMS,
        bodies: Rc::new(RefCell::new(Vec::new())),
    };
    let opts = MatchOptions {
        peer_name: "http://wallet-b.example",
        mode: Mode::CrossBorder,
        user: "ana",
        lower: LOWER_SCORE,
        facts,
    };
    run(
        open(a),
        &EngineConfig::default(),
        &mut peer,
        &opts,
        &mut Transcript::none(),
        T0 + 100,
    )
    .unwrap()
}

#[test]
fn cross_border_payments_match_by_their_facts_when_ids_differ_and_count_once() {
    let dir = tempfile::tempdir().unwrap();
    // Other ids at each institution: only the facts (amount, currency, day) match.
    let a = store_with(&dir, "A", &cross_border("A", false));
    let b = store_with(&dir, "B", &cross_border("B", false));
    assert_eq!(
        cross_border_run(&a, &b, false).learnt.matched,
        0,
        "references only"
    );
    let report = cross_border_run(&a, &b, true);
    assert_eq!(report.learnt.matched, 18, "{report:?}");
    let s0 = report
        .learnt
        .evidence
        .iter()
        .find(|e| e.party_id == "S-0" && e.kind == "counterparty")
        .unwrap_or_else(|| panic!("no counterparty evidence for S-0: {report:?}"));
    assert_eq!((s0.parties, s0.payments), (1, 3), "{s0:?}");

    // The same ids too: each payment matches by its reference and by its
    // facts, and still counts once.
    let dir = tempfile::tempdir().unwrap();
    let a = store_with(&dir, "A", &cross_border("A", true));
    let b = store_with(&dir, "B", &cross_border("B", true));
    let report = cross_border_run(&a, &b, true);
    assert_eq!(report.learnt.matched, 36, "{report:?}");
    let s0 = report
        .learnt
        .evidence
        .iter()
        .find(|e| e.party_id == "S-0" && e.kind == "counterparty")
        .unwrap();
    assert_eq!((s0.parties, s0.payments), (1, 3), "{s0:?}");

    // Two payments of ours with the same facts name neither: with other ids
    // at the peer, neither matches.
    let twice = cross_border("A", false).replace(",30.00,", ",33.03,");
    let dir = tempfile::tempdir().unwrap();
    let a = store_with(&dir, "A", &twice);
    let b = store_with(&dir, "B", &cross_border("B", false));
    assert_eq!(cross_border_run(&a, &b, true).learnt.matched, 16);
}
