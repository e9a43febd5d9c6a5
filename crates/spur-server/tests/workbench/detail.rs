//! An alert's detail and a party's view with what stands behind them.

use super::*;

on_both! {
    an_alert_and_a_party_with_what_stands_behind_them,
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
