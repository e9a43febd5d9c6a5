//! Trust (issue 8): concurrent writers, evidence payments kept with their batch, scans that clear and refuse, databases opened at once or not created by accident, verify naming every row changed behind the store's back, upgrades from before row digests.

use super::*;

conformance! {
    fresh_database_opened_by_several_at_once_is_not_locked,
    opening_an_existing_database_refuses_to_create_one,
    verify_names_every_row_changed_behind_the_stores_back,
    edited_row_digests_break_the_chain,
    last_admin_cannot_be_disabled_or_demoted,
    audit_log_filters_and_readers,
    a_database_from_before_row_digests_gets_a_baseline,
}

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
