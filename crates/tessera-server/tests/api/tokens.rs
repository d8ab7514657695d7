use base64::Engine;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value, json};
use tessera_client::types::{CreateJwtTemplateRequestBody, CreateUserRequestBody};
use tessera_client::{CreateSessionTokenFromTemplateRequest, CreateSessionTokenFromTemplateRequestBody, Token};

use crate::helpers::*;

/// Verifies `jwt` with the independent `jsonwebtoken` crate against the server's public JWKS, and
/// checks the time claims against the test clock. Returns the claims.
pub async fn verify_with_jwks(app: &TestApp, jwt: &str) -> Map<String, Value> {
    let r = app.raw(reqwest::Method::GET, "/.well-known/jwks.json", None, None).await;
    let set: JwkSet = serde_json::from_value(r.body.clone()).expect("a JWKS");
    let header = jsonwebtoken::decode_header(jwt).expect("a header");
    let kid = header.kid.clone().expect("a kid");
    let jwk = set.find(&kid).unwrap_or_else(|| panic!("kid {kid} is in the JWKS"));
    let key = DecodingKey::from_jwk(jwk).expect("a usable JWK");
    verify_with_key(app, jwt, &key, header.alg)
}

pub fn verify_with_key(app: &TestApp, jwt: &str, key: &DecodingKey, alg: Algorithm) -> Map<String, Value> {
    let mut v = Validation::new(alg);
    v.validate_exp = false;
    v.validate_nbf = false;
    v.validate_aud = false;
    v.required_spec_claims.clear();
    let data = jsonwebtoken::decode::<Map<String, Value>>(jwt, key, &v).expect("the signature verifies");
    let now = app.clock_secs();
    let c = data.claims;
    assert!(c["exp"].as_i64().unwrap() > now, "not expired");
    assert!(c["nbf"].as_i64().unwrap() <= now, "already valid");
    c
}

pub fn header(jwt: &str) -> Value {
    let h = jwt.split('.').next().unwrap();
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(h).unwrap()).unwrap()
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
    let s = app.session(&u.id, None).await;
    app.sdk
        .jwt_templates()
        .create(CreateJwtTemplateRequestBody {
            name: "basic".into(),
            claims: obj(json!({"email": "{{user.primary_email_address}}"})),
            lifetime: Some(120),
            allowed_clock_skew: Some(7),
            ..Default::default()
        })
        .await
        .unwrap();
    let path = format!("/sessions/{}/tokens/basic", s.id);
    let request =
        |body| CreateSessionTokenFromTemplateRequest { session_id: s.id.clone(), template_name: "basic".into(), body };
    for body in [None, Some("{}"), Some("")] {
        let t: Token = match body {
            // No body and `{}` through the SDK.
            None => app.sdk.sessions().create_token_from_template(request(None)).await.unwrap(),
            Some("{}") => {
                app.sdk.sessions().create_token_from_template(request(Some(Default::default()))).await.unwrap()
            }
            // Raw: an empty body with a JSON content type, which the SDK never sends.
            Some(raw) => {
                let r = app
                    .raw(reqwest::Method::POST, &format!("/v1{path}"), Some(&format!("Bearer {SECRET}")), Some(raw))
                    .await;
                serde_json::from_value(r.ok().clone()).unwrap()
            }
        };
        assert_eq!(t.object, "token");
        let jwt = t.jwt.as_str();
        let h = header(jwt);
        assert_eq!(h, json!({"alg": "RS256", "cat": "cl_B7d4PD222AAA", "kid": h["kid"], "typ": "JWT"}));
        assert!(h["kid"].as_str().unwrap().starts_with("ins_"));
        let c = verify_with_jwks(&app, jwt).await;
        let iat = c["iat"].as_i64().unwrap();
        assert_eq!(iat, T0 / 1000);
        assert_eq!(c["exp"].as_i64().unwrap() - iat, 120);
        assert_eq!(iat - c["nbf"].as_i64().unwrap(), 7);
        assert_eq!(c["sub"], u.id);
        assert_eq!(c["iss"], json!(app.base));
        let jti = c["jti"].as_str().unwrap();
        assert!(jti.len() == 20 && jti.chars().all(|ch| ch.is_ascii_hexdigit() && !ch.is_ascii_uppercase()));
        assert!(!c.contains_key("sid") && !c.contains_key("azp"));
        assert_eq!(c["email"], "t@x.io");
        let keys: Vec<&String> = c.keys().collect();
        assert_eq!(keys, ["email", "exp", "iat", "iss", "jti", "nbf", "sub"]);
    }
    let t = app.template_token(&s.id, "basic", Some(3600)).await.unwrap();
    let c = verify_with_jwks(&app, &t.jwt).await;
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 3600);
    app.stop().await;
}

#[tokio::test]
async fn minting_rejects_bad_expiry_unknown_templates_and_dead_sessions() {
    let app = TestApp::spawn().await;
    let u = app.user("t@x.io").await;
    let s = app.session(&u.id, None).await;
    app.template("t", json!({})).await;
    let path = format!("/sessions/{}/tokens/t", s.id);
    for bad in [29, 315_360_001] {
        let e = api_err(app.template_token(&s.id, "t", Some(bad)).await);
        assert_eq!((e.status(), e.param_name()), (Some(422), Some("expires_in_seconds")), "{bad}");
    }
    // Raw: a string and a fraction, which the SDK's `i64` cannot send.
    for bad in [json!({"expires_in_seconds": "60"}), json!({"expires_in_seconds": 1.5})] {
        let r = app.post(&path, bad.clone()).await;
        assert_eq!((r.status.as_u16(), r.param()), (422, "expires_in_seconds"), "{bad}");
    }
    app.template_token(&s.id, "t", Some(30)).await.unwrap();
    app.template_token(&s.id, "t", Some(315_360_000)).await.unwrap();
    // Raw: an unknown body field.
    app.post(&path, json!({"other": 1})).await.err(422, "form_param_unknown");
    let e = assert_api_err(app.template_token(&s.id, "convex", None).await, 404, "resource_not_found");
    assert_eq!(e.long_message(), Some("No JWT template exists with name: convex"));
    let e = assert_api_err(app.template_token("sess_nope", "t", None).await, 404, "resource_not_found");
    assert_eq!(e.long_message(), Some("No session was found with id sess_nope"));
    app.sdk.sessions().revoke(&s.id).await.unwrap();
    let r = app
        .sdk
        .sessions()
        .create_token_from_template(CreateSessionTokenFromTemplateRequest {
            session_id: s.id.clone(),
            template_name: "t".into(),
            body: Some(CreateSessionTokenFromTemplateRequestBody::default()),
        })
        .await;
    assert_api_err(r, 404, "resource_not_found");
    app.stop().await;
}

#[tokio::test]
async fn a_changed_or_deleted_template_is_seen_by_the_next_mint() {
    let app = TestApp::spawn().await;
    let u = app.user("t@x.io").await;
    let s = app.session(&u.id, None).await;
    let t = app.template("live", json!({"v": 1})).await;
    let c = verify_with_jwks(&app, &app.template_token(&s.id, "live", None).await.unwrap().jwt).await;
    assert_eq!(c["v"], 1);
    app.sdk
        .jwt_templates()
        .update(
            &t.id,
            CreateJwtTemplateRequestBody { name: "live".into(), claims: obj(json!({"v": 2})), ..Default::default() },
        )
        .await
        .unwrap();
    let c = verify_with_jwks(&app, &app.template_token(&s.id, "live", None).await.unwrap().jwt).await;
    assert_eq!(c["v"], 2);
    app.sdk.jwt_templates().delete(&t.id).await.unwrap();
    assert_api_err(app.template_token(&s.id, "live", None).await, 404, "resource_not_found");
    app.stop().await;
}

#[tokio::test]
async fn session_tokens_carry_v2_claims_and_the_active_organization() {
    let app = TestApp::spawn().await;
    let u = app.user("t@x.io").await;
    let o = app.org("Acme", &u.id).await;
    let s = app.session(&u.id, Some(&o.id)).await;
    let t = app.session_token(&s.id, None).await.unwrap();
    let jwt = t.jwt.as_str();
    assert_eq!(header(jwt)["cat"], "cl_B7d4PD111AAA");
    let c = verify_with_jwks(&app, jwt).await;
    let iat = c["iat"].as_i64().unwrap();
    assert_eq!((c["exp"].as_i64().unwrap() - iat, iat - c["nbf"].as_i64().unwrap()), (60, 10));
    assert_eq!(
        (c["sid"].as_str(), c["sub"].as_str(), c["v"].as_i64(), c["sts"].as_str()),
        (Some(s.id.as_str()), Some(u.id.as_str()), Some(2), Some("active"))
    );
    assert_eq!(c["o"], json!({"id": o.id, "rol": "admin", "slg": "acme"}));
    assert!(!c.contains_key("jti") && !c.contains_key("azp"));

    let plain = app.session(&u.id, None).await;
    let t = app.session_token(&plain.id, Some(600)).await.unwrap();
    let c = verify_with_jwks(&app, &t.jwt).await;
    assert!(!c.contains_key("o"));
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 600);
    assert_api_err(app.session_token(&plain.id, Some(10)).await, 422, "form_param_value_invalid");
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
    let o = app.org("Acme", &u.id).await;
    let s = app.session(&u.id, Some(&o.id)).await;
    let t = app.session_token(&s.id, None).await.unwrap();
    let c = verify_with_jwks(&app, &t.jwt).await;
    assert_eq!(
        (c["org_id"].as_str(), c["org_slug"].as_str(), c["org_role"].as_str()),
        (Some(o.id.as_str()), Some("acme"), Some("org:admin"))
    );
    assert_eq!(c["org_permissions"], json!([]));
    assert!(!c.contains_key("v") && !c.contains_key("o"));
    app.stop().await;
}

#[tokio::test]
async fn custom_signing_keys_sign_template_tokens_with_the_right_header_and_jwks() {
    let app = TestApp::spawn().await;
    let u = app.user("k@x.io").await;
    let s = app.session(&u.id, None).await;
    // HS256: secret as given, no kid, never in the JWKS. Raw: "write-only" means the key is absent
    // from the JSON, which a typed decode cannot see.
    let hs = app
        .post("/jwt_templates", json!({"name": "supabase", "claims": {"aud": "authenticated", "role": "authenticated", "email": "{{user.primary_email_address}}"}, "custom_signing_key": true, "signing_algorithm": "HS256", "signing_key": "super-secret-jwt-token-with-at-least-32-characters"}))
        .await
        .ok()
        .clone();
    assert!(hs.get("signing_key").is_none(), "write-only");
    assert_eq!((hs["custom_signing_key"].as_bool(), hs["signing_algorithm"].as_str()), (Some(true), Some("HS256")));
    let jwt = app.template_token(&s.id, "supabase", None).await.unwrap().jwt;
    assert_eq!(header(&jwt), json!({"alg": "HS256", "cat": "cl_B7d4PD222AAA", "typ": "JWT"}));
    let c = verify_with_key(
        &app,
        &jwt,
        &DecodingKey::from_secret(b"super-secret-jwt-token-with-at-least-32-characters"),
        Algorithm::HS256,
    );
    assert_eq!((c["aud"].as_str(), c["role"].as_str()), (Some("authenticated"), Some("authenticated")));

    // ES256 and EdDSA (keys made by openssl): the kid is the RFC 7638 thumbprint, computed here from
    // the public key file by the test's own code, and the JWKS publishes that very public key.
    for (alg, name, file) in [
        (tessera_jwt::Algorithm::ES256, "convex", "p256_pkcs8"),
        (tessera_jwt::Algorithm::EdDSA, "ed", "ed25519_pkcs8"),
    ] {
        let pem = jwt_fixture(&format!("{file}.pem"));
        let public = public_jwk_from_spki_pem(&jwt_fixture(&format!("{file}.pub.pem")));
        let expected_kid = rfc7638_thumbprint(&public);
        app.sdk
            .jwt_templates()
            .create(CreateJwtTemplateRequestBody {
                name: name.into(),
                claims: obj(json!({"aud": "convex", "name": "{{user.full_name}}"})),
                custom_signing_key: Some(true),
                signing_algorithm: Some(alg.as_str().into()),
                signing_key: Some(pem),
                ..Default::default()
            })
            .await
            .unwrap();
        let jwt = app.template_token(&s.id, name, None).await.unwrap().jwt;
        let h = header(&jwt);
        assert_eq!(h["kid"].as_str(), Some(expected_kid.as_str()));
        assert_eq!(h["alg"], alg.as_str());
        let jwks = app.get("/jwks").await.ok().clone();
        let published = jwks["keys"].as_array().unwrap().iter().find(|k| k["kid"] == json!(expected_kid));
        let published = published.unwrap_or_else(|| panic!("kid {expected_kid} is in the JWKS: {jwks}"));
        for member in ["kty", "crv", "x", "y"] {
            assert_eq!(published.get(member), public.get(member), "{member} of the published {name} key");
        }
        let c = verify_with_jwks(&app, &jwt).await;
        assert_eq!(c["name"], "Ada Lovelace");
    }
    let jwks = app.sdk.jwks().get().await.unwrap();
    let mut kinds: Vec<&str> = jwks.keys.iter().map(|k| k.kty.as_str()).collect();
    assert_eq!(kinds[0], "RSA", "the instance key comes first");
    kinds.sort_unstable();
    assert_eq!(kinds, ["EC", "OKP", "RSA"]);
    assert!(jwks.keys.iter().all(|k| k.use_.as_deref() == Some("sig")));
    // Raw: no private part (`d`) in any key; the SDK's `Jwk` has no field to show one.
    let raw = app.get("/jwks").await.ok().clone();
    assert!(raw["keys"].as_array().unwrap().iter().all(|k| k["use"] == "sig" && k.get("d").is_none()));
    app.stop().await;
}

#[tokio::test]
async fn hasura_supabase_and_convex_templates_render_like_clerk() {
    let app = TestApp::spawn().await;
    let u = app
        .sdk
        .users()
        .create(CreateUserRequestBody {
            email_address: Some(vec!["grace@x.io".into()]),
            first_name: Some("Grace".into()),
            public_metadata: Some(obj(json!({"hasura_role": "editor"}))),
            ..Default::default()
        })
        .await
        .unwrap();
    let o = app.org("Navy", &u.id).await;
    let s = app.session(&u.id, Some(&o.id)).await;
    app.template(
        "hasura",
        json!({"https://hasura.io/jwt/claims": {
        "x-hasura-user-id": "{{user.id}}", "x-hasura-default-role": "{{user.public_metadata.hasura_role || 'user'}}",
        "x-hasura-allowed-roles": ["user", "editor"], "x-hasura-org-id": "{{org.id}}"}}),
    )
    .await;
    let c = verify_with_jwks(&app, &app.template_token(&s.id, "hasura", None).await.unwrap().jwt).await;
    assert_eq!(
        c["https://hasura.io/jwt/claims"],
        json!({"x-hasura-user-id": u.id, "x-hasura-default-role": "editor", "x-hasura-allowed-roles": ["user", "editor"], "x-hasura-org-id": o.id})
    );

    app.template("convex", json!({"aud": "convex", "name": "{{user.full_name}}", "email": "{{user.primary_email_address}}", "email_verified": "{{user.email_verified}}", "org_role": "{{org.role}}", "groups": ["{{org.slug}}"], "missing": "{{user.public_metadata.nope}}", "mixed": "{{user.last_name}} {{user.first_name}}"})).await;
    let c = verify_with_jwks(&app, &app.template_token(&s.id, "convex", None).await.unwrap().jwt).await;
    assert_eq!(c["aud"], "convex");
    assert_eq!(c["name"], "Grace");
    assert_eq!(c["email_verified"], true);
    assert_eq!(c["org_role"], "org:admin");
    assert_eq!(c["groups"], json!(["navy"]));
    assert_eq!(c["missing"], Value::Null);
    assert_eq!(c["mixed"], "null Grace");
    app.stop().await;
}
