//! Records to store and the small helpers the checks share.

pub use serde_json::{Map, Value, json};
pub use tessera_core::store::{
    IdFilter, InstanceRecord, InstanceStore, MembershipFilter, MembershipOrder, MembershipRecord, MintRecords,
    OrganizationFilter, OrganizationOrder, OrganizationStore, Page, SecretKeyRecord, SessionClaimsRecord,
    SessionClaimsStore, SessionFilter, SessionStore, SigningKeyRecord, Store, StoreError, StoreResult, TemplateRecord,
    TemplateStore, TimeRange, UserFilter, UserOrder, UserStore,
};
pub use tessera_store::SqlStore;
pub use tessera_types::{
    EmailAddress, JwtTemplate, Organization, PhoneNumber, Session, SessionStatus, User, Verification,
};

pub const T0: i64 = 1_700_000_000_000;

pub fn user(n: u32) -> User {
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
pub fn email(mut u: User, address: &str) -> User {
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
pub fn phone(mut u: User, number: &str) -> User {
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

pub fn session(
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

pub fn org(n: u32, name: &str, slug: &str) -> Organization {
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
        role_set_key: None,
        created_at,
        updated_at: created_at,
    }
}

pub fn membership(id: &str, org_id: &str, user_id: &str, created: i64) -> MembershipRecord {
    MembershipRecord {
        role_name: None,
        id: id.into(),
        organization_id: org_id.into(),
        user_id: user_id.into(),
        role: "org:member".into(),
        // Filled in at read from the role: none without roles.
        permissions: Vec::new(),
        public_metadata: obj(json!({"team": "a"})),
        private_metadata: Map::new(),
        created_at: T0 + created,
        updated_at: T0 + created,
    }
}

pub fn template(n: u32, name: &str) -> TemplateRecord {
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
        key_max_token_lifetime: None,
    }
}

pub fn signing_key(kid: &str, created_at: i64) -> SigningKeyRecord {
    SigningKeyRecord {
        kid: kid.into(),
        alg: "RS256".into(),
        private_key_sealed: format!("sealed-{kid}"),
        active: true,
        sign_after: None,
        retired_at: None,
        max_token_lifetime: None,
        created_at,
    }
}

pub fn instance(id: &str) -> InstanceRecord {
    InstanceRecord {
        id: id.into(),
        issuer: format!("https://{id}.example.test"),
        created_at: T0,
        settings: json!({"session_token_version": 2}),
    }
}

pub fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}

pub fn page(limit: i64, offset: i64) -> Page {
    Page { limit, offset }
}

pub const ALL: Page = Page { limit: 500, offset: 0 };

pub fn ok<T>(r: StoreResult<T>) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("store call failed: {e}"),
    }
}

#[track_caller]
pub fn conflict<T: std::fmt::Debug>(r: StoreResult<T>) -> String {
    match r {
        Err(StoreError::Conflict(field)) => field,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

pub fn user_ids(users: &[User]) -> Vec<&str> {
    users.iter().map(|u| u.id.as_str()).collect()
}

pub fn session_ids(sessions: &[Session]) -> Vec<&str> {
    sessions.iter().map(|s| s.id.as_str()).collect()
}

pub fn with_count(o: &Organization, n: i64) -> Organization {
    Organization { members_count: Some(n), ..o.clone() }
}

pub async fn users_where(store: &dyn Store, filter: UserFilter) -> Vec<String> {
    let list = ok(store.list_users(&filter, ALL).await);
    let count = ok(store.count_users(&filter).await);
    assert_eq!(count, list.len() as i64, "count_users disagrees with list_users for {filter:?}");
    list.into_iter().map(|u| u.id).collect()
}

pub async fn ordered(store: &dyn Store, field: UserOrder, desc: bool) -> Vec<String> {
    let filter = UserFilter { order_by: Some((field, desc)), ..Default::default() };
    ok(store.list_users(&filter, ALL).await).into_iter().map(|u| u.id).collect()
}

pub async fn sessions_where(
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

pub async fn stored_session(store: &dyn Store, id: &str) -> Session {
    match ok(store.get_session(id).await) {
        Some(s) => s,
        None => panic!("session {id} missing"),
    }
}

pub async fn orgs_where(store: &dyn Store, filter: OrganizationFilter, p: Page) -> (Vec<String>, i64) {
    let (list, total) = ok(store.list_organizations(&filter, p).await);
    (list.into_iter().map(|o| o.id).collect(), total)
}

pub async fn open(url: &str) -> SqlStore {
    match SqlStore::connect(url).await {
        Ok(store) => store,
        Err(e) => panic!("connecting to the test database: {e}"),
    }
}

/// The filter of one organization's memberships, nothing else.
pub fn of(organization_id: &str) -> MembershipFilter {
    MembershipFilter { organization_id: Some(organization_id.into()), ..Default::default() }
}
