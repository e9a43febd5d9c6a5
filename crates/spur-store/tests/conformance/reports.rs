//! Four eyes and one report per case (issue 8): redrafts, corrections, entity references, dispositions and what a report keeps.

use super::*;

conformance! {
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
}

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
