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
    AlertFilter, AlertStatus, AuditFilter, CaseFilter, Page, PageRequest, ReportFilter, MAX_LIMIT,
    MAX_NETWORK_PARTIES,
};
use spur_store::{
    AlertUpdate, AuditBreak, CaseStatus, ChunkWriter, Correction, Disposition, IngestedTxn,
    LogCommit, LogCommitted, LogHead, ManualClock, PaymentRecord, Report, ReportContent,
    ReportStatus, Store, StoreError, UserRole, SCHEMA_VERSION,
};
use spur_store::{LabelDisposition, LabelSource, ModelStatus, NewLabel, NewModel};

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
    supervisor_who_redrafts_cannot_approve,
    a_case_has_one_open_report,
    a_later_report_on_a_filed_case_is_a_correction_of_it,
    no_two_reports_share_an_entity_reference,
    a_report_on_a_closed_case_cannot_be_approved_or_filed,
    a_case_cannot_be_closed_without_a_disposition,
    a_report_keeps_what_the_analyst_chose,
    reports_from_before_authors_were_kept_read_as_their_author,
    every_kept_payment_of_a_party,
    drafts_at_once_leave_one_open_report,
    a_txn_is_kept_with_its_payments_digest,
    alert_pages_walk_every_alert_once_by_score_for_each_filter,
    a_page_after_a_scan_neither_repeats_nor_skips_the_others,
    a_bad_cursor_or_limit_is_a_typed_error,
    case_pages_walk_every_case_once_newest_first,
    report_user_and_audit_pages_walk_every_item_once,
    paged_lists_check_the_readers_role,
    a_party_view_shows_its_alerts_timeline_counterparties_and_network,
    a_hubs_network_is_cut_at_its_limit,
    a_scan_without_txn_ids_into_an_empty_store_verifies,
    a_migration_missing_below_the_highest_is_applied,
    a_token_authenticates_its_user_until_revoked,
    only_admins_manage_tokens_and_auditors_list_them,
    a_disabled_users_token_is_refused,
    ingest_may_only_post_payments,
    a_token_hash_swapped_behind_the_stores_back_is_named,
    log_chunks_read_back_byte_equal_after_a_position,
    a_chunks_txns_and_log_entry_commit_together_or_not_at_all,
    a_load_larger_than_the_held_ids_keeps_them_unique,
    a_commit_of_many_chunks_reads_back_in_order,
    stats_noise_is_kept_once_and_an_edit_is_refused,
    a_reused_txn_id_with_other_content_is_reported,
    a_commit_behind_the_logs_end_is_refused,
    only_the_latest_checkpoint_is_kept,
    a_large_checkpoint_is_kept_in_parts,
    many_txn_ids_are_looked_up_at_once,
    the_payment_log_is_append_only_and_verified,
    alert_evidence_is_read_from_the_log,
    an_alert_raised_again_unchanged_is_not_rewritten,
    evidence_in_the_commits_own_chunks_is_kept,
    txn_ids_keep_their_digests_across_migration_10,
    labels_are_imported_by_workers_audited_and_read_with_closed_cases,
    models_are_versioned_and_activated_by_another_supervisor,
    a_label_or_model_changed_behind_the_stores_back_is_named,
}

// ---- helpers ----

fn alert(subject: &str, role: Role, score: f64, txns: &[&str]) -> Alert {
    Alert {
        subject: subject.into(),
        role,
        score,
        country: "PH".into(),
        indicators: vec![Finding {
            code: "P-SHARED".into(),
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

/// Report XML as the report crate writes it: the store finds the
/// `entity_reference` element in it.
fn xml(reference: &str, body: &str) -> String {
    format!("<report>\n  <entity_reference>{reference}</entity_reference>\n  {body}\n</report>\n")
}

fn content(xml: &str) -> ReportContent<'_> {
    ReportContent {
        profile: "ae",
        xml,
        reason: "",
        action: "",
        all_evidence: false,
    }
}

/// The case's first report, drafted.
fn draft(s: &mut dyn Store, case: i64, body: &str, actor: &str) -> Result<Report, StoreError> {
    s.draft_report(case, &content(&xml(&case.to_string(), body)), None, actor)
}

/// A redraft of a case's first report.
fn revise(s: &mut dyn Store, r: &Report, body: &str, actor: &str) -> Result<Report, StoreError> {
    let reference = r.entity_reference.clone().unwrap();
    s.revise_report(r.id, &content(&xml(&reference, body)), actor)
}

/// A correction of `filed`, drafted.
fn correct(s: &mut dyn Store, filed: &Report, actor: &str) -> Result<Report, StoreError> {
    let plan = s.plan_report(filed.case_id, Some(filed.id), actor)?;
    let x = xml(&plan.entity_reference, "corrected");
    let correction = Correction {
        report_id: filed.id,
        fiu_ref_number: Some("FIU-2026-0042"),
    };
    s.draft_report(filed.case_id, &content(&x), Some(correction), actor)
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

// The suite's parts in files of their own (tests/conformance/).
#[path = "conformance/census.rs"]
mod census;

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
    assert_err!(
        s.close(second.id, "a family member paying school fees", "sue"),
        StoreError::NoDisposition(_)
    );
    s.set_disposition(second.id, Disposition::NotSuspicious, "sue")
        .unwrap();
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
        draft(&mut *s, 999, "", "ana"),
        StoreError::NotFound { kind: "case", .. }
    );
    assert_err!(s.case(id, "nobody"), StoreError::UnknownUser(_));
    // Closed is final.
    s.set_disposition(id, Disposition::FalsePositive, "ana")
        .unwrap();
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
    assert_err!(draft(&mut *s, id, "", "ana"), StoreError::CaseClosed(_));
    // Refused changes left no trace; the three that happened did.
    assert_eq!(audit_len(&mut *s), audited + 3);
    s.verify_audit().unwrap();
}

fn four_eyes(f: &Fixture) {
    let mut s = f.open();
    let alerts = with_alerts(&mut *s);
    let case = s.open_case(alerts[2], "ana").unwrap().id;
    s.set_status(case, CaseStatus::Investigating, "ana")
        .unwrap();

    let by_sue = draft(&mut *s, case, "v1", "sue").unwrap();
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

    // One open report per case: ana's is on another case.
    let case = s.open_case(alerts[1], "ana").unwrap().id;
    let by_ana = draft(&mut *s, case, "v1", "ana").unwrap();
    let audited = audited + 2;
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

    let revised = revise(&mut *s, &by_ana, "v2", "ana").unwrap();
    assert_eq!(revised.xml, xml(&case.to_string(), "v2"));
    assert_eq!(revised.authors, ["ana"]);
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
        revise(&mut *s, &by_ana, "v3", "ana"),
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
    assert_eq!(listed, [(by_ana.id, ReportStatus::Filed)]);
    assert_eq!(s.reports(None, "aud").unwrap().len(), 2);
    s.verify_audit().unwrap();
}

fn auditor_reads_everything_and_changes_nothing(f: &Fixture) {
    let mut s = f.open();
    let alerts = with_alerts(&mut *s);
    let case = s.open_case(alerts[0], "ana").unwrap().id;
    let drafted = draft(&mut *s, case, "", "ana").unwrap();
    let report = drafted.id;
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
    forbidden(draft(&mut *s, case, "", "aud").map(drop));
    forbidden(s.plan_report(case, None, "aud").map(drop));
    forbidden(revise(&mut *s, &drafted, "", "aud").map(drop));
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
    let drafted = draft(&mut *s, case, "final", "ana").unwrap();
    let id = drafted.id;
    s.approve_report(id, "sue").unwrap();
    let filed = s.file_report(id, "alex").unwrap();
    assert_err!(
        revise(&mut *s, &drafted, "changed", "ana"),
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
    s.set_disposition(case, Disposition::Suspicious, "sue")
        .unwrap();
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
    let opened = s.open_case(b.alerts_created[0], "ana").unwrap();
    let case = s
        .set_disposition(opened.id, Disposition::FalsePositive, "sue")
        .unwrap();
    let closed = s.close(case.id, "false positive", "sue").unwrap();

    let log = s.audit_log("aud").unwrap();
    let summary = s.verify_audit().unwrap();
    assert_eq!(summary.entries, log.len() as i64);
    assert_eq!(summary.head_hash, log.last().unwrap().hash);
    let shape: Vec<_> = log
        .iter()
        .map(|e| (e.actor.as_str(), e.action.as_str(), e.at))
        .collect();
    assert_eq!(shape.len(), 6 + 6);
    assert_eq!(shape[0], ("ada", "user.add", T0));
    assert_eq!(
        shape[6..],
        [
            ("system", "txns.record", T0 + 1000),
            ("system", "engine_state.save", T0 + 1000),
            ("system", "scan.commit", T0 + 1000),
            ("ana", "case.open", T0 + 2000),
            ("sue", "case.set_disposition", T0 + 2000),
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

/// Txn ids as a scan ingests them, each with a digest of its own.
fn txns<'a>(ids: &[&'a str]) -> Vec<IngestedTxn<'a>> {
    ids.iter()
        .map(|id| IngestedTxn {
            txn_id: id,
            digest: digest_of(id),
        })
        .collect()
}

fn digest_of(text: &str) -> [u8; 32] {
    let mut d = [0u8; 32];
    for (i, b) in text.bytes().enumerate() {
        d[i % 32] ^= b;
    }
    d
}

/// The known ones among `ids`, sorted.
fn known_ids(s: &mut dyn Store, ids: &[&str]) -> Vec<String> {
    let mut known: Vec<String> = s
        .known_txns(ids)
        .unwrap()
        .into_iter()
        .map(|k| k.txn_id)
        .collect();
    known.sort();
    known
}

/// A scan keeps each payment's digest with its txn id, so a reused id with
/// other content can be told from the same payment again; ids recorded
/// without a digest (and those of before the digests) count as the same.
fn a_txn_is_kept_with_its_payments_digest(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    s.record_txns(&["old"]).unwrap();
    f.clock.advance(3 * 86_400);
    s.commit_scan_batch_with_payments(&txns(&["t1", "t2"]), &[], &[], b"s1", 0)
        .unwrap();
    let mut known = s.known_txns(&["t2", "old", "t1", "t9"]).unwrap();
    known.sort_by(|a, b| a.txn_id.cmp(&b.txn_id));
    let summary: Vec<(&str, Option<[u8; 32]>, i64)> = known
        .iter()
        .map(|k| (k.txn_id.as_str(), k.digest, k.recorded_at))
        .collect();
    assert_eq!(
        summary,
        [
            ("old", None, T0),
            ("t1", Some(digest_of("t1")), T0 + 3 * 86_400),
            ("t2", Some(digest_of("t2")), T0 + 3 * 86_400),
        ]
    );
    assert!(known[0].same_content(&digest_of("anything")));
    assert!(known[1].same_content(&digest_of("t1")));
    assert!(!known[1].same_content(&digest_of("t1 with another amount")));
    let reason = known[1].reused_reason();
    assert!(
        reason.starts_with("txn id t1 was ingested on 2026-01-08 with different content"),
        "{reason}"
    );
    // A later batch with the id again keeps the first digest.
    let again = [IngestedTxn {
        txn_id: "t1",
        digest: digest_of("other"),
    }];
    let batch = s
        .commit_scan_batch_with_payments(&again, &[], &[], b"s2", 1)
        .unwrap();
    assert_eq!(batch.new_txns, 0);
    let k = s.known_txns(&["t1"]).unwrap();
    assert_eq!(k[0].digest, Some(digest_of("t1")));
}

fn evidence_payments_are_kept_with_the_batch(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    assert_eq!(known_ids(&mut *s, &["t1", "t2"]), Vec::<String>::new());
    s.commit_scan_batch_with_payments(
        &txns(&["t1", "t2", "t3"]),
        &[alert("R-1", Role::Receiver, 0.9, &["t2", "t1"])],
        &[payment("t2", T0), payment("t1", T0 - 60)],
        b"s1",
        0,
    )
    .unwrap();
    assert_eq!(known_ids(&mut *s, &["t1", "t3", "t9"]), ["t1", "t3"]);
    // By time; unknown ids are left out; the auditor may read them.
    let kept = s.payments(&["t2", "t1", "t9"], "aud").unwrap();
    assert_eq!(kept, [payment("t1", T0 - 60), payment("t2", T0)]);
    // Kept once: a later batch citing it again changes nothing.
    let mut again = payment("t1", T0 - 60);
    again.amount = 99.0;
    s.commit_scan_batch_with_payments(&txns(&["t4"]), &[], &[again], b"s2", 1)
        .unwrap();
    assert_eq!(s.payments(&["t1"], "ana").unwrap()[0].amount, 45.5);
    assert_err!(s.payments(&["t1"], "nobody"), StoreError::UnknownUser(_));
    // A failing batch keeps none of its payments.
    assert_err!(
        s.commit_scan_batch_with_payments(
            &txns(&["t5"]),
            &[alert("X", Role::Sender, f64::NAN, &[])],
            &[payment("t5", T0)],
            b"s3",
            2
        ),
        StoreError::Invalid(_)
    );
    assert!(s.payments(&["t5"], "ana").unwrap().is_empty());
    assert_eq!(known_ids(&mut *s, &["t5"]), Vec::<String>::new());
}

fn a_whole_scan_clears_the_alerts_it_no_longer_raises(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    let first = s
        .commit_scan_batch_with_payments(
            &txns(&["t1", "t2"]),
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
            &txns(&["t3"]),
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
        &txns(&["t1"]),
        &[alert("S-1", Role::Sender, 0.7, &["t1"])],
        &[payment("t1", T0)],
        b"a",
        0,
    )
    .unwrap();
    let audit = audit_len(&mut *s);
    let err = assert_err!(
        s.commit_scan_batch_with_payments(
            &txns(&["t2"]),
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
    assert_eq!(known_ids(&mut *s, &["t2"]), Vec::<String>::new());
    assert!(s.payments(&["t2"], "aud").unwrap().is_empty());
    assert_eq!(s.alerts("aud").unwrap().len(), 1);
    assert_eq!(s.load_engine_state().unwrap().unwrap().blob, b"a");
    assert_eq!(audit_len(&mut *s), audit);
    // Run again from what is stored, it goes through.
    s.commit_scan_batch_with_payments(
        &txns(&["t2"]),
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
            &txns(&["t1", "t2", "t3"]),
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
    let report = draft(s, case, "S-1 pays R-1", "ana").unwrap().id;
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
        let report = draft(&mut *s, case, "first", "ana").unwrap().id;
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
    // Back to schema version 5, the one before row digests (migration 6),
    // with one user and its entry as spur wrote them then. A migration after
    // 6 must be undone here too.
    f.sql(match f.kind {
        Kind::Sqlite => "DROP TRIGGER audit_rows_no_update; DROP TRIGGER audit_rows_no_delete;",
        Kind::Postgres => "DROP TRIGGER audit_rows_append_only ON audit_rows;",
    });
    f.sql("DROP TABLE api_tokens;"); // migration 7
    f.sql("DROP TABLE labels; DROP TABLE models;"); // migration 11
    f.sql("DROP TABLE outside_evidence; DROP TABLE match_runs;"); // migration 12
    f.sql("DROP TABLE checkpoint_parts;"); // migration 14
    f.sql("DROP TABLE stats_noise;"); // migration 16
    f.sql(
        "DROP TABLE audit_rows; DROP INDEX audit_log_actor; DROP INDEX audit_log_object; \
         ALTER TABLE audit_log DROP COLUMN rows_sha256; ALTER TABLE users DROP COLUMN disabled_at; \
         DROP TABLE payment_log; DROP TABLE checkpoints; DROP TABLE log_head; \
         ALTER TABLE txns DROP COLUMN log_seq; \
         DELETE FROM schema_version WHERE version > 5;",
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

// ---- four eyes and one report per case (issue 8) ----

fn supervisor_who_redrafts_cannot_approve(f: &Fixture) {
    let mut s = f.open();
    let alerts = with_alerts(&mut *s);
    let case = s.open_case(alerts[0], "ana").unwrap().id;
    let drafted = draft(&mut *s, case, "ana's text", "ana").unwrap();
    assert_eq!(drafted.authors, ["ana"]);
    // Sue rewrites the content: the text to approve is now hers too.
    let redrafted = revise(&mut *s, &drafted, "sue's text", "sue").unwrap();
    assert_eq!(redrafted.authors, ["ana", "sue"]);
    assert_eq!(redrafted.author, "ana");
    let audited = audit_len(&mut *s);
    let e = assert_err!(
        s.approve_report(drafted.id, "sue"),
        StoreError::SelfApproval(_)
    );
    assert_eq!(e.code(), "self_approval");
    assert!(e.to_string().contains("redrafted"), "{e}");
    assert_eq!(audit_len(&mut *s), audited, "a refusal is not a change");
    // Redrafting again adds no one twice; another supervisor approves.
    let again = revise(&mut *s, &redrafted, "ana again", "ana").unwrap();
    assert_eq!(again.authors, ["ana", "sue"]);
    let approved = s.approve_report(drafted.id, "sam").unwrap();
    assert_eq!(approved.approved_by.as_deref(), Some("sam"));
    assert_eq!(approved.authors, ["ana", "sue"]);
    // The authors are in the audit log, in the change that made them.
    let log = s.audit_log("aud").unwrap();
    let revise_entry = log
        .iter()
        .find(|e| e.action == "report.revise")
        .expect("report.revise audited");
    let after: serde_json::Value =
        serde_json::from_str(revise_entry.after.as_deref().unwrap()).unwrap();
    assert_eq!(after["authors"], serde_json::json!(["ana", "sue"]));
    s.verify_audit().unwrap();
}

fn a_case_has_one_open_report(f: &Fixture) {
    let mut s = f.open();
    let alerts = with_alerts(&mut *s);
    let case = s.open_case(alerts[0], "ana").unwrap().id;
    let first = draft(&mut *s, case, "v1", "ana").unwrap();
    let audited = audit_len(&mut *s);
    // Drafted, approved: either way it is open, and a second draft is refused.
    for step in 0..2 {
        let e = assert_err!(
            draft(&mut *s, case, "again", "alex"),
            StoreError::OpenReport { .. }
        );
        assert_eq!(e.code(), "open_report");
        let message = e.to_string();
        assert!(
            message.contains(&format!("report {}", first.id)),
            "names the open report: {message}"
        );
        assert_err!(
            s.plan_report(case, None, "alex"),
            StoreError::OpenReport { .. }
        );
        if step == 0 {
            s.approve_report(first.id, "sue").unwrap();
        }
    }
    assert_eq!(audit_len(&mut *s), audited + 1);
    assert_eq!(s.reports(Some(case), "aud").unwrap().len(), 1);
    // Another case is another matter.
    let other = s.open_case(alerts[1], "ana").unwrap().id;
    draft(&mut *s, other, "v1", "ana").unwrap();
}

fn a_later_report_on_a_filed_case_is_a_correction_of_it(f: &Fixture) {
    let mut s = f.open();
    let alerts = with_alerts(&mut *s);
    let case = s.open_case(alerts[0], "ana").unwrap().id;
    let plan = s.plan_report(case, None, "ana").unwrap();
    assert_eq!(
        (plan.entity_reference.as_str(), plan.corrects),
        (case.to_string().as_str(), None)
    );
    let first = draft(&mut *s, case, "v1", "ana").unwrap();
    assert_eq!(first.entity_reference, Some(case.to_string()));
    // Only a filed report is corrected; a draft is redrafted.
    assert_err!(
        s.plan_report(case, Some(first.id), "ana"),
        StoreError::OpenReport { .. }
    );
    s.approve_report(first.id, "sue").unwrap();
    let filed = s.file_report(first.id, "ana").unwrap();

    // A plain second report on the filed case is refused, naming the filed one.
    let e = assert_err!(
        draft(&mut *s, case, "another", "ana"),
        StoreError::CorrectionRequired { .. }
    );
    assert!(
        e.to_string().contains(&format!("report {}", filed.id)),
        "{e}"
    );
    assert_eq!(e.code(), "correction_required");
    // A correction of something that is not a filed report of the case is refused.
    let other_case = s.open_case(alerts[1], "ana").unwrap().id;
    let other = draft(&mut *s, other_case, "v1", "ana").unwrap();
    let e = assert_err!(
        s.plan_report(case, Some(other.id), "ana"),
        StoreError::BadCorrection { .. }
    );
    assert!(e.to_string().contains("not on case"), "{e}");
    // On its own case the open draft comes first: it is redrafted, not corrected.
    assert_err!(
        s.plan_report(other_case, Some(other.id), "ana"),
        StoreError::OpenReport { .. }
    );
    assert_err!(
        s.plan_report(case, Some(999), "ana"),
        StoreError::NotFound { kind: "report", .. }
    );

    // The correction: its own reference, naming the one it corrects.
    let c1 = correct(&mut *s, &filed, "alex").unwrap();
    assert_eq!(c1.entity_reference, Some(format!("{case}-c1")));
    assert_eq!(c1.corrects, Some(filed.id));
    assert_eq!(c1.fiu_ref_number.as_deref(), Some("FIU-2026-0042"));
    // A correction is a report like any other: four eyes, then filed.
    assert_err!(
        correct(&mut *s, &filed, "ana"),
        StoreError::OpenReport { .. }
    );
    s.approve_report(c1.id, "sue").unwrap();
    let c1 = s.file_report(c1.id, "ana").unwrap();
    assert_eq!(
        s.report(filed.id, "aud").unwrap(),
        filed,
        "the original stays as filed"
    );
    // The next correction corrects the latest filed report, not the original.
    let e = assert_err!(
        correct(&mut *s, &filed, "ana"),
        StoreError::BadCorrection { .. }
    );
    assert!(
        e.to_string().contains(&format!("correct report {}", c1.id)),
        "{e}"
    );
    let c2 = correct(&mut *s, &c1, "ana").unwrap();
    assert_eq!(c2.entity_reference, Some(format!("{case}-c2")));
    s.verify_audit().unwrap();
}

fn no_two_reports_share_an_entity_reference(f: &Fixture) {
    let mut s = f.open();
    let alerts = with_alerts(&mut *s);
    let case = s.open_case(alerts[0], "ana").unwrap().id;
    // XML that does not carry the planned reference is refused.
    let wrong = xml("7-c9", "v1");
    let e = assert_err!(
        s.draft_report(case, &content(&wrong), None, "ana"),
        StoreError::WrongReference(_)
    );
    assert_eq!(e.code(), "wrong_reference");
    let first = draft(&mut *s, case, "v1", "ana").unwrap();
    assert_err!(
        s.revise_report(first.id, &content(&wrong), "ana"),
        StoreError::WrongReference(_)
    );
    // The database itself refuses a second report with the same reference.
    let other = s.open_case(alerts[1], "ana").unwrap().id;
    let r = f.raw(&format!(
        "INSERT INTO reports (case_id, profile, xml, author, status, created_at, updated_at, entity_reference) \
         VALUES ({other}, 'ae', 'x', 'ana', 'draft', 0, 0, '{case}')"
    ));
    assert!(r.is_err(), "a duplicate entity_reference was stored");
}

fn a_report_on_a_closed_case_cannot_be_approved_or_filed(f: &Fixture) {
    let mut s = f.open();
    let alerts = with_alerts(&mut *s);
    let close = |s: &mut dyn Store, case: i64| {
        s.set_disposition(case, Disposition::NotSuspicious, "ana")
            .unwrap();
        s.close(case, "a documented family relationship", "ana")
            .unwrap();
    };
    let a = s.open_case(alerts[0], "ana").unwrap().id;
    let drafted = draft(&mut *s, a, "v1", "ana").unwrap();
    close(&mut *s, a);
    let audited = audit_len(&mut *s);
    let e = assert_err!(
        s.approve_report(drafted.id, "sue"),
        StoreError::ReportCaseClosed { .. }
    );
    assert_eq!(e.code(), "case_closed");
    assert!(e.to_string().contains("closed"), "{e}");
    assert_err!(
        revise(&mut *s, &drafted, "v2", "ana"),
        StoreError::ReportCaseClosed { .. }
    );

    let b = s.open_case(alerts[1], "ana").unwrap().id;
    let approved = draft(&mut *s, b, "v1", "ana").unwrap();
    s.approve_report(approved.id, "sue").unwrap();
    close(&mut *s, b);
    let audited = audited + 5;
    assert_err!(
        s.file_report(approved.id, "ana"),
        StoreError::ReportCaseClosed { .. }
    );
    assert_eq!(
        s.report(approved.id, "aud").unwrap().status,
        ReportStatus::Approved
    );
    assert_eq!(audit_len(&mut *s), audited, "refusals are not changes");
}

fn a_case_cannot_be_closed_without_a_disposition(f: &Fixture) {
    let mut s = f.open();
    let alerts = with_alerts(&mut *s);
    let case = s.open_case(alerts[0], "ana").unwrap().id;
    let audited = audit_len(&mut *s);
    let e = assert_err!(
        s.close(case, "nothing found", "ana"),
        StoreError::NoDisposition(_)
    );
    assert_eq!(e.code(), "no_disposition");
    for d in ["suspicious", "not_suspicious", "false_positive"] {
        assert!(e.to_string().contains(d), "{e} names {d}");
    }
    assert_eq!(s.case(case, "aud").unwrap().status, CaseStatus::Open);
    assert_eq!(audit_len(&mut *s), audited);
    // Set back to undetermined, still refused.
    s.set_disposition(case, Disposition::Suspicious, "ana")
        .unwrap();
    s.set_disposition(case, Disposition::Undetermined, "ana")
        .unwrap();
    assert_err!(
        s.close(case, "nothing found", "ana"),
        StoreError::NoDisposition(_)
    );
    s.set_disposition(case, Disposition::FalsePositive, "ana")
        .unwrap();
    assert_eq!(
        s.close(case, "nothing found", "ana").unwrap().status,
        CaseStatus::Closed
    );
}

fn a_report_keeps_what_the_analyst_chose(f: &Fixture) {
    let mut s = f.open();
    let alerts = with_alerts(&mut *s);
    let case = s.open_case(alerts[0], "ana").unwrap().id;
    let x = xml(&case.to_string(), "v1");
    let chosen = ReportContent {
        profile: "generic",
        xml: &x,
        reason: "pays three young women at night",
        action: "account restricted",
        all_evidence: true,
    };
    let r = s.draft_report(case, &chosen, None, "ana").unwrap();
    assert_eq!(
        (
            r.profile.as_str(),
            r.reason.as_str(),
            r.action.as_str(),
            r.all_evidence
        ),
        (
            "generic",
            "pays three young women at night",
            "account restricted",
            true
        )
    );
    assert_eq!(s.report(r.id, "aud").unwrap(), r);
    let x2 = xml(&case.to_string(), "v2");
    let revised = s
        .revise_report(
            r.id,
            &ReportContent {
                xml: &x2,
                action: "relationship ended",
                all_evidence: false,
                ..chosen
            },
            "ana",
        )
        .unwrap();
    assert_eq!(
        (
            revised.reason.as_str(),
            revised.action.as_str(),
            revised.all_evidence
        ),
        (
            "pays three young women at night",
            "relationship ended",
            false
        )
    );
}

fn reports_from_before_authors_were_kept_read_as_their_author(f: &Fixture) {
    let mut s = f.open();
    let alerts = with_alerts(&mut *s);
    let case = s.open_case(alerts[0], "ana").unwrap().id;
    let r = draft(&mut *s, case, "v1", "ana").unwrap();
    // As a report stored before schema version 4 reads.
    f.sql(&format!(
        "UPDATE reports SET authors = NULL, entity_reference = NULL WHERE id = {}",
        r.id
    ));
    let old = s.report(r.id, "aud").unwrap();
    assert_eq!(
        (old.authors, old.entity_reference),
        (vec!["ana".to_string()], None)
    );
    assert_err!(s.approve_report(r.id, "ana"), StoreError::Forbidden { .. });
    s.approve_report(r.id, "sue").unwrap();
    // Back then a case could hold a second open report under the same
    // reference: once one is filed, the other is not.
    f.sql(&format!(
        "INSERT INTO reports (case_id, profile, xml, author, status, approved_by, created_at, updated_at) \
         VALUES ({case}, 'ae', 'x', 'alex', 'approved', 'sam', 0, 0)"
    ));
    let second = s.reports(Some(case), "aud").unwrap()[1].clone();
    assert_eq!(second.entity_reference, None);
    s.file_report(r.id, "ana").unwrap();
    assert_err!(
        s.file_report(second.id, "ana"),
        StoreError::CorrectionRequired { .. }
    );
}

fn every_kept_payment_of_a_party(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    let mut to_other = payment("t3", T0 + 60);
    to_other.receiver_id = "R-2".into();
    s.commit_scan_batch_with_payments(
        &txns(&["t1", "t2", "t3"]),
        &[alert("S-1", Role::Sender, 0.9, &["t2"])],
        &[payment("t2", T0), payment("t1", T0 - 60), to_other.clone()],
        b"s1",
        0,
    )
    .unwrap();
    let ids = |p: Vec<PaymentRecord>| p.into_iter().map(|p| p.txn_id).collect::<Vec<_>>();
    assert_eq!(
        ids(s.party_payments("S-1", Role::Sender, "aud").unwrap()),
        ["t1", "t2", "t3"]
    );
    assert_eq!(
        ids(s.party_payments("R-1", Role::Receiver, "ana").unwrap()),
        ["t1", "t2"]
    );
    assert!(s
        .party_payments("S-1", Role::Receiver, "ana")
        .unwrap()
        .is_empty());
    assert_err!(
        s.party_payments("S-1", Role::Sender, "nobody"),
        StoreError::UnknownUser(_)
    );
}

fn drafts_at_once_leave_one_open_report(f: &Fixture) {
    let mut s = f.open();
    let alerts = with_alerts(&mut *s);
    let cases: Vec<i64> = (0..3)
        .map(|i| s.open_case(alerts[i], "ana").unwrap().id)
        .collect();
    // Two writers race to draft on each case: the case's lock lets one through.
    let writers: Vec<_> = ["ana", "alex"]
        .into_iter()
        .map(|who| {
            let mut mine = f.open();
            let cases = cases.clone();
            std::thread::spawn(move || {
                cases
                    .iter()
                    .map(|&case| match draft(&mut *mine, case, who, who) {
                        Ok(_) => true,
                        Err(StoreError::OpenReport { .. }) => false,
                        Err(e) => panic!("{who} on case {case}: {e}"),
                    })
                    .collect::<Vec<bool>>()
            })
        })
        .collect();
    let outcomes: Vec<Vec<bool>> = writers
        .into_iter()
        .map(|w| w.join().expect("writer thread"))
        .collect();
    for (i, &case) in cases.iter().enumerate() {
        assert!(
            outcomes[0][i] != outcomes[1][i],
            "exactly one draft on case {case}"
        );
        assert_eq!(s.reports(Some(case), "aud").unwrap().len(), 1);
    }
    s.verify_audit().unwrap();
}

// ---- paged lists and the party view (issue 9) ----

/// Walks every page of a list with `limit` items a page and returns the
/// items' keys in order, checking that every page but the last is full and
/// that the last has no cursor.
fn walk<T, K: Clone + Eq + std::hash::Hash + std::fmt::Debug>(
    limit: usize,
    mut fetch: impl FnMut(&PageRequest) -> Result<Page<T>, StoreError>,
    key: impl Fn(&T) -> K,
) -> Vec<K> {
    let mut request = PageRequest::first(limit);
    let mut keys = Vec::new();
    let mut pages = 0;
    loop {
        let page = fetch(&request).expect("a page");
        pages += 1;
        assert!(page.items.len() <= limit, "page {pages} over the limit");
        keys.extend(page.items.iter().map(&key));
        match page.next_cursor {
            Some(c) => {
                assert_eq!(
                    page.items.len(),
                    limit,
                    "page {pages} has a cursor but is not full"
                );
                request.cursor = Some(c);
            }
            None => break,
        }
        assert!(pages < 10_000, "paging does not end");
    }
    let unique: std::collections::HashSet<K> = keys.iter().cloned().collect();
    assert_eq!(unique.len(), keys.len(), "an item came twice: {keys:?}");
    keys
}

const LIMITS: &[usize] = &[1, 2, 3, 7, 50, 500];

const CODES: &[&str] = &["P-SHARED", "R-RING", "P-FREQ", "R-SENDERS"];

/// 40 alerts (20 senders, 20 receivers) with tied scores, three
/// countries, indicator codes in turn; alerts 1-6 in cases (1-3 assigned
/// to ana, 4-5 to alex), and a second whole scan clearing six, two of
/// them in a case. Returns every stored alert.
fn office_with_alerts(f: &Fixture, s: &mut dyn Store) -> Vec<spur_store::StoredAlert> {
    staff(s);
    let countries = ["PH", "CA", "AU"];
    let make = |i: usize| {
        let role = [Role::Sender, Role::Receiver][i % 2];
        let prefix = if role == Role::Sender { "S" } else { "R" };
        let score = [0.5, 0.6, 0.7, 0.8, 0.9][i % 5];
        let mut a = alert(&format!("{prefix}-{i:02}"), role, score, &[]);
        a.country = countries[i % 3].into();
        a.indicators = vec![
            Finding {
                code: CODES[i % 4].into(),
                contribution: score / 2.0,
                reason: "r".into(),
                parties: vec![],
            },
            Finding {
                code: CODES[(i / 4) % 4].into(),
                contribution: score / 2.0,
                reason: "r".into(),
                parties: vec![],
            },
        ];
        a
    };
    let all: Vec<Alert> = (0..40).map(make).collect();
    let ids: Vec<&str> = vec![];
    let first = s
        .commit_scan_batch_with_payments(&txns(&ids), &all, &[], b"s1", 0)
        .unwrap();
    let created = first.alerts_created;
    for (n, who) in [
        (0, Some("ana")),
        (1, Some("ana")),
        (2, Some("ana")),
        (3, Some("alex")),
        (4, Some("alex")),
        (5, None),
    ] {
        let case = s.open_case(created[n], "ana").unwrap();
        if let Some(who) = who {
            s.assign(case.id, who, "ana").unwrap();
        }
    }
    f.clock.advance(60);
    // Alerts 0, 1 (in cases) and 30-33 are no longer raised.
    let kept: Vec<Alert> = all
        .iter()
        .enumerate()
        .filter(|(i, _)| !matches!(i, 0 | 1 | 30..=33))
        .map(|(_, a)| a.clone())
        .collect();
    let second = s
        .commit_scan_batch_with_payments(&txns(&ids), &kept, &[], b"s2", 1)
        .unwrap();
    assert_eq!(second.alerts_cleared.len(), 6);
    s.alerts("aud").unwrap()
}

/// What `filter` lets through, decided in memory: the oracle the SQL is
/// checked against.
fn alert_passes(
    filter: &AlertFilter,
    a: &spur_store::StoredAlert,
    assignees: &std::collections::HashMap<i64, Option<String>>,
) -> bool {
    let status = AlertStatus::of(a);
    let status_ok = match filter.statuses.is_empty() {
        true => status != AlertStatus::Cleared,
        false => filter.statuses.contains(&status),
    };
    let assignee = a.case_id.and_then(|c| assignees[&c].clone());
    status_ok
        && filter.role.is_none_or(|r| r == a.role)
        && filter.min_score.is_none_or(|m| a.score >= m)
        && filter
            .country
            .as_deref()
            .is_none_or(|c| c.eq_ignore_ascii_case(&a.country))
        && filter
            .indicator
            .as_deref()
            .is_none_or(|code| spur_store::indicator_codes(a).any(|c| c.eq_ignore_ascii_case(code)))
        && filter
            .assignee
            .as_deref()
            .is_none_or(|x| assignee.as_deref() == Some(x))
        && filter.subject.as_deref().is_none_or(|x| a.subject == x)
}

fn alert_pages_walk_every_alert_once_by_score_for_each_filter(f: &Fixture) {
    let mut s = f.open();
    let all = office_with_alerts(f, &mut *s);
    assert_eq!(all.len(), 40);
    let assignees: std::collections::HashMap<i64, Option<String>> = s
        .cases("aud")
        .unwrap()
        .into_iter()
        .map(|c| (c.id, c.assignee))
        .collect();
    let filter = |edit: fn(&mut AlertFilter)| {
        let mut f = AlertFilter::default();
        edit(&mut f);
        f
    };
    let filters = [
        filter(|_| {}),
        filter(|f| f.statuses = vec![AlertStatus::Cleared]),
        filter(|f| f.statuses = vec![AlertStatus::New]),
        filter(|f| f.statuses = vec![AlertStatus::InCase]),
        filter(|f| f.statuses = vec![AlertStatus::New, AlertStatus::Cleared]),
        filter(|f| f.statuses = AlertStatus::ALL.to_vec()),
        filter(|f| f.role = Some(Role::Sender)),
        filter(|f| f.min_score = Some(0.75)),
        filter(|f| f.min_score = Some(0.9)),
        filter(|f| f.indicator = Some("r-ring".into())),
        filter(|f| f.indicator = Some("R-".into())),
        filter(|f| f.country = Some("ph".into())),
        filter(|f| f.assignee = Some("ana".into())),
        filter(|f| f.assignee = Some("sue".into())),
        filter(|f| f.subject = Some("S-04".into())),
        filter(|f| {
            f.role = Some(Role::Receiver);
            f.min_score = Some(0.6);
            f.indicator = Some("P-SHARED".into());
            f.statuses = AlertStatus::ALL.to_vec();
        }),
        filter(|f| {
            f.country = Some("CA".into());
            f.assignee = Some("alex".into());
            f.statuses = vec![AlertStatus::InCase];
        }),
        filter(|f| {
            f.indicator = Some("P-FREQ".into());
            f.country = Some("AU".into());
            f.role = Some(Role::Sender);
        }),
    ];
    let mut non_empty = 0;
    for filter in &filters {
        let mut expected: Vec<&spur_store::StoredAlert> = all
            .iter()
            .filter(|a| alert_passes(filter, a, &assignees))
            .collect();
        expected.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
        let expected: Vec<i64> = expected.iter().map(|a| a.id).collect();
        non_empty += usize::from(!expected.is_empty());
        for &limit in LIMITS {
            let got = walk(limit, |p| s.alert_page(filter, p, "ana"), |a| a.id);
            assert_eq!(got, expected, "{filter:?}, limit {limit}");
        }
    }
    // The fixture exercises the filters: most let some through, not all.
    assert!(
        non_empty >= filters.len() - 3,
        "{non_empty} filters found alerts"
    );
    // The CLI's whole list is the same, by id.
    let mut by_id: Vec<i64> = all
        .iter()
        .filter(|a| AlertStatus::of(a) != AlertStatus::Cleared)
        .map(|a| a.id)
        .collect();
    by_id.sort();
    let cli: Vec<i64> = spur_store::filtered_alerts(&mut *s, &AlertFilter::default(), "ana")
        .unwrap()
        .iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(cli, by_id);
}

/// An alert updated between two pages (its score changed by a scan) does
/// not make the walk repeat or skip the others.
fn a_page_after_a_scan_neither_repeats_nor_skips_the_others(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    let batch: Vec<Alert> = (0..10)
        .map(|i| alert(&format!("S-{i}"), Role::Sender, 0.5 + i as f64 / 100.0, &[]))
        .collect();
    s.commit_scan_batch(&[], &batch, b"s").unwrap();
    let first = s
        .alert_page(&AlertFilter::default(), &PageRequest::first(4), "ana")
        .unwrap();
    let subjects = |p: &Page<spur_store::StoredAlert>| {
        p.items
            .iter()
            .map(|a| a.subject.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(subjects(&first), ["S-9", "S-8", "S-7", "S-6"]);
    // S-2 rises above the page already read; a new alert S-X lands below it.
    s.commit_scan_batch(
        &[],
        &[
            alert("S-2", Role::Sender, 0.99, &[]),
            alert("S-X", Role::Sender, 0.515, &[]),
        ],
        b"s2",
    )
    .unwrap();
    let rest = walk(
        3,
        |p| {
            let p = match &p.cursor {
                Some(_) => p.clone(),
                None => PageRequest {
                    limit: Some(3),
                    cursor: first.next_cursor.clone(),
                },
            };
            s.alert_page(&AlertFilter::default(), &p, "ana")
        },
        |a| a.subject.clone(),
    );
    assert_eq!(rest, ["S-5", "S-4", "S-3", "S-X", "S-1", "S-0"]);
}

fn a_bad_cursor_or_limit_is_a_typed_error(f: &Fixture) {
    let mut s = f.open();
    office_with_alerts(f, &mut *s);
    let cases_cursor = s
        .case_page(&CaseFilter::default(), &PageRequest::first(1), "ana")
        .unwrap()
        .next_cursor
        .expect("more than one case");
    let alerts_cursor = s
        .alert_page(&AlertFilter::default(), &PageRequest::first(1), "ana")
        .unwrap()
        .next_cursor
        .unwrap();
    let with = |cursor: &str| PageRequest {
        limit: None,
        cursor: Some(cursor.into()),
    };
    let hex = |plain: &str| {
        plain
            .bytes()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    for bad in [
        "".to_owned(),
        "not a cursor".to_owned(),
        "zz".to_owned(),
        "'; DROP TABLE alerts; --".to_owned(),
        cases_cursor.clone(),
        hex("alerts|3fe0000000000000"),
        hex("alerts|3fe0000000000000|x"),
        hex("alerts|nothex|1"),
        hex("alerts|7ff8000000000000|1"),
        alerts_cursor[..alerts_cursor.len() - 1].to_owned(),
    ] {
        let e = assert_err!(
            s.alert_page(&AlertFilter::default(), &with(&bad), "ana"),
            StoreError::BadCursor(_)
        );
        assert_eq!(e.code(), "bad_cursor");
        assert!(e.to_string().contains("start again"), "{e}");
    }
    assert_err!(
        s.case_page(&CaseFilter::default(), &with(&alerts_cursor), "ana"),
        StoreError::BadCursor(_)
    );
    assert_err!(
        s.report_page(&ReportFilter::default(), &with(&cases_cursor), "ana"),
        StoreError::BadCursor(_)
    );
    assert_err!(
        s.user_page(&with(&cases_cursor), "ana"),
        StoreError::BadCursor(_)
    );
    assert_err!(
        s.audit_page(&AuditFilter::default(), &with("x"), "aud"),
        StoreError::BadCursor(_)
    );
    for limit in [0, MAX_LIMIT + 1] {
        let p = PageRequest {
            limit: Some(limit),
            cursor: None,
        };
        assert_err!(
            s.alert_page(&AlertFilter::default(), &p, "ana"),
            StoreError::Invalid(_)
        );
        assert_err!(s.user_page(&p, "ana"), StoreError::Invalid(_));
    }
    let nan = AlertFilter {
        min_score: Some(f64::NAN),
        ..Default::default()
    };
    assert_err!(
        s.alert_page(&nan, &PageRequest::default(), "ana"),
        StoreError::Invalid(_)
    );
    // The store is fine afterwards.
    s.verify_audit().unwrap();
}

fn case_pages_walk_every_case_once_newest_first(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    let batch: Vec<Alert> = (0..14)
        .map(|i| alert(&format!("S-{i}"), Role::Sender, 0.9, &[]))
        .collect();
    let alerts = s
        .commit_scan_batch(&[], &batch, b"s")
        .unwrap()
        .alerts_created;
    for (i, a) in alerts.iter().enumerate() {
        let c = s.open_case(*a, "ana").unwrap();
        match i % 4 {
            0 => {}
            1 => {
                s.set_status(c.id, CaseStatus::Investigating, "ana")
                    .unwrap();
                s.assign(c.id, "alex", "ana").unwrap();
            }
            2 => {
                s.set_status(c.id, CaseStatus::Escalated, "ana").unwrap();
                s.assign(c.id, "sue", "ana").unwrap();
                s.set_disposition(c.id, Disposition::Suspicious, "sue")
                    .unwrap();
            }
            _ => {
                s.assign(c.id, "alex", "ana").unwrap();
                s.set_disposition(c.id, Disposition::FalsePositive, "alex")
                    .unwrap();
                s.note(c.id, "family support", "alex").unwrap();
                s.close(c.id, "documented", "alex").unwrap();
            }
        }
    }
    let all = s.cases("aud").unwrap();
    let filters = [
        CaseFilter::default(),
        CaseFilter {
            statuses: vec![CaseStatus::Open],
            ..Default::default()
        },
        CaseFilter {
            statuses: vec![CaseStatus::Investigating, CaseStatus::Escalated],
            ..Default::default()
        },
        CaseFilter {
            assignee: Some("alex".into()),
            ..Default::default()
        },
        CaseFilter {
            disposition: Some(Disposition::Suspicious),
            ..Default::default()
        },
        CaseFilter {
            assignee: Some("alex".into()),
            statuses: vec![CaseStatus::Closed],
            disposition: Some(Disposition::FalsePositive),
        },
        CaseFilter {
            assignee: Some("nobody".into()),
            ..Default::default()
        },
    ];
    for filter in &filters {
        let expected: Vec<spur_store::Case> = all
            .iter()
            .rev()
            .filter(|c| filter.statuses.is_empty() || filter.statuses.contains(&c.status))
            .filter(|c| filter.assignee.is_none() || c.assignee == filter.assignee)
            .filter(|c| filter.disposition.is_none_or(|d| d == c.disposition))
            .cloned()
            .collect();
        for &limit in LIMITS {
            let mut got = Vec::new();
            walk(
                limit,
                |p| {
                    let page = s.case_page(filter, p, "aud")?;
                    got.extend(page.items.clone());
                    Ok(page)
                },
                |c| c.id,
            );
            // Whole cases, alerts and notes with them, as `case` reads them.
            assert_eq!(got, expected, "{filter:?}, limit {limit}");
        }
    }
}

fn report_user_and_audit_pages_walk_every_item_once(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    for i in 0..9 {
        s.add_user(&format!("user{i}"), UserRole::Analyst, "ada")
            .unwrap();
    }
    let batch: Vec<Alert> = (0..6)
        .map(|i| alert(&format!("S-{i}"), Role::Sender, 0.9, &[]))
        .collect();
    let alerts = s
        .commit_scan_batch(&[], &batch, b"s")
        .unwrap()
        .alerts_created;
    for (i, a) in alerts.iter().enumerate() {
        let c = s.open_case(*a, "ana").unwrap();
        let r = draft(&mut *s, c.id, "first", "ana").unwrap();
        if i % 3 >= 1 {
            s.approve_report(r.id, "sue").unwrap();
        }
        if i % 3 == 2 {
            s.file_report(r.id, "ana").unwrap();
            correct(&mut *s, &r, "ana").unwrap();
        }
    }
    let all = s.reports(None, "aud").unwrap();
    assert_eq!(all.len(), 8);
    let filters = [
        ReportFilter::default(),
        ReportFilter {
            case_id: Some(3),
            ..Default::default()
        },
        ReportFilter {
            statuses: vec![ReportStatus::Draft],
            ..Default::default()
        },
        ReportFilter {
            statuses: vec![ReportStatus::Approved, ReportStatus::Filed],
            ..Default::default()
        },
        ReportFilter {
            case_id: Some(3),
            statuses: vec![ReportStatus::Filed],
        },
    ];
    for filter in &filters {
        let expected: Vec<i64> = all
            .iter()
            .rev()
            .filter(|r| filter.case_id.is_none_or(|c| c == r.case_id))
            .filter(|r| filter.statuses.is_empty() || filter.statuses.contains(&r.status))
            .map(|r| r.id)
            .collect();
        assert!(!expected.is_empty(), "{filter:?}");
        for &limit in LIMITS {
            let got = walk(limit, |p| s.report_page(filter, p, "ana"), |r| r.id);
            assert_eq!(got, expected, "{filter:?}, limit {limit}");
        }
    }
    let users: Vec<i64> = s.users("ana").unwrap().iter().map(|u| u.id).collect();
    assert_eq!(users.len(), 15);
    for &limit in LIMITS {
        assert_eq!(walk(limit, |p| s.user_page(p, "aud"), |u| u.id), users);
    }
    let audit_filters = [
        AuditFilter::default(),
        AuditFilter {
            action: Some("report".into()),
            ..Default::default()
        },
        AuditFilter {
            actor: Some("ana".into()),
            object_kind: Some("case".into()),
            ..Default::default()
        },
    ];
    for filter in &audit_filters {
        let expected: Vec<i64> = s
            .audit_entries(filter, "aud")
            .unwrap()
            .iter()
            .map(|e| e.id)
            .collect();
        assert!(expected.len() > 3, "{filter:?}");
        for &limit in LIMITS {
            for reader in ["aud", "ada", "sue"] {
                let got = walk(limit, |p| s.audit_page(filter, p, reader), |e| e.id);
                assert_eq!(got, expected, "{filter:?}, limit {limit}");
            }
        }
    }
}

fn paged_lists_check_the_readers_role(f: &Fixture) {
    let mut s = f.open();
    office_with_alerts(f, &mut *s);
    s.add_user("gone", UserRole::Auditor, "ada").unwrap();
    s.disable_user("gone", "ada").unwrap();
    let p = PageRequest::default();
    for who in ["ana", "sue", "ada", "aud"] {
        s.alert_page(&AlertFilter::default(), &p, who).unwrap();
        s.case_page(&CaseFilter::default(), &p, who).unwrap();
        s.report_page(&ReportFilter::default(), &p, who).unwrap();
        s.user_page(&p, who).unwrap();
        s.party_view("S-02", None, who).unwrap();
    }
    for who in ["nobody", "gone"] {
        let refused =
            |e: &StoreError| matches!(e, StoreError::UnknownUser(_) | StoreError::UserDisabled(_));
        let errors = [
            s.alert_page(&AlertFilter::default(), &p, who).map(|_| ()),
            s.case_page(&CaseFilter::default(), &p, who).map(|_| ()),
            s.report_page(&ReportFilter::default(), &p, who).map(|_| ()),
            s.user_page(&p, who).map(|_| ()),
            s.audit_page(&AuditFilter::default(), &p, who).map(|_| ()),
            s.party_view("S-02", None, who).map(|_| ()),
        ];
        for e in errors {
            assert!(refused(e.as_ref().unwrap_err()), "{who}: {e:?}");
        }
    }
    // The audit log: auditors, admins and supervisors, not analysts.
    let e = assert_err!(
        s.audit_page(&AuditFilter::default(), &p, "ana"),
        StoreError::Forbidden { .. }
    );
    assert_eq!(e.code(), "forbidden");
    for who in ["aud", "ada", "sue"] {
        s.audit_page(&AuditFilter::default(), &p, who).unwrap();
    }
}

fn pay(txn: &str, from: &str, to: &str, amount: f64, t: i64) -> PaymentRecord {
    let mut p = payment(txn, t);
    p.sender_id = from.into();
    p.sender_name = format!("name of {from}");
    p.receiver_id = to.into();
    p.receiver_name = format!("name of {to}");
    p.amount = amount;
    p
}

fn a_party_view_shows_its_alerts_timeline_counterparties_and_network(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    let payments = [
        pay("t2", "S-1", "R-1", 20.0, T0 + 20),
        pay("t1", "S-1", "R-1", 10.0, T0 + 10),
        pay("t3", "S-2", "R-1", 30.0, T0 + 30),
        pay("t4", "S-2", "R-2", 40.0, T0 + 40),
        pay("t5", "S-3", "R-2", 50.0, T0 + 50),
        pay("t6", "S-9", "R-9", 60.0, T0 + 60),
    ];
    let ids: Vec<&str> = payments.iter().map(|p| p.txn_id.as_str()).collect();
    let batch = s
        .commit_scan_batch_with_payments(
            &txns(&ids),
            &[
                alert("R-1", Role::Receiver, 0.9, &["t1", "t2", "t3"]),
                alert("S-2", Role::Sender, 0.7, &["t3", "t4"]),
            ],
            &payments,
            b"s",
            0,
        )
        .unwrap();
    let (r1_alert, s2_alert) = (batch.alerts_created[0], batch.alerts_created[1]);
    let v = s.party_view("R-1", Some(Role::Receiver), "ana").unwrap();
    let txn_ids = |p: &[PaymentRecord]| p.iter().map(|p| p.txn_id.clone()).collect::<Vec<_>>();
    assert_eq!(
        v.alerts.iter().map(|a| a.id).collect::<Vec<_>>(),
        [r1_alert]
    );
    assert_eq!(txn_ids(&v.payments), ["t1", "t2", "t3"]);
    let cps: Vec<(&str, usize)> = v
        .counterparties
        .iter()
        .map(|c| (c.id.as_str(), c.payments))
        .collect();
    assert_eq!(cps, [("S-1", 2), ("S-2", 1)]);
    assert_eq!(
        (
            v.summary.payments_received,
            v.summary.received["USD"],
            v.summary.name.as_str()
        ),
        (3, 60.0, "name of R-1")
    );
    assert_eq!(
        (v.summary.first, v.summary.last),
        (Some(T0 + 10), Some(T0 + 30))
    );
    let parties: Vec<(&str, u32)> = v
        .network
        .parties
        .iter()
        .map(|p| (p.id.as_str(), p.hops))
        .collect();
    // S-3 is three payments away; S-9 and R-9 are not connected.
    assert_eq!(parties, [("R-1", 0), ("S-1", 1), ("S-2", 1), ("R-2", 2)]);
    assert!(!v.network.truncated);
    let links: Vec<(&str, &str, usize)> = v
        .network
        .links
        .iter()
        .map(|l| (l.sender.as_str(), l.receiver.as_str(), l.payments))
        .collect();
    assert_eq!(
        links,
        [("S-1", "R-1", 2), ("S-2", "R-1", 1), ("S-2", "R-2", 1)]
    );
    let s2 = &v.network.parties[2];
    assert_eq!(
        s2.alerts
            .iter()
            .map(|a| (a.id, a.status))
            .collect::<Vec<_>>(),
        [(s2_alert, AlertStatus::New)]
    );
    // Both sides, or the other side only.
    let both = s.party_view("S-2", None, "aud").unwrap();
    assert_eq!(txn_ids(&both.payments), ["t3", "t4"]);
    let as_receiver = s.party_view("S-2", Some(Role::Receiver), "aud").unwrap();
    assert!(as_receiver.payments.is_empty());
    assert_eq!(as_receiver.alerts.len(), 1);
    // A party with kept payments and no alert is known; one with neither is not.
    let s3 = s.party_view("S-3", Some(Role::Sender), "aud").unwrap();
    assert_eq!((s3.alerts.len(), s3.payments.len()), (0, 1));
    let e = assert_err!(
        s.party_view("X-1", None, "aud"),
        StoreError::NotFound { .. }
    );
    assert_eq!(e.to_string(), "no party with id X-1");
}

fn a_hubs_network_is_cut_at_its_limit(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    let payments: Vec<PaymentRecord> = (0..MAX_NETWORK_PARTIES + 20)
        .map(|i| {
            pay(
                &format!("t{i}"),
                &format!("S-{i:03}"),
                "R-HUB",
                5.0,
                T0 + i as i64,
            )
        })
        .collect();
    let ids: Vec<&str> = payments.iter().map(|p| p.txn_id.as_str()).collect();
    s.commit_scan_batch_with_payments(
        &txns(&ids),
        &[alert("R-HUB", Role::Receiver, 0.9, &[])],
        &payments,
        b"s",
        0,
    )
    .unwrap();
    let v = s.party_view("R-HUB", Some(Role::Receiver), "ana").unwrap();
    assert_eq!(v.payments.len(), MAX_NETWORK_PARTIES + 20);
    assert_eq!(v.counterparties.len(), MAX_NETWORK_PARTIES + 20);
    assert_eq!(v.network.parties.len(), MAX_NETWORK_PARTIES);
    assert!(v.network.truncated);
    // Only links between parties in the network.
    assert_eq!(v.network.links.len(), MAX_NETWORK_PARTIES - 1);
}

/// A whole scan that records no txn id into a store that holds none (alerts
/// only) recorded a count of 0 for `txns`, which verify then named deleted.
fn a_scan_without_txn_ids_into_an_empty_store_verifies(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    s.commit_scan_batch_with_payments(&[], &[alert("S-1", Role::Sender, 0.9, &[])], &[], b"s", 0)
        .unwrap();
    s.commit_scan_batch(&[], &[alert("S-2", Role::Sender, 0.9, &[])], b"s2")
        .unwrap();
    s.verify_audit().unwrap();
    s.record_txns(&["t1"]).unwrap();
    s.commit_scan_batch(&[], &[], b"s3").unwrap();
    s.verify_audit().unwrap();
}

// ---- API tokens and the ingest role ----

fn a_token_authenticates_its_user_until_revoked(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    let before = audit_len(&mut *s);
    let issued = s.create_token("ana", "ada").unwrap();
    assert_eq!(issued.token.user, "ana");
    assert_eq!(issued.token.created_by, "ada");
    assert_eq!(issued.token.created_at, T0);
    assert!(issued.secret.starts_with("spur_") && issued.secret.len() == 69);
    // A second token for the same user is another secret.
    let other = s.create_token("ana", "ada").unwrap();
    assert_ne!(issued.secret, other.secret);
    assert_eq!(s.authenticate(&issued.secret).unwrap().name, "ana");
    assert_eq!(s.authenticate(&other.secret).unwrap().name, "ana");
    // Unknown, malformed, truncated, upper-cased: one error for all.
    let mut wrong = issued.secret.clone();
    wrong.replace_range(10..11, if &wrong[10..11] == "0" { "1" } else { "0" });
    for bad in [
        wrong.as_str(),
        "",
        "spur_",
        &issued.secret[..68],
        &issued.secret.to_uppercase(),
        &format!("{} ", issued.secret),
    ] {
        let e = assert_err!(s.authenticate(bad), StoreError::BadToken);
        assert_eq!(e.code(), "bad_token");
    }
    // The secret itself is nowhere in the database, its SHA-256 is.
    let entries = s.audit_log("aud").unwrap();
    assert_eq!(entries.len(), before + 2);
    let create = &entries[before];
    assert_eq!(
        (create.actor.as_str(), create.action.as_str()),
        ("ada", "token.create")
    );
    assert_eq!(create.object, format!("token:{}", issued.token.id));
    let after = create.after.as_deref().unwrap();
    assert!(!after.contains(&issued.secret[5..]), "{after}");
    assert!(after.contains(&digest_hex(&issued.secret)), "{after}");

    f.clock.set(T0 + 60);
    let revoked = s.revoke_token(issued.token.id, "ada").unwrap();
    assert_eq!(revoked.revoked_at, Some(T0 + 60));
    assert_eq!(revoked.revoked_by.as_deref(), Some("ada"));
    assert_err!(s.authenticate(&issued.secret), StoreError::BadToken);
    assert_eq!(s.authenticate(&other.secret).unwrap().name, "ana");
    let e = assert_err!(
        s.revoke_token(issued.token.id, "ada"),
        StoreError::TokenRevoked(_)
    );
    assert_eq!(e.code(), "token_revoked");
    assert_err!(s.revoke_token(999, "ada"), StoreError::NotFound { .. });
    let last = s.audit_log("aud").unwrap().pop().unwrap();
    assert_eq!(last.action, "token.revoke");
    assert!(last.before.unwrap().contains("\"revoked_at\":null"));
    s.verify_audit().unwrap();
}

fn digest_hex(secret: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn only_admins_manage_tokens_and_auditors_list_them(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    let t = s.create_token("sue", "ada").unwrap().token;
    for actor in ["ana", "sue", "aud"] {
        assert_err!(s.create_token("ana", actor), StoreError::Forbidden { .. });
        assert_err!(s.revoke_token(t.id, actor), StoreError::Forbidden { .. });
    }
    assert_err!(s.create_token("nobody", "ada"), StoreError::UnknownUser(_));
    for actor in ["ada", "aud"] {
        let listed = s.tokens(actor).unwrap();
        assert_eq!(listed, vec![t.clone()]);
    }
    for actor in ["ana", "sue"] {
        assert_err!(s.tokens(actor), StoreError::Forbidden { .. });
    }
}

fn a_disabled_users_token_is_refused(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    let issued = s.create_token("alex", "ada").unwrap();
    s.disable_user("alex", "ada").unwrap();
    assert_err!(s.authenticate(&issued.secret), StoreError::UserDisabled(_));
    assert_err!(s.create_token("alex", "ada"), StoreError::UserDisabled(_));
    s.enable_user("alex", "ada").unwrap();
    assert_eq!(s.authenticate(&issued.secret).unwrap().name, "alex");
}

fn ingest_may_only_post_payments(f: &Fixture) {
    let mut s = f.open();
    let alerts = with_alerts(&mut *s);
    s.add_user("feed", UserRole::Ingest, "ada").unwrap();
    let issued = s.create_token("feed", "ada").unwrap();
    assert_eq!(
        s.authenticate(&issued.secret).unwrap().role,
        UserRole::Ingest
    );
    assert_eq!(s.authorize_ingest("feed").unwrap().name, "feed");
    for actor in ["ada", "ana", "sue", "aud"] {
        let e = assert_err!(s.authorize_ingest(actor), StoreError::Forbidden { .. });
        assert!(e.to_string().contains("post payments"), "{e}");
    }
    assert_err!(s.authorize_ingest("nobody"), StoreError::UnknownUser(_));
    // Reads nothing, changes nothing.
    let ingest = |r: Result<(), StoreError>| {
        assert_err!(
            r,
            StoreError::Forbidden {
                role: UserRole::Ingest,
                ..
            }
        );
    };
    ingest(s.alerts("feed").map(drop));
    ingest(s.alert(alerts[0], "feed").map(drop));
    ingest(s.users("feed").map(drop));
    ingest(s.cases("feed").map(drop));
    ingest(s.reports(None, "feed").map(drop));
    ingest(s.payments(&["t1"], "feed").map(drop));
    ingest(s.party_payments("S-1", Role::Sender, "feed").map(drop));
    ingest(s.audit_log("feed").map(drop));
    ingest(s.tokens("feed").map(drop));
    ingest(s.open_case(alerts[0], "feed").map(drop));
    ingest(s.add_user("x", UserRole::Analyst, "feed").map(drop));
    ingest(s.create_token("feed", "feed").map(drop));
    let case = s.open_case(alerts[0], "ana").unwrap();
    assert_err!(s.assign(case.id, "feed", "ana"), StoreError::Invalid(_));
    s.disable_user("feed", "ada").unwrap();
    assert_err!(s.authorize_ingest("feed"), StoreError::UserDisabled(_));
}

fn a_token_hash_swapped_behind_the_stores_back_is_named(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    let t = s.create_token("ana", "ada").unwrap().token;
    s.verify_audit().unwrap();
    // Someone with database access puts in the hash of a secret they know.
    f.sql(&format!(
        "UPDATE api_tokens SET token_sha256 = '{}' WHERE id = {}",
        digest_hex("spur_0000000000000000000000000000000000000000000000000000000000000000"),
        t.id
    ));
    let found = findings(&mut *s);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].object, format!("token:{}", t.id));
    assert!(
        found[0]
            .message
            .contains("token_sha256 changed after audit entry"),
        "{}",
        found[0].message
    );
}

/// A database written by a build that had migration 9 before 7 (tokens)
/// was merged holds 9 but not 7: opening applies 7 too, not only the
/// versions above the highest.
fn a_migration_missing_below_the_highest_is_applied(f: &Fixture) {
    drop(f.open());
    f.sql("DROP TABLE api_tokens; DELETE FROM schema_version WHERE version = 7;");
    let mut s = f.open();
    assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
    staff(&mut *s);
    let issued = s.create_token("ana", "ada").unwrap();
    assert_eq!(s.authenticate(&issued.secret).unwrap().name, "ana");
    s.verify_audit().unwrap();
    drop(s);
    // Recorded as applied: opening again does not create the table twice.
    f.open().verify_audit().unwrap();
}

// ---- the payment log (migration 8) ----

/// A canonical payment of the log tests; `n` varies its time and amount.
fn logged(txn_id: &str, n: i64) -> spur_engine::Payment<'_> {
    spur_engine::Payment {
        txn_id,
        timestamp: T0 - 86_400 + n * 60,
        amount: 10.0 + n as f64 / 100.0,
        currency: spur_engine::Currency::new(b"USD"),
        sender_id: "S-1",
        sender_country: spur_engine::Country::new(b"US"),
        sender_name: "Gary Whitfield",
        receiver_id: "R-1",
        receiver_country: spur_engine::Country::new(b"PH"),
        receiver_name: "Maria Luz Cruz",
        channel: Some(spur_engine::Channel::Remittance),
        message: "for load 'n' stuff",
        extra: spur_engine::Extra::default(),
    }
}

/// One chunk of these payments with their txn ids and digests.
fn chunk_of<'a>(payments: &[spur_engine::Payment<'a>]) -> (Vec<u8>, Vec<IngestedTxn<'a>>) {
    let mut w = ChunkWriter::new();
    let mut txns = Vec::new();
    for p in payments {
        w.push(p);
        txns.push(IngestedTxn {
            txn_id: p.txn_id,
            digest: spur_store::payment_digest(p),
        });
    }
    (w.into_bytes(), txns)
}

fn append(s: &mut dyn Store, after: i64, ids: &[&str]) -> Result<LogCommitted, StoreError> {
    let payments: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| logged(id, i as i64))
        .collect();
    let (bytes, txns) = chunk_of(&payments);
    s.append_log(after, &bytes, &txns)
}

fn log_chunks_read_back_byte_equal_after_a_position(f: &Fixture) {
    let mut s = f.open();
    assert_eq!(s.log_head().unwrap(), LogHead::default());
    assert_eq!(s.read_log(0, 10).unwrap(), []);
    let mut written = Vec::new();
    let ids: Vec<String> = (0..1200).map(|i| format!("T{i}")).collect();
    let mut mixed = logged("X1", 5);
    mixed.channel = None;
    mixed.amount = 0.1 + 0.2;
    mixed.message = "";
    mixed.extra = spur_engine::Extra {
        mcc: Some(5816),
        receiver_phone: "+63 917 000 0000",
        sender_birth_year: Some(1961),
        sender_sex: Some(spur_engine::Sex::Female),
        payout_time: Some(T0),
    };
    // Chunks of one, of 1,200 (more than one INSERT statement) and of two.
    let chunks: Vec<Vec<spur_engine::Payment<'_>>> = vec![
        vec![mixed],
        ids.iter()
            .enumerate()
            .map(|(i, id)| logged(id, i as i64))
            .collect(),
        vec![logged("Y1", 1), logged("Y2", 2)],
    ];
    for (i, payments) in chunks.iter().enumerate() {
        let (bytes, txns) = chunk_of(payments);
        let done = s.append_log(i as i64, &bytes, &txns).unwrap();
        assert_eq!(
            (done.seq, done.new_txns),
            (i as i64 + 1, payments.len() as u64)
        );
        written.push(bytes);
    }
    assert_eq!(s.log_head().unwrap(), LogHead { seq: 3, txns: 1203 });
    let read = s.read_log(0, 10).unwrap();
    assert_eq!(read.iter().map(|c| c.seq).collect::<Vec<_>>(), [1, 2, 3]);
    for ((chunk, bytes), payments) in read.iter().zip(&written).zip(&chunks) {
        assert_eq!(&chunk.bytes, bytes);
        assert_eq!(chunk.payments as usize, payments.len());
        assert_eq!(&chunk.decode().unwrap(), payments);
        assert_eq!(chunk.recorded_at, T0);
    }
    assert_eq!(
        read[0].decode().unwrap()[0].amount.to_bits(),
        (0.1f64 + 0.2).to_bits()
    );
    // After a position, at most `limit` chunks.
    let tail = s.read_log(1, 1).unwrap();
    assert_eq!((tail.len(), tail[0].seq), (1, 2));
    assert_eq!(s.read_log(3, 10).unwrap(), []);
    // The txn ids are known with their digests, for idempotency.
    let known = s.known_txns(&["T1199", "Y2", "nope"]).unwrap();
    assert_eq!(known.len(), 2);
    for k in &known {
        let p = if k.txn_id == "Y2" {
            logged("Y2", 2)
        } else {
            logged("T1199", 1199)
        };
        assert!(
            k.same_content(&spur_store::payment_digest(&p)),
            "{}",
            k.txn_id
        );
    }
    s.verify_audit().unwrap();
}

fn a_chunks_txns_and_log_entry_commit_together_or_not_at_all(f: &Fixture) {
    let mut s = f.open();
    append(&mut *s, 0, &["t1", "t2"]).unwrap();
    let audit_before = s.verify_audit().unwrap().entries;
    // A chunk whose 901st payment reuses an id: the first 500 ids were
    // inserted by the time the second statement finds it; none stay.
    let mut ids: Vec<String> = (0..1000).map(|i| format!("n{i}")).collect();
    ids[900] = "t1".into();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let e = assert_err!(append(&mut *s, 1, &refs), StoreError::AlreadyIngested(_));
    assert_eq!(e.code(), "already_ingested");
    // The same id twice in one chunk.
    assert_err!(
        append(&mut *s, 1, &["d1", "d1"]),
        StoreError::AlreadyIngested(_)
    );
    assert_eq!(s.log_head().unwrap(), LogHead { seq: 1, txns: 2 });
    assert_eq!(s.read_log(1, 10).unwrap(), []);
    assert_eq!(
        known_ids(&mut *s, &["n0", "n499", "n999", "d1"]),
        Vec::<String>::new()
    );
    assert_eq!(s.verify_audit().unwrap().entries, audit_before);
    // Ids that do not match the chunk's payments are refused before any SQL.
    let (bytes, mut txns) = chunk_of(&[logged("a1", 0), logged("a2", 1)]);
    txns.swap(0, 1);
    assert_err!(s.append_log(1, &bytes, &txns), StoreError::Invalid(_));
    assert_err!(s.append_log(1, &bytes, &txns[..1]), StoreError::Invalid(_));
    assert_err!(
        s.append_log(1, b"SPL1\x01\0\0\0junk", &[]),
        StoreError::Invalid(_)
    );
    // And the good chunk then goes in whole.
    txns.swap(0, 1);
    assert_eq!(s.append_log(1, &bytes, &txns).unwrap().seq, 2);
    assert_eq!(known_ids(&mut *s, &["a1", "a2"]), ["a1", "a2"]);
}

/// A commit of more txn ids than the store holds (a first scan of a history
/// into an empty database): PostgreSQL copies them into the table without
/// its key and builds the key again. A held id or one given twice still
/// refuses the commit whole, and the key is there afterwards.
fn a_load_larger_than_the_held_ids_keeps_them_unique(f: &Fixture) {
    const MANY: usize = 100_000;
    let mut s = f.open();
    append(&mut *s, 0, &["t1", "t2"]).unwrap();
    let fresh: Vec<String> = (0..MANY).map(|i| format!("n{i}")).collect();
    fn with<'a>(fresh: &'a [String], last: &'a str) -> Vec<&'a str> {
        let mut ids: Vec<&str> = fresh.iter().map(String::as_str).collect();
        ids[MANY - 1] = last;
        ids
    }
    // A held id at the end of many new ones.
    let known = match append(&mut *s, 1, &with(&fresh, "t1")) {
        Err(StoreError::AlreadyIngested(known)) => known,
        other => panic!("expected AlreadyIngested, got {other:?}"),
    };
    assert_eq!(
        known.iter().map(|k| k.txn_id.as_str()).collect::<Vec<_>>(),
        ["t1"]
    );
    // An id twice among them.
    let known = match append(&mut *s, 1, &with(&fresh, "n7")) {
        Err(StoreError::AlreadyIngested(known)) => known,
        other => panic!("expected AlreadyIngested, got {other:?}"),
    };
    assert_eq!(
        known.iter().map(|k| k.txn_id.as_str()).collect::<Vec<_>>(),
        ["n7"]
    );
    assert_eq!(s.log_head().unwrap(), LogHead { seq: 1, txns: 2 });
    assert_eq!(
        known_ids(&mut *s, &["n0", "n7", "n99998"]),
        Vec::<String>::new()
    );
    // Many new ones go in, and are held: sent again, each is refused.
    let all: Vec<&str> = fresh.iter().map(String::as_str).collect();
    assert_eq!(append(&mut *s, 1, &all).unwrap().new_txns, MANY as u64);
    assert_eq!(known_ids(&mut *s, &["n0", "n99999"]), ["n0", "n99999"]);
    assert_err!(
        append(&mut *s, 2, &["t3", "n5"]),
        StoreError::AlreadyIngested(_)
    );
    assert_eq!(
        s.log_head().unwrap(),
        LogHead {
            seq: 2,
            txns: MANY as i64 + 2
        }
    );
    s.verify_audit().unwrap();
}

/// A commit of many chunks (a scan's: PostgreSQL copies them in one
/// `COPY`) keeps each at its position, byte for byte, with its txn ids; and
/// a commit behind the log's end leaves none of them.
fn a_commit_of_many_chunks_reads_back_in_order(f: &Fixture) {
    const CHUNKS: usize = 70;
    let mut s = f.open();
    let ids: Vec<String> = (0..CHUNKS * 2).map(|i| format!("c{i}")).collect();
    let payments: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| logged(id, i as i64))
        .collect();
    let built: Vec<_> = payments.chunks(2).map(chunk_of).collect();
    let chunks: Vec<&[u8]> = built.iter().map(|(bytes, _)| bytes.as_slice()).collect();
    let txns: Vec<IngestedTxn<'_>> = built.iter().flat_map(|(_, t)| t.clone()).collect();
    let commit = LogCommit {
        after: 0,
        chunks: &chunks,
        txns: &txns,
        ..LogCommit::default()
    };
    let done = s.commit_log(&commit).unwrap();
    assert_eq!(
        (done.seq, done.new_txns),
        (CHUNKS as i64, (CHUNKS * 2) as u64)
    );
    // Sent again, behind the log's end: refused, nothing added.
    assert_err!(s.commit_log(&commit), StoreError::LogConflict { .. });
    let read = s.read_log(0, CHUNKS + 10).unwrap();
    assert_eq!(read.len(), CHUNKS);
    for (i, (chunk, (bytes, _))) in read.iter().zip(&built).enumerate() {
        assert_eq!(chunk.seq, i as i64 + 1);
        assert_eq!(&chunk.bytes, bytes);
        assert_eq!(chunk.payments, 2);
    }
    assert_eq!(known_ids(&mut *s, &["c0", "c139"]), ["c0", "c139"]);
    s.verify_audit().unwrap();
}

fn a_reused_txn_id_with_other_content_is_reported(f: &Fixture) {
    let mut s = f.open();
    append(&mut *s, 0, &["t1", "t2"]).unwrap();
    f.clock.advance(86_400);
    let mut other = logged("t2", 1);
    other.amount = 99.0;
    let (bytes, txns) = chunk_of(&[logged("t3", 0), other]);
    let known = match s.append_log(1, &bytes, &txns) {
        Err(StoreError::AlreadyIngested(known)) => known,
        other => panic!("expected AlreadyIngested, got {other:?}"),
    };
    assert_eq!(known.len(), 1);
    assert_eq!(known[0].txn_id, "t2");
    assert_eq!(known[0].recorded_at, T0);
    assert!(!known[0].same_content(&spur_store::payment_digest(&other)));
    assert!(known[0].same_content(&spur_store::payment_digest(&logged("t2", 1))));
    let e = StoreError::AlreadyIngested(known).to_string();
    assert!(
        e.contains("t2") && e.contains("nothing of this commit was stored"),
        "{e}"
    );
}

fn a_commit_behind_the_logs_end_is_refused(f: &Fixture) {
    let mut a = f.open();
    let mut b = f.open();
    append(&mut *a, 0, &["t1"]).unwrap();
    // The second writer's engine is still at the start.
    let e = assert_err!(
        append(&mut *b, 0, &["t2"]),
        StoreError::LogConflict {
            expected: 0,
            found: 1
        }
    );
    assert_eq!(e.code(), "log_conflict");
    assert_eq!(known_ids(&mut *b, &["t2"]), Vec::<String>::new());
    append(&mut *b, 1, &["t2"]).unwrap();
}

fn only_the_latest_checkpoint_is_kept(f: &Fixture) {
    let mut s = f.open();
    assert_eq!(s.load_checkpoint().unwrap(), None);
    append(&mut *s, 0, &["t1"]).unwrap();
    append(&mut *s, 1, &["t2"]).unwrap();
    s.save_checkpoint(1, b"state one").unwrap();
    f.clock.advance(60);
    s.save_checkpoint(2, b"state two").unwrap();
    let c = s.load_checkpoint().unwrap().unwrap();
    assert_eq!(
        (c.log_seq, c.state.as_slice(), c.saved_at),
        (2, &b"state two"[..], T0 + 60)
    );
    // Older than the stored one (a slow background save), or past the log.
    assert_err!(s.save_checkpoint(1, b"late"), StoreError::Invalid(_));
    assert_err!(s.save_checkpoint(3, b"ahead"), StoreError::Invalid(_));
    // A commit that carries one replaces it at its new end.
    let (bytes, txns) = chunk_of(&[logged("t3", 3)]);
    let done = s
        .commit_log(&LogCommit {
            after: 2,
            chunks: &[&bytes],
            txns: &txns,
            checkpoint: Some(b"state three"),
            ..LogCommit::default()
        })
        .unwrap();
    assert!(done.checkpoint);
    let c = s.load_checkpoint().unwrap().unwrap();
    assert_eq!((c.log_seq, c.state.as_slice()), (3, &b"state three"[..]));
    s.verify_audit().unwrap();
    // One row left: older ones are dropped.
    f.sql("INSERT INTO txns (txn_id, recorded_at) SELECT 'count-' || COUNT(*), 0 FROM checkpoints");
    assert_eq!(known_ids(&mut *s, &["count-1"]), ["count-1"]);
}

/// A checkpoint of megabytes is stored in parts of a megabyte (migration
/// 14) and comes back byte for byte; one saved whole before that still
/// loads; a part changed behind the store's back is found by verify.
fn a_large_checkpoint_is_kept_in_parts(f: &Fixture) {
    let mut s = f.open();
    append(&mut *s, 0, &["t1"]).unwrap();
    append(&mut *s, 1, &["t2"]).unwrap();
    // Not a whole number of parts, and no two parts alike.
    let state: Vec<u8> = (0..(5 << 19) + 7u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    s.save_checkpoint(1, &state).unwrap();
    let c = s.load_checkpoint().unwrap().unwrap();
    assert_eq!(c.log_seq, 1);
    assert!(c.state == state, "the parts put back together");
    s.verify_audit().unwrap();
    f.sql("INSERT INTO txns (txn_id, recorded_at) SELECT 'parts-' || COUNT(*), 0 FROM checkpoint_parts");
    assert_eq!(
        known_ids(&mut *s, &["parts-3"]),
        ["parts-3"],
        "2.5 MiB in three parts"
    );
    // Saved again at the same position: the parts there are replaced.
    let smaller = &state[..1000];
    s.save_checkpoint(1, smaller).unwrap();
    assert_eq!(s.load_checkpoint().unwrap().unwrap().state, smaller);
    s.save_checkpoint(2, &state).unwrap();
    // Part 1 overwritten with part 0 (the same length): the digest differs.
    f.sql(
        "UPDATE checkpoint_parts SET bytes = \
         (SELECT p.bytes FROM checkpoint_parts p WHERE p.part = 0) WHERE part = 1",
    );
    let findings = match s.verify_audit() {
        Err(StoreError::RowsDiffer(found)) => found,
        other => panic!("expected RowsDiffer, got {other:?}"),
    };
    assert!(
        findings
            .iter()
            .any(|m| m.message.starts_with("the engine checkpoint: ")),
        "{findings:?}"
    );
    // A checkpoint as migration 13 left it: whole in its row, no parts.
    let old = match f.kind {
        Kind::Sqlite => "X'6f6c64'",
        Kind::Postgres => "'\\x6f6c64'::bytea",
    };
    f.sql(&format!(
        "DELETE FROM checkpoint_parts; \
         UPDATE checkpoints SET state = {old}, parts = NULL, bytes = NULL"
    ));
    let c = s.load_checkpoint().unwrap().unwrap();
    assert_eq!((c.log_seq, c.state.as_slice()), (2, &b"old"[..]));
}

/// More ids than one `IN` list holds (SQLite asks in lists of 500,
/// PostgreSQL with one array): every held id is found, no other.
fn many_txn_ids_are_looked_up_at_once(f: &Fixture) {
    let mut s = f.open();
    let held: Vec<String> = (0..1_203).map(|i| format!("m{i:05}")).collect();
    let held_refs: Vec<&str> = held.iter().map(String::as_str).collect();
    append(&mut *s, 0, &held_refs).unwrap();
    let asked: Vec<String> = (0..1_501).rev().map(|i| format!("m{i:05}")).collect();
    let asked_refs: Vec<&str> = asked.iter().map(String::as_str).collect();
    assert_eq!(known_ids(&mut *s, &asked_refs), held);
    assert_eq!(known_ids(&mut *s, &[]), Vec::<String>::new());
}

fn the_payment_log_is_append_only_and_verified(f: &Fixture) {
    let mut s = f.open();
    append(&mut *s, 0, &["t1", "t2"]).unwrap();
    s.save_checkpoint(1, b"state").unwrap();
    s.verify_audit().unwrap();
    assert!(f.raw("UPDATE payment_log SET payments = 3").is_err());
    assert!(f.raw("DELETE FROM payment_log").is_err());
    f.sql(match f.kind {
        Kind::Sqlite => "DROP TRIGGER payment_log_no_update;",
        Kind::Postgres => "DROP TRIGGER payment_log_append_only ON payment_log;",
    });
    f.sql("UPDATE payment_log SET recorded_at = recorded_at + 1");
    f.sql("UPDATE checkpoints SET saved_at = saved_at + 1");
    let findings = match s.verify_audit() {
        Err(StoreError::RowsDiffer(found)) => found,
        other => panic!("expected RowsDiffer, got {other:?}"),
    };
    let messages: Vec<&str> = findings.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("payment log chunk 1: ")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("the engine checkpoint: ")),
        "{messages:?}"
    );
}

fn alert_evidence_is_read_from_the_log(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    append(&mut *s, 0, &["t1", "t2"]).unwrap();
    append(&mut *s, 1, &["t3"]).unwrap();
    let raised = [alert("R-1", Role::Receiver, 0.9, &["t3", "t1"])];
    let done = s
        .commit_log(&LogCommit {
            after: 2,
            alerts: AlertUpdate::Changed {
                raised: &raised,
                cleared: &[],
            },
            ..LogCommit::default()
        })
        .unwrap();
    assert_eq!(
        (done.seq, done.alerts_created.len(), done.payments_kept),
        (2, 1, 2)
    );
    let kept = s.payments(&["t1", "t2", "t3"], "aud").unwrap();
    assert_eq!(
        kept,
        [
            PaymentRecord::from_payment(&logged("t1", 0)),
            PaymentRecord::from_payment(&logged("t3", 0)),
        ]
    );
    // A settle that no longer raises it clears it; another party's alert stays.
    let other = [alert("S-1", Role::Sender, 0.7, &["t2"])];
    let done = s
        .commit_log(&LogCommit {
            after: 2,
            alerts: AlertUpdate::Changed {
                raised: &other,
                cleared: &[("R-1", Role::Receiver), ("R-404", Role::Receiver)],
            },
            ..LogCommit::default()
        })
        .unwrap();
    assert_eq!((done.alerts_cleared.len(), done.payments_kept), (1, 1));
    let alerts = s.alerts("aud").unwrap();
    let standing: Vec<(&str, bool)> = alerts
        .iter()
        .map(|a| (a.subject.as_str(), a.cleared_at.is_some()))
        .collect();
    assert_eq!(standing, [("R-1", true), ("S-1", false)]);
    s.verify_audit().unwrap();
}

fn an_alert_raised_again_unchanged_is_not_rewritten(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    append(&mut *s, 0, &["t1", "t2"]).unwrap();
    let whole = |s: &mut dyn Store, alerts: &[Alert]| {
        s.commit_log(&LogCommit {
            after: 1,
            alerts: AlertUpdate::Whole(alerts),
            ..LogCommit::default()
        })
        .unwrap()
    };
    let first = [
        alert("R-1", Role::Receiver, 0.9, &["t1"]),
        alert("S-1", Role::Sender, 0.8, &["t2"]),
    ];
    assert_eq!(whole(&mut *s, &first).alerts_created.len(), 2);
    f.clock.advance(60);
    // The same again: nothing written, nothing cleared.
    let again = whole(&mut *s, &first);
    assert_eq!(
        (
            again.alerts_created.len(),
            again.alerts_updated.len(),
            again.alerts_cleared.len()
        ),
        (0, 0, 0)
    );
    let updated_at: Vec<i64> = s
        .alerts("aud")
        .unwrap()
        .iter()
        .map(|a| a.updated_at)
        .collect();
    assert_eq!(updated_at, [T0, T0]);
    // One changed, the other no longer raised.
    let changed = [alert("R-1", Role::Receiver, 0.95, &["t1", "t2"])];
    let done = whole(&mut *s, &changed);
    assert_eq!(
        (
            done.alerts_created.len(),
            done.alerts_updated.len(),
            done.alerts_cleared.len()
        ),
        (0, 1, 1)
    );
    // Raised again unchanged after it was cleared: standing again.
    let back = whole(&mut *s, &[changed[0].clone(), first[1].clone()]);
    assert_eq!(
        (back.alerts_updated.len(), back.alerts_cleared.len()),
        (1, 0)
    );
    s.verify_audit().unwrap();
}

/// A scan passes no evidence of its own: what its alerts cite in the
/// commit's chunks is kept from the chunks as the store checks them
/// (the scan no longer decodes its chunks to find it).
fn evidence_in_the_commits_own_chunks_is_kept(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    append(&mut *s, 0, &["t1"]).unwrap();
    let payments = [logged("t2", 1), logged("t3", 2)];
    let (bytes, txns) = chunk_of(&payments);
    let raised = [alert("R-1", Role::Receiver, 0.9, &["t1", "t3"])];
    let done = s
        .commit_log(&LogCommit {
            after: 1,
            chunks: &[&bytes],
            txns: &txns,
            alerts: AlertUpdate::Whole(&raised),
            ..LogCommit::default()
        })
        .unwrap();
    assert_eq!((done.seq, done.new_txns, done.payments_kept), (2, 2, 2));
    let kept = s.payments(&["t1", "t2", "t3"], "aud").unwrap();
    assert_eq!(
        kept,
        [
            PaymentRecord::from_payment(&logged("t1", 0)),
            PaymentRecord::from_payment(&logged("t3", 2)),
        ]
    );
    s.verify_audit().unwrap();
}

/// Migration 10 moves SQLite's txn ids into a WITHOUT ROWID table: the
/// ids, their digests and chunks stay, a re-sent id is still known and a
/// new one still taken (PostgreSQL's table is left as it is).
fn txn_ids_keep_their_digests_across_migration_10(f: &Fixture) {
    let mut s = f.open();
    append(&mut *s, 0, &["t1", "t2"]).unwrap();
    let before = s.known_txns(&["t1", "t2", "t9"]).unwrap();
    assert_eq!(before.len(), 2);
    drop(s);
    f.sql("DELETE FROM schema_version WHERE version = 10;");
    let mut s = f.open();
    assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(s.known_txns(&["t1", "t2", "t9"]).unwrap(), before);
    assert!(matches!(
        append(&mut *s, 1, &["t2"]),
        Err(StoreError::AlreadyIngested(_))
    ));
    assert_eq!(append(&mut *s, 1, &["t3"]).unwrap().new_txns, 1);
    assert_eq!(s.log_head().unwrap().txns, 3);
    s.verify_audit().unwrap();
}

// ---- learning from the analysts ----

fn new_label(party: &str, role: Role, disposition: LabelDisposition) -> NewLabel {
    NewLabel {
        party_id: party.into(),
        role,
        disposition,
    }
}

fn new_model(refusal: Option<&str>) -> NewModel {
    NewModel {
        refusal: refusal.map(str::to_owned),
        labels: 60,
        threshold: 0.5,
        cv_precision: 0.97,
        cv_recall: 0.92,
        rules_precision: 0.9,
        rules_recall: 0.92,
        body: r#"{"features":[]}"#.into(),
    }
}

fn labels_are_imported_by_workers_audited_and_read_with_closed_cases(f: &Fixture) {
    let mut s = f.open();
    let ids = with_alerts(&mut *s);
    let file = [
        new_label("S-1", Role::Sender, LabelDisposition::Suspicious),
        new_label("S-9", Role::Sender, LabelDisposition::NotSuspicious),
        new_label("R-1", Role::Receiver, LabelDisposition::FalsePositive),
    ];
    for who in ["ada", "aud"] {
        assert_err!(
            s.import_labels("labels.csv", &file, who),
            StoreError::Forbidden { .. }
        );
    }
    assert_err!(
        s.import_labels("labels.csv", &[], "ana"),
        StoreError::Invalid(_)
    );
    let before = audit_len(&mut *s);
    let done = s.import_labels("labels.csv", &file, "ana").unwrap();
    assert_eq!(done.imported, 3);
    assert_eq!(audit_len(&mut *s), before + 1);
    let entry = s.audit_log("aud").unwrap().pop().unwrap();
    assert_eq!(entry.id, done.audit_entry);
    assert_eq!(entry.action, "labels.import");
    assert_eq!(entry.actor, "ana");
    assert!(entry.after.unwrap().contains("labels.csv"));

    // A closed case's disposition is a label for each of its alerts; an open one is not.
    let case = s.open_case(ids[1], "alex").unwrap();
    s.set_disposition(case.id, Disposition::NotSuspicious, "alex")
        .unwrap();
    assert_eq!(s.labels("aud").unwrap().len(), 3);
    s.close(case.id, "a family sender", "alex").unwrap();
    let labels = s.labels("aud").unwrap();
    assert_eq!(labels.len(), 4);
    assert_eq!(labels[0].party_id, "S-1");
    assert_eq!(labels[0].disposition, LabelDisposition::Suspicious);
    assert_eq!(labels[0].source, LabelSource::Import("labels.csv".into()));
    assert_eq!(labels[0].who, "ana");
    assert_eq!(labels[0].at, T0);
    assert_eq!(labels[2].role, Role::Receiver);
    assert_eq!(labels[3].party_id, "S-2");
    assert_eq!(labels[3].disposition, LabelDisposition::NotSuspicious);
    assert_eq!(labels[3].source, LabelSource::Case(case.id));
    assert_eq!(labels[3].who, "alex");
    assert_err!(s.labels("nobody"), StoreError::UnknownUser(_));
    s.verify_audit().unwrap();
}

fn models_are_versioned_and_activated_by_another_supervisor(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    assert_err!(
        s.save_model(&new_model(None), "aud"),
        StoreError::Forbidden { .. }
    );
    let mut bad = new_model(None);
    bad.cv_recall = f64::NAN;
    assert_err!(s.save_model(&bad, "ana"), StoreError::Invalid(_));
    let v1 = s.save_model(&new_model(None), "sue").unwrap();
    let v2 = s
        .save_model(&new_model(Some("recall below the rules'")), "ana")
        .unwrap();
    let v3 = s.save_model(&new_model(None), "ana").unwrap();
    assert_eq!((v1.version, v2.version, v3.version), (1, 2, 3));
    assert_eq!(v1.status, ModelStatus::Candidate);
    assert_eq!(v1.trainer, "sue");
    assert_eq!(v2.status, ModelStatus::Refused);
    assert_eq!(s.models("aud").unwrap().len(), 3);
    assert_eq!(s.model(3, "aud").unwrap().body, r#"{"features":[]}"#);
    assert_err!(s.model(9, "aud"), StoreError::NotFound { .. });
    // The rules stay the default: no model is active until a supervisor says so.
    assert_eq!(s.active_model("aud").unwrap(), None);

    assert_err!(s.activate_model(3, "ana"), StoreError::Forbidden { .. });
    assert_err!(s.activate_model(1, "sue"), StoreError::SelfActivation(1));
    assert_err!(
        s.activate_model(2, "sam"),
        StoreError::ModelRefused { version: 2, .. }
    );
    assert_err!(s.activate_model(9, "sam"), StoreError::NotFound { .. });
    assert_eq!(s.active_model("aud").unwrap(), None);

    let before = audit_len(&mut *s);
    let on = s.activate_model(1, "sam").unwrap();
    assert_eq!(on.status, ModelStatus::Active);
    assert_eq!(on.activated_by.as_deref(), Some("sam"));
    assert_eq!(audit_len(&mut *s), before + 1);
    assert_err!(s.activate_model(1, "sam"), StoreError::Invalid(_));
    s.activate_model(3, "sue").unwrap();
    assert_eq!(s.active_model("aud").unwrap().unwrap().version, 3);
    assert_eq!(s.model(1, "aud").unwrap().status, ModelStatus::Retired);
    let actions: Vec<String> = s
        .audit_log("aud")
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .filter(|a| a.starts_with("model."))
        .collect();
    assert_eq!(
        actions,
        [
            "model.train",
            "model.train",
            "model.train",
            "model.activate",
            "model.activate"
        ]
    );
    s.verify_audit().unwrap();
}

fn a_label_or_model_changed_behind_the_stores_back_is_named(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    s.import_labels(
        "l.csv",
        &[new_label(
            "S-1",
            Role::Sender,
            LabelDisposition::FalsePositive,
        )],
        "ana",
    )
    .unwrap();
    s.save_model(&new_model(Some("too few labels")), "ana")
        .unwrap();
    s.verify_audit().unwrap();
    drop(s);
    f.sql("UPDATE labels SET disposition = 'suspicious'");
    f.sql("UPDATE models SET status = 'candidate', refusal = NULL");
    let mut s = f.open();
    let found: Vec<String> = findings(&mut *s).into_iter().map(|f| f.object).collect();
    assert_eq!(found, ["label:1", "model:1"]);
}

fn stats_noise_is_kept_once_and_an_edit_is_refused(f: &Fixture) {
    let mut s = f.open();
    s.add_user("ada", UserRole::Admin, "ada").unwrap();
    s.add_user("aud", UserRole::Auditor, "ada").unwrap();
    s.add_user("feed", UserRole::Ingest, "ada").unwrap();
    assert_eq!(s.stats_noise("k1", "aud").unwrap(), None);
    let e = s.save_stats_noise("k1", 1.0, "[1,-2]", "feed").unwrap_err();
    assert_eq!(e.code(), "forbidden", "{e}");
    s.save_stats_noise("k1", 1.0, "[1,-2]", "aud").unwrap();
    assert_eq!(
        s.stats_noise("k1", "aud").unwrap().as_deref(),
        Some("[1,-2]")
    );
    // Drawn once: a second draw under the same key is refused.
    let e = s.save_stats_noise("k1", 1.0, "[0,0]", "aud").unwrap_err();
    assert_eq!(e.code(), "invalid_input", "{e}");
    let e = s.save_stats_noise("k2", 0.0, "[0]", "aud").unwrap_err();
    assert_eq!(e.code(), "invalid_input", "{e}");
    s.verify_audit().unwrap();
    // Edited behind the store's back: refused when read.
    f.sql("UPDATE stats_noise SET noise = '[0,0]' WHERE key = 'k1'");
    let e = f.open().stats_noise("k1", "aud").unwrap_err();
    assert!(e.to_string().contains("edited"), "{e}");
}
