//! Webhooks end to end: a receiver on loopback counts deliveries and checks their Svix signatures;
//! a failing receiver gets retries on the (compressed) schedule, then the message fails and a replay
//! delivers it; rotation signs with both secrets during the overlap; URL policy; secrets appear only
//! in the create and rotate answers; two nodes on one database deliver each event once.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::HeaderMap;
use serde_json::{Value, json};
use tessera_client::types::{
    CreateWebhookEndpointRequestBody, RotateWebhookSecretRequestBody, UpdateWebhookEndpointRequestBody,
    WebhookMessageListQuery,
};
use tessera_server::Config;
use tessera_server::config::WebhookConfig;

use crate::helpers::*;

/// One delivery as received.
#[derive(Debug, Clone)]
pub struct Received {
    pub id: String,
    pub timestamp: i64,
    pub signatures: Vec<String>,
    pub body: String,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

/// An HTTP receiver on 127.0.0.1 that records every POST and answers with `status`.
pub struct Receiver {
    pub url: String,
    pub got: Arc<Mutex<Vec<Received>>>,
    pub status: Arc<AtomicU16>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let got: Arc<Mutex<Vec<Received>>> = Arc::default();
        let status = Arc::new(AtomicU16::new(204));
        let (g, s) = (got.clone(), status.clone());
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: String| {
                let (g, s) = (g.clone(), s.clone());
                async move {
                    let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                    assert_eq!(h("content-type"), "application/json");
                    g.lock().unwrap().push(Received {
                        id: h("svix-id"),
                        timestamp: h("svix-timestamp").parse().unwrap_or(-1),
                        signatures: h("svix-signature").split(' ').map(str::to_owned).collect(),
                        body,
                    });
                    axum::http::StatusCode::from_u16(s.load(Ordering::SeqCst)).unwrap()
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver { url, got, status, task }
    }

    pub fn count(&self) -> usize {
        self.got.lock().unwrap().len()
    }

    pub fn all(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits (up to 20 s of real time) until at least `n` deliveries arrived.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..400 {
            if self.count() >= n {
                return self.all();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("expected {n} deliveries, got {}: {:?}", self.count(), self.all());
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Whether one of `signatures` is `secret`'s over this delivery.
pub fn signed_by(r: &Received, secret: &str) -> bool {
    let key = tessera_jwt::webhook_secret_key(secret).unwrap();
    let want = tessera_jwt::webhook_signature(&key, &r.id, r.timestamp, r.body.as_bytes());
    r.signatures.contains(&want)
}

/// Loopback allowed, a compressed schedule (0 s, then 1 s and 2 s of the manual clock), a fast poll.
pub fn webhook_config() -> WebhookConfig {
    WebhookConfig {
        allow_loopback: true,
        retry_schedule_ms: vec![0, 1_000, 2_000],
        attempt_timeout_ms: 5_000,
        poll_interval_ms: 50,
        ..WebhookConfig::default()
    }
}

async fn spawn_webhooks() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().join("data"),
        secret_key: Some(tessera_server::Secret(SECRET.into())),
        webhooks: webhook_config(),
        ..Config::default()
    };
    TestApp::spawn_with(config, Some(dir)).await
}

async fn endpoint(app: &TestApp, url: &str, filter: Option<Vec<&str>>) -> (String, String) {
    let e = app
        .sdk
        .tessera()
        .webhooks()
        .create_endpoint(CreateWebhookEndpointRequestBody {
            url: url.to_owned(),
            description: Some("test receiver".into()),
            filter_types: filter.map(|f| f.into_iter().map(str::to_owned).collect()),
            disabled: None,
        })
        .await
        .unwrap();
    (e.id, e.secret.expect("the create answer carries the secret"))
}

/// Waits until the message of `event_id` has `attempts` attempts recorded.
async fn wait_attempts(app: &TestApp, message_id: &str, attempts: usize) -> Vec<Value> {
    for _ in 0..400 {
        let r = app.get(&format!("/tessera/webhooks/messages/{message_id}/attempts")).await;
        let data = r.ok()["data"].as_array().unwrap().clone();
        if data.len() >= attempts {
            return data;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("message {message_id} never had {attempts} attempts");
}

#[tokio::test]
async fn deliveries_are_signed_as_svix_signs_and_carry_clerks_event_envelope() {
    let app = spawn_webhooks().await;
    let rx = Receiver::start().await;
    let (ep, secret) = endpoint(&app, &rx.url, None).await;
    assert!(secret.starts_with("whsec_"));
    let user = app.user("ada@example.com").await;
    let got = rx.wait_for(1).await;
    let d = &got[0];
    assert!(d.id.starts_with("msg_"), "{d:?}");
    assert_eq!(d.timestamp, T0 / 1000, "svix-timestamp is the attempt's unix seconds");
    assert_eq!(d.signatures.len(), 1);
    assert!(signed_by(d, &secret), "the signature verifies with the endpoint secret");
    assert!(!signed_by(&Received { body: d.body.replace("ada", "eve"), ..d.clone() }, &secret));
    let body = d.json();
    assert_eq!(body["type"], "user.created");
    assert_eq!(body["object"], "event");
    assert_eq!(body["data"]["id"], user.id.as_str());
    assert_eq!(body["data"]["email_addresses"][0]["email_address"], "ada@example.com");
    assert_eq!(body["instance_id"], app.running.as_ref().unwrap().state.app.instance_id());
    assert!(body["timestamp"].is_i64());
    assert_eq!(body["event_attributes"]["http_request"], json!({"client_ip": "", "user_agent": ""}));

    // The delivery log says so; the message's body is the one sent.
    let q = WebhookMessageListQuery { endpoint_id: Some(ep.clone()), ..Default::default() };
    let msgs = app.sdk.tessera().webhooks().list_messages(&q).await.unwrap();
    let m = msgs.data.iter().find(|m| m.event_id == d.id).expect("the message is listed");
    assert_eq!(m.payload, body);
    for _ in 0..100 {
        if app.sdk.tessera().webhooks().get_message(&m.id).await.unwrap().status == "delivered" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let m = app.sdk.tessera().webhooks().get_message(&m.id).await.unwrap();
    assert_eq!(
        (m.status.as_str(), m.attempts, m.last_status_code, m.next_attempt_at),
        ("delivered", 1, Some(204), None)
    );
    let attempts = app.sdk.tessera().webhooks().list_attempts(&m.id).await.unwrap();
    assert_eq!(attempts.total_count, 1);
    let a = &attempts.data[0];
    assert_eq!(
        (a.attempt, a.status.as_str(), a.response_status_code, a.error.clone()),
        (1, "succeeded", Some(204), None)
    );
    app.stop().await;
}

#[tokio::test]
async fn a_failing_receiver_gets_retries_on_the_schedule_then_the_message_fails_and_a_replay_delivers_it() {
    let app = spawn_webhooks().await;
    let rx = Receiver::start().await;
    rx.status.store(500, Ordering::SeqCst);
    let (ep, secret) = endpoint(&app, &rx.url, Some(vec!["user.created"])).await;
    app.user("grace@example.com").await;
    let first = rx.wait_for(1).await;
    let q = WebhookMessageListQuery { endpoint_id: Some(ep.clone()), ..Default::default() };
    let m = app.sdk.tessera().webhooks().list_messages(&q).await.unwrap().data.remove(0);
    let log = wait_attempts(&app, &m.id, 1).await;
    assert_eq!(log[0]["response_status_code"], 500);
    assert_eq!(log[0]["status"], "failed");
    assert_eq!(log[0]["next_attempt_at"], T0 + 1_000, "the second attempt is due 1 s later");
    assert_eq!(log[0]["error"], "the receiver answered HTTP 500");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(rx.count(), 1, "nothing is retried before it is due");

    app.clock.advance_ms(1_000);
    rx.wait_for(2).await;
    let log = wait_attempts(&app, &m.id, 2).await;
    assert_eq!(log[1]["next_attempt_at"], T0 + 3_000);
    app.clock.advance_ms(2_000);
    let all = rx.wait_for(3).await;
    let log = wait_attempts(&app, &m.id, 3).await;
    assert_eq!(log[2]["next_attempt_at"], Value::Null, "the schedule is used up");
    assert!(all.iter().all(|d| d.id == first[0].id && signed_by(d, &secret)), "every attempt is the same message");
    assert_eq!(all[2].timestamp, (T0 + 3_000) / 1000, "each attempt is signed at its own time");
    let failed = app.sdk.tessera().webhooks().get_message(&m.id).await.unwrap();
    assert_eq!((failed.status.as_str(), failed.attempts, failed.next_attempt_at), ("failed", 3, None));
    let failed_list = app.get(&format!("/tessera/webhooks/messages?status=failed&endpoint_id={ep}")).await;
    assert_eq!(failed_list.ok()["total_count"], 1);

    // Kept, and replayed (a moment later: the log is in time order) to a receiver that now answers.
    app.clock.advance_ms(10);
    rx.status.store(200, Ordering::SeqCst);
    let r = app.post(&format!("/tessera/webhooks/messages/{}/replay", m.id), json!({})).await;
    assert_eq!(r.ok()["replayed"], 1);
    let r = app.sdk.tessera().webhooks().replay_failed(&ep).await.unwrap();
    assert_eq!(r.replayed, 0, "the message is no longer failed");
    rx.wait_for(4).await;
    let log = wait_attempts(&app, &m.id, 4).await;
    assert_eq!((log[3]["attempt"].as_i64(), log[3]["status"].as_str()), (Some(1), Some("succeeded")));
    let again = app.post(&format!("/tessera/webhooks/messages/{}/replay", "wmsg_missing"), json!({})).await;
    again.err(404, "resource_not_found");
    app.stop().await;
}

#[tokio::test]
async fn a_rotated_secret_signs_beside_the_new_one_until_the_overlap_ends() {
    let app = spawn_webhooks().await;
    let rx = Receiver::start().await;
    let (ep, old) = endpoint(&app, &rx.url, Some(vec!["user.created"])).await;
    let rotated = app
        .sdk
        .tessera()
        .webhooks()
        .rotate_secret(&ep, RotateWebhookSecretRequestBody { old_secret_overlap_seconds: Some(60) })
        .await
        .unwrap();
    let new = rotated.secret.clone().unwrap();
    assert_ne!(new, old);
    assert_eq!(rotated.old_secret_expires_at, Some(T0 + 60_000));
    app.user("a@example.com").await;
    let d = rx.wait_for(1).await.remove(0);
    assert_eq!(d.signatures.len(), 2, "{d:?}");
    assert!(signed_by(&d, &new) && signed_by(&d, &old));

    app.clock.advance_ms(60_001);
    app.user("b@example.com").await;
    let d = rx.wait_for(2).await.remove(1);
    assert_eq!(d.signatures.len(), 1);
    assert!(signed_by(&d, &new) && !signed_by(&d, &old));
    let got = app.sdk.tessera().webhooks().get_endpoint(&ep).await.unwrap();
    assert_eq!((got.secret, got.old_secret_expires_at), (None, None));
    app.stop().await;
}

#[tokio::test]
async fn secrets_are_answered_only_at_creation_and_rotation_and_never_logged_in_lists() {
    let app = spawn_webhooks().await;
    let (ep, secret) = endpoint(&app, "http://127.0.0.1:9/hook", None).await;
    for path in ["/tessera/webhooks/endpoints".to_owned(), format!("/tessera/webhooks/endpoints/{ep}")] {
        let r = app.get(&path).await;
        let text = r.ok().to_string();
        assert!(!text.contains(&secret) && !text.contains("whsec_") && !text.contains("\"secret\""), "{text}");
    }
    let patched = app.patch(&format!("/tessera/webhooks/endpoints/{ep}"), json!({"description": "x"})).await;
    assert!(patched.ok().get("secret").is_none());
    let rotated = app.post(&format!("/tessera/webhooks/endpoints/{ep}/rotate_secret"), json!({})).await;
    assert!(rotated.ok()["secret"].as_str().unwrap().starts_with("whsec_"));
    assert_eq!(rotated.body["old_secret_expires_at"], T0 + 86_400_000, "24 h overlap by default");
    let rec = app.running.as_ref().unwrap().state.app.store().get_webhook_endpoint(&ep).await.unwrap().unwrap();
    assert!(!format!("{rec:?}").contains(&secret) && !rec.secret_sealed.contains(&secret));
    app.stop().await;
}

#[tokio::test]
async fn endpoint_urls_and_filters_are_checked_with_clerk_errors() {
    let app = TestApp::spawn().await; // no loopback allowed
    for url in [
        "http://127.0.0.1:3000/hook",
        "http://localhost/x",
        "http://10.0.0.8/",
        "http://[::1]/",
        "ftp://example.com/",
        "nope",
    ] {
        let r = app.post("/tessera/webhooks/endpoints", json!({ "url": url })).await;
        r.err(422, "form_param_value_invalid");
        assert_eq!(r.param(), "url", "{url}");
    }
    app.post("/tessera/webhooks/endpoints", json!({})).await.err(422, "form_param_missing");
    let r = app
        .post("/tessera/webhooks/endpoints", json!({"url": "https://example.com/h", "filter_types": ["user.exploded"]}))
        .await;
    r.err(422, "form_param_value_invalid");
    assert_eq!(r.param(), "filter_types");
    app.post("/tessera/webhooks/endpoints", json!({"url": "https://example.com/h", "secret": "whsec_x"}))
        .await
        .err(422, "form_param_unknown");
    let ok = app
        .post("/tessera/webhooks/endpoints", json!({"url": "https://example.com/h", "filter_types": "user.created"}))
        .await;
    let id = ok.ok()["id"].as_str().unwrap().to_owned();
    assert_eq!(ok.body["filter_types"], json!(["user.created"]));
    assert_eq!(ok.body["disabled"], false);
    let r = app.patch(&format!("/tessera/webhooks/endpoints/{id}"), json!({"url": "http://192.168.0.1/"})).await;
    r.err(422, "form_param_value_invalid");
    let r =
        app.patch(&format!("/tessera/webhooks/endpoints/{id}"), json!({"filter_types": null, "disabled": true})).await;
    assert_eq!((r.ok()["filter_types"].clone(), r.body["disabled"].clone()), (Value::Null, json!(true)));
    app.post(&format!("/tessera/webhooks/endpoints/{id}/rotate_secret"), json!({"old_secret_overlap_seconds": -1}))
        .await
        .err(422, "form_param_value_invalid");
    app.get("/tessera/webhooks/messages?status=lost").await.err(422, "form_param_value_invalid");
    app.get("/tessera/webhooks/endpoints/ep_missing").await.err(404, "resource_not_found");
    app.get("/tessera/webhooks/messages/wmsg_missing/attempts").await.err(404, "resource_not_found");
    let deleted = app.sdk.tessera().webhooks().delete_endpoint(&id).await.unwrap();
    assert!(deleted.deleted);
    app.delete(&format!("/tessera/webhooks/endpoints/{id}")).await.err(404, "resource_not_found");
    app.stop().await;
}

#[tokio::test]
async fn a_disabled_endpoint_gets_nothing_and_filters_pick_event_types() {
    let app = spawn_webhooks().await;
    let all = Receiver::start().await;
    let deleted_only = Receiver::start().await;
    let off = Receiver::start().await;
    endpoint(&app, &all.url, None).await;
    endpoint(&app, &deleted_only.url, Some(vec!["user.deleted"])).await;
    let (off_id, _) = endpoint(&app, &off.url, None).await;
    app.sdk
        .tessera()
        .webhooks()
        .update_endpoint(&off_id, UpdateWebhookEndpointRequestBody { disabled: Some(true), ..Default::default() })
        .await
        .unwrap();
    let u = app.user("x@example.com").await;
    app.sdk.users().delete(&u.id).await.unwrap();
    let got = all.wait_for(2).await;
    let mut types: Vec<String> = got.iter().map(|d| d.json()["type"].as_str().unwrap().to_owned()).collect();
    // Attempts run concurrently, so arrival order is not event order (docs/webhooks.md).
    types.sort();
    assert_eq!(types, ["user.created", "user.deleted"]);
    let d = deleted_only.wait_for(1).await;
    assert_eq!(d[0].json()["data"], json!({"object": "user", "id": u.id, "deleted": true}));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(deleted_only.count(), 1);
    assert_eq!(off.count(), 0);
    app.stop().await;
}

#[tokio::test]
async fn two_nodes_on_one_postgresql_database_deliver_each_event_once() {
    let Some((url, admin, name)) = fresh_postgres_url().await else {
        eprintln!("TESSERA_TEST_DATABASE_URL not set: skipping the PostgreSQL run (outside CI)");
        return;
    };
    let config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        database_url: Some(url),
        master_key: Some(tessera_server::Secret("a".repeat(64))),
        data_dir: "/nonexistent-tessera-test".into(),
        secret_key: Some(tessera_server::Secret(SECRET.into())),
        webhooks: webhook_config(),
        ..Config::default()
    };
    let mut a = TestApp::spawn_with(config.clone(), None).await;
    a.pg = Some((admin, name));
    let b = TestApp::spawn_with(config, None).await;
    let rx = Receiver::start().await;
    let (_, secret) = endpoint(&a, &rx.url, Some(vec!["user.created"])).await;
    for i in 0..20 {
        let node = if i % 2 == 0 { &a } else { &b };
        node.user(&format!("u{i}@example.com")).await;
    }
    let got = rx.wait_for(20).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got = if rx.count() > got.len() { rx.all() } else { got };
    let mut per_id: HashMap<String, usize> = HashMap::new();
    for d in &got {
        assert!(signed_by(d, &secret));
        *per_id.entry(d.id.clone()).or_default() += 1;
    }
    assert_eq!(per_id.len(), 20);
    assert!(per_id.values().all(|n| *n == 1), "an event was delivered twice: {per_id:?}");
    b.stop().await;
    a.stop().await;
}

#[tokio::test]
async fn endpoint_secrets_survive_a_master_key_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().join("data"),
        secret_key: Some(tessera_server::Secret(SECRET.into())),
        master_key: Some(tessera_server::Secret("a".repeat(64))),
        webhooks: webhook_config(),
        ..Config::default()
    };
    let mut app = TestApp::spawn_with(config, Some(dir)).await;
    let rx = Receiver::start().await;
    let (ep, secret) = endpoint(&app, &rx.url, Some(vec!["user.created"])).await;
    app.sdk
        .tessera()
        .webhooks()
        .rotate_secret(&ep, RotateWebhookSecretRequestBody { old_secret_overlap_seconds: Some(3600) })
        .await
        .unwrap();
    let new_key = tessera_core::MasterKey([7u8; 32]);
    app.running.as_ref().unwrap().state.app.rotate_master_key(&new_key).await.unwrap();
    app.config.master_key = Some(tessera_server::Secret(hex::encode([7u8; 32])));
    app.restart().await;
    app.user("after@example.com").await;
    let d = rx.wait_for(1).await.remove(0);
    assert_eq!(d.signatures.len(), 2, "both secrets still open under the new master key: {d:?}");
    assert!(signed_by(&d, &secret), "the rotated-out secret still signs during its overlap");
    app.stop().await;
}

#[tokio::test]
async fn retention_prunes_finished_messages_and_fanned_out_events_but_never_pending_ones() {
    let app = spawn_webhooks().await;
    let rx = Receiver::start().await;
    let (ep, _) = endpoint(&app, &rx.url, Some(vec!["user.created"])).await;
    // Nothing listens on port 9: this endpoint's message stays pending after its first attempt.
    let (dead, _) = endpoint(&app, "http://127.0.0.1:9/hook", Some(vec!["user.created"])).await;
    app.user("kept@example.com").await;
    rx.wait_for(1).await;
    let webhooks = app.sdk.tessera().webhooks();
    let delivered = WebhookMessageListQuery {
        endpoint_id: Some(ep.clone()),
        status: Some("delivered".into()),
        ..Default::default()
    };
    let pending = WebhookMessageListQuery { endpoint_id: Some(dead.clone()), ..Default::default() };
    let mut waiting = None;
    for _ in 0..200 {
        let p = webhooks.list_messages(&pending).await.unwrap();
        if webhooks.list_messages(&delivered).await.unwrap().total_count == 1
            && p.data.first().is_some_and(|m| m.attempts == 1 && m.last_attempt_at.is_some())
        {
            waiting = p.data.first().map(|m| m.id.clone());
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let waiting = waiting.expect("one message delivered and one waiting for its retry");
    let core = &app.running.as_ref().unwrap().state.app;
    assert_eq!(core.webhook_outbox_stats().await.unwrap().delivered, 1);
    app.clock.advance_ms(8 * 86_400_000);
    let (messages, _events) = core.prune_webhooks(7 * 86_400_000).await.unwrap();
    assert_eq!(messages, 1, "only the delivered message is older than the retention");
    let after = core.webhook_outbox_stats().await.unwrap();
    assert_eq!(after.delivered, 0);
    assert_eq!(after.cursor_seq, after.last_event_seq, "events are fanned out before they can be pruned");
    assert!(webhooks.get_message(&waiting).await.is_ok(), "a message with attempts left is kept");
    app.stop().await;
}
