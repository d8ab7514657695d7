//! Checks of `InstanceStore`: the instance, signing keys, secret keys, resealing.

use crate::fixtures::*;

pub async fn check_ping(store: &dyn Store) {
    ok(store.ping().await);
}

pub async fn check_instance_and_signing_keys(store: &dyn Store) {
    assert_eq!(ok(store.get_instance().await), None);
    assert!(ok(store.list_signing_keys().await).is_empty());

    let first = instance("ins_first");
    let k1 = signing_key("ins_first", T0);
    assert_eq!(ok(store.create_instance(&first, &k1).await), first);
    // A second creation (another node losing the race) gets the first instance back, and its key is
    // not stored.
    let second = instance("ins_second");
    let k2 = signing_key("ins_second", T0 + 1);
    assert_eq!(ok(store.create_instance(&second, &k2).await), first);
    assert_eq!(ok(store.get_instance().await), Some(first.clone()));
    assert_eq!(ok(store.list_signing_keys().await), std::slice::from_ref(&k1));

    let settings = json!({"session_token_version": 1, "org_claims": {"v1": true}});
    ok(store.update_instance_settings(&settings).await);
    let stored = ok(store.get_instance().await);
    assert_eq!(stored.map(|i| i.settings), Some(settings));

    // Keys list in creation order.
    let mut k0 = signing_key("kid_older", T0 - 10);
    k0.alg = "ES256".into();
    k0.active = false;
    let k3 = signing_key("kid_newer", T0 + 10);
    ok(store.insert_signing_key(&k3).await);
    ok(store.insert_signing_key(&k0).await);
    assert_eq!(ok(store.list_signing_keys().await), [k0.clone(), k1.clone(), k3.clone()]);
    assert_eq!(conflict(store.insert_signing_key(&k3).await), "id");

    assert!(ok(store.set_signing_key_active("ins_first", false).await));
    assert!(ok(store.set_signing_key_active("kid_older", true).await));
    assert!(!ok(store.set_signing_key_active("kid_nope", true).await));
    let active: Vec<(String, bool)> =
        ok(store.list_signing_keys().await).into_iter().map(|k| (k.kid, k.active)).collect();
    assert_eq!(
        active,
        [("kid_older".to_string(), true), ("ins_first".to_string(), false), ("kid_newer".to_string(), true)]
    );
}

pub async fn check_secret_keys(store: &dyn Store) {
    assert_eq!(ok(store.count_secret_keys().await), 0);
    let k1 = SecretKeyRecord { id: "sk_1".into(), key_hash: "aa".repeat(32), created_at: T0 };
    let k2 = SecretKeyRecord { id: "sk_2".into(), key_hash: "bb".repeat(32), created_at: T0 + 1 };
    ok(store.insert_secret_key(&k1).await);
    ok(store.insert_secret_key(&k2).await);
    assert_eq!(ok(store.find_secret_key(&"aa".repeat(32)).await), Some(k1.clone()));
    assert_eq!(ok(store.find_secret_key(&"cc".repeat(32)).await), None);
    assert_eq!(ok(store.count_secret_keys().await), 2);
    let same_hash = SecretKeyRecord { id: "sk_3".into(), ..k1.clone() };
    assert_eq!(conflict(store.insert_secret_key(&same_hash).await), "id");
    assert_eq!(ok(store.count_secret_keys().await), 2);
}

/// Secret keys list oldest first (ties by id); a deleted key is no longer found, counted or listed,
/// and the others stay.
pub async fn check_secret_key_listing_and_deletion(store: &dyn Store) {
    assert!(ok(store.list_secret_keys().await).is_empty());
    let key =
        |id: &str, hash: &str, at: i64| SecretKeyRecord { id: id.into(), key_hash: hash.repeat(32), created_at: at };
    let (kb, kc, ka) = (key("sk_b", "bb", T0 + 5), key("sk_c", "cc", T0), key("sk_a", "aa", T0));
    for k in [&kb, &kc, &ka] {
        ok(store.insert_secret_key(k).await);
    }
    assert_eq!(ok(store.list_secret_keys().await), [ka.clone(), kc.clone(), kb.clone()]);

    assert!(ok(store.delete_secret_key("sk_c").await));
    assert!(!ok(store.delete_secret_key("sk_c").await));
    assert!(!ok(store.delete_secret_key("sk_nope").await));
    assert_eq!(ok(store.find_secret_key(&"cc".repeat(32)).await), None);
    assert_eq!(ok(store.find_secret_key(&"aa".repeat(32)).await), Some(ka.clone()));
    assert_eq!(ok(store.count_secret_keys().await), 2);
    assert_eq!(ok(store.list_secret_keys().await), [ka.clone(), kb.clone()]);
    // The hash of a deleted key can be stored again.
    ok(store.insert_secret_key(&key("sk_d", "cc", T0 + 9)).await);
    assert_eq!(ok(store.count_secret_keys().await), 3);
}

/// `reseal_keys` replaces the sealed text of exactly the named signing keys and template keys and
/// nothing else.
pub async fn check_reseal_keys(store: &dyn Store) {
    let k1 = signing_key("ins_1", T0);
    ok(store.create_instance(&instance("ins_1"), &k1).await);
    let k2 = signing_key("kid_2", T0 + 1);
    ok(store.insert_signing_key(&k2).await);
    let custom = |n: u32, name: &str| {
        let mut t = template(n, name);
        t.template.custom_signing_key = true;
        t.signing_key_sealed = Some(format!("old-{name}"));
        t
    };
    let (t1, t2, t3) = (custom(1, "one"), custom(2, "two"), template(3, "three"));
    for t in [&t1, &t2, &t3] {
        ok(store.insert_template(t).await);
    }

    ok(store.reseal_keys(&[("ins_1".into(), "new-ins_1".into())], &[("jtmp_01".into(), "new-one".into())]).await);
    let k1_new = SigningKeyRecord { private_key_sealed: "new-ins_1".into(), ..k1.clone() };
    assert_eq!(ok(store.list_signing_keys().await), [k1_new.clone(), k2.clone()]);
    let t1_new = TemplateRecord { signing_key_sealed: Some("new-one".into()), ..t1.clone() };
    assert_eq!(ok(store.get_template("jtmp_01").await), Some(t1_new.clone()));
    assert_eq!(ok(store.get_template("jtmp_02").await), Some(t2.clone()));
    assert_eq!(ok(store.get_template("jtmp_03").await), Some(t3.clone()));

    // Every pair given is replaced; unknown ids change nothing.
    let keys = [
        ("ins_1".to_string(), "v3-ins_1".to_string()),
        ("kid_2".into(), "v3-kid_2".into()),
        ("kid_x".into(), "x".into()),
    ];
    let templates = [
        ("jtmp_01".to_string(), "v3-one".to_string()),
        ("jtmp_02".into(), "v3-two".into()),
        ("jtmp_x".into(), "x".into()),
    ];
    ok(store.reseal_keys(&keys, &templates).await);
    let sealed: Vec<(String, String)> =
        ok(store.list_signing_keys().await).into_iter().map(|k| (k.kid, k.private_key_sealed)).collect();
    assert_eq!(sealed, keys[..2]);
    for (id, sealed) in &templates[..2] {
        let stored = ok(store.get_template(id).await).and_then(|t| t.signing_key_sealed);
        assert_eq!(stored.as_ref(), Some(sealed));
    }
    assert_eq!(ok(store.get_template("jtmp_x").await), None);
}

pub async fn check_key_lifecycle(store: &dyn Store) {
    ok(store.create_instance(&instance("ins_1"), &signing_key("ins_1", T0)).await);
    // Lifecycle fields round-trip.
    let mut staged = signing_key("kid_staged", T0 + 10);
    staged.sign_after = Some(T0 + 1_000);
    ok(store.insert_signing_key(&staged).await);
    assert_eq!(ok(store.list_signing_keys().await)[1], staged);

    // The recorded lifetime only grows.
    ok(store.note_signing_key_lifetime("ins_1", 60).await);
    ok(store.note_signing_key_lifetime("ins_1", 3_600).await);
    ok(store.note_signing_key_lifetime("ins_1", 120).await);
    assert_eq!(ok(store.list_signing_keys().await)[0].max_token_lifetime, Some(3_600));

    // Retiring sets the time once; a retired or unknown key is not retired again.
    assert!(ok(store.retire_signing_key("kid_staged", T0 + 20).await));
    assert!(!ok(store.retire_signing_key("kid_staged", T0 + 30).await));
    assert!(!ok(store.retire_signing_key("kid_nope", T0 + 30).await));
    let k = ok(store.list_signing_keys().await).remove(1);
    assert_eq!((k.active, k.retired_at), (false, Some(T0 + 20)));

    // Scheduled rotation: not due while an active key is newer than the cutoff.
    assert!(!ok(store.insert_signing_key_if_due(&signing_key("kid_early", T0 + 40), T0).await));
    assert!(ok(store.insert_signing_key_if_due(&signing_key("kid_due", T0 + 50), T0 + 1).await));
    // Several nodes at once: one key is added.
    let (ka, kb) = (signing_key("kid_a", T0 + 60), signing_key("kid_b", T0 + 60));
    let (a, b) =
        tokio::join!(store.insert_signing_key_if_due(&ka, T0 + 51), store.insert_signing_key_if_due(&kb, T0 + 51));
    assert_eq!([ok(a), ok(b)].iter().filter(|x| **x).count(), 1);
    let kids: Vec<String> = ok(store.list_signing_keys().await).into_iter().map(|k| k.kid).collect();
    assert_eq!(kids.len(), 4, "{kids:?}");
}
