//! `spur census` between three institutions in memory (the peers' halves
//! called directly; crates/spur-server/tests/census.rs runs it over HTTP):
//! the histories the hub counts are those of the three plain lists, every
//! peer checks and keeps them, nothing in the messages names a party, and
//! a hub that skips a step or misstates a peer's list is refused. All
//! synthetic: one simulated world split between three sending firms.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use spur_app::matching::census::{
    histories_csv, lists, run, serve_blind, serve_finish, serve_start, Blinded, CensusPeer,
    CensusStarted, FinishCensus, PendingCensus, StartCensus,
};
use spur_app::matching::protocol::Peer;
use spur_app::matching::transcript::Transcript;
use spur_app::matching::RUNS_PER_HOUR;
use spur_app::scan::{self, ScanOptions};
use spur_app::AppError;
use spur_engine::EngineConfig;
use spur_store::{ManualClock, Store, UserRole};

const T0: i64 = 1_767_571_200;

/// One simulated world split between three sending firms, as `spur
/// simulate --institutions 3` splits it; each firm's database scanned.
fn split_world(dir: &tempfile::TempDir) -> [String; 3] {
    let cfg = spur_sim::SimConfig {
        senders: 1500,
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
    let firms = firms.map(|b| String::from_utf8(b).unwrap());
    let names = ["a", "b", "c"];
    let mut dbs = names.map(|_| String::new());
    for (i, csv) in firms.iter().enumerate() {
        let db = dir
            .path()
            .join(format!("{}.db", names[i]))
            .display()
            .to_string();
        let mut s = spur_store::open(&db, Arc::new(ManualClock::new(T0))).unwrap();
        s.add_user("ada", UserRole::Admin, "ada").unwrap();
        s.add_user("ana", UserRole::Analyst, "ada").unwrap();
        s.add_user("hub", UserRole::Peer, "ada").unwrap();
        let input = dir.path().join(format!("{}.csv", names[i]));
        std::fs::write(&input, csv).unwrap();
        let opts = ScanOptions {
            input,
            format: None,
            alerts: None,
            rejects: dir.path().join(format!("{}-rejects.csv", names[i])),
            max_rejects: Some(0),
            progress: None,
            now: T0 + 365 * 86_400,
            profile: spur_io::Profile::default(),
            model: None,
        };
        scan::run(&opts, EngineConfig::default(), Some(s)).unwrap();
        dbs[i] = db;
    }
    dbs
}

fn open(db: &str) -> Box<dyn Store> {
    spur_store::open(db, Arc::new(ManualClock::new(T0 + 100))).unwrap()
}

/// A peer's half over its store, in memory; every body kept.
struct InMemory {
    store: Box<dyn Store>,
    pending: Option<PendingCensus>,
    bodies: Rc<RefCell<Vec<String>>>,
}

impl Peer for InMemory {
    fn post(&mut self, route: &str, body: &str) -> Result<String, AppError> {
        self.bodies.borrow_mut().push(body.to_owned());
        let cfg = EngineConfig::default();
        let answer = if route == "/v1/census" {
            let req: StartCensus = serde_json::from_str(body)?;
            let (answer, pending) =
                serve_start(&mut *self.store, &cfg, "hub", &req, RUNS_PER_HOUR)?;
            self.pending = Some(pending);
            serde_json::to_string(&answer)?
        } else if route.ends_with("/blind") {
            let req: Blinded = serde_json::from_str(body)?;
            let pending = self.pending.as_mut().expect("a started census");
            serde_json::to_string(&serve_blind(pending, &req, spur_match::MAX_ITEMS)?)?
        } else {
            let req: FinishCensus = serde_json::from_str(body)?;
            let pending = self.pending.as_ref().expect("a started census");
            let run = serve_finish(&mut *self.store, "hub", pending, &req)?;
            serde_json::to_string(&serde_json::json!({ "census": run.id }))?
        };
        self.bodies.borrow_mut().push(answer.clone());
        Ok(answer)
    }
}

#[test]
fn three_institutions_learn_the_histories_of_their_lists_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let [a, b, c] = split_world(&dir);
    let cfg = EngineConfig::default();
    let plain_lists = [&a, &b, &c].map(|db| lists(&mut *open(db), &cfg).unwrap());

    let bodies = Rc::new(RefCell::new(Vec::new()));
    let mut pb = InMemory {
        store: open(&b),
        pending: None,
        bodies: bodies.clone(),
    };
    let mut pc = InMemory {
        store: open(&c),
        pending: None,
        bodies: bodies.clone(),
    };
    let mut peers = [
        CensusPeer {
            name: "http://b.example".into(),
            peer: &mut pb,
        },
        CensusPeer {
            name: "http://c.example".into(),
            peer: &mut pc,
        },
    ];
    let mut hub = open(&a);
    let report = run(&mut *hub, &cfg, "ana", &mut peers, &mut Transcript::none()).unwrap();
    let h = &report.histories;
    assert_eq!(h.lists, 3);
    // The same counts from the plain lists (spur-match's own tests check
    // the counting against a count of their own).
    let receivers: Vec<Vec<Vec<u8>>> = plain_lists.iter().map(|l| l.receivers.clone()).collect();
    let customers: Vec<Vec<Vec<u8>>> = plain_lists.iter().map(|l| l.customers.clone()).collect();
    assert_eq!(h.receivers, spur_match::histories(&receivers).unwrap());
    assert_eq!(h.customers, spur_match::histories(&customers).unwrap());
    // Not a vacuous world: suspects on all three lists in both roles.
    assert!(h.receivers[6] > 0 && h.customers[6] > 0, "{h:?}");

    // Every message is blinded values or counts: no party id, no name.
    let all = bodies.borrow().join("\n");
    for l in &plain_lists {
        for x in l.receivers.iter().chain(&l.customers) {
            let id =
                String::from_utf8_lossy(&x[x.iter().rposition(|&b| b == 0).map_or(0, |p| p + 1)..])
                    .into_owned();
            assert!(!all.contains(&id), "{id} crossed");
        }
    }

    // Both peers kept the histories in their audit logs; the hub its run.
    for db in [&b, &c] {
        let log = open(db).audit_log("ada").unwrap();
        let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
        assert!(actions.contains(&"census.serve"), "{actions:?}");
        let finish = log
            .iter()
            .find(|e| e.action == "census.finish")
            .expect("kept");
        assert!(
            finish
                .after
                .as_deref()
                .unwrap_or("")
                .contains(&format!("{:?}", h.receivers).replace(' ', "")),
            "{:?}",
            finish.after
        );
    }
    let log = open(&a).audit_log("ada").unwrap();
    assert!(log.iter().any(|e| e.action == "census.run"));
    // The histories as `spur estimate` reads them give the same cells.
    let p = dir.path().join("receivers.csv");
    std::fs::write(&p, histories_csv(3, &h.receivers)).unwrap();
    assert_eq!(
        spur_app::matching::histories::read(&p).unwrap(),
        (3, h.receivers.clone())
    );
}

#[test]
fn a_peer_refuses_a_census_run_out_of_order_or_misstated() {
    let dir = tempfile::tempdir().unwrap();
    let [_, b, _] = split_world(&dir);
    let cfg = EngineConfig::default();
    let mut store = open(&b);
    let start = |store: &mut dyn Store, lists| {
        serve_start(store, &cfg, "hub", &StartCensus { lists }, RUNS_PER_HOUR)
    };
    for lists in [1, 6] {
        let e = start(&mut *store, lists).err().expect("refused");
        assert!(e.to_string().contains("2 to 5"), "{e}");
    }
    // Only a peer may serve.
    let e = serve_start(&mut *store, &cfg, "ana", &StartCensus { lists: 3 }, 10)
        .err()
        .unwrap();
    assert!(e.to_string().contains("may not"), "{e}");

    let (started, mut pending): (CensusStarted, PendingCensus) = start(&mut *store, 3).unwrap();
    let own_r = started.receivers.len() as u64;
    let own_c = started.customers.len() as u64;
    let cells = |r: u64, c: u64| FinishCensus {
        list: 2,
        // Everything of ours on list 2 alone (history 010).
        receivers: vec![0, r, 0, 0, 0, 0, 0],
        customers: vec![0, c, 0, 0, 0, 0, 0],
    };
    // Finishing before the other two lists went through our secret.
    let e = serve_finish(&mut *store, "hub", &pending, &cells(own_r, own_c)).unwrap_err();
    assert!(e.to_string().contains("not been blinded"), "{e}");
    let empty = Blinded {
        receivers: vec![],
        customers: vec![],
    };
    let bad = Blinded {
        receivers: vec!["ff".repeat(32)],
        customers: vec![],
    };
    let e = serve_blind(&mut pending, &bad, 100).unwrap_err();
    assert!(e.to_string().contains("element 0"), "{e}");
    let over = Blinded {
        receivers: vec!["e2".repeat(32); 3],
        customers: vec![],
    };
    assert!(
        serve_blind(&mut pending, &over, 2).is_err(),
        "past max items"
    );
    serve_blind(&mut pending, &empty, 100).unwrap();
    serve_blind(&mut pending, &empty, 100).unwrap();
    let e = serve_blind(&mut pending, &empty, 100).unwrap_err();
    assert!(e.to_string().contains("finish it"), "a third blinding: {e}");
    // Histories that do not hold our list's size, of another shape, or that
    // name the hub's list as ours.
    let e = serve_finish(&mut *store, "hub", &pending, &cells(own_r + 1, own_c)).unwrap_err();
    assert!(
        e.to_string().contains(&format!("which holds {own_r}")),
        "{e}"
    );
    let mut short = cells(own_r, own_c);
    short.customers.pop();
    assert!(serve_finish(&mut *store, "hub", &pending, &short).is_err());
    let mut hub_list = cells(own_r, own_c);
    hub_list.list = 1;
    assert!(serve_finish(&mut *store, "hub", &pending, &hub_list).is_err());
    // Nothing was kept by the refusals; the right finish is.
    serve_finish(&mut *store, "hub", &pending, &cells(own_r, own_c)).unwrap();
    let finished = store
        .audit_log("ada")
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "census.finish")
        .count();
    assert_eq!(finished, 1);
    let e = serve_finish(&mut *store, "hub", &pending, &cells(own_r, own_c)).unwrap_err();
    assert!(e.to_string().contains("finished"), "{e}");
}
