//! The API document: every workbench route described.

use super::*;

on_both! {
    the_document_describes_every_workbench_route,
    the_documents_value_lists_are_those_the_server_takes,
}

/// The values a list's `status` filter and a report's `fiu` may take are
/// written into the document as patterns (so that a client, or a fuzzer,
/// knows them); they are the store's own statuses and the shipped profiles.
fn the_documents_value_lists_are_those_the_server_takes(backend: Backend) {
    let server = TestServer::start(backend, "document_values");
    let doc = server.get("/openapi.json", None).json();
    let list = |names: Vec<&str>| {
        let one = names.join("|");
        format!("^({one})(,({one}))*$")
    };
    let status = |path: &str| -> String {
        doc["paths"][path]["get"]["parameters"]
            .as_array()
            .expect(path)
            .iter()
            .find(|p| p["name"] == "status")
            .unwrap_or_else(|| panic!("{path} has no status"))["schema"]["pattern"]
            .as_str()
            .unwrap_or_else(|| panic!("{path}: status has no pattern"))
            .to_owned()
    };
    assert_eq!(
        status("/v1/alerts"),
        list(
            spur_store::AlertStatus::ALL
                .iter()
                .map(|s| s.as_str())
                .collect()
        )
    );
    assert_eq!(
        status("/v1/cases"),
        list(
            spur_store::CaseStatus::ALL
                .iter()
                .map(|s| s.as_str())
                .collect()
        )
    );
    assert_eq!(
        status("/v1/reports"),
        list(
            spur_store::ReportStatus::ALL
                .iter()
                .map(|s| s.as_str())
                .collect()
        )
    );
    let profiles = format!(
        "^({})$",
        spur_report::FiuProfile::shipped_names()
            .collect::<Vec<_>>()
            .join("|")
    );
    for schema in ["NewReport", "Redraft"] {
        let fiu = &doc["components"]["schemas"][schema]["properties"]["fiu"];
        // An optional field's schema may sit beside `null` in a `oneOf`.
        let pattern = fiu["pattern"].as_str().or_else(|| {
            fiu["oneOf"]
                .as_array()?
                .iter()
                .find_map(|s| s["pattern"].as_str())
        });
        assert_eq!(pattern, Some(profiles.as_str()), "{schema}: {fiu}");
    }
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
