//! An independent oracle for response shapes: every operation Tessera shares with Clerk is driven
//! against the real server, and each response is checked against the response schema that Clerk's
//! own published OpenAPI document (`shared/reference/clerk-bapi-2025-11-10.yml`, beside the
//! repository) gives for that operation and status: required fields present, types (with OpenAPI
//! 3.0's `nullable`), enums, nested `$ref`s, arrays, `allOf`/`oneOf`/`anyOf`. Tessera's own
//! OpenAPI document plays no part here.
//!
//! The checker is small and written here on purpose: it reads OpenAPI 3.0.3 schemas as they are
//! (`nullable` is not JSON Schema), so no conversion step can hide a difference.

use std::sync::OnceLock;

use serde_json::{Value, json};

use crate::helpers::*;

/// Clerk's document, parsed once per test binary.
pub(crate) fn clerk_doc() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        // shared/ sits beside the repository (CI clones the repository next to a copy of it); a git
        // worktree further down finds it in an ancestor.
        const FILE: &str = "shared/reference/clerk-bapi-2025-11-10.yml";
        let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let repo = repo.canonicalize().unwrap_or(repo);
        let path = repo.ancestors().skip(1).map(|d| d.join(FILE)).find(|p| p.is_file()).unwrap_or_else(|| {
            panic!(
                "Clerk's OpenAPI document is missing: the schema oracle needs {FILE} in the folder that holds \
                 the repository ({}), or in one of its ancestors",
                repo.parent().map_or("?".into(), |p| p.display().to_string())
            )
        });
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        let doc: Value = serde_norway::from_str(&text).expect("Clerk's OpenAPI document parses as YAML");
        assert_eq!(doc["openapi"].as_str().map(|v| &v[..2]), Some("3."), "an OpenAPI 3 document");
        doc
    })
}

/// Follows `$ref`s (local ones, `#/components/...`) to the object they name.
pub(crate) fn resolve(mut v: &Value) -> &Value {
    let doc = clerk_doc();
    for _ in 0..32 {
        let Some(r) = v.get("$ref").and_then(Value::as_str) else {
            return v;
        };
        let pointer = r.strip_prefix('#').unwrap_or_else(|| panic!("only local $refs are followed: {r}"));
        v = doc.pointer(pointer).unwrap_or_else(|| panic!("dangling $ref {r}"));
    }
    panic!("a $ref cycle")
}

/// The JSON schema Clerk documents for `method path` answering `status`. A 4xx that the operation
/// does not list is checked against Clerk's error envelope (`ClerkErrors`), which every Clerk error has.
fn response_schema(method: &str, path: &str, status: u16) -> &'static Value {
    let doc = clerk_doc();
    let op = doc["paths"]
        .get(path)
        .and_then(|p| p.get(method))
        .unwrap_or_else(|| panic!("Clerk's document has no operation {method} {path}"));
    let responses = &op["responses"];
    let response = match responses.get(status.to_string()) {
        Some(r) => resolve(r),
        None if (400..500).contains(&status) => return &doc["components"]["schemas"]["ClerkErrors"],
        None => panic!("Clerk documents no {status} response for {method} {path}"),
    };
    response
        .pointer("/content/application~1json/schema")
        .unwrap_or_else(|| panic!("no application/json schema for {method} {path} {status}"))
}

/// Appends to `errs` every way `value` (at `at`) fails `schema`.
fn check(schema: &Value, value: &Value, at: &str, errs: &mut Vec<String>) {
    let schema = resolve(schema);
    if value.is_null() && schema.get("nullable").and_then(Value::as_bool) == Some(true) {
        return;
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for s in all {
            check(s, value, at, errs);
        }
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(alts) = schema.get(key).and_then(Value::as_array) {
            let mut why = Vec::new();
            let fits = alts.iter().any(|s| {
                let mut e = Vec::new();
                check(s, value, at, &mut e);
                why.push(e.join("; "));
                e.is_empty()
            });
            if !fits {
                errs.push(format!("{at}: fits none of the {key} alternatives: [{}]", why.join(" | ")));
            }
        }
    }
    let ty = schema.get("type").and_then(Value::as_str).or_else(|| schema.get("properties").map(|_| "object"));
    let Some(ty) = ty else {
        return;
    };
    let fits = match ty {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        other => panic!("unknown type {other} in Clerk's document"),
    };
    if !fits {
        let shown = value.to_string();
        errs.push(format!(
            "{at}: expected {ty}{}, got {shown:.80}",
            if value.is_null() { " (not nullable)" } else { "" }
        ));
        return;
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !allowed.contains(value)
    {
        errs.push(format!("{at}: {value} is not one of Clerk's values {}", Value::Array(allowed.clone())));
    }
    match value {
        Value::Object(map) => {
            let props = schema.get("properties").and_then(Value::as_object);
            for req in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
                let req = req.as_str().expect("required names are strings");
                if !map.contains_key(req) {
                    errs.push(format!("{at}: required field `{req}` is missing"));
                }
            }
            for (k, v) in map {
                match props.and_then(|p| p.get(k)) {
                    Some(s) => check(s, v, &format!("{at}.{k}"), errs),
                    None => {
                        if let Some(extra) = schema.get("additionalProperties").filter(|a| a.is_object()) {
                            check(extra, v, &format!("{at}.{k}"), errs);
                        }
                    }
                }
            }
        }
        Value::Array(items) => {
            if let Some(s) = schema.get("items") {
                for (i, v) in items.iter().enumerate() {
                    check(s, v, &format!("{at}[{i}]"), errs);
                }
            }
        }
        _ => {}
    }
}

/// The mismatches between `body` and Clerk's schema for `method path status`.
fn mismatches(method: &str, path: &str, status: u16, body: &Value) -> Vec<String> {
    let mut errs = Vec::new();
    check(response_schema(method, path, status), body, "$", &mut errs);
    errs
}

/// Asserts that `r` fits the response schema Clerk's document gives `method clerk_path` for its
/// status (for use by the resource modules, one response at a time).
#[track_caller]
pub(crate) fn assert_fits_clerk(method: &str, clerk_path: &str, r: &Resp) {
    let errs = mismatches(method, clerk_path, r.status.as_u16(), &r.body);
    assert!(errs.is_empty(), "{} {clerk_path} → {}: {errs:#?}\n{}", method.to_uppercase(), r.status, r.body);
}

/// Collects the checks of one run and fails once, listing every mismatch.
pub(crate) struct Oracle {
    checked: Vec<String>,
    failures: Vec<String>,
}

impl Oracle {
    pub(crate) fn new() -> Oracle {
        Oracle { checked: Vec::new(), failures: Vec::new() }
    }

    /// Checks a response against Clerk's schema for `method clerk_path` and its own status.
    pub(crate) fn check(&mut self, method: &str, clerk_path: &str, r: &Resp) -> Value {
        let status = r.status.as_u16();
        let what = format!("{} {clerk_path} → {status}", method.to_uppercase());
        for e in mismatches(method, clerk_path, status, &r.body) {
            self.failures.push(format!("{what}: {e}"));
        }
        self.checked.push(what);
        r.body.clone()
    }

    /// A `paginated=true` list: Clerk's document takes the `paginated` parameter but gives only the
    /// bare array's schema, so the page is `{data, total_count}` with `data` checked against that array
    /// schema (the form Clerk's SDKs read).
    pub(crate) fn check_paginated(&mut self, method: &str, clerk_path: &str, r: &Resp) {
        let status = r.status.as_u16();
        let what = format!("{} {clerk_path}?paginated=true → {status}", method.to_uppercase());
        let mut errs = Vec::new();
        if status != 200 {
            errs.push(format!("status {status}: {}", r.body));
        } else {
            let schema = resolve(response_schema(method, clerk_path, 200));
            assert_eq!(schema["type"], "array", "{clerk_path} lists an array");
            check(schema, &r.body["data"], "$.data", &mut errs);
            check(&json!({"type": "integer"}), &r.body["total_count"], "$.total_count", &mut errs);
        }
        self.failures.extend(errs.into_iter().map(|e| format!("{what}: {e}")));
        self.checked.push(what);
    }

    #[track_caller]
    pub(crate) fn finish(self, at_least: usize) {
        assert!(
            self.failures.is_empty(),
            "responses that do not fit Clerk's published schemas:\n{}",
            self.failures.join("\n")
        );
        assert!(self.checked.len() >= at_least, "only {} responses checked: {:?}", self.checked.len(), self.checked);
    }
}

#[test]
fn the_checker_catches_missing_fields_wrong_types_nulls_and_enums() {
    let user = |patch: Value| {
        let mut u = json!({
            "object": "user", "id": "user_1", "primary_email_address_id": null, "primary_phone_number_id": null,
            "primary_web3_wallet_id": null, "username": null, "first_name": "Ada", "last_name": null,
            "profile_image_url": "https://x", "image_url": "https://x", "has_image": false,
            "public_metadata": {}, "private_metadata": {}, "unsafe_metadata": {},
            "email_addresses": [], "phone_numbers": [], "web3_wallets": [], "passkeys": [],
            "password_enabled": false, "two_factor_enabled": false, "totp_enabled": false,
            "backup_code_enabled": false, "external_accounts": [], "saml_accounts": [],
            "last_sign_in_at": null, "banned": false, "locked": false, "lockout_expires_in_seconds": null,
            "verification_attempts_remaining": null, "updated_at": 1, "created_at": 1,
            "delete_self_enabled": true, "create_organization_enabled": true, "last_active_at": null,
            "legal_accepted_at": null, "external_id": null, "mfa_enabled_at": null, "mfa_disabled_at": null,
            "enterprise_accounts": [], "create_organizations_limit": null, "password_last_updated_at": null,
        });
        for (k, v) in patch.as_object().unwrap() {
            if v == "<remove>" {
                u.as_object_mut().unwrap().remove(k);
            } else {
                u[k] = v.clone();
            }
        }
        mismatches("get", "/users/{user_id}", 200, &u)
    };
    let base = user(json!({}));
    // This hand-made user may lack fields Clerk added since; only the differences each change makes count.
    assert!(base.iter().all(|e| e.contains("is missing")), "{base:?}");
    let extra = |p: Value| -> Vec<String> { user(p).into_iter().filter(|e| !base.contains(e)).collect() };
    assert!(extra(json!({"id": "<remove>"})).iter().any(|e| e.contains("`id` is missing")));
    assert!(extra(json!({"banned": "no"})).iter().any(|e| e.contains("$.banned: expected boolean")));
    assert!(extra(json!({"first_name": 1})).iter().any(|e| e.contains("$.first_name: expected string")));
    assert!(extra(json!({"created_at": null})).iter().any(|e| e.contains("not nullable")));
    assert!(extra(json!({"object": "session"})).iter().any(|e| e.contains("not one of Clerk's values")));
    assert!(
        extra(json!({"email_addresses": [{"object": "email_address"}]}))
            .iter()
            .any(|e| e.starts_with("$.email_addresses[0]: required field"))
    );
    assert!(extra(json!({"username": null})).is_empty(), "a nullable field may be null");
    // The error envelope, through a `$ref`d response.
    let ok = json!({"errors": [{"message": "m", "long_message": "l", "code": "c"}], "clerk_trace_id": "t"});
    assert_eq!(mismatches("get", "/users/{user_id}", 404, &ok), Vec::<String>::new());
    let bad = json!({"errors": [{"message": "m", "long_message": "l"}]});
    assert!(mismatches("get", "/users/{user_id}", 404, &bad).iter().any(|e| e.contains("`code` is missing")));
}

#[track_caller]
fn id_of(v: &Value) -> String {
    v["id"].as_str().unwrap_or_else(|| panic!("no id in {v}")).to_owned()
}

async fn every_shared_operation_fits_clerks_schemas(app: &TestApp) {
    let mut o = Oracle::new();
    // Users.
    let u = o.check(
        "post",
        "/users",
        &app.post(
            "/users",
            json!({"email_address": ["ada@example.com"], "first_name": "Ada", "last_name": "Lovelace",
                   "username": "ada_lovelace", "external_id": "ext-1", "public_metadata": {"a": 1},
                   "private_metadata": {"b": 2}, "unsafe_metadata": {"c": 3}, "password": "correct horse battery"}),
        )
        .await,
    );
    let uid = id_of(&u);
    let bare = o.check("post", "/users", &app.post("/users", json!({"external_id": "bare"})).await);
    let bare_id = id_of(&bare);
    o.check("get", "/users", &app.get("/users").await);
    o.check("get", "/users", &app.get("/users?limit=1&offset=1&order_by=-created_at").await);
    o.check("get", "/users/count", &app.get("/users/count").await);
    o.check("get", "/users/{user_id}", &app.get(&format!("/users/{uid}")).await);
    o.check("get", "/users/{user_id}", &app.get("/users/user_nope").await);
    o.check("patch", "/users/{user_id}", &app.patch(&format!("/users/{uid}"), json!({"first_name": "Grace"})).await);
    o.check(
        "patch",
        "/users/{user_id}/metadata",
        &app.patch(&format!("/users/{uid}/metadata"), json!({"public_metadata": {"x": {"y": 1}}})).await,
    );
    o.check("post", "/users", &app.post("/users", json!({"email_address": ["ada@example.com"]})).await);
    o.check("post", "/users", &app.post("/users", json!({"first_name": 5})).await);

    // Organizations and memberships.
    let org = o.check(
        "post",
        "/organizations",
        &app.post("/organizations", json!({"name": "Acme", "created_by": uid, "public_metadata": {"t": 1}})).await,
    );
    let oid = id_of(&org);
    o.check("get", "/organizations", &app.get("/organizations").await);
    o.check("get", "/organizations", &app.get("/organizations?include_members_count=true").await);
    o.check("get", "/organizations/{organization_id}", &app.get(&format!("/organizations/{oid}")).await);
    o.check("get", "/organizations/{organization_id}", &app.get("/organizations/acme").await);
    o.check(
        "patch",
        "/organizations/{organization_id}",
        &app.patch(&format!("/organizations/{oid}"), json!({"name": "Acme 2", "max_allowed_memberships": 5})).await,
    );
    o.check(
        "patch",
        "/organizations/{organization_id}/metadata",
        &app.patch(&format!("/organizations/{oid}/metadata"), json!({"private_metadata": {"s": 1}})).await,
    );
    let mpath = format!("/organizations/{oid}/memberships");
    o.check(
        "post",
        "/organizations/{organization_id}/memberships",
        &app.post(&mpath, json!({"user_id": bare_id, "role": "org:member"})).await,
    );
    o.check(
        "post",
        "/organizations/{organization_id}/memberships",
        &app.post(&mpath, json!({"user_id": bare_id, "role": "org:member"})).await,
    );
    o.check("get", "/organizations/{organization_id}/memberships", &app.get(&mpath).await);
    o.check(
        "patch",
        "/organizations/{organization_id}/memberships/{user_id}",
        &app.patch(&format!("{mpath}/{bare_id}"), json!({"role": "org:admin"})).await,
    );
    o.check(
        "patch",
        "/organizations/{organization_id}/memberships/{user_id}/metadata",
        &app.patch(&format!("{mpath}/{bare_id}/metadata"), json!({"public_metadata": {"team": "red"}})).await,
    );
    o.check(
        "get",
        "/users/{user_id}/organization_memberships",
        &app.get(&format!("/users/{uid}/organization_memberships")).await,
    );

    // Sessions and tokens.
    let s = o.check("post", "/sessions", &app.post("/sessions", json!({"user_id": uid})).await);
    let sid = id_of(&s);
    let s2 = app.post("/sessions", json!({"user_id": uid, "active_organization_id": oid})).await;
    let sid2 = id_of(&o.check("post", "/sessions", &s2));
    o.check("get", "/sessions", &app.get(&format!("/sessions?user_id={uid}")).await);
    o.check_paginated("get", "/sessions", &app.get(&format!("/sessions?user_id={uid}&paginated=true")).await);
    o.check("get", "/sessions", &app.get("/sessions").await);
    o.check("get", "/sessions/{session_id}", &app.get(&format!("/sessions/{sid}")).await);
    o.check("get", "/sessions/{session_id}", &app.get("/sessions/sess_nope").await);
    o.check("post", "/sessions/{session_id}/tokens", &app.post(&format!("/sessions/{sid2}/tokens"), json!({})).await);

    // JWT templates.
    let t = o.check(
        "post",
        "/jwt_templates",
        &app.post("/jwt_templates", json!({"name": "t", "claims": {"e": "{{user.primary_email_address}}"}})).await,
    );
    let tid = id_of(&t);
    o.check(
        "post",
        "/jwt_templates",
        &app.post(
            "/jwt_templates",
            json!({"name": "hs", "claims": {}, "custom_signing_key": true, "signing_algorithm": "HS256",
                   "signing_key": "a-custom-secret-of-at-least-32-characters"}),
        )
        .await,
    );
    o.check("post", "/jwt_templates", &app.post("/jwt_templates", json!({"name": "t", "claims": {}})).await);
    o.check("post", "/jwt_templates", &app.post("/jwt_templates", json!({"name": "x", "claims": {"sub": 1}})).await);
    o.check("get", "/jwt_templates", &app.get("/jwt_templates").await);
    o.check_paginated("get", "/jwt_templates", &app.get("/jwt_templates?paginated=true&limit=1").await);
    o.check("get", "/jwt_templates/{template_id}", &app.get(&format!("/jwt_templates/{tid}")).await);
    o.check(
        "patch",
        "/jwt_templates/{template_id}",
        &app.patch(&format!("/jwt_templates/{tid}"), json!({"name": "t", "claims": {}, "lifetime": 300})).await,
    );
    o.check(
        "post",
        "/sessions/{session_id}/tokens/{template_name}",
        &app.post(&format!("/sessions/{sid}/tokens/t"), json!({"expires_in_seconds": 120})).await,
    );
    o.check(
        "post",
        "/sessions/{session_id}/tokens/{template_name}",
        &app.post(&format!("/sessions/{sid}/tokens/nope"), json!({})).await,
    );
    o.check("get", "/jwks", &app.get("/jwks").await);

    // Actor tokens (impersonation); the session a token is redeemed into (through Tessera's own
    // route) is Clerk's Session with `actor` set.
    let at = o.check(
        "post",
        "/actor_tokens",
        &app.post("/actor_tokens", json!({"user_id": uid, "actor": {"sub": bare_id, "iss": "https://admin.example"}}))
            .await,
    );
    let at_id = id_of(&at);
    let redeemed = app.post(&format!("/tessera/actor_tokens/{at_id}/redeem"), json!({"token": at["token"]})).await;
    let impersonated = id_of(redeemed.ok());
    o.check("get", "/sessions/{session_id}", &app.get(&format!("/sessions/{impersonated}")).await);
    o.check("post", "/actor_tokens", &app.post("/actor_tokens", json!({"user_id": uid})).await);
    o.check(
        "post",
        "/actor_tokens/{actor_token_id}/revoke",
        &app.post(&format!("/actor_tokens/{at_id}/revoke"), json!({})).await,
    );
    o.check(
        "post",
        "/actor_tokens/{actor_token_id}/revoke",
        &app.post(&format!("/actor_tokens/{at_id}/revoke"), json!({})).await,
    );
    o.check(
        "post",
        "/actor_tokens/{actor_token_id}/revoke",
        &app.post("/actor_tokens/act_nope/revoke", json!({})).await,
    );

    // Ends and deletions.
    o.check("post", "/sessions/{session_id}/revoke", &app.post(&format!("/sessions/{sid}/revoke"), json!({})).await);
    o.check("post", "/sessions/{session_id}/tokens", &app.post(&format!("/sessions/{sid}/tokens"), json!({})).await);
    // Passwords: Clerk documents the 200 of verify_password (its 4xx have no schema) and both
    // answers of remove_password.
    let verify = app.post(&format!("/users/{uid}/verify_password"), json!({"password": "correct horse battery"})).await;
    o.check("post", "/users/{user_id}/verify_password", &verify);
    o.check(
        "post",
        "/users/{user_id}/remove_password",
        &app.post(&format!("/users/{uid}/remove_password"), json!({})).await,
    );
    o.check("post", "/users/{user_id}/remove_password", &app.post("/users/user_nope/remove_password", json!({})).await);
    o.check("post", "/users/{user_id}/ban", &app.post(&format!("/users/{bare_id}/ban"), json!({})).await);
    o.check("post", "/users/{user_id}/unban", &app.post(&format!("/users/{bare_id}/unban"), json!({})).await);
    o.check(
        "delete",
        "/organizations/{organization_id}/memberships/{user_id}",
        &app.delete(&format!("{mpath}/{bare_id}")).await,
    );
    o.check("delete", "/jwt_templates/{template_id}", &app.delete(&format!("/jwt_templates/{tid}")).await);
    o.check("delete", "/organizations/{organization_id}", &app.delete(&format!("/organizations/{oid}")).await);
    o.check("delete", "/users/{user_id}", &app.delete(&format!("/users/{bare_id}")).await);
    o.check("delete", "/users/{user_id}", &app.delete(&format!("/users/{bare_id}")).await);
    // Authentication failures.
    let r = app.raw(reqwest::Method::GET, "/v1/users", Some("Bearer sk_test_wrong_wrong_wrong_wrong"), None).await;
    assert_eq!(r.status.as_u16(), 401);
    o.check("get", "/users", &r);
    o.finish(50);
}

#[tokio::test]
async fn every_operation_tessera_shares_with_clerk_answers_in_clerks_published_shapes() {
    let app = TestApp::spawn().await;
    every_shared_operation_fits_clerks_schemas(&app).await;
    app.stop().await;
}

#[tokio::test]
async fn on_postgresql_every_shared_operation_answers_in_clerks_published_shapes() {
    let Some(app) = TestApp::spawn_postgres().await else {
        eprintln!("TESSERA_TEST_DATABASE_URL not set: skipping the PostgreSQL run (outside CI)");
        return;
    };
    every_shared_operation_fits_clerks_schemas(&app).await;
    app.stop().await;
}
