//! A failing store is a logged 500: the cause of a store backend failure is logged exactly once (by
//! `From<StoreError> for ApiError` in the core) and the client gets Clerk's 500 envelope without
//! it, on the authentication path as on any other.

use std::sync::{Arc, Mutex};

use reqwest::Method;

use crate::helpers::*;
use crate::secrets::Capture;

/// Captured lines that mention `needle`.
fn lines_with(logs: &Mutex<Vec<u8>>, needle: &str) -> Vec<String> {
    let text = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
    text.lines().filter(|l| l.contains(needle)).map(str::to_owned).collect()
}

// One thread, so that the server's tasks log to this test's subscriber.
#[tokio::test(flavor = "current_thread")]
async fn a_store_failure_is_logged_once_and_answers_a_500() {
    let logs = Arc::new(Mutex::new(Vec::new()));
    let subscriber = tracing_subscriber::fmt().with_writer(Capture(logs.clone())).with_ansi(false).finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let app = TestApp::spawn().await;
    let db = app.config.data_dir.join("tessera.db");
    for table in ["secret_keys", "memberships", "users"] {
        tessera_store::admin_execute(&format!("sqlite://{}", db.display()), &format!("DROP TABLE {table}"))
            .await
            .unwrap();
    }

    // Authentication with a key this node has not seen reads the secret keys from the store.
    let r = app.raw(Method::GET, "/v1/users", Some("Bearer sk_test_not_seen_before_0123456789"), None).await;
    r.err(500, "internal_clerk_error");
    assert_eq!(r.body["errors"][0]["long_message"], "Oops, an unexpected error occurred");
    assert!(!r.body.to_string().contains("secret_keys"), "the cause stays out of the response: {}", r.body);
    let logged = lines_with(&logs, "no such table: secret_keys");
    assert_eq!(logged.len(), 1, "logged once: {logged:?}");
    assert!(logged[0].contains("ERROR") && logged[0].contains("store failure"), "{logged:?}");

    // A handler's store call (the key itself is remembered from startup).
    let r = app.get("/v1/users").await;
    r.err(500, "internal_clerk_error");
    let logged = lines_with(&logs, "store failure");
    assert_eq!(logged.len(), 2, "once per failure: {logged:?}");
    assert!(logged[1].contains("no such table"), "{logged:?}");

    app.stop().await;
}
