//! Match runs and outside evidence in the store (SQLite; the SQL is the
//! dialects' shared part): only a peer serves, at most `per_hour` runs an
//! hour, a run finishes once and only for its peer, evidence replaces the
//! peer's earlier evidence, and every run is audited.

use std::sync::Arc;

use spur_engine::Role;
use spur_store::{ManualClock, OutsideEvidence, StoreError, UserRole};

const T0: i64 = 1_767_571_200;

fn evidence(id: &str, band: f64) -> OutsideEvidence {
    OutsideEvidence {
        party_id: id.into(),
        role: Role::Receiver,
        kind: "same_party".into(),
        band,
        parties: 6,
        payments: 9,
    }
}

#[test]
fn runs_are_for_peers_rate_limited_finished_once_and_audited() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let mut s = spur_store::open(dir.path().join("m.db").to_str().unwrap(), clock.clone()).unwrap();
    s.add_user("ada", UserRole::Admin, "ada").unwrap();
    s.add_user("bank-b", UserRole::Peer, "ada").unwrap();
    s.add_user("bank-c", UserRole::Peer, "ada").unwrap();
    s.add_user("ana", UserRole::Analyst, "ada").unwrap();

    let e = s
        .begin_match_run("ana", "same-side", 10, 10, 2)
        .unwrap_err();
    assert!(
        matches!(
            e,
            StoreError::Forbidden {
                role: UserRole::Analyst,
                ..
            }
        ),
        "{e}"
    );
    let first = s.begin_match_run("bank-b", "same-side", 10, 12, 2).unwrap();
    s.begin_match_run("bank-b", "same-side", 10, 12, 2).unwrap();
    let e = s
        .begin_match_run("bank-b", "same-side", 10, 12, 2)
        .unwrap_err();
    assert_eq!(e.code(), "rate_limited", "{e}");
    // Another peer has its own budget; an hour later bank-b has its own back.
    s.begin_match_run("bank-c", "same-side", 1, 1, 2).unwrap();
    clock.advance(3601);
    s.begin_match_run("bank-b", "same-side", 1, 1, 2).unwrap();

    let empty = s.outside_evidence_mark().unwrap();
    let e = s.finish_match_run(first.id, "bank-c", 1, &[]).unwrap_err();
    assert_eq!(e.code(), "not_found", "another peer's run: {e}");
    s.finish_match_run(
        first.id,
        "bank-b",
        2,
        &[evidence("R1", 0.5), evidence("R2", 0.2)],
    )
    .unwrap();
    let e = s.finish_match_run(first.id, "bank-b", 2, &[]).unwrap_err();
    assert_eq!(e.code(), "match_run_finished", "{e}");
    assert_eq!(s.outside_evidence().unwrap().len(), 2);
    let two = s.outside_evidence_mark().unwrap();
    assert_ne!(two, empty, "a finished run");

    // A run of ours against the same peer name in the same mode replaces it.
    let bad = s.record_match_run(
        "ana",
        "bank-b",
        "same-side",
        3,
        4,
        1,
        &[evidence("R9", 1.5)],
        None,
    );
    assert_eq!(bad.unwrap_err().code(), "invalid_input");
    s.record_match_run(
        "ana",
        "bank-b",
        "same-side",
        3,
        4,
        1,
        &[evidence("R9", 0.8)],
        None,
    )
    .unwrap();
    let now: Vec<String> = s
        .outside_evidence()
        .unwrap()
        .into_iter()
        .map(|e| e.party_id)
        .collect();
    assert_eq!(now, ["R9"]);
    let replaced = s.outside_evidence_mark().unwrap();
    assert_ne!(replaced, two, "replaced by a run of ours");

    // Evidence about a receiver of the same name (matched by name and
    // country) is its own kind; a kind the store does not know is refused.
    let kind = |id: &str, kind: &str| OutsideEvidence {
        kind: kind.into(),
        ..evidence(id, 0.6)
    };
    let bad = s.record_match_run(
        "ana",
        "bank-b",
        "same-side",
        3,
        4,
        1,
        &[kind("R7", "namesake")],
        None,
    );
    assert_eq!(bad.unwrap_err().code(), "invalid_input");
    s.record_match_run(
        "ana",
        "bank-b",
        "same-side",
        3,
        4,
        2,
        &[kind("R7", "same_name"), kind("R9", "same_party")],
        None,
    )
    .unwrap();
    let kinds: Vec<(String, String)> = s
        .outside_evidence()
        .unwrap()
        .into_iter()
        .map(|e| (e.party_id, e.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("R7".to_owned(), "same_name".to_owned()),
            ("R9".to_owned(), "same_party".to_owned())
        ]
    );
    // A run that replaces as many rows as it found moves the mark too.
    let before = s.outside_evidence_mark().unwrap();
    s.record_match_run(
        "ana",
        "bank-b",
        "same-side",
        3,
        4,
        2,
        &[kind("R7", "same_name"), kind("R8", "same_party")],
        None,
    )
    .unwrap();
    assert_ne!(s.outside_evidence_mark().unwrap(), before);

    let actions: Vec<String> = s
        .audit_log("ada")
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .filter(|a| a.starts_with("match."))
        .collect();
    assert_eq!(
        actions,
        [
            "match.serve",
            "match.serve",
            "match.serve",
            "match.serve",
            "match.finish",
            "match.run",
            "match.run",
            "match.run"
        ]
    );
    assert_eq!(s.match_runs("ana").unwrap().len(), 7);

    // A same-side run keeps its alerted lists' sizes; impossible ones are refused.
    let lists = spur_store::MatchLists {
        receivers: [40, 43, 30],
        senders: [12, 15, 9],
    };
    let run = s
        .record_match_run("ana", "bank-b", "same-side", 3, 4, 2, &[], Some(&lists))
        .unwrap();
    assert_eq!(run.lists, Some(lists));
    assert_eq!(s.match_runs("ana").unwrap()[0].lists, Some(lists));
    let bad = spur_store::MatchLists {
        receivers: [4, 3, 5],
        senders: [0, 0, 0],
    };
    let e = s
        .record_match_run("ana", "bank-b", "same-side", 3, 4, 2, &[], Some(&bad))
        .unwrap_err();
    assert_eq!(e.code(), "invalid_input", "{e}");
    s.verify_audit().unwrap();
}
