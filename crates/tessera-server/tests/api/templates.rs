use serde_json::json;
use tessera_client::ListJwtTemplatesRequest;
use tessera_client::types::CreateJwtTemplateRequestBody;

use crate::helpers::*;

fn body(name: &str, claims: serde_json::Value) -> CreateJwtTemplateRequestBody {
    CreateJwtTemplateRequestBody { name: name.to_owned(), claims: obj(claims), ..Default::default() }
}

#[tokio::test]
async fn templates_have_clerks_shape_defaults_and_crud() {
    let app = TestApp::spawn().await;
    let templates = app.sdk.jwt_templates();
    let t = app.template("convex", json!({"aud": "convex"})).await;
    assert_eq!(t.object, "jwt_template");
    assert!(t.id.starts_with("jtmp_"));
    assert_eq!((t.lifetime, t.allowed_clock_skew), (60, 5));
    assert_eq!((t.custom_signing_key, t.signing_algorithm.as_str()), (false, "RS256"));
    assert_eq!(t.created_at, T0);
    let path = format!("/jwt_templates/{}", t.id);
    assert_eq!(templates.get(&t.id).await.unwrap().name, "convex");
    app.advance_secs(1);
    let u = templates
        .update(&t.id, CreateJwtTemplateRequestBody { lifetime: Some(300), ..body("convex2", json!({"aud": "x"})) })
        .await
        .unwrap();
    assert_eq!((u.name.as_str(), u.lifetime, u.allowed_clock_skew), ("convex2", 300, 5));
    assert!(u.updated_at > u.created_at);
    // Raw: no `name`, which the SDK's typed body requires.
    app.patch(&path, json!({"claims": {}})).await.err(422, "form_param_missing");
    app.template("other", json!({})).await;
    // Raw: the SDK always asks for pages; this is the bare-array form of the list.
    let bare = app.get("/jwt_templates").await.ok().clone();
    assert_eq!(bare.as_array().unwrap().len(), 2);
    let page = templates.list(ListJwtTemplatesRequest { limit: Some(1), offset: None }).await.unwrap();
    assert_eq!((page.total_count, page.data.len()), (2, 1));
    // Raw: the exact body of a deletion (no other fields).
    assert_eq!(app.delete(&path).await.ok().clone(), json!({"object": "jwt_template", "id": t.id, "deleted": true}));
    assert_api_err(templates.get(&t.id).await, 404, "resource_not_found");
    assert_api_err(templates.delete(&t.id).await, 404, "resource_not_found");
    assert_api_err(templates.update(&t.id, body("x", json!({}))).await, 404, "resource_not_found");
    app.stop().await;
}

#[tokio::test]
async fn template_validation_errors_are_clerks() {
    let app = TestApp::spawn().await;
    let templates = app.sdk.jwt_templates();
    app.template("dup", json!({})).await;
    // Missing required fields and wrong JSON types: the SDK's typed body cannot send these.
    let raw_cases = [
        (json!({"claims": {}}), 422, "form_param_missing", "name"),
        (json!({"name": "n"}), 422, "form_param_missing", "claims"),
        (json!({"name": "n", "claims": "x"}), 422, "form_param_type_invalid", "claims"),
    ];
    for (body, status, code, param) in raw_cases {
        let r = app.post("/jwt_templates", body.clone()).await;
        r.err(status, code);
        assert_eq!(r.param(), param, "{body}");
    }
    let n = |claims| body("n", claims);
    let custom = |alg: Option<&str>, key: Option<String>| CreateJwtTemplateRequestBody {
        custom_signing_key: Some(true),
        signing_algorithm: alg.map(str::to_owned),
        signing_key: key,
        ..n(json!({}))
    };
    let sdk_cases = [
        (body("dup", json!({})), 422, "form_already_exists", "name"),
        (
            CreateJwtTemplateRequestBody { lifetime: Some(29), ..n(json!({})) },
            422,
            "form_param_value_invalid",
            "lifetime",
        ),
        (
            CreateJwtTemplateRequestBody { lifetime: Some(315_360_001), ..n(json!({})) },
            422,
            "form_param_value_invalid",
            "lifetime",
        ),
        (
            CreateJwtTemplateRequestBody { allowed_clock_skew: Some(301), ..n(json!({})) },
            422,
            "form_param_value_invalid",
            "allowed_clock_skew",
        ),
        (
            CreateJwtTemplateRequestBody { allowed_clock_skew: Some(-1), ..n(json!({})) },
            422,
            "form_param_value_invalid",
            "allowed_clock_skew",
        ),
        (body("a/b", json!({})), 422, "form_param_format_invalid", "name"),
        (n(json!({"sub": "x"})), 400, "jwt_template_reserved_claim", "claims"),
        (n(json!({"iss": "x"})), 400, "jwt_template_reserved_claim", "claims"),
        (n(json!({"a": {"b": ["{{user.id"]}})), 422, "form_param_value_invalid", "claims"),
        (n(json!({"k": "x".repeat(20_000)})), 422, "form_param_exceeds_allowed_size", "claims"),
        (custom(None, None), 422, "form_param_missing", "signing_algorithm"),
        (custom(Some("HS256"), None), 422, "form_param_missing", "signing_key"),
        (custom(Some("XX999"), Some("k".into())), 422, "form_param_value_invalid", "signing_algorithm"),
        (custom(Some("RS256"), Some("not a pem".into())), 422, "form_param_value_invalid", "signing_key"),
        (custom(Some("ES256"), Some(rsa_pem())), 422, "form_param_value_invalid", "signing_key"),
    ];
    for (body, status, code, param) in sdk_cases {
        let r = templates.create(body.clone()).await;
        assert_eq!(assert_api_err_param(r, status, code), param, "{body:?}");
    }
    let e = api_err(templates.create(n(json!({"a": {"b": ["{{user.id"]}}))).await);
    assert!(e.long_message().unwrap().contains("a.b[0]"), "{e}");
    let e = api_err(templates.create(n(json!({"sub": "x"}))).await);
    assert_eq!(e.long_message(), Some("You can't use the reserved claim: 'sub'"));
    let all = templates.list(Default::default()).await.unwrap();
    assert_eq!(all.data.len(), 1, "nothing half-written");
    app.stop().await;
}

fn rsa_pem() -> String {
    use base64::Engine;
    let key = tessera_jwt::SigningKey::generate(tessera_jwt::Algorithm::RS256).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(key.to_storage_bytes());
    format!("-----BEGIN PRIVATE KEY-----\n{b64}\n-----END PRIVATE KEY-----\n")
}
