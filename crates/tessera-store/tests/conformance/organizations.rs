//! Checks of `OrganizationStore` (organizations and memberships).

use crate::fixtures::*;

pub async fn check_organizations(store: &dyn Store) {
    for n in 1..=3 {
        ok(store.insert_user(&user(n)).await);
    }
    let o1 = org(1, "Acme Corp", "acme");
    let o2 = org(2, "beta labs", "beta");
    let o3 = org(3, "Gamma", "gamma-co");
    ok(store.insert_organization(&o1, Some(&membership("orgmem_1", &o1.id, "user_01", 1))).await);
    ok(store.insert_organization(&o2, Some(&membership("orgmem_2", &o2.id, "user_01", 2))).await);
    ok(store.insert_membership(&membership("orgmem_3", &o2.id, "user_02", 3)).await);
    ok(store.insert_organization(&o3, None).await);

    assert_eq!(ok(store.get_organization("org_01").await), Some(with_count(&o1, 1)));
    assert_eq!(ok(store.get_organization("beta").await), Some(with_count(&o2, 2)));
    assert_eq!(ok(store.get_organization("gamma-co").await), Some(with_count(&o3, 0)));
    assert_eq!(ok(store.get_organization("nope").await), None);

    assert_eq!(conflict(store.insert_organization(&org(4, "X", "acme"), None).await), "slug");
    assert_eq!(conflict(store.insert_organization(&org(1, "X", "x"), None).await), "id");
    // Organization and first member are written together or not at all.
    let o4 = org(4, "Four", "four");
    let clash = membership("orgmem_1", &o4.id, "user_03", 4);
    assert_eq!(conflict(store.insert_organization(&o4, Some(&clash)).await), "id");
    assert_eq!(ok(store.get_organization("org_04").await), None);
    assert_eq!(ok(store.get_organization("four").await), None);

    // Lists.
    let f = OrganizationFilter::default;
    let cases: Vec<(OrganizationFilter, Vec<&str>)> = vec![
        (f(), vec!["org_03", "org_02", "org_01"]),
        (OrganizationFilter { query: Some("ACME".into()), ..f() }, vec!["org_01"]),
        (OrganizationFilter { query: Some("co".into()), ..f() }, vec!["org_03", "org_01"]),
        (OrganizationFilter { query: Some("ORG_02".into()), ..f() }, vec!["org_02"]),
        (OrganizationFilter { user_id: IdFilter::only(["user_02"]), ..f() }, vec!["org_02"]),
        (OrganizationFilter { user_id: IdFilter::only(["user_01"]), ..f() }, vec!["org_02", "org_01"]),
        (OrganizationFilter { user_id: IdFilter::only(["user_03"]), ..f() }, vec![]),
        (
            OrganizationFilter { organization_id: IdFilter::only(["org_01", "org_03", "org_99"]), ..f() },
            vec!["org_03", "org_01"],
        ),
        (
            OrganizationFilter {
                organization_id: IdFilter::only(["org_01", "org_03"]),
                query: Some("gamma".into()),
                ..f()
            },
            vec!["org_03"],
        ),
        (
            OrganizationFilter { order_by: Some((OrganizationOrder::Name, false)), ..f() },
            vec!["org_01", "org_02", "org_03"],
        ),
        (
            OrganizationFilter { order_by: Some((OrganizationOrder::Name, true)), ..f() },
            vec!["org_03", "org_02", "org_01"],
        ),
        (
            OrganizationFilter { order_by: Some((OrganizationOrder::MembersCount, true)), ..f() },
            vec!["org_02", "org_01", "org_03"],
        ),
        (
            OrganizationFilter { order_by: Some((OrganizationOrder::MembersCount, false)), ..f() },
            vec!["org_03", "org_01", "org_02"],
        ),
        (
            OrganizationFilter { order_by: Some((OrganizationOrder::CreatedAt, false)), ..f() },
            vec!["org_01", "org_02", "org_03"],
        ),
    ];
    for (filter, expected) in cases {
        let (ids, total) = orgs_where(store, filter.clone(), ALL).await;
        assert_eq!(ids, expected, "{filter:?}");
        assert_eq!(total, expected.len() as i64, "{filter:?}");
    }
    assert_eq!(orgs_where(store, f(), page(1, 1)).await, (vec!["org_02".to_string()], 3));
    let (list, _) = ok(store.list_organizations(&f(), ALL).await);
    assert_eq!(list, [with_count(&o3, 0), with_count(&o2, 2), with_count(&o1, 1)]);

    // Updates.
    let mut renamed = o3.clone();
    renamed.name = "Delta".into();
    renamed.slug = "delta".into();
    renamed.updated_at += 10;
    assert!(ok(store.update_organization(&renamed).await));
    assert_eq!(ok(store.get_organization("delta").await), Some(with_count(&renamed, 0)));
    assert_eq!(ok(store.get_organization("gamma-co").await), None);
    let (ids, _) = orgs_where(store, OrganizationFilter { query: Some("delta".into()), ..f() }, ALL).await;
    assert_eq!(ids, ["org_03"]);
    let taken = Organization { slug: "acme".into(), ..renamed.clone() };
    assert_eq!(conflict(store.update_organization(&taken).await), "slug");
    assert!(!ok(store.update_organization(&org(9, "Nine", "nine")).await));
    assert_eq!(ok(store.get_organization("nine").await), None);

    // Delete: memberships go; live sessions with it active keep running without it.
    let live = T0 + 1_000_000;
    let mut s = session("sess_1", "user_01", "c", SessionStatus::Active, 1, live, live);
    s.last_active_organization_id = Some("org_01".into());
    ok(store.insert_session(&s).await);
    assert!(ok(store.delete_organization("org_01").await));
    assert_eq!(ok(store.get_organization("org_01").await), None);
    assert_eq!(ok(store.get_organization("acme").await), None);
    assert_eq!(ok(store.get_membership("org_01", "user_01").await), None);
    let remaining = ok(store.list_user_memberships("user_01").await);
    assert_eq!(remaining.len(), 1);
    assert_eq!(remaining[0].1.id, "org_02");
    let s = stored_session(store, "sess_1").await;
    assert_eq!((s.status, s.last_active_organization_id), (SessionStatus::Active, None));
    assert!(!ok(store.delete_organization("org_01").await));
    // The slug is free again.
    ok(store.insert_organization(&org(5, "Acme again", "acme"), None).await);
}

pub async fn check_memberships(store: &dyn Store) {
    for n in 1..=4 {
        ok(store.insert_user(&user(n)).await);
    }
    let o = org(1, "Org", "org");
    let other = org(2, "Other", "other");
    ok(store.insert_organization(&o, None).await);
    ok(store.insert_organization(&other, None).await);
    let m1 = membership("orgmem_1", &o.id, "user_01", 1);
    let m2 = membership("orgmem_2", &o.id, "user_02", 2);
    let m3 = membership("orgmem_3", &o.id, "user_03", 3);
    let m4 = membership("orgmem_4", &other.id, "user_01", 4);
    for m in [&m3, &m1, &m2, &m4] {
        ok(store.insert_membership(m).await);
    }

    let dup = membership("orgmem_9", &o.id, "user_01", 9);
    assert_eq!(conflict(store.insert_membership(&dup).await), "membership");
    let dup_id = membership("orgmem_1", &o.id, "user_04", 9);
    assert_eq!(conflict(store.insert_membership(&dup_id).await), "id");

    assert_eq!(ok(store.get_membership(&o.id, "user_02").await), Some(m2.clone()));
    assert_eq!(ok(store.get_membership(&o.id, "user_04").await), None);
    assert_eq!(ok(store.get_membership("org_nope", "user_01").await), None);

    let mut admin = m2.clone();
    admin.role = "org:admin".into();
    // Permissions come from the role (none here: no roles exist), never from the record written.
    admin.permissions = vec!["org:sys_profile:manage".into()];
    admin.public_metadata = obj(json!({"team": "b"}));
    admin.updated_at = T0 + 50;
    assert!(ok(store.update_membership(&admin).await));
    admin.permissions = Vec::new();
    assert_eq!(ok(store.get_membership(&o.id, "user_02").await), Some(admin.clone()));
    let stranger = membership("orgmem_x", &o.id, "user_04", 9);
    assert!(!ok(store.update_membership(&stranger).await));
    assert_eq!(ok(store.get_membership(&o.id, "user_04").await), None);

    // Oldest first, with the total.
    let (list, total) = ok(store.list_memberships(&of(&o.id), ALL).await);
    assert_eq!((list.clone(), total), (vec![m1.clone(), admin.clone(), m3.clone()], 3));
    let (list, total) = ok(store.list_memberships(&of(&o.id), page(2, 1)).await);
    assert_eq!((list, total), (vec![admin.clone(), m3.clone()], 3));
    let (list, total) = ok(store.list_memberships(&of("org_nope"), ALL).await);
    assert_eq!((list.len(), total), (0, 0));

    let mine = ok(store.list_user_memberships("user_01").await);
    assert_eq!(mine, [(m1.clone(), with_count(&o, 3)), (m4.clone(), with_count(&other, 1))]);
    assert!(ok(store.list_user_memberships("user_04").await).is_empty());

    assert!(ok(store.delete_membership(&o.id, "user_02").await));
    assert!(!ok(store.delete_membership(&o.id, "user_02").await));
    let (list, total) = ok(store.list_memberships(&of(&o.id), ALL).await);
    assert_eq!((list, total), (vec![m1.clone(), m3.clone()], 2));
    let fetched = ok(store.get_organization(&o.id).await);
    assert_eq!(fetched.and_then(|o| o.members_count), Some(2));
    // Leaving frees the pair.
    ok(store.insert_membership(&membership("orgmem_5", &o.id, "user_02", 5)).await);
}

/// Membership lists filter their members as user lists do, and by role; they sort by the member's
/// fields or the membership's creation, and count what they filter.
pub async fn check_membership_filters(store: &dyn Store) {
    let people = [(1, "Zoe", "zoe@acme.io"), (2, "Adam", "adam@acme.io"), (3, "Mia", "mia@other.io")];
    for (n, first, mail) in people {
        let mut u = email(user(n), mail);
        u.first_name = Some(first.into());
        ok(store.insert_user(&u).await);
    }
    ok(store.insert_user(&user(4)).await);
    let o = org(1, "Acme", "acme");
    ok(store.insert_organization(&o, None).await);
    ok(store.insert_organization(&org(2, "Other", "other"), None).await);
    for (n, role) in [(1, "org:admin"), (2, "org:member"), (3, "org:member")] {
        let mut m = membership(&format!("orgmem_{n}"), &o.id, &format!("user_{n:02}"), i64::from(n));
        m.role = role.into();
        ok(store.insert_membership(&m).await);
    }
    ok(store.insert_membership(&membership("orgmem_9", "org_02", "user_04", 9)).await);
    let members = |filter: MembershipFilter| async move {
        let (list, total) = ok(store
            .list_memberships(&MembershipFilter { organization_id: Some("org_01".into()), ..filter }, page(10, 0))
            .await);
        assert_eq!(list.len() as i64, total, "the total counts what the filter keeps");
        list.into_iter().map(|m| m.user_id).collect::<Vec<_>>()
    };
    assert_eq!(members(MembershipFilter::default()).await, ["user_01", "user_02", "user_03"]);
    let by_role = MembershipFilter { role: vec!["org:member".into()], ..Default::default() };
    assert_eq!(members(by_role).await, ["user_02", "user_03"]);
    let users = |user: UserFilter| MembershipFilter { user, ..Default::default() };
    let q = UserFilter { email_address_query: Some("ACME".into()), ..Default::default() };
    assert_eq!(members(users(q)).await, ["user_01", "user_02"]);
    let not_zoe =
        UserFilter { user_id: IdFilter { include: vec![], exclude: vec!["user_01".into()] }, ..Default::default() };
    assert_eq!(members(users(not_zoe)).await, ["user_02", "user_03"]);
    let none = UserFilter { email_address: vec!["nobody@x.io".into()], ..Default::default() };
    assert_eq!(members(users(none)).await, Vec::<String>::new());
    let by_name = MembershipFilter { order_by: Some((MembershipOrder::FirstName, false)), ..Default::default() };
    assert_eq!(members(by_name).await, ["user_02", "user_03", "user_01"]);
    let newest = MembershipFilter { order_by: Some((MembershipOrder::CreatedAt, true)), ..Default::default() };
    assert_eq!(members(newest).await, ["user_03", "user_02", "user_01"]);
    let both = MembershipFilter {
        user: UserFilter { query: Some("a".into()), ..Default::default() },
        role: vec!["org:member".into()],
        order_by: Some((MembershipOrder::EmailAddress, true)),
        ..Default::default()
    };
    assert_eq!(members(both).await, ["user_03", "user_02"]);
    let (list, total) = ok(store.list_memberships(&of("org_01"), page(1, 1)).await);
    assert_eq!((list.len(), total), (1, 3));

    // Without an organization: every membership of the instance.
    let newest = MembershipFilter { order_by: Some((MembershipOrder::CreatedAt, true)), ..Default::default() };
    let (list, total) = ok(store.list_memberships(&newest, page(2, 0)).await);
    let ids: Vec<&str> = list.iter().map(|m| m.id.as_str()).collect();
    assert_eq!((ids, total), (vec!["orgmem_9", "orgmem_3"], 4));
}
