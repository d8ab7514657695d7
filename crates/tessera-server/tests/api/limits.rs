use reqwest::Method;
use serde_json::json;
use tessera_server::config::{Rate, RateLimits};

use crate::helpers::*;

async fn spawn_limited(limits: RateLimits) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let config = tessera_server::Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().join("d"),
        secret_key: Some(tessera_server::Secret(SECRET.into())),
        rate_limits: limits,
        ..Default::default()
    };
    TestApp::spawn_with(config, Some(dir)).await
}

#[tokio::test]
async fn requests_over_the_per_key_limit_get_429_with_retry_after() {
    let app = spawn_limited(RateLimits { per_key: Rate { per_sec: 0.5, burst: 3.0 }, ..RateLimits::standard() }).await;
    for _ in 0..3 {
        app.sdk.users().list(Default::default()).await.unwrap();
    }
    // Raw: the envelope and the `Retry-After` header.
    let r = app.get("/users").await;
    r.err(429, "too_many_requests");
    assert_eq!(r.headers["retry-after"], "2");
    app.stop().await;
}

#[tokio::test]
async fn failed_authentication_is_limited_per_address() {
    let app = spawn_limited(RateLimits { failed_auth: Rate::per_minute(3), ..RateLimits::standard() }).await;
    for _ in 0..3 {
        app.raw(Method::GET, "/v1/users", Some("Bearer sk_test_guess"), None).await.err(401, "clerk_key_invalid");
    }
    app.raw(Method::GET, "/v1/users", Some("Bearer sk_test_guess"), None).await.err(429, "too_many_requests");
    // Raw: the `Retry-After` header.
    let r = app.get("/users").await;
    r.err(429, "too_many_requests");
    assert!(r.headers.contains_key("retry-after"));
    app.stop().await;
}

#[tokio::test]
async fn well_known_endpoints_have_their_own_limit() {
    let app =
        spawn_limited(RateLimits { well_known: Rate { per_sec: 0.1, burst: 2.0 }, ..RateLimits::standard() }).await;
    for _ in 0..2 {
        assert_eq!(app.raw(Method::GET, "/.well-known/jwks.json", None, None).await.status, 200);
    }
    app.raw(Method::GET, "/.well-known/jwks.json", None, None).await.err(429, "too_many_requests");
    app.sdk.jwks().get().await.unwrap();
    app.stop().await;
}

#[tokio::test]
async fn oversized_tokens_are_refused_with_their_size() {
    let dir = tempfile::tempdir().unwrap();
    let config = tessera_server::Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().join("d"),
        secret_key: Some(tessera_server::Secret(SECRET.into())),
        max_token_bytes: 1024,
        ..Default::default()
    };
    let app = TestApp::spawn_with(config, Some(dir)).await;
    let u = app
        .sdk
        .users()
        .create(tessera_client::types::CreateUserRequestBody {
            public_metadata: Some(obj(json!({"blob": "x".repeat(2000)}))),
            ..Default::default()
        })
        .await
        .unwrap();
    let s = app.session(&u.id, None).await;
    app.template("big", json!({"m": "{{user.public_metadata}}"})).await;
    let e = assert_api_err(app.template_token(&s.id, "big", None).await, 422, "jwt_token_too_large");
    assert!(e.long_message().unwrap().contains("1024"), "{e}");
    app.stop().await;
}
