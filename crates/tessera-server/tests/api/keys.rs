use reqwest::Method;
use serde_json::json;

use tessera_client::types::RotateInstanceKeyRequestBody;

use crate::helpers::*;
use crate::tokens::{header, verify_with_jwks};

#[tokio::test]
async fn a_rotated_key_is_published_first_signs_later_and_old_tokens_keep_verifying() {
    let mut app = TestApp::spawn().await;
    let u = app.user("k@x.io").await;
    let s = app.session(&u.id, None).await;
    app.template("t", json!({})).await;
    let first = mint(&app, &s).await;
    let k1 = header(&first)["kid"].as_str().unwrap().to_owned();

    app.advance_secs(1);
    let core = &app.running.as_ref().unwrap().state.app;
    let k2 = core.rotate_signing_key(None).await.unwrap().kid;
    let jwks = app.sdk.jwks().get().await.unwrap();
    let kids: Vec<&str> = jwks.keys.iter().map(|k| k.kid.as_deref().unwrap()).collect();
    assert!(kids.contains(&k1.as_str()) && kids.contains(&k2.as_str()), "the new key is published at once");
    assert_eq!(header(&mint(&app, &s).await)["kid"], json!(k1), "but does not sign before the publish delay");

    app.advance_secs(361);
    core.reload_keys().await.unwrap();
    let second = mint(&app, &s).await;
    assert_eq!(header(&second)["kid"], json!(k2));
    assert!(verify_with_jwks(&app, &first).await.contains_key("sub"), "tokens of the old key still verify");
    verify_with_jwks(&app, &second).await;

    core.retire_signing_key(&k1).await.unwrap();
    let e = core.retire_signing_key(&k2).await.unwrap_err();
    assert_eq!(e.code, "last_instance_key");
    app.restart().await;
    assert_eq!(header(&mint(&app, &s).await)["kid"], json!(k2));
    verify_with_jwks(&app, &first).await;
    app.stop().await;
}

#[tokio::test]
async fn keys_are_listed_rotated_and_retired_over_http_and_leave_the_jwks_once_their_tokens_expired() {
    let app = TestApp::spawn().await;
    let u = app.user("kh@x.io").await;
    let s = app.session(&u.id, None).await;
    app.template("t", json!({})).await;
    let keys = app.sdk.tessera().keys();
    let listed = keys.list().await.unwrap();
    assert_eq!(listed.total_count, 1);
    let k1 = listed.data[0].clone();
    assert_eq!(
        (k1.object.as_str(), k1.status.as_str(), k1.signing, k1.published),
        ("instance_key", "signing", true, true)
    );
    let first = mint(&app, &s).await;
    assert_eq!(header(&first)["kid"], json!(k1.kid));
    // The mint recorded its lifetime on the key before signing.
    assert_eq!(keys.list().await.unwrap().data[0].max_token_lifetime, Some(3600));

    app.advance_secs(1);
    // Staged by default: published, not signing.
    let staged = keys.rotate(Default::default()).await.unwrap();
    assert_eq!((staged.status.as_str(), staged.signing, staged.published), ("staged", false, true));
    assert_eq!(staged.sign_after, staged.created_at + 301_000, "JWKS max-age 300 s plus the 1 s reload");
    assert_eq!(header(&mint(&app, &s).await)["kid"], json!(k1.kid));
    // activate_in_seconds: 0 signs at once.
    app.advance_secs(1);
    let now = keys.rotate(RotateInstanceKeyRequestBody { activate_in_seconds: Some(0) }).await.unwrap();
    assert_eq!(now.status, "signing");
    let second = mint(&app, &s).await;
    assert_eq!(header(&second)["kid"], json!(now.kid));
    assert!(verify_with_jwks(&app, &first).await.contains_key("sub"));
    let listed = keys.list().await.unwrap().data;
    let statuses: Vec<&str> = listed.iter().map(|k| k.status.as_str()).collect();
    // The staged key was overtaken before it ever signed.
    assert_eq!(statuses, ["superseded", "superseded", "signing"]);
    let superseded = &listed[0];
    assert_eq!(superseded.unpublish_at, Some(now.sign_after + 301_000 + 3_600_000));

    // Retiring a key that never signed withdraws it at once (no token needs it).
    let retired = keys.retire(&staged.kid).await.unwrap();
    assert_eq!((retired.status.as_str(), retired.published), ("retired", false));
    let e = keys.retire(&staged.kid).await.unwrap_err();
    assert_eq!(e.status(), Some(400));
    assert_eq!(keys.retire("ins_nope").await.unwrap_err().status(), Some(404));
    let bad = app.post("/tessera/keys/rotate", json!({"activate_in_seconds": -1})).await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.body["errors"][0]["meta"]["param_name"], json!("activate_in_seconds"));

    // Past the superseded key's unpublish time it leaves the JWKS too.
    app.advance_secs(301 + 3_600);
    // (Listing re-reads the keys at once; the 1 s reload tick would too.)
    let listed = keys.list().await.unwrap().data;
    assert_eq!(listed.iter().filter(|k| k.published).count(), 1);
    let kids: Vec<String> = app.sdk.jwks().get().await.unwrap().keys.into_iter().filter_map(|k| k.kid).collect();
    assert_eq!(kids, std::slice::from_ref(&now.kid));
    // The OpenID configuration lists the algorithms in use.
    let oidc = app.raw(Method::GET, "/.well-known/openid-configuration", None, None).await;
    assert_eq!(oidc.body["id_token_signing_alg_values_supported"], json!(["RS256"]));
    app.stop().await;
}

async fn mint(app: &TestApp, s: &tessera_client::Session) -> String {
    app.template_token(&s.id, "t", Some(3600)).await.unwrap().jwt
}

#[tokio::test]
async fn a_revoked_secret_key_stops_working_on_every_node_within_the_recheck_interval() {
    let app = TestApp::spawn().await;
    let core = &app.running.as_ref().unwrap().state.app;
    let key = core.create_secret_key().await.unwrap();
    assert!(core.authenticate(&key).await.unwrap());
    let records = core.secret_keys().await.unwrap();
    assert_eq!(records.len(), 2);
    assert!(records.iter().all(|r| !r.key_hash.is_empty() && !key.contains(&r.key_hash)));
    let newest = records.iter().max_by_key(|r| (r.created_at, r.id.clone())).unwrap().id.clone();
    // The pinned test key and the new one were created at the same instant: find the new one by hash.
    let new_id = records
        .iter()
        .find(|r| r.key_hash == tessera_jwt::sha256_hex(key.as_bytes()))
        .map(|r| r.id.clone())
        .unwrap_or(newest);
    core.revoke_secret_key(&new_id).await.unwrap();
    assert!(core.authenticate(&key).await.unwrap(), "remembered for up to 30 s");
    app.advance_secs(31);
    assert!(!core.authenticate(&key).await.unwrap(), "then checked again and refused");
    let last = core.secret_keys().await.unwrap()[0].id.clone();
    assert_eq!(core.revoke_secret_key(&last).await.unwrap_err().code, "last_secret_key");
    assert!(core.authenticate(SECRET).await.unwrap());
    app.stop().await;
}

#[test]
fn the_tests_own_thumbprint_code_gives_rfc_7638s_published_example() {
    // RFC 7638 §3.1: the example RSA key and its thumbprint.
    let jwk = json!({
        "kty": "RSA",
        "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
        "e": "AQAB",
        "alg": "RS256",
        "kid": "2011-04-29"
    });
    assert_eq!(rfc7638_thumbprint(&jwk), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
}
