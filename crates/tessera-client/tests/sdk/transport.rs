//! The HTTP pipeline against a mock API: URL and headers, bodies (and their absence), repeated
//! query keys, retries and backoff, and how failures become `Error`s.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::response::IntoResponse;
use serde_json::json;
use tessera_client::types::{CreateSessionTokenRequestBody, CreateUserRequestBody};
use tessera_client::{
    Client, CreateSessionTokenFromTemplateRequest, CreateSessionTokenFromTemplateRequestBody,
    CreateSessionTokenRequest, Error, GetSessionListRequest, GetUserListRequest, SessionStatus, Sleeper,
};

use crate::support::{Mock, clerk_error, closed_port_url, json_response};

/// Records the delays the client asks to wait between attempts, and returns at once.
#[derive(Clone, Default)]
struct Waits(Arc<Mutex<Vec<Duration>>>);

impl Waits {
    fn sleeper(&self) -> Sleeper {
        let waits = self.0.clone();
        Sleeper::new(move |d| {
            waits.lock().unwrap().push(d);
            std::future::ready(())
        })
    }
    fn taken(&self) -> Vec<Duration> {
        self.0.lock().unwrap().clone()
    }
}

fn fast(url: &str) -> Client {
    fast_recorded(url).0
}

/// A client whose retries wait nothing, and what they would have waited.
fn fast_recorded(url: &str) -> (Client, Waits) {
    let waits = Waits::default();
    let client = Client::builder(url, "sk_test_mock")
        .retry_base_delay(Duration::from_millis(1))
        .max_retry_delay(Duration::from_millis(20))
        .sleeper(waits.sleeper())
        .build()
        .unwrap();
    (client, waits)
}

fn token() -> axum::response::Response {
    json_response(200, json!({"object": "token", "jwt": "a.b.c"}))
}

fn user_json() -> serde_json::Value {
    json!({
        "object": "user", "id": "user_1", "external_id": null, "primary_email_address_id": null,
        "primary_phone_number_id": null, "primary_web3_wallet_id": null, "username": null,
        "first_name": null, "last_name": null, "image_url": "", "has_image": false,
        "public_metadata": {}, "private_metadata": {}, "unsafe_metadata": {},
        "email_addresses": [], "phone_numbers": [], "web3_wallets": [], "passkeys": [],
        "password_enabled": false, "two_factor_enabled": false, "totp_enabled": false,
        "backup_code_enabled": false, "mfa_enabled_at": null, "mfa_disabled_at": null,
        "external_accounts": [], "saml_accounts": [], "enterprise_accounts": [],
        "last_sign_in_at": null, "banned": false, "locked": false,
        "lockout_expires_in_seconds": null, "verification_attempts_remaining": null,
        "created_at": 1, "updated_at": 1, "delete_self_enabled": true,
        "create_organization_enabled": true, "last_active_at": null, "legal_accepted_at": null
    })
}

#[tokio::test]
async fn requests_carry_auth_version_and_json_headers() {
    let mock = Mock::start(|_, _| json_response(200, user_json())).await;
    let client = fast(&mock.url);
    client
        .users()
        .create(CreateUserRequestBody { first_name: Some("Ada".into()), ..Default::default() })
        .await
        .unwrap();
    client.users().get("user_1").await.unwrap();
    let post = mock.request(0);
    assert_eq!((post.method.as_str(), post.path.as_str()), ("POST", "/v1/users"));
    assert_eq!(post.headers["authorization"], "Bearer sk_test_mock");
    assert_eq!(post.headers["clerk-api-version"], "2025-11-10");
    assert_eq!(post.headers["content-type"], "application/json");
    assert!(post.headers["user-agent"].to_str().unwrap().starts_with("tessera-client/"));
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&post.body).unwrap(), json!({"first_name": "Ada"}));
    let get = mock.request(1);
    assert_eq!((get.method.as_str(), get.path.as_str()), ("GET", "/v1/users/user_1"));
    assert!(get.headers.get("content-type").is_none());
    assert!(get.body.is_empty());
}

#[tokio::test]
async fn a_base_url_with_v1_or_a_prefix_is_used_as_given() {
    let mock = Mock::start(|_, _| json_response(200, json!({"keys": []}))).await;
    for base in [format!("{}/v1", mock.url), format!("{}/v1/", mock.url), format!("{}/clerk", mock.url)] {
        let client = Client::builder(&base, "sk").api_version("2021-02-05").user_agent("me/1").build().unwrap();
        client.jwks().get().await.unwrap();
    }
    let paths: Vec<String> = (0..3).map(|i| mock.request(i).path).collect();
    assert_eq!(paths, ["/v1/jwks", "/v1/jwks", "/clerk/v1/jwks"]);
    assert_eq!(mock.request(0).headers["clerk-api-version"], "2021-02-05");
    assert_eq!(mock.request(0).headers["user-agent"], "me/1");
    let none = Client::builder(&mock.url, "sk").no_api_version().build().unwrap();
    none.jwks().get().await.unwrap();
    assert!(mock.request(3).headers.get("clerk-api-version").is_none());
}

#[tokio::test]
async fn token_requests_send_no_body_when_body_is_none() {
    let mock = Mock::start(|_, _| token()).await;
    let client = fast(&mock.url);
    let sessions = client.sessions();
    sessions
        .create_token_from_template(CreateSessionTokenFromTemplateRequest {
            session_id: "sess_1".into(),
            template_name: "my template".into(),
            body: None,
        })
        .await
        .unwrap();
    sessions
        .create_token_from_template(CreateSessionTokenFromTemplateRequest {
            session_id: "sess_1".into(),
            template_name: "supabase".into(),
            body: Some(CreateSessionTokenFromTemplateRequestBody { expires_in_seconds: Some(300) }),
        })
        .await
        .unwrap();
    sessions.create_session_token(CreateSessionTokenRequest { session_id: "sess_1".into(), body: None }).await.unwrap();
    let t = sessions
        .create_session_token(CreateSessionTokenRequest {
            session_id: "sess_1".into(),
            body: Some(CreateSessionTokenRequestBody { expires_in_seconds: None }),
        })
        .await
        .unwrap();
    assert_eq!(t.jwt, "a.b.c");

    let r = mock.request(0);
    assert_eq!(r.path, "/v1/sessions/sess_1/tokens/my%20template");
    assert!(r.body.is_empty());
    assert!(r.headers.get("content-type").is_none());
    let r = mock.request(1);
    assert_eq!(r.path, "/v1/sessions/sess_1/tokens/supabase");
    assert_eq!(r.body, br#"{"expires_in_seconds":300}"#);
    assert_eq!(r.headers["content-type"], "application/json");
    let r = mock.request(2);
    assert_eq!(r.path, "/v1/sessions/sess_1/tokens");
    assert!(r.body.is_empty());
    assert_eq!(mock.request(3).body, b"{}");
}

#[tokio::test]
async fn list_filters_become_repeated_query_keys() {
    let mock = Mock::start(|r, _| {
        if r.path == "/v1/users" {
            json_response(200, json!([]))
        } else {
            json_response(200, json!({"data": [], "total_count": 0}))
        }
    })
    .await;
    let client = fast(&mock.url);
    client
        .users()
        .list(GetUserListRequest {
            email_address: vec!["a@x.io".into(), "b+1@x.io".into()],
            limit: Some(20),
            order_by: Some("-created_at".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let page = client
        .sessions()
        .list(GetSessionListRequest {
            user_id: Some("user_1".into()),
            status: Some(SessionStatus::Active),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.total_count, 0);
    assert_eq!(
        mock.request(0).query.as_deref(),
        Some("email_address=a%40x.io&email_address=b%2B1%40x.io&order_by=-created_at&limit=20")
    );
    assert_eq!(mock.request(1).query.as_deref(), Some("user_id=user_1&status=active&paginated=true"));
}

#[tokio::test]
async fn too_many_requests_is_retried_after_retry_after_even_for_post() {
    let mock = Mock::start(|_, i| {
        if i < 2 {
            let mut r = clerk_error(429, "too_many_requests", None);
            r.headers_mut().insert("retry-after", "0".parse().unwrap());
            r
        } else {
            token()
        }
    })
    .await;
    let (client, waits) = fast_recorded(&mock.url);
    let t = client
        .sessions()
        .create_session_token(CreateSessionTokenRequest { session_id: "s".into(), body: None })
        .await
        .unwrap();
    assert_eq!(t.object, "token");
    assert_eq!(mock.count(), 3);
    assert_eq!(waits.taken(), [Duration::ZERO; 2], "Retry-After: 0 is honoured, not replaced by backoff");
}

#[tokio::test]
async fn retry_after_is_honoured_and_capped() {
    let mock = Mock::start(|_, i| {
        if i == 0 {
            let mut r = clerk_error(429, "too_many_requests", None);
            r.headers_mut().insert("retry-after", "1".parse().unwrap());
            r
        } else {
            json_response(200, json!({"keys": []}))
        }
    })
    .await;
    let waits = Waits::default();
    Client::builder(&mock.url, "sk").sleeper(waits.sleeper()).build().unwrap().jwks().get().await.unwrap();
    assert_eq!(waits.taken(), [Duration::from_secs(1)]);
    assert_eq!(mock.count(), 2);

    let mock2 = Mock::start(|_, i| {
        if i == 0 {
            let mut r = clerk_error(429, "too_many_requests", None);
            r.headers_mut().insert("retry-after", "3600".parse().unwrap());
            r
        } else {
            json_response(200, json!({"keys": []}))
        }
    })
    .await;
    let waits = Waits::default();
    let capped = Client::builder(&mock2.url, "sk")
        .max_retry_delay(Duration::from_millis(50))
        .sleeper(waits.sleeper())
        .build()
        .unwrap();
    capped.jwks().get().await.unwrap();
    assert_eq!(waits.taken(), [Duration::from_millis(50)], "an hour is capped by max_retry_delay");
}

#[tokio::test]
async fn backoff_doubles_from_the_base_delay_with_jitter_and_is_capped() {
    let mock = Mock::start(|_, _| clerk_error(503, "service_unavailable", None)).await;
    let waits = Waits::default();
    let client = Client::builder(&mock.url, "sk")
        .retry_base_delay(Duration::from_millis(100))
        .max_retry_delay(Duration::from_millis(300))
        .max_retries(4)
        .sleeper(waits.sleeper())
        .build()
        .unwrap();
    client.users().get("user_1").await.unwrap_err();
    assert_eq!(mock.count(), 5);
    let taken = waits.taken();
    // base · 2^attempt capped at 300 ms, each drawn from [d/2, d].
    let full = [100, 200, 300, 300].map(Duration::from_millis);
    assert_eq!(taken.len(), full.len(), "{taken:?}");
    for (d, full) in taken.iter().zip(full) {
        assert!(*d >= full / 2 && *d <= full, "{taken:?}");
    }
}

#[tokio::test]
async fn server_errors_are_retried_for_idempotent_calls_only() {
    let mock = Mock::start(|_, _| clerk_error(503, "service_unavailable", None)).await;
    let (client, waits) = fast_recorded(&mock.url);
    let e = client.users().get("user_1").await.unwrap_err();
    assert_eq!(waits.taken().len(), 3, "one wait before each retry");
    assert_eq!((e.status(), e.code()), (Some(503), Some("service_unavailable")));
    assert_eq!(mock.count(), 4, "1 attempt + 3 retries");

    let e = client.users().delete("user_1").await.unwrap_err();
    assert_eq!(e.status(), Some(503));
    assert_eq!(mock.count(), 8);

    client.users().ban("user_1").await.unwrap_err();
    assert_eq!(mock.count(), 9, "POST is not retried");
    client.users().update("user_1", Default::default()).await.unwrap_err();
    assert_eq!(mock.count(), 10, "PATCH is not retried");

    let no_retries = Client::builder(&mock.url, "sk").max_retries(0).build().unwrap();
    no_retries.users().get("user_1").await.unwrap_err();
    assert_eq!(mock.count(), 11);
}

#[tokio::test]
async fn client_errors_are_not_retried_and_carry_the_envelope() {
    let mock = Mock::start(|_, _| clerk_error(422, "form_identifier_exists", Some("email_address"))).await;
    let client = fast(&mock.url);
    let e = client.users().create(Default::default()).await.unwrap_err();
    assert_eq!(mock.count(), 1);
    assert_eq!(e.status(), Some(422));
    assert_eq!(e.code(), Some("form_identifier_exists"));
    assert_eq!(e.param_name(), Some("email_address"));
    assert_eq!(e.message(), Some("is invalid"));
    assert_eq!(e.long_message(), Some("form_identifier_exists happened"));
    assert_eq!(e.clerk_trace_id(), Some("trace123"));
    assert!(!e.is_not_found());
    let text = e.to_string();
    assert!(text.contains("422") && text.contains("form_identifier_exists") && text.contains("trace123"), "{text}");
    assert!(matches!(e, Error::Api { status: 422, ref errors, .. } if errors.len() == 1));
}

#[tokio::test]
async fn the_trace_id_header_is_used_when_the_body_has_none() {
    let mock = Mock::start(|_, _| {
        let mut r = json_response(
            404,
            json!({"errors": [{"message": "not found", "long_message": "No user", "code": "resource_not_found"}]}),
        );
        r.headers_mut().insert("clerk-trace-id", "from-header".parse().unwrap());
        r
    })
    .await;
    let e = fast(&mock.url).users().get("user_x").await.unwrap_err();
    assert!(e.is_not_found());
    assert_eq!(e.clerk_trace_id(), Some("from-header"));
    assert_eq!(e.param_name(), None);
}

#[tokio::test]
async fn non_envelope_errors_and_bad_json_are_reported_as_such() {
    let mock = Mock::start(|r, _| {
        if r.method == "GET" {
            (axum::http::StatusCode::BAD_GATEWAY, "<html>bad gateway</html>").into_response()
        } else {
            json_response(200, json!({"object": "token"}))
        }
    })
    .await;
    let client = Client::builder(&mock.url, "sk").max_retries(0).build().unwrap();
    let e = client.jwks().get().await.unwrap_err();
    assert!(matches!(&e, Error::UnexpectedResponse { status: 502, body } if body.contains("bad gateway")), "{e:?}");
    assert_eq!(e.code(), None);
    let e = client
        .sessions()
        .create_session_token(CreateSessionTokenRequest { session_id: "s".into(), body: None })
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Decode { status: 200, .. }), "{e:?}");
}

#[tokio::test]
async fn unreachable_servers_and_timeouts_are_transport_errors() {
    let down = fast(&closed_port_url().await);
    let e = down.users().ban("user_1").await.unwrap_err();
    assert!(matches!(&e, Error::Transport(t) if t.is_connect()), "{e:?}");

    // The mock never answers in time (it is dropped first), so only the client's timeout can end
    // each attempt, whatever the machine's speed.
    let slow = Mock::start_delayed(Duration::from_secs(3600), |_, _| json_response(200, json!({"keys": []}))).await;
    let waits = Waits::default();
    let client = Client::builder(&slow.url, "sk")
        .timeout(Duration::from_millis(100))
        .max_retries(1)
        .sleeper(waits.sleeper())
        .build()
        .unwrap();
    let e = client.jwks().get().await.unwrap_err();
    assert!(matches!(&e, Error::Transport(t) if t.is_timeout()), "{e:?}");
    assert_eq!(waits.taken().len(), 1, "a GET that timed out is retried once");
    // Both attempts reached the server; its record of the second may trail the client's timeout,
    // so wait for it with a deadline.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while slow.count() < 2 && tokio::time::Instant::now() < deadline {
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(slow.count(), 2, "a GET that timed out is retried");
}

#[tokio::test]
async fn bad_configuration_is_reported_when_building() {
    for (base, key) in [("ftp://x", "sk"), ("nope", "sk"), ("http://x", "sk\nbad")] {
        let e = Client::new(base, key).unwrap_err();
        assert!(matches!(e, Error::Config(_)), "{base} {key:?}: {e:?}");
    }
    let client = Client::new("https://api.clerk.com", "sk_live_secret").unwrap();
    assert_eq!(client.base_url(), "https://api.clerk.com/v1");
    assert!(!format!("{client:?}").contains("secret"));
}

#[cfg(feature = "tls")]
#[tokio::test]
async fn https_urls_go_through_tls() {
    // A plain-HTTP server behind an https:// URL: the TLS handshake starts and fails, which shows
    // HTTPS is supported (without TLS, reqwest refuses the scheme while building the request).
    let mock = Mock::start(|_, _| json_response(200, json!({"keys": []}))).await;
    let https = mock.url.replacen("http://", "https://", 1);
    let client = Client::builder(&https, "sk").max_retries(0).build().unwrap();
    let e = client.jwks().get().await.unwrap_err();
    assert!(matches!(&e, Error::Transport(t) if !t.is_builder()), "{e:?}");
    let chain = format!("{:?}", e);
    assert!(
        chain.to_lowercase().contains("tls")
            || chain.contains("Corrupt")
            || chain.contains("InvalidContentType")
            || chain.contains("corrupt"),
        "{chain}"
    );
}
