//! Checks of `MachineStore`: machines with their scopes (one transaction), secret rotation with a
//! grace period, deletion taking scopes and tokens along, M2M tokens and API keys (round trips,
//! lookups by hash, lists with their filters, revocation keeping the first reason), and concurrent
//! revokes and verifies on two pools.

use tessera_core::store::{
    ApiKeyFilter, ApiKeyRecord, M2MTokenRecord, MachineFilter, MachineOrder, MachineRecord, MachineStore,
};

use crate::fixtures::*;

fn machine(id: &str, name: &str, at: i64) -> MachineRecord {
    MachineRecord {
        id: id.into(),
        name: name.into(),
        default_token_ttl: 3600,
        secret_hash: format!("hash-{id}"),
        secret_sealed: format!("sealed-{id}"),
        previous_secret_hash: None,
        previous_secret_expires_at: None,
        created_at: at,
        updated_at: at,
    }
}

fn token(id: &str, machine_id: &str, at: i64, expiration: i64) -> M2MTokenRecord {
    M2MTokenRecord {
        id: id.into(),
        machine_id: machine_id.into(),
        token_hash: format!("hash-{id}"),
        claims: Some(json!({"job": "sync"})),
        scopes: vec!["mch_b".into()],
        revoked: false,
        revocation_reason: None,
        expiration: Some(expiration),
        last_used_at: None,
        created_at: at,
        updated_at: at,
    }
}

fn api_key(id: &str, subject: &str, at: i64) -> ApiKeyRecord {
    ApiKeyRecord {
        id: id.into(),
        key_type: "api_key".into(),
        name: format!("key {id}"),
        description: Some("for CI".into()),
        subject: subject.into(),
        claims: None,
        scopes: vec!["read".into()],
        secret_hash: format!("hash-{id}"),
        secret_sealed: format!("sealed-{id}"),
        revoked: false,
        revocation_reason: None,
        expiration: None,
        created_by: None,
        last_used_at: None,
        created_at: at,
        updated_at: at,
    }
}

fn filter(query: Option<&str>, order: MachineOrder, descending: bool) -> MachineFilter {
    MachineFilter { query: query.map(str::to_owned), order, descending }
}

pub async fn check_machines_and_scopes(store: &dyn Store) {
    let a = machine("mch_a", "Alpha", T0);
    let b = machine("mch_b", "beta", T0 + 1);
    ok(store.insert_machine(&a, &[]).await);
    ok(store.insert_machine(&b, std::slice::from_ref(&a.id)).await);
    let got = ok(store.get_machine("mch_b").await).unwrap();
    assert_eq!((got.machine.clone(), got.scoped.clone()), (b.clone(), vec![a.clone()]), "every field round-trips");
    let same_id = MachineRecord { secret_hash: "other".into(), ..a.clone() };
    assert_eq!(conflict(store.insert_machine(&same_id, &[]).await), "id");
    let same_secret = MachineRecord { id: "mch_z".into(), ..a.clone() };
    assert_eq!(conflict(store.insert_machine(&same_secret, &[]).await), "secret");
    // A scope to a machine that does not exist fails the whole insert.
    assert!(store.insert_machine(&machine("mch_c", "c", T0), &["mch_nope".into()]).await.is_err());
    assert_eq!(ok(store.get_machine("mch_c").await), None);
    assert_eq!(ok(store.existing_machine_ids(&["mch_a".into(), "mch_x".into()]).await), vec!["mch_a".to_owned()]);

    let (v, total) = ok(store.list_machines(&filter(None, MachineOrder::CreatedAt, true), ALL).await);
    assert_eq!((v.iter().map(|m| m.machine.id.as_str()).collect::<Vec<_>>(), total), (vec!["mch_b", "mch_a"], 2));
    let (v, _) = ok(store.list_machines(&filter(Some("ALP"), MachineOrder::Name, false), ALL).await);
    assert_eq!(v.iter().map(|m| m.machine.id.as_str()).collect::<Vec<_>>(), vec!["mch_a"]);
    let (v, total) = ok(store.list_machines(&filter(Some("mch_b"), MachineOrder::Name, false), page(1, 0)).await);
    assert_eq!((v[0].scoped.len(), total), (1, 1));

    let updated = MachineRecord { name: "gamma".into(), default_token_ttl: 5, updated_at: T0 + 9, ..a.clone() };
    assert!(ok(store.update_machine(&updated).await));
    assert_eq!(ok(store.get_machine("mch_a").await).unwrap().machine, updated);
    assert!(!ok(store.update_machine(&machine("mch_nope", "x", T0)).await));

    assert_eq!(conflict(store.insert_machine_scope("mch_b", "mch_a", T0).await), "machine_scope");
    ok(store.insert_machine_scope("mch_a", "mch_b", T0 + 2).await);
    assert!(ok(store.delete_machine_scope("mch_a", "mch_b").await));
    assert!(!ok(store.delete_machine_scope("mch_a", "mch_b").await));

    // Deleting a machine takes its scopes (both ways) and tokens.
    ok(store.insert_m2m_token(&token("mt_1", "mch_a", T0, T0 + 60_000)).await);
    assert!(ok(store.delete_machine("mch_a").await));
    assert!(!ok(store.delete_machine("mch_a").await));
    assert_eq!(ok(store.get_machine("mch_b").await).unwrap().scoped, vec![]);
    assert_eq!(ok(store.get_m2m_token("mt_1").await), None);
}

pub async fn check_machine_secret_rotation(store: &dyn Store) {
    ok(store.insert_machine(&machine("mch_a", "a", T0), &[]).await);
    let found =
        |hash: &'static str, now: i64| async move { ok(store.find_machine_by_secret(hash, now).await).map(|m| m.id) };
    assert_eq!(found("hash-mch_a", T0).await.as_deref(), Some("mch_a"));
    assert!(ok(store.rotate_machine_secret("mch_a", "hash-2", "sealed-2", Some(T0 + 60_000), T0).await));
    let m = ok(store.get_machine("mch_a").await).unwrap().machine;
    assert_eq!((m.secret_hash.as_str(), m.secret_sealed.as_str(), m.updated_at), ("hash-2", "sealed-2", T0));
    assert_eq!(found("hash-2", T0).await.as_deref(), Some("mch_a"));
    assert_eq!(
        found("hash-mch_a", T0 + 59_999).await.as_deref(),
        Some("mch_a"),
        "the previous key, in its grace period"
    );
    assert_eq!(found("hash-mch_a", T0 + 60_000).await, None, "and not after it");
    assert!(ok(store.rotate_machine_secret("mch_a", "hash-3", "sealed-3", None, T0 + 1).await));
    assert_eq!(found("hash-2", T0 + 1).await, None, "no grace period");
    assert!(!ok(store.rotate_machine_secret("mch_nope", "h", "s", None, T0).await));

    // Master key rotation: every sealed secret is read and replaced in one call.
    ok(store.insert_api_key(&api_key("ak_1", "user_a", T0)).await);
    let (machines, keys) = ok(store.sealed_machine_secrets().await);
    assert_eq!(
        (machines, keys.clone()),
        (vec![("mch_a".into(), "sealed-3".into())], vec![("ak_1".into(), "sealed-ak_1".into())])
    );
    ok(store.reseal_machine_secrets(&[("mch_a".into(), "new-m".into())], &[("ak_1".into(), "new-k".into())]).await);
    assert_eq!(ok(store.get_machine("mch_a").await).unwrap().machine.secret_sealed, "new-m");
    assert_eq!(ok(store.get_api_key("ak_1").await).unwrap().secret_sealed, "new-k");
}

pub async fn check_m2m_tokens(store: &dyn Store) {
    ok(store.insert_machine(&machine("mch_a", "a", T0), &[]).await);
    let t1 = token("mt_1", "mch_a", T0, T0 + 10_000);
    let t2 = M2MTokenRecord { claims: None, scopes: vec![], ..token("mt_2", "mch_a", T0 + 1, T0 + 60_000) };
    ok(store.insert_m2m_token(&t1).await);
    ok(store.insert_m2m_token(&t2).await);
    assert_eq!(ok(store.get_m2m_token("mt_1").await), Some(t1.clone()), "every field round-trips");
    assert_eq!(ok(store.find_m2m_token("hash-mt_2").await), Some(t2.clone()));
    assert_eq!(ok(store.find_m2m_token("hash-nope").await), None);
    assert_eq!(conflict(store.insert_m2m_token(&t1).await), "id");

    let ids = |v: Vec<M2MTokenRecord>| v.into_iter().map(|t| t.id).collect::<Vec<_>>();
    let (v, total) = ok(store.list_m2m_tokens("mch_a", false, false, T0 + 5, ALL).await);
    assert_eq!((ids(v), total), (vec!["mt_2".to_owned(), "mt_1".to_owned()], 2), "newest first");
    let (v, _) = ok(store.list_m2m_tokens("mch_a", false, false, T0 + 10_000, ALL).await);
    assert_eq!(ids(v), vec!["mt_2".to_owned()], "expired ones only on request");
    let (_, total) = ok(store.list_m2m_tokens("mch_a", false, true, T0 + 10_000, ALL).await);
    assert_eq!(total, 2);

    let r = ok(store.revoke_m2m_token("mt_2", Some("leaked"), T0 + 7).await).unwrap();
    assert_eq!((r.revoked, r.revocation_reason.as_deref(), r.updated_at), (true, Some("leaked"), T0 + 7));
    let again = ok(store.revoke_m2m_token("mt_2", Some("other"), T0 + 8).await).unwrap();
    assert_eq!(
        (again.revocation_reason.as_deref(), again.updated_at),
        (Some("leaked"), T0 + 7),
        "the first reason stays"
    );
    assert_eq!(ok(store.revoke_m2m_token("mt_nope", None, T0).await), None);
    let (_, total) = ok(store.list_m2m_tokens("mch_a", false, false, T0 + 5, ALL).await);
    assert_eq!(total, 1, "revoked ones only on request");
    let (_, total) = ok(store.list_m2m_tokens("mch_a", true, false, T0 + 5, ALL).await);
    assert_eq!(total, 2);

    ok(store.touch_m2m_token("mt_1", T0 + 3).await);
    assert_eq!(ok(store.get_m2m_token("mt_1").await).unwrap().last_used_at, Some(T0 + 3));
}

pub async fn check_api_keys(store: &dyn Store) {
    let k1 = ApiKeyRecord {
        claims: Some(json!({"plan": "pro"})),
        created_by: Some("user_a".into()),
        expiration: Some(T0 + 10_000),
        ..api_key("ak_1", "user_a", T0)
    };
    let k2 = ApiKeyRecord { description: None, ..api_key("ak_2", "user_a", T0 + 1) };
    let k3 = ApiKeyRecord { key_type: "other".into(), name: "Deploy".into(), ..api_key("ak_3", "user_a", T0 + 2) };
    for k in [&k1, &k2, &k3, &api_key("ak_4", "org_b", T0)] {
        ok(store.insert_api_key(k).await);
    }
    assert_eq!(ok(store.get_api_key("ak_1").await), Some(k1.clone()), "every field round-trips");
    assert_eq!(ok(store.find_api_key("hash-ak_2").await), Some(k2.clone()));
    assert_eq!(conflict(store.insert_api_key(&ApiKeyRecord { secret_hash: "other".into(), ..k1.clone() }).await), "id");

    let list = |key_type: &str, include_invalid: bool, query: Option<&str>, now: i64| {
        let f = ApiKeyFilter {
            subject: "user_a".into(),
            key_type: key_type.into(),
            include_invalid,
            query: query.map(str::to_owned),
        };
        async move {
            let (v, total) = ok(store.list_api_keys(&f, now, ALL).await);
            (v.into_iter().map(|k| k.id).collect::<Vec<_>>(), total)
        }
    };
    assert_eq!(list("api_key", false, None, T0).await, (vec!["ak_2".into(), "ak_1".into()], 2));
    assert_eq!(list("api_key", false, None, T0 + 10_000).await, (vec!["ak_2".into()], 1), "expired: invalid");
    assert_eq!(list("api_key", true, None, T0 + 10_000).await.1, 2);
    assert_eq!(list("other", false, Some("deP"), T0).await, (vec!["ak_3".into()], 1));

    let updated = ApiKeyRecord {
        description: None,
        subject: "org_b".into(),
        claims: None,
        scopes: vec!["read".into(), "write".into()],
        expiration: None,
        updated_at: T0 + 5,
        ..k1.clone()
    };
    assert!(ok(store.update_api_key(&updated).await));
    assert_eq!(ok(store.get_api_key("ak_1").await), Some(updated));
    let r = ok(store.revoke_api_key("ak_2", Some("leaked"), T0 + 6).await).unwrap();
    assert_eq!((r.revoked, r.revocation_reason.as_deref()), (true, Some("leaked")));
    let r = ok(store.revoke_api_key("ak_2", None, T0 + 7).await).unwrap();
    assert_eq!((r.revocation_reason.as_deref(), r.updated_at), (Some("leaked"), T0 + 6));
    assert_eq!(list("api_key", false, None, T0).await.1, 0);
    ok(store.touch_api_key("ak_2", T0 + 9).await);
    assert_eq!(ok(store.get_api_key("ak_2").await).unwrap().last_used_at, Some(T0 + 9));
    assert!(ok(store.delete_api_key("ak_2").await));
    assert!(!ok(store.delete_api_key("ak_2").await));
    assert_eq!(ok(store.find_api_key("hash-ak_2").await), None);
}

/// Revokes on one pool while the other reads the token for verification: once a revoke has returned,
/// every later read on either pool sees the token revoked, and concurrent revokes keep one reason.
pub async fn check_concurrent_revoke_and_verify(url: String) {
    let a = open(&url).await;
    let b = open(&url).await;
    ok(a.insert_machine(&machine("mch_a", "a", T0), &[]).await);
    for round in 0..4 {
        let id = format!("mt_{round}");
        ok(a.insert_m2m_token(&token(&id, "mch_a", T0, T0 + 60_000)).await);
        let mut tasks = tokio::task::JoinSet::new();
        for n in 0..8 {
            let store = if n % 2 == 0 { a.clone() } else { b.clone() };
            let id = id.clone();
            tasks.spawn(async move {
                if n % 4 == 0 {
                    store
                        .revoke_m2m_token(&id, Some(&format!("reason {n}")), T0 + 5)
                        .await
                        .map(|t| t.map(|t| t.revoked))
                } else {
                    store.find_m2m_token(&format!("hash-{id}")).await.map(|t| t.map(|t| t.revoked))
                }
            });
        }
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok(result) => assert!(ok(result).is_some()),
                Err(e) => panic!("task failed: {e}"),
            }
        }
        for store in [&a, &b] {
            let t = ok(store.find_m2m_token(&format!("hash-{id}")).await).unwrap();
            assert!(t.revoked, "round {round}: seen revoked on both pools");
            assert!(matches!(t.revocation_reason.as_deref(), Some("reason 0" | "reason 4")), "{t:?}");
        }
    }
    a.close().await;
    b.close().await;
}
