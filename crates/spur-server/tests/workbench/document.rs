//! The API document: every workbench route described.

use super::*;

on_both! {
    the_document_describes_every_workbench_route,
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
