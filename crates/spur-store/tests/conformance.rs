//! One conformance suite, run against every backend: each behaviour is a
//! function of a [`Fixture`], and `conformance!` turns it into a SQLite test
//! and a PostgreSQL test.
//!
//! PostgreSQL comes from `SPUR_TEST_PG` (a URL to a server where the tests
//! may create databases), which `scripts/test` sets after starting a server
//! on loopback. Without it the PostgreSQL tests fail: they never skip.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use spur_engine::{Alert, Finding, Role};
use spur_store::{
    AuditBreak, CaseStatus, Disposition, ManualClock, PaymentRecord, ReportStatus, Store,
    StoreError, UserRole, SCHEMA_VERSION,
};

// ---- fixtures ----

enum Kind {
    Sqlite,
    Postgres,
}

struct Fixture {
    kind: Kind,
    url: String,
    clock: Arc<ManualClock>,
    _dir: Option<tempfile::TempDir>,
}

/// 2026-01-05T00:00:00Z.
const T0: i64 = 1_767_571_200;

impl Fixture {
    fn sqlite() -> Fixture {
        let dir = tempfile::tempdir().expect("temp dir");
        // A folder that does not exist yet: open must create it.
        let url = format!("sqlite:{}", dir.path().join("nested/spur.db").display());
        Fixture {
            kind: Kind::Sqlite,
            url,
            clock: Arc::new(ManualClock::new(T0)),
            _dir: Some(dir),
        }
    }

    fn postgres(test: &str) -> Fixture {
        let base = std::env::var("SPUR_TEST_PG").unwrap_or_else(|_| {
            panic!(
                "SPUR_TEST_PG is not set: the PostgreSQL conformance tests need a server. \
                 Run them with scripts/test, which starts PostgreSQL on loopback and sets SPUR_TEST_PG"
            )
        });
        static SEQ: AtomicU32 = AtomicU32::new(0);
        let db = format!(
            "spur_{}_{}_{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::SeqCst),
            &test[..test.len().min(40)]
        );
        let mut admin = ::postgres::Client::connect(&base, ::postgres::NoTls)
            .unwrap_or_else(|e| panic!("cannot reach the PostgreSQL of SPUR_TEST_PG: {e}"));
        admin
            .batch_execute(&format!("CREATE DATABASE {db}"))
            .expect("create test database");
        Fixture {
            kind: Kind::Postgres,
            url: with_dbname(&base, &db),
            clock: Arc::new(ManualClock::new(T0)),
            _dir: None,
        }
    }

    fn open(&self) -> Box<dyn Store> {
        spur_store::open(&self.url, self.clock.clone()).expect("open store")
    }

    /// Raw SQL behind the store's back, as someone with database access could.
    fn raw(&self, sql: &str) -> Result<(), String> {
        match self.kind {
            Kind::Sqlite => {
                let path = self.url.trim_start_matches("sqlite:");
                let conn = rusqlite::Connection::open(path).map_err(|e| e.to_string())?;
                conn.execute_batch(sql).map_err(|e| e.to_string())
            }
            Kind::Postgres => {
                let mut client = ::postgres::Client::connect(&self.url, ::postgres::NoTls)
                    .map_err(|e| e.to_string())?;
                client.batch_execute(sql).map_err(|e| format!("{e:?}"))
            }
        }
    }

    fn sql(&self, sql: &str) {
        self.raw(sql)
            .unwrap_or_else(|e| panic!("raw SQL failed: {e}\n{sql}"));
    }

    /// What an attacker with database access does first.
    fn drop_audit_triggers(&self) {
        self.sql(match self.kind {
            Kind::Sqlite => "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;",
            Kind::Postgres => "DROP TRIGGER audit_log_append_only ON audit_log;",
        });
    }
}

/// The base URL with another database name, keeping user, host and options.
fn with_dbname(base: &str, db: &str) -> String {
    let (main, query) = match base.split_once('?') {
        Some((m, q)) => (m, Some(q)),
        None => (base, None),
    };
    let start = main.find("://").map_or(0, |i| i + 3);
    let end = main[start..].find('/').map_or(main.len(), |i| start + i);
    let mut url = format!("{}/{db}", &main[..end]);
    if let Some(q) = query {
        url.push('?');
        url.push_str(q);
    }
    url
}

macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[test] fn $name() { super::$name(&super::Fixture::sqlite()); } )*
        }
        mod postgres {
            $( #[test] fn $name() { super::$name(&super::Fixture::postgres(stringify!($name))); } )*
        }
    };
}

conformance! {
    migrations_run_on_open_and_once,
    newer_schema_is_refused,
    users_and_roles,
    txn_recording_is_idempotent,
    engine_state_round_trip,
    scan_batch_commits_txns_alerts_and_state,
    scan_batch_failing_midway_leaves_nothing,
    case_workflow,
    case_illegal_transitions_and_unknown_ids,
    four_eyes,
    auditor_reads_everything_and_changes_nothing,
    filed_report_is_immutable,
    audit_records_every_change_at_the_clock_time,
    audit_log_is_append_only_in_the_database,
    audit_detects_an_edited_entry,
    audit_detects_a_deleted_entry,
    audit_detects_entries_cut_from_the_end,
    audit_detects_swapped_entries,
    concurrent_writers_keep_one_chain,
    evidence_payments_are_kept_with_the_batch,
    a_whole_scan_clears_the_alerts_it_no_longer_raises,
    a_scan_started_before_another_was_stored_is_refused,
    fresh_database_opened_by_several_at_once_is_not_locked,
    opening_an_existing_database_refuses_to_create_one,
    verify_names_every_row_changed_behind_the_stores_back,
    edited_row_digests_break_the_chain,
    last_admin_cannot_be_disabled_or_demoted,
    audit_log_filters_and_readers,
    a_database_from_before_row_digests_gets_a_baseline,
}

// ---- helpers ----

fn alert(subject: &str, role: Role, score: f64, txns: &[&str]) -> Alert {
    Alert {
        subject: subject.into(),
        role,
        score,
        country: "PH".into(),
        indicators: vec![Finding {
            code: "P-SHARED",
            contribution: score,
            reason: "pays a receiver that many risky senders pay".into(),
            parties: vec!["R-1".into()],
        }],
        context: vec![],
        transactions: txns.iter().map(|t| t.to_string()).collect(),
        payments: txns.len() as u32,
        first_seen: T0 - 86_400,
        last_seen: T0,
    }
}

/// An admin, two analysts, two supervisors and an auditor.
fn staff(s: &mut dyn Store) {
    s.add_user("ada", UserRole::Admin, "ada").unwrap();
    for (name, role) in [
        ("ana", UserRole::Analyst),
        ("alex", UserRole::Analyst),
        ("sue", UserRole::Supervisor),
        ("sam", UserRole::Supervisor),
        ("aud", UserRole::Auditor),
    ] {
        s.add_user(name, role, "ada").unwrap();
    }
}

/// Staff plus three alerts; returns their ids.
fn with_alerts(s: &mut dyn Store) -> Vec<i64> {
    staff(s);
    let batch = s
        .commit_scan_batch(
            &["t1", "t2", "t3"],
            &[
                alert("S-1", Role::Sender, 0.9, &["t1"]),
                alert("S-2", Role::Sender, 0.8, &["t2"]),
                alert("R-1", Role::Receiver, 0.95, &["t1", "t2", "t3"]),
            ],
            b"state",
        )
        .unwrap();
    batch.alerts_created
}

fn audit_len(s: &mut dyn Store) -> usize {
    s.audit_log("aud").unwrap().len()
}

fn expect_break(s: &mut dyn Store, entry_id: i64) -> AuditBreak {
    match s.verify_audit() {
        Err(StoreError::AuditBreak(b)) => {
            assert_eq!(b.entry_id, entry_id, "{b}");
            b
        }
        other => panic!("expected an audit break at {entry_id}, got {other:?}"),
    }
}

macro_rules! assert_err {
    ($result:expr, $pattern:pat) => {
        match $result {
            Err(e @ $pattern) => e,
            other => panic!("expected {}, got {other:?}", stringify!($pattern)),
        }
    };
}

// ---- the suite ----

fn migrations_run_on_open_and_once(f: &Fixture) {
    let mut s = f.open();
    assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
    s.add_user("ada", UserRole::Admin, "ada").unwrap();
    drop(s);
    // Reopening applies nothing again and keeps the data.
    let mut s = f.open();
    assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(s.user("ada").unwrap().role, UserRole::Admin);
}

fn newer_schema_is_refused(f: &Fixture) {
    drop(f.open());
    f.sql(&format!(
        "INSERT INTO schema_version (version, applied_at) VALUES ({}, 0)",
        SCHEMA_VERSION + 1
    ));
    let err = match spur_store::open(&f.url, f.clock.clone()) {
        Err(e) => e,
        Ok(_) => panic!("a newer schema was opened"),
    };
    assert!(
        matches!(err, StoreError::SchemaTooNew { found, supported } if found == SCHEMA_VERSION + 1 && supported == SCHEMA_VERSION),
        "{err:?}"
    );
    assert_eq!(err.code(), "schema_too_new");
    let message = err.to_string();
    assert!(
        message.contains("newer") && message.contains("upgrade spur"),
        "{message}"
    );
}

fn users_and_roles(f: &Fixture) {
    let mut s = f.open();
    assert_err!(
        s.add_user("ana", UserRole::Analyst, "ana"),
        StoreError::FirstUserNotAdmin
    );
    s.add_user("ada", UserRole::Admin, "ada").unwrap();
    s.add_user("ana", UserRole::Analyst, "ada").unwrap();
    assert_err!(
        s.add_user("ana", UserRole::Supervisor, "ada"),
        StoreError::UserExists(_)
    );
    assert_err!(
        s.add_user("bob", UserRole::Analyst, "ana"),
        StoreError::Forbidden {
            role: UserRole::Analyst,
            ..
        }
    );
    assert_err!(
        s.add_user("bob", UserRole::Analyst, "nobody"),
        StoreError::UnknownUser(_)
    );
    assert_err!(
        s.add_user(" ", UserRole::Analyst, "ada"),
        StoreError::Invalid(_)
    );
    assert_err!(
        s.add_user("system", UserRole::Analyst, "ada"),
        StoreError::Invalid(_)
    );
    let ana = s.set_user_role("ana", UserRole::Supervisor, "ada").unwrap();
    assert_eq!(ana.role, UserRole::Supervisor);
    assert_eq!(s.user("ana").unwrap().role, UserRole::Supervisor);
    assert_err!(
        s.set_user_role("ana", UserRole::Admin, "ana"),
        StoreError::Forbidden { .. }
    );
    assert_err!(
        s.set_user_role("ada", UserRole::Analyst, "ada"),
        StoreError::LastAdmin(_)
    );
    assert_err!(s.user("nobody"), StoreError::UnknownUser(_));
    let names: Vec<_> = s
        .users("ana")
        .unwrap()
        .into_iter()
        .map(|u| u.name)
        .collect();
    assert_eq!(names, ["ada", "ana"]);
}

fn txn_recording_is_idempotent(f: &Fixture) {
    let mut s = f.open();
    assert_eq!(s.record_txns(&["a", "b", "c"]).unwrap(), 3);
    assert_eq!(s.record_txns(&["b", "c", "d", "d"]).unwrap(), 1);
    assert_eq!(s.record_txns(&[]).unwrap(), 0);
    assert_err!(s.record_txns(&["e", ""]), StoreError::Invalid(_));
    assert_eq!(
        s.record_txns(&["e"]).unwrap(),
        1,
        "a refused batch recorded nothing"
    );
    // More than one insert statement's worth, overlapping what is there.
    let many: Vec<String> = (0..1234).map(|i| format!("m{i}")).collect();
    let mut refs: Vec<&str> = many.iter().map(String::as_str).collect();
    refs.push("a");
    assert_eq!(s.record_txns(&refs).unwrap(), 1234);
    drop(s);
    let mut s = f.open();
    assert_eq!(s.record_txns(&refs).unwrap(), 0);
    assert_eq!(s.record_txns(&["a", "m0", "m1233", "new"]).unwrap(), 1);
}

fn engine_state_round_trip(f: &Fixture) {
    let mut s = f.open();
    assert_eq!(s.load_engine_state().unwrap(), None);
    assert_eq!(s.save_engine_state(b"one").unwrap(), 1);
    let one = s.load_engine_state().unwrap().unwrap();
    assert_eq!(
        (one.version, one.saved_at, one.blob.as_slice()),
        (1, T0, &b"one"[..])
    );
    let every_byte: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
    f.clock.advance(60);
    assert_eq!(s.save_engine_state(&every_byte).unwrap(), 2);
    drop(s);
    let two = f.open().load_engine_state().unwrap().unwrap();
    assert_eq!((two.version, two.saved_at), (2, T0 + 60));
    assert!(two.blob == every_byte, "the blob came back changed");
    f.open().save_engine_state(b"").unwrap();
    assert_eq!(f.open().load_engine_state().unwrap().unwrap().blob, b"");
}

fn scan_batch_commits_txns_alerts_and_state(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    let b1 = s
        .commit_scan_batch(
            &["t1", "t2"],
            &[
                alert("S-1", Role::Sender, 0.7, &["t1"]),
                alert("R-1", Role::Receiver, 0.9, &["t1", "t2"]),
            ],
            b"s1",
        )
        .unwrap();
    assert_eq!(
        (
            b1.new_txns,
            b1.alerts_created.len(),
            b1.alerts_updated.len(),
            b1.state_version
        ),
        (2, 2, 0, 1)
    );
    let alerts = s.alerts("ana").unwrap();
    assert_eq!(alerts.len(), 2);
    let r1 = alerts.iter().find(|a| a.subject == "R-1").unwrap();
    assert_eq!(
        (r1.role, r1.score, r1.country.as_str()),
        (Role::Receiver, 0.9, "PH")
    );
    assert_eq!(r1.transactions, ["t1", "t2"]);
    assert_eq!(r1.indicators[0]["code"], "P-SHARED");
    assert_eq!(r1.body["subject"], "R-1");
    assert_eq!(
        (r1.first_seen, r1.last_seen, r1.case_id),
        (T0 - 86_400, T0, None)
    );

    // The next batch overlaps: old txns count nothing, the same party's alert is updated.
    f.clock.advance(3600);
    let b2 = s
        .commit_scan_batch(
            &["t2", "t3"],
            &[alert("R-1", Role::Receiver, 0.95, &["t1", "t2", "t3"])],
            b"s2",
        )
        .unwrap();
    assert_eq!(
        (b2.new_txns, b2.alerts_created.len(), b2.state_version),
        (1, 0, 2)
    );
    assert_eq!(b2.alerts_updated, [r1.id]);
    let r1 = s.alert(r1.id, "aud").unwrap();
    assert_eq!(
        (
            r1.score,
            r1.transactions.len(),
            r1.created_at,
            r1.updated_at
        ),
        (0.95, 3, T0, T0 + 3600)
    );
    assert_eq!(s.alerts("aud").unwrap().len(), 2);
    assert_eq!(s.record_txns(&["t1", "t2", "t3"]).unwrap(), 0);
    assert_eq!(s.load_engine_state().unwrap().unwrap().blob, b"s2");
    assert_err!(
        s.commit_scan_batch(&["t9"], &[alert("X", Role::Sender, f64::NAN, &[])], b"s3"),
        StoreError::Invalid(_)
    );
}

fn scan_batch_failing_midway_leaves_nothing(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    s.commit_scan_batch(
        &["t1"],
        &[alert("S-1", Role::Sender, 0.7, &["t1"])],
        b"before",
    )
    .unwrap();
    let audited = audit_len(&mut *s);
    // The database refuses the batch's second alert, after its txns and first alert were written.
    f.sql(match f.kind {
        Kind::Sqlite => {
            "CREATE TRIGGER boom BEFORE INSERT ON alerts WHEN NEW.subject = 'boom' \
             BEGIN SELECT RAISE(ABORT, 'injected failure'); END;"
        }
        Kind::Postgres => {
            "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN IF NEW.subject = 'boom' THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$; \
             CREATE TRIGGER boom BEFORE INSERT ON alerts FOR EACH ROW EXECUTE FUNCTION boom();"
        }
    });
    let err = assert_err!(
        s.commit_scan_batch(
            &["t2", "t3", "t4"],
            &[
                alert("S-2", Role::Sender, 0.8, &["t2"]),
                alert("boom", Role::Sender, 0.8, &["t3"])
            ],
            b"after",
        ),
        StoreError::Database(_)
    );
    assert!(
        format!("{err}").contains("injected failure")
            || format!("{err:?}").contains("injected failure")
    );
    drop(s);
    let mut s = f.open();
    let subjects: Vec<_> = s
        .alerts("aud")
        .unwrap()
        .into_iter()
        .map(|a| a.subject)
        .collect();
    assert_eq!(subjects, ["S-1"]);
    let state = s.load_engine_state().unwrap().unwrap();
    assert_eq!((state.version, state.blob.as_slice()), (1, &b"before"[..]));
    assert_eq!(audit_len(&mut *s), audited);
    s.verify_audit().unwrap();
    assert_eq!(
        s.record_txns(&["t1", "t2", "t3", "t4"]).unwrap(),
        3,
        "none of the failed batch's txns were kept"
    );
}

fn case_workflow(f: &Fixture) {
    let mut s = f.open();
    let alerts = with_alerts(&mut *s);
    f.clock.advance(60);
    let case = s.open_case(alerts[0], "ana").unwrap();
    assert_eq!(
        (case.status, case.disposition),
        (CaseStatus::Open, Disposition::Undetermined)
    );
    assert_eq!(
        (
            case.alerts.as_slice(),
            case.opened_by.as_str(),
            case.created_at
        ),
        (&alerts[..1], "ana", T0 + 60)
    );
    let id = case.id;
    // A ring's members gather in one case.
    assert_eq!(
        s.add_alert(id, alerts[2], "ana").unwrap().alerts,
        [alerts[0], alerts[2]]
    );
    assert_eq!(s.alert(alerts[2], "ana").unwrap().case_id, Some(id));
    assert_eq!(
        s.assign(id, "alex", "ana").unwrap().assignee.as_deref(),
        Some("alex")
    );
    f.clock.advance(60);
    let noted = s
        .note(id, "the receiver cashes out within minutes", "alex")
        .unwrap();
    assert_eq!(noted.notes.len(), 1);
    assert_eq!(
        (noted.notes[0].author.as_str(), noted.notes[0].at),
        ("alex", T0 + 120)
    );
    assert_eq!(noted.updated_at, T0 + 120);
    assert_eq!(
        s.set_status(id, CaseStatus::Investigating, "alex")
            .unwrap()
            .status,
        CaseStatus::Investigating
    );
    assert_eq!(
        s.set_status(id, CaseStatus::Escalated, "alex")
            .unwrap()
            .status,
        CaseStatus::Escalated
    );
    assert_eq!(
        s.set_status(id, CaseStatus::Investigating, "sue")
            .unwrap()
            .status,
        CaseStatus::Investigating
    );
    let d = s
        .set_disposition(id, Disposition::Suspicious, "sue")
        .unwrap();
    assert_eq!(d.disposition, Disposition::Suspicious);
    let second = s.open_case(alerts[1], "alex").unwrap();
    let listed: Vec<_> = s.cases("aud").unwrap().into_iter().map(|c| c.id).collect();
    assert_eq!(listed, [id, second.id]);
    assert_eq!(s.case(id, "aud").unwrap(), d);
    let closed = s
        .close(second.id, "a family member paying school fees", "sue")
        .unwrap();
    assert_eq!(closed.status, CaseStatus::Closed);
    assert_eq!(
        closed.close_reason.as_deref(),
        Some("a family member paying school fees")
    );
    // The whole workflow is in the log.
    let actions: Vec<_> = s
        .audit_log("aud")
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for a in [
        "case.open",
        "case.add_alert",
        "case.assign",
        "case.note",
        "case.set_status",
        "case.set_disposition",
        "case.close",
    ] {
        assert!(
            actions.iter().any(|x| x == a),
            "{a} missing from {actions:?}"
        );
    }
}

fn case_illegal_transitions_and_unknown_ids(f: &Fixture) {
    let mut s = f.open();
    let alerts = with_alerts(&mut *s);
    let id = s.open_case(alerts[0], "ana").unwrap().id;
    let audited = audit_len(&mut *s);
    for to in [CaseStatus::Open, CaseStatus::Reported, CaseStatus::Closed] {
        let e = assert_err!(
            s.set_status(id, to, "ana"),
            StoreError::IllegalTransition { .. }
        );
        assert_eq!(e.code(), "illegal_transition");
    }
    assert!(assert_err!(
        s.set_status(id, CaseStatus::Closed, "ana"),
        StoreError::IllegalTransition { .. }
    )
    .to_string()
    .contains("reason"));
    assert_err!(s.close(id, "  ", "ana"), StoreError::Invalid(_));
    assert_err!(s.note(id, "", "ana"), StoreError::Invalid(_));
    assert_err!(
        s.open_case(alerts[0], "alex"),
        StoreError::AlertInCase { .. }
    );
    let other = s.open_case(alerts[1], "alex").unwrap().id;
    assert_err!(
        s.add_alert(other, alerts[0], "alex"),
        StoreError::AlertInCase { .. }
    );
    assert_err!(s.assign(id, "aud", "ana"), StoreError::Invalid(_));
    assert_err!(s.assign(id, "nobody", "ana"), StoreError::UnknownUser(_));
    // Unknown ids.
    assert_err!(
        s.case(999, "ana"),
        StoreError::NotFound { kind: "case", .. }
    );
    assert_err!(
        s.note(999, "x", "ana"),
        StoreError::NotFound { kind: "case", .. }
    );
    assert_err!(
        s.open_case(999, "ana"),
        StoreError::NotFound { kind: "alert", .. }
    );
    assert_err!(
        s.add_alert(id, 999, "ana"),
        StoreError::NotFound { kind: "alert", .. }
    );
    assert_err!(
        s.alert(999, "ana"),
        StoreError::NotFound { kind: "alert", .. }
    );
    assert_err!(
        s.report(999, "ana"),
        StoreError::NotFound { kind: "report", .. }
    );
    assert_err!(
        s.approve_report(999, "sue"),
        StoreError::NotFound { kind: "report", .. }
    );
    assert_err!(
        s.draft_report(999, "ae", "<report/>", "ana"),
        StoreError::NotFound { kind: "case", .. }
    );
    assert_err!(s.case(id, "nobody"), StoreError::UnknownUser(_));
    // Closed is final.
    s.close(id, "no link to abuse", "ana").unwrap();
    assert_err!(
        s.close(id, "again", "ana"),
        StoreError::IllegalTransition { .. }
    );
    assert_err!(
        s.set_status(id, CaseStatus::Investigating, "ana"),
        StoreError::IllegalTransition { .. }
    );
    assert_err!(s.note(id, "late", "ana"), StoreError::CaseClosed(_));
    assert_err!(s.assign(id, "alex", "ana"), StoreError::CaseClosed(_));
    assert_err!(s.add_alert(id, alerts[2], "ana"), StoreError::CaseClosed(_));
    assert_err!(
        s.set_disposition(id, Disposition::FalsePositive, "ana"),
        StoreError::CaseClosed(_)
    );
    assert_err!(
        s.draft_report(id, "ae", "<report/>", "ana"),
        StoreError::CaseClosed(_)
    );
    // Refused changes left no trace; the two that happened did.
    assert_eq!(audit_len(&mut *s), audited + 2);
    s.verify_audit().unwrap();
}

fn four_eyes(f: &Fixture) {
    let mut s = f.open();
    let alerts = with_alerts(&mut *s);
    let case = s.open_case(alerts[2], "ana").unwrap().id;
    s.set_status(case, CaseStatus::Investigating, "ana")
        .unwrap();

    let by_sue = s
        .draft_report(case, "ae", "<report>v1</report>", "sue")
        .unwrap();
    assert_eq!(
        (by_sue.status, by_sue.author.as_str()),
        (ReportStatus::Draft, "sue")
    );
    let audited = audit_len(&mut *s);
    let e = assert_err!(
        s.approve_report(by_sue.id, "sue"),
        StoreError::SelfApproval(_)
    );
    assert!(e.to_string().contains("self-approval refused"));

    let by_ana = s
        .draft_report(case, "ae", "<report>v1</report>", "ana")
        .unwrap();
    let audited = audited + 1;
    assert_err!(
        s.approve_report(by_ana.id, "alex"),
        StoreError::Forbidden {
            role: UserRole::Analyst,
            ..
        }
    );
    assert_err!(
        s.approve_report(by_ana.id, "ana"),
        StoreError::Forbidden {
            role: UserRole::Analyst,
            ..
        }
    );
    assert_err!(
        s.approve_report(by_ana.id, "aud"),
        StoreError::Forbidden {
            role: UserRole::Auditor,
            ..
        }
    );
    assert_err!(
        s.approve_report(by_ana.id, "ada"),
        StoreError::Forbidden {
            role: UserRole::Admin,
            ..
        }
    );
    assert_err!(
        s.file_report(by_ana.id, "ana"),
        StoreError::IllegalReportTransition {
            status: ReportStatus::Draft,
            ..
        }
    );
    assert_eq!(audit_len(&mut *s), audited, "refusals are not changes");

    let revised = s
        .revise_report(by_ana.id, "<report>v2</report>", "ana")
        .unwrap();
    assert_eq!(revised.xml, "<report>v2</report>");
    f.clock.advance(600);
    let approved = s.approve_report(by_ana.id, "sam").unwrap();
    assert_eq!(approved.status, ReportStatus::Approved);
    assert_eq!(
        (approved.approved_by.as_deref(), approved.approved_at),
        (Some("sam"), Some(T0 + 600))
    );
    assert_err!(
        s.approve_report(by_ana.id, "sue"),
        StoreError::IllegalReportTransition { .. }
    );
    assert_err!(
        s.revise_report(by_ana.id, "<report>v3</report>", "ana"),
        StoreError::IllegalReportTransition { .. }
    );
    // Supervisors approve each other's reports.
    assert_eq!(
        s.approve_report(by_sue.id, "sam")
            .unwrap()
            .approved_by
            .as_deref(),
        Some("sam")
    );

    let filed = s.file_report(by_ana.id, "ana").unwrap();
    assert_eq!(
        (filed.status, filed.filed_at),
        (ReportStatus::Filed, Some(T0 + 600))
    );
    assert_eq!(s.case(case, "aud").unwrap().status, CaseStatus::Reported);
    let listed: Vec<_> = s
        .reports(Some(case), "aud")
        .unwrap()
        .into_iter()
        .map(|r| (r.id, r.status))
        .collect();
    assert_eq!(
        listed,
        [
            (by_sue.id, ReportStatus::Approved),
            (by_ana.id, ReportStatus::Filed)
        ]
    );
    assert_eq!(s.reports(None, "aud").unwrap().len(), 2);
    s.verify_audit().unwrap();
}

fn auditor_reads_everything_and_changes_nothing(f: &Fixture) {
    let mut s = f.open();
    let alerts = with_alerts(&mut *s);
    let case = s.open_case(alerts[0], "ana").unwrap().id;
    let report = s
        .draft_report(case, "generic", "<report/>", "ana")
        .unwrap()
        .id;
    let audited = audit_len(&mut *s);

    assert_eq!(s.users("aud").unwrap().len(), 6);
    assert_eq!(s.alerts("aud").unwrap().len(), 3);
    assert_eq!(s.cases("aud").unwrap().len(), 1);
    s.case(case, "aud").unwrap();
    s.report(report, "aud").unwrap();
    s.reports(None, "aud").unwrap();
    assert_eq!(s.audit_log("aud").unwrap().len(), audited);

    let forbidden = |r: Result<(), StoreError>| match r {
        Err(StoreError::Forbidden {
            role: UserRole::Auditor,
            ..
        }) => {}
        other => panic!("the auditor changed something: {other:?}"),
    };
    forbidden(s.open_case(alerts[1], "aud").map(drop));
    forbidden(s.add_alert(case, alerts[1], "aud").map(drop));
    forbidden(s.assign(case, "ana", "aud").map(drop));
    forbidden(s.note(case, "x", "aud").map(drop));
    forbidden(
        s.set_status(case, CaseStatus::Investigating, "aud")
            .map(drop),
    );
    forbidden(
        s.set_disposition(case, Disposition::Suspicious, "aud")
            .map(drop),
    );
    forbidden(s.close(case, "x", "aud").map(drop));
    forbidden(s.draft_report(case, "ae", "<r/>", "aud").map(drop));
    forbidden(s.revise_report(report, "<r/>", "aud").map(drop));
    forbidden(s.approve_report(report, "aud").map(drop));
    forbidden(s.file_report(report, "aud").map(drop));
    forbidden(s.add_user("eve", UserRole::Admin, "aud").map(drop));
    forbidden(s.set_user_role("aud", UserRole::Admin, "aud").map(drop));
    // An admin manages users, not cases.
    assert_err!(
        s.note(case, "x", "ada"),
        StoreError::Forbidden {
            role: UserRole::Admin,
            ..
        }
    );
    assert_eq!(audit_len(&mut *s), audited);
}

fn filed_report_is_immutable(f: &Fixture) {
    let mut s = f.open();
    let alerts = with_alerts(&mut *s);
    let case = s.open_case(alerts[0], "ana").unwrap().id;
    let id = s
        .draft_report(case, "ae", "<report>final</report>", "ana")
        .unwrap()
        .id;
    s.approve_report(id, "sue").unwrap();
    let filed = s.file_report(id, "alex").unwrap();
    assert_err!(
        s.revise_report(id, "<report>changed</report>", "ana"),
        StoreError::ReportFiled(_)
    );
    assert_err!(s.approve_report(id, "sam"), StoreError::ReportFiled(_));
    let e = assert_err!(s.file_report(id, "ana"), StoreError::ReportFiled(_));
    assert_eq!(e.code(), "report_filed");
    // Not even raw SQL changes it.
    assert!(f
        .raw(&format!(
            "UPDATE reports SET xml = 'forged' WHERE id = {id}"
        ))
        .is_err());
    assert!(f
        .raw(&format!("DELETE FROM reports WHERE id = {id}"))
        .is_err());
    assert_eq!(s.report(id, "aud").unwrap(), filed);
    // Closing its case afterwards is fine; the report stays as filed.
    s.close(case, "reported to the FIU", "sue").unwrap();
    assert_eq!(s.report(id, "aud").unwrap(), filed);
}

fn audit_records_every_change_at_the_clock_time(f: &Fixture) {
    let mut s = f.open();
    assert_eq!(s.verify_audit().unwrap().entries, 0);
    staff(&mut *s);
    f.clock.set(T0 + 1000);
    s.record_txns(&["t0"]).unwrap();
    s.save_engine_state(b"x").unwrap();
    let b = s
        .commit_scan_batch(&["t1"], &[alert("S-1", Role::Sender, 0.9, &["t1"])], b"y")
        .unwrap();
    f.clock.set(T0 + 2000);
    let case = s.open_case(b.alerts_created[0], "ana").unwrap();
    let closed = s.close(case.id, "false positive", "sue").unwrap();

    let log = s.audit_log("aud").unwrap();
    let summary = s.verify_audit().unwrap();
    assert_eq!(summary.entries, log.len() as i64);
    assert_eq!(summary.head_hash, log.last().unwrap().hash);
    let shape: Vec<_> = log
        .iter()
        .map(|e| (e.actor.as_str(), e.action.as_str(), e.at))
        .collect();
    assert_eq!(shape.len(), 6 + 5);
    assert_eq!(shape[0], ("ada", "user.add", T0));
    assert_eq!(
        shape[6..],
        [
            ("system", "txns.record", T0 + 1000),
            ("system", "engine_state.save", T0 + 1000),
            ("system", "scan.commit", T0 + 1000),
            ("ana", "case.open", T0 + 2000),
            ("sue", "case.close", T0 + 2000),
        ]
    );
    let last = log.last().unwrap();
    assert_eq!(last.object, format!("case:{}", case.id));
    let before: serde_json::Value = serde_json::from_str(last.before.as_deref().unwrap()).unwrap();
    let after: serde_json::Value = serde_json::from_str(last.after.as_deref().unwrap()).unwrap();
    assert_eq!(before, serde_json::to_value(&case).unwrap());
    assert_eq!(after, serde_json::to_value(&closed).unwrap());
    // Chained: each entry names the hash of the one before.
    for w in log.windows(2) {
        assert_eq!(w[1].prev_hash, w[0].hash);
        assert_eq!(w[1].id, w[0].id + 1);
    }
}

fn audit_log_is_append_only_in_the_database(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    assert!(f
        .raw("UPDATE audit_log SET actor = 'eve' WHERE id = 2")
        .is_err());
    assert!(f.raw("DELETE FROM audit_log WHERE id = 2").is_err());
    assert!(f.raw("DELETE FROM audit_log").is_err());
    s.verify_audit().unwrap();
}

fn audit_detects_an_edited_entry(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    s.verify_audit().unwrap();
    f.drop_audit_triggers();
    f.sql("UPDATE audit_log SET after_json = replace(after_json, 'auditor', 'admin') WHERE id = 6");
    let b = expect_break(&mut *s, 6);
    assert!(b.reason.contains("edited"), "{}", b.reason);
}

fn audit_detects_a_deleted_entry(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    f.drop_audit_triggers();
    f.sql("DELETE FROM audit_log WHERE id = 3");
    let b = expect_break(&mut *s, 4);
    assert!(b.reason.contains("deleted"), "{}", b.reason);
    // Renumbering to hide the gap breaks the hashes instead.
    f.sql("UPDATE audit_log SET id = id - 1 WHERE id > 3");
    expect_break(&mut *s, 3);
}

fn audit_detects_entries_cut_from_the_end(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    f.drop_audit_triggers();
    f.sql("DELETE FROM audit_log WHERE id >= 5");
    let b = expect_break(&mut *s, 6);
    assert!(b.reason.contains("removed from the end"), "{}", b.reason);
}

fn audit_detects_swapped_entries(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    f.drop_audit_triggers();
    f.sql(
        "UPDATE audit_log SET id = -1 WHERE id = 3; \
         UPDATE audit_log SET id = 3 WHERE id = 4; \
         UPDATE audit_log SET id = 4 WHERE id = -1;",
    );
    expect_break(&mut *s, 3);
}

fn concurrent_writers_keep_one_chain(f: &Fixture) {
    let mut s = f.open();
    let alerts = with_alerts(&mut *s);
    let case = s.open_case(alerts[0], "ana").unwrap().id;
    let before = audit_len(&mut *s);
    let writers: Vec<_> = ["ana", "alex"]
        .into_iter()
        .map(|who| {
            let mut mine = f.open();
            std::thread::spawn(move || {
                for i in 0..15 {
                    mine.note(case, &format!("note {i}"), who).unwrap();
                    mine.record_txns(&[&format!("{who}-{i}")]).unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.join().expect("writer thread");
    }
    assert_eq!(s.case(case, "aud").unwrap().notes.len(), 30);
    assert_eq!(audit_len(&mut *s), before + 60);
    s.verify_audit().unwrap();
}

fn payment(txn_id: &str, t: i64) -> PaymentRecord {
    PaymentRecord {
        txn_id: txn_id.into(),
        timestamp: t,
        amount: 45.5,
        currency: "USD".into(),
        sender_id: "S-1".into(),
        sender_name: "Gary Whitfield".into(),
        sender_country: "US".into(),
        receiver_id: "R-1".into(),
        receiver_name: "Maria Luz Cruz".into(),
        receiver_country: "PH".into(),
        channel: "remittance".into(),
        message: "for load 'n' stuff".into(),
    }
}

fn evidence_payments_are_kept_with_the_batch(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    assert_eq!(s.known_txns(&["t1", "t2"]).unwrap(), Vec::<String>::new());
    s.commit_scan_batch_with_payments(
        &["t1", "t2", "t3"],
        &[alert("R-1", Role::Receiver, 0.9, &["t2", "t1"])],
        &[payment("t2", T0), payment("t1", T0 - 60)],
        b"s1",
        0,
    )
    .unwrap();
    let mut known = s.known_txns(&["t1", "t3", "t9"]).unwrap();
    known.sort();
    assert_eq!(known, ["t1", "t3"]);
    // By time; unknown ids are left out; the auditor may read them.
    let kept = s.payments(&["t2", "t1", "t9"], "aud").unwrap();
    assert_eq!(kept, [payment("t1", T0 - 60), payment("t2", T0)]);
    // Kept once: a later batch citing it again changes nothing.
    let mut again = payment("t1", T0 - 60);
    again.amount = 99.0;
    s.commit_scan_batch_with_payments(&["t4"], &[], &[again], b"s2", 1)
        .unwrap();
    assert_eq!(s.payments(&["t1"], "ana").unwrap()[0].amount, 45.5);
    assert_err!(s.payments(&["t1"], "nobody"), StoreError::UnknownUser(_));
    // A failing batch keeps none of its payments.
    assert_err!(
        s.commit_scan_batch_with_payments(
            &["t5"],
            &[alert("X", Role::Sender, f64::NAN, &[])],
            &[payment("t5", T0)],
            b"s3",
            2
        ),
        StoreError::Invalid(_)
    );
    assert!(s.payments(&["t5"], "ana").unwrap().is_empty());
    assert_eq!(s.known_txns(&["t5"]).unwrap(), Vec::<String>::new());
}

fn a_whole_scan_clears_the_alerts_it_no_longer_raises(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    let first = s
        .commit_scan_batch_with_payments(
            &["t1", "t2"],
            &[
                alert("S-1", Role::Sender, 0.7, &["t1"]),
                alert("R-1", Role::Receiver, 0.9, &["t1", "t2"]),
            ],
            &[],
            b"s1",
            0,
        )
        .unwrap();
    let (s1, r1) = (first.alerts_created[0], first.alerts_created[1]);
    s.open_case(s1, "ana").unwrap();
    f.clock.advance(60);
    // S-1 fell below the threshold: cleared, not deleted; its case keeps it.
    let second = s
        .commit_scan_batch_with_payments(
            &["t3"],
            &[alert("R-1", Role::Receiver, 0.95, &["t3"])],
            &[],
            b"s2",
            1,
        )
        .unwrap();
    assert_eq!(
        (second.alerts_updated.clone(), second.alerts_cleared.clone()),
        (vec![r1], vec![s1])
    );
    let cleared = s.alert(s1, "aud").unwrap();
    assert_eq!(
        (cleared.cleared_at, cleared.case_id),
        (Some(T0 + 60), Some(1))
    );
    assert_eq!(s.alert(r1, "aud").unwrap().cleared_at, None);
    // Raised again, it stands again; a partial batch clears nothing.
    let third = s
        .commit_scan_batch(&["t4"], &[alert("S-1", Role::Sender, 0.8, &["t4"])], b"s3")
        .unwrap();
    assert_eq!(
        (third.alerts_updated, third.alerts_cleared),
        (vec![s1], vec![])
    );
    assert_eq!(s.alert(s1, "aud").unwrap().cleared_at, None);
    s.verify_audit().unwrap();
}

fn a_scan_started_before_another_was_stored_is_refused(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    // Two scans start from an empty store; the first one stores.
    s.commit_scan_batch_with_payments(
        &["t1"],
        &[alert("S-1", Role::Sender, 0.7, &["t1"])],
        &[payment("t1", T0)],
        b"a",
        0,
    )
    .unwrap();
    let audit = audit_len(&mut *s);
    let err = assert_err!(
        s.commit_scan_batch_with_payments(
            &["t2"],
            &[alert("S-2", Role::Sender, 0.8, &["t2"])],
            &[payment("t2", T0)],
            b"b",
            0
        ),
        StoreError::ScanConflict {
            expected: 0,
            found: 1
        }
    );
    assert!(err.to_string().contains("run it again"), "{err}");
    assert_eq!(err.code(), "scan_conflict");
    // Nothing of the refused scan.
    assert_eq!(s.known_txns(&["t2"]).unwrap(), Vec::<String>::new());
    assert!(s.payments(&["t2"], "aud").unwrap().is_empty());
    assert_eq!(s.alerts("aud").unwrap().len(), 1);
    assert_eq!(s.load_engine_state().unwrap().unwrap().blob, b"a");
    assert_eq!(audit_len(&mut *s), audit);
    // Run again from what is stored, it goes through.
    s.commit_scan_batch_with_payments(
        &["t2"],
        &[alert("S-2", Role::Sender, 0.8, &["t2"])],
        &[payment("t2", T0)],
        b"b",
        1,
    )
    .unwrap();
}

// ---- issue 8: trust ----

/// Several processes (here connections on threads) opening one fresh
/// database at the same moment: each must wait for the one that migrates,
/// never fail with "database is locked".
fn fresh_database_opened_by_several_at_once_is_not_locked(f: &Fixture) {
    let rounds = match f.kind {
        Kind::Sqlite => 10,
        Kind::Postgres => 2,
    };
    for round in 0..rounds {
        let fresh;
        let f = match (round, &f.kind) {
            (0, _) => f,
            (_, Kind::Sqlite) => {
                fresh = Fixture::sqlite();
                &fresh
            }
            (_, Kind::Postgres) => {
                fresh = Fixture::postgres("fresh_database_opened_at_once");
                &fresh
            }
        };
        let start = Arc::new(std::sync::Barrier::new(6));
        let openers: Vec<_> = (0..6)
            .map(|_| {
                let (url, clock, start) = (f.url.clone(), f.clock.clone(), start.clone());
                std::thread::spawn(move || {
                    start.wait();
                    let mut s = spur_store::open(&url, clock)?;
                    s.schema_version()
                })
            })
            .collect();
        for o in openers {
            let opened = o.join().expect("opener thread");
            assert_eq!(
                opened.as_ref().ok(),
                Some(&SCHEMA_VERSION),
                "round {round}: {opened:?}"
            );
        }
    }
}

/// A command that only works on an existing database names where it looked
/// instead of starting an empty one there.
fn opening_an_existing_database_refuses_to_create_one(f: &Fixture) {
    use spur_store::OpenMode;
    let existing = || spur_store::open_with(&f.url, f.clock.clone(), OpenMode::Existing);
    let refused = || existing().err().expect("a missing database was opened");
    let err = refused();
    assert!(matches!(err, StoreError::NoDatabase(_)), "{err:?}");
    assert_eq!(err.code(), "no_database");
    let message = err.to_string();
    assert!(message.contains("run `spur scan"), "{message}");
    if let Kind::Sqlite = f.kind {
        let path = f.url.trim_start_matches("sqlite:");
        assert!(message.contains(path), "{message}");
        assert!(
            !std::path::Path::new(path).parent().unwrap().exists(),
            "nothing is created"
        );
    }
    // Refused twice: the first refusal left nothing behind.
    assert!(matches!(refused(), StoreError::NoDatabase(_)));
    f.open().add_user("ada", UserRole::Admin, "ada").unwrap();
    let mut s = existing().expect("the database now exists");
    assert_eq!(s.user("ada").unwrap().role, UserRole::Admin);
}

impl Fixture {
    /// Another fresh, empty database of the same backend.
    fn another(&self, test: &str) -> Fixture {
        match self.kind {
            Kind::Sqlite => Fixture::sqlite(),
            Kind::Postgres => Fixture::postgres(test),
        }
    }

    /// What an attacker who wants to edit rows drops: every trigger spur has.
    fn drop_all_triggers(&self) {
        self.drop_audit_triggers();
        self.sql(match self.kind {
            Kind::Sqlite => {
                "DROP TRIGGER reports_filed_no_update; DROP TRIGGER reports_filed_no_delete; \
                 DROP TRIGGER audit_rows_no_update; DROP TRIGGER audit_rows_no_delete;"
            }
            Kind::Postgres => {
                "DROP TRIGGER reports_filed_immutable ON reports; \
                 DROP TRIGGER audit_rows_append_only ON audit_rows;"
            }
        });
    }
}

/// An office's database: staff, a scan with evidence payments, a case with a
/// note and a filed report, a second case, a disabled user. Returns
/// (alert ids, case id, report id).
fn office_with_everything(s: &mut dyn Store) -> (Vec<i64>, i64, i64) {
    staff(s);
    let alerts = s
        .commit_scan_batch_with_payments(
            &["t1", "t2", "t3"],
            &[
                alert("S-1", Role::Sender, 0.9, &["t1"]),
                alert("S-2", Role::Sender, 0.8, &["t2"]),
                alert("R-1", Role::Receiver, 0.95, &["t1", "t2", "t3"]),
            ],
            &[payment("t1", T0 - 60), payment("t2", T0), payment("t3", T0)],
            b"state",
            0,
        )
        .unwrap()
        .alerts_created;
    let case = s.open_case(alerts[0], "ana").unwrap().id;
    s.add_alert(case, alerts[2], "ana").unwrap();
    s.note(case, "pays at night", "ana").unwrap();
    let report = s
        .draft_report(case, "generic", "<report>S-1 pays R-1</report>", "ana")
        .unwrap()
        .id;
    s.approve_report(report, "sue").unwrap();
    s.file_report(report, "ana").unwrap();
    s.open_case(alerts[1], "alex").unwrap();
    s.disable_user("alex", "ada").unwrap();
    (alerts, case, report)
}

fn findings(s: &mut dyn Store) -> Vec<spur_store::RowFinding> {
    match s.verify_audit() {
        Err(StoreError::RowsDiffer(found)) => found,
        other => panic!("expected rows that differ, got {other:?}"),
    }
}

/// Every kind of protected row edited, added or deleted with SQL behind the
/// store's back (its triggers dropped) is named by verify.
fn verify_names_every_row_changed_behind_the_stores_back(f: &Fixture) {
    // (what the attacker runs, what verify must say: {A0} {A1} {A2} {C} {R} stand for the ids)
    let cases: &[(&str, &[&str])] = &[
        (
            "UPDATE reports SET xml = replace(xml, 'R-1', 'R-9') WHERE id = {R}",
            &["report {R}: xml changed after audit entry"],
        ),
        (
            "UPDATE reports SET approved_by = 'sam' WHERE id = {R}",
            &["report {R}: approved_by changed after audit entry"],
        ),
        (
            "DELETE FROM reports WHERE id = {R}",
            &["report {R}: deleted after audit entry"],
        ),
        (
            "UPDATE users SET role = 'admin' WHERE name = 'ana'",
            &["user ana: role changed after audit entry"],
        ),
        (
            "UPDATE users SET disabled_at = NULL WHERE name = 'alex'",
            &["user alex: disabled_at changed after audit entry"],
        ),
        (
            "INSERT INTO users (name, role, created_at) VALUES ('eve', 'admin', 0)",
            &["user eve: row not in the audit log"],
        ),
        (
            "DELETE FROM users WHERE name = 'sam'",
            &["user sam: deleted after audit entry"],
        ),
        (
            "UPDATE cases SET status = 'closed', close_reason = 'nothing' WHERE id = {C}",
            &["case {C}: close_reason, status changed after audit entry"],
        ),
        (
            "UPDATE case_notes SET body = 'nothing to see' WHERE case_id = {C}",
            &["case {C}: notes changed after audit entry"],
        ),
        (
            "DELETE FROM case_alerts WHERE alert_id = {A2}",
            &["case {C}: alerts changed after audit entry"],
        ),
        (
            "UPDATE alerts SET score = 0.1 WHERE id = {A1}",
            &["alert {A1}: differs from what audit entry"],
        ),
        (
            "UPDATE alerts SET body = replace(body, 'S-2', 'S-7') WHERE id = {A1}",
            &["alert {A1}: differs from what audit entry"],
        ),
        (
            "DELETE FROM case_alerts WHERE alert_id = {A1}; DELETE FROM alerts WHERE id = {A1}",
            &["alert {A1}: deleted after audit entry", "case "],
        ),
        (
            "INSERT INTO alerts (subject, role, score, country, indicators, transactions, body, \
             first_seen, last_seen, created_at, updated_at) \
             VALUES ('S-8', 'sender', 0.99, 'US', '[]', '[]', '{}', 0, 0, 0, 0)",
            &["alert 4: row not in the audit log"],
        ),
        (
            "UPDATE payments SET amount = 4.55 WHERE txn_id = 't2'",
            &["payment t2: differs from what audit entry"],
        ),
        (
            "DELETE FROM txns WHERE txn_id = 't2'",
            &["the recorded txn ids (2): differs from what audit entry"],
        ),
        (
            "INSERT INTO txns (txn_id, recorded_at) VALUES ('t9', 0)",
            &["the recorded txn ids (4): differs from what audit entry"],
        ),
        (
            "UPDATE engine_state SET saved_at = saved_at + 1",
            &["the engine state: differs from what audit entry"],
        ),
    ];
    for (i, (sql, expected)) in cases.iter().enumerate() {
        let fresh = (i > 0).then(|| f.another("verify_names_rows"));
        let f = fresh.as_ref().unwrap_or(f);
        let mut s = f.open();
        let (alerts, case, report) = office_with_everything(&mut *s);
        s.verify_audit().expect("untouched, it verifies");
        let ids = |text: &str| {
            text.replace("{A0}", &alerts[0].to_string())
                .replace("{A1}", &alerts[1].to_string())
                .replace("{A2}", &alerts[2].to_string())
                .replace("{C}", &case.to_string())
                .replace("{R}", &report.to_string())
        };
        f.drop_all_triggers();
        f.sql(&ids(sql));
        let found = findings(&mut *s);
        let said: Vec<String> = found.iter().map(|x| x.message.clone()).collect();
        for e in *expected {
            assert!(
                said.iter().any(|m| m.starts_with(&ids(e))),
                "{sql}: expected {:?} in {said:#?}",
                ids(e)
            );
        }
        // What verify names and nothing else: one row per change (the
        // deleted alert also leaves its case).
        assert_eq!(said.len(), expected.len(), "{sql}: {said:#?}");
        let err = s.verify_audit().unwrap_err();
        assert_eq!(err.code(), "audit_rows_differ");
    }
}

/// The row digests an entry recorded are covered by the chain: editing one
/// to match an edited row breaks the chain at that entry.
fn edited_row_digests_break_the_chain(f: &Fixture) {
    let mut s = f.open();
    let (_, case, report) = office_with_everything(&mut *s);
    // Past the first page that verify reads.
    for i in 0..70 {
        s.note(case, &format!("note {i}"), "ana").unwrap();
    }
    let last_note = s.audit_log("aud").unwrap().last().unwrap().id;
    assert!(last_note > 70);
    f.drop_all_triggers();
    f.sql(&format!(
        "UPDATE audit_rows SET digest = 'ab' WHERE entry_id = {last_note}"
    ));
    expect_break(&mut *s, last_note);
    let entry = s
        .audit_log("aud")
        .unwrap()
        .into_iter()
        .filter(|e| e.object == format!("report:{report}"))
        .map(|e| e.id)
        .max()
        .unwrap();
    f.sql(&format!(
        "UPDATE audit_rows SET digest = 'ab' WHERE entry_id = {entry}"
    ));
    let b = expect_break(&mut *s, entry);
    assert!(b.reason.contains("row digests"), "{}", b.reason);
    f.sql(&format!("DELETE FROM audit_rows WHERE entry_id = {entry}"));
    expect_break(&mut *s, entry);
}

/// Disabling and demoting users: audited, a disabled user can no longer act,
/// and the last active admin can be neither disabled nor demoted.
fn last_admin_cannot_be_disabled_or_demoted(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    assert_err!(s.disable_user("ada", "ada"), StoreError::LastAdmin(_));
    assert_err!(
        s.set_user_role("ada", UserRole::Supervisor, "ada"),
        StoreError::LastAdmin(_)
    );
    assert_err!(s.disable_user("ana", "sue"), StoreError::Forbidden { .. });
    assert_err!(s.disable_user("nobody", "ada"), StoreError::UnknownUser(_));
    // With a second admin, either may step down or be disabled, but not both.
    s.add_user("bea", UserRole::Admin, "ada").unwrap();
    let ada = s.set_user_role("ada", UserRole::Supervisor, "ada").unwrap();
    assert_eq!(ada.role, UserRole::Supervisor);
    assert_err!(s.disable_user("bea", "bea"), StoreError::LastAdmin(_));
    s.set_user_role("ada", UserRole::Admin, "bea").unwrap();
    let bea = s.disable_user("bea", "ada").unwrap();
    assert!(bea.disabled_at.is_some());
    // A disabled admin no longer counts, nor acts.
    assert_err!(s.disable_user("ada", "ada"), StoreError::LastAdmin(_));
    assert_err!(
        s.add_user("eve", UserRole::Admin, "bea"),
        StoreError::UserDisabled(_)
    );
    assert_err!(s.disable_user("bea", "ada"), StoreError::UserDisabled(_));

    // A disabled analyst can neither work nor read, nor be assigned.
    let alerts = s
        .commit_scan_batch(&["t1"], &[alert("S-1", Role::Sender, 0.9, &["t1"])], b"x")
        .unwrap()
        .alerts_created;
    let case = s.open_case(alerts[0], "ana").unwrap().id;
    s.disable_user("ana", "ada").unwrap();
    assert_err!(s.note(case, "x", "ana"), StoreError::UserDisabled(_));
    assert_err!(s.alerts("ana"), StoreError::UserDisabled(_));
    assert_err!(s.assign(case, "ana", "alex"), StoreError::UserDisabled(_));
    let err = s.cases("ana").unwrap_err();
    assert_eq!(err.code(), "user_disabled");
    assert!(s.user("ana").unwrap().disabled_at.is_some());
    // Enabled again, she works again.
    s.enable_user("ana", "ada").unwrap();
    s.note(case, "back", "ana").unwrap();
    assert_err!(s.enable_user("ana", "ada"), StoreError::Invalid(_));

    let log = s.audit_log("aud").unwrap();
    let actions: Vec<_> = log
        .iter()
        .filter(|e| e.action.starts_with("user.") && e.action != "user.add")
        .map(|e| (e.actor.as_str(), e.action.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("ada", "user.set_role"),
            ("bea", "user.set_role"),
            ("ada", "user.disable"),
            ("ada", "user.disable"),
            ("ada", "user.enable"),
        ]
    );
    s.verify_audit().unwrap();
}

/// `audit log` filters: by actor, action (or its family), object kind and
/// id, and time; read by auditors, admins and supervisors, not analysts.
fn audit_log_filters_and_readers(f: &Fixture) {
    use spur_store::AuditFilter;
    let mut s = f.open();
    staff(&mut *s);
    f.clock.set(T0 + 100);
    let (alerts, case, report) = {
        let alerts = s
            .commit_scan_batch(
                &["t1", "t2"],
                &[
                    alert("S-1", Role::Sender, 0.9, &["t1"]),
                    alert("S-2", Role::Sender, 0.8, &["t2"]),
                ],
                b"x",
            )
            .unwrap()
            .alerts_created;
        f.clock.set(T0 + 200);
        let case = s.open_case(alerts[0], "ana").unwrap().id;
        s.note(case, "first", "ana").unwrap();
        f.clock.set(T0 + 300);
        s.note(case, "second", "sue").unwrap();
        let report = s.draft_report(case, "generic", "<r/>", "ana").unwrap().id;
        (alerts, case, report)
    };
    s.open_case(alerts[1], "alex").unwrap();
    let check = |s: &mut dyn Store, filter: AuditFilter, expected: &[(&str, &str)]| {
        let got: Vec<(String, String)> = s
            .audit_entries(&filter, "aud")
            .unwrap()
            .into_iter()
            .map(|e| (e.actor, e.action))
            .collect();
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        assert_eq!(got, expected, "{filter:?}");
    };
    let f0 = AuditFilter::default;
    check(
        &mut *s,
        AuditFilter {
            actor: Some("ana".into()),
            ..f0()
        },
        &[
            ("ana", "case.open"),
            ("ana", "case.note"),
            ("ana", "report.draft"),
        ],
    );
    check(
        &mut *s,
        AuditFilter {
            action: Some("case.note".into()),
            ..f0()
        },
        &[("ana", "case.note"), ("sue", "case.note")],
    );
    check(
        &mut *s,
        AuditFilter {
            action: Some("case".into()),
            ..f0()
        },
        &[
            ("ana", "case.open"),
            ("ana", "case.note"),
            ("sue", "case.note"),
            ("alex", "case.open"),
        ],
    );
    check(
        &mut *s,
        AuditFilter {
            object_kind: Some("case".into()),
            object_id: Some(case.to_string()),
            ..f0()
        },
        &[
            ("ana", "case.open"),
            ("ana", "case.note"),
            ("sue", "case.note"),
        ],
    );
    check(
        &mut *s,
        AuditFilter {
            object_kind: Some("report".into()),
            ..f0()
        },
        &[("ana", "report.draft")],
    );
    check(
        &mut *s,
        AuditFilter {
            object_kind: Some("report".into()),
            object_id: Some((report + 1).to_string()),
            ..f0()
        },
        &[],
    );
    check(
        &mut *s,
        AuditFilter {
            since: Some(T0 + 100),
            until: Some(T0 + 300),
            ..f0()
        },
        &[
            ("system", "scan.commit"),
            ("ana", "case.open"),
            ("ana", "case.note"),
        ],
    );
    // An alert's entries are the scans that wrote it.
    check(
        &mut *s,
        AuditFilter {
            object_kind: Some("alert".into()),
            object_id: Some(alerts[1].to_string()),
            ..f0()
        },
        &[("system", "scan.commit")],
    );
    check(
        &mut *s,
        AuditFilter {
            object_kind: Some("scan".into()),
            ..f0()
        },
        &[("system", "scan.commit")],
    );
    // `%` and `_` are no wildcards.
    check(
        &mut *s,
        AuditFilter {
            action: Some("c%".into()),
            ..f0()
        },
        &[],
    );
    assert_err!(
        s.audit_entries(
            &AuditFilter {
                object_id: Some("1".into()),
                ..f0()
            },
            "aud"
        ),
        StoreError::Invalid(_)
    );
    for reader in ["aud", "ada", "sue"] {
        assert!(!s.audit_entries(&f0(), reader).unwrap().is_empty());
    }
    assert_err!(s.audit_entries(&f0(), "ana"), StoreError::Forbidden { .. });
    assert_err!(s.audit_log("ana"), StoreError::Forbidden { .. });
}

/// A database from before row digests gets one baseline entry on upgrade
/// recording the rows it holds; from then on their changes are named.
fn a_database_from_before_row_digests_gets_a_baseline(f: &Fixture) {
    use sha2::{Digest, Sha256};
    drop(f.open());
    // Back to schema version 3 with one user and its entry, as spur 3 wrote them.
    f.sql(match f.kind {
        Kind::Sqlite => "DROP TRIGGER audit_rows_no_update; DROP TRIGGER audit_rows_no_delete;",
        Kind::Postgres => "DROP TRIGGER audit_rows_append_only ON audit_rows;",
    });
    f.sql(
        "DROP TABLE audit_rows; DROP INDEX audit_log_actor; DROP INDEX audit_log_object; \
         ALTER TABLE audit_log DROP COLUMN rows_sha256; ALTER TABLE users DROP COLUMN disabled_at; \
         DELETE FROM schema_version WHERE version > 3;",
    );
    let after = r#"{"id":1,"name":"ada","role":"admin","created_at":1767571200}"#;
    let canonical = serde_json::to_string(&(
        1,
        T0,
        "ada",
        "user.add",
        "user:1",
        None::<&str>,
        Some(after),
    ))
    .unwrap();
    let mut h = Sha256::new();
    h.update(format!("{}\n{canonical}", "0".repeat(64)).as_bytes());
    let hash: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    f.sql(&format!(
        "INSERT INTO users (id, name, role, created_at) VALUES (1, 'ada', 'admin', {T0}); \
         INSERT INTO audit_log (id, recorded_at, actor, action, object, before_json, after_json, prev_hash, hash) \
         VALUES (1, {T0}, 'ada', 'user.add', 'user:1', NULL, '{after}', '{}', '{hash}'); \
         UPDATE audit_head SET last_id = 1, last_hash = '{hash}' WHERE id = 1;",
        "0".repeat(64)
    ));
    f.clock.set(T0 + 10);
    let mut s = f.open();
    assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(s.verify_audit().unwrap().entries, 2);
    let log = s.audit_log("ada").unwrap();
    assert_eq!(log[0].rows_sha256, None, "the old entry keeps its form");
    assert_eq!(
        (log[1].actor.as_str(), log[1].action.as_str(), log[1].at),
        ("system", "audit.baseline", T0 + 10)
    );
    drop(s);
    // Reopening adds no second baseline.
    let mut s = f.open();
    assert_eq!(s.verify_audit().unwrap().entries, 2);
    f.sql("UPDATE users SET role = 'auditor' WHERE name = 'ada'");
    let said: Vec<String> = findings(&mut *s).into_iter().map(|x| x.message).collect();
    assert_eq!(said, ["user ada: differs from what audit entry 2 recorded"]);
}
