//! Checks of `TemplateStore` (custom key rotation included) and of `Store::load_mint`.

use tessera_core::store::RetiredTemplateKey;
use tessera_types::Jwk;

use crate::fixtures::*;

pub async fn check_templates(store: &dyn Store) {
    let t1 = template(1, "alpha");
    let mut t2 = template(2, "beta");
    t2.template.custom_signing_key = true;
    t2.template.signing_algorithm = "HS256".into();
    t2.signing_key_sealed = Some("sealed-key-material".into());
    ok(store.insert_template(&t1).await);
    ok(store.insert_template(&t2).await);

    assert_eq!(ok(store.get_template("jtmp_01").await), Some(t1.clone()));
    assert_eq!(ok(store.get_template_by_name("beta").await), Some(t2.clone()));
    assert_eq!(ok(store.get_template("jtmp_99").await), None);
    assert_eq!(ok(store.get_template_by_name("gamma").await), None);

    assert_eq!(conflict(store.insert_template(&template(3, "alpha")).await), "name");
    assert_eq!(conflict(store.insert_template(&template(1, "other")).await), "id");

    let mut renamed = t1.clone();
    renamed.template.name = "gamma".into();
    renamed.template.lifetime = 120;
    renamed.template.updated_at += 1;
    assert!(ok(store.update_template(&renamed).await));
    assert_eq!(ok(store.get_template_by_name("alpha").await), None);
    assert_eq!(ok(store.get_template_by_name("gamma").await), Some(renamed.clone()));
    let mut taken = renamed.clone();
    taken.template.name = "beta".into();
    assert_eq!(conflict(store.update_template(&taken).await), "name");
    assert!(!ok(store.update_template(&template(9, "nine")).await));
    // The freed name can be used again.
    ok(store.insert_template(&template(3, "alpha")).await);

    let (list, total) = ok(store.list_templates(ALL).await);
    let ids: Vec<&str> = list.iter().map(|t| t.template.id.as_str()).collect();
    assert_eq!((ids, total), (vec!["jtmp_03", "jtmp_02", "jtmp_01"], 3));
    let (list, total) = ok(store.list_templates(page(1, 1)).await);
    assert_eq!((list, total), (vec![t2.clone()], 3));

    assert!(ok(store.delete_template("jtmp_01").await));
    assert!(!ok(store.delete_template("jtmp_01").await));
    assert_eq!(ok(store.get_template_by_name("gamma").await), None);
    assert_eq!(ok(store.list_templates(ALL).await).1, 2);
}

/// `load_mint` returns the session, its user, the named template and the active organization with
/// the user's membership, each `None` when it does not (or no longer) exist.
pub async fn check_load_mint(store: &dyn Store) {
    let live = T0 + 1_000_000;
    let u1 = email(user(1), "one@example.com");
    let u2 = user(2);
    ok(store.insert_user(&u1).await);
    ok(store.insert_user(&u2).await);
    let o1 = org(1, "Acme", "acme");
    let o2 = org(2, "Other", "other");
    let m1 = membership("orgmem_1", "org_01", "user_01", 5);
    ok(store.insert_organization(&o1, Some(&m1)).await);
    ok(store.insert_organization(&o2, None).await);
    let mut t1 = template(1, "alpha");
    t1.template.custom_signing_key = true;
    t1.signing_key_sealed = Some("sealed-alpha".into());
    ok(store.insert_template(&t1).await);
    ok(store.insert_template(&template(2, "beta")).await);

    let mut s1 = session("sess_1", "user_01", "client_1", SessionStatus::Active, 1, live, live);
    s1.last_active_organization_id = Some("org_01".into());
    // In an organization the user is not a member of.
    let mut s2 = session("sess_2", "user_01", "client_1", SessionStatus::Active, 2, live, live);
    s2.last_active_organization_id = Some("org_02".into());
    let s3 = session("sess_3", "user_02", "client_2", SessionStatus::Active, 3, live, live);
    for s in [&s1, &s2, &s3] {
        ok(store.insert_session(s).await);
    }
    let active = Some((Organization { members_count: None, ..o1.clone() }, m1.clone()));

    let full = MintRecords {
        session: s1.clone(),
        user: Some(u1.clone()),
        template: Some(t1.clone()),
        active,
        session_claims: None,
    };
    assert_eq!(ok(store.load_mint("sess_1", Some("alpha")).await), Some(full.clone()));
    assert_eq!(ok(store.load_mint("sess_1", None).await), Some(MintRecords { template: None, ..full.clone() }));
    assert_eq!(ok(store.load_mint("sess_1", Some("nope")).await), Some(MintRecords { template: None, ..full.clone() }));
    assert_eq!(ok(store.load_mint("sess_nope", Some("alpha")).await), None);
    assert_eq!(ok(store.load_mint("sess_nope", None).await), None);

    let beta = ok(store.get_template_by_name("beta").await);
    assert!(beta.is_some());
    let no_member = MintRecords {
        session: s2.clone(),
        user: Some(u1.clone()),
        template: beta.clone(),
        active: None,
        session_claims: None,
    };
    assert_eq!(ok(store.load_mint("sess_2", Some("beta")).await), Some(no_member));
    let no_org =
        MintRecords { session: s3.clone(), user: Some(u2.clone()), template: beta, active: None, session_claims: None };
    assert_eq!(ok(store.load_mint("sess_3", Some("beta")).await), Some(no_org));

    // What changed is seen by the very next read.
    assert!(ok(store.delete_template("jtmp_01").await));
    assert_eq!(
        ok(store.load_mint("sess_1", Some("alpha")).await),
        Some(MintRecords { template: None, ..full.clone() })
    );
    let mut m1_changed = m1.clone();
    m1_changed.role = "org:admin".into();
    m1_changed.updated_at += 1;
    assert!(ok(store.update_membership(&m1_changed).await));
    let read = ok(store.load_mint("sess_1", None).await);
    assert_eq!(read.and_then(|r| r.active).map(|(_, m)| m), Some(m1_changed));
    assert!(ok(store.delete_membership("org_01", "user_01").await));
    let read = ok(store.load_mint("sess_1", None).await);
    assert_eq!(read.map(|r| (r.user.is_some(), r.active.is_none())), Some((true, true)));
    // A deleted user: the session is still there (now `removed`), its user is not.
    assert!(ok(store.delete_user("user_02", T0 + 10).await));
    match ok(store.load_mint("sess_3", None).await) {
        Some(r) => assert_eq!((r.session.status, r.user, r.active), (SessionStatus::Removed, None, None)),
        None => panic!("the session of a deleted user is still stored"),
    }
}

fn retired(template_id: &str, kid: &str, retired_at: i64, unpublish_at: i64) -> RetiredTemplateKey {
    RetiredTemplateKey {
        template_id: template_id.into(),
        kid: kid.into(),
        alg: "ES256".into(),
        public_jwk: Jwk {
            kty: "EC".into(),
            kid: Some(kid.into()),
            alg: Some("ES256".into()),
            crv: Some("P-256".into()),
            x: Some(format!("x-{kid}")),
            y: Some(format!("y-{kid}")),
            ..Jwk::default()
        },
        retired_at,
        unpublish_at,
    }
}

fn kids(keys: &[RetiredTemplateKey]) -> Vec<(&str, &str, i64)> {
    keys.iter().map(|k| (k.template_id.as_str(), k.kid.as_str(), k.unpublish_at)).collect()
}

/// A custom key's longest token lifetime (recorded only while the key is the template's, kept by
/// writes that keep the key, cleared by a new one), key rotation as a compare-and-set with its event,
/// and the retired public keys it keeps published (a list per template, pruned past their time,
/// dropped when `PATCH` replaces the key or the template is deleted).
pub async fn check_template_key_rotation(store: &dyn Store) {
    let mut t = template(1, "alpha");
    t.template.custom_signing_key = true;
    t.template.signing_algorithm = "ES256".into();
    t.signing_key_sealed = Some("k1".into());
    ok(store.insert_template(&t).await);
    let get = |id: &'static str| async move { ok(store.get_template(id).await).unwrap() };

    // Lifetimes: raised, never lowered, and only for the template's current key.
    assert!(ok(store.note_template_key_lifetime("jtmp_01", "k1", 60).await));
    assert!(ok(store.note_template_key_lifetime("jtmp_01", "k1", 30).await));
    assert_eq!(get("jtmp_01").await.key_max_token_lifetime, Some(60));
    assert!(!ok(store.note_template_key_lifetime("jtmp_01", "k0", 90).await));
    assert!(!ok(store.note_template_key_lifetime("jtmp_99", "k1", 90).await));
    assert_eq!(get("jtmp_01").await.key_max_token_lifetime, Some(60));
    // The mint reads it too.
    let live = T0 + 1_000_000;
    ok(store.insert_user(&user(1)).await);
    ok(store.insert_session(&session("sess_1", "user_01", "client_1", SessionStatus::Active, 1, live, live)).await);
    let minted = ok(store.load_mint("sess_1", Some("alpha")).await).and_then(|m| m.template);
    assert_eq!(minted.and_then(|t| t.key_max_token_lifetime), Some(60));
    // An update that keeps the key keeps its recorded lifetime, whatever the record says.
    let mut edited = get("jtmp_01").await;
    edited.template.lifetime = 120;
    edited.template.updated_at += 1;
    edited.key_max_token_lifetime = None;
    assert!(ok(store.update_template(&edited).await));
    let v1 = get("jtmp_01").await;
    assert_eq!((v1.template.lifetime, v1.key_max_token_lifetime), (120, Some(60)));

    // Rotation is a compare-and-set on the version read: a stale one writes nothing.
    let seq = ok(store.last_event_seq().await);
    let mut new = v1.clone();
    new.signing_key_sealed = Some("k2".into());
    new.template.updated_at += 1;
    new.key_max_token_lifetime = None;
    let r1 = retired("jtmp_01", "kid1", T0 + 10, T0 + 1_000);
    let stale = TemplateRecord { key_max_token_lifetime: Some(30), ..v1.clone() };
    assert!(!ok(store.rotate_template_key(&stale, &new, Some(&r1), T0 + 10).await));
    let older = TemplateRecord {
        template: JwtTemplate { updated_at: v1.template.updated_at - 1, ..v1.template.clone() },
        ..v1.clone()
    };
    assert!(!ok(store.rotate_template_key(&older, &new, Some(&r1), T0 + 10).await));
    assert!(!ok(store.rotate_template_key(&template(9, "nine"), &new, Some(&r1), T0 + 10).await));
    assert_eq!(get("jtmp_01").await, v1);
    assert!(ok(store.published_retired_template_keys(0).await).is_empty());
    assert_eq!(ok(store.last_event_seq().await), seq, "a refused rotation appends nothing");

    assert!(ok(store.rotate_template_key(&v1, &new, Some(&r1), T0 + 10).await));
    let v2 = get("jtmp_01").await;
    assert_eq!(v2, new, "the new key, with no lifetime recorded yet");
    let events = ok(store.events_after(seq, 10).await);
    assert_eq!(
        events.iter().map(|e| e.event_type.as_str()).collect::<Vec<_>>(),
        ["tessera.jwt_template.changed"],
        "one event, in the rotation's transaction"
    );
    assert_eq!(ok(store.published_retired_template_keys(T0 + 999).await), std::slice::from_ref(&r1));
    assert!(ok(store.published_retired_template_keys(T0 + 1_000).await).is_empty(), "until unpublish_at");
    // The old key can no longer record lifetimes (it must not sign again).
    assert!(!ok(store.note_template_key_lifetime("jtmp_01", "k1", 60).await));
    assert!(ok(store.note_template_key_lifetime("jtmp_01", "k2", 45).await));

    // A second rotation keeps the first retired key: a list, newest first. Re-retiring a kid keeps
    // its later time.
    let v2 = get("jtmp_01").await;
    let mut v3 = v2.clone();
    v3.signing_key_sealed = Some("k3".into());
    v3.template.updated_at += 1;
    v3.key_max_token_lifetime = None;
    let r2 = retired("jtmp_01", "kid2", T0 + 20, T0 + 2_000);
    assert!(ok(store.rotate_template_key(&v2, &v3, Some(&r2), T0 + 20).await));
    assert_eq!(
        kids(&ok(store.published_retired_template_keys(T0 + 20).await)),
        [("jtmp_01", "kid2", T0 + 2_000), ("jtmp_01", "kid1", T0 + 1_000)]
    );
    let mut v4 = v3.clone();
    v4.signing_key_sealed = Some("k4".into());
    v4.template.updated_at += 1;
    assert!(ok(store
        .rotate_template_key(&v3, &v4, Some(&retired("jtmp_01", "kid2", T0 + 30, T0 + 1_500)), T0 + 30)
        .await));
    assert_eq!(
        kids(&ok(store.published_retired_template_keys(T0 + 30).await)),
        [("jtmp_01", "kid2", T0 + 2_000), ("jtmp_01", "kid1", T0 + 1_000)]
    );
    // A rotation past a retired key's time removes its row; one without a retired key (a key that
    // never signed) adds none.
    let mut v5 = v4.clone();
    v5.signing_key_sealed = Some("k5".into());
    v5.template.updated_at += 1;
    assert!(ok(store.rotate_template_key(&v4, &v5, None, T0 + 1_000).await));
    assert_eq!(kids(&ok(store.published_retired_template_keys(0).await)), [("jtmp_01", "kid2", T0 + 2_000)]);

    // Other templates' retired keys are their own; PATCH with a new key withdraws every retired key
    // of that template at once and clears the recorded lifetime.
    let mut other = template(2, "beta");
    other.template.custom_signing_key = true;
    other.signing_key_sealed = Some("b1".into());
    ok(store.insert_template(&other).await);
    let mut other2 = other.clone();
    other2.signing_key_sealed = Some("b2".into());
    other2.template.updated_at += 1;
    assert!(ok(store
        .rotate_template_key(&other, &other2, Some(&retired("jtmp_02", "kidb", T0, T0 + 5_000)), T0)
        .await));
    assert!(ok(store.note_template_key_lifetime("jtmp_01", "k5", 60).await));
    let mut replaced = get("jtmp_01").await;
    replaced.signing_key_sealed = Some("k6".into());
    replaced.template.updated_at += 1;
    assert!(ok(store.update_template(&replaced).await));
    assert_eq!(get("jtmp_01").await.key_max_token_lifetime, None);
    assert_eq!(kids(&ok(store.published_retired_template_keys(0).await)), [("jtmp_02", "kidb", T0 + 5_000)]);
    // Deleting a template deletes its retired keys.
    assert!(ok(store.delete_template("jtmp_02").await));
    assert!(ok(store.published_retired_template_keys(0).await).is_empty());
}
