use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn templates_have_clerks_shape_defaults_and_crud() {
    let app = TestApp::spawn().await;
    let t = app
        .post(
            "/jwt_templates",
            json!({"name": "convex", "claims": {"aud": "convex"}}),
        )
        .await
        .ok()
        .clone();
    assert_eq!(t["object"], "jwt_template");
    assert!(t["id"].as_str().unwrap().starts_with("jtmp_"));
    assert_eq!(
        (t["lifetime"].as_i64(), t["allowed_clock_skew"].as_i64()),
        (Some(60), Some(5))
    );
    assert_eq!(
        (
            t["custom_signing_key"].as_bool(),
            t["signing_algorithm"].as_str()
        ),
        (Some(false), Some("RS256"))
    );
    assert_eq!(t["created_at"], json!(T0));
    let path = format!("/jwt_templates/{}", id(&t));
    assert_eq!(app.get(&path).await.ok()["name"], "convex");
    app.advance_secs(1);
    let u = app
        .patch(
            &path,
            json!({"name": "convex2", "claims": {"aud": "x"}, "lifetime": 300}),
        )
        .await
        .ok()
        .clone();
    assert_eq!(
        (
            u["name"].as_str(),
            u["lifetime"].as_i64(),
            u["allowed_clock_skew"].as_i64()
        ),
        (Some("convex2"), Some(300), Some(5))
    );
    assert!(u["updated_at"].as_i64() > u["created_at"].as_i64());
    app.patch(&path, json!({"claims": {}}))
        .await
        .err(422, "form_param_missing");
    app.post("/jwt_templates", json!({"name": "other", "claims": {}}))
        .await
        .ok();
    let bare = app.get("/jwt_templates").await.ok().clone();
    assert_eq!(bare.as_array().unwrap().len(), 2);
    let page = app
        .get("/jwt_templates?paginated=true&limit=1")
        .await
        .ok()
        .clone();
    assert_eq!(
        (
            page["total_count"].as_i64(),
            page["data"].as_array().unwrap().len()
        ),
        (Some(2), 1)
    );
    assert_eq!(
        app.delete(&path).await.ok().clone(),
        json!({"object": "jwt_template", "id": id(&t), "deleted": true})
    );
    app.get(&path).await.err(404, "resource_not_found");
    app.delete(&path).await.err(404, "resource_not_found");
    app.patch(&path, json!({"name": "x", "claims": {}}))
        .await
        .err(404, "resource_not_found");
    app.stop().await;
}

#[tokio::test]
async fn template_validation_errors_are_clerks() {
    let app = TestApp::spawn().await;
    app.post("/jwt_templates", json!({"name": "dup", "claims": {}}))
        .await
        .ok();
    let cases = [
        (
            json!({"name": "dup", "claims": {}}),
            422,
            "form_already_exists",
            "name",
        ),
        (json!({"claims": {}}), 422, "form_param_missing", "name"),
        (json!({"name": "n"}), 422, "form_param_missing", "claims"),
        (
            json!({"name": "n", "claims": "x"}),
            422,
            "form_param_type_invalid",
            "claims",
        ),
        (
            json!({"name": "n", "claims": {}, "lifetime": 29}),
            422,
            "form_param_value_invalid",
            "lifetime",
        ),
        (
            json!({"name": "n", "claims": {}, "lifetime": 315_360_001}),
            422,
            "form_param_value_invalid",
            "lifetime",
        ),
        (
            json!({"name": "n", "claims": {}, "allowed_clock_skew": 301}),
            422,
            "form_param_value_invalid",
            "allowed_clock_skew",
        ),
        (
            json!({"name": "n", "claims": {}, "allowed_clock_skew": -1}),
            422,
            "form_param_value_invalid",
            "allowed_clock_skew",
        ),
        (
            json!({"name": "a/b", "claims": {}}),
            422,
            "form_param_format_invalid",
            "name",
        ),
        (
            json!({"name": "n", "claims": {"sub": "x"}}),
            400,
            "jwt_template_reserved_claim",
            "claims",
        ),
        (
            json!({"name": "n", "claims": {"iss": "x"}}),
            400,
            "jwt_template_reserved_claim",
            "claims",
        ),
        (
            json!({"name": "n", "claims": {"a": {"b": ["{{user.id"]}}}),
            422,
            "form_param_value_invalid",
            "claims",
        ),
        (
            json!({"name": "n", "claims": {"k": "x".repeat(20_000)}}),
            422,
            "form_param_exceeds_allowed_size",
            "claims",
        ),
        (
            json!({"name": "n", "claims": {}, "custom_signing_key": true}),
            422,
            "form_param_missing",
            "signing_algorithm",
        ),
        (
            json!({"name": "n", "claims": {}, "custom_signing_key": true, "signing_algorithm": "HS256"}),
            422,
            "form_param_missing",
            "signing_key",
        ),
        (
            json!({"name": "n", "claims": {}, "custom_signing_key": true, "signing_algorithm": "XX999", "signing_key": "k"}),
            422,
            "form_param_value_invalid",
            "signing_algorithm",
        ),
        (
            json!({"name": "n", "claims": {}, "custom_signing_key": true, "signing_algorithm": "RS256", "signing_key": "not a pem"}),
            422,
            "form_param_value_invalid",
            "signing_key",
        ),
        (
            json!({"name": "n", "claims": {}, "custom_signing_key": true, "signing_algorithm": "ES256", "signing_key": rsa_pem()}),
            422,
            "form_param_value_invalid",
            "signing_key",
        ),
    ];
    for (body, status, code, param) in cases {
        let r = app.post("/jwt_templates", body.clone()).await;
        r.err(status, code);
        assert_eq!(r.param(), param, "{body}");
    }
    let r = app
        .post(
            "/jwt_templates",
            json!({"name": "n", "claims": {"a": {"b": ["{{user.id"]}}}),
        )
        .await;
    assert!(
        r.body["errors"][0]["long_message"]
            .as_str()
            .unwrap()
            .contains("a.b[0]"),
        "{}",
        r.body
    );
    let r = app
        .post(
            "/jwt_templates",
            json!({"name": "n", "claims": {"sub": "x"}}),
        )
        .await;
    assert_eq!(
        r.body["errors"][0]["long_message"],
        "You can't use the reserved claim: 'sub'"
    );
    assert_eq!(
        app.get("/jwt_templates")
            .await
            .ok()
            .as_array()
            .unwrap()
            .len(),
        1,
        "nothing half-written"
    );
    app.stop().await;
}

fn rsa_pem() -> String {
    use base64::Engine;
    let key = tessera_jwt::SigningKey::generate(tessera_jwt::Algorithm::RS256).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(key.to_storage_bytes());
    format!("-----BEGIN PRIVATE KEY-----\n{b64}\n-----END PRIVATE KEY-----\n")
}
