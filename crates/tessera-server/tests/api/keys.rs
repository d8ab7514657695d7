use serde_json::json;

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
    let k2 = core.rotate_signing_key().await.unwrap();
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

async fn mint(app: &TestApp, s: &tessera_client::Session) -> String {
    app.template_token(&s.id, "t", Some(3600)).await.unwrap().jwt
}
