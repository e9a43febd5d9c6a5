//! The workbench's API over HTTP, on SQLite and on PostgreSQL: paging
//! through the lists with filters, an alert and a party with what stands
//! behind them, a case taken to a filed goAML report with four eyes, the
//! users an admin manages, and the 404 and 409 answers. All data synthetic.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use common::{Backend, TestServer, T0};
use serde_json::Value;
use spur_engine::{Alert, Finding, Role};
use spur_store::{IngestedTxn, ManualClock, PaymentRecord};

macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[test] fn $name() { super::$name(super::Backend::Sqlite); } )*
        }
        mod postgres {
            $( #[test] fn $name() { super::$name(super::Backend::Postgres); } )*
        }
    };
}

on_both! {
    alerts_page_through_the_api_with_filters,
    users_and_audit_entries_page_through_the_api,
    an_alert_and_a_party_with_what_stands_behind_them,
    a_case_goes_to_a_filed_report_with_four_eyes_and_its_xml,
    illegal_steps_are_409_and_unknown_ids_404,
    admins_manage_users_over_the_api,
    the_document_describes_every_workbench_route,
    a_refused_post_does_not_break_the_next_request_on_its_connection,
    the_workbench_page_and_who_signed_in,
    the_dashboard_counts_the_log_as_it_grows,
}

const CODES: &[&str] = &["P-SHARED", "R-RING", "P-FREQ"];
const COUNTRIES: &[&str] = &["PH", "CA", "AU"];

/// 30 alerts as a scan stores them: sender S-i paid receiver R-i once
/// (txn t-i, the evidence of both); scores tie in fives; codes and
/// countries in turn. Written behind the running server, as a scan into
/// the same database is.
fn seed(server: &TestServer) {
    let mut s = spur_store::open(&server.db, Arc::new(ManualClock::new(T0))).expect("open");
    let mut alerts = Vec::new();
    let mut payments = Vec::new();
    for i in 0..15usize {
        let txn = format!("t-{i:02}");
        payments.push(PaymentRecord {
            txn_id: txn.clone(),
            timestamp: T0 - 3_600 * (i as i64 + 1),
            amount: 40.0 + i as f64,
            currency: "USD".into(),
            sender_id: format!("S-{i:02}"),
            sender_name: format!("Sender Number{i}"),
            sender_country: COUNTRIES[i % 3].into(),
            receiver_id: format!("R-{i:02}"),
            receiver_name: format!("Receiver Number{i}"),
            receiver_country: "PH".into(),
            channel: "remittance".into(),
            message: "for load".into(),
        });
        for (role, prefix) in [(Role::Sender, "S"), (Role::Receiver, "R")] {
            let score = [0.55, 0.65, 0.75, 0.85, 0.95][i % 5];
            alerts.push(Alert {
                subject: format!("{prefix}-{i:02}"),
                role,
                score,
                country: COUNTRIES[(i + usize::from(role == Role::Receiver)) % 3].into(),
                indicators: vec![Finding {
                    code: CODES[i % 3].into(),
                    contribution: score,
                    reason: "pays several unrelated young women at night".into(),
                    parties: vec![],
                }],
                context: vec![],
                transactions: vec![txn.clone()],
                payments: 1,
                first_seen: T0 - 86_400,
                last_seen: T0,
            });
        }
    }
    let txns: Vec<IngestedTxn<'_>> = payments
        .iter()
        .map(|p| IngestedTxn {
            txn_id: &p.txn_id,
            digest: [7; 32],
        })
        .collect();
    s.commit_scan_batch_with_payments(&txns, &alerts, &payments, b"state", 0)
        .expect("seed the alerts");
}

/// Every page of `path` (which may carry filters) at `limit` a page, as
/// `who`; checks that every page but the last is full. Returns the items.
fn walk(server: &TestServer, path: &str, limit: usize, who: &str) -> Vec<Value> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    for page in 1.. {
        let url = match &cursor {
            Some(c) => format!("{path}{sep}limit={limit}&cursor={c}"),
            None => format!("{path}{sep}limit={limit}"),
        };
        let answer = server.get(&url, Some(who));
        assert_eq!(answer.status, 200, "{url}: {answer:?}");
        let body = answer.json();
        let got = body["items"].as_array().expect("items").clone();
        assert!(got.len() <= limit, "{url}");
        items.extend(got.iter().cloned());
        match body["next_cursor"].as_str() {
            Some(c) => {
                assert_eq!(got.len(), limit, "{url}: a cursor on a page not full");
                cursor = Some(c.to_owned());
            }
            None => {
                assert!(body["next_cursor"].is_null(), "{url}");
                break;
            }
        }
        assert!(page < 1_000, "{url}: paging does not end");
    }
    items
}

fn ids(items: &[Value]) -> Vec<i64> {
    items
        .iter()
        .map(|v| v["id"].as_i64().expect("id"))
        .collect()
}

fn alerts_page_through_the_api_with_filters(backend: Backend) {
    let server = TestServer::start(backend, "alert_pages");
    seed(&server);
    let all = walk(&server, "/v1/alerts", 500, "analyst");
    assert_eq!(all.len(), 30);
    let key = |v: &Value| (-v["score"].as_f64().unwrap(), v["id"].as_i64().unwrap());
    assert!(
        all.windows(2).all(|w| key(&w[0]) < key(&w[1])),
        "highest score first, then by id"
    );
    for limit in [1, 4, 7, 30] {
        assert_eq!(
            ids(&walk(&server, "/v1/alerts", limit, "auditor")),
            ids(&all),
            "limit {limit}"
        );
    }
    // Put one alert into a case assigned to ana, for the status and assignee filters.
    let in_case = all[3]["id"].as_i64().unwrap();
    let case = server.call(
        "POST",
        "/v1/cases",
        Some("analyst"),
        Some(&format!(r#"{{"alert": {in_case}}}"#)),
    );
    assert_eq!(case.status, 201, "{case:?}");
    let case_id = case.json()["id"].as_i64().unwrap();
    let assigned = server.call(
        "PUT",
        &format!("/v1/cases/{case_id}/assignee"),
        Some("analyst"),
        Some(r#"{"assignee": "ana"}"#),
    );
    assert_eq!(assigned.status, 200, "{assigned:?}");
    let all = walk(&server, "/v1/alerts", 500, "analyst");
    type Check = fn(&Value) -> bool;
    let cases: &[(&str, Check)] = &[
        ("role=sender", |v| v["role"] == "sender"),
        ("min_score=0.8", |v| v["score"].as_f64().unwrap() >= 0.8),
        ("indicator=r-ring", |v| {
            v["indicators"][0]["code"] == "R-RING"
        }),
        ("country=ca", |v| v["country"] == "CA"),
        ("status=in_case", |v| v["status"] == "in_case"),
        ("status=new", |v| v["status"] == "new"),
        ("assignee=ana", |v| v["status"] == "in_case"),
        ("role=receiver&min_score=0.7&indicator=P-SHARED", |v| {
            v["role"] == "receiver"
                && v["score"].as_f64().unwrap() >= 0.7
                && v["indicators"][0]["code"] == "P-SHARED"
        }),
        ("country=PH&role=sender&status=new,in_case", |v| {
            v["country"] == "PH" && v["role"] == "sender"
        }),
        ("subject=R-07", |v| v["subject"] == "R-07"),
    ];
    for (query, passes) in cases {
        let expected: Vec<i64> = all
            .iter()
            .filter(|v| passes(v))
            .map(|v| v["id"].as_i64().unwrap())
            .collect();
        assert!(!expected.is_empty(), "{query}: the fixture has some");
        assert!(
            expected.len() < all.len(),
            "{query}: the fixture has others"
        );
        for limit in [2, 500] {
            let got = walk(&server, &format!("/v1/alerts?{query}"), limit, "supervisor");
            assert_eq!(ids(&got), expected, "{query}, limit {limit}");
        }
    }
    assert_eq!(
        ids(&walk(&server, "/v1/alerts?assignee=ana", 5, "analyst")),
        [in_case]
    );
    assert!(walk(&server, "/v1/alerts?status=cleared", 5, "analyst").is_empty());
    // Parameters sent empty, as a form sends blank fields, are not given.
    assert_eq!(
        ids(&walk(
            &server,
            "/v1/alerts?status=&assignee=&country=&cursor=",
            500,
            "analyst"
        )),
        ids(&all)
    );
    // What does not read is 400, with the table's shape.
    let bad: &[(&str, &str)] = &[
        ("/v1/alerts?cursor=zz", "bad_cursor"),
        ("/v1/alerts?cursor=616c65727473", "bad_cursor"),
        ("/v1/alerts?limit=0", "invalid_input"),
        ("/v1/alerts?limit=501", "invalid_input"),
        ("/v1/alerts?status=open", "invalid_input"),
        ("/v1/alerts?colour=red", "bad_parameter"),
        ("/v1/alerts?role=boss", "bad_parameter"),
        ("/v1/alerts?min_score=high", "bad_parameter"),
        ("/v1/alerts?limit=-1", "bad_parameter"),
    ];
    for (path, code) in bad {
        server.get(path, Some("analyst")).error(400, code);
    }
    // A cursor of another list is refused by this one.
    let cases_cursor = {
        server.call(
            "POST",
            "/v1/cases",
            Some("analyst"),
            Some(&format!(r#"{{"alert": {}}}"#, all[0]["id"])),
        );
        let page = server.get("/v1/cases?limit=1", Some("analyst")).json();
        page["next_cursor"].as_str().expect("two cases").to_owned()
    };
    let message = server
        .get(
            &format!("/v1/alerts?cursor={cases_cursor}"),
            Some("analyst"),
        )
        .error(400, "bad_cursor");
    assert!(
        message.contains("not a cursor of the alerts list"),
        "{message}"
    );
}

fn users_and_audit_entries_page_through_the_api(backend: Backend) {
    let server = TestServer::start(backend, "user_pages");
    seed(&server);
    let users = walk(&server, "/v1/users", 500, "analyst");
    let names: BTreeSet<&str> = users.iter().map(|u| u["name"].as_str().unwrap()).collect();
    assert!(names.is_superset(&BTreeSet::from(["ada", "ana", "sue", "aud", "feed", "dis"])));
    for limit in [1, 2, 5] {
        assert_eq!(
            ids(&walk(&server, "/v1/users", limit, "auditor")),
            ids(&users)
        );
    }
    let log = walk(&server, "/v1/audit", 500, "auditor");
    assert!(log.len() > 8, "{}", log.len());
    assert_eq!(
        ids(&log),
        (1..=log.len() as i64).collect::<Vec<_>>(),
        "the chain's order"
    );
    for limit in [1, 3] {
        assert_eq!(ids(&walk(&server, "/v1/audit", limit, "admin")), ids(&log));
    }
    let scans = walk(
        &server,
        "/v1/audit?action=scan&actor=system",
        2,
        "supervisor",
    );
    assert_eq!(scans.len(), 1);
    assert_eq!(
        scans[0]["after"]["batch"]["alerts_created"]
            .as_array()
            .unwrap()
            .len(),
        30
    );
    let adds = walk(&server, "/v1/audit?object_kind=user", 2, "auditor");
    assert!(adds
        .iter()
        .all(|e| e["action"].as_str().unwrap().starts_with("user.")));
    server
        .get("/v1/audit", Some("analyst"))
        .error(403, "forbidden");
    server
        .get("/v1/audit?object_id=7", Some("auditor"))
        .error(400, "invalid_input");
}

fn an_alert_and_a_party_with_what_stands_behind_them(backend: Backend) {
    let server = TestServer::start(backend, "party");
    seed(&server);
    let r07 = walk(&server, "/v1/alerts?subject=R-07", 5, "analyst");
    let id = r07[0]["id"].as_i64().unwrap();
    let detail = server.get(&format!("/v1/alerts/{id}"), Some("analyst"));
    assert_eq!(detail.status, 200, "{detail:?}");
    let d = detail.json();
    assert_eq!(d["alert"]["subject"], "R-07");
    assert_eq!(
        d["alert"]["indicators"][0]["reason"],
        "pays several unrelated young women at night"
    );
    assert_eq!(d["payments"][0]["txn_id"], "t-07");
    assert_eq!(d["counterparties"][0]["id"], "S-07");
    assert_eq!(d["counterparties"][0]["totals"]["USD"], 47.0);
    assert_eq!(d["missing"], Value::Array(vec![]));

    let party = server.get("/v1/parties/R-07?role=receiver", Some("auditor"));
    assert_eq!(party.status, 200, "{party:?}");
    let p = party.json();
    assert_eq!(
        (p["id"].as_str(), p["role"].as_str()),
        (Some("R-07"), Some("receiver"))
    );
    assert_eq!(p["facts"]["name"], "Receiver Number7");
    assert_eq!(p["facts"]["payments_received"], 1);
    assert_eq!(ids(&p["alerts"].as_array().unwrap().clone()), [id]);
    assert_eq!(p["payments"][0]["txn_id"], "t-07");
    // 16:00 UTC from Canada, at spur's offset for it (UTC-5).
    assert_eq!(p["payments"][0]["sender_local_hour"], 11);
    assert_eq!(p["counterparties"][0]["id"], "S-07");
    let parties: Vec<(&str, i64)> = p["network"]["parties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["id"].as_str().unwrap(), n["hops"].as_i64().unwrap()))
        .collect();
    assert_eq!(parties, [("R-07", 0), ("S-07", 1)]);
    assert_eq!(p["network"]["parties"][1]["alerts"][0]["role"], "sender");
    assert_eq!(p["network"]["links"][0]["sender"], "S-07");
    // The other side has no payments of it; both sides have all.
    let sender_side = server
        .get("/v1/parties/R-07?role=sender", Some("analyst"))
        .json();
    assert_eq!(sender_side["payments"], Value::Array(vec![]));
    let both = server.get("/v1/parties/R-07", Some("analyst")).json();
    assert!(both["role"].is_null());
    assert_eq!(both["payments"].as_array().unwrap().len(), 1);

    server
        .get("/v1/parties/NOBODY", Some("analyst"))
        .error(404, "not_found");
    server
        .get("/v1/parties/R-07?role=boss", Some("analyst"))
        .error(400, "bad_parameter");
    server
        .get("/v1/alerts/99999", Some("analyst"))
        .error(404, "not_found");
    server
        .get("/v1/alerts/abc", Some("analyst"))
        .error(400, "bad_parameter");
    server
        .get("/v1/parties/R-07", Some("ingest"))
        .error(403, "forbidden");
}

/// A call that must answer `status`; returns its JSON.
#[track_caller]
fn ok(
    server: &TestServer,
    method: &str,
    path: &str,
    who: &str,
    body: Option<&str>,
    status: u16,
) -> Value {
    let answer = server.call(method, path, Some(who), body);
    assert_eq!(
        answer.status, status,
        "{method} {path} as {who}: {answer:?}"
    );
    answer.json()
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

fn illegal_steps_are_409_and_unknown_ids_404(backend: Backend) {
    let server = TestServer::start(backend, "conflicts");
    seed(&server);
    let first = server.get("/v1/alerts?limit=2", Some("analyst")).json()["items"]
        .as_array()
        .unwrap()
        .clone();
    let (a, b) = (
        first[0]["id"].as_i64().unwrap(),
        first[1]["id"].as_i64().unwrap(),
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
    let conflicts: &[(&str, String, &str, &str)] = &[
        (
            "POST",
            "/v1/cases".into(),
            &format!(r#"{{"alert": {a}}}"#),
            "alert_in_case",
        ),
        (
            "PUT",
            format!("/v1/cases/{c}/status"),
            r#"{"status": "reported"}"#,
            "illegal_transition",
        ),
        (
            "PUT",
            format!("/v1/cases/{c}/status"),
            r#"{"status": "open"}"#,
            "illegal_transition",
        ),
        (
            "POST",
            format!("/v1/cases/{c}/close"),
            r#"{"reason": "done"}"#,
            "no_disposition",
        ),
    ];
    for (method, path, body, code) in conflicts {
        server
            .call(method, path, Some("analyst"), Some(body))
            .error(409, code);
    }
    ok(
        &server,
        "PUT",
        &format!("/v1/cases/{c}/disposition"),
        "analyst",
        Some(r#"{"disposition": "false_positive"}"#),
        200,
    );
    ok(
        &server,
        "POST",
        &format!("/v1/cases/{c}/close"),
        "analyst",
        Some(r#"{"reason": "family support, documented"}"#),
        200,
    );
    for (method, path, body) in [
        (
            "POST",
            format!("/v1/cases/{c}/notes"),
            r#"{"text": "late"}"#.to_owned(),
        ),
        (
            "POST",
            format!("/v1/cases/{c}/alerts"),
            format!(r#"{{"alert": {b}}}"#),
        ),
        (
            "PUT",
            format!("/v1/cases/{c}/assignee"),
            r#"{"assignee": "ana"}"#.to_owned(),
        ),
    ] {
        server
            .call(method, &path, Some("analyst"), Some(&body))
            .error(409, "case_closed");
    }
    server
        .call(
            "POST",
            &format!("/v1/cases/{c}/close"),
            Some("analyst"),
            Some(r#"{"reason": "again"}"#),
        )
        .error(409, "illegal_transition");
    server
        .call(
            "POST",
            "/v1/reports",
            Some("analyst"),
            Some(&format!(r#"{{"case": {c}, "fiu": "ae"}}"#)),
        )
        .error(409, "case_closed");
    for path in [
        "/v1/cases/999",
        "/v1/reports/999",
        "/v1/reports/999/xml",
        "/v1/alerts/999",
    ] {
        server.get(path, Some("auditor")).error(404, "not_found");
    }
    server
        .call(
            "POST",
            "/v1/cases",
            Some("analyst"),
            Some(r#"{"alert": 999}"#),
        )
        .error(404, "not_found");
    // An open case for what is refused before the case's state matters.
    let open = ok(
        &server,
        "POST",
        "/v1/cases",
        "analyst",
        Some(&format!(r#"{{"alert": {b}}}"#)),
        201,
    )["id"]
        .as_i64()
        .unwrap();
    server
        .call(
            "PUT",
            &format!("/v1/cases/{open}/assignee"),
            Some("analyst"),
            Some(r#"{"assignee": "nobody"}"#),
        )
        .error(404, "unknown_user");
    server
        .call(
            "POST",
            "/v1/cases",
            Some("analyst"),
            Some(r#"{"alert": "one"}"#),
        )
        .error(400, "malformed_body");
    server
        .call(
            "PUT",
            &format!("/v1/cases/{c}/status"),
            Some("analyst"),
            Some(r#"{"status": "done"}"#),
        )
        .error(400, "malformed_body");
}

fn admins_manage_users_over_the_api(backend: Backend) {
    let server = TestServer::start(backend, "users");
    let added = ok(
        &server,
        "POST",
        "/v1/users",
        "admin",
        Some(r#"{"name": "lee", "role": "analyst"}"#),
        201,
    );
    assert_eq!(
        (added["name"].as_str(), added["role"].as_str()),
        (Some("lee"), Some("analyst"))
    );
    server
        .call(
            "POST",
            "/v1/users",
            Some("admin"),
            Some(r#"{"name": "lee", "role": "analyst"}"#),
        )
        .error(409, "user_exists");
    server
        .call(
            "POST",
            "/v1/users",
            Some("admin"),
            Some(r#"{"name": "kim", "role": "boss"}"#),
        )
        .error(400, "malformed_body");
    server
        .call(
            "POST",
            "/v1/users",
            Some("supervisor"),
            Some(r#"{"name": "kim", "role": "analyst"}"#),
        )
        .error(403, "forbidden");
    let changed = ok(
        &server,
        "PUT",
        "/v1/users/lee/role",
        "admin",
        Some(r#"{"role": "supervisor"}"#),
        200,
    );
    assert_eq!(changed["role"], "supervisor");
    let disabled = ok(&server, "POST", "/v1/users/lee/disable", "admin", None, 200);
    assert!(disabled["disabled_at"].is_i64());
    server
        .call("POST", "/v1/users/lee/disable", Some("admin"), None)
        .error(403, "user_disabled");
    let enabled = ok(&server, "POST", "/v1/users/lee/enable", "admin", None, 200);
    assert!(enabled["disabled_at"].is_null());
    server
        .call("POST", "/v1/users/lee/enable", Some("admin"), None)
        .error(400, "invalid_input");
    server
        .call(
            "PUT",
            "/v1/users/ada/role",
            Some("admin"),
            Some(r#"{"role": "analyst"}"#),
        )
        .error(409, "last_admin");
    server
        .call("POST", "/v1/users/ada/disable", Some("admin"), None)
        .error(409, "last_admin");
    let log = walk(
        &server,
        "/v1/audit?object_kind=user&actor=ada&action=user",
        50,
        "auditor",
    );
    let actions: Vec<&str> = log.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(
        actions.ends_with(&["user.add", "user.set_role", "user.disable", "user.enable"]),
        "{actions:?}"
    );
}

/// The document names no schema it does not hold, and each workbench
/// route documents its parameters, its body and its answers.
fn the_document_describes_every_workbench_route(backend: Backend) {
    let server = TestServer::start(backend, "document");
    let doc = server.get("/openapi.json", None).json();
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    let mut refs = Vec::new();
    fn collect(v: &Value, refs: &mut Vec<String>) {
        match v {
            Value::Object(o) => {
                if let Some(Value::String(r)) = o.get("$ref") {
                    refs.push(r.clone());
                }
                o.values().for_each(|v| collect(v, refs));
            }
            Value::Array(a) => a.iter().for_each(|v| collect(v, refs)),
            _ => {}
        }
    }
    collect(&doc["paths"], &mut refs);
    collect(&doc["components"], &mut refs);
    assert!(refs.len() > 30, "{}", refs.len());
    for r in &refs {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("{r}"));
        assert!(schemas.contains_key(name), "{r} is not in the document");
    }
    let params = |path: &str, method: &str| -> Vec<String> {
        doc["paths"][path][method]["parameters"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|p| p["name"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(
        params("/v1/alerts", "get"),
        [
            "role",
            "min_score",
            "indicator",
            "country",
            "status",
            "assignee",
            "subject",
            "limit",
            "cursor"
        ]
    );
    assert_eq!(params("/v1/parties/{id}", "get"), ["id", "role"]);
    assert_eq!(params("/v1/audit", "get").len(), 8);
    for (path, method, schema) in [
        ("/v1/cases", "post", "NewCase"),
        ("/v1/reports", "post", "NewReport"),
        ("/v1/reports/{id}/redraft", "post", "Redraft"),
        ("/v1/users/{name}/role", "put", "NewRole"),
    ] {
        let body = &doc["paths"][path][method]["requestBody"]["content"]["application/json"]
            ["schema"]["$ref"];
        assert_eq!(
            body,
            &format!("#/components/schemas/{schema}"),
            "{method} {path}"
        );
    }
    let roles = &schemas["PartyRole"]["enum"];
    assert_eq!(roles, &serde_json::json!(["sender", "receiver"]));
    let page = &schemas["AlertPage"]["properties"];
    assert!(
        page["items"].is_object() && page["next_cursor"].is_object(),
        "{page}"
    );
    let xml = &doc["paths"]["/v1/reports/{id}/xml"]["get"]["responses"]["200"]["content"];
    assert!(xml["application/xml"].is_object(), "{xml}");
}

/// A POST refused before its body was read (no token) left the connection
/// to be closed by hyper without saying so; the client's next request on
/// it was reset ("peer disconnected", seen in the role matrix). Now the
/// answer says `Connection: close`, and requests after it go through.
fn a_refused_post_does_not_break_the_next_request_on_its_connection(backend: Backend) {
    let server = TestServer::start(backend, "refused_post");
    for _ in 0..20 {
        let refused = server.call("POST", "/v1/cases", None, Some(r#"{"alert": 1}"#));
        refused.error(401, "unauthenticated");
        assert_eq!(
            refused.headers.get("connection").map(String::as_str),
            Some("close")
        );
        let forbidden = server.call(
            "POST",
            "/v1/users",
            Some("ingest"),
            Some(r#"{"name": "x", "role": "analyst"}"#),
        );
        forbidden.error(403, "forbidden");
        assert_eq!(server.get("/v1/users?limit=1", Some("analyst")).status, 200);
    }
}

/// The workbench is served at `/` with a policy that keeps it to this
/// server; `/v1/me` tells it who signed in, for every role.
fn the_workbench_page_and_who_signed_in(backend: Backend) {
    let server = TestServer::start(backend, "ui");
    let page = server.get("/", None);
    assert_eq!(page.status, 200, "{page:?}");
    assert_eq!(page.headers["content-type"], "text/html; charset=utf-8");
    assert!(
        page.body.contains(r#"src="/assets/app.js""#),
        "{}",
        page.body
    );
    let csp = &page.headers["content-security-policy"];
    for part in [
        "default-src 'none'",
        "script-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(part), "{csp}");
    }
    let js = server.get("/assets/app.js", None);
    assert_eq!(js.status, 200);
    assert_eq!(js.headers["content-type"], "text/javascript; charset=utf-8");
    assert!(
        js.body.contains("/v1/me"),
        "the bundle signs in through /v1/me"
    );
    assert_eq!(server.get("/assets/app.css", None).status, 200);
    server.get("/assets/other.js", None).error(404, "not_found");

    for (role, name, _) in common::ROLES {
        let me = server.get("/v1/me", Some(role));
        assert_eq!(me.status, 200, "{me:?}");
        assert_eq!(
            (me.json()["name"].as_str(), me.json()["role"].as_str()),
            (Some(*name), Some(*role))
        );
    }
    server.get("/v1/me", None).error(401, "unauthenticated");
}

/// `/v1/stats` counts every logged payment (by day, corridor and amount in
/// USD), and on the next call only what was logged since.
fn the_dashboard_counts_the_log_as_it_grows(backend: Backend) {
    let server = TestServer::start(backend, "stats");
    let payment = |txn: &str, day: u32, amount: &str, currency: &str, from: &str| {
        format!(
            r#"{{"txn_id": "{txn}", "timestamp": "2026-01-{day:02}T09:30:00Z", "amount": "{amount}",
                "currency": "{currency}", "sender_id": "S-{txn}", "sender_country": "{from}",
                "receiver_id": "R-1", "receiver_country": "PH"}}"#
        )
    };
    let batch = format!(
        "[{}, {}, {}]",
        payment("a", 5, "25.00", "USD", "US"),
        payment("b", 5, "140.00", "USD", "US"),
        payment("c", 6, "1000.00", "PHP", "GB")
    );
    let posted = server.call("POST", "/v1/payments", Some("ingest"), Some(&batch));
    assert_eq!(posted.status, 200, "{posted:?}");
    let s = server.get("/v1/stats", Some("analyst")).json();
    assert_eq!(s["payments"], 3);
    let days: Vec<(&str, u64)> = s["payments_by_day"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["day"].as_str().unwrap(), d["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(days, [("2026-01-05", 2), ("2026-01-06", 1)]);
    assert_eq!(
        (
            s["corridors"][0]["from"].as_str(),
            s["corridors"][0]["to"].as_str(),
            s["corridors"][0]["payments"].as_u64()
        ),
        (Some("US"), Some("PH"), Some(2))
    );
    assert_eq!(s["corridors"][0]["usd"], 165.0);
    // 25 USD in [20, 50), 140 in [100, 150), PHP 1,000 (about USD 17) in [10, 20).
    let buckets: Vec<u64> = s["amounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["payments"].as_u64().unwrap())
        .collect();
    assert_eq!(buckets, [0, 1, 1, 0, 1, 0, 0, 0, 0, 0]);
    assert_eq!(s["show_price_usd"], serde_json::json!([20.0, 150.0]));
    assert_eq!(s["funnel"]["reports_filed"], 0);
    assert!(s["funnel"]["median_hours_to_report"].is_null());

    let more = format!("[{}]", payment("d", 7, "30.00", "USD", "US"));
    assert_eq!(
        server
            .call("POST", "/v1/payments", Some("ingest"), Some(&more))
            .status,
        200
    );
    let s = server.get("/v1/stats", Some("auditor")).json();
    assert_eq!(s["payments"], 4);
    assert_eq!(s["corridors"][0]["payments"], 3);
    server
        .get("/v1/stats", Some("ingest"))
        .error(403, "forbidden");
}
