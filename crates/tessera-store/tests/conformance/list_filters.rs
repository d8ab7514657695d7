//! Checks of the list filters beyond exact identifiers: partial-match queries, time bounds, Clerk's
//! `+`/`-` id prefixes (as `IdFilter`), web3 wallets and external accounts held by the user object,
//! the `starting_after` cursor, and the organization list's filters. Every user list is also
//! counted (`users_where`), so `count_users` is held to the same filter.

use crate::fixtures::*;

/// A web3 wallet as Clerk's object (the user holds them untyped); the first becomes primary.
fn wallet(mut u: User, address: &str) -> User {
    let id = format!("idn_w{}_{}", u.id, u.web3_wallets.len());
    u.web3_wallets.push(json!({"object": "web3_wallet", "id": id, "web3_wallet": address, "verification": null}));
    u.primary_web3_wallet_id.get_or_insert(id);
    u
}

/// An external account of `provider` (e.g. `oauth_google`) as Clerk's object.
fn account(mut u: User, provider: &str, provider_user_id: &str) -> User {
    let id = format!("eac_{}_{}", u.id, u.external_accounts.len());
    u.external_accounts.push(json!({
        "object": "external_account", "id": id, "provider": provider, "provider_user_id": provider_user_id,
        "email_address": "", "verification": null,
    }));
    u
}

/// Five users: created at T0 + n s; varied names, identifiers, wallets, accounts and activity.
async fn seed(store: &dyn Store) {
    let mut u1 = phone(email(user(1), "Alice@Example.com"), "+15550001");
    u1.username = Some("alice".into());
    u1.first_name = Some("Alice".into());
    u1.last_name = Some("Zephyr".into());
    u1.external_id = Some("ext-1".into());
    u1.last_sign_in_at = Some(T0 + 5);
    u1.last_active_at = Some(T0 + 100);
    let u1 = account(wallet(u1, "0xABCdef01"), "oauth_google", "g-1");

    let mut u2 = email(email(user(2), "bob@example.com"), "bob@work.org");
    u2.username = Some("bobby".into());
    u2.first_name = Some("Bob".into());
    u2.last_name = Some("Young".into());
    u2.banned = true;
    u2.last_active_at = Some(T0 + 200);
    let u2 = account(account(u2, "oauth_github", "gh-2"), "oauth_google", "g-2");

    let mut u3 = phone(email(user(3), "carol@sample.net"), "+15550003");
    u3.first_name = Some("carol".into());
    u3.last_sign_in_at = Some(T0 + 9);
    let u3 = wallet(u3, "0x9999");

    let mut u4 = phone(user(4), "+15550004");
    u4.username = Some("dave_100%".into());
    u4.last_name = Some("Xavier".into());
    u4.external_id = Some("ext-4".into());

    let mut u5 = email(user(5), "eve@example.com");
    u5.first_name = Some("Eve".into());
    u5.last_active_at = Some(T0 + 300);

    for u in [u1, u2, u3, u4, u5] {
        ok(store.insert_user(&u).await);
    }
}

fn ids(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn text(s: &str) -> Option<String> {
    Some(s.to_owned())
}

fn range(after: Option<i64>, before: Option<i64>) -> TimeRange {
    TimeRange { after, before }
}

async fn check_cases(store: &dyn Store, cases: Vec<(UserFilter, Vec<&str>)>) {
    for (filter, expected) in cases {
        assert_eq!(users_where(store, filter.clone()).await, expected, "{filter:?}");
    }
}

pub async fn check_user_list_partial_queries(store: &dyn Store) {
    seed(store).await;
    let f = UserFilter::default;
    check_cases(
        store,
        vec![
            // Email addresses: any of the user's, case-insensitive, LIKE wildcards literal.
            (UserFilter { email_address_query: text("EXAMPLE"), ..f() }, vec!["user_05", "user_02", "user_01"]),
            (UserFilter { email_address_query: text("work.org"), ..f() }, vec!["user_02"]),
            (UserFilter { email_address_query: text("%"), ..f() }, vec![]),
            (UserFilter { email_address_query: text("5550"), ..f() }, vec![]),
            // Phone numbers.
            (UserFilter { phone_number_query: text("5550"), ..f() }, vec!["user_04", "user_03", "user_01"]),
            (UserFilter { phone_number_query: text("0003"), ..f() }, vec!["user_03"]),
            (UserFilter { phone_number_query: text("example"), ..f() }, vec![]),
            // Usernames.
            (UserFilter { username_query: text("BOB"), ..f() }, vec!["user_02"]),
            (UserFilter { username_query: text("_100%"), ..f() }, vec!["user_04"]),
            (UserFilter { username_query: text("a"), ..f() }, vec!["user_04", "user_01"]),
            (UserFilter { username_query: text("_"), ..f() }, vec!["user_04"]),
            // Names: first, last, or "first last".
            (UserFilter { name_query: text("ALI"), ..f() }, vec!["user_01"]),
            (UserFilter { name_query: text("young"), ..f() }, vec!["user_02"]),
            (UserFilter { name_query: text("alice zeph"), ..f() }, vec!["user_01"]),
            (UserFilter { name_query: text("xav"), ..f() }, vec!["user_04"]),
            (UserFilter { name_query: text("e "), ..f() }, vec!["user_01"]),
            (UserFilter { name_query: text("bobby"), ..f() }, vec![]),
            // Each query narrows the others and the exact filters.
            (
                UserFilter { email_address_query: text("example"), banned: Some(false), ..f() },
                vec!["user_05", "user_01"],
            ),
            (
                UserFilter { email_address_query: text("example"), name_query: text("e"), ..f() },
                vec!["user_05", "user_01"],
            ),
            (UserFilter { phone_number_query: text("555"), username_query: text("d"), ..f() }, vec!["user_04"]),
            // `query` also looks at web3 wallets.
            (UserFilter { query: text("0XABC"), ..f() }, vec!["user_01"]),
        ],
    )
    .await;
}

pub async fn check_user_list_time_bounds(store: &dyn Store) {
    seed(store).await;
    let f = UserFilter::default;
    let s = |n: i64| Some(T0 + n * 1000);
    let t = |ms: i64| Some(T0 + ms);
    check_cases(
        store,
        vec![
            // Strict bounds.
            (UserFilter { created_at: range(s(2), None), ..f() }, vec!["user_05", "user_04", "user_03"]),
            (UserFilter { created_at: range(None, s(2)), ..f() }, vec!["user_01"]),
            (UserFilter { created_at: range(s(1), s(4)), ..f() }, vec!["user_03", "user_02"]),
            (UserFilter { created_at: range(s(5), None), ..f() }, vec![]),
            (UserFilter { created_at: range(s(4), s(2)), ..f() }, vec![]),
            // Users never active match no bound.
            (UserFilter { last_active_at: range(t(100), None), ..f() }, vec!["user_05", "user_02"]),
            (UserFilter { last_active_at: range(t(99), None), ..f() }, vec!["user_05", "user_02", "user_01"]),
            (UserFilter { last_active_at: range(None, t(300)), ..f() }, vec!["user_02", "user_01"]),
            (UserFilter { last_active_at: range(Some(0), None), ..f() }, vec!["user_05", "user_02", "user_01"]),
            (UserFilter { last_sign_in_at: range(t(5), None), ..f() }, vec!["user_03"]),
            (UserFilter { last_sign_in_at: range(None, t(9)), ..f() }, vec!["user_01"]),
            (UserFilter { last_sign_in_at: range(None, t(10)), ..f() }, vec!["user_03", "user_01"]),
            // ANDed with each other and with the rest.
            (
                UserFilter { created_at: range(s(1), None), last_active_at: range(t(0), None), ..f() },
                vec!["user_05", "user_02"],
            ),
            (UserFilter { last_active_at: range(t(0), None), banned: Some(true), ..f() }, vec!["user_02"]),
        ],
    )
    .await;
}

pub async fn check_user_list_id_prefixes(store: &dyn Store) {
    seed(store).await;
    let oa = org(1, "A", "a");
    let ob = org(2, "B", "b");
    ok(store.insert_organization(&oa, Some(&membership("orgmem_1", &oa.id, "user_01", 1))).await);
    ok(store.insert_organization(&ob, None).await);
    ok(store.insert_membership(&membership("orgmem_2", &oa.id, "user_03", 2)).await);
    ok(store.insert_membership(&membership("orgmem_3", &ob.id, "user_05", 3)).await);
    ok(store.insert_membership(&membership("orgmem_4", &ob.id, "user_01", 4)).await);
    let f = UserFilter::default;
    let both = |include: &[&str], exclude: &[&str]| IdFilter { include: ids(include), exclude: ids(exclude) };
    check_cases(
        store,
        vec![
            (
                UserFilter { user_id: IdFilter::except(["user_02", "user_04"]), ..f() },
                vec!["user_05", "user_03", "user_01"],
            ),
            (
                UserFilter { user_id: both(&["user_01", "user_02", "user_03"], &["user_02"]), ..f() },
                vec!["user_03", "user_01"],
            ),
            (
                UserFilter { user_id: IdFilter::except(["user_99"]), ..f() },
                vec!["user_05", "user_04", "user_03", "user_02", "user_01"],
            ),
            // Users without an external id are not excluded by one.
            (
                UserFilter { external_id: IdFilter::except(["ext-1"]), ..f() },
                vec!["user_05", "user_04", "user_03", "user_02"],
            ),
            (UserFilter { external_id: both(&["ext-1", "ext-4"], &["ext-4"]), ..f() }, vec!["user_01"]),
            // Excluding an organization excludes its members; users in no organization stay.
            (
                UserFilter { organization_id: IdFilter::except([oa.id.as_str()]), ..f() },
                vec!["user_05", "user_04", "user_02"],
            ),
            (UserFilter { organization_id: both(&[&ob.id], &[&oa.id]), ..f() }, vec!["user_05"]),
            (
                UserFilter { organization_id: IdFilter::except([oa.id.as_str(), ob.id.as_str()]), ..f() },
                vec!["user_04", "user_02"],
            ),
            (
                UserFilter {
                    organization_id: IdFilter::except([ob.id.as_str()]),
                    user_id: IdFilter::except(["user_02"]),
                    ..f()
                },
                vec!["user_04", "user_03"],
            ),
        ],
    )
    .await;
}

pub async fn check_user_list_wallets_and_accounts(store: &dyn Store) {
    seed(store).await;
    let f = UserFilter::default;
    let provider = |p: &str, uids: &[&str]| UserFilter { provider: text(p), provider_user_id: ids(uids), ..f() };
    check_cases(
        store,
        vec![
            (UserFilter { web3_wallet: ids(&["0xabcdef01"]), ..f() }, vec!["user_01"]),
            (UserFilter { web3_wallet: ids(&["0XABCDEF01", "0x9999", "0x0"]), ..f() }, vec!["user_03", "user_01"]),
            // Exact, not partial.
            (UserFilter { web3_wallet: ids(&["0xabc"]), ..f() }, vec![]),
            (provider("oauth_google", &["g-1", "g-2", "g-9"]), vec!["user_02", "user_01"]),
            (provider("oauth_google", &["g-2"]), vec!["user_02"]),
            // The provider user id of another provider does not match.
            (provider("oauth_github", &["g-2"]), vec![]),
            (provider("oauth_github", &["gh-2"]), vec!["user_02"]),
            (provider("oauth_facebook", &["g-1"]), vec![]),
            // Without ids: anyone with an account of the provider.
            (provider("oauth_google", &[]), vec!["user_02", "user_01"]),
        ],
    )
    .await;

    // Sorting by the primary web3 wallet; users without one last.
    let by_wallet = |desc| ordered(store, UserOrder::Web3Wallet, desc);
    assert_eq!(by_wallet(false).await, ["user_03", "user_01", "user_02", "user_04", "user_05"]);
    assert_eq!(by_wallet(true).await, ["user_01", "user_03", "user_05", "user_04", "user_02"]);

    // Wallets and external accounts are unique per instance, like email addresses.
    assert_eq!(conflict(store.insert_user(&wallet(user(6), "0xabcDEF01")).await), "web3_wallet");
    assert_eq!(conflict(store.insert_user(&account(user(6), "oauth_google", "g-1")).await), "external_account");
    assert_eq!(ok(store.get_user("user_06").await), None);
    ok(store.insert_user(&account(wallet(user(6), "0x6"), "oauth_github", "g-1")).await);

    // An update replaces them: the old values match nobody and are free again.
    let mut u1 = ok(store.get_user("user_01").await).expect("user_01");
    u1.web3_wallets.clear();
    u1.primary_web3_wallet_id = None;
    u1.external_accounts.clear();
    assert!(ok(store.update_user(&u1).await));
    assert_eq!(users_where(store, UserFilter { web3_wallet: ids(&["0xabcdef01"]), ..f() }).await, Vec::<String>::new());
    assert_eq!(users_where(store, provider("oauth_google", &["g-1"])).await, Vec::<String>::new());
    assert_eq!(users_where(store, UserFilter { query: text("0xabc"), ..f() }).await, Vec::<String>::new());
    ok(store.insert_user(&account(wallet(user(7), "0xABCDEF01"), "oauth_google", "g-1")).await);
    assert_eq!(users_where(store, provider("oauth_google", &["g-1"])).await, ["user_07"]);
    assert_eq!(by_wallet(false).await[..3], ["user_06", "user_03", "user_07"]);
}

pub async fn check_user_list_cursor(store: &dyn Store) {
    seed(store).await;
    let after = |cursor: &str, order: Option<(UserOrder, bool)>| UserFilter {
        starting_after: text(cursor),
        order_by: order,
        ..Default::default()
    };
    // Newest first by default: the users created before the cursor.
    assert_eq!(users_where(store, after("user_03", None)).await, ["user_02", "user_01"]);
    assert_eq!(users_where(store, after("user_03", Some((UserOrder::CreatedAt, true)))).await, ["user_02", "user_01"]);
    assert_eq!(users_where(store, after("user_03", Some((UserOrder::CreatedAt, false)))).await, ["user_04", "user_05"]);
    assert_eq!(users_where(store, after("user_01", None)).await, Vec::<String>::new());
    // No user follows an unknown cursor.
    assert_eq!(users_where(store, after("user_99", None)).await, Vec::<String>::new());
    // With a page and other filters.
    let page1 = ok(store.list_users(&after("user_05", None), page(2, 0)).await);
    assert_eq!(user_ids(&page1), ["user_04", "user_03"]);
    let page2 = ok(store.list_users(&after("user_03", None), page(2, 0)).await);
    assert_eq!(user_ids(&page2), ["user_02", "user_01"]);
    let filtered = UserFilter { banned: Some(false), ..after("user_04", None) };
    assert_eq!(users_where(store, filtered).await, ["user_03", "user_01"]);

    // Ties on created_at break on the id, as in the order itself.
    let mut twin = user(6);
    twin.id = "user_03b".into();
    twin.created_at = T0 + 3000;
    ok(store.insert_user(&twin).await);
    let all = users_where(store, UserFilter::default()).await;
    assert_eq!(all, ["user_05", "user_04", "user_03b", "user_03", "user_02", "user_01"]);
    assert_eq!(users_where(store, after("user_03b", None)).await, ["user_03", "user_02", "user_01"]);
    assert_eq!(
        users_where(store, after("user_03", Some((UserOrder::CreatedAt, false)))).await,
        ["user_03b", "user_04", "user_05"]
    );
}

pub async fn check_organization_list_filters(store: &dyn Store) {
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

    let f = OrganizationFilter::default;
    let q = |s: &str| OrganizationFilter { query: text(s), ..f() };
    let both = |include: &[&str], exclude: &[&str]| IdFilter { include: ids(include), exclude: ids(exclude) };
    let cases: Vec<(OrganizationFilter, Vec<&str>)> = vec![
        // `query`: the id exactly (any case), the name or the slug partially.
        (q("org_02"), vec!["org_02"]),
        (q("ORG_02"), vec!["org_02"]),
        (q("org_0"), vec![]),
        (q("CORP"), vec!["org_01"]),
        (q("gamma-c"), vec!["org_03"]),
        (q("a"), vec!["org_03", "org_02", "org_01"]),
        (q("%"), vec![]),
        // Members: `+`/plain include the organizations of these users, `-` excludes them.
        (OrganizationFilter { user_id: IdFilter::only(["user_01", "user_02"]), ..f() }, vec!["org_02", "org_01"]),
        (OrganizationFilter { user_id: IdFilter::except(["user_02"]), ..f() }, vec!["org_03", "org_01"]),
        (OrganizationFilter { user_id: both(&["user_01"], &["user_02"]), ..f() }, vec!["org_01"]),
        (OrganizationFilter { user_id: IdFilter::except(["user_03"]), ..f() }, vec!["org_03", "org_02", "org_01"]),
        (OrganizationFilter { user_id: IdFilter::except(["user_01"]), ..f() }, vec!["org_03"]),
        // Ids.
        (OrganizationFilter { organization_id: IdFilter::except(["org_02"]), ..f() }, vec!["org_03", "org_01"]),
        (OrganizationFilter { organization_id: both(&["org_01", "org_02"], &["org_01"]), ..f() }, vec!["org_02"]),
        (
            OrganizationFilter {
                organization_id: IdFilter::except(["org_03"]),
                user_id: IdFilter::except(["user_02"]),
                query: text("c"),
                ..f()
            },
            vec!["org_01"],
        ),
    ];
    for (filter, expected) in cases {
        let (found, total) = orgs_where(store, filter.clone(), ALL).await;
        assert_eq!(found, expected, "{filter:?}");
        assert_eq!(total, expected.len() as i64, "{filter:?}");
    }
    let filter = OrganizationFilter { user_id: IdFilter::except(["user_02"]), ..f() };
    assert_eq!(orgs_where(store, filter, page(1, 1)).await, (vec!["org_01".to_owned()], 2));
}
