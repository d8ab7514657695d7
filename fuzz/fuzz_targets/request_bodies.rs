//! Fuzzes every JSON request body the server accepts, through the same code the handlers call.
//!
//! The first byte picks an operation (create/update user, metadata merge and replace, sessions,
//! organizations, memberships, JWT templates, minting, seed files, and the pure validators); the
//! rest is the raw body, parsed with `Fields::from_bytes` exactly as the server's `Body` extractor
//! does. The core runs over a small in-memory `Store` (reset before every input, so a crash
//! reproduces from its input alone) and futures are polled to completion without a runtime: the
//! store never waits.
//!
//! Checked for every input:
//! - no panic, and every error is a 4xx (the store never fails, so a 5xx is a bug in the core);
//! - no error message repeats a piece of a custom signing key or password sent in the body;
//! - successful writes serialize; a template that was created or updated mints a token that
//!   decodes, is at most the configured size, names the user in `sub`, and verifies with the key
//!   published in the JWKS (or the HMAC secret from the body);
//! - `deep_merge` is idempotent and removes every key patched with `null`.
#![no_main]

use std::future::Future;
use std::pin::pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll, Waker};

use async_trait::async_trait;
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Map, Value};
use tessera_core::clock::ManualClock;
use tessera_core::fields::Fields;
use tessera_core::store::{
    InstanceRecord, MembershipRecord, OrganizationFilter, Page, SecretKeyRecord, SessionFilter, SigningKeyRecord,
    Store, StoreError, StoreResult, TemplateRecord, UserFilter,
};
use tessera_core::{ApiError, ApiResult, CoreConfig, MasterKey, Tessera};
use tessera_jwt::{Algorithm, SigningKey, VerifyingKey};
use tessera_types::{Organization, Session, SessionStatus, User};

const RSA_PEM: &str = include_str!("../../crates/tessera-jwt/tests/fixtures/rsa2048_pkcs8.pem");
const P256_PEM: &str = include_str!("../../crates/tessera-jwt/tests/fixtures/p256_pkcs8.pem");
const HS_SECRET: &str = "fuzz-hmac-secret-0123456789abcdef";
const NOW_MS: i64 = 1_700_000_000_000;

// ---- a runtime-free executor ---------------------------------------------------------------------

/// Polls a future that never waits (the in-memory store answers at once) to completion.
fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..1_000 {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
    panic!("a core future kept waiting on an in-memory store");
}

// ---- an in-memory store --------------------------------------------------------------------------

#[derive(Clone, Default)]
struct State {
    instance: Option<InstanceRecord>,
    keys: Vec<SigningKeyRecord>,
    secrets: Vec<SecretKeyRecord>,
    users: Vec<User>,
    sessions: Vec<Session>,
    orgs: Vec<Organization>,
    members: Vec<MembershipRecord>,
    templates: Vec<TemplateRecord>,
}

/// Enough of a store for the core's write paths: uniqueness of emails, usernames, external ids,
/// slugs, memberships and template names, lookups by id (and slug, and template name).
#[derive(Default)]
struct MemStore {
    state: Mutex<State>,
    snapshot: Mutex<State>,
}

impl MemStore {
    fn st(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
    fn save_snapshot(&self) {
        *self.snapshot.lock().unwrap() = self.st().clone();
    }
    fn reset(&self) {
        *self.st() = self.snapshot.lock().unwrap().clone();
    }
}

fn conflict(field: &str) -> StoreError {
    StoreError::Conflict(field.to_owned())
}

fn user_conflict(users: &[User], u: &User) -> Option<StoreError> {
    for other in users.iter().filter(|o| o.id != u.id) {
        for e in &u.email_addresses {
            if other.email_addresses.iter().any(|o| o.email_address.eq_ignore_ascii_case(&e.email_address)) {
                return Some(conflict("email_address"));
            }
        }
        if u.username.is_some() && u.username == other.username {
            return Some(conflict("username"));
        }
        if u.external_id.is_some() && u.external_id == other.external_id {
            return Some(conflict("external_id"));
        }
    }
    None
}

#[async_trait]
impl Store for MemStore {
    async fn ping(&self) -> StoreResult<()> {
        Ok(())
    }
    async fn get_instance(&self) -> StoreResult<Option<InstanceRecord>> {
        Ok(self.st().instance.clone())
    }
    async fn create_instance(
        &self,
        instance: &InstanceRecord,
        first_key: &SigningKeyRecord,
    ) -> StoreResult<InstanceRecord> {
        let mut st = self.st();
        if st.instance.is_none() {
            st.instance = Some(instance.clone());
            st.keys.push(first_key.clone());
        }
        Ok(st.instance.clone().unwrap())
    }
    async fn update_instance_settings(&self, settings: &Value) -> StoreResult<()> {
        if let Some(i) = self.st().instance.as_mut() {
            i.settings = settings.clone();
        }
        Ok(())
    }
    async fn list_signing_keys(&self) -> StoreResult<Vec<SigningKeyRecord>> {
        Ok(self.st().keys.clone())
    }
    async fn insert_signing_key(&self, key: &SigningKeyRecord) -> StoreResult<()> {
        self.st().keys.push(key.clone());
        Ok(())
    }
    async fn set_signing_key_active(&self, kid: &str, active: bool) -> StoreResult<bool> {
        let mut st = self.st();
        let k = st.keys.iter_mut().find(|k| k.kid == kid);
        Ok(k.map(|k| k.active = active).is_some())
    }
    async fn insert_secret_key(&self, key: &SecretKeyRecord) -> StoreResult<()> {
        self.st().secrets.push(key.clone());
        Ok(())
    }
    async fn find_secret_key(&self, key_hash: &str) -> StoreResult<Option<SecretKeyRecord>> {
        Ok(self.st().secrets.iter().find(|k| k.key_hash == key_hash).cloned())
    }
    async fn count_secret_keys(&self) -> StoreResult<i64> {
        Ok(self.st().secrets.len() as i64)
    }
    async fn list_secret_keys(&self) -> StoreResult<Vec<SecretKeyRecord>> {
        Ok(self.st().secrets.clone())
    }
    async fn delete_secret_key(&self, id: &str) -> StoreResult<bool> {
        let mut st = self.st();
        let before = st.secrets.len();
        st.secrets.retain(|k| k.id != id);
        Ok(st.secrets.len() != before)
    }
    async fn reseal_keys(&self, signing_keys: &[(String, String)], templates: &[(String, String)]) -> StoreResult<()> {
        let mut st = self.st();
        for (kid, sealed) in signing_keys {
            if let Some(k) = st.keys.iter_mut().find(|k| &k.kid == kid) {
                k.private_key_sealed = sealed.clone();
            }
        }
        for (id, sealed) in templates {
            if let Some(t) = st.templates.iter_mut().find(|t| &t.template.id == id) {
                t.signing_key_sealed = Some(sealed.clone());
            }
        }
        Ok(())
    }

    async fn insert_user(&self, user: &User) -> StoreResult<()> {
        let mut st = self.st();
        if st.users.iter().any(|u| u.id == user.id) {
            return Err(conflict("id"));
        }
        if let Some(e) = user_conflict(&st.users, user) {
            return Err(e);
        }
        st.users.push(user.clone());
        Ok(())
    }
    async fn update_user(&self, user: &User) -> StoreResult<bool> {
        let mut st = self.st();
        if let Some(e) = user_conflict(&st.users, user) {
            return Err(e);
        }
        let slot = st.users.iter_mut().find(|u| u.id == user.id);
        Ok(slot.map(|u| *u = user.clone()).is_some())
    }
    async fn ban_user(&self, user: &User, now: i64) -> StoreResult<bool> {
        let mut st = self.st();
        for s in st.sessions.iter_mut().filter(|s| s.user_id == user.id) {
            if s.status.is_live() {
                s.status = SessionStatus::Revoked;
                s.updated_at = now;
            }
        }
        let slot = st.users.iter_mut().find(|u| u.id == user.id);
        Ok(slot.map(|u| *u = user.clone()).is_some())
    }
    async fn get_user(&self, id: &str) -> StoreResult<Option<User>> {
        Ok(self.st().users.iter().find(|u| u.id == id).cloned())
    }
    async fn delete_user(&self, id: &str, _now: i64) -> StoreResult<bool> {
        let mut st = self.st();
        let before = st.users.len();
        st.users.retain(|u| u.id != id);
        st.members.retain(|m| m.user_id != id);
        Ok(st.users.len() != before)
    }
    async fn list_users(&self, _filter: &UserFilter, page: Page) -> StoreResult<Vec<User>> {
        let st = self.st();
        Ok(st.users.iter().skip(page.offset as usize).take(page.limit as usize).cloned().collect())
    }
    async fn count_users(&self, _filter: &UserFilter) -> StoreResult<i64> {
        Ok(self.st().users.len() as i64)
    }

    async fn insert_session(&self, session: &Session) -> StoreResult<()> {
        let mut st = self.st();
        if st.sessions.iter().any(|s| s.id == session.id) {
            return Err(conflict("id"));
        }
        st.sessions.push(session.clone());
        Ok(())
    }
    async fn get_session(&self, id: &str) -> StoreResult<Option<Session>> {
        Ok(self.st().sessions.iter().find(|s| s.id == id).cloned())
    }
    async fn list_sessions(&self, _filter: &SessionFilter, _page: Page) -> StoreResult<(Vec<Session>, i64)> {
        let st = self.st();
        Ok((st.sessions.clone(), st.sessions.len() as i64))
    }
    async fn end_session(&self, id: &str, to: SessionStatus, now: i64) -> StoreResult<Option<Session>> {
        let mut st = self.st();
        let Some(s) = st.sessions.iter_mut().find(|s| s.id == id) else {
            return Ok(None);
        };
        if s.status.is_live() && now < s.expire_at && now < s.abandon_at {
            s.status = to;
            s.updated_at = now;
        }
        Ok(Some(s.clone()))
    }

    async fn insert_organization(
        &self,
        org: &Organization,
        first_member: Option<&MembershipRecord>,
    ) -> StoreResult<()> {
        let mut st = self.st();
        if st.orgs.iter().any(|o| o.id == org.id) {
            return Err(conflict("id"));
        }
        if st.orgs.iter().any(|o| o.slug == org.slug) {
            return Err(conflict("slug"));
        }
        st.orgs.push(org.clone());
        st.members.extend(first_member.cloned());
        Ok(())
    }
    async fn update_organization(&self, org: &Organization) -> StoreResult<bool> {
        let mut st = self.st();
        if st.orgs.iter().any(|o| o.slug == org.slug && o.id != org.id) {
            return Err(conflict("slug"));
        }
        let slot = st.orgs.iter_mut().find(|o| o.id == org.id);
        Ok(slot.map(|o| *o = org.clone()).is_some())
    }
    async fn get_organization(&self, id_or_slug: &str) -> StoreResult<Option<Organization>> {
        let st = self.st();
        let found = st
            .orgs
            .iter()
            .find(|o| o.id == id_or_slug)
            .or_else(|| st.orgs.iter().find(|o| o.slug == id_or_slug))
            .cloned();
        Ok(found.map(|mut o| {
            o.members_count = Some(st.members.iter().filter(|m| m.organization_id == o.id).count() as i64);
            o
        }))
    }
    async fn delete_organization(&self, id: &str) -> StoreResult<bool> {
        let mut st = self.st();
        let before = st.orgs.len();
        st.orgs.retain(|o| o.id != id);
        st.members.retain(|m| m.organization_id != id);
        Ok(st.orgs.len() != before)
    }
    async fn list_organizations(
        &self,
        _filter: &OrganizationFilter,
        _page: Page,
    ) -> StoreResult<(Vec<Organization>, i64)> {
        let st = self.st();
        Ok((st.orgs.clone(), st.orgs.len() as i64))
    }

    async fn insert_membership(&self, m: &MembershipRecord) -> StoreResult<()> {
        let mut st = self.st();
        if st.members.iter().any(|x| x.organization_id == m.organization_id && x.user_id == m.user_id) {
            return Err(conflict("membership"));
        }
        st.members.push(m.clone());
        Ok(())
    }
    async fn update_membership(&self, m: &MembershipRecord) -> StoreResult<bool> {
        let mut st = self.st();
        let slot = st.members.iter_mut().find(|x| x.organization_id == m.organization_id && x.user_id == m.user_id);
        Ok(slot.map(|x| *x = m.clone()).is_some())
    }
    async fn delete_membership(&self, organization_id: &str, user_id: &str) -> StoreResult<bool> {
        let mut st = self.st();
        let before = st.members.len();
        st.members.retain(|x| !(x.organization_id == organization_id && x.user_id == user_id));
        Ok(st.members.len() != before)
    }
    async fn get_membership(&self, organization_id: &str, user_id: &str) -> StoreResult<Option<MembershipRecord>> {
        let st = self.st();
        Ok(st.members.iter().find(|x| x.organization_id == organization_id && x.user_id == user_id).cloned())
    }
    async fn list_memberships(&self, organization_id: &str, _page: Page) -> StoreResult<(Vec<MembershipRecord>, i64)> {
        let st = self.st();
        let v: Vec<_> = st.members.iter().filter(|m| m.organization_id == organization_id).cloned().collect();
        let n = v.len() as i64;
        Ok((v, n))
    }
    async fn list_user_memberships(&self, user_id: &str) -> StoreResult<Vec<(MembershipRecord, Organization)>> {
        let st = self.st();
        Ok(st
            .members
            .iter()
            .filter(|m| m.user_id == user_id)
            .filter_map(|m| {
                let o = st.orgs.iter().find(|o| o.id == m.organization_id)?;
                Some((m.clone(), o.clone()))
            })
            .collect())
    }

    async fn insert_template(&self, t: &TemplateRecord) -> StoreResult<()> {
        let mut st = self.st();
        if st.templates.iter().any(|x| x.template.id == t.template.id) {
            return Err(conflict("id"));
        }
        if st.templates.iter().any(|x| x.template.name == t.template.name) {
            return Err(conflict("name"));
        }
        st.templates.push(t.clone());
        Ok(())
    }
    async fn update_template(&self, t: &TemplateRecord) -> StoreResult<bool> {
        let mut st = self.st();
        if st.templates.iter().any(|x| x.template.name == t.template.name && x.template.id != t.template.id) {
            return Err(conflict("name"));
        }
        let slot = st.templates.iter_mut().find(|x| x.template.id == t.template.id);
        Ok(slot.map(|x| *x = t.clone()).is_some())
    }
    async fn get_template(&self, id: &str) -> StoreResult<Option<TemplateRecord>> {
        Ok(self.st().templates.iter().find(|x| x.template.id == id).cloned())
    }
    async fn get_template_by_name(&self, name: &str) -> StoreResult<Option<TemplateRecord>> {
        Ok(self.st().templates.iter().find(|x| x.template.name == name).cloned())
    }
    async fn delete_template(&self, id: &str) -> StoreResult<bool> {
        let mut st = self.st();
        let before = st.templates.len();
        st.templates.retain(|x| x.template.id != id);
        Ok(st.templates.len() != before)
    }
    async fn list_templates(&self, page: Page) -> StoreResult<(Vec<TemplateRecord>, i64)> {
        let st = self.st();
        let v = st.templates.iter().skip(page.offset as usize).take(page.limit as usize).cloned().collect();
        Ok((v, st.templates.len() as i64))
    }
}

// ---- the fixture: one instance with a user, an organization, a session and templates ------------

struct Fixture {
    app: Tessera,
    store: Arc<MemStore>,
    user: String,
    org: String,
    session: String,
    /// (id, name) of templates: instance key, custom HS256, custom ES256.
    templates: Vec<(String, String)>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let store = Arc::new(MemStore::default());
        let pinned = SigningKey::from_pem(Algorithm::RS256, RSA_PEM).unwrap();
        let opened = block_on(Tessera::open_with_key(
            store.clone(),
            Arc::new(ManualClock::new(NOW_MS)),
            CoreConfig::default(),
            MasterKey([7; 32]),
            Some(pinned),
        ))
        .unwrap();
        let app = opened.app;
        // Fixed ids (through a seed document), so bodies in the corpus can name them.
        let everything = json!({
            "aud": "fuzz", "name": "{{user.full_name}}", "email": "{{user.primary_email_address}}",
            "meta": "{{user.public_metadata}}", "age": "{{user.unsafe_metadata.age || 0}}",
            "org": {"id": "{{org.id}}", "role": "{{org.role}}", "slug": "{{org.slug}}"},
            "orgs": "{{user.organizations}}", "greeting": "hi {{user.first_name}} of {{org.name}}",
            "perms": "{{org_membership.permissions}}", "sid": "{{session.id}}"
        });
        let seed = json!({
            "users": [
                {"id": "user_fz", "email_address": ["ada@example.com"], "username": "ada_l",
                 "first_name": "Ada", "last_name": "Lovelace", "external_id": "ext-1",
                 "public_metadata": {"role": "admin", "n": [1, 2, {"x": null}]},
                 "private_metadata": {"secret": true}, "unsafe_metadata": {"age": 36}},
                {"id": "user_two", "email_address": ["bob@example.com"], "first_name": "Bob"}
            ],
            "organizations": [
                {"id": "org_fz", "name": "Analytical Engines", "slug": "engines",
                 "created_by": "user_fz", "public_metadata": {"tier": "gold"}}
            ],
            "sessions": [{"id": "sess_fz", "user_id": "user_fz", "active_organization_id": "org_fz"}],
            "jwt_templates": [
                {"id": "jtmp_everything", "name": "everything", "claims": everything},
                {"id": "jtmp_hs", "name": "hs", "claims": {"aud": "hs", "u": "{{user.id}}"},
                 "custom_signing_key": true, "signing_algorithm": "HS256", "signing_key": HS_SECRET},
                {"id": "jtmp_es", "name": "es", "claims": {"aud": "es", "e": "{{user.email_verified}}"},
                 "custom_signing_key": true, "signing_algorithm": "ES256", "signing_key": P256_PEM,
                 "lifetime": 3600, "allowed_clock_skew": 30}
            ]
        });
        block_on(app.apply_seed(&seed)).unwrap();
        let templates = ["everything", "hs", "es"].iter().map(|n| (format!("jtmp_{n}"), n.to_string())).collect();
        store.save_snapshot();
        Fixture { app, store, user: "user_fz".into(), org: "org_fz".into(), session: "sess_fz".into(), templates }
    })
}

// ---- invariants -------------------------------------------------------------------------------

const SECRET_KEYS: [&str; 4] = ["signing_key", "password", "password_digest", "totp_secret"];

/// The secrets a body sent (custom keys, passwords) and every other string in it (keys included).
#[derive(Default)]
struct BodySecrets {
    secrets: Vec<String>,
    elsewhere: Vec<String>,
}

fn secrets_in(v: &Value) -> BodySecrets {
    fn strings(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::String(s) => out.push(s.clone()),
            Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
            Value::Object(m) => m.iter().for_each(|(k, x)| {
                out.push(k.clone());
                strings(x, out);
            }),
            _ => {}
        }
    }
    let Value::Object(m) = v else {
        return BodySecrets::default();
    };
    let mut rest = m.clone();
    SECRET_KEYS.iter().for_each(|k| {
        rest.remove(*k);
    });
    let mut out = BodySecrets::default();
    strings(&Value::Object(rest), &mut out.elsewhere);
    for k in SECRET_KEYS {
        if let Some(Value::String(s)) = m.get(k) {
            out.secrets.push(s.clone());
        }
    }
    out
}

/// Fails if a message repeats a piece of a secret: a run of 24 or more base64 characters (what PEM
/// bodies and generated secrets are made of; no word of an error message is that long) found in a
/// secret of the body and nowhere else in it (a message may rightly repeat a key name or a value).
fn assert_no_secret(message: &str, body: &BodySecrets, what: &str) {
    let is_b64 = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=');
    for run in message.split(|c: char| !is_b64(c)).filter(|r| r.len() >= 24) {
        let in_secret = body.secrets.iter().any(|s| s.contains(run));
        let in_rest = body.elsewhere.iter().any(|s| s.contains(run));
        assert!(!in_secret || in_rest, "{what}: an error repeats a secret from the body: {message}");
    }
}

fn check_error(e: &ApiError, body: &BodySecrets, what: &str) {
    let status = e.kind.status();
    assert!(
        (400..500).contains(&status),
        "{what}: the in-memory store never fails, yet the core answered {status}: {e:?}"
    );
    assert!(!e.code.is_empty() && !e.message.is_empty(), "{what}: {e:?}");
    assert_no_secret(&e.long_message, body, what);
    assert_no_secret(&e.message, body, what);
}

fn check<T: serde::Serialize>(r: ApiResult<T>, secrets: &BodySecrets, what: &str) -> Option<T> {
    match r {
        Ok(v) => {
            serde_json::to_vec(&v).expect("a result always serializes");
            Some(v)
        }
        Err(e) => {
            check_error(&e, secrets, what);
            None
        }
    }
}

/// Mints from `template` for the fixture session and checks the token against the published keys
/// (or `hmac_secret` for HMAC templates).
fn mint_and_verify(f: &Fixture, template: &str, hmac_secret: Option<&str>, body: Fields) {
    let Some(token) =
        check(block_on(f.app.mint_template_token(&f.session, template, body)), &BodySecrets::default(), "mint")
    else {
        return;
    };
    let jwt = token.jwt;
    assert!(jwt.len() <= f.app.config().max_token_bytes);
    let decoded = tessera_jwt::decode_unverified(&jwt).expect("a minted token decodes");
    assert_eq!(decoded.claims.get("sub"), Some(&Value::from(f.user.as_str())));
    for reserved in ["exp", "iat", "iss", "jti", "nbf"] {
        assert!(decoded.claims.contains_key(reserved), "minted token lacks {reserved}");
    }
    let alg = decoded.alg.expect("a minted token names a known alg");
    let key = if alg.is_hmac() {
        assert!(decoded.kid.is_none(), "HMAC tokens carry no kid");
        match hmac_secret {
            Some(s) => VerifyingKey::from_hmac_secret(alg, s.as_bytes()).unwrap(),
            None => return,
        }
    } else {
        let kid = decoded.kid.as_deref().expect("asymmetric tokens carry a kid");
        let jwks = block_on(f.app.jwks()).expect("the JWKS is readable");
        let jwk = jwks.keys.iter().find(|k| k.kid.as_deref() == Some(kid)).expect("the signing key is published");
        VerifyingKey::from_jwk(jwk).unwrap()
    };
    tessera_jwt::verify(&jwt, &key).expect("a minted token verifies with its published key");
}

/// `deep_merge` invariants on an arbitrary patch.
fn check_merge(patch: &Map<String, Value>) {
    let base = json!({"a": {"b": 1, "c": [1]}, "keep": "x", "n": null});
    let mut once = base.as_object().cloned().unwrap();
    tessera_core::metadata::deep_merge(&mut once, patch.clone());
    let mut twice = once.clone();
    tessera_core::metadata::deep_merge(&mut twice, patch.clone());
    assert_eq!(once, twice, "merging the same patch twice changes nothing");
    for (k, v) in patch {
        match v {
            Value::Null => assert!(!once.contains_key(k), "null deletes {k}"),
            Value::Object(_) => assert!(once.get(k).is_some_and(Value::is_object)),
            other => assert_eq!(once.get(k), Some(other)),
        }
    }
    fn no_nulls_from_patch(v: &Map<String, Value>, p: &Map<String, Value>) {
        for (k, pv) in p {
            if let (Some(Value::Object(t)), Value::Object(pm)) = (v.get(k), pv) {
                no_nulls_from_patch(t, pm);
            }
            if pv.is_null() {
                assert!(!v.contains_key(k));
            }
        }
    }
    no_nulls_from_patch(&once, patch);
    let _ = tessera_core::metadata::check_size("public_metadata", &once);
}

const OPS: usize = 18;

fuzz_target!(|data: &[u8]| {
    let Some((&op, raw)) = data.split_first() else {
        return;
    };
    let f = fixture();
    f.store.reset();
    let fields = match Fields::from_bytes(raw) {
        Ok(fields) => fields,
        Err(e) => {
            check_error(&e, &BodySecrets::default(), "parse");
            return;
        }
    };
    // The same bytes as a value, to know what the body said (secrets, claims) after `Fields` took it.
    let value: Value = serde_json::from_slice(raw).unwrap_or(Value::Null);
    let secrets = secrets_in(&value);
    let s = &secrets;
    let app = &f.app;
    let (rs_id, hs_id, es_id) = (&f.templates[0].0, &f.templates[1].0, &f.templates[2].0);
    match op as usize % OPS {
        0 => {
            if check(block_on(app.create_user(fields)), s, "create_user").is_some() {
                // The new user does not own the session; mint for the fixture user to cover
                // metadata rendering of whatever was stored.
                mint_and_verify(f, "everything", None, Fields::default());
            }
        }
        1 => {
            if check(block_on(app.update_user(&f.user, fields)), s, "update_user").is_some() {
                mint_and_verify(f, "everything", None, Fields::default());
            }
        }
        2 => {
            if check(block_on(app.merge_user_metadata(&f.user, fields)), s, "merge_user_metadata").is_some() {
                mint_and_verify(f, "everything", None, Fields::default());
            }
        }
        3 => {
            if check(block_on(app.replace_user_metadata(&f.user, fields)), s, "replace_metadata").is_some() {
                mint_and_verify(f, "everything", None, Fields::default());
            }
        }
        4 => {
            if let Some(sess) = check(block_on(app.create_session(fields)), s, "create_session") {
                check(block_on(app.mint_session_token(&sess.id, Fields::default())), s, "mint");
            }
        }
        5 => {
            check(block_on(app.create_organization(fields)), s, "create_organization");
        }
        6 => {
            if check(block_on(app.update_organization(&f.org, fields)), s, "update_org").is_some() {
                mint_and_verify(f, "everything", None, Fields::default());
            }
        }
        7 => {
            if check(block_on(app.merge_organization_metadata(&f.org, fields)), s, "merge_org").is_some() {
                mint_and_verify(f, "everything", None, Fields::default());
            }
        }
        8 => {
            check(block_on(app.create_membership(&f.org, fields)), s, "create_membership");
        }
        9 => {
            if check(block_on(app.update_membership(&f.org, &f.user, fields)), s, "update_member").is_some() {
                check(block_on(app.mint_session_token(&f.session, Fields::default())), s, "mint");
            }
        }
        10 => {
            if check(block_on(app.merge_membership_metadata(&f.org, &f.user, fields)), s, "merge_membership_metadata")
                .is_some()
            {
                mint_and_verify(f, "everything", None, Fields::default());
            }
        }
        11 => {
            if let Some(t) = check(block_on(app.create_template(fields)), s, "create_template") {
                let secret = value.get("signing_key").and_then(Value::as_str);
                mint_and_verify(f, &t.name, secret, Fields::default());
                // Drop it so the template cache does not grow across inputs.
                check(block_on(app.delete_template(&t.id)), s, "delete_template");
            }
        }
        12 | 13 | 14 => {
            let (id, old_secret) = match op as usize % OPS {
                12 => (rs_id, None),
                13 => (hs_id, Some(HS_SECRET)),
                _ => (es_id, None),
            };
            if let Some(t) = check(block_on(app.update_template(id, fields)), s, "update_template") {
                let secret = match value.get("signing_key").and_then(Value::as_str) {
                    Some(new) => Some(new),
                    None => old_secret,
                };
                mint_and_verify(f, &t.name, secret, Fields::default());
            }
        }
        15 => {
            let name = &f.templates[raw.len() % 3].1;
            let secret = (name == "hs").then_some(HS_SECRET);
            mint_and_verify(f, name, secret, fields);
        }
        16 => {
            check(block_on(app.mint_session_token(&f.session, fields)), s, "mint_session_token");
        }
        _ => {
            // Pure validators: seed files, template claims, metadata merge.
            drop(fields);
            if let Err(e) = tessera_core::seed::check_seed(&value) {
                check_error(&e, s, "check_seed");
            } else {
                check(block_on(app.apply_seed(&value)).map(|r| r.created), s, "apply_seed");
            }
            if let Value::Object(m) = &value {
                if let Err(e) = tessera_core::templates::validate_claims(m, 16 * 1024) {
                    check_error(&e, s, "validate_claims");
                }
                check_merge(m);
            }
        }
    }
});
