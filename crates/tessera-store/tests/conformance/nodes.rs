//! Checks that need more than one connection or pool on one database (several nodes).

use crate::fixtures::*;

/// Two nodes creating the instance at the same time agree on one instance and one first key.
pub async fn check_instance_race(url: String) {
    let a = open(&url).await;
    let b = open(&url).await;
    let ia = instance("ins_a");
    let ib = instance("ins_b");
    let ka = signing_key("ins_a", T0);
    let kb = signing_key("ins_b", T0);
    let (ra, rb) = tokio::join!(a.create_instance(&ia, &ka), b.create_instance(&ib, &kb));
    let (ra, rb) = (ok(ra), ok(rb));
    assert_eq!(ra, rb);
    assert!(ra == ia || ra == ib);
    let keys = ok(b.list_signing_keys().await);
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].kid, ra.id);
    a.close().await;
    b.close().await;
}

/// Many concurrent writers through two pools on one database: none fails (no SQLITE_BUSY).
pub async fn check_concurrent_writes(url: String) {
    let a = open(&url).await;
    let b = open(&url).await;
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..40u32 {
        let store = if n % 2 == 0 { a.clone() } else { b.clone() };
        tasks.spawn(async move {
            let u = email(user(n + 10), &format!("u{n}@example.com"));
            store.insert_user(&u).await?;
            let live = T0 + 1_000_000;
            let s = session(&format!("sess_{n}"), &u.id, "client", SessionStatus::Active, i64::from(n), live, live);
            store.insert_session(&s).await?;
            let mut banned = u.clone();
            banned.banned = true;
            store.ban_user(&banned, T0 + 10).await?;
            StoreResult::Ok(())
        });
    }
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(result) => ok(result),
            Err(e) => panic!("writer task failed: {e}"),
        }
    }
    let filter = UserFilter { banned: Some(true), ..Default::default() };
    assert_eq!(ok(a.count_users(&filter).await), 40);
    let (_, revoked) = sessions_where(&b, None, None, Some(SessionStatus::Revoked), T0, ALL).await;
    assert_eq!(revoked, 40);
    a.close().await;
    b.close().await;
}

/// Data written through one connection is there after reconnecting (and migrations re-run cleanly).
pub async fn check_persistence_across_reconnect(url: String) {
    let u = email(user(1), "persist@example.com");
    let t = template(1, "persisted");
    let inst = instance("ins_persist");
    {
        let store = open(&url).await;
        ok(store.insert_user(&u).await);
        ok(store.insert_template(&t).await);
        ok(store.create_instance(&inst, &signing_key("ins_persist", T0)).await);
        store.close().await;
    }
    let store = open(&url).await;
    assert_eq!(ok(store.get_user("user_01").await), Some(u));
    assert_eq!(ok(store.get_template_by_name("persisted").await), Some(t));
    assert_eq!(ok(store.get_instance().await), Some(inst));
    assert_eq!(ok(store.integrity_check().await), ["ok"]);
    store.close().await;
}

/// `reseal_keys` is one transaction: when a template update fails (a trigger refuses the value
/// `refuse`) after a signing key was updated, neither is changed.
pub async fn check_reseal_is_atomic(url: String) {
    let store = open(&url).await;
    let key = signing_key("ins_1", T0);
    ok(store.create_instance(&instance("ins_1"), &key).await);
    let mut t = template(1, "one");
    t.template.custom_signing_key = true;
    t.signing_key_sealed = Some("old-one".into());
    ok(store.insert_template(&t).await);
    let trigger: &[&str] = match store.backend_name() {
        "sqlite" => &["CREATE TRIGGER refuse_reseal BEFORE UPDATE OF signing_key_sealed ON jwt_templates \
                       WHEN NEW.signing_key_sealed = 'refuse' BEGIN SELECT RAISE(ABORT, 'refused'); END"],
        _ => &[
            "CREATE FUNCTION refuse_reseal() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
             IF NEW.signing_key_sealed = 'refuse' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$",
            "CREATE TRIGGER refuse_reseal BEFORE UPDATE ON jwt_templates FOR EACH ROW EXECUTE FUNCTION refuse_reseal()",
        ],
    };
    for sql in trigger {
        ok(tessera_store::admin_execute(&url, sql).await);
    }

    let signing = [("ins_1".to_string(), "new-ins_1".to_string())];
    let refused = store.reseal_keys(&signing, &[("jtmp_01".into(), "refuse".into())]).await;
    assert!(matches!(refused, Err(StoreError::Backend(_))), "the trigger refuses the update: {refused:?}");
    assert_eq!(
        ok(store.list_signing_keys().await),
        std::slice::from_ref(&key),
        "a failed reseal changed a signing key"
    );
    assert_eq!(ok(store.get_template("jtmp_01").await), Some(t.clone()));
    // The same call without the refused value goes through.
    ok(store.reseal_keys(&signing, &[("jtmp_01".into(), "new-one".into())]).await);
    assert_eq!(ok(store.list_signing_keys().await)[0].private_key_sealed, "new-ins_1");
    store.close().await;
}
