//! Checks of `SessionClaimsStore` and of the session claims in `Store::load_mint`.

use crate::fixtures::*;

fn record(claims: Value, created_at: i64, updated_at: i64) -> SessionClaimsRecord {
    SessionClaimsRecord { claims: obj(claims), created_at, updated_at }
}

/// The singleton: absent until set, stored exactly as given (nested values, unicode, shortcodes),
/// replaced whole by the next put, gone after a delete.
pub async fn check_session_claims(store: &dyn Store) {
    assert_eq!(ok(store.get_session_claims().await), None);
    assert!(!ok(store.delete_session_claims().await));

    let first = record(
        json!({"aud": "app", "email": "{{user.primary_email_address}}", "n": [1, 2.5, null, {"deep": true}],
               "emoji": "✓ ünïcode", "https://example.com/claims": {"role": "{{org.role || 'none'}}"}}),
        T0,
        T0,
    );
    ok(store.put_session_claims(&first).await);
    assert_eq!(ok(store.get_session_claims().await), Some(first.clone()));

    let second = record(json!({"plan": "{{user.public_metadata.plan}}"}), T0 + 5, T0 + 10);
    ok(store.put_session_claims(&second).await);
    assert_eq!(ok(store.get_session_claims().await), Some(second.clone()));

    let empty = record(json!({}), T0 + 5, T0 + 11);
    ok(store.put_session_claims(&empty).await);
    assert_eq!(ok(store.get_session_claims().await), Some(empty));

    assert!(ok(store.delete_session_claims().await));
    assert!(!ok(store.delete_session_claims().await));
    assert_eq!(ok(store.get_session_claims().await), None);
    ok(store.put_session_claims(&second).await);
    assert_eq!(ok(store.get_session_claims().await), Some(second));
}

/// Every mint read carries the session claims as stored at that moment, with or without a template
/// (found or not) and with or without an active organization.
pub async fn check_load_mint_reads_session_claims(store: &dyn Store) {
    let live = T0 + 1_000_000;
    ok(store.insert_user(&user(1)).await);
    ok(store.insert_organization(&org(1, "Acme", "acme"), Some(&membership("orgmem_1", "org_01", "user_01", 5))).await);
    ok(store.insert_template(&template(1, "alpha")).await);
    let plain = session("sess_1", "user_01", "client_1", SessionStatus::Active, 1, live, live);
    let mut in_org = session("sess_2", "user_01", "client_1", SessionStatus::Active, 2, live, live);
    in_org.last_active_organization_id = Some("org_01".into());
    ok(store.insert_session(&plain).await);
    ok(store.insert_session(&in_org).await);

    let reads = [("sess_1", None), ("sess_1", Some("alpha")), ("sess_2", None), ("sess_2", Some("nope"))];
    for (s, t) in reads {
        let r = ok(store.load_mint(s, t).await).map(|r| r.session_claims);
        assert_eq!(r, Some(None), "{s} {t:?}: no claims set yet");
    }
    let v1 = record(json!({"v": "one"}), T0, T0);
    ok(store.put_session_claims(&v1).await);
    for (s, t) in reads {
        let r = ok(store.load_mint(s, t).await).map(|r| r.session_claims);
        assert_eq!(r, Some(Some(v1.clone())), "{s} {t:?}");
    }
    // The rest of the read is unchanged by the join.
    let r = ok(store.load_mint("sess_2", Some("alpha")).await).expect("the session exists");
    assert_eq!((r.session.id.as_str(), r.template.is_some(), r.active.is_some()), ("sess_2", true, true));

    let v2 = record(json!({"v": "two"}), T0, T0 + 1);
    ok(store.put_session_claims(&v2).await);
    let r = ok(store.load_mint("sess_1", None).await).and_then(|r| r.session_claims);
    assert_eq!(r, Some(v2));
    assert!(ok(store.delete_session_claims().await));
    let r = ok(store.load_mint("sess_1", None).await).map(|r| r.session_claims);
    assert_eq!(r, Some(None));
    assert_eq!(ok(store.load_mint("sess_nope", None).await), None);
}

/// Two nodes writing different claims at once leave one whole record, never a mix of the two.
pub async fn check_concurrent_session_claims_writes(url: String) {
    let a = open(&url).await;
    let b = open(&url).await;
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..20i64 {
        let store = if n % 2 == 0 { a.clone() } else { b.clone() };
        tasks.spawn(async move {
            let rec = record(json!({"writer": n, "copy": n}), T0 + n, T0 + n);
            store.put_session_claims(&rec).await
        });
    }
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(result) => ok(result),
            Err(e) => panic!("writer task failed: {e}"),
        }
    }
    let Some(rec) = ok(b.get_session_claims().await) else {
        panic!("no session claims after 20 writes");
    };
    let n = rec.claims["writer"].as_i64().expect("a writer number");
    assert_eq!(rec, record(json!({"writer": n, "copy": n}), T0 + n, T0 + n));
    a.close().await;
    b.close().await;
}
