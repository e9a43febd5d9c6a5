//! The users an admin manages over the API.

use super::*;

on_both! {
    admins_manage_users_over_the_api,
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
