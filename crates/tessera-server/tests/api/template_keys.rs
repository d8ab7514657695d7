//! `POST /v1/tessera/jwt_templates/{template_id}/rotate_key`: a template's custom key rotated while
//! the tokens of the replaced asymmetric key keep verifying through the JWKS until they have expired
//! (plus the JWKS max-age and key reload interval, 301 s here); HMAC secrets replaced at once, a
//! generated one answered once. Each scenario runs on SQLite and on PostgreSQL.

use jsonwebtoken::{Algorithm, DecodingKey};
use reqwest::Method;
use serde_json::{Value, json};
use tessera_client::types::RotateJwtTemplateKeyRequestBody;

use crate::helpers::*;
use crate::openapi::{assert_documented, document};
use crate::tokens::{header, verify_with_jwks, verify_with_key};

const ROUTE: &str = "/v1/tessera/jwt_templates/{template_id}/rotate_key";
/// The JWKS max-age plus the key reload interval, ms.
const PUBLISH_DELAY_MS: i64 = 301_000;

fn rotate_path(template_id: &str) -> String {
    format!("/tessera/jwt_templates/{template_id}/rotate_key")
}

fn custom(name: &str, alg: &str, key: &str) -> Value {
    json!({"name": name, "claims": {"aud": "ext"}, "custom_signing_key": true,
           "signing_algorithm": alg, "signing_key": key})
}

async fn mint(app: &TestApp, session: &str, template: &str, expires: Option<i64>) -> String {
    app.template_token(session, template, expires).await.unwrap().jwt
}

async fn jwks_kids(app: &TestApp) -> Vec<String> {
    let jwks = app.raw(Method::GET, "/.well-known/jwks.json", None, None).await;
    jwks.body["keys"].as_array().unwrap().iter().filter_map(|k| k["kid"].as_str().map(str::to_owned)).collect()
}

async fn algorithms(app: &TestApp) -> Value {
    let oidc = app.raw(Method::GET, "/.well-known/openid-configuration", None, None).await;
    oidc.body["id_token_signing_alg_values_supported"].clone()
}

fn now_ms(app: &TestApp) -> i64 {
    use tessera_core::clock::Clock;
    app.clock.now_ms()
}

/// The template as `GET` answers it carries no key material, whatever was rotated.
async fn assert_no_key_material(app: &TestApp, template_id: &str, secrets: &[&str]) {
    for r in [app.get(&format!("/jwt_templates/{template_id}")).await, app.get("/jwt_templates").await] {
        let text = r.ok().to_string();
        assert!(!text.contains("PRIVATE") && !text.contains("\"signing_key\""), "{text}");
        for s in secrets {
            assert!(!text.contains(s), "a secret in {text}");
        }
    }
}

/// A generated ES256 key replaces a given one: tokens of both verify through the JWKS, the old key
/// leaves it once its longest token (an `expires_in_seconds` of 3,600 s, longer than the template's
/// lifetime) has expired; a second rotation (to a given EdDSA key) keeps the first retired key.
async fn asymmetric_rotation(app: &TestApp) {
    let doc = document(app).await;
    let u = app.user("rot@x.io").await;
    let s = id(&app.session(&id(&u), None).await);
    let t = id(app.post("/jwt_templates", custom("rot", "ES256", &jwt_fixture("p256_pkcs8.pem"))).await.ok());
    let k1 = rfc7638_thumbprint(&public_jwk_from_spki_pem(&jwt_fixture("p256_pkcs8.pub.pem")));
    let first = mint(app, &s, "rot", Some(3600)).await;
    assert_eq!(header(&first)["kid"], json!(k1));

    app.advance_secs(1);
    let rotated_at = now_ms(app);
    let r = app.post(&rotate_path(&t), json!({})).await;
    assert_documented(&doc, "post", ROUTE, &r);
    let k = r.ok().clone();
    let k2 = k["kid"].as_str().unwrap().to_owned();
    assert_ne!(k2, k1);
    assert_eq!(
        (&k["object"], &k["template_id"], &k["signing_algorithm"], &k["previous_kid"], &k["created_at"]),
        (&json!("jwt_template_key"), &json!(t), &json!("ES256"), &json!(k1), &json!(rotated_at))
    );
    assert_eq!(k["previous_unpublish_at"], json!(rotated_at + PUBLISH_DELAY_MS + 3_600_000));
    assert!(k.get("signing_key").is_none(), "no private key in the answer: {k}");
    let public = k["public_key"].as_str().unwrap();
    assert_eq!(rfc7638_thumbprint(&public_jwk_from_spki_pem(public)), k2, "public_key is the new key");

    // The very next mint on this node signs with the new key; both tokens verify through the JWKS.
    let second = mint(app, &s, "rot", None).await;
    assert_eq!(header(&second)["kid"], json!(k2));
    assert_eq!(verify_with_jwks(app, &first).await["aud"], "ext");
    verify_with_jwks(app, &second).await;
    let key = DecodingKey::from_ec_pem(public.as_bytes()).unwrap();
    verify_with_key(app, &second, &key, Algorithm::ES256);
    let kids = jwks_kids(app).await;
    assert!(kids.contains(&k1) && kids.contains(&k2), "{kids:?}");
    assert_eq!(algorithms(app).await, json!(["ES256", "RS256"]));
    assert_no_key_material(app, &t, &[]).await;

    // A second rotation, to a given key of another algorithm: the first retired key stays (a list).
    app.advance_secs(1);
    let second_rotation = now_ms(app);
    let body = RotateJwtTemplateKeyRequestBody {
        signing_key: Some(jwt_fixture("ed25519_pkcs8.pem")),
        signing_algorithm: Some("EdDSA".into()),
    };
    let k3 = app.sdk.tessera().jwt_templates().rotate_key_with(&t, body).await.unwrap();
    let ed_kid = rfc7638_thumbprint(&public_jwk_from_spki_pem(&jwt_fixture("ed25519_pkcs8.pub.pem")));
    assert_eq!((k3.kid.as_deref(), k3.previous_kid.as_deref()), (Some(ed_kid.as_str()), Some(k2.as_str())));
    assert_eq!(k3.previous_unpublish_at, Some(second_rotation + PUBLISH_DELAY_MS + 60_000), "k2 signed 60 s tokens");
    assert_eq!(k3.signing_key, None, "a given key is never echoed");
    assert_eq!(app.sdk.jwt_templates().get(&t).await.unwrap().signing_algorithm, "EdDSA");
    let third = mint(app, &s, "rot", None).await;
    assert_eq!(
        (header(&third)["kid"].as_str(), header(&third)["alg"].as_str()),
        (Some(ed_kid.as_str()), Some("EdDSA"))
    );
    verify_with_jwks(app, &third).await;
    verify_with_jwks(app, &second).await;
    let kids = jwks_kids(app).await;
    assert!([&k1, &k2, &ed_kid].iter().all(|k| kids.contains(k)), "{kids:?}");
    assert_eq!(algorithms(app).await, json!(["ES256", "EdDSA", "RS256"]));

    // Past k2's time it leaves the JWKS; k1, whose tokens live an hour, stays.
    app.advance_secs(301 + 60);
    let kids = jwks_kids(app).await;
    assert!(!kids.contains(&k2) && kids.contains(&k1) && kids.contains(&ed_kid), "{kids:?}");
    verify_with_jwks(app, &first).await;
    // Then k1 leaves too: only the instance key and the current key are left.
    app.advance_secs(3_600);
    let kids = jwks_kids(app).await;
    assert_eq!(kids.len(), 2, "{kids:?}");
    assert!(kids.contains(&ed_kid) && !kids.contains(&k1));
    assert_eq!(algorithms(app).await, json!(["EdDSA", "RS256"]));
}

/// HMAC: nothing is published; the new secret signs at once; a generated secret is answered once
/// (never by `GET`), a given one never.
async fn hmac_rotation(app: &TestApp) {
    let doc = document(app).await;
    let u = app.user("hs@x.io").await;
    let s = id(&app.session(&id(&u), None).await);
    let first_secret = "first-secret-of-the-hs-template-0123456789";
    let t = id(app.post("/jwt_templates", custom("hs", "HS256", first_secret)).await.ok());
    let hs =
        |jwt: &str, secret: &str, alg| verify_with_key(app, jwt, &DecodingKey::from_secret(secret.as_bytes()), alg);
    hs(&mint(app, &s, "hs", None).await, first_secret, Algorithm::HS256);
    let kids_before = jwks_kids(app).await;

    // No body at all: a generated secret, in this answer only.
    let auth = format!("Bearer {SECRET}");
    let r = app.raw(Method::POST, &format!("/v1{}", rotate_path(&t)), Some(&auth), None).await;
    assert_documented(&doc, "post", ROUTE, &r);
    let k = r.ok().clone();
    let generated = k["signing_key"].as_str().unwrap().to_owned();
    assert_eq!(generated.len(), 43, "32 random bytes, base64url");
    assert_eq!(
        (&k["kid"], &k["public_key"], &k["previous_kid"], &k["previous_unpublish_at"]),
        (&Value::Null, &Value::Null, &Value::Null, &Value::Null)
    );
    let jwt = mint(app, &s, "hs", None).await;
    assert!(header(&jwt).get("kid").is_none());
    hs(&jwt, &generated, Algorithm::HS256);
    assert_eq!(jwks_kids(app).await, kids_before, "HMAC keys are never published");

    // A given secret is never echoed.
    let given = "given-secret-for-the-hs-template-9876543210";
    let r = app.post(&rotate_path(&t), json!({"signing_key": given})).await;
    assert!(r.ok().get("signing_key").is_none() && !r.body.to_string().contains(given), "{}", r.body);
    hs(&mint(app, &s, "hs", None).await, given, Algorithm::HS256);
    // A generated HS512 secret is 64 bytes.
    let k = app.post(&rotate_path(&t), json!({"signing_algorithm": "HS512"})).await.ok().clone();
    let hs512 = k["signing_key"].as_str().unwrap().to_owned();
    assert_eq!(hs512.len(), 86);
    hs(&mint(app, &s, "hs", None).await, &hs512, Algorithm::HS512);
    assert_no_key_material(app, &t, &[first_secret, &generated, given, &hs512]).await;
}

/// Refusals change nothing; a key that never signed leaves the JWKS at once; `PATCH` with a new key
/// withdraws the retired keys.
async fn refusals_and_withdrawals(app: &TestApp) {
    let doc = document(app).await;
    let r = app.post(&rotate_path("jtmp_nope"), json!({})).await;
    assert_documented(&doc, "post", ROUTE, r.err(404, "resource_not_found"));
    let plain = id(&app.template("plain", json!({})).await);
    let r = app.post(&rotate_path(&plain), json!({})).await;
    assert_eq!(r.err(400, "jwt_template_custom_signing_key_required").param(), "custom_signing_key");
    assert_documented(&doc, "post", ROUTE, &r);

    let u = app.user("strict@x.io").await;
    let s = id(&app.session(&id(&u), None).await);
    let t = id(app.post("/jwt_templates", custom("strict", "ES256", &jwt_fixture("p256_pkcs8.pem"))).await.ok());
    let k1 = rfc7638_thumbprint(&public_jwk_from_spki_pem(&jwt_fixture("p256_pkcs8.pub.pem")));
    let stored = app.get(&format!("/jwt_templates/{t}")).await.ok().clone();
    let kids = jwks_kids(app).await;
    for (body, code, param) in [
        (json!({"signing_key": "not a pem"}), "form_param_value_invalid", "signing_key"),
        (json!({"signing_key": jwt_fixture("rsa2048_pkcs8.pem")}), "form_param_value_invalid", "signing_key"),
        (json!({"signing_key": jwt_fixture("p256_pkcs8.pem")}), "form_param_value_invalid", "signing_key"),
        (json!({"signing_key": ""}), "form_param_missing", "signing_key"),
        (json!({"signing_key": 5}), "form_param_type_invalid", "signing_key"),
        (json!({"signing_algorithm": "XS256"}), "form_param_value_invalid", "signing_algorithm"),
        (json!({"key": "x"}), "form_param_unknown", "key"),
    ] {
        let r = app.post(&rotate_path(&t), body.clone()).await;
        assert_eq!(r.err(422, code).param(), param, "{body}");
        assert_documented(&doc, "post", ROUTE, &r);
    }
    assert_eq!(app.get(&format!("/jwt_templates/{t}")).await.ok(), &stored, "nothing was changed");
    assert_eq!(jwks_kids(app).await, kids);
    assert_eq!(header(&mint(app, &s, "strict", None).await)["kid"], json!(k1));

    // A key that never signed has no token to verify: it leaves the JWKS at once.
    let fresh = id(app.post("/jwt_templates", custom("fresh", "EdDSA", &jwt_fixture("ed25519_pkcs8.pem"))).await.ok());
    let ed_kid = rfc7638_thumbprint(&public_jwk_from_spki_pem(&jwt_fixture("ed25519_pkcs8.pub.pem")));
    assert!(jwks_kids(app).await.contains(&ed_kid));
    let k = app.post(&rotate_path(&fresh), json!({})).await.ok().clone();
    assert_eq!((&k["previous_kid"], &k["previous_unpublish_at"]), (&json!(ed_kid), &json!(now_ms(app))));
    assert!(!jwks_kids(app).await.contains(&ed_kid));

    // PATCH with a new key is the revocation path: the retired key goes with the replaced one.
    let k2 = app.post(&rotate_path(&t), json!({})).await.ok()["kid"].as_str().unwrap().to_owned();
    assert!(jwks_kids(app).await.contains(&k1), "k1 signed: it stays published");
    app.patch(&format!("/jwt_templates/{t}"), custom("strict", "EdDSA", &jwt_fixture("ed25519_pkcs8.pem"))).await.ok();
    let kids = jwks_kids(app).await;
    assert!(!kids.contains(&k1) && !kids.contains(&k2), "{kids:?}");
}

macro_rules! on_both_stores {
    ($scenario:ident, $sqlite:ident, $pg:ident) => {
        #[tokio::test]
        async fn $sqlite() {
            let app = TestApp::spawn().await;
            $scenario(&app).await;
            app.stop().await;
        }

        #[tokio::test]
        async fn $pg() {
            let Some(app) = TestApp::spawn_postgres().await else { return };
            $scenario(&app).await;
            app.stop().await;
        }
    };
}

on_both_stores!(
    asymmetric_rotation,
    on_sqlite_a_rotated_asymmetric_key_stays_published_until_its_tokens_expired,
    on_postgresql_a_rotated_asymmetric_key_stays_published_until_its_tokens_expired
);
on_both_stores!(
    hmac_rotation,
    on_sqlite_a_rotated_hmac_secret_replaces_the_old_one_and_a_generated_one_is_answered_once,
    on_postgresql_a_rotated_hmac_secret_replaces_the_old_one_and_a_generated_one_is_answered_once
);
on_both_stores!(
    refusals_and_withdrawals,
    on_sqlite_rotate_key_refusals_change_nothing_and_patch_withdraws_retired_keys,
    on_postgresql_rotate_key_refusals_change_nothing_and_patch_withdraws_retired_keys
);
