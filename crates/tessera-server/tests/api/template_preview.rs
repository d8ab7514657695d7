//! `POST /v1/tessera/jwt_templates/preview` through the SDK's `tessera()` namespace: the preview is
//! the token the next mint signs (same header, same claims but `jti`, same size), for stored and
//! unsaved templates, users, sessions and organizations; lints come back with claim paths; nothing
//! is stored; bad input is a Clerk error.

use reqwest::Method;
use serde_json::{Value, json};
use tessera_client::types::{JwtTemplatePreview, PreviewJwtTemplateRequestBody};

use crate::helpers::*;
use crate::tokens::verify_with_jwks;

async fn preview(app: &TestApp, body: PreviewJwtTemplateRequestBody) -> tessera_client::Result<JwtTemplatePreview> {
    app.sdk.tessera().jwt_templates().preview(body).await
}

fn codes(p: &JwtTemplatePreview) -> Vec<&str> {
    p.lints.iter().map(|l| l.code.as_str()).collect()
}

#[tokio::test]
async fn a_stored_template_previews_as_exactly_the_token_the_next_mint_signs() {
    let app = TestApp::spawn().await;
    let u = app.user("ada@example.com").await;
    let o = app.org("Acme", &u.id).await;
    let s = app.session(&u.id, Some(&o.id)).await;
    let t = app
        .template("supabase", json!({"role": "authenticated", "aud": "authenticated", "email": "{{user.primary_email_address}}", "org": "{{org.slug}}", "orgs": "{{user.organizations}}"}))
        .await;
    let p = preview(
        &app,
        PreviewJwtTemplateRequestBody {
            template: Some("supabase".into()),
            session_id: Some(s.id.clone()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(p.object, "jwt_template_preview");
    assert_eq!(p.template_id.as_deref(), Some(t.id.as_str()));
    assert_eq!(p.consumers, ["supabase"]);
    assert!(p.lints.is_empty(), "{:?}", p.lints);

    let jwt = app.template_token(&s.id, "supabase", None).await.unwrap().jwt;
    let minted = verify_with_jwks(&app, &jwt).await;
    let header = tessera_jwt::decode_unverified(&jwt).unwrap().header;
    assert_eq!(Value::Object(p.header.clone()), Value::Object(header));
    for (k, v) in &minted {
        if k != "jti" {
            assert_eq!(p.claims.get(k), Some(v), "claim {k}");
        }
    }
    assert_eq!(p.claims.len(), minted.len());
    assert_eq!(p.claims["org"], json!("acme"));
    assert_eq!(p.claims["orgs"], json!({ o.id.clone(): "org:admin" }));
    // Same lengths of every claim (the jti is random but of the same length), so the same size.
    assert_eq!(p.size_bytes as usize, jwt.len());
    // By id too, and for the user with the organization made active.
    let by_id = preview(
        &app,
        PreviewJwtTemplateRequestBody {
            template: Some(t.id.clone()),
            user_id: Some(u.id.clone()),
            organization_id: Some(o.slug.clone()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(by_id.claims["org"], json!("acme"));
    assert_eq!(by_id.claims["sub"], json!(u.id));
}

#[tokio::test]
async fn unsaved_claims_preview_with_their_own_lifetime_and_a_fixed_hasura_lint_disappears() {
    let app = TestApp::spawn().await;
    let u = app.user("grace@example.com").await;
    let claims = json!({"https://hasura.io/jwt/claims": {
        "x-hasura-default-role": "admin",
        "x-hasura-allowed-roles": ["user"],
        "x-hasura-user-id": "{{user.id}}",
        "x-hasura-plan": "{{user.public_metadata.plan}}"
    }});
    let body = |claims: Value| PreviewJwtTemplateRequestBody {
        claims: Some(obj(claims)),
        lifetime: Some(600),
        allowed_clock_skew: Some(30),
        user_id: Some(u.id.clone()),
        ..Default::default()
    };
    let p = preview(&app, body(claims.clone())).await.unwrap();
    assert_eq!(p.template_id, None);
    assert_eq!(p.consumers, ["hasura"]);
    let iat = p.claims["iat"].as_i64().unwrap();
    assert_eq!((p.claims["exp"].as_i64(), p.claims["nbf"].as_i64()), (Some(iat + 600), Some(iat - 30)));
    assert_eq!(codes(&p), ["claim_renders_null", "hasura_default_role_not_allowed", "hasura_value_not_string"]);
    assert_eq!(p.lints[0].claim_path.as_deref(), Some("https://hasura.io/jwt/claims.x-hasura-plan"));
    assert!(p.lints.iter().all(|l| l.documentation_url.is_some()));

    let mut fixed = claims;
    fixed["https://hasura.io/jwt/claims"]["x-hasura-allowed-roles"] = json!(["user", "admin"]);
    fixed["https://hasura.io/jwt/claims"]["x-hasura-plan"] = json!("{{user.public_metadata.plan || 'free'}}");
    let p = preview(&app, body(fixed)).await.unwrap();
    assert!(p.lints.is_empty(), "{:?}", p.lints);
    // Nothing was stored.
    assert_eq!(app.get("/jwt_templates").await.ok(), &json!([]));
}

#[tokio::test]
async fn a_custom_algorithm_and_a_named_consumer_change_the_header_the_size_and_the_checks() {
    let app = TestApp::spawn().await;
    let u = app.user("hedy@example.com").await;
    let base = PreviewJwtTemplateRequestBody {
        claims: Some(obj(json!({"name": "{{user.full_name}}"}))),
        user_id: Some(u.id.clone()),
        ..Default::default()
    };
    let rs = preview(&app, base.clone()).await.unwrap();
    let hs = preview(&app, PreviewJwtTemplateRequestBody { signing_algorithm: Some("HS256".into()), ..base.clone() })
        .await
        .unwrap();
    assert_eq!(hs.header["alg"], json!("HS256"));
    assert!(hs.header.get("kid").is_none());
    assert!(hs.size_bytes < rs.size_bytes, "an HMAC signature is shorter than an RSA one");
    let convex =
        preview(&app, PreviewJwtTemplateRequestBody { consumer: Some("convex".into()), ..base }).await.unwrap();
    assert_eq!(convex.consumers, ["convex"]);
    assert_eq!(codes(&convex), ["convex_aud_missing", "convex_issuer_not_https"]);
}

#[tokio::test]
async fn an_ended_session_previews_with_an_error_finding_because_the_mint_would_refuse_it() {
    let app = TestApp::spawn().await;
    let u = app.user("ida@example.com").await;
    let s = app.session(&u.id, None).await;
    app.post(&format!("/sessions/{}/revoke", s.id), json!({})).await.ok();
    let p = preview(
        &app,
        PreviewJwtTemplateRequestBody {
            claims: Some(obj(json!({"sid": "{{session.id}}", "status": "{{session.status}}"}))),
            session_id: Some(s.id.clone()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(p.claims["status"], json!("revoked"));
    assert_eq!(codes(&p), ["session_not_live"]);
}

#[tokio::test]
async fn bad_preview_requests_are_clerk_errors_naming_the_parameter() {
    let app = TestApp::spawn().await;
    let u = app.user("joan@example.com").await;
    let other = app.user("mary@example.com").await;
    let o = app.org("Acme", &other.id).await;
    let path = "/tessera/jwt_templates/preview";
    let cases = [
        (json!({"user_id": u.id}), 422, "form_param_missing", "template"),
        (json!({"claims": {}}), 422, "form_param_missing", "user_id"),
        (json!({"claims": {}, "template": "x", "user_id": u.id}), 422, "form_conditional_param_disallowed", "claims"),
        (
            json!({"template": "x", "lifetime": 60, "user_id": u.id}),
            422,
            "form_conditional_param_disallowed",
            "lifetime",
        ),
        (json!({"claims": {"sub": "x"}, "user_id": u.id}), 400, "jwt_template_reserved_claim", ""),
        (json!({"claims": {"a": "{{nope.x}}"}, "user_id": u.id}), 422, "form_param_value_invalid", "claims"),
        (json!({"claims": {}, "user_id": u.id, "consumer": "firebase"}), 422, "form_param_value_invalid", "consumer"),
        (
            json!({"claims": {}, "user_id": u.id, "signing_algorithm": "none"}),
            422,
            "form_param_value_invalid",
            "signing_algorithm",
        ),
        (
            json!({"claims": {}, "user_id": u.id, "organization_id": o.id}),
            422,
            "form_param_value_invalid",
            "organization_id",
        ),
        (json!({"claims": {}, "user_id": "user_nope"}), 404, "resource_not_found", ""),
        (json!({"template": "nope", "user_id": u.id}), 404, "resource_not_found", ""),
        (json!({"claims": {}, "user_id": u.id, "extra": 1}), 422, "form_param_unknown", "extra"),
    ];
    for (body, status, code, param) in cases {
        let r = app.call(Method::POST, path, Some(body.clone())).await;
        r.err(status, code);
        if !param.is_empty() {
            assert_eq!(r.param(), param, "{body}");
        }
    }
}
