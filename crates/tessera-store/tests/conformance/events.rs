//! Checks of the event log: every write appends its events in its own transaction, numbered without
//! gaps and in commit order, with the object the API returns as `data`.

use std::collections::BTreeSet;

use tessera_core::store::{EventRecord, EventStore};

use crate::fixtures::*;

async fn all_events(store: &dyn Store) -> Vec<EventRecord> {
    ok(store.events_after(0, 10_000).await)
}

fn types(events: &[EventRecord]) -> Vec<&str> {
    events.iter().map(|e| e.event_type.as_str()).collect()
}

/// Writes append Clerk's event types with the written objects, in write order; seq is 1, 2, 3, …;
/// a write that fails (a conflict, a missing row) appends nothing; reads page through the log.
pub async fn check_writes_append_their_events(store: &dyn Store) {
    assert_eq!(ok(store.last_event_seq().await), 0);
    assert!(all_events(store).await.is_empty());

    let ada = email(user(1), "ada@example.com");
    ok(store.insert_user(&ada).await);
    let mut renamed = ada.clone();
    renamed.first_name = Some("Augusta".into());
    assert!(ok(store.update_user(&renamed).await));
    // A conflicting insert and an update of a missing user append nothing.
    conflict(store.insert_user(&ada).await);
    assert!(!ok(store.update_user(&user(9)).await));

    ok(store.insert_organization(&org(1, "Acme", "acme"), Some(&membership("orgmem_1", "org_01", "user_01", 5))).await);
    let live = T0 + 1_000_000;
    let s = session("sess_1", "user_01", "client_1", SessionStatus::Active, 1, live, live);
    ok(store.insert_session(&s).await);
    ok(store.end_session("sess_1", SessionStatus::Revoked, T0 + 10).await);
    assert!(ok(store.delete_membership("org_01", "user_01").await));
    assert!(!ok(store.delete_membership("org_01", "user_01").await));
    ok(store.insert_template(&template(1, "alpha")).await);
    assert!(ok(store.delete_organization("org_01").await));
    assert!(ok(store.delete_user("user_01", T0 + 20).await));

    let events = all_events(store).await;
    assert_eq!(
        types(&events),
        [
            "user.created",
            "user.updated",
            "organization.created",
            "organizationMembership.created",
            "session.created",
            "session.revoked",
            "organizationMembership.deleted",
            "tessera.jwt_template.changed",
            "organization.deleted",
            "user.deleted",
        ]
    );
    let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=events.len() as i64).collect::<Vec<_>>());
    assert_eq!(ok(store.last_event_seq().await), events.len() as i64);
    let ids: BTreeSet<&str> = events.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.len(), events.len());
    assert!(ids.iter().all(|id| id.starts_with("msg_") && id.len() == 31), "{ids:?}");

    // `data` is the object written, as the API shows it.
    assert_eq!(events[0].data["object"], "user");
    assert_eq!(events[0].data["id"], "user_01");
    assert_eq!(events[0].data["email_addresses"][0]["email_address"], "ada@example.com");
    assert_eq!(events[1].data["first_name"], "Augusta");
    assert_eq!(events[2].data["id"], "org_01");
    assert_eq!(events[2].data["members_count"], 1);
    let m = &events[3].data;
    assert_eq!(m["object"], "organization_membership");
    assert_eq!(m["id"], "orgmem_1");
    assert_eq!(m["role"], "org:member");
    assert_eq!(m["organization"]["id"], "org_01");
    assert_eq!(m["public_user_data"]["user_id"], "user_01");
    assert_eq!(events[4].data["id"], "sess_1");
    assert_eq!(events[4].data["status"], "active");
    assert_eq!(events[5].data["status"], "revoked");
    assert_eq!(events[6].data["id"], "orgmem_1", "a deleted membership carries the membership as it was");
    assert_eq!(events[7].data, json!({"id": "jtmp_01"}));
    assert_eq!(events[8].data, json!({"object": "organization", "id": "org_01", "deleted": true}));
    assert_eq!(events[9].data, json!({"object": "user", "id": "user_01", "deleted": true}));
    assert!(events.windows(2).all(|w| w[0].created_at <= w[1].created_at));

    // Paging through the log.
    let page1 = ok(store.events_after(0, 3).await);
    let page2 = ok(store.events_after(page1[2].seq, 3).await);
    assert_eq!(page1.iter().chain(&page2).cloned().collect::<Vec<_>>(), events[..6].to_vec());
    assert!(ok(store.events_after(events.len() as i64, 10).await).is_empty());

    // Pruning removes only what is both followed (seq ≤ upto) and old enough.
    assert_eq!(ok(store.prune_events(4, 0).await), 0, "nothing was written before epoch 0");
    let cutoff = events[9].created_at + 1;
    assert_eq!(ok(store.prune_events(4, cutoff).await), 4);
    let left = all_events(store).await;
    assert_eq!(left.first().map(|e| e.seq), Some(5));
    assert_eq!(ok(store.last_event_seq().await), 10, "the counter never goes back");
}

/// A ban revokes the user's live sessions in its transaction, and says so: `user.updated` then one
/// `session.revoked` per live session (an already ended session gets nothing).
pub async fn check_ban_appends_session_events(store: &dyn Store) {
    ok(store.insert_user(&user(1)).await);
    let live = T0 + 1_000_000;
    for (id, status) in
        [("sess_a", SessionStatus::Active), ("sess_b", SessionStatus::Active), ("sess_c", SessionStatus::Ended)]
    {
        ok(store.insert_session(&session(id, "user_01", "client_1", status, 1, live, live)).await);
    }
    let before = ok(store.last_event_seq().await);
    let mut banned = user(1);
    banned.banned = true;
    assert!(ok(store.ban_user(&banned, T0 + 10).await));
    let events = ok(store.events_after(before, 100).await);
    assert_eq!(types(&events), ["user.updated", "session.revoked", "session.revoked"]);
    assert_eq!(events[0].data["banned"], true);
    let revoked: BTreeSet<&str> = events[1..].iter().filter_map(|e| e.data["id"].as_str()).collect();
    assert_eq!(revoked, BTreeSet::from(["sess_a", "sess_b"]));
}

/// Writers on two pools at once, while a follower reads `seq > cursor` as the log grows: every event
/// is numbered once, without gaps, and the follower sees every one of them (a number handed out out
/// of commit order would make it skip one).
pub async fn check_concurrent_writers_and_a_follower(url: String) {
    const WRITERS: u32 = 8;
    const EACH: u32 = 12;
    let a = open(&url).await;
    let b = open(&url).await;
    let follower = open(&url).await;
    let total = i64::from(WRITERS * EACH);
    let follow = tokio::spawn(async move {
        let mut cursor = 0;
        let mut seen = Vec::new();
        while (seen.len() as i64) < total {
            let batch = ok(follower.events_after(cursor, 7).await);
            for e in &batch {
                assert_eq!(e.seq, cursor + 1, "the follower must never skip a number");
                cursor = e.seq;
                seen.push(e.data["id"].as_str().unwrap_or_default().to_owned());
            }
            if batch.is_empty() {
                tokio::time::sleep(std::time::Duration::from_millis(2)).await;
            }
        }
        follower.close().await;
        seen
    });
    let mut tasks = tokio::task::JoinSet::new();
    for w in 0..WRITERS {
        let store = if w % 2 == 0 { a.clone() } else { b.clone() };
        tasks.spawn(async move {
            for i in 0..EACH {
                store.insert_user(&user(100 + w * EACH + i)).await?;
            }
            StoreResult::Ok(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok(r) => ok(r),
            Err(e) => panic!("writer task: {e}"),
        }
    }
    let seen = match follow.await {
        Ok(s) => s,
        Err(e) => panic!("follower: {e}"),
    };
    let distinct: BTreeSet<&String> = seen.iter().collect();
    assert_eq!(distinct.len() as i64, total);
    assert_eq!(ok(a.last_event_seq().await), total);
    a.close().await;
    b.close().await;
}

/// Waits (at most 10 s) for the listener's next wake-up.
async fn woken(listener: &mut Box<dyn tessera_core::store::EventListener>) -> StoreResult<i64> {
    match tokio::time::timeout(std::time::Duration::from_secs(10), listener.next()).await {
        Ok(r) => r,
        Err(_) => panic!("no wake-up within 10 s"),
    }
}

/// PostgreSQL: a listener is woken when a write on another connection commits its events, with the
/// last `seq` of that write; a listener whose connection is cut says so instead of waiting forever,
/// and a new one hears the next write. SQLite has no listener (followers poll).
pub async fn check_appends_wake_a_listener(url: String) {
    let writer = open(&url).await;
    let listening = open(&url).await;
    let Some(mut listener) = ok(listening.listen_events().await) else {
        assert_eq!(listening.backend_name(), "sqlite", "only SQLite has no listener");
        return;
    };
    ok(writer.insert_user(&user(1)).await);
    assert_eq!(ok(woken(&mut listener).await), ok(writer.last_event_seq().await));
    for n in 2..=4 {
        ok(writer.insert_user(&user(n)).await);
    }
    // One wake-up per committed write, in commit order, each naming its last event.
    let mut heard = Vec::new();
    for _ in 2..=4 {
        heard.push(ok(woken(&mut listener).await));
    }
    assert_eq!(heard, [2, 3, 4]);

    // The listener's connection is cut (as by a restart or a proxy): it reports it.
    let cut = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
               WHERE application_name = 'tessera-change-feed' AND datname = current_database()";
    ok(tessera_store::admin_execute(&url, cut).await);
    assert!(woken(&mut listener).await.is_err(), "a lost listener reports it");
    drop(listener);
    let mut again = match ok(listening.listen_events().await) {
        Some(l) => l,
        None => panic!("PostgreSQL listens"),
    };
    ok(writer.insert_user(&user(5)).await);
    assert_eq!(ok(woken(&mut again).await), 5);
    drop(again);
    writer.close().await;
    listening.close().await;
}
