//! A case taken to a filed goAML report with four eyes, and its XML.

use super::*;

on_both! {
    a_case_goes_to_a_filed_report_with_four_eyes_and_its_xml,
}

fn a_case_goes_to_a_filed_report_with_four_eyes_and_its_xml(backend: Backend) {
    let mut server = TestServer::start(backend, "report_flow");
    seed(&server);
    let alerts = walk(&server, "/v1/alerts?subject=S-02", 5, "analyst");
    let more = walk(&server, "/v1/alerts?subject=R-02", 5, "analyst");
    let (a, b) = (
        alerts[0]["id"].as_i64().unwrap(),
        more[0]["id"].as_i64().unwrap(),
    );

    let case = ok(
        &server,
        "POST",
        "/v1/cases",
        "analyst",
        Some(&format!(r#"{{"alert": {a}}}"#)),
        201,
    );
    let c = case["id"].as_i64().unwrap();
    assert_eq!(
        (case["status"].as_str(), case["opened_by"].as_str()),
        (Some("open"), Some("ana"))
    );
    let case = ok(
        &server,
        "POST",
        &format!("/v1/cases/{c}/alerts"),
        "analyst",
        Some(&format!(r#"{{"alert": {b}}}"#)),
        200,
    );
    assert_eq!(case["alerts"], serde_json::json!([a, b]));
    ok(
        &server,
        "PUT",
        &format!("/v1/cases/{c}/assignee"),
        "supervisor",
        Some(r#"{"assignee": "ana"}"#),
        200,
    );
    let case = ok(
        &server,
        "POST",
        &format!("/v1/cases/{c}/notes"),
        "analyst",
        Some(r#"{"text": "Pays R-02 at night, small amounts"}"#),
        201,
    );
    assert_eq!(case["notes"][0]["author"], "ana");
    ok(
        &server,
        "PUT",
        &format!("/v1/cases/{c}/status"),
        "analyst",
        Some(r#"{"status": "investigating"}"#),
        200,
    );
    let case = ok(
        &server,
        "PUT",
        &format!("/v1/cases/{c}/disposition"),
        "analyst",
        Some(r#"{"disposition": "suspicious"}"#),
        200,
    );
    assert_eq!(
        (
            case["status"].as_str(),
            case["disposition"].as_str(),
            case["assignee"].as_str()
        ),
        (Some("investigating"), Some("suspicious"), Some("ana"))
    );

    // ana drafts; a second draft, or a profile by path, is refused.
    let body = format!(
        r#"{{"case": {c}, "fiu": "ae", "reason": "Pays several unrelated young women in PH at night"}}"#
    );
    let drafted = ok(&server, "POST", "/v1/reports", "analyst", Some(&body), 201);
    let r = drafted["report"]["id"].as_i64().unwrap();
    assert_eq!(drafted["report"]["status"], "draft");
    assert_eq!(drafted["report"]["authors"], serde_json::json!(["ana"]));
    assert!(drafted["report"]["xml_bytes"].as_u64().unwrap() > 1000);
    server
        .call("POST", "/v1/reports", Some("analyst"), Some(&body))
        .error(409, "open_report");
    let by_path = format!(r#"{{"case": {c}, "fiu": "/etc/passwd"}}"#);
    server
        .call("POST", "/v1/reports", Some("analyst"), Some(&by_path))
        .error(400, "invalid_input");
    server
        .call(
            "POST",
            "/v1/reports",
            Some("analyst"),
            Some(&format!(r#"{{"case": {c}, "fiu": "ae", "colour": 1}}"#)),
        )
        .error(400, "malformed_body");

    // Four eyes: an analyst may not approve; sue redrafts and so may not
    // either; a second supervisor, with a token an admin made, does.
    server
        .call(
            "POST",
            &format!("/v1/reports/{r}/approve"),
            Some("analyst"),
            None,
        )
        .error(403, "forbidden");
    let redrafted = ok(
        &server,
        "POST",
        &format!("/v1/reports/{r}/redraft"),
        "supervisor",
        Some(r#"{"action": "Account restricted on 2026-01-05"}"#),
        200,
    );
    assert_eq!(
        redrafted["report"]["authors"],
        serde_json::json!(["ana", "sue"])
    );
    assert_eq!(
        redrafted["report"]["action"],
        "Account restricted on 2026-01-05"
    );
    assert_eq!(
        redrafted["report"]["reason"],
        "Pays several unrelated young women in PH at night"
    );
    server
        .call(
            "POST",
            &format!("/v1/reports/{r}/approve"),
            Some("supervisor"),
            None,
        )
        .error(403, "self_approval");
    ok(
        &server,
        "POST",
        "/v1/users",
        "admin",
        Some(r#"{"name": "sam", "role": "supervisor"}"#),
        201,
    );
    let token = ok(
        &server,
        "POST",
        "/v1/tokens",
        "admin",
        Some(r#"{"for": "sam"}"#),
        201,
    );
    server
        .tokens
        .insert("sam", token["secret"].as_str().unwrap().to_owned());
    let approved = ok(
        &server,
        "POST",
        &format!("/v1/reports/{r}/approve"),
        "sam",
        None,
        200,
    );
    assert_eq!(
        (
            approved["status"].as_str(),
            approved["approved_by"].as_str()
        ),
        (Some("approved"), Some("sam"))
    );
    server
        .call(
            "POST",
            &format!("/v1/reports/{r}/redraft"),
            Some("analyst"),
            Some("{}"),
        )
        .error(409, "illegal_report_transition");

    let filed = ok(
        &server,
        "POST",
        &format!("/v1/reports/{r}/file"),
        "analyst",
        None,
        200,
    );
    assert_eq!(filed["status"], "filed");
    server
        .call(
            "POST",
            &format!("/v1/reports/{r}/file"),
            Some("analyst"),
            None,
        )
        .error(409, "report_filed");
    let case = ok(
        &server,
        "GET",
        &format!("/v1/cases/{c}"),
        "auditor",
        None,
        200,
    );
    assert_eq!(case["case"]["status"], "reported");
    // The dashboard's funnel: the fixture's alerts were raised at T0, the
    // report filed now, far more than the five days RA 11930 allows.
    let funnel = server.get("/v1/stats", Some("auditor")).json()["funnel"].clone();
    assert_eq!(
        (funnel["cases"].as_u64(), funnel["reports_filed"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(funnel["alerts_in_cases"], 2);
    assert!(
        funnel["median_hours_to_report"].as_f64().unwrap() > 5.0 * 24.0,
        "{funnel}"
    );
    assert_eq!(funnel["filed_within_deadline"], 0);
    assert_eq!(ids(&case["alerts"].as_array().unwrap().clone()), [a, b]);
    assert_eq!(ids(&case["reports"].as_array().unwrap().clone()), [r]);
    assert_eq!(
        ids(&walk(
            &server,
            &format!("/v1/reports?case={c}&status=filed"),
            5,
            "auditor"
        )),
        [r]
    );
    assert!(walk(&server, "/v1/reports?status=draft", 5, "auditor").is_empty());
    assert_eq!(
        ids(&walk(
            &server,
            "/v1/cases?assignee=ana&status=reported",
            5,
            "analyst"
        )),
        [c]
    );

    // The XML as filed: an attachment, byte for byte the store's, valid
    // against the profile's XSD.
    let xml = server.get(&format!("/v1/reports/{r}/xml"), Some("auditor"));
    assert_eq!(xml.status, 200, "{xml:?}");
    assert!(
        xml.headers["content-type"].starts_with("application/xml"),
        "{xml:?}"
    );
    assert_eq!(
        xml.headers["content-disposition"],
        format!("attachment; filename=\"STR-{c}.xml\"")
    );
    let stored = spur_store::open(&server.db, Arc::new(ManualClock::new(T0)))
        .unwrap()
        .report(r, "aud")
        .unwrap()
        .xml;
    assert_eq!(xml.body, stored);
    assert!(xml
        .body
        .contains(&format!("<entity_reference>{c}</entity_reference>")));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.xml");
    std::fs::write(&file, &xml.body).unwrap();
    let xsd = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/goaml/goAMLSchema-5.0.2-ae.xsd"
    );
    let lint = std::process::Command::new("xmllint")
        .args(["--noout", "--schema", xsd])
        .arg(&file)
        .output()
        .expect("xmllint (scripts/test installs it)");
    assert!(
        lint.status.success(),
        "{}",
        String::from_utf8_lossy(&lint.stderr)
    );

    // Every step is in the audit log under the token's user.
    let log = walk(
        &server,
        &format!("/v1/audit?object_kind=report&object_id={r}"),
        50,
        "auditor",
    );
    let steps: Vec<(&str, &str)> = log
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["actor"].as_str().unwrap()))
        .collect();
    assert_eq!(
        steps,
        [
            ("report.draft", "ana"),
            ("report.revise", "sue"),
            ("report.approve", "sam"),
            ("report.file", "ana")
        ]
    );
    let case_log = walk(
        &server,
        &format!("/v1/audit?object_kind=case&object_id={c}"),
        50,
        "auditor",
    );
    let actions: Vec<&str> = case_log
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "case.open",
            "case.add_alert",
            "case.assign",
            "case.note",
            "case.set_status",
            "case.set_disposition",
            "case.reported"
        ]
    );
    assert_eq!(case_log[2]["actor"], "sue");
    server.stop();
}
