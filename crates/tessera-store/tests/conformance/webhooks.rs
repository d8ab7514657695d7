//! Webhook delivery: the fan-out of the event log into messages (once per event and endpoint, the
//! cursor moved in the same transaction), claims with a lease (two concurrent claimers get disjoint
//! sets), recording attempts (a stale attempt records nothing), replay, retention and deletion.

use std::collections::HashSet;

use tessera_core::events::NewEvent;
use tessera_core::store::{
    EventStore, WebhookAttemptRecord, WebhookEndpointRecord, WebhookMessageFilter, WebhookMessageRecord,
    WebhookMessageStatus, WebhookStore,
};
use tessera_core::webhooks::plan_messages;

use crate::fixtures::*;

fn endpoint(id: &str, filter: Option<&[&str]>) -> WebhookEndpointRecord {
    WebhookEndpointRecord {
        id: id.into(),
        url: format!("https://example.com/{id}"),
        description: String::new(),
        filter_types: filter.map(|f| f.iter().map(|t| (*t).to_owned()).collect()),
        disabled: false,
        secret_sealed: "sealed".into(),
        old_secret_sealed: None,
        old_secret_expires_at: None,
        created_at: T0,
        updated_at: T0,
    }
}

/// Appends `n` events (`user.created` for even i, `user.deleted` for odd) through the store's
/// own `append`, as a write transaction would.
async fn append_events(url: &str, n: usize) {
    let mut conn = match crate::admin_connection(url).await {
        Ok(c) => c,
        Err(e) => panic!("connecting: {e}"),
    };
    let events: Vec<NewEvent> = (0..n)
        .map(|i| {
            let t = if i % 2 == 0 { "user.created" } else { "user.deleted" };
            NewEvent::new(t, json!({"object": "user", "id": format!("user_{i}")}))
        })
        .collect();
    if let Err(e) = tessera_store::events::append(&mut conn, &events).await {
        panic!("append: {e}");
    }
}

async fn fan_out(store: &SqlStore, now: i64) -> Option<usize> {
    let plan = |events: &[tessera_core::store::EventRecord], endpoints: &[WebhookEndpointRecord]| {
        plan_messages(events, endpoints, "ins_test", now, 0)
    };
    ok(store.fan_out_webhook_events(100, now, &plan).await)
}

fn attempt(m: &WebhookMessageRecord, n: i64, code: Option<i64>, now: i64) -> WebhookAttemptRecord {
    WebhookAttemptRecord {
        id: format!("atmpt_{}_{n}", m.id),
        message_id: m.id.clone(),
        endpoint_id: m.endpoint_id.clone(),
        attempt: n,
        status: if code == Some(200) { "succeeded" } else { "failed" }.into(),
        response_status_code: code,
        latency_ms: 3,
        error: None,
        next_attempt_at: None,
        created_at: now,
    }
}

pub async fn check_webhook_fan_out_and_claims(url: String) {
    let store = open(&url).await;
    ok(store.insert_webhook_endpoint(&endpoint("ep_all", None)).await);
    ok(store.insert_webhook_endpoint(&endpoint("ep_created", Some(&["user.created"]))).await);
    let mut off = endpoint("ep_off", None);
    off.disabled = true;
    ok(store.insert_webhook_endpoint(&off).await);
    assert_eq!(ok(store.list_webhook_endpoints().await).len(), 3);

    append_events(&url, 6).await;
    let last = ok(store.last_event_seq().await);
    assert_eq!(ok(store.webhook_work_hint().await), (last - 6, last, None), "events to fan out, nothing due");
    assert_eq!(fan_out(&store, T0).await, Some(6));
    assert_eq!(ok(store.webhook_work_hint().await), (last, last, Some(T0)), "fanned out, messages due");
    assert_eq!(ok(store.webhook_cursor().await), ok(store.last_event_seq().await));
    // 6 events to ep_all, the 3 user.created to ep_created, none to the disabled endpoint.
    let (all, total) =
        ok(store.list_webhook_messages(&WebhookMessageFilter::default(), Page { limit: 100, offset: 0 }).await);
    assert_eq!((all.len(), total), (9, 9));
    assert_eq!(fan_out(&store, T0).await, Some(0), "nothing is fanned out twice");
    let created = WebhookMessageFilter { endpoint_id: Some("ep_created".into()), status: None };
    let (rows, _) = ok(store.list_webhook_messages(&created, Page { limit: 100, offset: 0 }).await);
    assert!(rows.iter().all(|m| m.event_type == "user.created" && m.status == WebhookMessageStatus::Pending));
    assert!(rows.windows(2).all(|w| w[0].event_seq > w[1].event_seq), "newest event first");

    // Two claimers at once, on two connections pools (two nodes): disjoint, and together all.
    let other = open(&url).await;
    let (a, b) = tokio::join!(
        store.claim_webhook_messages(T0, T0 + 60_000, 5),
        other.claim_webhook_messages(T0, T0 + 60_000, 5)
    );
    let (a, b) = (ok(a), ok(b));
    let ids_a: HashSet<String> = a.iter().map(|c| c.message.id.clone()).collect();
    let ids_b: HashSet<String> = b.iter().map(|c| c.message.id.clone()).collect();
    assert!(ids_a.is_disjoint(&ids_b), "a message was claimed twice");
    assert_eq!(ids_a.len() + ids_b.len(), 9);
    assert!(a.iter().chain(&b).all(|c| c.message.attempts == 1 && c.message.next_attempt_at == Some(T0 + 60_000)));
    assert!(a.iter().chain(&b).all(|c| c.endpoint.id == c.message.endpoint_id));
    assert!(a.windows(2).all(|w| w[0].message.event_seq <= w[1].message.event_seq), "oldest event first");
    assert!(ok(store.claim_webhook_messages(T0 + 1, T0 + 60_000, 50).await).is_empty(), "leased messages are not due");
    other.close().await;

    // Outcomes: one delivered, one retried later, one failed for good; a stale attempt is ignored.
    let claimed: Vec<WebhookMessageRecord> = a.iter().chain(&b).map(|c| c.message.clone()).collect();
    let (m0, m1, m2) = (&claimed[0], &claimed[1], &claimed[2]);
    assert!(ok(store
        .record_webhook_attempt(&attempt(m0, 1, Some(200), T0 + 10), WebhookMessageStatus::Delivered, None)
        .await));
    assert!(!ok(store
        .record_webhook_attempt(&attempt(m0, 1, Some(500), T0 + 11), WebhookMessageStatus::Failed, None)
        .await));
    assert!(ok(store
        .record_webhook_attempt(&attempt(m1, 1, Some(500), T0 + 10), WebhookMessageStatus::Pending, Some(T0 + 5_000))
        .await));
    assert!(ok(store.record_webhook_attempt(&attempt(m2, 1, None, T0 + 10), WebhookMessageStatus::Failed, None).await));
    assert!(
        !ok(store.record_webhook_attempt(&attempt(m1, 2, None, T0 + 12), WebhookMessageStatus::Failed, None).await),
        "attempt 2 was never claimed"
    );
    let got = ok(store.get_webhook_message(&m0.id).await).map(|m| (m.status, m.last_status_code, m.next_attempt_at));
    assert_eq!(got, Some((WebhookMessageStatus::Delivered, Some(200), None)));
    assert_eq!(ok(store.list_webhook_attempts(&m0.id).await).len(), 1);
    let due = ok(store.claim_webhook_messages(T0 + 5_000, T0 + 70_000, 50).await);
    let due_ids: Vec<&str> = due.iter().map(|c| c.message.id.as_str()).collect();
    assert_eq!(due_ids, [m1.id.as_str()]);
    assert_eq!(due[0].message.attempts, 2);

    // Replay: a failed message starts over; a pending one is not touched.
    assert_eq!(ok(store.replay_webhook_messages(&m2.endpoint_id, Some(&m1.id), T0 + 6_000).await), 0);
    assert_eq!(ok(store.replay_webhook_messages(&m2.endpoint_id, None, T0 + 6_000).await), 1);
    let m2_now = ok(store.get_webhook_message(&m2.id).await);
    assert_eq!(
        m2_now.map(|m| (m.status, m.attempts, m.next_attempt_at)),
        Some((WebhookMessageStatus::Pending, 0, Some(T0 + 6_000)))
    );

    let stats = ok(store.webhook_outbox_stats().await);
    assert_eq!((stats.pending, stats.delivered, stats.failed), (8, 1, 0));
    assert_eq!(stats.cursor_seq, stats.last_event_seq);

    // Retention prunes finished messages with their attempts; deleting an endpoint takes its messages.
    assert_eq!(ok(store.prune_webhook_messages(T0 + 100).await), 1);
    assert!(ok(store.get_webhook_message(&m0.id).await).is_none());
    assert!(ok(store.list_webhook_attempts(&m0.id).await).is_empty());
    assert!(ok(store.delete_webhook_endpoint("ep_all").await));
    assert!(!ok(store.delete_webhook_endpoint("ep_all").await));
    let (rest, _) =
        ok(store.list_webhook_messages(&WebhookMessageFilter::default(), Page { limit: 100, offset: 0 }).await);
    assert!(rest.iter().all(|m| m.endpoint_id == "ep_created"));
    store.close().await;
}

pub async fn check_webhook_endpoints_round_trip(url: String) {
    let store = open(&url).await;
    let mut e = endpoint("ep_one", Some(&["user.created", "user.deleted"]));
    e.old_secret_sealed = Some("old".into());
    e.old_secret_expires_at = Some(T0 + 5);
    ok(store.insert_webhook_endpoint(&e).await);
    assert!(conflict(store.insert_webhook_endpoint(&e).await).contains("id"));
    assert_eq!(ok(store.get_webhook_endpoint("ep_one").await), Some(e.clone()));
    e.filter_types = None;
    e.disabled = true;
    e.url = "https://example.org/x".into();
    assert!(ok(store.update_webhook_endpoint(&e).await));
    assert_eq!(ok(store.get_webhook_endpoint("ep_one").await), Some(e.clone()));
    assert!(!ok(store.update_webhook_endpoint(&endpoint("ep_missing", None)).await));
    assert!(format!("{e:?}").contains("<redacted>") && !format!("{e:?}").contains("old\""));
    store.close().await;
}

/// Two nodes fanning out at once: every event becomes exactly one message per endpoint.
pub async fn check_concurrent_fan_out(url: String) {
    let a = open(&url).await;
    let b = open(&url).await;
    ok(a.insert_webhook_endpoint(&endpoint("ep_all", None)).await);
    for round in 0..5 {
        append_events(&url, 7).await;
        let (x, y) = tokio::join!(fan_out(&a, T0 + round), fan_out(&b, T0 + round));
        // One of them may have found the cursor held (PostgreSQL) or nothing left to read.
        assert!(x.unwrap_or(0) + y.unwrap_or(0) <= 7);
        while fan_out(&a, T0 + round).await != Some(0) {}
    }
    let (rows, total) =
        ok(a.list_webhook_messages(&WebhookMessageFilter::default(), Page { limit: 500, offset: 0 }).await);
    assert_eq!(total, 35);
    let events: HashSet<&str> = rows.iter().map(|m| m.event_id.as_str()).collect();
    assert_eq!(events.len(), 35, "an event was fanned out twice");
    a.close().await;
    b.close().await;
}
