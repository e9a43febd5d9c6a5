//! A census (`spur census`) in the store, on both backends: a match run of
//! mode `census`, served to a peer within its hourly limit and finished
//! once with histories of the right shape, or made by someone who works
//! cases; the histories kept in the audit entries.

use spur_store::{CensusHistories, StoreError, UserRole, CENSUS_MODE};

use super::{findings, Fixture};

conformance! {
    a_census_is_served_to_peers_finished_once_and_its_histories_audited,
    an_edited_match_run_is_named_and_an_upgrade_protects_the_runs_it_held,
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

/// What `spur stats` publishes of a run (its lists, a census's histories)
/// is covered by the audit chain: an edit in the database is named. A
/// database from before that (schema 17) gets a baseline of its runs on
/// upgrade.
fn an_edited_match_run_is_named_and_an_upgrade_protects_the_runs_it_held(f: &Fixture) {
    let mut s = f.open();
    s.add_user("ada", UserRole::Admin, "ada").unwrap();
    s.add_user("hub", UserRole::Peer, "ada").unwrap();
    s.add_user("ana", UserRole::Analyst, "ada").unwrap();
    let run = s.begin_match_run("hub", CENSUS_MODE, 5, 0, 2).unwrap();
    s.finish_census_run(run.id, "hub", &histories(3, 4))
        .unwrap();
    let made = s
        .record_census_run("ana", "http://b", 1, 1, &histories(3, 2))
        .unwrap();
    s.verify_audit().unwrap();
    f.sql(&format!(
        "UPDATE match_runs SET histories = REPLACE(histories, '2', '20') WHERE id = {}",
        made.id
    ));
    let said: Vec<String> = findings(&mut *s).into_iter().map(|x| x.message).collect();
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(
        said[0].starts_with(&format!(
            "match run {}: histories changed after audit entry",
            made.id
        )),
        "{said:?}"
    );
    f.sql(&format!(
        "UPDATE match_runs SET histories = REPLACE(histories, '20', '2') WHERE id = {}",
        made.id
    ));
    s.verify_audit().unwrap();
    drop(s);

    // Back to schema 17 with a run spur wrote then, without a row digest.
    f.sql("ALTER TABLE match_runs DROP COLUMN histories; DELETE FROM schema_version WHERE version > 17;");
    f.sql(
        "INSERT INTO match_runs (side, peer, actor, mode, started_at, finished_at, offered, \
         received, matched) VALUES ('made', 'http://c', 'ana', 'same-side', 1, 1, 3, 3, 1)",
    );
    let mut s = f.open();
    s.verify_audit().unwrap();
    let log = s.audit_log("ada").unwrap();
    let baseline = log.last().unwrap();
    assert_eq!(
        (baseline.actor.as_str(), baseline.action.as_str()),
        ("system", "audit.baseline")
    );
    f.sql("UPDATE match_runs SET matched = 2 WHERE peer = 'http://c'");
    let said: Vec<String> = findings(&mut *s).into_iter().map(|x| x.message).collect();
    // The baseline recorded its digest, not its view: the run is named.
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(
        said[0].ends_with(&format!(
            "differs from what audit entry {} recorded",
            baseline.id
        )),
        "{said:?}"
    );
}
