//! Impersonation: actor tokens (`POST /actor_tokens`, `POST /actor_tokens/{id}/revoke`) and Tessera's
//! redeem route (`POST /v1/tessera/actor_tokens/{id}/redeem`), through the SDK. A redeemed token is a
//! session whose `actor` is the token's actor: its session tokens carry `act`, templates and custom
//! session claims see `{{session.actor}}`, and revoking the token or the session ends it.

use reqwest::Method;
use serde_json::{Map, Value, json};
use tessera_client::types::{
    ActorToken, ActorTokenStatus, CreateActorTokenRequestBody, SessionStatus, UpdateSessionClaimsRequestBody,
};
use tessera_client::{Session, VerifyOptions};

use crate::helpers::*;
use crate::tokens::verify_with_jwks;

fn body(user_id: &str, actor: Value) -> CreateActorTokenRequestBody {
    CreateActorTokenRequestBody { user_id: user_id.to_owned(), actor: obj(actor), ..Default::default() }
}

async fn create(app: &TestApp, user_id: &str, actor_sub: &str) -> ActorToken {
    app.sdk.actor_tokens().create(body(user_id, json!({ "sub": actor_sub }))).await.unwrap()
}

async fn redeem(app: &TestApp, t: &ActorToken) -> tessera_client::Result<Session> {
    app.sdk.tessera().actor_tokens().redeem(&t.id, t.token.as_deref().unwrap()).await
}

async fn session_claims(app: &TestApp, session_id: &str) -> Map<String, Value> {
    let t = app.session_token(session_id, None).await.unwrap_or_else(|e| panic!("minting: {e}"));
    verify_with_jwks(app, &t.jwt).await
}

#[tokio::test]
async fn an_actor_token_is_created_pending_with_its_secret_shown_once_and_revoked() {
    let app = TestApp::spawn().await;
    let user = app.user("ada@example.com").await;
    let admin = app.user("grace@example.com").await;

    let r = app.post("/actor_tokens", json!({"user_id": user.id, "actor": {"sub": admin.id}})).await;
    let created = r.ok();
    assert_eq!(created["object"], "actor_token");
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(tessera_core::ids::has_shape(&id, "act_"), "{id}");
    assert_eq!(
        (&created["status"], &created["user_id"], &created["actor"]),
        (&json!("pending"), &json!(user.id), &json!({"sub": admin.id}))
    );
    let token = created["token"].as_str().unwrap();
    assert!(token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit()), "{token}");
    let issuer = app.raw(Method::GET, "/.well-known/openid-configuration", None, None).await.body["issuer"].clone();
    assert_eq!(created["url"], format!("{}/v1/tessera/actor_tokens/{id}/redeem", issuer.as_str().unwrap()));
    assert_eq!((&created["created_at"], &created["updated_at"]), (&json!(T0), &json!(T0)));

    // Through the SDK too, with the optional durations and extra actor keys kept as given.
    let t = app
        .sdk
        .actor_tokens()
        .create(CreateActorTokenRequestBody {
            user_id: user.id.clone(),
            actor: obj(json!({"sub": admin.id, "iss": "https://admin.example.com", "reason": "support"})),
            expires_in_seconds: Some(60),
            session_max_duration_in_seconds: Some(300),
        })
        .await
        .unwrap();
    assert_eq!((t.status, t.actor["reason"].as_str()), (ActorTokenStatus::Pending, Some("support")));
    assert_ne!(t.token.as_deref(), Some(token), "every token has its own secret");

    app.advance_secs(5);
    let revoked = app.sdk.actor_tokens().revoke(&id).await.unwrap();
    assert_eq!((revoked.status, revoked.updated_at, revoked.created_at), (ActorTokenStatus::Revoked, T0 + 5000, T0));
    assert_eq!(revoked.token, None, "the secret is answered only by the create call");
    let raw = app.post(&format!("/actor_tokens/{id}/revoke"), json!({})).await;
    raw.err(400, "actor_token_cannot_be_revoked_code");
    assert!(raw.body.get("token").is_none());
    assert_api_err(app.sdk.actor_tokens().revoke("act_nope").await, 404, "resource_not_found");
    app.stop().await;
}

#[tokio::test]
async fn creating_an_actor_token_validates_every_parameter() {
    let app = TestApp::spawn().await;
    let user = id(&app.user("ada@example.com").await);
    let cases: Vec<(Value, u16, &str, &str)> = vec![
        (json!({"actor": {"sub": "user_admin"}}), 422, "form_param_missing", "user_id"),
        (json!({"user_id": user}), 422, "form_param_missing", "actor"),
        (json!({"user_id": user, "actor": null}), 422, "form_param_missing", "actor"),
        (json!({"user_id": user, "actor": "user_admin"}), 422, "form_param_type_invalid", "actor"),
        (json!({"user_id": user, "actor": {}}), 422, "form_param_missing", "actor"),
        (json!({"user_id": user, "actor": {"sub": 1}}), 422, "form_param_type_invalid", "actor"),
        (json!({"user_id": user, "actor": {"sub": ""}}), 422, "form_param_value_invalid", "actor"),
        (
            json!({"user_id": user, "actor": {"sub": "a", "pad": "x".repeat(1100)}}),
            422,
            "form_param_exceeds_allowed_size",
            "actor",
        ),
        (
            json!({"user_id": user, "actor": {"sub": "a"}, "expires_in_seconds": 0}),
            422,
            "form_param_value_invalid",
            "expires_in_seconds",
        ),
        (
            json!({"user_id": user, "actor": {"sub": "a"}, "expires_in_seconds": "60"}),
            422,
            "form_param_type_invalid",
            "expires_in_seconds",
        ),
        (
            json!({"user_id": user, "actor": {"sub": "a"}, "session_max_duration_in_seconds": -1}),
            422,
            "form_param_value_invalid",
            "session_max_duration_in_seconds",
        ),
        (json!({"user_id": user, "actor": {"sub": "a"}, "bogus": 1}), 422, "form_param_unknown", "bogus"),
        // An unknown key is named before a malformed actor.
        (json!({"user_id": user, "actor": "x", "bogus": 1}), 422, "form_param_unknown", "bogus"),
        (json!({"user_id": "user_nobody", "actor": {"sub": "a"}}), 422, "form_resource_not_found", "user_id"),
    ];
    for (b, status, code, param) in cases {
        let r = app.post("/actor_tokens", b.clone()).await;
        r.err(status, code);
        assert_eq!(r.param(), param, "{b}");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_redeemed_token_is_a_session_whose_tokens_and_templates_carry_the_actor() {
    let app = TestApp::spawn().await;
    let user = app.user("ada@example.com").await;
    let admin = app.user("grace@example.com").await;
    let actor = json!({"sub": admin.id, "iss": "https://admin.example.com", "sid": "sess_admin"});
    let t = app.sdk.actor_tokens().create(body(&user.id, actor.clone())).await.unwrap();

    app.advance_secs(10);
    let s = redeem(&app, &t).await.unwrap();
    assert_eq!(
        (s.status, s.user_id.as_str(), s.actor.as_ref()),
        (SessionStatus::Active, user.id.as_str(), Some(&actor))
    );
    let now = T0 + 10_000;
    assert_eq!(
        (s.created_at, s.expire_at, s.abandon_at),
        (now, now + 1_800_000, now + 1_800_000),
        "30 minutes by default"
    );
    assert_eq!(app.sdk.sessions().get(&s.id).await.unwrap(), s, "stored as answered");

    // The session token carries `act` (the actor as given), verified through the JWKS, by the
    // SDK's verifier too.
    let claims = session_claims(&app, &s.id).await;
    assert_eq!((&claims["act"], &claims["sub"], &claims["sid"]), (&actor, &json!(user.id), &json!(s.id)));
    let jwt = app.session_token(&s.id, None).await.unwrap().jwt;
    let verified =
        app.sdk.verify_token(&jwt, &VerifyOptions { now: Some(app.clock_secs()), ..Default::default() }).await.unwrap();
    assert_eq!(verified.claims.act.as_ref(), Some(&actor));
    // A session without an actor has no `act`.
    let plain = app.session(&user.id, None).await;
    assert!(!session_claims(&app, &plain.id).await.contains_key("act"));

    // Templates and custom session claims see the actor.
    app.template("imp", json!({"actor": "{{session.actor}}", "by": "{{session.actor.sub}}", "as": "{{user.id}}"}))
        .await;
    let c = verify_with_jwks(&app, &app.template_token(&s.id, "imp", None).await.unwrap().jwt).await;
    assert_eq!((&c["actor"], &c["by"], &c["as"]), (&actor, &json!(admin.id), &json!(user.id)));
    let c = verify_with_jwks(&app, &app.template_token(&plain.id, "imp", None).await.unwrap().jwt).await;
    assert_eq!((&c["actor"], &c["by"]), (&Value::Null, &Value::Null));
    app.sdk
        .tessera()
        .session_claims()
        .update(UpdateSessionClaimsRequestBody { claims: obj(json!({"impersonator": "{{session.actor.sub}}"})) })
        .await
        .unwrap();
    let c = session_claims(&app, &s.id).await;
    assert_eq!((&c["impersonator"], &c["act"]), (&json!(admin.id), &actor));

    // The token is now accepted: once only.
    assert_api_err(redeem(&app, &t).await, 400, "actor_token_already_used_code");
    app.stop().await;
}

#[tokio::test]
async fn redeeming_refuses_wrong_expired_revoked_and_used_tokens_with_clerks_errors() {
    let app = TestApp::spawn().await;
    let user = id(&app.user("ada@example.com").await);
    let t = create(&app, &user, "user_admin").await;
    let secret = t.token.clone().unwrap();
    let api = app.sdk.tessera().actor_tokens();

    let last = if secret.ends_with('0') { '1' } else { '0' };
    let wrong = format!("{}{last}", &secret[..63]);
    assert_eq!(assert_api_err_param(api.redeem(&t.id, &wrong).await, 400, "ticket_invalid_code"), "token");
    assert_api_err(api.redeem(&t.id, "").await, 422, "form_param_value_invalid");
    assert_api_err(api.redeem("act_nope", &secret).await, 404, "resource_not_found");
    let r = app.post(&format!("/tessera/actor_tokens/{}/redeem", t.id), json!({})).await;
    r.err(422, "form_param_missing");
    assert_eq!(r.param(), "token");
    let r = app.post(&format!("/tessera/actor_tokens/{}/redeem", t.id), json!({"token": secret, "x": 1})).await;
    r.err(422, "form_param_unknown");
    // Another token's secret does not redeem this one.
    let other = create(&app, &user, "user_admin").await;
    assert_api_err(api.redeem(&t.id, other.token.as_deref().unwrap()).await, 400, "ticket_invalid_code");

    // Expired: one hour by default; the status stays pending (Clerk has no `expired`).
    app.advance_secs(3600);
    assert_api_err(api.redeem(&t.id, &secret).await, 400, "ticket_expired_code");
    assert_api_err(redeem(&app, &other).await, 400, "ticket_expired_code");
    // A pending token can be revoked even after it expired.
    assert_eq!(app.sdk.actor_tokens().revoke(&t.id).await.unwrap().status, ActorTokenStatus::Revoked);
    assert_api_err(api.redeem(&t.id, &secret).await, 400, "actor_token_revoked_code");

    // Revoked before use.
    let t = create(&app, &user, "user_admin").await;
    app.sdk.actor_tokens().revoke(&t.id).await.unwrap();
    assert_api_err(redeem(&app, &t).await, 400, "actor_token_revoked_code");

    // The user is banned, locked, or gone.
    let t = create(&app, &user, "user_admin").await;
    app.sdk.users().ban(&user).await.unwrap();
    assert_eq!(assert_api_err_param(redeem(&app, &t).await, 403, "user_banned"), "user_id");
    app.sdk.users().unban(&user).await.unwrap();
    app.post(&format!("/users/{user}/lock"), json!({})).await.ok();
    assert_api_err(redeem(&app, &t).await, 403, "user_locked");
    app.post(&format!("/users/{user}/unlock"), json!({})).await.ok();
    app.sdk.users().delete(&user).await.unwrap();
    assert_api_err(redeem(&app, &t).await, 404, "actor_token_subject_not_found");
    app.stop().await;
}

#[tokio::test]
async fn revoking_the_actor_token_or_the_session_ends_the_impersonation() {
    let app = TestApp::spawn().await;
    let user = id(&app.user("ada@example.com").await);

    // Revoking the accepted token revokes its session: no more session tokens.
    let t = create(&app, &user, "user_admin").await;
    let s = redeem(&app, &t).await.unwrap();
    session_claims(&app, &s.id).await;
    app.advance_secs(1);
    let revoked = app.sdk.actor_tokens().revoke(&t.id).await.unwrap();
    assert_eq!(revoked.status, ActorTokenStatus::Revoked);
    let ended = app.sdk.sessions().get(&s.id).await.unwrap();
    assert_eq!((ended.status, ended.updated_at), (SessionStatus::Revoked, T0 + 1000));
    assert_api_err(app.session_token(&s.id, None).await, 404, "resource_not_found");
    // The user's other sessions are untouched.
    let own = app.session(&user, None).await;
    app.sdk.actor_tokens().revoke(&create(&app, &user, "user_admin").await.id).await.unwrap();
    assert_eq!(app.sdk.sessions().get(&own.id).await.unwrap().status, SessionStatus::Active);

    // Revoking the session ends it too; the token stays accepted and can still be revoked.
    let t = create(&app, &user, "user_admin").await;
    let s = redeem(&app, &t).await.unwrap();
    assert_eq!(app.sdk.sessions().revoke(&s.id).await.unwrap().status, SessionStatus::Revoked);
    assert_api_err(app.session_token(&s.id, None).await, 404, "resource_not_found");
    assert_api_err(redeem(&app, &t).await, 400, "actor_token_already_used_code");
    assert_eq!(app.sdk.actor_tokens().revoke(&t.id).await.unwrap().status, ActorTokenStatus::Revoked);
    assert_eq!(app.sdk.sessions().get(&s.id).await.unwrap().status, SessionStatus::Revoked);
    app.stop().await;
}

#[tokio::test]
async fn the_session_lasts_at_most_session_max_duration_in_seconds() {
    let app = TestApp::spawn().await;
    let user = id(&app.user("ada@example.com").await);
    let t = app
        .sdk
        .actor_tokens()
        .create(CreateActorTokenRequestBody {
            session_max_duration_in_seconds: Some(120),
            expires_in_seconds: Some(30),
            ..body(&user, json!({"sub": "user_admin"}))
        })
        .await
        .unwrap();
    app.advance_secs(29);
    let s = redeem(&app, &t).await.unwrap();
    assert_eq!(s.expire_at, T0 + 29_000 + 120_000);
    app.advance_secs(119);
    session_claims(&app, &s.id).await;
    app.advance_secs(1);
    assert_eq!(app.sdk.sessions().get(&s.id).await.unwrap().status, SessionStatus::Expired);
    assert_api_err(app.session_token(&s.id, None).await, 404, "resource_not_found");

    // Never beyond the instance's session lifetime (7 days by default).
    let t = app
        .sdk
        .actor_tokens()
        .create(CreateActorTokenRequestBody {
            session_max_duration_in_seconds: Some(30 * 24 * 3600),
            ..body(&user, json!({"sub": "user_admin"}))
        })
        .await
        .unwrap();
    let s = redeem(&app, &t).await.unwrap();
    assert_eq!(s.expire_at - s.created_at, 7 * 24 * 3600 * 1000);
    app.stop().await;
}

#[tokio::test]
async fn of_concurrent_redeems_exactly_one_succeeds() {
    let app = TestApp::spawn().await;
    let user = id(&app.user("ada@example.com").await);
    for _ in 0..3 {
        let t = create(&app, &user, "user_admin").await;
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..6 {
            let (sdk, id, secret) = (app.sdk.clone(), t.id.clone(), t.token.clone().unwrap());
            tasks.spawn(async move { sdk.tessera().actor_tokens().redeem(&id, &secret).await });
        }
        let results = tasks.join_all().await;
        let ok: Vec<&Session> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(ok.len(), 1, "{results:?}");
        for r in results.iter().filter(|r| r.is_err()) {
            let e = r.as_ref().unwrap_err();
            assert_eq!(e.code(), Some("actor_token_already_used_code"), "{e}");
        }
    }
    let sessions = app.get(&format!("/sessions?user_id={user}")).await;
    assert_eq!(sessions.ok().as_array().unwrap().len(), 3, "one session per token");
    app.stop().await;
}

#[tokio::test]
async fn the_token_is_answered_once_and_never_stored_or_repeated() {
    let app = TestApp::spawn().await;
    let user = id(&app.user("ada@example.com").await);

    let created = app.post("/actor_tokens", json!({"user_id": user, "actor": {"sub": "user_admin"}})).await;
    let token_id = created.ok()["id"].as_str().unwrap().to_owned();
    let secret = created.body["token"].as_str().unwrap().to_owned();
    let hash = tessera_jwt::sha256_hex(secret.as_bytes());
    let redeem_path = format!("/tessera/actor_tokens/{token_id}/redeem");
    let bodies = [
        app.post(&redeem_path, json!({"token": format!("{secret}x")})).await.body,
        app.post(&redeem_path, json!({ "token": secret })).await.body,
        app.post(&redeem_path, json!({ "token": secret })).await.body,
        app.post(&format!("/actor_tokens/{token_id}/revoke"), json!({})).await.body,
        app.post(&format!("/actor_tokens/{token_id}/revoke"), json!({})).await.body,
    ];
    for b in &bodies {
        let text = b.to_string();
        assert!(!text.contains(&secret[..32]) && !text.contains(&hash[..32]), "{text}");
    }

    // The database holds the hash, never the token.
    let data_dir = app.config.data_dir.clone();
    let rec = app.running.as_ref().unwrap().state.app.store().get_actor_token(&token_id).await.unwrap().unwrap();
    assert_eq!(rec.token_hash, hash);
    assert!(format!("{rec:?}").contains("<redacted>") && !format!("{rec:?}").contains(&hash));
    let mut app = app;
    app.running.take().unwrap().stop().await;
    let mut stored = Vec::new();
    for entry in std::fs::read_dir(&data_dir).unwrap() {
        stored.extend(std::fs::read(entry.unwrap().path()).unwrap_or_default());
    }
    let stored = String::from_utf8_lossy(&stored);
    assert!(stored.contains(&hash), "the hash is stored (and the scan reads the database)");
    assert!(!stored.contains(&secret), "the database holds the token itself");
    app.stop().await;
}

#[tokio::test]
async fn debug_of_actor_tokens_and_redeem_bodies_redacts_the_token() {
    let t: ActorToken = serde_json::from_value(json!({
        "object": "actor_token", "id": "act_1", "status": "pending", "user_id": "user_1",
        "actor": {"sub": "user_2"}, "token": "do-not-print-this-token", "created_at": 1, "updated_at": 1
    }))
    .unwrap();
    let debug = format!("{t:?}");
    assert!(!debug.contains("do-not-print") && debug.contains("<redacted>") && debug.contains("act_1"), "{debug}");
    let b = tessera_client::types::RedeemActorTokenRequestBody { token: "do-not-print-this-token".into() };
    assert!(!format!("{b:?}").contains("do-not-print"));
    // Raw HTTP: the revoke route takes no body at all (the SDKs send none).
    let app = TestApp::spawn().await;
    let user = id(&app.user("ada@example.com").await);
    let t = create(&app, &user, "user_admin").await;
    let r = app
        .raw(Method::POST, &format!("/v1/actor_tokens/{}/revoke", t.id), Some(&format!("Bearer {SECRET}")), None)
        .await;
    assert_eq!(r.ok()["status"], "revoked");
    app.stop().await;
}
