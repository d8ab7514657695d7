//! The OpenAPI document at `/v1/openapi.json`: public, complete, and true to what the server sends
//! and accepts. (scripts/schemathesis.sh fuzzes the server against it; these tests pin the basics.)

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

pub(crate) async fn document(app: &TestApp) -> Value {
    let r = app.raw(Method::GET, "/v1/openapi.json", None, None).await;
    assert_eq!(r.headers["content-type"], "application/json");
    r.ok().clone()
}

/// Every (method, path) of the document.
fn operations(doc: &Value) -> Vec<(String, String)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            ops.push((method.to_uppercase(), path.clone()));
        }
    }
    ops
}

fn schema_name(reference: &str) -> &str {
    reference.strip_prefix("#/components/schemas/").expect("local schema reference")
}

/// Checks `value` against `schema` for the JSON Schema keywords the document uses. With `strict`,
/// an object key the schema does not list is an error too, so that a field the server sends
/// cannot be missing from the document.
fn check(doc: &Value, schema: &Value, value: &Value, at: &str, strict: bool, errors: &mut Vec<String>) {
    if let Some(r) = schema["$ref"].as_str() {
        let target = &doc["components"]["schemas"][schema_name(r)];
        assert!(target.is_object(), "dangling reference {r}");
        return check(doc, target, value, at, strict, errors);
    }
    if let Some(branches) = schema["oneOf"].as_array() {
        let matching = branches
            .iter()
            .filter(|b| {
                let mut e = Vec::new();
                check(doc, b, value, at, strict, &mut e);
                e.is_empty()
            })
            .count();
        if matching != 1 {
            errors.push(format!("{at}: {matching} branches of oneOf match {value}"));
        }
        return;
    }
    let actual = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if !types.is_empty() && !types.iter().any(|t| *t == actual || (*t == "number" && actual == "integer")) {
        errors.push(format!("{at}: {actual} is not {types:?}"));
        return;
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(value)
    {
        errors.push(format!("{at}: {value} is not one of {allowed:?}"));
    }
    if let Some(object) = value.as_object() {
        for key in schema["required"].as_array().into_iter().flatten() {
            let key = key.as_str().unwrap();
            if !object.contains_key(key) {
                errors.push(format!("{at}: required `{key}` is missing"));
            }
        }
        let properties = schema["properties"].as_object();
        for (key, v) in object {
            match properties.and_then(|p| p.get(key)) {
                Some(s) => check(doc, s, v, &format!("{at}.{key}"), strict, errors),
                None if (strict && properties.is_some()) || schema["additionalProperties"] == false => {
                    errors.push(format!("{at}: `{key}` is not documented"))
                }
                None => {}
            }
        }
    }
    if let (Some(items), Some(schema)) = (value.as_array(), schema.get("items")) {
        for (i, v) in items.iter().enumerate() {
            check(doc, schema, v, &format!("{at}[{i}]"), strict, errors);
        }
    }
}

/// Asserts that `resp` is what the document says `method path` answers with its status.
#[track_caller]
pub(crate) fn assert_documented(doc: &Value, method: &str, path: &str, resp: &Resp) {
    let op = &doc["paths"][path][method.to_lowercase()];
    assert!(op.is_object(), "{method} {path} is not in the document");
    let status = resp.status.as_u16().to_string();
    let documented = &op["responses"][&status];
    assert!(documented.is_object(), "{method} {path} answered {status}, which is not documented: {}", resp.body);
    assert_eq!(resp.headers["content-type"], "application/json");
    let schema = &documented["content"]["application/json"]["schema"];
    let mut errors = Vec::new();
    check(doc, schema, &resp.body, "body", true, &mut errors);
    assert!(errors.is_empty(), "{method} {path} ({status}) does not match its schema: {errors:#?}\n{}", resp.body);
}

#[tokio::test]
async fn the_document_is_public_and_describes_every_operation() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc, tessera_server::openapi::document());
    assert_eq!(
        doc["components"]["securitySchemes"]["bearerAuth"],
        json!({"type": "http", "scheme": "bearer", "description": "A secret key of the instance (`sk_test_…` or `sk_live_…`)."})
    );
    let ops = operations(&doc);
    for (method, path) in [
        ("GET", "/healthz"),
        ("GET", "/.well-known/jwks.json"),
        ("GET", "/v1/openapi.json"),
        ("POST", "/v1/users"),
        ("PUT", "/v1/users/{user_id}/metadata"),
        ("POST", "/v1/sessions/{session_id}/tokens/{template_name}"),
        ("DELETE", "/v1/organizations/{org_id}/memberships/{user_id}"),
        ("PATCH", "/v1/jwt_templates/{template_id}"),
    ] {
        assert!(ops.contains(&(method.to_owned(), path.to_owned())), "{method} {path} missing: {ops:?}");
    }
    let mut ids = Vec::new();
    for (method, path) in &ops {
        let op = &doc["paths"][path][method.to_lowercase()];
        ids.push(op["operationId"].as_str().unwrap().to_owned());
        let responses = op["responses"].as_object().unwrap();
        // Creates answer 200, except where Clerk's SDKs expect 201 (M2M tokens, API keys).
        assert!(responses.contains_key("200") || responses.contains_key("201"), "{method} {path}");
        let authenticated = path.starts_with("/v1/") && path != "/v1/openapi.json";
        assert_eq!(op["security"] == json!([{"bearerAuth": []}]), authenticated, "{method} {path}");
        let mut expected = vec![];
        if authenticated {
            expected.extend(["400", "401", "429"]);
        }
        if path.contains('{') {
            expected.push("404");
        }
        if let Some(body) = op.get("requestBody") {
            expected.extend(["400", "413", "415", "422"]);
            let schema = &body["content"]["application/json"]["schema"]["$ref"];
            let mut schema = &doc["components"]["schemas"][schema_name(schema.as_str().unwrap())];
            if schema["type"] == "array" {
                // A bulk body: an array of 1 to 10 of a body schema, always required.
                assert_eq!((&schema["minItems"], &schema["maxItems"]), (&json!(1), &json!(10)), "{method} {path}");
                assert_eq!(body["required"], true, "{method} {path}");
                schema = &doc["components"]["schemas"][schema_name(schema["items"]["$ref"].as_str().unwrap())];
            } else {
                // A body is required exactly when it has required keys; otherwise none reads as `{}`.
                assert_eq!(
                    body["required"],
                    schema["required"].as_array().is_some_and(|r| !r.is_empty()),
                    "{method} {path}"
                );
            }
            assert_eq!(schema["additionalProperties"], false, "{method} {path}");
        }
        for status in expected {
            assert_eq!(
                responses[status]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/ClerkErrors",
                "{method} {path} {status}"
            );
        }
        for param in op["parameters"].as_array().into_iter().flatten() {
            if param["in"] == "path" {
                assert!(path.contains(&format!("{{{}}}", param["name"].as_str().unwrap())));
            }
        }
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), ops.len(), "operation ids are unique");

    let list = &doc["paths"]["/v1/users"]["get"]["parameters"];
    let limit = list.as_array().unwrap().iter().find(|p| p["name"] == "limit").unwrap();
    assert_eq!((&limit["schema"]["minimum"], &limit["schema"]["maximum"]), (&json!(1), &json!(500)));
    // Nullable fields are typed as such.
    let user = &doc["components"]["schemas"]["User"];
    assert_eq!(user["properties"]["username"]["type"], json!(["string", "null"]));
    assert!(user["required"].as_array().unwrap().contains(&json!("username")));
    app.stop().await;
}

#[tokio::test]
async fn every_documented_operation_is_routed_and_nothing_else_is() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let fallback = "The requested resource was not found.";
    for (method, path) in operations(&doc) {
        let concrete = path.split('/').map(|s| if s.starts_with('{') { "x" } else { s }).collect::<Vec<_>>().join("/");
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let auth = format!("Bearer {SECRET}");
        let r = app.raw(method.clone(), &concrete, Some(&auth), None).await;
        let long = r.body["errors"][0]["long_message"].as_str().unwrap_or("");
        assert!(
            long != fallback && !long.contains("does not support this method"),
            "{method} {concrete} is documented but not routed: {}",
            r.body
        );
    }
    // Undocumented routes are the fallback.
    for (method, path) in [(Method::GET, "/v1/clients"), (Method::PUT, "/v1/users"), (Method::GET, "/v1/openapi.yaml")]
    {
        let r = app.raw(method, path, Some(&format!("Bearer {SECRET}")), None).await;
        r.err(404, "resource_not_found");
    }
    app.stop().await;
}

#[tokio::test]
async fn real_responses_match_their_documented_schemas() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let d = |method: &str, path: &str, r: &Resp| assert_documented(&doc, method, path, r);

    let r = app
        .post(
            "/users",
            json!({"email_address": ["ada@example.com"], "phone_number": "+15555550100",
                "username": "ada.lovelace", "first_name": "Ada", "last_name": null, "password": "correct horse",
                "public_metadata": {"plan": "pro"}}),
        )
        .await;
    d("POST", "/v1/users", &r);
    let user = id(r.ok());
    d("GET", "/v1/users", &app.get("/users?limit=5").await);
    d("GET", "/v1/users/count", &app.get("/users/count").await);
    d("GET", "/v1/users/{user_id}", &app.get(&format!("/users/{user}")).await);
    d(
        "PATCH",
        "/v1/users/{user_id}/metadata",
        &app.patch(&format!("/users/{user}/metadata"), json!({"private_metadata": {"a": {"b": 1}}})).await,
    );

    let r = app.post("/organizations", json!({"name": "Acme", "created_by": user})).await;
    d("POST", "/v1/organizations", &r);
    let org = id(&r.body);
    d("GET", "/v1/organizations", &app.get("/organizations").await);
    d("GET", "/v1/organizations/{org_id}/memberships", &app.get(&format!("/organizations/{org}/memberships")).await);
    d(
        "GET",
        "/v1/users/{user_id}/organization_memberships",
        &app.get(&format!("/users/{user}/organization_memberships")).await,
    );
    let other = id(&app.user("grace@example.com").await);
    let r =
        app.post(&format!("/organizations/{org}/memberships"), json!({"user_id": other, "role": "org:member"})).await;
    d("POST", "/v1/organizations/{org_id}/memberships", &r);

    let r = app.post("/sessions", json!({"user_id": user, "active_organization_id": org})).await;
    d("POST", "/v1/sessions", &r);
    let session = id(&r.body);
    d("GET", "/v1/sessions", &app.get(&format!("/sessions?user_id={user}")).await);
    d("GET", "/v1/sessions", &app.get(&format!("/sessions?user_id={user}&paginated=true")).await);
    let r = app
        .post(
            "/jwt_templates",
            json!({"name": "convex", "claims": {"aud": "convex", "email": "{{user.primary_email_address}}"}}),
        )
        .await;
    d("POST", "/v1/jwt_templates", &r);
    let template = id(&r.body);
    d("GET", "/v1/jwt_templates", &app.get("/jwt_templates?paginated=true").await);
    d(
        "POST",
        "/v1/sessions/{session_id}/tokens/{template_name}",
        &app.post(&format!("/sessions/{session}/tokens/convex"), json!({})).await,
    );
    d(
        "POST",
        "/v1/sessions/{session_id}/tokens",
        &app.post(&format!("/sessions/{session}/tokens"), json!({"expires_in_seconds": 120})).await,
    );
    d("GET", "/v1/jwks", &app.get("/jwks").await);
    d(
        "GET",
        "/.well-known/openid-configuration",
        &app.raw(Method::GET, "/.well-known/openid-configuration", None, None).await,
    );
    d("GET", "/healthz", &app.raw(Method::GET, "/healthz", None, None).await);
    d("POST", "/v1/users/{user_id}/ban", &app.post(&format!("/users/{user}/ban"), json!({})).await);
    d("GET", "/v1/sessions/{session_id}", &app.get(&format!("/sessions/{session}")).await);
    d("DELETE", "/v1/organizations/{org_id}", &app.delete(&format!("/organizations/{org}")).await);
    d("DELETE", "/v1/jwt_templates/{template_id}", &app.delete(&format!("/jwt_templates/{template}")).await);

    // Errors are the documented envelope.
    d("GET", "/v1/users/{user_id}", &app.get("/users/user_nobody").await);
    d("POST", "/v1/users", &app.post("/users", json!({"bogus": 1})).await);
    d("GET", "/v1/sessions", &app.get("/sessions").await);
    d("GET", "/v1/jwks", &app.raw(Method::GET, "/v1/jwks", Some("Bearer sk_test_wrong"), None).await);
    app.stop().await;
}

/// Every key a request schema lists is one the server reads (no `form_param_unknown`), and every
/// other key is refused, as `additionalProperties: false` says.
#[tokio::test]
async fn request_schemas_list_exactly_the_keys_the_server_reads() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let user = id(&app.user("ada@example.com").await);
    let org = id(&app.org("Acme", &user).await);
    let session = id(&app.session(&user, None).await);
    let template = id(&app.post("/jwt_templates", json!({"name": "t", "claims": {}})).await.ok().clone());
    let email = id(app.post("/email_addresses", json!({"user_id": user, "email_address": "e@example.com"})).await.ok());
    let phone = id(app.post("/phone_numbers", json!({"user_id": user, "phone_number": "+15555550100"})).await.ok());
    let substitute = |path: &str| {
        path.trim_start_matches("/v1")
            .replace("{email_address_id}", &email)
            .replace("{phone_number_id}", &phone)
            .replace("{user_id}", &user)
            .replace("{org_id}", &org)
            .replace("{session_id}", &session)
            .replace("{template_id}", &template)
            .replace("{template_name}", "t")
    };
    let mut checked = 0;
    for (method, path) in operations(&doc) {
        let op = &doc["paths"][&path][method.to_lowercase()];
        let Some(reference) = op["requestBody"]["content"]["application/json"]["schema"]["$ref"].as_str() else {
            continue;
        };
        let mut schema = &doc["components"]["schemas"][schema_name(reference)];
        // A bulk body is an array of one body schema: its items are sent one at a time.
        let bulk = schema["type"] == "array";
        if bulk {
            schema = &doc["components"]["schemas"][schema_name(schema["items"]["$ref"].as_str().unwrap())];
        }
        let wrap = |body: Value| if bulk { json!([body]) } else { body };
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let target = substitute(&path);
        for key in schema["properties"].as_object().unwrap().keys() {
            // `null` reads as absent, so only the key's name is under test.
            let mut body = serde_json::Map::new();
            body.insert(key.clone(), Value::Null);
            let r = app.call(method.clone(), &target, Some(wrap(body.into()))).await;
            assert!(
                !(r.status == 422 && r.code() == "form_param_unknown"),
                "{method} {path} refuses documented `{key}`: {}",
                r.body
            );
            checked += 1;
        }
        // With its required keys present, a body with an undocumented key is refused for it.
        let mut body = json!({"not_a_key": 1});
        for key in schema["required"].as_array().into_iter().flatten() {
            let key = key.as_str().unwrap();
            body[key] = match key {
                "user_id" => json!(user),
                "role" => json!("org:member"),
                "claims" => json!({}),
                "previous_token_ttl" => json!(0),
                _ => json!("x"),
            };
        }
        let r = app.call(method.clone(), &target, Some(wrap(body))).await;
        assert_eq!(
            (r.status.as_u16(), r.code(), r.param()),
            (422, "form_param_unknown", "not_a_key"),
            "{method} {path}: {}",
            r.body
        );
    }
    assert!(checked > 60, "{checked}");
    app.stop().await;
}

#[tokio::test]
async fn an_empty_api_version_is_no_version() {
    let app = TestApp::spawn().await;
    let r = app
        .http
        .get(format!("{}/v1/users", app.base))
        .header("Authorization", format!("Bearer {SECRET}"))
        .header("Clerk-API-Version", "")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = app.get("/users?__clerk_api_version=").await;
    r.ok();
    let r = app.get("/users?__clerk_api_version=latest").await;
    r.err(400, "api_version_invalid");
    app.stop().await;
}

/// Found by schemathesis on PostgreSQL, whose text cannot hold NUL: a NUL character in a path, query
/// or body string is a Clerk error (404 or 422) on every store, never a 500.
async fn check_nul_characters_are_refused(app: &TestApp) {
    for path in ["/users/a%00b", "/sessions/a%00/revoke", "/organizations/%00", "/jwt_templates/x%00"] {
        app.get(path).await.err(404, "resource_not_found");
    }
    app.post("/sessions/x/tokens/a%00", json!({})).await.err(404, "resource_not_found");
    let r = app.get("/users?query=a%00");
    assert_eq!(r.await.err(422, "form_param_value_invalid").param(), "query");
    let r = app.get("/sessions?user_id=%00");
    assert_eq!(r.await.err(422, "form_param_value_invalid").param(), "user_id");
    let r = app.post("/users", json!({"first_name": "a\u{0}b"}));
    assert_eq!(r.await.err(422, "form_param_value_invalid").param(), "first_name");
    let r = app.post("/users", json!({"email_address": ["a\u{0}@example.com"]}));
    assert_eq!(r.await.err(422, "form_param_value_invalid").param(), "email_address");
    // Inside metadata a NUL is only JSON text.
    app.post("/users", json!({"public_metadata": {"k": "a\u{0}b"}})).await.ok();
}

#[tokio::test]
async fn nul_characters_are_refused_before_the_store() {
    let app = TestApp::spawn().await;
    check_nul_characters_are_refused(&app).await;
    app.stop().await;
    if let Some(app) = TestApp::spawn_postgres().await {
        check_nul_characters_are_refused(&app).await;
        app.stop().await;
    }
}

/// Each request body schema is the core's declaration of that body (`tessera_core::fields::BODIES`):
/// the same keys, the same required keys and the same limits.
#[test]
fn request_schemas_are_the_core_declarations() {
    use tessera_core::fields::{BODIES, Kind};

    let doc = tessera_server::openapi::document();
    for body in BODIES {
        let schema = &doc["components"]["schemas"][body.schema];
        let props =
            schema["properties"].as_object().unwrap_or_else(|| panic!("{} is not in the document", body.schema));
        let mut documented: Vec<&str> = props.keys().map(String::as_str).collect();
        let mut declared: Vec<&str> = body.fields().map(|f| f.name).collect();
        documented.sort_unstable();
        declared.sort_unstable();
        assert_eq!(documented, declared, "{}", body.schema);
        let required: Vec<&str> = body.fields().filter(|f| f.required).map(|f| f.name).collect();
        let documented_required: Vec<&str> =
            schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        assert_eq!(documented_required, required, "{}", body.schema);
        assert_eq!(schema["additionalProperties"], false, "{}", body.schema);
        for field in body.fields() {
            let p = &props[field.name];
            let at = format!("{}.{}", body.schema, field.name);
            match field.kind {
                Kind::String { min_chars, max_chars } => {
                    assert_eq!(p["minLength"].as_u64().unwrap_or(0), min_chars as u64, "{at}");
                    assert_eq!(p["maxLength"].as_u64(), max_chars.map(|m| m as u64), "{at}");
                }
                Kind::Int { min, max } => {
                    assert_eq!((&p["minimum"], &p["maximum"]), (&json!(min), &json!(max)), "{at}")
                }
                Kind::WithoutEffect => assert!(p["description"].as_str().unwrap().contains("no effect"), "{at}"),
                Kind::PositiveNumber { max } => {
                    assert_eq!((&p["exclusiveMinimum"], &p["maximum"]), (&json!(0), &json!(max)), "{at}")
                }
                Kind::StringList | Kind::Bool | Kind::Object => {}
            }
        }
    }
}

/// The errors of the permission, role and role set operations are documented, with Clerk's statuses
/// (an unknown permission in a new role is 404, a role in use cannot be deleted: 422).
#[tokio::test]
async fn role_and_permission_errors_are_documented() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let d = |method: &str, path: &str, r: &Resp| assert_documented(&doc, method, path, r);

    let r = app.post("/organization_roles", json!({"name": "x", "key": "org:x", "permissions": ["perm_nope"]})).await;
    assert_eq!((r.status.as_u16(), r.body["errors"][0]["meta"]["param_name"].as_str()), (404, Some("permissions")));
    d("POST", "/v1/organization_roles", &r);
    let roles = app.get("/organization_roles?limit=100").await;
    let member = roles.ok()["data"].as_array().unwrap().iter().find(|r| r["key"] == "org:member").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app.delete(&format!("/organization_roles/{member}")).await;
    assert_eq!(r.body["errors"][0]["code"], "organization_role_default_creator_role");
    d("DELETE", "/v1/organization_roles/{organization_role_id}", &r);
    let user = id(&app.user("ada@example.com").await);
    let org = id(app.post("/organizations", json!({"name": "Acme", "created_by": user})).await.ok());
    let viewer = id(app
        .post(
            "/organization_roles",
            json!({"name": "Viewer", "key": "org:viewer", "include_in_initial_role_set": true}),
        )
        .await
        .ok());
    let other = id(&app.user("grace@example.com").await);
    app.post(&format!("/organizations/{org}/memberships"), json!({"user_id": other, "role": "org:viewer"})).await.ok();
    let r = app.delete(&format!("/organization_roles/{viewer}")).await;
    assert_eq!(r.body["errors"][0]["code"], "organization_role_assigned_members");
    d("DELETE", "/v1/organization_roles/{organization_role_id}", &r);

    let perm = id(app.post("/organization_permissions", json!({"name": "r", "key": "org:inv:read"})).await.ok());
    let path = format!("/organization_roles/{viewer}/permissions/{perm}");
    d(
        "POST",
        "/v1/organization_roles/{organization_role_id}/permissions/{permission_id}",
        &app.post(&path, json!({})).await,
    );
    let r = app.post(&path, json!({})).await;
    assert_eq!(r.status.as_u16(), 409);
    d("POST", "/v1/organization_roles/{organization_role_id}/permissions/{permission_id}", &r);
    d("DELETE", "/v1/organization_roles/{organization_role_id}/permissions/{permission_id}", &app.delete(&path).await);
    let r = app.delete(&path).await;
    assert_eq!(r.status.as_u16(), 404);
    d("DELETE", "/v1/organization_roles/{organization_role_id}/permissions/{permission_id}", &r);
    let r = app.post("/organization_permissions", json!({"name": "r", "key": "org:inv:read"})).await;
    assert_eq!(r.status.as_u16(), 422);
    d("POST", "/v1/organization_permissions", &r);
    let sys = app.get("/organization_permissions?query=org:sys_billing:read").await;
    let sys = sys.ok()["data"][0]["id"].as_str().unwrap().to_owned();
    let r = app.delete(&format!("/organization_permissions/{sys}")).await;
    assert_eq!(r.status.as_u16(), 403);
    d("DELETE", "/v1/organization_permissions/{permission_id}", &r);
    let r = app.post("/role_sets/role_set:default/replace", json!({"dest_role_set_key": "role_set:nope"})).await;
    assert!(r.status.is_client_error(), "{}", r.body);
    d("POST", "/v1/role_sets/{role_set_key_or_id}/replace", &r);
    app.stop().await;
}
