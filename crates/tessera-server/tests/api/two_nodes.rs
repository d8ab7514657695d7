//! Two Tessera nodes on one database: whatever node A changes, the very next mint on node B sees.
//! Node B mints first (so whatever it caches is warm), then A changes the template's claims, its
//! signing key, the user, the membership role, deletes the template and revokes the session, and B
//! mints right after each change. Run on one SQLite file shared by two servers and on one
//! PostgreSQL database.

use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::{Map, Value, json};
use tessera_server::{Config, Secret};

use crate::helpers::*;
use crate::tokens::verify_with_key;

/// Two servers started from the same configuration (so the same database and master key).
async fn two_nodes(config: Config, dir: Option<tempfile::TempDir>) -> (TestApp, TestApp) {
    let a = TestApp::spawn_with(config.clone(), dir).await;
    let b = TestApp::spawn_with(config, None).await;
    (a, b)
}

async fn mint(node: &TestApp, session: &str, template: &str) -> Resp {
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
    b.post(&format!("/sessions/{s}/tokens"), json!({})).await.err(404, "resource_not_found");
}

#[tokio::test]
async fn two_nodes_on_one_sqlite_file_see_each_others_changes_at_the_next_mint() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().join("data"),
        secret_key: Some(Secret(SECRET.into())),
        ..Config::default()
    };
    let (a, b) = two_nodes(config, Some(dir)).await;
    changes_on_a_are_seen_by_the_next_mint_on_b(&a, &b).await;
    b.stop().await;
    a.stop().await;
}

#[tokio::test]
async fn two_nodes_on_one_postgresql_database_see_each_others_changes_at_the_next_mint() {
    let Some((url, admin, name)) = fresh_postgres_url().await else {
        eprintln!("TESSERA_TEST_DATABASE_URL not set: skipping the PostgreSQL run (outside CI)");
        return;
    };
    let config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        database_url: Some(url),
        master_key: Some(Secret("a".repeat(64))),
        data_dir: "/nonexistent-tessera-test".into(),
        secret_key: Some(Secret(SECRET.into())),
        ..Config::default()
    };
    let (mut a, b) = two_nodes(config, None).await;
    a.pg = Some((admin, name));
    changes_on_a_are_seen_by_the_next_mint_on_b(&a, &b).await;
    b.stop().await;
    a.stop().await;
}
