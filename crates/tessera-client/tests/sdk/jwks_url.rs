//! `KeySource::JwksUrl` against a mock JWKS server: the Bearer header, the cache TTL, the refetch
//! on an unknown `kid` at most once per interval, rotation, and failures.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use tessera_client::types::Jwks;
use tessera_client::{KeySource, Verifier, VerifyError, VerifyOptions};

use crate::support::{Mock, NOW, TestClock, claims, clerk_error, closed_port_url, json_response, jwks_of, rsa, sign};

/// A JWKS server whose key set the test can swap.
async fn jwks_server(initial: Jwks) -> (Mock, Arc<Mutex<Jwks>>) {
    let current = Arc::new(Mutex::new(initial));
    let served = current.clone();
    let mock =
        Mock::start(move |_, _| json_response(200, serde_json::to_value(&*served.lock().unwrap()).unwrap())).await;
    (mock, current)
}

fn url_verifier(mock: &Mock, secret: Option<&str>) -> Verifier {
    Verifier::new(KeySource::JwksUrl { url: format!("{}/v1/jwks", mock.url), secret_key: secret.map(str::to_owned) })
        .unwrap()
}

fn with_clock(clock: &TestClock) -> VerifyOptions {
    VerifyOptions { clock: Some(clock.clock()), ..Default::default() }
}

#[tokio::test]
async fn the_jwks_is_fetched_once_with_the_secret_key_as_bearer() {
    let key = rsa();
    let (mock, _) = jwks_server(jwks_of(&[(&key, "ins_a")])).await;
    let verifier = url_verifier(&mock, Some("sk_test_abc"));
    let clock = TestClock::at(NOW);
    let jwt = sign(&key, Some("ins_a"), claims());
    for _ in 0..5 {
        let t = verifier.verify_token(&jwt, &with_clock(&clock)).await.unwrap();
        assert_eq!(t.claims.sub, "user_1");
    }
    assert_eq!(mock.count(), 1);
    assert_eq!(verifier.jwks_fetch_count().await, 1);
    let req = mock.request(0);
    assert_eq!((req.method.as_str(), req.path.as_str()), ("GET", "/v1/jwks"));
    assert_eq!(req.headers["authorization"], "Bearer sk_test_abc");
    // Clones share the cache.
    let clone = verifier.clone();
    clone.verify_token(&jwt, &with_clock(&clock)).await.unwrap();
    assert_eq!(mock.count(), 1);
}

#[tokio::test]
async fn without_a_secret_key_no_authorization_header_is_sent() {
    let key = rsa();
    let (mock, _) = jwks_server(jwks_of(&[(&key, "k")])).await;
    let verifier = url_verifier(&mock, None);
    let jwt = sign(&key, Some("k"), claims());
    verifier.verify_token(&jwt, &VerifyOptions { now: Some(NOW), ..Default::default() }).await.unwrap();
    assert!(mock.request(0).headers.get("authorization").is_none());
}

#[tokio::test]
async fn an_unknown_kid_refetches_at_most_once_per_interval() {
    let old = rsa();
    let new = rsa();
    let (mock, current) = jwks_server(jwks_of(&[(&old, "old")])).await;
    let verifier = url_verifier(&mock, Some("sk_test_abc"));
    let clock = TestClock::at(NOW);
    let options = with_clock(&clock);

    let old_jwt = sign(&old, Some("old"), claims());
    verifier.verify_token(&old_jwt, &options).await.unwrap();
    assert_eq!(mock.count(), 1);

    // A kid nobody published: right after a fetch, no refetch is allowed yet.
    let bogus = sign(&rsa(), Some("bogus"), claims());
    assert_eq!(verifier.verify_token(&bogus, &options).await.unwrap_err(), VerifyError::UnknownKid("bogus".into()));
    assert_eq!(mock.count(), 1);

    // 30 s later one refetch happens; the kid is still unknown.
    clock.advance(30);
    let options = VerifyOptions { now: Some(NOW), ..with_clock(&clock) };
    assert!(matches!(verifier.verify_token(&bogus, &options).await, Err(VerifyError::UnknownKid(_))));
    assert_eq!(mock.count(), 2);
    // Further unknown kids within the interval cost nothing.
    for i in 0..10 {
        let other = sign(&old, Some(&format!("bogus{i}")), claims());
        assert!(matches!(verifier.verify_token(&other, &options).await, Err(VerifyError::UnknownKid(_))));
    }
    assert_eq!(mock.count(), 2);

    // Rotation: the server publishes a new key; once the interval has passed, the new kid is
    // fetched and verifies, and the old key (still published) keeps working from the cache.
    *current.lock().unwrap() = jwks_of(&[(&new, "new"), (&old, "old")]);
    let new_jwt = sign(&new, Some("new"), claims());
    assert!(matches!(verifier.verify_token(&new_jwt, &options).await, Err(VerifyError::UnknownKid(_))));
    clock.advance(30);
    verifier.verify_token(&new_jwt, &options).await.unwrap();
    verifier.verify_token(&old_jwt, &options).await.unwrap();
    assert_eq!(mock.count(), 3);
}

#[tokio::test]
async fn the_cache_expires_after_its_ttl() {
    let key = rsa();
    let (mock, _) = jwks_server(jwks_of(&[(&key, "k")])).await;
    let verifier = Verifier::builder(KeySource::JwksUrl { url: format!("{}/v1/jwks", mock.url), secret_key: None })
        .cache_ttl(Duration::from_secs(300))
        .build()
        .unwrap();
    let clock = TestClock::at(NOW);
    let jwt = sign(&key, Some("k"), claims_at_any_time());
    verifier.verify_token(&jwt, &with_clock(&clock)).await.unwrap();
    clock.advance(299);
    verifier.verify_token(&jwt, &with_clock(&clock)).await.unwrap();
    assert_eq!(mock.count(), 1);
    clock.advance(1);
    verifier.verify_token(&jwt, &with_clock(&clock)).await.unwrap();
    assert_eq!(mock.count(), 2);
    verifier.clear_cache().await;
    verifier.verify_token(&jwt, &with_clock(&clock)).await.unwrap();
    assert_eq!(mock.count(), 3);
}

fn claims_at_any_time() -> serde_json::Value {
    json!({"sub": "user_1", "exp": NOW + 100_000})
}

#[tokio::test]
async fn stale_keys_keep_verifying_while_refreshes_fail() {
    let key = rsa();
    let healthy = Arc::new(Mutex::new(true));
    let jwks = serde_json::to_value(jwks_of(&[(&key, "k")])).unwrap();
    let flag = healthy.clone();
    let mock = Mock::start(move |_, _| {
        if *flag.lock().unwrap() {
            json_response(200, jwks.clone())
        } else {
            clerk_error(503, "service_unavailable", None)
        }
    })
    .await;
    let verifier = url_verifier(&mock, None);
    let clock = TestClock::at(NOW);
    let jwt = sign(&key, Some("k"), claims_at_any_time());
    verifier.verify_token(&jwt, &with_clock(&clock)).await.unwrap();
    *healthy.lock().unwrap() = false;
    clock.advance(400);
    verifier.verify_token(&jwt, &with_clock(&clock)).await.unwrap();
    assert_eq!(mock.count(), 2);
    // A kid the stale set lacks reports the fetch failure.
    let other = sign(&key, Some("k2"), claims_at_any_time());
    clock.advance(30);
    let e = verifier.verify_token(&other, &with_clock(&clock)).await.unwrap_err();
    assert!(matches!(&e, VerifyError::KeyFetch(m) if m.contains("service_unavailable")), "{e:?}");
}

#[tokio::test]
async fn fetch_failures_are_key_fetch_errors() {
    let key = rsa();
    let jwt = sign(&key, Some("k"), claims());
    let options = VerifyOptions { now: Some(NOW), ..Default::default() };

    let rejected = Mock::start(|_, _| clerk_error(401, "clerk_key_invalid", None)).await;
    let e = url_verifier(&rejected, Some("sk_test_wrong")).verify_token(&jwt, &options).await.unwrap_err();
    assert!(matches!(&e, VerifyError::KeyFetch(m) if m.contains("clerk_key_invalid") && m.contains("401")), "{e:?}");

    let empty = Mock::start(|_, _| json_response(200, json!({"keys": []}))).await;
    let e = url_verifier(&empty, None).verify_token(&jwt, &options).await.unwrap_err();
    assert!(matches!(&e, VerifyError::KeyFetch(m) if m.contains("no keys")), "{e:?}");

    let garbage = Mock::start(|_, _| json_response(200, json!({"nope": 1}))).await;
    let e = url_verifier(&garbage, None).verify_token(&jwt, &options).await.unwrap_err();
    assert!(matches!(e, VerifyError::KeyFetch(_)), "{e:?}");

    let down =
        Verifier::new(KeySource::JwksUrl { url: format!("{}/v1/jwks", closed_port_url().await), secret_key: None })
            .unwrap();
    let e = down.verify_token(&jwt, &options).await.unwrap_err();
    assert!(matches!(e, VerifyError::KeyFetch(_)), "{e:?}");
}

#[tokio::test]
async fn unusable_jwks_entries_are_skipped() {
    let key = rsa();
    let mut jwks = jwks_of(&[(&key, "good")]);
    jwks.keys
        .insert(0, tessera_client::types::Jwk { kty: "oct".into(), kid: Some("sym".into()), ..Default::default() });
    jwks.keys.insert(
        0,
        tessera_client::types::Jwk {
            kty: "RSA".into(),
            kid: Some("enc".into()),
            use_: Some("enc".into()),
            ..key.public_jwk(Some("enc")).unwrap()
        },
    );
    let (mock, _) = jwks_server(jwks).await;
    let jwt = sign(&key, Some("good"), claims());
    url_verifier(&mock, None)
        .verify_token(&jwt, &VerifyOptions { now: Some(NOW), ..Default::default() })
        .await
        .unwrap();
}
