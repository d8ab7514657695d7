//! Checks of `UserStore`.

use crate::fixtures::*;

pub async fn check_users_crud(store: &dyn Store) {
    let mut u = phone(email(user(1), "Alice@Example.com"), "+15550001");
    u.username = Some("Alice".into());
    u.external_id = Some("ext-1".into());
    u.first_name = Some("Alice".into());
    u.public_metadata = obj(json!({"plan": "pro", "nested": {"a": [1, 2]}}));
    ok(store.insert_user(&u).await);

    // Stored as given: case of the email address and username is preserved in the object.
    assert_eq!(ok(store.get_user(&u.id).await), Some(u.clone()));
    assert_eq!(ok(store.get_user("user_nope").await), None);

    u.first_name = Some("Alicia".into());
    u.updated_at += 1;
    assert!(ok(store.update_user(&u).await));
    assert_eq!(ok(store.get_user(&u.id).await), Some(u.clone()));
    assert!(!ok(store.update_user(&user(9)).await), "updating an unknown user");
    assert_eq!(ok(store.get_user("user_09").await), None, "update must not create");

    assert!(ok(store.delete_user(&u.id, T0).await));
    assert_eq!(ok(store.get_user(&u.id).await), None);
    assert!(!ok(store.delete_user(&u.id, T0).await));
}

pub async fn check_user_conflicts(store: &dyn Store) {
    let mut u1 = phone(email(user(1), "Alice@Example.com"), "+15550001");
    u1.username = Some("Alice".into());
    u1.external_id = Some("ext-1".into());
    ok(store.insert_user(&u1).await);

    let fresh = || user(2);
    let cases = [
        (email(fresh(), "alice@EXAMPLE.com"), "email_address"),
        (phone(fresh(), "+15550001"), "phone_number"),
        (User { username: Some("ALICE".into()), ..fresh() }, "username"),
        (User { external_id: Some("ext-1".into()), ..fresh() }, "external_id"),
        (user(1), "id"),
        // The same address twice on one user.
        (email(email(fresh(), "x@example.com"), "X@example.com"), "email_address"),
        (phone(phone(fresh(), "+1999"), "+1999"), "phone_number"),
    ];
    for (candidate, field) in cases {
        assert_eq!(conflict(store.insert_user(&candidate).await), field);
    }
    // Nothing half-written by the failed inserts.
    assert_eq!(ok(store.count_users(&UserFilter::default()).await), 1);
    assert_eq!(ok(store.get_user("user_02").await), None);
    assert_eq!(
        users_where(store, UserFilter { email_address: vec!["x@example.com".into()], ..Default::default() }).await,
        Vec::<String>::new()
    );

    // The same rules on update, and a failed update leaves the stored user untouched.
    let u2 = email(user(2), "bob@example.com");
    ok(store.insert_user(&u2).await);
    let stolen = [
        (email(user(2), "ALICE@example.com"), "email_address"),
        (phone(user(2), "+15550001"), "phone_number"),
        (User { username: Some("alice".into()), ..user(2) }, "username"),
        (User { external_id: Some("ext-1".into()), ..user(2) }, "external_id"),
    ];
    for (candidate, field) in stolen {
        assert_eq!(conflict(store.update_user(&candidate).await), field);
        assert_eq!(ok(store.get_user("user_02").await), Some(u2.clone()));
    }
    // Keeping your own values is not a conflict.
    let mut same = u1.clone();
    same.last_name = Some("Liddell".into());
    assert!(ok(store.update_user(&same).await));
}

pub async fn check_update_user_replaces_identifiers(store: &dyn Store) {
    let mut u1 = phone(email(user(1), "old@example.com"), "+1000");
    u1.username = Some("oldname".into());
    u1.external_id = Some("old-ext".into());
    ok(store.insert_user(&u1).await);

    let mut changed = phone(email(user(1), "new@example.com"), "+2000");
    changed.username = Some("newname".into());
    changed.external_id = Some("new-ext".into());
    assert!(ok(store.update_user(&changed).await));

    let by_email = |e: &str| UserFilter { email_address: vec![e.into()], ..Default::default() };
    assert!(users_where(store, by_email("old@example.com")).await.is_empty());
    assert_eq!(users_where(store, by_email("NEW@example.com")).await, ["user_01"]);

    // Every old value is free again.
    let mut u2 = phone(email(user(2), "old@example.com"), "+1000");
    u2.username = Some("OldName".into());
    u2.external_id = Some("old-ext".into());
    ok(store.insert_user(&u2).await);
    assert_eq!(users_where(store, by_email("old@example.com")).await, ["user_02"]);

    // The search text follows the update too.
    let q = |s: &str| UserFilter { query: Some(s.into()), ..Default::default() };
    assert_eq!(users_where(store, q("newname")).await, ["user_01"]);
    assert_eq!(users_where(store, q("oldname")).await, ["user_02"]);
}

/// Five users with varied attributes for the list checks.
pub async fn seed_users(store: &dyn Store) {
    let mut u1 = phone(email(user(1), "Alice@Example.com"), "+15550001");
    u1.username = Some("alice".into());
    u1.first_name = Some("Alice".into());
    u1.last_name = Some("Zephyr".into());
    u1.external_id = Some("ext-1".into());
    u1.last_sign_in_at = Some(T0 + 5);

    let mut u2 = email(email(user(2), "bob@example.com"), "bob@work.org");
    u2.username = Some("bobby".into());
    u2.first_name = Some("Bob".into());
    u2.last_name = Some("Young".into());
    u2.banned = true;

    let mut u3 = phone(email(user(3), "carol@sample.net"), "+15550003");
    u3.first_name = Some("carol".into());
    u3.last_sign_in_at = Some(T0 + 9);

    let mut u4 = phone(user(4), "+15550004");
    u4.username = Some("dave_100%".into());
    u4.last_name = Some("Xavier".into());
    u4.external_id = Some("ext-4".into());

    let mut u5 = email(user(5), "eve@example.com");
    u5.first_name = Some("Eve".into());

    for u in [u1, u2, u3, u4, u5] {
        ok(store.insert_user(&u).await);
    }
}

pub async fn check_list_users_filters(store: &dyn Store) {
    seed_users(store).await;
    let f = UserFilter::default;
    let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();

    assert_eq!(users_where(store, f()).await, ["user_05", "user_04", "user_03", "user_02", "user_01"]);
    let cases: Vec<(UserFilter, Vec<&str>)> = vec![
        (UserFilter { email_address: strings(&["ALICE@example.COM"]), ..f() }, vec!["user_01"]),
        (
            UserFilter { email_address: strings(&["alice@example.com", "bob@work.org", "nobody@x.y"]), ..f() },
            vec!["user_02", "user_01"],
        ),
        (UserFilter { phone_number: strings(&["+15550003", "+15550004"]), ..f() }, vec!["user_04", "user_03"]),
        (UserFilter { username: strings(&["BOBBY"]), ..f() }, vec!["user_02"]),
        (UserFilter { external_id: IdFilter::only(["ext-1", "ext-4"]), ..f() }, vec!["user_04", "user_01"]),
        (UserFilter { user_id: IdFilter::only(["user_03", "user_05", "user_99"]), ..f() }, vec!["user_05", "user_03"]),
        // ANDed across lists.
        (
            UserFilter {
                email_address: strings(&["alice@example.com", "eve@example.com"]),
                user_id: IdFilter::only(["user_05", "user_04"]),
                ..f()
            },
            vec!["user_05"],
        ),
        (UserFilter { username: strings(&["alice"]), banned: Some(true), ..f() }, vec![]),
        (UserFilter { banned: Some(true), ..f() }, vec!["user_02"]),
        (UserFilter { banned: Some(false), ..f() }, vec!["user_05", "user_04", "user_03", "user_01"]),
    ];
    for (filter, expected) in cases {
        assert_eq!(users_where(store, filter.clone()).await, expected, "{filter:?}");
    }

    // `query`: case-insensitive substring over id, emails, phones, username, first and last name.
    let q = |s: &str| UserFilter { query: Some(s.into()), ..f() };
    let queries: [(&str, &[&str]); 9] = [
        ("EXAMPLE.com", &["user_05", "user_02", "user_01"]),
        ("zeph", &["user_01"]),
        ("USER_04", &["user_04"]),
        ("5550003", &["user_03"]),
        ("CARO", &["user_03"]),
        ("bobby", &["user_02"]),
        ("work.org", &["user_02"]),
        // LIKE wildcards in the query are literal.
        ("%", &["user_04"]),
        ("nothing-matches", &[]),
    ];
    for (needle, expected) in queries {
        assert_eq!(users_where(store, q(needle)).await, expected, "query {needle:?}");
    }
    assert_eq!(
        users_where(store, UserFilter { query: Some("example".into()), banned: Some(false), ..f() }).await,
        ["user_05", "user_01"]
    );

    // Members of any of the organizations.
    let oa = org(1, "A", "a");
    let ob = org(2, "B", "b");
    ok(store.insert_organization(&oa, Some(&membership("orgmem_1", &oa.id, "user_01", 1))).await);
    ok(store.insert_organization(&ob, None).await);
    ok(store.insert_membership(&membership("orgmem_2", &oa.id, "user_03", 2)).await);
    ok(store.insert_membership(&membership("orgmem_3", &ob.id, "user_05", 3)).await);
    ok(store.insert_membership(&membership("orgmem_4", &ob.id, "user_01", 4)).await);
    assert_eq!(
        users_where(store, UserFilter { organization_id: IdFilter::only([oa.id.clone()]), ..f() }).await,
        ["user_03", "user_01"]
    );
    assert_eq!(
        users_where(store, UserFilter { organization_id: IdFilter::only([oa.id.clone(), ob.id.clone()]), ..f() }).await,
        ["user_05", "user_03", "user_01"]
    );
    assert_eq!(
        users_where(
            store,
            UserFilter { organization_id: IdFilter::only([ob.id.clone()]), query: Some("eve".into()), ..f() }
        )
        .await,
        ["user_05"]
    );
}

pub async fn check_list_users_order_and_paging(store: &dyn Store) {
    seed_users(store).await;
    use UserOrder::*;
    let cases: [(UserOrder, bool, [&str; 5]); 12] = [
        (CreatedAt, true, ["user_05", "user_04", "user_03", "user_02", "user_01"]),
        (CreatedAt, false, ["user_01", "user_02", "user_03", "user_04", "user_05"]),
        (UpdatedAt, false, ["user_01", "user_02", "user_03", "user_04", "user_05"]),
        // Case-insensitive, NULLs last in both directions.
        (FirstName, false, ["user_01", "user_02", "user_03", "user_05", "user_04"]),
        (FirstName, true, ["user_05", "user_03", "user_02", "user_01", "user_04"]),
        (LastName, false, ["user_04", "user_02", "user_01", "user_03", "user_05"]),
        (LastName, true, ["user_01", "user_02", "user_04", "user_05", "user_03"]),
        (Username, false, ["user_01", "user_02", "user_04", "user_03", "user_05"]),
        // Primary email address / phone number.
        (EmailAddress, false, ["user_01", "user_02", "user_03", "user_05", "user_04"]),
        (PhoneNumber, false, ["user_01", "user_03", "user_04", "user_02", "user_05"]),
        (LastSignInAt, true, ["user_03", "user_01", "user_05", "user_04", "user_02"]),
        (LastActiveAt, true, ["user_05", "user_04", "user_03", "user_02", "user_01"]),
    ];
    for (field, desc, expected) in cases {
        assert_eq!(ordered(store, field, desc).await, expected, "{field:?} desc={desc}");
    }

    let paged = |limit, offset| {
        let filter = UserFilter::default();
        async move { ok(store.list_users(&filter, page(limit, offset)).await) }
    };
    assert_eq!(user_ids(&paged(2, 1).await), ["user_04", "user_03"]);
    assert_eq!(user_ids(&paged(10, 4).await), ["user_01"]);
    assert!(paged(10, 5).await.is_empty());
    assert_eq!(user_ids(&paged(1, 0).await), ["user_05"]);
    // The count ignores paging.
    assert_eq!(ok(store.count_users(&UserFilter::default()).await), 5);
}

pub async fn check_ban_user(store: &dyn Store) {
    let now = T0 + 100_000;
    let live = T0 + 1_000_000;
    let u = email(user(1), "ban@example.com");
    ok(store.insert_user(&u).await);
    ok(store.insert_user(&user(2)).await);
    for s in [
        session("sess_live", "user_01", "client_1", SessionStatus::Active, 1, live, live),
        session("sess_pending", "user_01", "client_1", SessionStatus::Pending, 2, live, live),
        session("sess_ended", "user_01", "client_1", SessionStatus::Ended, 3, live, live),
        session("sess_expired", "user_01", "client_1", SessionStatus::Active, 4, now - 1, live),
        session("sess_other", "user_02", "client_2", SessionStatus::Active, 5, live, live),
    ] {
        ok(store.insert_session(&s).await);
    }

    let mut banned = u.clone();
    banned.banned = true;
    banned.updated_at = now;
    assert!(ok(store.ban_user(&banned, now).await));
    assert_eq!(ok(store.get_user("user_01").await), Some(banned.clone()));

    for id in ["sess_live", "sess_pending"] {
        let s = stored_session(store, id).await;
        assert_eq!(s.status, SessionStatus::Revoked, "{id}");
        assert_eq!(s.updated_at, now, "{id}");
    }
    let ended = stored_session(store, "sess_ended").await;
    assert_eq!((ended.status, ended.updated_at), (SessionStatus::Ended, T0 + 3));
    let expired = stored_session(store, "sess_expired").await;
    assert_eq!((expired.status, expired.updated_at), (SessionStatus::Active, T0 + 4));
    let other = stored_session(store, "sess_other").await;
    assert_eq!(other.status, SessionStatus::Active);

    let banned_filter = UserFilter { banned: Some(true), ..Default::default() };
    assert_eq!(users_where(store, banned_filter).await, ["user_01"]);
    assert!(!ok(store.ban_user(&user(7), now).await));
    assert_eq!(ok(store.get_user("user_07").await), None);
}

pub async fn check_delete_user_cascade(store: &dyn Store) {
    let now = T0 + 100_000;
    let live = T0 + 1_000_000;
    let mut u = phone(email(user(1), "gone@example.com"), "+1777");
    u.username = Some("gone".into());
    ok(store.insert_user(&u).await);
    ok(store.insert_user(&user(2)).await);
    let o = org(1, "Org", "org");
    ok(store.insert_organization(&o, Some(&membership("orgmem_1", &o.id, "user_01", 1))).await);
    ok(store.insert_membership(&membership("orgmem_2", &o.id, "user_02", 2)).await);
    ok(store.insert_session(&session("sess_live", "user_01", "c", SessionStatus::Active, 1, live, live)).await);
    ok(store.insert_session(&session("sess_ended", "user_01", "c", SessionStatus::Ended, 2, live, live)).await);

    assert!(ok(store.delete_user("user_01", now).await));
    assert_eq!(ok(store.get_user("user_01").await), None);
    assert_eq!(ok(store.get_membership(&o.id, "user_01").await), None);
    assert!(ok(store.list_user_memberships("user_01").await).is_empty());
    let fetched = ok(store.get_organization(&o.id).await);
    assert_eq!(fetched.and_then(|o| o.members_count), Some(1));

    let s = stored_session(store, "sess_live").await;
    assert_eq!((s.status, s.updated_at), (SessionStatus::Removed, now));
    let s = stored_session(store, "sess_ended").await;
    assert_eq!(s.status, SessionStatus::Ended);

    // Identifiers are free again.
    let mut again = phone(email(user(3), "gone@example.com"), "+1777");
    again.username = Some("gone".into());
    ok(store.insert_user(&again).await);
    assert!(!ok(store.delete_user("user_01", now).await));
    assert_eq!(ok(store.count_users(&UserFilter::default()).await), 2);
}
