//! The store conformance suite: one `check_*` function per behaviour of the `Store` contract, each run
//! against SQLite (a temp file) and PostgreSQL (a fresh database per test, created through the server
//! named by `TESSERA_TEST_DATABASE_URL`). Without that variable the PostgreSQL tests print a notice and
//! pass, unless `CI` is set, in which case they fail.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};
use tessera_core::store::{
    InstanceRecord, MembershipRecord, OrganizationFilter, OrganizationOrder, Page, SecretKeyRecord, SessionFilter,
    SigningKeyRecord, Store, StoreError, StoreResult, TemplateRecord, UserFilter, UserOrder,
};
use tessera_core::store::{InstanceStore, SessionStore, TemplateStore, UserStore};
use tessera_store::SqlStore;
use tessera_types::{EmailAddress, JwtTemplate, Organization, PhoneNumber, Session, SessionStatus, User, Verification};

const T0: i64 = 1_700_000_000_000;

// ---- fixtures ---------------------------------------------------------------------------------------

fn user(n: u32) -> User {
    let created_at = T0 + i64::from(n) * 1000;
    User {
        object: "user".into(),
        id: format!("user_{n:02}"),
        external_id: None,
        primary_email_address_id: None,
        primary_phone_number_id: None,
        primary_web3_wallet_id: None,
        username: None,
        first_name: None,
        last_name: None,
        locale: None,
        profile_image_url: String::new(),
        image_url: String::new(),
        has_image: false,
        public_metadata: Map::new(),
        private_metadata: Some(Map::new()),
        unsafe_metadata: Map::new(),
        email_addresses: vec![],
        phone_numbers: vec![],
        web3_wallets: vec![],
        passkeys: vec![],
        password_enabled: false,
        two_factor_enabled: false,
        totp_enabled: false,
        backup_code_enabled: false,
        mfa_enabled_at: None,
        mfa_disabled_at: None,
        password_last_updated_at: None,
        external_accounts: vec![],
        saml_accounts: vec![],
        enterprise_accounts: vec![],
        organization_memberships: vec![],
        last_sign_in_at: None,
        banned: false,
        locked: false,
        deprovisioned: false,
        lockout_expires_in_seconds: None,
        verification_attempts_remaining: None,
        created_at,
        updated_at: created_at,
        delete_self_enabled: true,
        create_organization_enabled: true,
        create_organizations_limit: None,
        last_active_at: None,
        legal_accepted_at: None,
        bypass_client_trust: false,
    }
}

/// Adds an email address; the first one becomes primary.
fn email(mut u: User, address: &str) -> User {
    let id = format!("idn_e{}_{}", u.id, u.email_addresses.len());
    u.email_addresses.push(EmailAddress {
        id: id.clone(),
        object: "email_address".into(),
        email_address: address.into(),
        reserved: false,
        verification: Some(Verification {
            object: Some("verification_admin".into()),
            status: "verified".into(),
            strategy: "admin".into(),
            attempts: None,
            expire_at: None,
        }),
        linked_to: vec![],
        matches_sso_connection: false,
        created_at: u.created_at,
        updated_at: u.created_at,
    });
    u.primary_email_address_id.get_or_insert(id);
    u
}

/// Adds a phone number; the first one becomes primary.
fn phone(mut u: User, number: &str) -> User {
    let id = format!("idn_p{}_{}", u.id, u.phone_numbers.len());
    u.phone_numbers.push(PhoneNumber {
        id: id.clone(),
        object: "phone_number".into(),
        phone_number: number.into(),
        reserved_for_second_factor: false,
        default_second_factor: false,
        reserved: false,
        verification: None,
        linked_to: vec![],
        backup_codes: None,
        created_at: u.created_at,
        updated_at: u.created_at,
    });
    u.primary_phone_number_id.get_or_insert(id);
    u
}

fn session(
    id: &str,
    user_id: &str,
    client_id: &str,
    status: SessionStatus,
    created: i64,
    expire_at: i64,
    abandon_at: i64,
) -> Session {
    Session {
        object: "session".into(),
        id: id.into(),
        user_id: user_id.into(),
        client_id: client_id.into(),
        actor: None,
        status,
        last_active_organization_id: None,
        last_active_at: T0 + created,
        latest_activity: None,
        expire_at,
        abandon_at,
        updated_at: T0 + created,
        created_at: T0 + created,
        tasks: None,
    }
}

fn org(n: u32, name: &str, slug: &str) -> Organization {
    let created_at = T0 + i64::from(n) * 1000;
    Organization {
        object: "organization".into(),
        id: format!("org_{n:02}"),
        name: name.into(),
        slug: slug.into(),
        image_url: String::new(),
        has_image: false,
        members_count: None,
        pending_invitations_count: None,
        max_allowed_memberships: 5,
        admin_delete_enabled: true,
        public_metadata: obj(json!({"tier": "gold"})),
        private_metadata: Map::new(),
        created_by: None,
        created_at,
        updated_at: created_at,
    }
}

fn membership(id: &str, org_id: &str, user_id: &str, created: i64) -> MembershipRecord {
    MembershipRecord {
        id: id.into(),
        organization_id: org_id.into(),
        user_id: user_id.into(),
        role: "org:member".into(),
        permissions: vec!["org:sys_memberships:read".into()],
        public_metadata: obj(json!({"team": "a"})),
        private_metadata: Map::new(),
        created_at: T0 + created,
        updated_at: T0 + created,
    }
}

fn template(n: u32, name: &str) -> TemplateRecord {
    let created_at = T0 + i64::from(n) * 1000;
    TemplateRecord {
        template: JwtTemplate {
            object: "jwt_template".into(),
            id: format!("jtmp_{n:02}"),
            name: name.into(),
            claims: obj(json!({"aud": "convex", "email": "{{user.primary_email_address}}"})),
            lifetime: 60,
            allowed_clock_skew: 5,
            custom_signing_key: false,
            signing_algorithm: "RS256".into(),
            created_at,
            updated_at: created_at,
        },
        signing_key_sealed: None,
    }
}

fn signing_key(kid: &str, created_at: i64) -> SigningKeyRecord {
    SigningKeyRecord {
        kid: kid.into(),
        alg: "RS256".into(),
        private_key_sealed: format!("sealed-{kid}"),
        active: true,
        created_at,
    }
}

fn instance(id: &str) -> InstanceRecord {
    InstanceRecord {
        id: id.into(),
        issuer: format!("https://{id}.example.test"),
        created_at: T0,
        settings: json!({"session_token_version": 2}),
    }
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}

fn page(limit: i64, offset: i64) -> Page {
    Page { limit, offset }
}

const ALL: Page = Page { limit: 500, offset: 0 };

fn ok<T>(r: StoreResult<T>) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("store call failed: {e}"),
    }
}

#[track_caller]
fn conflict<T: std::fmt::Debug>(r: StoreResult<T>) -> String {
    match r {
        Err(StoreError::Conflict(field)) => field,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

fn user_ids(users: &[User]) -> Vec<&str> {
    users.iter().map(|u| u.id.as_str()).collect()
}

fn session_ids(sessions: &[Session]) -> Vec<&str> {
    sessions.iter().map(|s| s.id.as_str()).collect()
}

fn with_count(o: &Organization, n: i64) -> Organization {
    Organization { members_count: Some(n), ..o.clone() }
}

async fn users_where(store: &dyn Store, filter: UserFilter) -> Vec<String> {
    let list = ok(store.list_users(&filter, ALL).await);
    let count = ok(store.count_users(&filter).await);
    assert_eq!(count, list.len() as i64, "count_users disagrees with list_users for {filter:?}");
    list.into_iter().map(|u| u.id).collect()
}

async fn ordered(store: &dyn Store, field: UserOrder, desc: bool) -> Vec<String> {
    let filter = UserFilter { order_by: Some((field, desc)), ..Default::default() };
    ok(store.list_users(&filter, ALL).await).into_iter().map(|u| u.id).collect()
}

async fn sessions_where(
    store: &dyn Store,
    user_id: Option<&str>,
    client_id: Option<&str>,
    status: Option<SessionStatus>,
    now: i64,
    p: Page,
) -> (Vec<Session>, i64) {
    let filter =
        SessionFilter { user_id: user_id.map(str::to_string), client_id: client_id.map(str::to_string), status, now };
    ok(store.list_sessions(&filter, p).await)
}

async fn stored_session(store: &dyn Store, id: &str) -> Session {
    match ok(store.get_session(id).await) {
        Some(s) => s,
        None => panic!("session {id} missing"),
    }
}

async fn orgs_where(store: &dyn Store, filter: OrganizationFilter, p: Page) -> (Vec<String>, i64) {
    let (list, total) = ok(store.list_organizations(&filter, p).await);
    (list.into_iter().map(|o| o.id).collect(), total)
}

// ---- checks: users ----------------------------------------------------------------------------------

async fn check_ping(store: &dyn Store) {
    ok(store.ping().await);
}

async fn check_users_crud(store: &dyn Store) {
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

async fn check_user_conflicts(store: &dyn Store) {
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

async fn check_update_user_replaces_identifiers(store: &dyn Store) {
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
async fn seed_users(store: &dyn Store) {
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

async fn check_list_users_filters(store: &dyn Store) {
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
        (UserFilter { external_id: strings(&["ext-1", "ext-4"]), ..f() }, vec!["user_04", "user_01"]),
        (UserFilter { user_id: strings(&["user_03", "user_05", "user_99"]), ..f() }, vec!["user_05", "user_03"]),
        // ANDed across lists.
        (
            UserFilter {
                email_address: strings(&["alice@example.com", "eve@example.com"]),
                user_id: strings(&["user_05", "user_04"]),
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
        users_where(store, UserFilter { organization_id: vec![oa.id.clone()], ..f() }).await,
        ["user_03", "user_01"]
    );
    assert_eq!(
        users_where(store, UserFilter { organization_id: vec![oa.id.clone(), ob.id.clone()], ..f() }).await,
        ["user_05", "user_03", "user_01"]
    );
    assert_eq!(
        users_where(store, UserFilter { organization_id: vec![ob.id.clone()], query: Some("eve".into()), ..f() }).await,
        ["user_05"]
    );
}

async fn check_list_users_order_and_paging(store: &dyn Store) {
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

async fn check_ban_user(store: &dyn Store) {
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

async fn check_delete_user_cascade(store: &dyn Store) {
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

// ---- checks: sessions -------------------------------------------------------------------------------

/// Seven sessions whose effective status at `T0 + 100_000` covers every rule.
async fn seed_sessions(store: &dyn Store) {
    let d = |ms: i64| T0 + ms;
    use SessionStatus::*;
    for s in [
        session("sess_1", "user_a", "client_1", Active, 1, d(200_000), d(300_000)),
        // expire_at passed
        session("sess_2", "user_a", "client_1", Active, 2, d(50_000), d(300_000)),
        // abandon_at passed (and is the earlier deadline)
        session("sess_3", "user_a", "client_2", Pending, 3, d(200_000), d(90_000)),
        session("sess_4", "user_a", "client_2", Ended, 4, d(50_000), d(60_000)),
        session("sess_5", "user_b", "client_3", Active, 5, d(200_000), d(300_000)),
        // both passed, expire_at first
        session("sess_6", "user_b", "client_3", Active, 6, d(60_000), d(70_000)),
        // both passed, abandon_at first: expiry still wins
        session("sess_7", "user_a", "client_1", Active, 7, d(80_000), d(70_000)),
    ] {
        ok(store.insert_session(&s).await);
    }
}

/// (user_id, client_id, status, expected ids)
type SessionCase<'a> = (Option<&'a str>, Option<&'a str>, Option<SessionStatus>, &'a [&'a str]);

async fn check_sessions_effective_status(store: &dyn Store) {
    seed_sessions(store).await;
    let now = T0 + 100_000;
    use SessionStatus::*;

    let (all, total) = sessions_where(store, None, None, None, now, ALL).await;
    assert_eq!(total, 7);
    assert_eq!(session_ids(&all), ["sess_7", "sess_6", "sess_5", "sess_4", "sess_3", "sess_2", "sess_1"]);
    let statuses: Vec<SessionStatus> = all.iter().map(|s| s.status).collect();
    assert_eq!(statuses, [Expired, Expired, Active, Ended, Abandoned, Expired, Active]);

    let cases: [SessionCase; 9] = [
        (None, None, Some(Active), &["sess_5", "sess_1"]),
        (None, None, Some(Expired), &["sess_7", "sess_6", "sess_2"]),
        (None, None, Some(Abandoned), &["sess_3"]),
        (None, None, Some(Ended), &["sess_4"]),
        (None, None, Some(Pending), &[]),
        (Some("user_a"), None, Some(Active), &["sess_1"]),
        (None, Some("client_2"), None, &["sess_4", "sess_3"]),
        (Some("user_b"), None, None, &["sess_6", "sess_5"]),
        (Some("user_a"), Some("client_3"), None, &[]),
    ];
    for (user_id, client_id, status, expected) in cases {
        let (list, total) = sessions_where(store, user_id, client_id, status, now, ALL).await;
        assert_eq!(session_ids(&list), expected, "{user_id:?} {client_id:?} {status:?}");
        assert_eq!(total, expected.len() as i64);
        if let Some(status) = status {
            assert!(list.iter().all(|s| s.status == status), "data agrees with the filter");
        }
    }

    // Paging keeps the total.
    let (list, total) = sessions_where(store, None, None, None, now, page(2, 1)).await;
    assert_eq!((session_ids(&list), total), (vec!["sess_6", "sess_5"], 7));
    let (list, total) = sessions_where(store, None, None, Some(Expired), now, page(1, 1)).await;
    assert_eq!((session_ids(&list), total), (vec!["sess_6"], 3));

    // get_session returns the stored status.
    assert_eq!(stored_session(store, "sess_2").await.status, Active);
    assert_eq!(stored_session(store, "sess_3").await.status, Pending);
    assert_eq!(ok(store.get_session("sess_nope").await), None);

    // The store's effective status is core's, at every instant (boundaries included).
    for at in [0, 50_000, 60_000, 69_999, 70_000, 80_000, 90_000, 100_000, 200_000, 300_000] {
        let at = T0 + at;
        let (list, _) = sessions_where(store, None, None, None, at, ALL).await;
        for listed in list {
            let stored = stored_session(store, &listed.id).await;
            let expected = tessera_core::sessions::effective_status(&stored, at);
            assert_eq!(listed.status, expected, "{} at {at}", listed.id);
            let (filtered, _) = sessions_where(store, None, None, Some(expected), at, ALL).await;
            assert!(filtered.iter().any(|s| s.id == listed.id), "{} at {at}", listed.id);
        }
    }

    // `now` decides: early on everything live is live, much later nothing is.
    let (list, _) = sessions_where(store, None, None, Some(Active), T0, ALL).await;
    assert_eq!(session_ids(&list), ["sess_7", "sess_6", "sess_5", "sess_2", "sess_1"]);
    let (list, _) = sessions_where(store, None, None, Some(Pending), T0, ALL).await;
    assert_eq!(session_ids(&list), ["sess_3"]);
    let (list, _) = sessions_where(store, None, None, Some(Active), T0 + 10_000_000, ALL).await;
    assert!(list.is_empty());

    // Duplicate ids conflict.
    let dup = session("sess_1", "user_x", "client_x", Active, 9, T0, T0);
    assert_eq!(conflict(store.insert_session(&dup).await), "id");
}

async fn check_end_session(store: &dyn Store) {
    seed_sessions(store).await;
    let now = T0 + 100_000;
    use SessionStatus::*;

    let s = ok(store.end_session("sess_1", Ended, now).await);
    let s = s.unwrap_or_else(|| panic!("sess_1 missing"));
    assert_eq!((s.status, s.updated_at), (Ended, now));
    assert_eq!(stored_session(store, "sess_1").await, s);

    // Terminal sessions do not move again.
    let again = ok(store.end_session("sess_1", Revoked, now + 5).await);
    assert_eq!(again.map(|s| (s.status, s.updated_at)), Some((Ended, now)));
    let ended = ok(store.end_session("sess_4", Revoked, now).await);
    assert_eq!(ended.map(|s| (s.status, s.updated_at)), Some((Ended, T0 + 4)));

    // Sessions past expire_at / abandon_at are returned as stored, unchanged.
    let expired = ok(store.end_session("sess_2", Revoked, now).await);
    assert_eq!(expired.map(|s| (s.status, s.updated_at)), Some((Active, T0 + 2)));
    let abandoned = ok(store.end_session("sess_3", Revoked, now).await);
    assert_eq!(abandoned.map(|s| (s.status, s.updated_at)), Some((Pending, T0 + 3)));
    // Exactly at expire_at counts as expired.
    let at_edge = ok(store.end_session("sess_5", Removed, T0 + 200_000).await);
    assert_eq!(at_edge.map(|s| s.status), Some(Active));

    // A live pending session can be ended.
    let pending = session("sess_8", "user_a", "client_1", Pending, 8, T0 + 1_000_000, T0 + 1_000_000);
    ok(store.insert_session(&pending).await);
    let revoked = ok(store.end_session("sess_8", Revoked, now).await);
    assert_eq!(revoked.map(|s| (s.status, s.updated_at)), Some((Revoked, now)));

    assert_eq!(ok(store.end_session("sess_nope", Ended, now).await), None);

    // The rest of the stored object survives the status change.
    let s8 = stored_session(store, "sess_8").await;
    assert_eq!(s8, Session { status: Revoked, updated_at: now, ..pending });
}

// ---- checks: organizations and memberships ----------------------------------------------------------

async fn check_organizations(store: &dyn Store) {
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
        (OrganizationFilter { user_id: Some("user_02".into()), ..f() }, vec!["org_02"]),
        (OrganizationFilter { user_id: Some("user_01".into()), ..f() }, vec!["org_02", "org_01"]),
        (OrganizationFilter { user_id: Some("user_03".into()), ..f() }, vec![]),
        (
            OrganizationFilter { organization_id: vec!["org_01".into(), "org_03".into(), "org_99".into()], ..f() },
            vec!["org_03", "org_01"],
        ),
        (
            OrganizationFilter {
                organization_id: vec!["org_01".into(), "org_03".into()],
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

async fn check_memberships(store: &dyn Store) {
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
    admin.permissions = vec!["org:sys_profile:manage".into()];
    admin.public_metadata = obj(json!({"team": "b"}));
    admin.updated_at = T0 + 50;
    assert!(ok(store.update_membership(&admin).await));
    assert_eq!(ok(store.get_membership(&o.id, "user_02").await), Some(admin.clone()));
    let stranger = membership("orgmem_x", &o.id, "user_04", 9);
    assert!(!ok(store.update_membership(&stranger).await));
    assert_eq!(ok(store.get_membership(&o.id, "user_04").await), None);

    // Oldest first, with the total.
    let (list, total) = ok(store.list_memberships(&o.id, ALL).await);
    assert_eq!((list.clone(), total), (vec![m1.clone(), admin.clone(), m3.clone()], 3));
    let (list, total) = ok(store.list_memberships(&o.id, page(2, 1)).await);
    assert_eq!((list, total), (vec![admin.clone(), m3.clone()], 3));
    let (list, total) = ok(store.list_memberships("org_nope", ALL).await);
    assert_eq!((list.len(), total), (0, 0));

    let mine = ok(store.list_user_memberships("user_01").await);
    assert_eq!(mine, [(m1.clone(), with_count(&o, 3)), (m4.clone(), with_count(&other, 1))]);
    assert!(ok(store.list_user_memberships("user_04").await).is_empty());

    assert!(ok(store.delete_membership(&o.id, "user_02").await));
    assert!(!ok(store.delete_membership(&o.id, "user_02").await));
    let (list, total) = ok(store.list_memberships(&o.id, ALL).await);
    assert_eq!((list, total), (vec![m1.clone(), m3.clone()], 2));
    let fetched = ok(store.get_organization(&o.id).await);
    assert_eq!(fetched.and_then(|o| o.members_count), Some(2));
    // Leaving frees the pair.
    ok(store.insert_membership(&membership("orgmem_5", &o.id, "user_02", 5)).await);
}

// ---- checks: templates ------------------------------------------------------------------------------

async fn check_templates(store: &dyn Store) {
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

// ---- checks: instance and keys ----------------------------------------------------------------------

async fn check_instance_and_signing_keys(store: &dyn Store) {
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

async fn check_secret_keys(store: &dyn Store) {
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

// ---- checks that need more than one connection ------------------------------------------------------

async fn open(url: &str) -> SqlStore {
    match SqlStore::connect(url).await {
        Ok(store) => store,
        Err(e) => panic!("connecting to the test database: {e}"),
    }
}

/// Two nodes creating the instance at the same time agree on one instance and one first key.
async fn check_instance_race(url: String) {
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
async fn check_concurrent_writes(url: String) {
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
async fn check_persistence_across_reconnect(url: String) {
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

// ---- harness ----------------------------------------------------------------------------------------

enum TestDb {
    Sqlite { _dir: tempfile::TempDir, url: String },
    Postgres { admin_url: String, name: String, url: String },
}

impl TestDb {
    fn url(&self) -> String {
        match self {
            TestDb::Sqlite { url, .. } | TestDb::Postgres { url, .. } => url.clone(),
        }
    }

    async fn cleanup(self) {
        if let TestDb::Postgres { admin_url, name, .. } = self
            && let Ok(mut conn) = admin_connection(&admin_url).await
        {
            let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            let _ = sqlx::query(sqlx::AssertSqlSafe(drop)).execute(&mut conn).await;
        }
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Sqlite,
    Postgres,
}

async fn admin_connection(url: &str) -> Result<sqlx::AnyConnection, sqlx::Error> {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    sqlx::AnyConnection::connect(url).await
}

fn unique_suffix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default();
    format!("{}_{}_{}", std::process::id(), nanos % 1_000_000_000_000, COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// The same server URL pointing at database `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_start = base.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = base[authority_start..].find('/').map(|i| authority_start + i).unwrap_or(base.len());
    let mut out = format!("{}/{}", &base[..path_start], name);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

async fn create_db(kind: Kind) -> Option<TestDb> {
    match kind {
        Kind::Sqlite => {
            let dir = match tempfile::tempdir() {
                Ok(d) => d,
                Err(e) => panic!("tempdir: {e}"),
            };
            let url = format!("sqlite://{}", dir.path().join("tessera.sqlite").display());
            Some(TestDb::Sqlite { _dir: dir, url })
        }
        Kind::Postgres => {
            let Some(admin_url) = std::env::var("TESSERA_TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) else {
                if std::env::var_os("CI").is_some() {
                    panic!(
                        "TESSERA_TEST_DATABASE_URL is not set but CI is: the PostgreSQL conformance \
                         tests must run in CI (e.g. postgres://postgres@127.0.0.1:5432/test)"
                    );
                }
                eprintln!("notice: TESSERA_TEST_DATABASE_URL not set; skipping a PostgreSQL test");
                return None;
            };
            let name = format!("tessera_test_{}", unique_suffix());
            let mut conn = match admin_connection(&admin_url).await {
                Ok(c) => c,
                Err(e) => panic!("connecting to TESSERA_TEST_DATABASE_URL: {e}"),
            };
            let create = format!("CREATE DATABASE {name}");
            if let Err(e) = sqlx::query(sqlx::AssertSqlSafe(create)).execute(&mut conn).await {
                panic!("creating test database {name}: {e}");
            }
            let url = with_database(&admin_url, &name);
            Some(TestDb::Postgres { admin_url, name, url })
        }
    }
}

/// Runs `body(url)` on a fresh database, then drops the database even if the body panicked.
async fn run<F, Fut>(kind: Kind, body: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(db) = create_db(kind).await else {
        return;
    };
    let outcome = tokio::spawn(body(db.url())).await;
    db.cleanup().await;
    if let Err(e) = outcome {
        if e.is_panic() {
            std::panic::resume_unwind(e.into_panic());
        }
        panic!("test task failed: {e}");
    }
}

macro_rules! conformance {
    (store: [$($check:ident),* $(,)?], url: [$($url_check:ident),* $(,)?]) => {
        conformance!(@backend sqlite, Kind::Sqlite, [$($check),*], [$($url_check),*]);
        conformance!(@backend postgres, Kind::Postgres, [$($check),*], [$($url_check),*]);
    };
    (@backend $module:ident, $kind:expr, [$($check:ident),*], [$($url_check:ident),*]) => {
        mod $module {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $check() {
                    run($kind, |url| async move {
                        let store = open(&url).await;
                        super::$check(&store).await;
                        store.close().await;
                    })
                    .await;
                }
            )*
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $url_check() {
                    run($kind, super::$url_check).await;
                }
            )*
        }
    };
}

conformance!(
    store: [
        check_ping,
        check_users_crud,
        check_user_conflicts,
        check_update_user_replaces_identifiers,
        check_list_users_filters,
        check_list_users_order_and_paging,
        check_ban_user,
        check_delete_user_cascade,
        check_sessions_effective_status,
        check_end_session,
        check_organizations,
        check_memberships,
        check_templates,
        check_instance_and_signing_keys,
        check_secret_keys,
    ],
    url: [
        check_instance_race,
        check_concurrent_writes,
        check_persistence_across_reconnect,
    ]
);

// ---- backend specifics ------------------------------------------------------------------------------

#[tokio::test]
async fn in_memory_sqlite_keeps_its_data_on_one_connection() {
    let store = open("sqlite::memory:").await;
    assert_eq!(store.backend_name(), "sqlite");
    check_users_crud(&store).await;
    check_memberships(&store).await;
    check_sessions_effective_status(&store).await;
    assert_eq!(ok(store.integrity_check().await), ["ok"]);
}

#[tokio::test]
async fn sqlite_file_is_created_in_wal_mode() {
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("tempdir: {e}"),
    };
    let path = dir.path().join("fresh.sqlite");
    assert!(!path.exists());
    let store = open(&format!("sqlite://{}", path.display())).await;
    assert!(path.exists());
    assert_eq!(store.backend_name(), "sqlite");
    assert_eq!(ok(store.integrity_check().await), ["ok"]);
    ok(store.ping().await);
    store.close().await;
    let mut conn = match admin_connection(&format!("sqlite://{}", path.display())).await {
        Ok(c) => c,
        Err(e) => panic!("reopen: {e}"),
    };
    let row = sqlx::query("PRAGMA journal_mode").fetch_one(&mut conn).await;
    let mode: String = match row.and_then(|r| sqlx::Row::try_get(&r, 0)) {
        Ok(m) => m,
        Err(e) => panic!("journal_mode: {e}"),
    };
    assert_eq!(mode.to_lowercase(), "wal");
}

#[tokio::test]
async fn postgres_reports_its_backend() {
    run(Kind::Postgres, |url| async move {
        let store = open(&url).await;
        assert_eq!(store.backend_name(), "postgres");
        assert_eq!(ok(store.integrity_check().await), ["ok"]);
        store.close().await;
    })
    .await;
}

#[test]
fn database_names_replace_the_path_of_the_url() {
    assert_eq!(with_database("postgres://postgres@127.0.0.1:5432/test", "x"), "postgres://postgres@127.0.0.1:5432/x");
    assert_eq!(with_database("postgres://u:p@h/test?sslmode=disable", "x"), "postgres://u:p@h/x?sslmode=disable");
    assert_eq!(with_database("postgres://h:5432", "x"), "postgres://h:5432/x");
}

#[tokio::test]
async fn unsupported_urls_are_refused() {
    match SqlStore::connect("mysql://localhost/x").await {
        Err(StoreError::Backend(_)) => {}
        other => panic!("expected a backend error, got {:?}", other.map(|_| ())),
    }
}
