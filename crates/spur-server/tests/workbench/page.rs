//! The workbench page and who signed in, and the dashboard's counts.

use super::*;

on_both! {
    the_workbench_page_and_who_signed_in,
    the_dashboard_counts_the_log_as_it_grows,
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
