use base64::Engine;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value, json};

use crate::helpers::*;

/// Verifies `jwt` with the independent `jsonwebtoken` crate against the server's public JWKS, and
/// checks the time claims against the test clock. Returns the claims.
pub async fn verify_with_jwks(app: &TestApp, jwt: &str) -> Map<String, Value> {
    let r = app
        .raw(reqwest::Method::GET, "/.well-known/jwks.json", None, None)
        .await;
    let set: JwkSet = serde_json::from_value(r.body.clone()).expect("a JWKS");
    let header = jsonwebtoken::decode_header(jwt).expect("a header");
    let kid = header.kid.clone().expect("a kid");
    let jwk = set
        .find(&kid)
        .unwrap_or_else(|| panic!("kid {kid} is in the JWKS"));
    let key = DecodingKey::from_jwk(jwk).expect("a usable JWK");
    verify_with_key(app, jwt, &key, header.alg)
}

pub fn verify_with_key(
    app: &TestApp,
    jwt: &str,
    key: &DecodingKey,
    alg: Algorithm,
) -> Map<String, Value> {
    let mut v = Validation::new(alg);
    v.validate_exp = false;
    v.validate_nbf = false;
    v.validate_aud = false;
    v.required_spec_claims.clear();
    let data =
        jsonwebtoken::decode::<Map<String, Value>>(jwt, key, &v).expect("the signature verifies");
    let now = app.clock_secs();
    let c = data.claims;
    assert!(c["exp"].as_i64().unwrap() > now, "not expired");
    assert!(c["nbf"].as_i64().unwrap() <= now, "already valid");
    c
}

pub fn header(jwt: &str) -> Value {
    let h = jwt.split('.').next().unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(h)
            .unwrap(),
    )
    .unwrap()
}

impl TestApp {
    pub fn clock_secs(&self) -> i64 {
        use tessera_core::clock::Clock;
        self.clock.now_ms() / 1000
    }
}

#[tokio::test]
async fn a_template_token_has_clerks_default_claims_and_header_and_verifies_independently() {
    let app = TestApp::spawn().await;
    let u = app.user("t@x.io").await;
    let s = app.session(&id(&u), None).await;
    app.post("/jwt_templates", json!({"name": "basic", "claims": {"email": "{{user.primary_email_address}}"}, "lifetime": 120, "allowed_clock_skew": 7})).await.ok();
    let path = format!("/sessions/{}/tokens/basic", id(&s));
    for body in [None, Some("{}"), Some("")] {
        let r = app
            .raw(
                reqwest::Method::POST,
                &format!("/v1{path}"),
                Some(&format!("Bearer {SECRET}")),
                body,
            )
            .await;
        let t = r.ok();
        assert_eq!(t["object"], "token");
        let jwt = t["jwt"].as_str().unwrap();
        let h = header(jwt);
        assert_eq!(
            h,
            json!({"alg": "RS256", "cat": "cl_B7d4PD222AAA", "kid": h["kid"], "typ": "JWT"})
        );
        assert!(h["kid"].as_str().unwrap().starts_with("ins_"));
        let c = verify_with_jwks(&app, jwt).await;
        let iat = c["iat"].as_i64().unwrap();
        assert_eq!(iat, T0 / 1000);
        assert_eq!(c["exp"].as_i64().unwrap() - iat, 120);
        assert_eq!(iat - c["nbf"].as_i64().unwrap(), 7);
        assert_eq!(c["sub"], u["id"]);
        assert_eq!(c["iss"], json!(app.base));
        let jti = c["jti"].as_str().unwrap();
        assert!(
            jti.len() == 20
                && jti
                    .chars()
                    .all(|ch| ch.is_ascii_hexdigit() && !ch.is_ascii_uppercase())
        );
        assert!(!c.contains_key("sid") && !c.contains_key("azp"));
        assert_eq!(c["email"], "t@x.io");
        let keys: Vec<&String> = c.keys().collect();
        assert_eq!(keys, ["email", "exp", "iat", "iss", "jti", "nbf", "sub"]);
    }
    let t = app
        .post(&path, json!({"expires_in_seconds": 3600}))
        .await
        .ok()
        .clone();
    let c = verify_with_jwks(&app, t["jwt"].as_str().unwrap()).await;
    assert_eq!(
        c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(),
        3600
    );
    app.stop().await;
}

#[tokio::test]
async fn minting_rejects_bad_expiry_unknown_templates_and_dead_sessions() {
    let app = TestApp::spawn().await;
    let u = app.user("t@x.io").await;
    let s = app.session(&id(&u), None).await;
    app.post("/jwt_templates", json!({"name": "t", "claims": {}}))
        .await
        .ok();
    let path = format!("/sessions/{}/tokens/t", id(&s));
    for bad in [
        json!({"expires_in_seconds": 29}),
        json!({"expires_in_seconds": 315_360_001}),
        json!({"expires_in_seconds": "60"}),
        json!({"expires_in_seconds": 1.5}),
    ] {
        let r = app.post(&path, bad.clone()).await;
        assert_eq!(
            (r.status.as_u16(), r.param()),
            (422, "expires_in_seconds"),
            "{bad}"
        );
    }
    app.post(&path, json!({"expires_in_seconds": 30}))
        .await
        .ok();
    app.post(&path, json!({"expires_in_seconds": 315_360_000}))
        .await
        .ok();
    app.post(&path, json!({"other": 1}))
        .await
        .err(422, "form_param_unknown");
    let r = app
        .post(&format!("/sessions/{}/tokens/convex", id(&s)), json!({}))
        .await;
    r.err(404, "resource_not_found");
    assert_eq!(
        r.body["errors"][0]["long_message"],
        "No JWT template exists with name: convex"
    );
    let r = app.post("/sessions/sess_nope/tokens/t", json!({})).await;
    r.err(404, "resource_not_found");
    assert_eq!(
        r.body["errors"][0]["long_message"],
        "No session was found with id sess_nope"
    );
    app.post(&format!("/sessions/{}/revoke", id(&s)), json!({}))
        .await
        .ok();
    app.post(&path, json!({}))
        .await
        .err(404, "resource_not_found");
    app.stop().await;
}

#[tokio::test]
async fn a_changed_or_deleted_template_is_seen_by_the_next_mint() {
    let app = TestApp::spawn().await;
    let u = app.user("t@x.io").await;
    let s = app.session(&id(&u), None).await;
    let t = app
        .post(
            "/jwt_templates",
            json!({"name": "live", "claims": {"v": 1}}),
        )
        .await
        .ok()
        .clone();
    let path = format!("/sessions/{}/tokens/live", id(&s));
    let c = verify_with_jwks(
        &app,
        app.post(&path, json!({})).await.ok()["jwt"]
            .as_str()
            .unwrap(),
    )
    .await;
    assert_eq!(c["v"], 1);
    app.patch(
        &format!("/jwt_templates/{}", id(&t)),
        json!({"name": "live", "claims": {"v": 2}}),
    )
    .await
    .ok();
    let c = verify_with_jwks(
        &app,
        app.post(&path, json!({})).await.ok()["jwt"]
            .as_str()
            .unwrap(),
    )
    .await;
    assert_eq!(c["v"], 2);
    app.delete(&format!("/jwt_templates/{}", id(&t))).await.ok();
    app.post(&path, json!({}))
        .await
        .err(404, "resource_not_found");
    app.stop().await;
}

#[tokio::test]
async fn session_tokens_carry_v2_claims_and_the_active_organization() {
    let app = TestApp::spawn().await;
    let u = app.user("t@x.io").await;
    let o = app.org("Acme", &id(&u)).await;
    let s = app.session(&id(&u), Some(&id(&o))).await;
    let t = app
        .post(&format!("/sessions/{}/tokens", id(&s)), json!({}))
        .await
        .ok()
        .clone();
    let jwt = t["jwt"].as_str().unwrap();
    assert_eq!(header(jwt)["cat"], "cl_B7d4PD111AAA");
    let c = verify_with_jwks(&app, jwt).await;
    let iat = c["iat"].as_i64().unwrap();
    assert_eq!(
        (
            c["exp"].as_i64().unwrap() - iat,
            iat - c["nbf"].as_i64().unwrap()
        ),
        (60, 10)
    );
    assert_eq!(
        (
            c["sid"].as_str(),
            c["sub"].as_str(),
            c["v"].as_i64(),
            c["sts"].as_str()
        ),
        (s["id"].as_str(), u["id"].as_str(), Some(2), Some("active"))
    );
    assert_eq!(c["o"], json!({"id": id(&o), "rol": "admin", "slg": "acme"}));
    assert!(!c.contains_key("jti") && !c.contains_key("azp"));

    let plain = app.session(&id(&u), None).await;
    let t = app
        .post(
            &format!("/sessions/{}/tokens", id(&plain)),
            json!({"expires_in_seconds": 600}),
        )
        .await
        .ok()
        .clone();
    let c = verify_with_jwks(&app, t["jwt"].as_str().unwrap()).await;
    assert!(!c.contains_key("o"));
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 600);
    app.post(
        &format!("/sessions/{}/tokens", id(&plain)),
        json!({"expires_in_seconds": 10}),
    )
    .await
    .err(422, "form_param_value_invalid");
    app.stop().await;
}

#[tokio::test]
async fn v1_session_tokens_carry_org_claims_when_configured() {
    let dir = tempfile::tempdir().unwrap();
    let config = tessera_server::Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().join("d"),
        secret_key: Some(tessera_server::Secret(SECRET.into())),
        session_token_version: 1,
        ..Default::default()
    };
    let app = TestApp::spawn_with(config, Some(dir)).await;
    let u = app.user("v1@x.io").await;
    let o = app.org("Acme", &id(&u)).await;
    let s = app.session(&id(&u), Some(&id(&o))).await;
    let t = app
        .post(&format!("/sessions/{}/tokens", id(&s)), json!({}))
        .await
        .ok()
        .clone();
    let c = verify_with_jwks(&app, t["jwt"].as_str().unwrap()).await;
    assert_eq!(
        (
            c["org_id"].as_str(),
            c["org_slug"].as_str(),
            c["org_role"].as_str()
        ),
        (o["id"].as_str(), Some("acme"), Some("org:admin"))
    );
    assert_eq!(c["org_permissions"], json!([]));
    assert!(!c.contains_key("v") && !c.contains_key("o"));
    app.stop().await;
}

fn pkcs8_pem(der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        lines.join("\n")
    )
}

#[tokio::test]
async fn custom_signing_keys_sign_template_tokens_with_the_right_header_and_jwks() {
    let app = TestApp::spawn().await;
    let u = app.user("k@x.io").await;
    let s = app.session(&id(&u), None).await;
    // HS256: secret as given, no kid, never in the JWKS.
    let hs = app
        .post("/jwt_templates", json!({"name": "supabase", "claims": {"aud": "authenticated", "role": "authenticated", "email": "{{user.primary_email_address}}"}, "custom_signing_key": true, "signing_algorithm": "HS256", "signing_key": "super-secret-jwt-token-with-at-least-32-characters"}))
        .await
        .ok()
        .clone();
    assert!(hs.get("signing_key").is_none(), "write-only");
    assert_eq!(
        (
            hs["custom_signing_key"].as_bool(),
            hs["signing_algorithm"].as_str()
        ),
        (Some(true), Some("HS256"))
    );
    let jwt = app
        .post(&format!("/sessions/{}/tokens/supabase", id(&s)), json!({}))
        .await
        .ok()["jwt"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        header(&jwt),
        json!({"alg": "HS256", "cat": "cl_B7d4PD222AAA", "typ": "JWT"})
    );
    let c = verify_with_key(
        &app,
        &jwt,
        &DecodingKey::from_secret(b"super-secret-jwt-token-with-at-least-32-characters"),
        Algorithm::HS256,
    );
    assert_eq!(
        (c["aud"].as_str(), c["role"].as_str()),
        (Some("authenticated"), Some("authenticated"))
    );

    // ES256 and EdDSA: a stable RFC 7638 kid, published in the JWKS.
    for (alg, name) in [
        (tessera_jwt::Algorithm::ES256, "convex"),
        (tessera_jwt::Algorithm::EdDSA, "ed"),
    ] {
        let key = tessera_jwt::SigningKey::generate(alg).unwrap();
        let pem = pkcs8_pem(&key.to_storage_bytes());
        app.post("/jwt_templates", json!({"name": name, "claims": {"aud": "convex", "name": "{{user.full_name}}"}, "custom_signing_key": true, "signing_algorithm": alg.as_str(), "signing_key": pem}))
            .await
            .ok();
        let jwt = app
            .post(&format!("/sessions/{}/tokens/{name}", id(&s)), json!({}))
            .await
            .ok()["jwt"]
            .as_str()
            .unwrap()
            .to_owned();
        let h = header(&jwt);
        assert_eq!(h["kid"].as_str(), key.thumbprint().as_deref());
        assert_eq!(h["alg"], alg.as_str());
        let c = verify_with_jwks(&app, &jwt).await;
        assert_eq!(c["name"], "Ada Lovelace");
    }
    let jwks = app.get("/jwks").await.ok().clone();
    let mut kinds: Vec<&str> = jwks["keys"].as_array().unwrap().iter().map(|k| k["kty"].as_str().unwrap()).collect();
    assert_eq!(kinds[0], "RSA", "the instance key comes first");
    kinds.sort_unstable();
    assert_eq!(kinds, ["EC", "OKP", "RSA"]);
    assert!(
        jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["use"] == "sig" && k.get("d").is_none())
    );
    app.stop().await;
}

#[tokio::test]
async fn hasura_supabase_and_convex_templates_render_like_clerk() {
    let app = TestApp::spawn().await;
    let u = app
        .post("/users", json!({"email_address": ["grace@x.io"], "first_name": "Grace", "public_metadata": {"hasura_role": "editor"}}))
        .await
        .ok()
        .clone();
    let o = app.org("Navy", &id(&u)).await;
    let s = app.session(&id(&u), Some(&id(&o))).await;
    app.post("/jwt_templates", json!({"name": "hasura", "claims": {"https://hasura.io/jwt/claims": {
        "x-hasura-user-id": "{{user.id}}", "x-hasura-default-role": "{{user.public_metadata.hasura_role || 'user'}}",
        "x-hasura-allowed-roles": ["user", "editor"], "x-hasura-org-id": "{{org.id}}"}}})).await.ok();
    let c = verify_with_jwks(
        &app,
        app.post(&format!("/sessions/{}/tokens/hasura", id(&s)), json!({}))
            .await
            .ok()["jwt"]
            .as_str()
            .unwrap(),
    )
    .await;
    assert_eq!(
        c["https://hasura.io/jwt/claims"],
        json!({"x-hasura-user-id": id(&u), "x-hasura-default-role": "editor", "x-hasura-allowed-roles": ["user", "editor"], "x-hasura-org-id": id(&o)})
    );

    app.post("/jwt_templates", json!({"name": "convex", "claims": {"aud": "convex", "name": "{{user.full_name}}", "email": "{{user.primary_email_address}}", "email_verified": "{{user.email_verified}}", "org_role": "{{org.role}}", "groups": ["{{org.slug}}"], "missing": "{{user.public_metadata.nope}}", "mixed": "{{user.last_name}} {{user.first_name}}"}})).await.ok();
    let c = verify_with_jwks(
        &app,
        app.post(&format!("/sessions/{}/tokens/convex", id(&s)), json!({}))
            .await
            .ok()["jwt"]
            .as_str()
            .unwrap(),
    )
    .await;
    assert_eq!(c["aud"], "convex");
    assert_eq!(c["name"], "Grace");
    assert_eq!(c["email_verified"], true);
    assert_eq!(c["org_role"], "org:admin");
    assert_eq!(c["groups"], json!(["navy"]));
    assert_eq!(c["missing"], Value::Null);
    assert_eq!(c["mixed"], "null Grace");
    app.stop().await;
}
