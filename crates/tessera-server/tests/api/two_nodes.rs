//! Two Tessera nodes on one database: whatever node A changes, node B's mints see once B has read
//! the event log (its change feed, read every 100 ms; called here before each mint on B, so the
//! scenarios do not depend on timing), and at the latest once the staleness bound has passed on B's
//! clock, even if B never reads the feed (`the_staleness_bound_…`). Node B mints first (so whatever
//! it caches is warm), then A changes the template's claims, its signing key, the user, the
//! membership role, deletes the template and revokes the session, and B mints right after each
//! change. Run on one SQLite file shared by two servers and on one PostgreSQL database.

use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::{Map, Value, json};
use tessera_client::types::RotateInstanceKeyRequestBody;
use tessera_server::config::MintCacheConfig;
use tessera_server::{Config, Secret};

use crate::helpers::*;
use crate::tokens::verify_with_key;

/// Two servers started from the same configuration (so the same database and master key).
async fn two_nodes(config: Config, dir: Option<tempfile::TempDir>) -> (TestApp, TestApp) {
    let a = TestApp::spawn_with(config.clone(), dir).await;
    let b = TestApp::spawn_with(config, None).await;
    (a, b)
}

/// The node reads the event log, as its change-feed task does every 100 ms.
async fn sync(node: &TestApp) {
    core(node).follow_changes().await.expect("the event log is readable");
}

async fn mint(node: &TestApp, session: &str, template: &str) -> Resp {
    sync(node).await;
    node.post(&format!("/sessions/{session}/tokens/{template}"), json!({})).await
}

fn hs256(node: &TestApp, jwt: &str, secret: &str) -> Map<String, Value> {
    verify_with_key(node, jwt, &DecodingKey::from_secret(secret.as_bytes()), Algorithm::HS256)
}

async fn changes_on_a_are_seen_by_the_next_mint_on_b(a: &TestApp, b: &TestApp) {
    let u = a.user("two-nodes@x.io").await;
    let o = a.org("Two Nodes", &id(&u)).await;
    let s = id(&a.session(&id(&u), Some(&id(&o))).await);
    let claims = json!({"v": "one", "name": "{{user.first_name}}", "role": "{{org.role}}"});
    let claims_tpl = id(a.post("/jwt_templates", json!({"name": "claims", "claims": claims})).await.ok());
    let keyed = a
        .post(
            "/jwt_templates",
            json!({"name": "keyed", "claims": {"k": 1}, "custom_signing_key": true,
                   "signing_algorithm": "HS256", "signing_key": "first-secret-of-node-a-0123456789"}),
        )
        .await
        .ok()
        .clone();

    // B mints first: its caches (compiled claims, parsed key) are now warm.
    let jwt = mint(b, &s, "claims").await.ok()["jwt"].as_str().unwrap().to_owned();
    let c = crate::tokens::verify_with_jwks(b, &jwt).await;
    assert_eq!((&c["v"], &c["name"], &c["role"]), (&json!("one"), &json!("Ada"), &json!("org:admin")));
    let jwt = mint(b, &s, "keyed").await.ok()["jwt"].as_str().unwrap().to_owned();
    hs256(b, &jwt, "first-secret-of-node-a-0123456789");

    // A changes the template's claims: B's next mint renders the new ones.
    a.patch(
        &format!("/jwt_templates/{claims_tpl}"),
        json!({"name": "claims", "claims": {"v": "two", "name": "{{user.first_name}}", "role": "{{org.role}}"}}),
    )
    .await
    .ok();
    let jwt = mint(b, &s, "claims").await.ok()["jwt"].as_str().unwrap().to_owned();
    assert_eq!(crate::tokens::verify_with_jwks(b, &jwt).await["v"], "two");

    // A changes the user and the membership role: B's next mint shows both.
    a.patch(&format!("/users/{}", id(&u)), json!({"first_name": "Grace"})).await.ok();
    a.patch(&format!("/organizations/{}/memberships/{}", id(&o), id(&u)), json!({"role": "org:member"})).await.ok();
    let jwt = mint(b, &s, "claims").await.ok()["jwt"].as_str().unwrap().to_owned();
    let c = crate::tokens::verify_with_jwks(b, &jwt).await;
    assert_eq!((&c["name"], &c["role"]), (&json!("Grace"), &json!("org:member")));

    // A replaces the custom key: B's next mint signs with the new one, not the cached old one.
    a.patch(
        &format!("/jwt_templates/{}", id(&keyed)),
        json!({"name": "keyed", "claims": {"k": 2}, "custom_signing_key": true,
               "signing_algorithm": "HS256", "signing_key": "second-secret-of-node-a-012345678"}),
    )
    .await
    .ok();
    let jwt = mint(b, &s, "keyed").await.ok()["jwt"].as_str().unwrap().to_owned();
    assert_eq!(hs256(b, &jwt, "second-secret-of-node-a-012345678")["k"], 2);

    // A deletes the template: B's next mint is a 404.
    a.delete(&format!("/jwt_templates/{claims_tpl}")).await.ok();
    mint(b, &s, "claims").await.err(404, "resource_not_found");
    // … and a new template under the same name is used at once.
    a.post("/jwt_templates", json!({"name": "claims", "claims": {"v": "three"}})).await.ok();
    let jwt = mint(b, &s, "claims").await.ok()["jwt"].as_str().unwrap().to_owned();
    assert_eq!(crate::tokens::verify_with_jwks(b, &jwt).await["v"], "three");

    // A revokes the session: B's next mint, template or session token, is a 404.
    a.post(&format!("/sessions/{s}/revoke"), json!({})).await.ok();
    mint(b, &s, "keyed").await.err(404, "resource_not_found");
    sync(b).await;
    b.post(&format!("/sessions/{s}/tokens"), json!({})).await.err(404, "resource_not_found");
}

fn sqlite_config(dir: &tempfile::TempDir) -> Config {
    Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().join("data"),
        secret_key: Some(Secret(SECRET.into())),
        ..Config::default()
    }
}

/// Two nodes on one SQLite file.
async fn sqlite_pair() -> (TestApp, TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let config = sqlite_config(&dir);
    two_nodes(config, Some(dir)).await
}

/// Two nodes on one fresh PostgreSQL database; None outside CI when none is configured.
async fn postgres_pair() -> Option<(TestApp, TestApp)> {
    postgres_pair_with(MintCacheConfig::default()).await
}

/// [`postgres_pair`] with these mint cache and change feed settings on both nodes.
async fn postgres_pair_with(mint_cache: MintCacheConfig) -> Option<(TestApp, TestApp)> {
    let Some((url, admin, name)) = fresh_postgres_url().await else {
        eprintln!("TESSERA_TEST_DATABASE_URL not set: skipping the PostgreSQL run (outside CI)");
        return None;
    };
    let config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        database_url: Some(url),
        master_key: Some(Secret("a".repeat(64))),
        data_dir: "/nonexistent-tessera-test".into(),
        secret_key: Some(Secret(SECRET.into())),
        mint_cache,
        ..Config::default()
    };
    let (mut a, b) = two_nodes(config, None).await;
    a.pg = Some((admin, name));
    Some((a, b))
}

/// Runs a two-node scenario on one SQLite file and on one PostgreSQL database.
macro_rules! on_sqlite_and_postgres {
    ($scenario:ident, $sqlite:ident, $pg:ident) => {
        #[tokio::test]
        async fn $sqlite() {
            let (a, b) = sqlite_pair().await;
            $scenario(&a, &b).await;
            b.stop().await;
            a.stop().await;
        }

        #[tokio::test]
        async fn $pg() {
            let Some((a, b)) = postgres_pair().await else { return };
            $scenario(&a, &b).await;
            b.stop().await;
            a.stop().await;
        }
    };
}

on_sqlite_and_postgres!(
    changes_on_a_are_seen_by_the_next_mint_on_b,
    two_nodes_on_one_sqlite_file_see_each_others_changes_at_the_next_mint,
    two_nodes_on_one_postgresql_database_see_each_others_changes_at_the_next_mint
);

fn core(node: &TestApp) -> &tessera_core::Tessera {
    &node.running.as_ref().expect("the node runs").state.app
}

async fn status_with_key(node: &TestApp, key: &str) -> u16 {
    node.raw(reqwest::Method::GET, "/v1/users", Some(&format!("Bearer {key}")), None).await.status.as_u16()
}

/// A secret key made and then revoked on A: B accepts it (finding it in the store), keeps accepting
/// it for at most the documented re-check interval (30 s, on B's clock), then refuses it.
async fn a_secret_key_revoked_on_a_is_refused_by_b_after_the_recheck_interval(a: &TestApp, b: &TestApp) {
    use sha2::Digest as _;
    let key = core(a).create_secret_key().await.unwrap();
    let hash: String = sha2::Sha256::digest(key.as_bytes()).iter().map(|x| format!("{x:02x}")).collect();
    let id = core(a).secret_keys().await.unwrap().into_iter().find(|r| r.key_hash == hash).expect("stored by hash").id;
    assert_eq!(status_with_key(b, &key).await, 200, "B accepts a key made on A");
    core(a).revoke_secret_key(&id).await.unwrap();
    assert_eq!(status_with_key(a, &key).await, 401, "A refuses it at once");
    b.advance_secs(29);
    assert_eq!(status_with_key(b, &key).await, 200, "B may remember it within the 30 s re-check interval");
    b.advance_secs(2);
    let r = b.raw(reqwest::Method::GET, "/v1/users", Some(&format!("Bearer {key}")), None).await;
    r.err(401, "clerk_key_invalid");
    assert_eq!(status_with_key(b, SECRET).await, 200, "the other key still works on B");
}

on_sqlite_and_postgres!(
    a_secret_key_revoked_on_a_is_refused_by_b_after_the_recheck_interval,
    on_sqlite_a_secret_key_revoked_on_one_node_is_refused_by_the_other_within_the_recheck_interval,
    on_postgresql_a_secret_key_revoked_on_one_node_is_refused_by_the_other_within_the_recheck_interval
);

async fn session_jwt(node: &TestApp, session: &str) -> String {
    sync(node).await;
    let r = node.post(&format!("/sessions/{session}/tokens"), json!({"expires_in_seconds": 3600})).await;
    r.ok()["jwt"].as_str().unwrap().to_owned()
}

/// An instance key rotated on A: B publishes it after its next key reload (the 1 s tick, called
/// here), signs with it once the publish delay has passed on B's clock, and tokens of the old key
/// keep verifying against both nodes' JWKS.
async fn a_key_rotated_on_a_is_published_and_used_by_b(a: &TestApp, b: &TestApp) {
    let u = a.user("rotate@x.io").await;
    let s = id(&a.session(&id(&u), None).await);
    let old = session_jwt(b, &s).await;
    let k1 = crate::tokens::header(&old)["kid"].as_str().unwrap().to_owned();
    // A rotation in the very millisecond the instance key was made would tie on `created_at`.
    a.advance_secs(1);
    b.advance_secs(1);
    let k2 = core(a).rotate_signing_key(None).await.unwrap().kid;
    assert_ne!(k1, k2);
    core(b).reload_keys().await.unwrap();
    let kids = |jwks: &Value| -> Vec<String> {
        jwks["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap().to_owned()).collect()
    };
    let on_b = kids(b.get("/jwks").await.ok());
    assert!(on_b.contains(&k1) && on_b.contains(&k2), "B publishes A's new key: {on_b:?}");
    assert_eq!(crate::tokens::header(&session_jwt(b, &s).await)["kid"], json!(k1), "not signing before the delay");
    a.advance_secs(360);
    b.advance_secs(360);
    core(b).reload_keys().await.unwrap();
    let new = session_jwt(b, &s).await;
    assert_eq!(crate::tokens::header(&new)["kid"], json!(k2), "B signs with the key made on A");
    for node in [a, b] {
        assert_eq!(crate::tokens::verify_with_jwks(node, &new).await["sid"], json!(s));
        assert_eq!(crate::tokens::verify_with_jwks(node, &old).await["sid"], json!(s));
    }
}

on_sqlite_and_postgres!(
    a_key_rotated_on_a_is_published_and_used_by_b,
    on_sqlite_an_instance_key_rotated_on_one_node_is_published_and_used_by_the_other,
    on_postgresql_an_instance_key_rotated_on_one_node_is_published_and_used_by_the_other
);

/// A template update that changes only `lifetime`, then only `allowed_clock_skew`, all at one
/// manual-clock millisecond, is seen by B's very next mint; and so is a change written by a second
/// writer that read the same version (same `updated_at`, different lifetime), which the compiled-
/// template cache once missed because it compared only `updated_at`, claims and the sealed key.
async fn lifetime_and_skew_changes_are_seen_by_the_next_mint(a: &TestApp, b: &TestApp) {
    let u = a.user("lifetime@x.io").await;
    let s = id(&a.session(&id(&u), None).await);
    let t = id(a.post("/jwt_templates", json!({"name": "life", "claims": {"k": 1}})).await.ok());
    let times = |c: &Map<String, Value>| {
        let iat = c["iat"].as_i64().unwrap();
        (c["exp"].as_i64().unwrap() - iat, iat - c["nbf"].as_i64().unwrap())
    };
    let mint_b = || async {
        let jwt = mint(b, &s, "life").await.ok()["jwt"].as_str().unwrap().to_owned();
        times(&crate::tokens::verify_with_jwks(b, &jwt).await)
    };
    assert_eq!(mint_b().await, (60, 5));
    a.patch(&format!("/jwt_templates/{t}"), json!({"name": "life", "claims": {"k": 1}, "lifetime": 120})).await.ok();
    assert_eq!(mint_b().await, (120, 5), "only the lifetime changed");
    a.patch(&format!("/jwt_templates/{t}"), json!({"name": "life", "claims": {"k": 1}, "allowed_clock_skew": 9}))
        .await
        .ok();
    assert_eq!(mint_b().await, (120, 9), "only the skew changed");

    // The losing writer of two concurrent updates: same version read, so the same `updated_at`.
    let store = core(a).store();
    let mut rec = store.get_template(&t).await.unwrap().expect("the template");
    rec.template.lifetime = 600;
    rec.template.allowed_clock_skew = 0;
    assert!(store.update_template(&rec).await.unwrap());
    assert_eq!(mint_b().await, (600, 0), "a change under the same updated_at");
}

on_sqlite_and_postgres!(
    lifetime_and_skew_changes_are_seen_by_the_next_mint,
    on_sqlite_a_lifetime_or_skew_only_update_is_seen_by_the_next_mint_on_another_node,
    on_postgresql_a_lifetime_or_skew_only_update_is_seen_by_the_next_mint_on_another_node
);

/// A custom-key template whose key is replaced, then which is deleted. Tokens signed before keep
/// verifying with the public key the customer holds. Tessera's JWKS, however, lists a template key
/// only while a template uses it, so it withdraws the old key at once: replacing a key is how a leaked
/// one is revoked (docs/api.md). Clerk publishes no custom keys at all.
async fn replaced_and_deleted_custom_keys(a: &TestApp, b: &TestApp) {
    let u = a.user("custom@x.io").await;
    let s = id(&a.session(&id(&u), None).await);
    let p256 = public_jwk_from_spki_pem(&jwt_fixture("p256_pkcs8.pub.pem"));
    let ed = public_jwk_from_spki_pem(&jwt_fixture("ed25519_pkcs8.pub.pem"));
    let (k1, k2) = (rfc7638_thumbprint(&p256), rfc7638_thumbprint(&ed));
    let body = |alg: &str, pem: &str| {
        json!({"name": "ext", "claims": {"aud": "ext"}, "custom_signing_key": true,
               "signing_algorithm": alg, "signing_key": pem})
    };
    let t = id(a.post("/jwt_templates", body("ES256", &jwt_fixture("p256_pkcs8.pem"))).await.ok());
    let first = mint(b, &s, "ext").await.ok()["jwt"].as_str().unwrap().to_owned();
    assert_eq!(crate::tokens::header(&first)["kid"], json!(k1));
    crate::tokens::verify_with_jwks(b, &first).await;
    let kids = |jwks: &Value| -> Vec<String> {
        jwks["keys"].as_array().unwrap().iter().filter_map(|k| k["kid"].as_str().map(str::to_owned)).collect()
    };

    a.patch(&format!("/jwt_templates/{t}"), body("EdDSA", &jwt_fixture("ed25519_pkcs8.pem"))).await.ok();
    let second = mint(b, &s, "ext").await.ok()["jwt"].as_str().unwrap().to_owned();
    assert_eq!(crate::tokens::header(&second)["kid"], json!(k2), "B signs with the new key at once");
    crate::tokens::verify_with_jwks(b, &second).await;
    let pem = jwt_fixture("p256_pkcs8.pub.pem");
    let key = DecodingKey::from_ec_pem(pem.as_bytes()).unwrap();
    assert_eq!(verify_with_key(b, &first, &key, Algorithm::ES256)["aud"], "ext", "the old token still verifies");
    for node in [a, b] {
        let published = kids(node.get("/jwks").await.ok());
        assert!(published.contains(&k2), "{published:?}");
        assert!(!published.contains(&k1), "the replaced key is dropped from the JWKS at once (known, reported)");
    }

    a.delete(&format!("/jwt_templates/{t}")).await.ok();
    mint(b, &s, "ext").await.err(404, "resource_not_found");
    let pem = jwt_fixture("ed25519_pkcs8.pub.pem");
    let key = DecodingKey::from_ed_pem(pem.as_bytes()).unwrap();
    assert_eq!(verify_with_key(b, &second, &key, Algorithm::EdDSA)["aud"], "ext");
    for node in [a, b] {
        let published = kids(node.get("/jwks").await.ok());
        assert!(!published.contains(&k2), "the deleted template's key is dropped at once (known, reported)");
        assert_eq!(published.len(), 1, "only the instance key is left: {published:?}");
    }
}

on_sqlite_and_postgres!(
    replaced_and_deleted_custom_keys,
    on_sqlite_replaced_and_deleted_custom_keys_leave_old_tokens_verifiable_with_the_customers_key,
    on_postgresql_replaced_and_deleted_custom_keys_leave_old_tokens_verifiable_with_the_customers_key
);

/// Custom session claims set, changed, cleared and set again on A: B's very next session token shows
/// each state, though B compiled (and cached) the claims before every change. A change written under
/// the same `updated_at` (two writers that read the same version) is seen too: the cache is checked
/// against the whole stored record.
async fn session_claims_changed_on_a_are_seen_by_the_next_session_token_on_b(a: &TestApp, b: &TestApp) {
    let u = a.user("claims-two-nodes@x.io").await;
    let o = a.org("Claims Two Nodes", &id(&u)).await;
    let s = id(&a.session(&id(&u), Some(&id(&o))).await);
    let put = |claims: Value| a.call(reqwest::Method::PUT, "/tessera/session_claims", Some(json!({"claims": claims})));
    let token_on_b = || async {
        sync(b).await;
        let jwt = b.post(&format!("/sessions/{s}/tokens"), json!({})).await.ok()["jwt"].as_str().unwrap().to_owned();
        crate::tokens::verify_with_jwks(b, &jwt).await
    };

    assert!(!token_on_b().await.contains_key("jti"), "no custom claims yet");
    put(json!({"ver": "one", "role": "{{org.role}}"})).await.ok();
    let c = token_on_b().await;
    assert_eq!((&c["ver"], &c["role"], &c["sid"]), (&json!("one"), &json!("org:admin"), &json!(s)));
    put(json!({"ver": "two", "name": "{{user.first_name}}"})).await.ok();
    let c = token_on_b().await;
    assert_eq!((&c["ver"], &c["name"], c.get("role")), (&json!("two"), &json!("Ada"), None));

    // A user change shows through the claims at once too.
    a.patch(&format!("/users/{}", id(&u)), json!({"first_name": "Grace"})).await.ok();
    assert_eq!(token_on_b().await["name"], "Grace");

    // A second writer storing other claims under the same timestamps (straight into the store, so
    // reserved claims get in, as from a record written before the reserved set grew): seen at once,
    // and the default claims still win.
    let store = core(a).store();
    let mut rec = store.get_session_claims().await.unwrap().expect("claims are set");
    rec.claims = serde_json::from_value(json!({"ver": "three", "v": 1, "sid": "sess_forged", "o": null})).unwrap();
    store.put_session_claims(&rec).await.unwrap();
    let c = token_on_b().await;
    assert_eq!(c["ver"], "three", "a change under the same updated_at");
    assert_eq!((&c["v"], &c["sid"], &c["o"]["id"]), (&json!(2), &json!(s), &json!(id(&o))), "defaults win");

    a.delete("/tessera/session_claims").await.ok();
    let c = token_on_b().await;
    assert!(!c.contains_key("ver") && !c.contains_key("jti"), "cleared: {c:?}");
    put(json!({"ver": "four"})).await.ok();
    assert_eq!(token_on_b().await["ver"], "four");
    assert_eq!(b.get("/tessera/session_claims").await.ok()["claims"], json!({"ver": "four"}));
}

on_sqlite_and_postgres!(
    session_claims_changed_on_a_are_seen_by_the_next_session_token_on_b,
    on_sqlite_session_claims_changed_on_one_node_are_seen_by_the_next_session_token_on_the_other,
    on_postgresql_session_claims_changed_on_one_node_are_seen_by_the_next_session_token_on_the_other
);

/// A's changes to a role, and to a permission's key, are in B's very next session token.
async fn role_changes_on_a_reach_the_next_session_token_on_b(a: &TestApp, b: &TestApp) {
    let u = a.user("roles-two-nodes@x.io").await;
    let o = a.org("Roles", &id(&u)).await;
    let s = id(&a.session(&id(&u), Some(&id(&o))).await);
    let perm = id(a.post("/organization_permissions", json!({"name": "Read", "key": "org:docs:read"})).await.ok());
    let admin = a.get("/organization_roles?query=org:admin").await.ok()["data"][0]["id"].as_str().unwrap().to_owned();
    let o_claim = |jwt: String| async move { crate::tokens::verify_with_jwks(b, &jwt).await["o"].clone() };

    assert_eq!(o_claim(session_jwt(b, &s).await).await.get("per"), None, "B starts warm, without permissions");
    a.post(&format!("/organization_roles/{admin}/permissions/{perm}"), json!({})).await.ok();
    assert_eq!(o_claim(session_jwt(b, &s).await).await["per"], "read");
    a.patch(&format!("/organization_permissions/{perm}"), json!({"key": "org:docs:write"})).await.ok();
    assert_eq!(o_claim(session_jwt(b, &s).await).await["per"], "write");
    a.delete(&format!("/organization_roles/{admin}/permissions/{perm}")).await.ok();
    assert_eq!(o_claim(session_jwt(b, &s).await).await.get("per"), None);
}

on_sqlite_and_postgres!(
    role_changes_on_a_reach_the_next_session_token_on_b,
    on_sqlite_role_changes_on_one_node_reach_the_next_session_token_of_the_other,
    on_postgresql_role_changes_on_one_node_reach_the_next_session_token_of_the_other
);

/// A key rotated over HTTP on A with `activate_in_seconds: 0` and then retired: B follows both through
/// its own background reload of `signing_keys` (once a second), with no call made on B. The loop only
/// waits for the change (it asserts no timing; docs/operations.md states the ~1 s bound).
async fn a_key_rotated_and_retired_over_http_on_a_is_followed_by_b_without_a_call(a: &TestApp, b: &TestApp) {
    let u = a.user("follow@x.io").await;
    let s = id(&a.session(&id(&u), None).await);
    let old = crate::tokens::header(&session_jwt(b, &s).await)["kid"].as_str().unwrap().to_owned();
    a.advance_secs(1);
    b.advance_secs(1);
    let new =
        a.sdk.tessera().keys().rotate(RotateInstanceKeyRequestBody { activate_in_seconds: Some(0) }).await.unwrap();
    assert_eq!(b_signs_with(b, &s, &new.kid).await, new.kid, "B signs with A's new key after its reload");
    a.sdk.tessera().keys().retire(&new.kid).await.unwrap();
    assert_eq!(b_signs_with(b, &s, &old).await, old, "and with the previous key once A retired the new one");
}

/// The `kid` of B's session tokens once it is `want`, or the last one seen after 30 s.
async fn b_signs_with(b: &TestApp, session: &str, want: &str) -> String {
    let mut kid = String::new();
    for _ in 0..300 {
        kid = crate::tokens::header(&session_jwt(b, session).await)["kid"].as_str().unwrap().to_owned();
        if kid == want {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    kid
}

on_sqlite_and_postgres!(
    a_key_rotated_and_retired_over_http_on_a_is_followed_by_b_without_a_call,
    on_sqlite_a_key_rotated_over_http_on_one_node_is_followed_by_the_other_through_its_key_reload,
    on_postgresql_a_key_rotated_over_http_on_one_node_is_followed_by_the_other_through_its_key_reload
);

/// The consistency model with B's change feed cut (its follower never runs): B serves what it cached
/// (so a change on A is not seen at once: the cache is real), but never longer than the staleness
/// bound on its clock, after which every mint reads the database until B has read the feed again;
/// then it serves from memory again, without a database statement per mint.
async fn the_staleness_bound_caps_what_a_node_without_its_feed_serves(a: &TestApp, b: &TestApp) {
    // B's follower still reads the log once as it starts (then sleeps for an hour): wait for that
    // read (B is ready once its feed was read), or, on a busy machine, it could land in the middle of
    // the test and drop what B just cached.
    let mut ready = false;
    for _ in 0..200 {
        if b.raw(reqwest::Method::GET, "/readyz", None, None).await.status == 200 {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(ready, "B read the event log once as it started");
    let u = a.user("bound@x.io").await;
    let s = id(&a.session(&id(&u), None).await);
    a.post("/jwt_templates", json!({"name": "bound", "claims": {"name": "{{user.first_name}}"}})).await.ok();
    let name_on_b = || async {
        let jwt =
            b.post(&format!("/sessions/{s}/tokens/bound"), json!({})).await.ok()["jwt"].as_str().unwrap().to_owned();
        crate::tokens::verify_with_jwks(b, &jwt).await["name"].clone()
    };
    sync(b).await;
    assert_eq!(name_on_b().await, "Ada");
    let before = core(b).mint_cache_stats();
    assert_eq!(name_on_b().await, "Ada");
    assert_eq!(core(b).mint_cache_stats().hits, before.hits + 1, "the second mint came from memory");

    a.patch(&format!("/users/{}", id(&u)), json!({"first_name": "Grace"})).await.ok();
    assert_eq!(name_on_b().await, "Ada", "within the bound B may serve what it cached");
    b.clock.advance_ms(999);
    assert_eq!(name_on_b().await, "Ada", "still within the bound");
    b.clock.advance_ms(1);
    assert_eq!(name_on_b().await, "Grace", "at the bound B reads the database");
    let bypassed = core(b).mint_cache_stats().bypassed;
    assert_eq!(name_on_b().await, "Grace");
    assert_eq!(core(b).mint_cache_stats().bypassed, bypassed + 1, "and keeps reading it per mint");
    assert!(!core(b).change_feed_fresh());

    sync(b).await;
    assert!(core(b).change_feed_fresh());
    let hits = core(b).mint_cache_stats().hits;
    assert_eq!(name_on_b().await, "Grace");
    assert_eq!(name_on_b().await, "Grace");
    assert_eq!(core(b).mint_cache_stats().hits, hits + 1, "fed again, B mints from memory");

    // A write on B itself is seen by B's very next mint, feed task or not (B reads the log after it).
    b.patch(&format!("/users/{}", id(&u)), json!({"first_name": "Hedy"})).await.ok();
    assert_eq!(name_on_b().await, "Hedy");
}

/// Two nodes whose node B never runs its change-feed task (no poll, no listener).
async fn pair_without_b_feed(config: Config, dir: Option<tempfile::TempDir>) -> (TestApp, TestApp) {
    let a = TestApp::spawn_with(config.clone(), dir).await;
    let mut cut = config;
    cut.mint_cache.poll_ms = 3_600_000;
    cut.mint_cache.listen = false;
    let b = TestApp::spawn_with(cut, None).await;
    (a, b)
}

#[tokio::test]
async fn on_sqlite_the_staleness_bound_caps_what_a_node_without_its_change_feed_serves() {
    let dir = tempfile::tempdir().unwrap();
    let config = sqlite_config(&dir);
    let (a, b) = pair_without_b_feed(config, Some(dir)).await;
    the_staleness_bound_caps_what_a_node_without_its_feed_serves(&a, &b).await;
    b.stop().await;
    a.stop().await;
}

#[tokio::test]
async fn on_postgresql_the_staleness_bound_caps_what_a_node_without_its_change_feed_serves() {
    let Some((a, b)) = postgres_pair().await else { return };
    let config = b.config.clone();
    b.stop().await;
    let mut cut = config;
    cut.mint_cache.poll_ms = 3_600_000;
    cut.mint_cache.listen = false;
    let b = TestApp::spawn_with(cut, None).await;
    the_staleness_bound_caps_what_a_node_without_its_feed_serves(&a, &b).await;
    b.stop().await;
    a.stop().await;
}

/// A figure of the node's `/metrics` (no labels), 0 when absent.
fn metric(node: &TestApp, name: &str) -> f64 {
    let text = node.running.as_ref().expect("the node runs").state.metrics.render().expect("renders");
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0)
}

/// Waits (up to `secs`) until `done()`; whether it happened.
async fn eventually<F, Fut>(secs: u64, mut done: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        if done().await {
            return true;
        }
        if std::time::Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// `{{user.first_name}}` as B mints it through the `first` template (never a write on B, so B reads
/// the log only on its own: a poll or a wake-up).
async fn first_name_on_b(b: &TestApp, session: &str) -> Value {
    let jwt =
        b.post(&format!("/sessions/{session}/tokens/first"), json!({})).await.ok()["jwt"].as_str().unwrap().to_owned();
    crate::tokens::verify_with_jwks(b, &jwt).await["name"].clone()
}

/// A user, session and template on A, warm in B's mint cache (B's last mint came from memory).
async fn warm_on_b(a: &TestApp, b: &TestApp, email: &str) -> (String, String) {
    let u = id(&a.user(email).await);
    let s = id(&a.session(&u, None).await);
    a.post("/jwt_templates", json!({"name": "first", "claims": {"name": "{{user.first_name}}"}})).await.ok();
    sync(b).await;
    // A mint whose store read overlapped B applying A's last writes (woken by them) is not kept:
    // mint until one comes from memory.
    let from_memory = || async {
        let hits = core(b).mint_cache_stats().hits;
        assert_eq!(first_name_on_b(b, &s).await, "Ada");
        core(b).mint_cache_stats().hits == hits + 1
    };
    assert!(eventually(5, from_memory).await, "B mints from memory");
    (u, s)
}

/// Polling every 30 s only (so polling cannot be why), B's mints show A's change within 2 s: A's
/// write NOTIFYs at commit and B's listener has B read the log at once. B's clock stands still, so
/// its cache stays fresh and only a read of the log can show it the change (with `listen: false`
/// this test fails).
#[tokio::test]
async fn on_postgresql_another_nodes_change_reaches_mints_through_notify_without_waiting_for_the_poll() {
    let slow = MintCacheConfig { poll_ms: 30_000, bound_ms: 60_000, ..MintCacheConfig::default() };
    let Some((a, b)) = postgres_pair_with(slow).await else { return };
    assert!(eventually(10, || async { metric(&b, "tessera_change_feed_listening") == 1.0 }).await, "B listens");
    let (u, s) = warm_on_b(&a, &b, "notify@x.io").await;
    let woken = metric(&b, "tessera_change_feed_wakeups_total");

    a.patch(&format!("/users/{u}"), json!({"first_name": "Grace"})).await.ok();
    assert!(
        eventually(2, || async { first_name_on_b(&b, &s).await == "Grace" }).await,
        "B reads A's change when it commits, not at its next poll"
    );
    assert!(metric(&b, "tessera_change_feed_wakeups_total") > woken, "through a wake-up");
    b.stop().await;
    a.stop().await;
}

/// A template key rotated on A (`/v1/tessera/jwt_templates/{id}/rotate_key`), with B's change feed
/// cut: within the staleness bound B may still sign with the cached old key, but only tokens whose
/// lifetime is recorded for that key (which its publication covers); a longer one makes B record it
/// first, which the store refuses for a key the template no longer holds, so B reads the template
/// again and signs with the new key. Once B has read the feed, the new key signs everything. Tokens
/// of both keys verify through B's JWKS.
async fn a_template_key_rotated_on_a_is_used_by_b(a: &TestApp, b: &TestApp) {
    let u = a.user("rotated@x.io").await;
    let s = id(&a.session(&id(&u), None).await);
    let body = json!({"name": "rot", "claims": {"aud": "ext"}, "custom_signing_key": true,
                      "signing_algorithm": "ES256", "signing_key": jwt_fixture("p256_pkcs8.pem")});
    let t = id(a.post("/jwt_templates", body).await.ok());
    let k1 = rfc7638_thumbprint(&public_jwk_from_spki_pem(&jwt_fixture("p256_pkcs8.pub.pem")));
    let on_b = |expires: Option<i64>| {
        let s = s.clone();
        async move { b.template_token(&s, "rot", expires).await.unwrap().jwt }
    };
    let kid = |jwt: &str| crate::tokens::header(jwt)["kid"].as_str().unwrap().to_owned();
    sync(b).await;
    assert_eq!(kid(&on_b(None).await), k1, "B's cache holds the template and its key, 60 s recorded");

    let k2 = a.post(&format!("/tessera/jwt_templates/{t}/rotate_key"), json!({})).await.ok()["kid"]
        .as_str()
        .unwrap()
        .to_owned();
    let stale = on_b(None).await;
    assert_eq!(kid(&stale), k1, "within the bound, B signs a 60 s token with the cached key");
    crate::tokens::verify_with_jwks(b, &stale).await;
    let longer = on_b(Some(3_600)).await;
    assert_eq!(kid(&longer), k2, "a longer token is never signed by a key the template no longer holds");
    crate::tokens::verify_with_jwks(b, &longer).await;
    sync(b).await;
    assert_eq!(kid(&on_b(None).await), k2);
}

#[tokio::test]
async fn on_sqlite_a_template_key_rotated_on_one_node_is_used_by_the_other() {
    let dir = tempfile::tempdir().unwrap();
    let config = sqlite_config(&dir);
    let (a, b) = pair_without_b_feed(config, Some(dir)).await;
    a_template_key_rotated_on_a_is_used_by_b(&a, &b).await;
    b.stop().await;
    a.stop().await;
}

/// B's listener cut (its backend terminated) while the database refuses new connections: B follows
/// A's changes by polling, and once connections are allowed again listens again (with backoff),
/// after which A's next change reaches B through a wake-up, its poll being slowed to a quarter of
/// the bound (15 s here) while it listens.
#[tokio::test]
async fn on_postgresql_a_node_whose_listener_is_cut_follows_by_polling_and_listens_again() {
    let fast = MintCacheConfig { poll_ms: 200, bound_ms: 60_000, ..MintCacheConfig::default() };
    let Some((a, b)) = postgres_pair_with(fast).await else { return };
    let (admin, name) = a.pg.clone().expect("a PostgreSQL database");
    let listening = |node| async move { metric(node, "tessera_change_feed_listening") == 1.0 };
    assert!(eventually(10, || listening(&b)).await, "B listens");
    let (u, s) = warm_on_b(&a, &b, "relisten@x.io").await;
    // Open a few pooled connections on each node first: they outlive the refusal below.
    for node in [&a, &b] {
        let (r1, r2, r3, r4, r5, r6) = tokio::join!(
            node.get("/users"),
            node.get("/users"),
            node.get("/users"),
            node.get("/users"),
            node.get("/users"),
            node.get("/users")
        );
        for r in [r1, r2, r3, r4, r5, r6] {
            r.ok();
        }
    }

    let allow = |on: bool| {
        let sql = format!("ALTER DATABASE {name} ALLOW_CONNECTIONS {on}");
        let admin = admin.clone();
        async move { tessera_store::admin_execute(&admin, &sql).await }
    };
    allow(false).await.expect("connections refused");
    let cut = format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE application_name = 'tessera-change-feed' AND datname = '{name}'"
    );
    tessera_store::admin_execute(&admin, &cut).await.expect("listeners terminated");
    assert!(eventually(5, || async { !listening(&b).await }).await, "B sees its listener gone");

    a.patch(&format!("/users/{u}"), json!({"first_name": "Grace"})).await.ok();
    assert!(eventually(5, || async { first_name_on_b(&b, &s).await == "Grace" }).await, "B follows by polling");
    assert!(!listening(&b).await, "still without a listener: that was the poll");

    allow(true).await.expect("connections allowed");
    assert!(eventually(40, || listening(&b)).await, "B listens again");
    let woken = metric(&b, "tessera_change_feed_wakeups_total");
    a.patch(&format!("/users/{u}"), json!({"first_name": "Hedy"})).await.ok();
    assert!(eventually(2, || async { first_name_on_b(&b, &s).await == "Hedy" }).await, "woken again");
    assert!(metric(&b, "tessera_change_feed_wakeups_total") > woken, "through a wake-up");
    b.stop().await;
    a.stop().await;
}

#[tokio::test]
async fn on_postgresql_a_template_key_rotated_on_one_node_is_used_by_the_other() {
    let Some((a, b)) = postgres_pair().await else { return };
    let mut cut = b.config.clone();
    b.stop().await;
    cut.mint_cache.poll_ms = 3_600_000;
    cut.mint_cache.listen = false;
    let b = TestApp::spawn_with(cut, None).await;
    a_template_key_rotated_on_a_is_used_by_b(&a, &b).await;
    b.stop().await;
    a.stop().await;
}
