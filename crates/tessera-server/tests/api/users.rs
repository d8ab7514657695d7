use serde_json::json;
use tessera_client::types::{CreateUserRequestBody, UpdateMetadataRequestBody, UpdateUserRequestBody};
use tessera_client::{
    CreateSessionTokenFromTemplateRequest, CreateSessionTokenRequest, DeletedObject, GetUserListRequest,
    GetUsersCountRequest, SessionStatus, User,
};

use crate::helpers::*;

fn email(e: &str) -> CreateUserRequestBody {
    CreateUserRequestBody { email_address: Some(vec![e.to_owned()]), ..Default::default() }
}

#[tokio::test]
async fn creating_a_user_returns_every_required_field_and_a_verified_primary_email() {
    let app = TestApp::spawn().await;
    // Raw: this test checks the wire shape (every required field present, even when null) and the
    // content type, which a typed decode cannot see.
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
    assert_eq!(u["email_addresses"][0]["verification"]["status"], "verified");
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
    // The SDK decodes the same user, field for field.
    let typed: User = serde_json::from_value(u.clone()).expect("the SDK's User type reads it");
    assert_eq!(app.sdk.users().get(&typed.id).await.unwrap(), typed);
    app.stop().await;
}

#[tokio::test]
async fn unique_identifiers_are_enforced_with_clerk_errors() {
    let app = TestApp::spawn().await;
    app.sdk
        .users()
        .create(CreateUserRequestBody {
            username: Some("someone".into()),
            external_id: Some("e1".into()),
            ..email("a@x.io")
        })
        .await
        .unwrap();
    assert_api_err(app.sdk.users().create(email("A@X.IO")).await, 422, "form_identifier_exists");
    let r =
        app.sdk.users().create(CreateUserRequestBody { username: Some("SOMEONE".into()), ..Default::default() }).await;
    assert_eq!(assert_api_err_param(r, 422, "form_identifier_exists"), "username");
    let e = api_err(
        app.sdk.users().create(CreateUserRequestBody { external_id: Some("e1".into()), ..Default::default() }).await,
    );
    assert_eq!((e.status(), e.param_name()), (Some(422), Some("external_id")));
    app.stop().await;
}

#[tokio::test]
async fn malformed_user_bodies_name_the_parameter() {
    let app = TestApp::spawn().await;
    // Wrong JSON types and unknown fields: the SDK's typed bodies cannot send these.
    let raw_cases = [
        (json!({"first_name": 5}), 422, "form_param_type_invalid", "first_name"),
        (json!({"email_address": "x@y.io", "bogus": 1}), 422, "form_param_unknown", "bogus"),
        (json!({"public_metadata": [1]}), 422, "form_param_type_invalid", "public_metadata"),
    ];
    for (body, status, code, param) in raw_cases {
        let r = app.post("/users", body.clone()).await;
        r.err(status, code);
        assert_eq!(r.param(), param, "{body}");
    }
    let sdk_cases = [
        (email("not-an-email"), 422, "form_param_format_invalid", "email_address"),
        (
            CreateUserRequestBody { public_metadata: Some(obj(json!({"k": "x".repeat(9000)}))), ..Default::default() },
            422,
            "form_param_exceeds_allowed_size",
            "public_metadata",
        ),
        (
            CreateUserRequestBody { phone_number: Some(vec!["12".into()]), ..Default::default() },
            422,
            "form_param_format_invalid",
            "phone_number",
        ),
        (
            CreateUserRequestBody { username: Some("ab".into()), ..Default::default() },
            422,
            "form_username_invalid_length",
            "username",
        ),
    ];
    for (body, status, code, param) in sdk_cases {
        let r = app.sdk.users().create(body.clone()).await;
        assert_eq!(assert_api_err_param(r, status, code), param, "{body:?}");
    }
    let r = app.raw(reqwest::Method::POST, "/v1/users", Some(&format!("Bearer {SECRET}")), Some("{not json")).await;
    r.err(400, "request_body_invalid");
    let r = app.raw(reqwest::Method::POST, "/v1/users", Some(&format!("Bearer {SECRET}")), Some("[1,2]")).await;
    r.err(400, "request_body_invalid");
    let big = format!("{{\"first_name\":\"{}\"}}", "x".repeat(300_000));
    let r = app.raw(reqwest::Method::POST, "/v1/users", Some(&format!("Bearer {SECRET}")), Some(&big)).await;
    r.err(413, "request_body_too_large");
    assert_eq!(app.sdk.users().count(Default::default()).await.unwrap().total_count, 0, "nothing was stored");
    app.stop().await;
}

#[tokio::test]
async fn users_can_be_read_updated_listed_counted_and_deleted() {
    let app = TestApp::spawn().await;
    let users = app.sdk.users();
    let a = app.user("a@x.io").await;
    app.advance_secs(1);
    let b = users
        .create(CreateUserRequestBody {
            username: Some("bobby".into()),
            first_name: Some("Bob".into()),
            ..email("b@x.io")
        })
        .await
        .unwrap();
    assert_eq!(users.get(&a.id).await.unwrap().id, a.id);
    assert_api_err(users.get("user_missing").await, 404, "resource_not_found");

    let list = users.list(Default::default()).await.unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].id, b.id, "newest first");
    let list = users.list(GetUserListRequest { order_by: Some("created_at".into()), ..Default::default() }).await;
    assert_eq!(list.unwrap()[0].id, a.id);
    let list = users.list(GetUserListRequest { email_address: vec!["B@x.io".into()], ..Default::default() }).await;
    assert_eq!(list.unwrap().len(), 1);
    let list = users.list(GetUserListRequest { user_id: vec![a.id.clone(), b.id.clone()], ..Default::default() });
    assert_eq!(list.await.unwrap().len(), 2);
    let list = users.list(GetUserListRequest { query: Some("bob".into()), ..Default::default() }).await;
    assert_eq!(list.unwrap().len(), 1);
    let list = users.list(GetUserListRequest { limit: Some(1), offset: Some(1), ..Default::default() }).await;
    assert_eq!(list.unwrap().len(), 1);
    let count = users.count(GetUsersCountRequest { query: Some("x.io".into()), ..Default::default() }).await;
    assert_eq!(count.unwrap().total_count, 2);
    let r = users.list(GetUserListRequest { limit: Some(501), ..Default::default() }).await;
    assert_api_err(r, 422, "form_param_value_invalid");
    let r = users.list(GetUserListRequest { order_by: Some("shoe_size".into()), ..Default::default() }).await;
    assert_api_err(r, 422, "form_param_value_invalid");

    app.advance_secs(1);
    // Raw: clearing a field needs an explicit `"last_name": null`, which the SDK's
    // `UpdateUserRequestBody` (None = not sent) cannot express.
    let u = app
        .patch(&format!("/users/{}", a.id), json!({"first_name": "Ada2", "last_name": null, "username": "ada_l"}))
        .await
        .ok()
        .clone();
    let u: User = serde_json::from_value(u).unwrap();
    assert_eq!(
        (u.first_name.as_deref(), u.last_name.as_deref(), u.username.as_deref()),
        (Some("Ada2"), None, Some("ada_l"))
    );
    assert!(u.updated_at > u.created_at);
    let r = users.update(&a.id, UpdateUserRequestBody { username: Some("bobby".into()), ..Default::default() }).await;
    assert_api_err(r, 422, "form_identifier_exists");

    let d = users.delete(&a.id).await.unwrap();
    assert_eq!(d, DeletedObject { object: "user".into(), id: Some(a.id.clone()), slug: None, deleted: true });
    assert_api_err(users.delete(&a.id).await, 404, "resource_not_found");
    users.create(email("a@x.io")).await.unwrap();
    app.stop().await;
}

#[tokio::test]
async fn metadata_patch_deep_merges_and_null_deletes_at_any_depth() {
    let app = TestApp::spawn().await;
    let u = app
        .sdk
        .users()
        .create(CreateUserRequestBody {
            public_metadata: Some(obj(json!({"a": {"b": 1, "c": {"d": 2, "e": 3}}, "keep": true}))),
            private_metadata: Some(obj(json!({"x": 1}))),
            ..Default::default()
        })
        .await
        .unwrap();
    let u2 = app
        .sdk
        .users()
        .update_metadata(
            &u.id,
            UpdateMetadataRequestBody {
                public_metadata: Some(obj(json!({"a": {"c": {"d": null, "f": 4}}}))),
                private_metadata: Some(obj(json!({"x": null}))),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(u2.public_metadata, obj(json!({"a": {"b": 1, "c": {"e": 3, "f": 4}}, "keep": true})));
    assert_eq!(u2.private_metadata, Some(obj(json!({}))));
    // Raw: a metadata value that is not an object.
    app.patch(&format!("/users/{}/metadata", u.id), json!({"public_metadata": 3}))
        .await
        .err(422, "form_param_type_invalid");
    let r = app.sdk.users().update_metadata("user_nope", Default::default()).await;
    assert_api_err(r, 404, "resource_not_found");
    app.stop().await;
}

#[tokio::test]
async fn banning_revokes_the_users_live_sessions_and_unban_restores_the_flag() {
    let app = TestApp::spawn().await;
    let u = app.user("ban@x.io").await;
    let s1 = app.session(&u.id, None).await;
    let s2 = app.session(&u.id, None).await;
    let other = app.user("other@x.io").await;
    let s3 = app.session(&other.id, None).await;
    let banned = app.sdk.users().ban(&u.id).await.unwrap();
    assert!(banned.banned);
    for s in [&s1, &s2] {
        assert_eq!(app.sdk.sessions().get(&s.id).await.unwrap().status, SessionStatus::Revoked);
        let r = app
            .sdk
            .sessions()
            .create_session_token(CreateSessionTokenRequest {
                session_id: s.id.clone(),
                body: Some(Default::default()),
            })
            .await;
        assert_api_err(r, 404, "resource_not_found");
    }
    assert_eq!(app.sdk.sessions().get(&s3.id).await.unwrap().status, SessionStatus::Active);
    let r = app
        .sdk
        .sessions()
        .create(tessera_client::types::CreateSessionRequestBody { user_id: u.id.clone(), active_organization_id: None })
        .await;
    assert_api_err(r, 403, "user_banned");
    let unbanned = app.sdk.users().unban(&u.id).await.unwrap();
    assert!(!unbanned.banned);
    assert_eq!(app.sdk.sessions().get(&s1.id).await.unwrap().status, SessionStatus::Revoked, "terminal stays terminal");
    app.stop().await;
}

#[tokio::test]
async fn data_survives_a_restart() {
    let mut app = TestApp::spawn().await;
    let u = app.user("persist@x.io").await;
    let s = app.session(&u.id, None).await;
    app.template("persisted", json!({"e": "{{user.primary_email_address}}"})).await;
    let jwks_before = app.raw(reqwest::Method::GET, "/.well-known/jwks.json", None, None).await.body;
    app.restart().await;
    assert_eq!(app.sdk.users().get(&u.id).await.unwrap().email_addresses[0].email_address, "persist@x.io");
    assert_eq!(app.sdk.sessions().get(&s.id).await.unwrap().status, SessionStatus::Active);
    let jwks_after = app.raw(reqwest::Method::GET, "/.well-known/jwks.json", None, None).await.body;
    assert_eq!(jwks_before, jwks_after, "the instance key persists");
    let t = app
        .sdk
        .sessions()
        .create_token_from_template(CreateSessionTokenFromTemplateRequest {
            session_id: s.id.clone(),
            template_name: "persisted".into(),
            body: Some(Default::default()),
        })
        .await
        .unwrap();
    // Signed by the persisted instance key (verified against the JWKS served after the restart), with
    // the persisted user's claims.
    let kid = crate::tokens::header(&t.jwt)["kid"].as_str().unwrap().to_owned();
    assert!(jwks_before["keys"].as_array().unwrap().iter().any(|k| k["kid"] == kid), "signed by the key from before");
    let c = crate::tokens::verify_with_jwks(&app, &t.jwt).await;
    assert_eq!((c["sub"].as_str(), c["e"].as_str()), (Some(u.id.as_str()), Some("persist@x.io")));
    let t = app.session_token(&s.id, None).await.unwrap();
    let c = crate::tokens::verify_with_jwks(&app, &t.jwt).await;
    assert_eq!((c["sid"].as_str(), c["sub"].as_str()), (Some(s.id.as_str()), Some(u.id.as_str())));
    app.stop().await;
}

#[tokio::test]
async fn the_same_flows_work_on_postgresql() {
    let Some(mut app) = TestApp::spawn_postgres().await else {
        eprintln!("TESSERA_TEST_DATABASE_URL not set: skipping the PostgreSQL run (outside CI)");
        return;
    };
    let u = app.user("pg@x.io").await;
    assert_api_err(app.sdk.users().create(email("PG@x.io")).await, 422, "form_identifier_exists");
    let o = app.org("PG Org", &u.id).await;
    let s = app.session(&u.id, Some(&o.id)).await;
    app.template("pg", json!({"org": "{{org.slug}}"})).await;
    app.restart().await;
    let t = app
        .sdk
        .sessions()
        .create_token_from_template(CreateSessionTokenFromTemplateRequest {
            session_id: s.id.clone(),
            template_name: "pg".into(),
            body: Some(Default::default()),
        })
        .await
        .unwrap();
    let claims = crate::tokens::verify_with_jwks(&app, &t.jwt).await;
    assert_eq!(claims["org"], "pg-org");
    app.sdk.users().ban(&u.id).await.unwrap();
    assert_eq!(app.sdk.sessions().get(&s.id).await.unwrap().status, SessionStatus::Revoked);
    app.stop().await;
}
