//! `spur serve` over HTTP: authentication, the role matrix, the error table,
//! limits and graceful shutdown, each on SQLite and on PostgreSQL.

#[macro_use]
mod common;

use std::time::Duration;

use common::{eventually, Backend, Partial, TestServer, ROLES};
use serde_json::Value;
use spur_server::Limits;

on_both! {
    system_routes_answer_without_a_token,
    missing_bad_revoked_and_disabled_tokens_are_refused,
    every_role_on_every_route,
    errors_have_the_tables_shape,
    a_body_over_the_limit_is_413,
    a_token_made_over_the_api_authenticates_until_revoked,
    overload_is_answered_503_with_retry_after,
    graceful_shutdown_finishes_the_request_in_flight,
}

// ---- the role matrix: extend it with every route you add ----

/// One route as the matrix calls it.
struct Route {
    method: &'static str,
    /// As called (ids filled in).
    path: &'static str,
    /// As documented in /openapi.json.
    template: &'static str,
    body: Option<&'static str>,
    /// Roles (names of `common::ROLES`) the store lets through.
    allowed: &'static [&'static str],
    /// The status an allowed role gets.
    ok: u16,
}

const ROUTES: &[Route] = &[
    Route {
        method: "POST",
        path: "/v1/payments",
        template: "/v1/payments",
        body: Some(
            r#"{"txn_id": "M-1", "timestamp": "2026-01-05T09:30:00Z", "amount": "5.00",
                "currency": "USD", "sender_id": "S-1", "sender_country": "US",
                "receiver_id": "R-1", "receiver_country": "PH"}"#,
        ),
        allowed: &["ingest"],
        ok: 200,
    },
    Route {
        method: "GET",
        path: "/v1/tokens",
        template: "/v1/tokens",
        body: None,
        allowed: &["admin", "auditor"],
        ok: 200,
    },
    Route {
        method: "POST",
        path: "/v1/tokens",
        template: "/v1/tokens",
        body: Some(r#"{"for": "sue"}"#),
        allowed: &["admin"],
        ok: 201,
    },
    Route {
        method: "DELETE",
        path: "/v1/tokens/999",
        template: "/v1/tokens/{id}",
        body: None,
        allowed: &["admin"],
        ok: 404,
    },
    Route {
        method: "GET",
        path: "/v1/alerts",
        template: "/v1/alerts",
        body: None,
        allowed: READERS,
        ok: 200,
    },
    Route {
        method: "GET",
        path: "/v1/alerts/999",
        template: "/v1/alerts/{id}",
        body: None,
        allowed: READERS,
        ok: 404,
    },
    Route {
        method: "GET",
        path: "/v1/parties/X-1",
        template: "/v1/parties/{id}",
        body: None,
        allowed: READERS,
        ok: 404,
    },
    Route {
        method: "GET",
        path: "/v1/cases",
        template: "/v1/cases",
        body: None,
        allowed: READERS,
        ok: 200,
    },
    Route {
        method: "POST",
        path: "/v1/cases",
        template: "/v1/cases",
        body: Some(r#"{"alert": 999}"#),
        allowed: WORKERS,
        ok: 404,
    },
    Route {
        method: "GET",
        path: "/v1/cases/999",
        template: "/v1/cases/{id}",
        body: None,
        allowed: READERS,
        ok: 404,
    },
    Route {
        method: "POST",
        path: "/v1/cases/999/alerts",
        template: "/v1/cases/{id}/alerts",
        body: Some(r#"{"alert": 1}"#),
        allowed: WORKERS,
        ok: 404,
    },
    Route {
        method: "PUT",
        path: "/v1/cases/999/assignee",
        template: "/v1/cases/{id}/assignee",
        body: Some(r#"{"assignee": "ana"}"#),
        allowed: WORKERS,
        ok: 404,
    },
    Route {
        method: "POST",
        path: "/v1/cases/999/notes",
        template: "/v1/cases/{id}/notes",
        body: Some(r#"{"text": "seen"}"#),
        allowed: WORKERS,
        ok: 404,
    },
    Route {
        method: "PUT",
        path: "/v1/cases/999/status",
        template: "/v1/cases/{id}/status",
        body: Some(r#"{"status": "investigating"}"#),
        allowed: WORKERS,
        ok: 404,
    },
    Route {
        method: "PUT",
        path: "/v1/cases/999/disposition",
        template: "/v1/cases/{id}/disposition",
        body: Some(r#"{"disposition": "suspicious"}"#),
        allowed: WORKERS,
        ok: 404,
    },
    Route {
        method: "POST",
        path: "/v1/cases/999/close",
        template: "/v1/cases/{id}/close",
        body: Some(r#"{"reason": "documented"}"#),
        allowed: WORKERS,
        ok: 404,
    },
    Route {
        method: "GET",
        path: "/v1/reports",
        template: "/v1/reports",
        body: None,
        allowed: READERS,
        ok: 200,
    },
    Route {
        method: "POST",
        path: "/v1/reports",
        template: "/v1/reports",
        body: Some(r#"{"case": 999, "fiu": "ae"}"#),
        allowed: WORKERS,
        ok: 404,
    },
    Route {
        method: "GET",
        path: "/v1/reports/999",
        template: "/v1/reports/{id}",
        body: None,
        allowed: READERS,
        ok: 404,
    },
    // spur-app reads the report before the store checks who may redraft it.
    Route {
        method: "POST",
        path: "/v1/reports/999/redraft",
        template: "/v1/reports/{id}/redraft",
        body: Some(r#"{}"#),
        allowed: READERS,
        ok: 404,
    },
    Route {
        method: "POST",
        path: "/v1/reports/999/approve",
        template: "/v1/reports/{id}/approve",
        body: None,
        allowed: &["supervisor"],
        ok: 404,
    },
    Route {
        method: "POST",
        path: "/v1/reports/999/file",
        template: "/v1/reports/{id}/file",
        body: None,
        allowed: WORKERS,
        ok: 404,
    },
    Route {
        method: "GET",
        path: "/v1/reports/999/xml",
        template: "/v1/reports/{id}/xml",
        body: None,
        allowed: READERS,
        ok: 404,
    },
    Route {
        method: "GET",
        path: "/v1/users",
        template: "/v1/users",
        body: None,
        allowed: READERS,
        ok: 200,
    },
    Route {
        method: "GET",
        path: "/v1/stats",
        template: "/v1/stats",
        body: None,
        allowed: READERS,
        ok: 200,
    },
    Route {
        method: "GET",
        path: "/v1/me",
        template: "/v1/me",
        body: None,
        allowed: &[
            "admin",
            "analyst",
            "supervisor",
            "auditor",
            "ingest",
            "peer",
        ],
        ok: 200,
    },
    Route {
        method: "POST",
        path: "/v1/users",
        template: "/v1/users",
        body: Some(r#"{"name": "newcomer", "role": "analyst"}"#),
        allowed: &["admin"],
        ok: 201,
    },
    Route {
        method: "PUT",
        path: "/v1/users/sue/role",
        template: "/v1/users/{name}/role",
        body: Some(r#"{"role": "supervisor"}"#),
        allowed: &["admin"],
        ok: 200,
    },
    Route {
        method: "POST",
        path: "/v1/users/nobody/disable",
        template: "/v1/users/{name}/disable",
        body: None,
        allowed: &["admin"],
        ok: 404,
    },
    Route {
        method: "POST",
        path: "/v1/users/nobody/enable",
        template: "/v1/users/{name}/enable",
        body: None,
        allowed: &["admin"],
        ok: 404,
    },
    Route {
        method: "GET",
        path: "/v1/audit",
        template: "/v1/audit",
        body: None,
        allowed: &["admin", "supervisor", "auditor"],
        ok: 200,
    },
    Route {
        method: "POST",
        path: "/v1/match/runs",
        template: "/v1/match/runs",
        body: Some(r#"{"mode": "same-side", "items": []}"#),
        allowed: &["peer"],
        ok: 201,
    },
    Route {
        method: "POST",
        path: "/v1/match/runs/999/finish",
        template: "/v1/match/runs/{id}/finish",
        body: Some(r#"{"answer": [], "evidence": [], "alerted": 0}"#),
        allowed: &["peer"],
        ok: 404,
    },
    Route {
        method: "POST",
        path: "/v1/census",
        template: "/v1/census",
        body: Some(r#"{"lists": 3}"#),
        allowed: &["peer"],
        ok: 201,
    },
    Route {
        method: "POST",
        path: "/v1/census/999/blind",
        template: "/v1/census/{id}/blind",
        body: Some(r#"{"receivers": [], "customers": []}"#),
        allowed: &["peer"],
        ok: 404,
    },
    Route {
        method: "POST",
        path: "/v1/census/999/finish",
        template: "/v1/census/{id}/finish",
        body: Some(r#"{"list": 2, "receivers": [], "customers": []}"#),
        allowed: &["peer"],
        ok: 404,
    },
];

/// Every role that reads (all but ingest and peer).
const READERS: &[&str] = &["admin", "analyst", "supervisor", "auditor"];
/// Who works cases and drafts and files reports.
const WORKERS: &[&str] = &["analyst", "supervisor"];

fn every_role_on_every_route(backend: Backend) {
    let server = TestServer::start(backend, "matrix");
    for r in ROUTES {
        let call = |who: Option<&str>| server.call(r.method, r.path, who, r.body);
        let what = format!("{} {}", r.method, r.path);
        call(None).error(401, "unauthenticated");
        call(Some("revoked")).error(401, "bad_token");
        call(Some("disabled")).error(403, "user_disabled");
        for (role, _, _) in ROLES {
            let answer = call(Some(role));
            if r.allowed.contains(role) {
                assert_eq!(answer.status, r.ok, "{what} as {role}: {answer:?}");
            } else {
                let message = answer.error(403, "forbidden");
                assert!(
                    message.contains(&format!("role {role} may not")),
                    "{what} as {role}: {message}"
                );
            }
        }
    }
}

/// Every /v1 operation of the document is in the matrix, and the other way round.
fn documented_operations(doc: &Value) -> Vec<(String, String)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().unwrap().keys() {
            ops.push((method.to_uppercase(), path.clone()));
        }
    }
    ops.sort();
    ops
}

fn system_routes_answer_without_a_token(backend: Backend) {
    let server = TestServer::start(backend, "system");
    let health = server.get("/healthz", None);
    assert_eq!(
        (health.status, health.json()["status"].clone()),
        (200, "ok".into())
    );
    let ready = server.get("/readyz", None);
    assert_eq!(
        (ready.status, ready.json()["ready"].clone()),
        (200, true.into())
    );

    let doc = server.get("/openapi.json", None);
    assert_eq!(doc.status, 200);
    let doc = doc.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    let documented: Vec<_> = documented_operations(&doc)
        .into_iter()
        .filter(|(_, p)| p.starts_with("/v1/"))
        .collect();
    let mut in_matrix: Vec<_> = ROUTES
        .iter()
        .map(|r| (r.method.to_owned(), r.template.to_owned()))
        .collect();
    in_matrix.sort();
    in_matrix.dedup();
    assert_eq!(
        documented, in_matrix,
        "the role matrix and /openapi.json differ"
    );
    for p in ["/healthz", "/readyz", "/metrics", "/openapi.json"] {
        assert!(doc["paths"][p]["get"].is_object(), "{p} undocumented");
    }

    server.get("/v1/tokens", Some("admin"));
    let metrics = server.get("/metrics", None);
    assert_eq!(metrics.status, 200);
    assert!(metrics.headers["content-type"].starts_with("text/plain; version=0.0.4"));
    for line in [
        "spur_http_requests_total{route=\"/v1/tokens\",method=\"GET\",status=\"200\"} 1",
        "spur_http_request_duration_seconds_count{route=\"/v1/tokens\",method=\"GET\"} 1",
        "spur_payments_total{outcome=\"accepted\"} 0",
        "# TYPE spur_scoring_duration_seconds histogram",
    ] {
        assert!(
            metrics.body.lines().any(|l| l == line),
            "{line}\n{}",
            metrics.body
        );
    }
}

fn missing_bad_revoked_and_disabled_tokens_are_refused(backend: Backend) {
    let server = TestServer::start(backend, "tokens");
    let call = |header: Option<&str>| {
        let url = format!("{}/v1/tokens", server.base);
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut req = agent.get(&url);
        if let Some(h) = header {
            req = req.header("Authorization", h);
        }
        let mut r = req.call().unwrap();
        common::Answer {
            status: r.status().as_u16(),
            headers: Default::default(),
            body: r.body_mut().read_to_string().unwrap(),
        }
    };
    call(None).error(401, "unauthenticated");
    call(Some("Basic YWRhOnNlY3JldA==")).error(401, "unauthenticated");
    call(Some("Bearer")).error(401, "unauthenticated");
    let admin = server.tokens["admin"].clone();
    call(Some(&format!("Bearer {}", &admin[..admin.len() - 1]))).error(401, "bad_token");
    call(Some(&format!("Bearer {}x", admin))).error(401, "bad_token");
    call(Some(&format!("Bearer {}", admin.to_uppercase()))).error(401, "bad_token");
    assert_eq!(call(Some(&format!("bearer {admin}"))).status, 200);
    server
        .get("/v1/tokens", Some("revoked"))
        .error(401, "bad_token");
    let m = server
        .get("/v1/tokens", Some("disabled"))
        .error(403, "user_disabled");
    assert!(m.contains("\"dis\" is disabled"), "{m}");
}

fn errors_have_the_tables_shape(backend: Backend) {
    let server = TestServer::start(backend, "errors");
    server.get("/no/such/route", None).error(404, "not_found");
    server
        .get("/v1/nothing", Some("admin"))
        .error(404, "not_found");
    server
        .call("PUT", "/v1/tokens", Some("admin"), Some("{}"))
        .error(405, "method_not_allowed");
    let post = |body: &str| server.call("POST", "/v1/tokens", Some("admin"), Some(body));
    post("{\"for\": ").error(400, "malformed_body");
    post("[]").error(400, "malformed_body");
    let m = post(r#"{"for": "ana", "role": "admin"}"#).error(400, "malformed_body");
    assert!(m.contains("unknown field `role`"), "{m}");
    post(r#"{"for": 7}"#).error(400, "malformed_body");
    post(r#"{"for": "nobody"}"#).error(404, "unknown_user");
    let url = format!("{}/v1/tokens", server.base);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut r = agent
        .post(&url)
        .header(
            "Authorization",
            format!("Bearer {}", server.tokens["admin"]),
        )
        .content_type("text/plain")
        .send(r#"{"for": "ana"}"#)
        .unwrap();
    let answer = common::Answer {
        status: r.status().as_u16(),
        headers: Default::default(),
        body: r.body_mut().read_to_string().unwrap(),
    };
    answer.error(400, "malformed_body");
    server
        .call("DELETE", "/v1/tokens/abc", Some("admin"), None)
        .error(400, "bad_parameter");
    let id = server.call(
        "POST",
        "/v1/tokens",
        Some("admin"),
        Some(r#"{"for": "ana"}"#),
    );
    let id = id.json()["token"]["id"].as_i64().unwrap();
    let path = format!("/v1/tokens/{id}");
    assert_eq!(
        server.call("DELETE", &path, Some("admin"), None).status,
        200
    );
    server
        .call("DELETE", &path, Some("admin"), None)
        .error(409, "token_revoked");
}

fn a_body_over_the_limit_is_413(backend: Backend) {
    let limits = Limits {
        body_bytes: 64,
        ..Limits::default()
    };
    let server = TestServer::with_limits(backend, "limit", limits);
    let small = r#"{"for": "ana"}"#;
    assert_eq!(
        server
            .call("POST", "/v1/tokens", Some("admin"), Some(small))
            .status,
        201
    );
    let large = format!(r#"{{"for": "{}"}}"#, "a".repeat(100));
    let m = server
        .call("POST", "/v1/tokens", Some("admin"), Some(&large))
        .error(413, "body_too_large");
    assert!(m.contains("64 bytes"), "{m}");
}

fn a_token_made_over_the_api_authenticates_until_revoked(backend: Backend) {
    let mut server = TestServer::start(backend, "issue");
    let made = server.call(
        "POST",
        "/v1/tokens",
        Some("admin"),
        Some(r#"{"for": "aud"}"#),
    );
    assert_eq!(made.status, 201, "{made:?}");
    let made = made.json();
    assert_eq!(made["token"]["user"], "aud");
    assert_eq!(made["token"]["created_by"], "ada");
    let secret = made["secret"].as_str().unwrap().to_owned();
    server.tokens.insert("new", secret.clone());
    let listed = server.get("/v1/tokens", Some("new"));
    assert_eq!(listed.status, 200);
    assert!(!listed.body.contains(&secret[5..]), "a secret in a list");
    let items = listed.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), ROLES.len() + 3);
    let id = made["token"]["id"].as_i64().unwrap();
    let revoked = server.call("DELETE", &format!("/v1/tokens/{id}"), Some("admin"), None);
    assert_eq!(revoked.json()["revoked_by"], "ada");
    server
        .get("/v1/tokens", Some("new"))
        .error(401, "bad_token");
    // Both changes are in the audit log, by the admin who made them.
    let mut store =
        spur_store::open(&server.db, std::sync::Arc::new(spur_store::SystemClock)).unwrap();
    let log = store.audit_log("aud").unwrap();
    let last: Vec<_> = log[log.len() - 2..]
        .iter()
        .map(|e| (e.actor.as_str(), e.action.as_str()))
        .collect();
    assert_eq!(last, [("ada", "token.create"), ("ada", "token.revoke")]);
    store.verify_audit().unwrap();
}

fn overload_is_answered_503_with_retry_after(backend: Backend) {
    let limits = Limits {
        in_flight: 1,
        waiting: 1,
        ..Limits::default()
    };
    let server = TestServer::with_limits(backend, "overload", limits);
    let admin = server.tokens["admin"].clone();
    let body = r#"{"for": "ana"}"#;
    // One request holds the only place (its body not yet all sent), another waits.
    let holding = Partial::begin(server.addr(), "POST", "/v1/tokens", &admin, body, 3);
    eventually("the first request holds the place", || {
        metric(&server, "spur_requests_in_flight") == Some(1)
    });
    let waiting = Partial::begin(
        server.addr(),
        "POST",
        "/v1/tokens",
        &admin,
        body,
        body.len(),
    );
    eventually("the second request waits", || {
        metric(&server, "spur_requests_waiting") == Some(1)
    });
    let refused = server.get("/v1/tokens", Some("admin"));
    refused.error(503, "overloaded");
    assert_eq!(refused.headers["retry-after"], "1");
    assert_eq!(metric(&server, "spur_requests_shed_total"), Some(1));
    // Health and metrics stay outside the limit.
    assert_eq!(server.get("/healthz", None).status, 200);
    assert_eq!(holding.finish().0, 201);
    assert_eq!(waiting.finish().0, 201);
    assert_eq!(server.get("/v1/tokens", Some("admin")).status, 200);
    assert_eq!(metric(&server, "spur_requests_in_flight"), Some(0));
}

/// The value of an unlabelled metric.
fn metric(server: &TestServer, name: &str) -> Option<u64> {
    let text = server.get("/metrics", None).body;
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

fn graceful_shutdown_finishes_the_request_in_flight(backend: Backend) {
    let mut server = TestServer::start(backend, "shutdown");
    let addr = server.addr();
    let body = r#"{"for": "sue"}"#;
    let in_flight = Partial::begin(addr, "POST", "/v1/tokens", &server.tokens["admin"], body, 5);
    // The request is past authentication (its handler waits for the body).
    eventually("the request is in flight", || {
        metric(&server, "spur_requests_in_flight") == Some(1)
    });
    let mut running = server.server.take().unwrap();
    running.begin_shutdown();
    // No new connections are taken...
    eventually("the listener is closed", || {
        std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err()
    });
    // ...but the one in flight is answered in full, and its change is stored.
    let (status, answer) = in_flight.finish();
    assert_eq!(status, 201, "{answer}");
    let answer: Value =
        serde_json::from_str(answer.trim()).unwrap_or_else(|e| panic!("{e}: {answer:?}"));
    assert_eq!(answer["token"]["user"], "sue");
    running.wait().expect("stopped cleanly");
    let mut store =
        spur_store::open(&server.db, std::sync::Arc::new(spur_store::SystemClock)).unwrap();
    assert!(store
        .tokens("ada")
        .unwrap()
        .iter()
        .any(|t| t.id == answer["token"]["id"].as_i64().unwrap()));
}
