//! Paging through the lists over the API: alerts with every filter, users and audit entries; bad cursors, limits and parameters as 400.

use super::*;

use std::collections::BTreeSet;

on_both! {
    alerts_page_through_the_api_with_filters,
    users_and_audit_entries_page_through_the_api,
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
