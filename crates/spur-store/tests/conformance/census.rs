//! A census (`spur census`) in the store, on both backends: a match run of
//! mode `census`, served to a peer within its hourly limit and finished
//! once with histories of the right shape, or made by someone who works
//! cases; the histories kept in the audit entries.

use spur_store::{CensusHistories, StoreError, UserRole, CENSUS_MODE};

use super::Fixture;

conformance! {
    a_census_is_served_to_peers_finished_once_and_its_histories_audited,
}

fn histories(lists: usize, seen: u64) -> CensusHistories {
    let cells = (1 << lists) - 1;
    let mut receivers = vec![0; cells];
    receivers[cells - 1] = seen;
    CensusHistories {
        lists,
        receivers,
        customers: vec![1; cells],
    }
}

fn a_census_is_served_to_peers_finished_once_and_its_histories_audited(f: &Fixture) {
    let mut s = f.open();
    s.add_user("ada", UserRole::Admin, "ada").unwrap();
    s.add_user("hub", UserRole::Peer, "ada").unwrap();
    s.add_user("other", UserRole::Peer, "ada").unwrap();
    s.add_user("ana", UserRole::Analyst, "ada").unwrap();
    s.add_user("aud", UserRole::Auditor, "ada").unwrap();

    assert_err!(
        s.begin_match_run("ana", CENSUS_MODE, 5, 0, 2),
        StoreError::Forbidden { .. }
    );
    let run = s.begin_match_run("hub", CENSUS_MODE, 5, 0, 2).unwrap();
    assert_eq!((run.mode.as_str(), run.side.as_str()), ("census", "served"));
    // Histories of another shape, or from another peer: refused, nothing kept.
    let mut short = histories(3, 4);
    short.customers.pop();
    assert_err!(
        s.finish_census_run(run.id, "hub", &short),
        StoreError::Invalid(_)
    );
    assert_err!(
        s.finish_census_run(run.id, "hub", &histories(6, 4)),
        StoreError::Invalid(_)
    );
    assert_err!(
        s.finish_census_run(run.id, "other", &histories(3, 4)),
        StoreError::NotFound { .. }
    );
    assert_err!(
        s.finish_census_run(run.id, "ana", &histories(3, 4)),
        StoreError::Forbidden { .. }
    );
    let done = s
        .finish_census_run(run.id, "hub", &histories(3, 4))
        .unwrap();
    // 4 receivers on all three lists and one customer in each of 7 cells.
    assert_eq!(done.matched, Some(11));
    assert_eq!(done.histories, Some(histories(3, 4)), "kept with the run");
    assert_err!(
        s.finish_census_run(run.id, "hub", &histories(3, 4)),
        StoreError::MatchRunFinished(_)
    );
    // A census counts toward the peer's hourly limit of match runs.
    s.begin_match_run("hub", "same-side", 1, 1, 2).unwrap();
    assert_err!(
        s.begin_match_run("hub", CENSUS_MODE, 5, 0, 2),
        StoreError::RateLimited { .. }
    );
    // A match run's finish is not a census's, nor the other way round.
    let matched = s.begin_match_run("other", "same-side", 1, 1, 2).unwrap();
    assert_err!(
        s.finish_census_run(matched.id, "other", &histories(3, 4)),
        StoreError::NotFound { .. }
    );

    // Made from our side: only those who work cases (and admins).
    assert_err!(
        s.record_census_run("aud", "http://b http://c", 9, 12, &histories(3, 2)),
        StoreError::Forbidden { .. }
    );
    let made = s
        .record_census_run("ana", "http://b http://c", 9, 12, &histories(3, 2))
        .unwrap();
    assert_eq!((made.side.as_str(), made.matched), ("made", Some(9)));
    let runs = s.match_runs("aud").unwrap();
    assert_eq!(
        runs[0].histories,
        Some(histories(3, 2)),
        "read back, newest first"
    );
    let log = s.audit_log("aud").unwrap();
    let of = |action: &str| log.iter().filter(|e| e.action == action).count();
    assert_eq!(
        (of("census.serve"), of("census.finish"), of("census.run")),
        (1, 1, 1)
    );
    let finish = log.iter().find(|e| e.action == "census.finish").unwrap();
    assert!(
        finish
            .after
            .as_deref()
            .unwrap()
            .contains("\"receivers\":[0,0,0,0,0,0,4]"),
        "{finish:?}"
    );
    // The audit chain holds over the new entries.
    s.verify_audit().unwrap();
}
