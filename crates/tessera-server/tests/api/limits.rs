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
        app.get("/users").await.ok();
    }
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
    let r = app.get("/users").await;
    r.err(429, "too_many_requests");
    assert!(r.headers.contains_key("retry-after"));
    app.stop().await;
}

#[tokio::test]
async fn well_known_endpoints_have_their_own_limit() {
    let app = spawn_limited(RateLimits { well_known: Rate { per_sec: 0.1, burst: 2.0 }, ..RateLimits::standard() }).await;
    for _ in 0..2 {
        assert_eq!(app.raw(Method::GET, "/.well-known/jwks.json", None, None).await.status, 200);
    }
    app.raw(Method::GET, "/.well-known/jwks.json", None, None).await.err(429, "too_many_requests");
    app.get("/jwks").await.ok();
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
    let u = app.post("/users", json!({"public_metadata": {"blob": "x".repeat(2000)}})).await.ok().clone();
    let s = app.session(&id(&u), None).await;
    app.post("/jwt_templates", json!({"name": "big", "claims": {"m": "{{user.public_metadata}}"}})).await.ok();
    let r = app.post(&format!("/sessions/{}/tokens/big", id(&s)), json!({})).await;
    r.err(422, "jwt_token_too_large");
    assert!(r.body["errors"][0]["long_message"].as_str().unwrap().contains("1024"));
    app.stop().await;
}
