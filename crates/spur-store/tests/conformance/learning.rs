//! Learning from the analysts: labels and models, their roles and their audit; the kept differential-privacy releases of `spur stats`.

use super::*;

conformance! {
    stats_noise_is_kept_once_and_an_edit_is_refused,
    labels_are_imported_by_workers_audited_and_read_with_closed_cases,
    models_are_versioned_and_activated_by_another_supervisor,
    a_label_or_model_changed_behind_the_stores_back_is_named,
}

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
