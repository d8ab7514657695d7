//! Fuzzes every JSON request body the server accepts, through the same code the handlers call.
//!
//! The first byte picks an operation (create/update user, metadata merge and replace, sessions,
//! organizations, memberships, JWT templates, minting, permissions, roles and role sets, invitations
//! with their acceptance, seed files with session claims, and the pure validators); the rest is the raw body, parsed with `Fields::from_bytes` exactly as the server's
//! `Body` extractor does. The core runs over the real store (`SqlStore` on a fresh in-memory SQLite database) and a
//! fresh app for every input, so nothing (rows, the compiled-template cache, known secret keys)
//! carries over from one input to the next and a crash reproduces from its input alone.
//!
//! Checked for every input:
//! - no panic, and every error is a 4xx (an in-memory database does not fail, so a 5xx is a bug);
//! - no error message repeats a piece of a custom signing key or password sent in the body;
//! - successful writes serialize; a template that was created or updated mints a token that
//!   decodes, is at most the configured size, names the user in `sub`, and verifies with the key
//!   published in the JWKS (or the HMAC secret from the body);
//! - `deep_merge` is idempotent and removes every key patched with `null`.
#![no_main]

use std::future::Future;
use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value, json};
use tessera_core::clock::ManualClock;
use tessera_core::fields::Fields;
use tessera_core::{ApiError, ApiResult, CoreConfig, MasterKey, Tessera};
use tessera_jwt::{Algorithm, SigningKey, VerifyingKey};
use tessera_store::SqlStore;

const RSA_PEM: &str = include_str!("../../crates/tessera-jwt/tests/fixtures/rsa2048_pkcs8.pem");
const P256_PEM: &str = include_str!("../../crates/tessera-jwt/tests/fixtures/p256_pkcs8.pem");
const HS_SECRET: &str = "fuzz-hmac-secret-0123456789abcdef";
const NOW_MS: i64 = 1_700_000_000_000;

// ---- the runtime ---------------------------------------------------------------------------------

/// One current-thread runtime for every input. It holds no application state: every input gets a
/// fresh store and app (see [`fixture`]).
fn block_on<F: Future>(f: F) -> F::Output {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()).block_on(f)
}

// ---- the fixture: one instance with a user, an organization, a session and templates ------------

struct Fixture {
    app: Tessera,
    store: SqlStore,
    user: String,
    org: String,
    session: String,
    /// (id, name) of templates: instance key, custom HS256, custom ES256.
    templates: Vec<(String, String)>,
}

/// A fresh fixture: the real store on a new in-memory SQLite database, and a new app over it (so
/// no compiled template, parsed key or known secret key survives from an earlier input). A crash
/// therefore reproduces from its input alone.
fn fixture() -> Fixture {
    {
        let store = block_on(SqlStore::connect("sqlite::memory:")).expect("an in-memory SQLite store opens");
        let pinned = SigningKey::from_pem(Algorithm::RS256, RSA_PEM).unwrap();
        let opened = block_on(Tessera::open_with_key(
            Arc::new(store.clone()),
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
        Fixture { app, store, user: "user_fz".into(), org: "org_fz".into(), session: "sess_fz".into(), templates }
    }
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
        "{what}: an in-memory database does not fail, yet the core answered {status}: {e:?}"
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

const OPS: usize = 25;

fuzz_target!(|data: &[u8]| {
    let Some((&op, raw)) = data.split_first() else {
        return;
    };
    let fields = match Fields::from_bytes(raw) {
        Ok(fields) => fields,
        Err(e) => {
            check_error(&e, &BodySecrets::default(), "parse");
            return;
        }
    };
    let f = fixture();
    exercise(&f, op, raw, fields);
    block_on(f.store.close());
});

/// The id of the role with this key, if it exists.
fn role_id(f: &Fixture, key: &str) -> Option<String> {
    let q = tessera_core::query::QueryParams::new(vec![("query".into(), key.into())]);
    block_on(f.app.list_roles(&q)).ok()?.data.into_iter().find(|r| r.key == key).map(|r| r.id)
}

/// Runs operation `op` with the parsed body on a fresh fixture and checks the invariants.
fn exercise(f: &Fixture, op: u8, raw: &[u8], fields: Fields) {
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
                check(block_on(app.delete_template(&t.id)), s, "delete_template");
            }
        }
        12..=14 => {
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
        17 => {
            check(block_on(app.create_permission(fields)), s, "create_permission");
        }
        18 => {
            // A role given to the fixture's member: its permissions reach the next session token.
            if let Some(r) = check(block_on(app.create_role(fields)), s, "create_role") {
                let body = serde_json::json!({"role": r.key});
                let moved = block_on(app.update_membership(&f.org, &f.user, Fields::from_value(Some(body)).unwrap()));
                if check(moved, s, "update_membership").is_some() {
                    check(block_on(app.mint_session_token(&f.session, Fields::default())), s, "mint");
                }
            }
        }
        19 => {
            if let Some(role) = role_id(f, "org:admin") {
                if check(block_on(app.update_role(&role, fields)), s, "update_role").is_some() {
                    check(block_on(app.mint_session_token(&f.session, Fields::default())), s, "mint");
                }
            }
        }
        20 => {
            check(block_on(app.create_role_set(fields)), s, "create_role_set");
        }
        21 => {
            check(block_on(app.update_role_set("role_set:default", fields)), s, "update_role_set");
        }
        22 => {
            // An invitation, then the user whose creation accepts it (and takes its metadata).
            if let Some(inv) = check(block_on(app.create_invitation(fields)), s, "create_invitation") {
                let body = json!({"email_address": [inv.email_address]});
                check(block_on(app.create_user(Fields::from_value(Some(body)).unwrap())), s, "accepting user");
            }
        }
        23 => {
            // An organization invitation, then its acceptance by the user with the address, if any.
            let created = block_on(app.create_organization_invitation(&f.org, fields));
            if let Some(inv) = check(created, s, "create_organization_invitation") {
                let accepted = block_on(app.accept_organization_invitation(&f.org, &inv.id, Fields::default()));
                if check(accepted, s, "accept_organization_invitation").is_some() {
                    check(block_on(app.mint_session_token(&f.session, Fields::default())), s, "mint");
                }
            }
        }
        _ => {
            // Pure validators: seed files, template claims, metadata merge.
            drop(fields);
            if let Err(e) = tessera_core::seed::check_seed(&value) {
                check_error(&e, s, "check_seed");
            } else if check(block_on(app.apply_seed(&value)).map(|r| r.created), s, "apply_seed").is_some() {
                // A seed's `session_claims` go into every session token: minting is a 4xx at worst.
                check(block_on(app.mint_session_token(&f.session, Fields::default())), s, "mint_session_token");
            }
            if let Value::Object(m) = &value {
                if let Err(e) = tessera_core::templates::validate_claims(m, 16 * 1024) {
                    check_error(&e, s, "validate_claims");
                }
                if let Err(e) = tessera_core::session_claims::validate_session_claims(m, app.config()) {
                    check_error(&e, s, "validate_session_claims");
                }
                check_merge(m);
            }
        }
    }
}
