use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn creating_a_user_returns_every_required_field_and_a_verified_primary_email() {
    let app = TestApp::spawn().await;
    let r = app
        .post(
            "/users",
            json!({"email_address": ["Ada@Example.com", "ada2@example.com"], "phone_number": ["+15555550100"],
                   "username": "adalove", "external_id": "ext-1", "first_name": "Ada",
                   "public_metadata": {"role": "admin"}, "private_metadata": {"p": 1}, "unsafe_metadata": {"u": true}}),
        )
        .await;
    let u = r.ok();
    assert_eq!(r.headers["content-type"], "application/json");
    assert_eq!(u["object"], "user");
    assert!(u["id"].as_str().unwrap().starts_with("user_"));
    assert_eq!(u["id"].as_str().unwrap().len(), "user_".len() + 27);
    assert_eq!(u["email_addresses"][0]["email_address"], "ada@example.com");
    assert_eq!(u["primary_email_address_id"], u["email_addresses"][0]["id"]);
    assert_eq!(
        u["email_addresses"][0]["verification"]["status"],
        "verified"
    );
    assert_eq!(u["phone_numbers"][0]["phone_number"], "+15555550100");
    assert_eq!(u["created_at"], json!(T0));
    for field in [
        "external_id",
        "username",
        "first_name",
        "last_name",
        "has_image",
        "primary_phone_number_id",
        "primary_web3_wallet_id",
        "password_enabled",
        "two_factor_enabled",
        "totp_enabled",
        "backup_code_enabled",
        "web3_wallets",
        "passkeys",
        "external_accounts",
        "saml_accounts",
        "enterprise_accounts",
        "public_metadata",
        "last_sign_in_at",
        "banned",
        "locked",
        "lockout_expires_in_seconds",
        "verification_attempts_remaining",
        "updated_at",
        "delete_self_enabled",
        "create_organization_enabled",
        "last_active_at",
        "mfa_enabled_at",
        "mfa_disabled_at",
        "legal_accepted_at",
    ] {
        assert!(u.get(field).is_some(), "missing {field}");
    }
    app.stop().await;
}

#[tokio::test]
async fn unique_identifiers_are_enforced_with_clerk_errors() {
    let app = TestApp::spawn().await;
    app.post(
        "/users",
        json!({"email_address": ["a@x.io"], "username": "someone", "external_id": "e1"}),
    )
    .await
    .ok();
    app.post("/users", json!({"email_address": ["A@X.IO"]}))
        .await
        .err(422, "form_identifier_exists");
    let r = app.post("/users", json!({"username": "SOMEONE"})).await;
    r.err(422, "form_identifier_exists");
    assert_eq!(r.param(), "username");
    let r = app.post("/users", json!({"external_id": "e1"})).await;
    assert_eq!((r.status.as_u16(), r.param()), (422, "external_id"));
    app.stop().await;
}

#[tokio::test]
async fn malformed_user_bodies_name_the_parameter() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            json!({"first_name": 5}),
            422,
            "form_param_type_invalid",
            "first_name",
        ),
        (
            json!({"email_address": ["not-an-email"]}),
            422,
            "form_param_format_invalid",
            "email_address",
        ),
        (
            json!({"email_address": "x@y.io", "bogus": 1}),
            422,
            "form_param_unknown",
            "bogus",
        ),
        (
            json!({"public_metadata": [1]}),
            422,
            "form_param_type_invalid",
            "public_metadata",
        ),
        (
            json!({"public_metadata": {"k": "x".repeat(9000)}}),
            422,
            "form_param_exceeds_allowed_size",
            "public_metadata",
        ),
        (
            json!({"phone_number": ["12"]}),
            422,
            "form_param_format_invalid",
            "phone_number",
        ),
        (
            json!({"username": "ab"}),
            422,
            "form_username_invalid_length",
            "username",
        ),
    ];
    for (body, status, code, param) in cases {
        let r = app.post("/users", body.clone()).await;
        r.err(status, code);
        assert_eq!(r.param(), param, "{body}");
    }
    let r = app
        .raw(
            reqwest::Method::POST,
            "/v1/users",
            Some(&format!("Bearer {SECRET}")),
            Some("{not json"),
        )
        .await;
    r.err(400, "request_body_invalid");
    let r = app
        .raw(
            reqwest::Method::POST,
            "/v1/users",
            Some(&format!("Bearer {SECRET}")),
            Some("[1,2]"),
        )
        .await;
    r.err(400, "request_body_invalid");
    let big = format!("{{\"first_name\":\"{}\"}}", "x".repeat(300_000));
    let r = app
        .raw(
            reqwest::Method::POST,
            "/v1/users",
            Some(&format!("Bearer {SECRET}")),
            Some(&big),
        )
        .await;
    r.err(413, "request_body_too_large");
    assert_eq!(
        app.get("/users/count").await.ok()["total_count"],
        0,
        "nothing was stored"
    );
    app.stop().await;
}

#[tokio::test]
async fn users_can_be_read_updated_listed_counted_and_deleted() {
    let app = TestApp::spawn().await;
    let a = app.user("a@x.io").await;
    app.advance_secs(1);
    let b = app
        .post(
            "/users",
            json!({"email_address": ["b@x.io"], "username": "bobby", "first_name": "Bob"}),
        )
        .await
        .ok()
        .clone();
    assert_eq!(
        app.get(&format!("/users/{}", id(&a))).await.ok()["id"],
        a["id"]
    );
    app.get("/users/user_missing")
        .await
        .err(404, "resource_not_found");

    let list = app.get("/users").await.ok().clone();
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[0]["id"], b["id"], "newest first");
    let list = app.get("/users?order_by=created_at").await.ok().clone();
    assert_eq!(list[0]["id"], a["id"]);
    let list = app.get("/users?email_address=B@x.io").await.ok().clone();
    assert_eq!(list.as_array().unwrap().len(), 1);
    let list = app
        .get(&format!("/users?user_id={}&user_id={}", id(&a), id(&b)))
        .await
        .ok()
        .clone();
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(
        app.get("/users?query=bob")
            .await
            .ok()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        app.get("/users?limit=1&offset=1")
            .await
            .ok()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        app.get("/users/count?query=x.io").await.ok()["total_count"],
        2
    );
    app.get("/users?limit=501")
        .await
        .err(422, "form_param_value_invalid");
    app.get("/users?order_by=shoe_size")
        .await
        .err(422, "form_param_value_invalid");

    app.advance_secs(1);
    let u = app
        .patch(
            &format!("/users/{}", id(&a)),
            json!({"first_name": "Ada2", "last_name": null, "username": "ada_l"}),
        )
        .await
        .ok()
        .clone();
    assert_eq!(
        (
            u["first_name"].as_str(),
            u["last_name"].as_str(),
            u["username"].as_str()
        ),
        (Some("Ada2"), None, Some("ada_l"))
    );
    assert!(u["updated_at"].as_i64() > u["created_at"].as_i64());
    app.patch(&format!("/users/{}", id(&a)), json!({"username": "bobby"}))
        .await
        .err(422, "form_identifier_exists");

    let d = app.delete(&format!("/users/{}", id(&a))).await.ok().clone();
    assert_eq!(d, json!({"object": "user", "id": id(&a), "deleted": true}));
    app.delete(&format!("/users/{}", id(&a)))
        .await
        .err(404, "resource_not_found");
    app.post("/users", json!({"email_address": ["a@x.io"]}))
        .await
        .ok();
    app.stop().await;
}

#[tokio::test]
async fn metadata_patch_deep_merges_and_null_deletes_at_any_depth() {
    let app = TestApp::spawn().await;
    let u = app
        .post("/users", json!({"public_metadata": {"a": {"b": 1, "c": {"d": 2, "e": 3}}, "keep": true}, "private_metadata": {"x": 1}}))
        .await
        .ok()
        .clone();
    let r = app
        .patch(&format!("/users/{}/metadata", id(&u)), json!({"public_metadata": {"a": {"c": {"d": null, "f": 4}}}, "private_metadata": {"x": null}}))
        .await;
    let u2 = r.ok();
    assert_eq!(
        u2["public_metadata"],
        json!({"a": {"b": 1, "c": {"e": 3, "f": 4}}, "keep": true})
    );
    assert_eq!(u2["private_metadata"], json!({}));
    app.patch(
        &format!("/users/{}/metadata", id(&u)),
        json!({"public_metadata": 3}),
    )
    .await
    .err(422, "form_param_type_invalid");
    app.patch("/users/user_nope/metadata", json!({}))
        .await
        .err(404, "resource_not_found");
    app.stop().await;
}

#[tokio::test]
async fn banning_revokes_the_users_live_sessions_and_unban_restores_the_flag() {
    let app = TestApp::spawn().await;
    let u = app.user("ban@x.io").await;
    let s1 = app.session(&id(&u), None).await;
    let s2 = app.session(&id(&u), None).await;
    let other = app.user("other@x.io").await;
    let s3 = app.session(&id(&other), None).await;
    let banned = app
        .post(&format!("/users/{}/ban", id(&u)), json!({}))
        .await
        .ok()
        .clone();
    assert_eq!(banned["banned"], true);
    for s in [&s1, &s2] {
        assert_eq!(
            app.get(&format!("/sessions/{}", id(s))).await.ok()["status"],
            "revoked"
        );
        app.post(&format!("/sessions/{}/tokens", id(s)), json!({}))
            .await
            .err(404, "resource_not_found");
    }
    assert_eq!(
        app.get(&format!("/sessions/{}", id(&s3))).await.ok()["status"],
        "active"
    );
    app.post("/sessions", json!({"user_id": id(&u)}))
        .await
        .err(403, "user_banned");
    let unbanned = app
        .post(&format!("/users/{}/unban", id(&u)), json!({}))
        .await
        .ok()
        .clone();
    assert_eq!(unbanned["banned"], false);
    assert_eq!(
        app.get(&format!("/sessions/{}", id(&s1))).await.ok()["status"],
        "revoked",
        "terminal stays terminal"
    );
    app.stop().await;
}

#[tokio::test]
async fn data_survives_a_restart() {
    let mut app = TestApp::spawn().await;
    let u = app.user("persist@x.io").await;
    let s = app.session(&id(&u), None).await;
    app.post(
        "/jwt_templates",
        json!({"name": "persisted", "claims": {"e": "{{user.primary_email_address}}"}}),
    )
    .await
    .ok();
    let jwks_before = app
        .raw(reqwest::Method::GET, "/.well-known/jwks.json", None, None)
        .await
        .body;
    app.restart().await;
    assert_eq!(
        app.get(&format!("/users/{}", id(&u))).await.ok()["email_addresses"][0]["email_address"],
        "persist@x.io"
    );
    assert_eq!(
        app.get(&format!("/sessions/{}", id(&s))).await.ok()["status"],
        "active"
    );
    let jwks_after = app
        .raw(reqwest::Method::GET, "/.well-known/jwks.json", None, None)
        .await
        .body;
    assert_eq!(jwks_before, jwks_after, "the instance key persists");
    app.post(&format!("/sessions/{}/tokens/persisted", id(&s)), json!({}))
        .await
        .ok();
    app.stop().await;
}

#[tokio::test]
async fn the_same_flows_work_on_postgresql() {
    let Some(mut app) = TestApp::spawn_postgres().await else {
        eprintln!("TESSERA_TEST_DATABASE_URL not set: skipping the PostgreSQL run (outside CI)");
        return;
    };
    let u = app.user("pg@x.io").await;
    app.post("/users", json!({"email_address": ["PG@x.io"]}))
        .await
        .err(422, "form_identifier_exists");
    let o = app.org("PG Org", &id(&u)).await;
    let s = app.session(&id(&u), Some(&id(&o))).await;
    app.post(
        "/jwt_templates",
        json!({"name": "pg", "claims": {"org": "{{org.slug}}"}}),
    )
    .await
    .ok();
    app.restart().await;
    let t = app
        .post(&format!("/sessions/{}/tokens/pg", id(&s)), json!({}))
        .await
        .ok()
        .clone();
    let claims = crate::tokens::verify_with_jwks(&app, t["jwt"].as_str().unwrap()).await;
    assert_eq!(claims["org"], "pg-org");
    app.post(&format!("/users/{}/ban", id(&u)), json!({}))
        .await
        .ok();
    assert_eq!(
        app.get(&format!("/sessions/{}", id(&s))).await.ok()["status"],
        "revoked"
    );
    app.stop().await;
}
