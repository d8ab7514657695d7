//! Checks of `TemplateStore` and of `Store::load_mint`.

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
