//! Custom session claims (`/v1/tessera/session_claims`, Clerk's "Customize session token"), through
//! the SDK's `tessera()` namespace: rendered into every session token next to the default claims,
//! which win; validated like JWT templates with the session token's own claims reserved; a size
//! warning on write and a hard limit at mint; the seed key; the OpenAPI document.

use std::sync::{Arc, Mutex};

use reqwest::Method;
use serde_json::{Map, Value, json};
use tessera_client::types::{CreateUserRequestBody, SessionClaims, UpdateSessionClaimsRequestBody};
use tessera_server::{Config, Secret};

use crate::helpers::*;
use crate::secrets::Capture;
use crate::tokens::verify_with_jwks;

/// The claims every session token has, whatever the custom claims (v2, no active organization).
const DEFAULT_V2: [&str; 8] = ["exp", "iat", "iss", "nbf", "sid", "sts", "sub", "v"];

async fn set_claims(app: &TestApp, claims: Value) -> tessera_client::Result<SessionClaims> {
    app.sdk.tessera().session_claims().update(UpdateSessionClaimsRequestBody { claims: obj(claims) }).await
}

/// Mints a session token through the SDK and verifies it against the JWKS.
async fn session_claims_of(app: &TestApp, session_id: &str) -> Map<String, Value> {
    let t = app.session_token(session_id, None).await.unwrap_or_else(|e| panic!("minting: {e}"));
    verify_with_jwks(app, &t.jwt).await
}

fn names(claims: &Map<String, Value>) -> Vec<&str> {
    claims.keys().map(String::as_str).collect()
}

fn config(dir: &tempfile::TempDir) -> Config {
    Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().join("data"),
        secret_key: Some(Secret(SECRET.into())),
        ..Config::default()
    }
}

#[tokio::test]
async fn custom_claims_are_rendered_into_every_session_token_and_the_default_claims_win() {
    let app = TestApp::spawn().await;
    let u = app
        .sdk
        .users()
        .create(CreateUserRequestBody {
            email_address: Some(vec!["ada@example.com".into()]),
            first_name: Some("Ada".into()),
            public_metadata: Some(obj(json!({"plan": "pro", "tags": ["a", "b"]}))),
            ..Default::default()
        })
        .await
        .unwrap();
    let o = app.org("Acme", &u.id).await;
    let in_org = app.session(&u.id, Some(&o.id)).await;
    let plain = app.session(&u.id, None).await;
    let before = session_claims_of(&app, &plain.id).await;
    assert_eq!(names(&before), DEFAULT_V2, "no custom claims, no jti");

    let stored = set_claims(
        &app,
        json!({
            "aud": "my-api",
            "email": "{{user.primary_email_address}}",
            "plan": "{{user.public_metadata.plan || 'free'}}",
            "meta": "{{user.public_metadata}}",
            "orgs": "{{user.organizations}}",
            "greeting": "Hi {{user.first_name}} of {{org.name || 'nowhere'}}",
            "https://example.com/claims": {"role": "{{org.role}}", "session": "{{session.id}}", "sid": "nested keys are free"}
        }),
    )
    .await
    .unwrap();
    assert_eq!((stored.object.as_str(), stored.warnings.len()), ("session_claims", 0));
    assert_eq!(stored.created_at, Some(T0));

    let c = session_claims_of(&app, &in_org.id).await;
    assert_eq!(c["aud"], "my-api");
    assert_eq!(c["email"], "ada@example.com");
    assert_eq!(c["plan"], "pro");
    assert_eq!(c["meta"], json!({"plan": "pro", "tags": ["a", "b"]}));
    assert_eq!(c["orgs"], json!({ o.id.clone(): "org:admin" }));
    assert_eq!(c["greeting"], "Hi Ada of Acme");
    assert_eq!(
        c["https://example.com/claims"],
        json!({"role": "org:admin", "session": in_org.id, "sid": "nested keys are free"})
    );
    // The defaults are untouched: the session's own sid and sub, v2 and the active organization.
    assert_eq!(
        (&c["sid"], &c["sub"], &c["v"], &c["sts"]),
        (&json!(in_org.id), &json!(u.id), &json!(2), &json!("active"))
    );
    assert_eq!(c["o"], json!({"id": o.id, "rol": "admin", "slg": o.slug}));
    let jti = c["jti"].as_str().expect("a jti with custom claims");
    assert!(jti.len() == 20 && jti.chars().all(|ch| ch.is_ascii_hexdigit() && !ch.is_ascii_uppercase()), "{jti}");
    assert_eq!(
        crate::tokens::header(&app.session_token(&in_org.id, None).await.unwrap().jwt)["cat"],
        "cl_B7d4PD111AAA"
    );

    // Without an active organization the org shortcodes are null, as in templates.
    let c = session_claims_of(&app, &plain.id).await;
    assert_eq!((&c["greeting"], &c["https://example.com/claims"]["role"]), (&json!("Hi Ada of nowhere"), &json!(null)));
    assert!(!c.contains_key("o"));

    // Template tokens do not get the session claims.
    app.template("plain", json!({"k": 1})).await;
    let t = app.template_token(&plain.id, "plain", None).await.unwrap();
    let tc = verify_with_jwks(&app, &t.jwt).await;
    assert!(!tc.contains_key("email") && !tc.contains_key("aud"), "{tc:?}");

    // A change is seen by the very next token; clearing brings back the default claims alone.
    set_claims(&app, json!({"email": "{{user.primary_email_address}}"})).await.unwrap();
    let c = session_claims_of(&app, &plain.id).await;
    assert_eq!(names(&c), ["email", "exp", "iat", "iss", "jti", "nbf", "sid", "sts", "sub", "v"]);
    let deleted = app.sdk.tessera().session_claims().delete().await.unwrap();
    assert_eq!((deleted.object.as_str(), deleted.id.as_deref(), deleted.deleted), ("session_claims", None, true));
    assert_eq!(names(&session_claims_of(&app, &plain.id).await), DEFAULT_V2);
    // Empty claims are no claims: no jti either.
    set_claims(&app, json!({})).await.unwrap();
    assert_eq!(names(&session_claims_of(&app, &plain.id).await), DEFAULT_V2);
    app.stop().await;
}

#[tokio::test]
async fn get_answers_empty_claims_until_some_are_set_and_delete_is_idempotent() {
    let app = TestApp::spawn().await;
    let r = app.get("/tessera/session_claims").await;
    assert_eq!(
        r.ok(),
        &json!({"object": "session_claims", "claims": {}, "size_bytes": 2, "warnings": [],
                "created_at": null, "updated_at": null})
    );
    let r = app.call(Method::PUT, "/tessera/session_claims", Some(json!({"claims": {"a": "{{user.id}}"}}))).await;
    let put = r.ok().clone();
    assert_eq!(put["size_bytes"], 19);
    assert_eq!((&put["created_at"], &put["updated_at"]), (&json!(T0), &json!(T0)));
    app.advance_secs(5);
    let again = set_claims(&app, json!({"a": "{{user.id}}", "b": 1})).await.unwrap();
    assert_eq!((again.created_at, again.updated_at), (Some(T0), Some(T0 + 5_000)));
    let got = app.sdk.tessera().session_claims().get().await.unwrap();
    assert_eq!(got, again);
    for _ in 0..2 {
        let r = app.delete("/tessera/session_claims").await;
        assert_eq!(r.ok(), &json!({"object": "session_claims", "deleted": true}));
    }
    assert_eq!(app.get("/tessera/session_claims").await.ok()["updated_at"], json!(null));
    app.stop().await;
}

#[tokio::test]
async fn the_session_tokens_own_claims_are_refused_as_reserved_and_aud_and_orgs_are_allowed() {
    let app = TestApp::spawn().await;
    set_claims(&app, json!({"kept": true})).await.unwrap();
    for reserved in [
        "sub",
        "sid",
        "iss",
        "exp",
        "iat",
        "nbf",
        "jti",
        "azp",
        "v",
        "sts",
        "o",
        "fea",
        "pla",
        "fva",
        "act",
        "org_id",
        "org_slug",
        "org_role",
        "org_permissions",
    ] {
        let e = assert_api_err(
            set_claims(&app, json!({ reserved: "x", "fine": 1 })).await,
            400,
            "jwt_template_reserved_claim",
        );
        assert_eq!(e.param_name(), Some("claims"), "{reserved}");
        assert_eq!(e.long_message(), Some(format!("You can't use the reserved claim: '{reserved}'").as_str()));
    }
    // Nothing was stored by a refused write.
    assert_eq!(app.sdk.tessera().session_claims().get().await.unwrap().claims, obj(json!({"kept": true})));
    // `aud` is allowed, and so is `orgs`, which Clerk tells users to add back this way.
    assert!(set_claims(&app, json!({"aud": "convex", "orgs": "{{user.organizations}}"})).await.is_ok());
    app.stop().await;
}

#[tokio::test]
async fn malformed_bodies_are_clerk_errors_naming_the_parameter() {
    let app = TestApp::spawn().await;
    let put = |body: Value| app.call(Method::PUT, "/tessera/session_claims", Some(body));
    assert_eq!(put(json!({})).await.err(422, "form_param_missing").param(), "claims");
    assert_eq!(put(json!({"claims": null})).await.err(422, "form_param_missing").param(), "claims");
    assert_eq!(put(json!({"claims": "x"})).await.err(422, "form_param_type_invalid").param(), "claims");
    assert_eq!(put(json!({"claims": {}, "extra": 1})).await.err(422, "form_param_unknown").param(), "extra");
    let r = put(json!({"claims": {"a": {"b": ["{{user.id"]}}})).await;
    assert_eq!(r.err(422, "form_param_value_invalid").param(), "claims");
    assert_eq!(r.body["errors"][0]["meta"]["claim_path"], "a.b[0]");
    let r = put(json!({"claims": {"a": "{{nobody.id}}"}})).await;
    assert_eq!(r.err(422, "form_param_value_invalid").param(), "claims");
    // Claims larger than a whole session token may be could never fit in one.
    let r = put(json!({"claims": {"big": "x".repeat(4_000)}})).await;
    assert_eq!(r.err(422, "form_param_exceeds_allowed_size").param(), "claims");
    let r = app.raw(Method::PUT, "/v1/tessera/session_claims", Some(&format!("Bearer {SECRET}")), Some("{bad")).await;
    r.err(400, "request_body_invalid");
    app.raw(Method::PUT, "/v1/tessera/session_claims", None, Some("{}"))
        .await
        .err(401, "authorization_header_format_invalid");
    app.raw(Method::GET, "/v1/tessera/session_claims", Some("Bearer sk_test_wrong"), None)
        .await
        .err(401, "clerk_key_invalid");
    app.raw(Method::POST, "/v1/tessera/session_claims", Some(&format!("Bearer {SECRET}")), Some("{}"))
        .await
        .err(404, "resource_not_found");
    assert_eq!(app.get("/tessera/session_claims").await.ok()["claims"], json!({}), "nothing was stored");
    app.stop().await;
}

/// Lines of `logs` that contain `needle`.
fn lines_with(logs: &Mutex<Vec<u8>>, needle: &str) -> Vec<String> {
    let text = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
    text.lines().filter(|l| l.contains(needle)).map(str::to_owned).collect()
}

// One thread, so that the server's tasks log to this test's subscriber.
#[tokio::test(flavor = "current_thread")]
async fn claims_over_the_recommended_size_are_stored_with_a_warning_in_the_answer_and_the_log() {
    let logs = Arc::new(Mutex::new(Vec::new()));
    let subscriber = tracing_subscriber::fmt().with_writer(Capture(logs.clone())).with_ansi(false).finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let app = TestApp::spawn().await;

    let small = set_claims(&app, json!({"note": "x".repeat(1_180)})).await.unwrap();
    assert_eq!((small.size_bytes, small.warnings.len()), (1_191, 0));
    assert!(lines_with(&logs, "recommended size").is_empty());

    let big =
        set_claims(&app, json!({"note": "x".repeat(1_300), "email": "{{user.primary_email_address}}"})).await.unwrap();
    assert_eq!(big.size_bytes, 1_352);
    assert_eq!(big.warnings.len(), 1, "{:?}", big.warnings);
    assert_eq!(big.warnings[0].code, "session_claims_over_recommended_size");
    assert!(
        big.warnings[0].message.contains("1352 bytes") && big.warnings[0].message.contains("1200"),
        "{:?}",
        big.warnings
    );
    // GET repeats the advice; the claims were stored and mint.
    assert_eq!(app.sdk.tessera().session_claims().get().await.unwrap().warnings, big.warnings);
    let u = app.user("big@example.com").await;
    let s = app.session(&u.id, None).await;
    assert_eq!(session_claims_of(&app, &s.id).await["note"], json!("x".repeat(1_300)));
    let logged = lines_with(&logs, "over the recommended size");
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert!(logged[0].contains("WARN") && logged[0].contains("size_bytes=1352"), "{logged:?}");
    assert!(!logged[0].contains("xxxx"), "the claims themselves are not logged: {logged:?}");
    app.stop().await;
}

async fn user_with_metadata(app: &TestApp, bytes: usize) -> tessera_client::User {
    app.sdk
        .users()
        .create(CreateUserRequestBody {
            public_metadata: Some(obj(json!({"blob": "y".repeat(bytes)}))),
            ..Default::default()
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn a_session_token_over_the_limit_is_refused_naming_its_size_and_the_limit() {
    let app = TestApp::spawn().await;
    let heavy = user_with_metadata(&app, 3_000).await;
    let light = user_with_metadata(&app, 10).await;
    let hs = app.session(&heavy.id, None).await;
    let ls = app.session(&light.id, None).await;
    set_claims(&app, json!({"meta": "{{user.public_metadata}}"})).await.unwrap();

    let e = assert_api_err(app.session_token(&hs.id, None).await, 422, "session_token_too_large");
    let long = e.long_message().unwrap().to_owned();
    assert!(long.contains("more than the limit of 4000 bytes"), "{long}");
    assert!(long.contains("render to 3020 bytes"), "{long}");
    let size: usize = long.split("would be ").nth(1).and_then(|r| r.split(' ').next()).unwrap().parse().unwrap();
    assert!(size > 4_000, "{long}");
    // The same session mints again once the claims no longer carry the metadata; other users mint.
    assert!(session_claims_of(&app, &ls.id).await["meta"]["blob"].is_string());
    app.sdk.tessera().session_claims().delete().await.unwrap();
    assert!(session_claims_of(&app, &hs.id).await.get("meta").is_none());
    app.stop().await;

    // The limit is configurable; 0 leaves only the general token limit.
    let dir = tempfile::tempdir().unwrap();
    let app = TestApp::spawn_with(Config { max_session_token_bytes: 0, ..config(&dir) }, Some(dir)).await;
    let heavy = user_with_metadata(&app, 3_000).await;
    let s = app.session(&heavy.id, None).await;
    set_claims(&app, json!({"meta": "{{user.public_metadata}}"})).await.unwrap();
    assert_eq!(session_claims_of(&app, &s.id).await["meta"]["blob"], json!("y".repeat(3_000)));
    app.stop().await;
}

#[tokio::test]
async fn version_1_session_tokens_carry_the_custom_claims_next_to_the_org_claims() {
    let dir = tempfile::tempdir().unwrap();
    let app = TestApp::spawn_with(Config { session_token_version: 1, ..config(&dir) }, Some(dir)).await;
    let u = app.user("v1@example.com").await;
    let o = app.org("Acme", &u.id).await;
    let s = app.session(&u.id, Some(&o.id)).await;
    set_claims(&app, json!({"role": "{{org.role}}", "name": "{{user.full_name}}"})).await.unwrap();
    let c = session_claims_of(&app, &s.id).await;
    assert_eq!(
        (&c["role"], &c["name"], &c["org_id"], &c["org_role"]),
        (&json!("org:admin"), &json!("Ada Lovelace"), &json!(o.id), &json!("org:admin"))
    );
    assert!(!c.contains_key("v") && c.contains_key("jti"));
    app.stop().await;
}

#[tokio::test]
async fn seeded_session_claims_are_set_once_and_changes_through_the_api_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let seed = json!({
        "users": [{"id": "user_seeded", "email_address": ["seed@example.com"]}],
        "sessions": [{"id": "sess_seeded", "user_id": "user_seeded"}],
        "session_claims": {"email": "{{user.primary_email_address}}"}
    });
    let mut app = TestApp::spawn_with(Config { seed: Some(seed), ..config(&dir) }, Some(dir)).await;
    assert_eq!(
        app.sdk.tessera().session_claims().get().await.unwrap().claims,
        obj(json!({"email": "{{user.primary_email_address}}"}))
    );
    assert_eq!(session_claims_of(&app, "sess_seeded").await["email"], "seed@example.com");
    set_claims(&app, json!({"changed": true})).await.unwrap();
    app.restart().await;
    assert_eq!(app.sdk.tessera().session_claims().get().await.unwrap().claims, obj(json!({"changed": true})));
    assert_eq!(session_claims_of(&app, "sess_seeded").await["changed"], true);
    app.stop().await;
}

#[tokio::test]
async fn the_openapi_document_lists_the_routes_under_the_tessera_tag_and_answers_match_it() {
    let app = TestApp::spawn().await;
    let doc = crate::openapi::document(&app).await;
    let item = &doc["paths"]["/v1/tessera/session_claims"];
    for (method, id) in [("get", "GetSessionClaims"), ("put", "UpdateSessionClaims"), ("delete", "DeleteSessionClaims")]
    {
        assert_eq!(item[method]["tags"], json!(["Tessera"]), "{method}");
        assert_eq!(item[method]["operationId"], id);
        assert_eq!(item[method]["security"], json!([{"bearerAuth": []}]), "{method}");
    }
    let body = &doc["components"]["schemas"]["UpdateSessionClaimsRequestBody"];
    assert_eq!(body["required"], json!(["claims"]));
    assert_eq!(body["additionalProperties"], false);
    let reserved = body["properties"]["claims"]["propertyNames"]["not"]["enum"].as_array().unwrap();
    assert!(reserved.contains(&json!("sid")) && reserved.contains(&json!("o")) && !reserved.contains(&json!("aud")));
    let d = |method: &str, r: &Resp| crate::openapi::assert_documented(&doc, method, "/v1/tessera/session_claims", r);
    d("GET", &app.get("/tessera/session_claims").await);
    d(
        "PUT",
        &app.call(Method::PUT, "/tessera/session_claims", Some(json!({"claims": {"n": "x".repeat(1_300)}}))).await,
    );
    d("PUT", &app.call(Method::PUT, "/tessera/session_claims", Some(json!({"claims": {"sub": "x"}}))).await);
    d("PUT", &app.call(Method::PUT, "/tessera/session_claims", Some(json!({"claims": 1}))).await);
    d("GET", &app.get("/tessera/session_claims").await);
    d("DELETE", &app.delete("/tessera/session_claims").await);
    let u = user_with_metadata(&app, 3_000).await;
    let s = app.session(&u.id, None).await;
    app.call(Method::PUT, "/tessera/session_claims", Some(json!({"claims": {"m": "{{user.public_metadata}}"}})))
        .await
        .ok();
    let r = app.post(&format!("/sessions/{}/tokens", s.id), json!({})).await;
    r.err(422, "session_token_too_large");
    crate::openapi::assert_documented(&doc, "POST", "/v1/sessions/{session_id}/tokens", &r);
    app.stop().await;
}
