//! Cases and reports in the store: the case workflow and its illegal steps, four eyes, an auditor who reads and changes nothing, a filed report that cannot change.

use super::*;

conformance! {
    case_workflow,
    case_illegal_transitions_and_unknown_ids,
    four_eyes,
    auditor_reads_everything_and_changes_nothing,
    filed_report_is_immutable,
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
