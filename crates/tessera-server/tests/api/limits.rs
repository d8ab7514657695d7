use std::time::Duration;

use reqwest::Method;
use serde_json::json;
use tessera_server::config::{LimiterClock, Rate, RateLimits};

use crate::helpers::*;

/// A server whose limiters run on a manual clock: nothing refills unless the test advances it.
async fn spawn_limited(limits: RateLimits) -> (TestApp, LimiterClock) {
    let dir = tempfile::tempdir().unwrap();
    let clock = LimiterClock::manual();
    let config = tessera_server::Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().join("d"),
        secret_key: Some(tessera_server::Secret(SECRET.into())),
        rate_limits: limits,
        limiter_clock: clock.clone(),
        ..Default::default()
    };
    (TestApp::spawn_with(config, Some(dir)).await, clock)
}

/// A 429 in Clerk's envelope whose `Retry-After` header and `retry_after` meta say `secs`.
#[track_caller]
fn assert_limited(r: &Resp, secs: u64) {
    r.err(429, "too_many_requests");
    assert_eq!(r.headers["retry-after"], secs.to_string().as_str(), "body: {}", r.body);
    assert_eq!(r.body["errors"][0]["meta"]["retry_after"], secs, "body: {}", r.body);
}

#[tokio::test]
async fn requests_over_the_per_key_limit_get_429_with_retry_after() {
    // One request every 2 s, three at once.
    let (app, clock) =
        spawn_limited(RateLimits { per_key: Rate { per_sec: 0.5, burst: 3.0 }, ..RateLimits::standard() }).await;
    for _ in 0..3 {
        app.sdk.users().list(Default::default()).await.unwrap();
    }
    assert_limited(&app.get("/users").await, 2);
    clock.advance(Duration::from_millis(1_500));
    assert_limited(&app.get("/users").await, 1);
    clock.advance(Duration::from_millis(500));
    app.get("/users").await.ok();
    assert_limited(&app.get("/users").await, 2);
    clock.advance(Duration::from_secs(6));
    for _ in 0..3 {
        app.get("/users").await.ok();
    }
    assert_limited(&app.get("/users").await, 2);
    app.stop().await;
}

#[tokio::test]
async fn failed_authentication_is_limited_per_address() {
    // Three failures a minute: one comes back every 20 s.
    let (app, clock) = spawn_limited(RateLimits { failed_auth: Rate::per_minute(3), ..RateLimits::standard() }).await;
    let guess = || app.raw(Method::GET, "/v1/users", Some("Bearer sk_test_guess"), None);
    for _ in 0..3 {
        guess().await.err(401, "clerk_key_invalid");
    }
    assert_limited(&guess().await, 20);
    // The valid key is refused too while the address is over its limit.
    assert_limited(&app.get("/users").await, 20);
    clock.advance(Duration::from_secs(19));
    assert_limited(&app.get("/users").await, 1);
    clock.advance(Duration::from_secs(1));
    app.get("/users").await.ok();
    app.get("/users").await.ok();
    guess().await.err(401, "clerk_key_invalid");
    assert_limited(&guess().await, 20);
    app.stop().await;
}

#[tokio::test]
async fn well_known_endpoints_have_their_own_limit() {
    // One request every 10 s, two at once.
    let (app, clock) =
        spawn_limited(RateLimits { well_known: Rate { per_sec: 0.1, burst: 2.0 }, ..RateLimits::standard() }).await;
    let jwks = || app.raw(Method::GET, "/.well-known/jwks.json", None, None);
    for _ in 0..2 {
        assert_eq!(jwks().await.status, 200);
    }
    assert_limited(&jwks().await, 10);
    // `/v1/jwks` is limited per key, not per address.
    app.sdk.jwks().get().await.unwrap();
    clock.advance(Duration::from_secs(10));
    assert_eq!(jwks().await.status, 200);
    assert_limited(&jwks().await, 10);
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
