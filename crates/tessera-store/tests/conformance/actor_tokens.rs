//! Checks of `ActorTokenStore`: redeeming (token `accepted` + its session) and revoking (token +
//! its session) are each one transaction, and a token is redeemed at most once, even by concurrent
//! redeems on two pools.

use tessera_core::store::{ActorTokenRecord, ActorTokenStore};
use tessera_types::ActorTokenStatus;

use crate::fixtures::*;

/// A pending token for `user_a`, redeemable until `T0 + 60_000`.
fn token(id: &str) -> ActorTokenRecord {
    ActorTokenRecord {
        id: id.into(),
        user_id: "user_a".into(),
        actor: obj(json!({"sub": "user_admin", "iss": "https://admin.example.com"})),
        status: ActorTokenStatus::Pending,
        token_hash: format!("hash-of-{id}"),
        expires_at: T0 + 60_000,
        session_max_duration_seconds: 1800,
        session_id: None,
        created_at: T0,
        updated_at: T0,
    }
}

/// The session a redeem at `T0 + at` makes.
fn impersonation(id: &str, at: i64) -> Session {
    let mut s = session(
        id,
        "user_a",
        &format!("client_{id}"),
        SessionStatus::Active,
        at,
        T0 + at + 1_800_000,
        T0 + at + 1_800_000,
    );
    s.actor = Some(json!({"sub": "user_admin", "iss": "https://admin.example.com"}));
    s
}

async fn stored(store: &dyn Store, id: &str) -> ActorTokenRecord {
    ok(store.get_actor_token(id).await).unwrap_or_else(|| panic!("{id} missing"))
}

pub async fn check_actor_tokens(store: &dyn Store) {
    let t = token("act_1");
    ok(store.insert_actor_token(&t).await);
    assert_eq!(stored(store, "act_1").await, t, "every field round-trips");
    assert_eq!(ok(store.get_actor_token("act_nope").await), None);
    assert_eq!(conflict(store.insert_actor_token(&t).await), "id");

    // Redeem: the token is accepted with the session's id, and the session (with its actor) exists.
    let s = impersonation("sess_imp1", 10);
    assert!(ok(store.redeem_actor_token("act_1", &s, T0 + 10).await));
    let accepted = stored(store, "act_1").await;
    assert_eq!(
        accepted,
        ActorTokenRecord {
            status: ActorTokenStatus::Accepted,
            session_id: Some("sess_imp1".into()),
            updated_at: T0 + 10,
            ..t.clone()
        }
    );
    assert_eq!(stored_session(store, "sess_imp1").await, s);
    // Once only: a second redeem writes nothing.
    assert!(!ok(store.redeem_actor_token("act_1", &impersonation("sess_imp2", 20), T0 + 20).await));
    assert_eq!(ok(store.get_session("sess_imp2").await), None);
    assert_eq!(stored(store, "act_1").await, accepted);

    // Expired (at exactly expires_at too), or revoked: nothing is written.
    ok(store.insert_actor_token(&token("act_2")).await);
    assert!(!ok(store.redeem_actor_token("act_2", &impersonation("sess_imp3", 60_000), T0 + 60_000).await));
    assert_eq!(ok(store.get_session("sess_imp3").await), None);
    assert_eq!(stored(store, "act_2").await.status, ActorTokenStatus::Pending);
    assert!(!ok(store.redeem_actor_token("act_nope", &impersonation("sess_imp3", 1), T0 + 1).await));

    // Revoking a pending token: revoked, no session touched.
    let r = ok(store.revoke_actor_token("act_2", T0 + 70_000).await).unwrap_or_else(|| panic!("act_2 missing"));
    assert_eq!((r.status, r.updated_at, r.session_id), (ActorTokenStatus::Revoked, T0 + 70_000, None));
    assert!(
        !ok(store.redeem_actor_token("act_2", &impersonation("sess_imp3", 1), T0 + 1).await),
        "revoked stays revoked"
    );
    // Revoking again leaves it as it was.
    let again = ok(store.revoke_actor_token("act_2", T0 + 80_000).await);
    assert_eq!(again.map(|r| (r.status, r.updated_at)), Some((ActorTokenStatus::Revoked, T0 + 70_000)));
    assert_eq!(ok(store.revoke_actor_token("act_nope", T0).await), None);

    // Revoking an accepted token revokes its live session in the same write; other sessions of the
    // user are untouched.
    let own = session("sess_own", "user_a", "client_own", SessionStatus::Active, 5, T0 + 10_000_000, T0 + 10_000_000);
    ok(store.insert_session(&own).await);
    let r = ok(store.revoke_actor_token("act_1", T0 + 100).await).unwrap_or_else(|| panic!("act_1 missing"));
    assert_eq!((r.status, r.session_id.as_deref()), (ActorTokenStatus::Revoked, Some("sess_imp1")));
    let ended = stored_session(store, "sess_imp1").await;
    assert_eq!((ended.status, ended.updated_at, ended.actor), (SessionStatus::Revoked, T0 + 100, s.actor.clone()));
    assert_eq!(stored_session(store, "sess_own").await, own);

    // A session that already ended (here: expired) is left as it is.
    ok(store.insert_actor_token(&token("act_3")).await);
    let s3 = impersonation("sess_imp4", 30);
    assert!(ok(store.redeem_actor_token("act_3", &s3, T0 + 30).await));
    let late = s3.expire_at + 1;
    let r = ok(store.revoke_actor_token("act_3", late).await).unwrap_or_else(|| panic!("act_3 missing"));
    assert_eq!(r.status, ActorTokenStatus::Revoked);
    assert_eq!(stored_session(store, "sess_imp4").await, s3, "an expired session is not rewritten");
}

/// Redeeming is one transaction: when the session cannot be inserted (its id is taken), the token
/// stays pending.
pub async fn check_redeem_is_atomic(store: &dyn Store) {
    let taken = session("sess_taken", "user_b", "client_b", SessionStatus::Active, 1, T0 + 1_000_000, T0 + 1_000_000);
    ok(store.insert_session(&taken).await);
    ok(store.insert_actor_token(&token("act_1")).await);
    let clash = impersonation("sess_taken", 10);
    assert_eq!(conflict(store.redeem_actor_token("act_1", &clash, T0 + 10).await), "id");
    assert_eq!(stored(store, "act_1").await, token("act_1"), "the token is still pending, untouched");
    assert_eq!(stored_session(store, "sess_taken").await, taken);
    assert!(ok(store.redeem_actor_token("act_1", &impersonation("sess_ok", 20), T0 + 20).await));
}

/// Concurrent redeems of one token through two pools (two nodes): exactly one succeeds and exactly
/// one session exists; a revoke racing redeems leaves no live session behind.
pub async fn check_concurrent_redeems(url: String) {
    let a = open(&url).await;
    let b = open(&url).await;
    for round in 0..4 {
        let id = format!("act_{round}");
        ok(a.insert_actor_token(&token(&id)).await);
        let mut tasks = tokio::task::JoinSet::new();
        for n in 0..8 {
            let store = if n % 2 == 0 { a.clone() } else { b.clone() };
            let (id, sid) = (id.clone(), format!("sess_{round}_{n}"));
            tasks.spawn(async move {
                if n == 7 && round % 2 == 1 {
                    store.revoke_actor_token(&id, T0 + 5).await.map(|_| false)
                } else {
                    store.redeem_actor_token(&id, &impersonation(&sid, 5), T0 + 5).await
                }
            });
        }
        let mut redeemed = 0;
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok(result) => redeemed += usize::from(ok(result)),
                Err(e) => panic!("redeem task failed: {e}"),
            }
        }
        let t = stored(&a, &id).await;
        let (sessions, total) = sessions_where(&b, Some("user_a"), None, None, T0 + 5, ALL).await;
        let mine: Vec<&Session> = sessions.iter().filter(|s| s.id.starts_with(&format!("sess_{round}_"))).collect();
        if round % 2 == 0 {
            assert_eq!((redeemed, t.status), (1, ActorTokenStatus::Accepted), "round {round}");
            assert_eq!(mine.len(), 1, "round {round}: {total} sessions");
            assert_eq!(t.session_id.as_deref(), Some(mine[0].id.as_str()));
        } else {
            // Revoked, either before any redeem (none succeeded) or after one (its session revoked).
            assert_eq!(t.status, ActorTokenStatus::Revoked, "round {round}");
            assert!(redeemed <= 1 && mine.len() == redeemed, "round {round}");
            assert!(mine.iter().all(|s| s.status == SessionStatus::Revoked), "round {round}: {mine:?}");
        }
    }
    a.close().await;
    b.close().await;
}
