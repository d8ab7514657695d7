//! Passwords through HTTP and the SDK: set (Argon2id), imported digests of every supported hasher,
//! verified, upgraded, replaced, removed; Clerk's errors for every refusal; never in a response.

use serde_json::{Value, json};
use tessera_client::types::{
    CreateUserRequestBody, RemoveUserPasswordRequestBody, UpdateUserRequestBody, VerifyPasswordRequestBody,
};
use tessera_server::Config;

use crate::helpers::*;

/// The password of the Python-made vectors below.
const PW: &str = "correct horse battery";
/// The password of djangohashers' Django vectors.
const DJANGO_PW: &str = "ExjGmyUT73bFoT";

/// `(password_hasher, password_digest, password)`: one digest of every hasher Tessera verifies, each
/// made by another implementation (see `tessera_core::passwords::hashers` tests for their origins).
pub(crate) const DIGESTS: &[(&str, &str, &str)] = &[
    ("argon2i", "$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA", "password"),
    ("argon2id", "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc", "password"),
    ("bcrypt", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", "U*U"),
    ("bcrypt_sha256_django", "bcrypt_sha256$$2b$12$LZSJchsWG/DrBy1erNs4eeYo6tZNlLFQmONdxN9HPesa1EyXVcTXK", DJANGO_PW),
    ("md5", "88e4ddd2402d92d50e1879d6ecd9ffd4", PW),
    ("md5_phpass", "$H$9saltsaltc6FiMZ7qxtxcwwPo4F3va.", PW),
    ("pbkdf2_sha1", "pbkdf2_sha1$10000$saltysalt$854c617eebb4d1895967ef647e62678ba8eef343714076a0724af1a3967fbc2c", PW),
    ("pbkdf2_sha256", "pbkdf2_sha256$10000$AQJzZWFzYWx0/w==$JiPPC5PHdAPhq/Vi32SoWvKPn6SVS3Iz/7v6Y9JQouc=", PW),
    (
        "pbkdf2_sha256_django",
        "pbkdf2_sha256$24000$KQ8zeK6wKRuR$cmhbSt1XVKuO4FGd9+AX8qSBD4Z0395nZatXTJpEtTY=",
        DJANGO_PW,
    ),
    (
        "pbkdf2_sha512",
        "pbkdf2_sha512$10000$plainsalt$1686da1f3b7a90481466d805033a5105e11e84d9b70b54062e6269ca86337b628bf6381dac0c9d7\
         6200a4ad2b86bbd01d950c9772ca599dac59994dbce2e4844",
        PW,
    ),
    (
        "pbkdf2_sha512_hex",
        "pbkdf2_sha512_hex$10000$0011223344556677$b9049d3df3cc3a2533f0a93b4e3390b7ba12cb081d06c7cd6c1aa6967b9735d463\
         b184100ab7b59e65904a378c5e2612166cc8cacccb60114a0affa0ed0b57fa",
        PW,
    ),
    ("phpass", "$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0", "test12345"),
    ("sha256", "9028ea0d15decaa35b2da21c0290af3b1a5ba0a30a591906f89b5074e209ea72", PW),
    ("ldap_ssha", "{SSHA}64G2Lx3M12XCMoNYLZtKgQGGYMEKCwwN", PW),
    (
        "sha512_symfony",
        "sha512_symfony$5000$sym.salt$ksxdJpOes7GVrIL9zUEy8FGMyR+l97gQixez42pKpsXNnkgRrtBPTZYLsDEHB3i0Fe2oWYtdipAr6mzCVEpnDw==",
        PW,
    ),
];

fn verify_body(password: &str) -> VerifyPasswordRequestBody {
    VerifyPasswordRequestBody { password: password.into() }
}

/// The stored password record of a user, read from the store behind the running server.
async fn stored(app: &TestApp, user_id: &str) -> Option<tessera_core::store::PasswordRecord> {
    app.running.as_ref().unwrap().state.app.store().get_password(user_id).await.unwrap()
}

#[track_caller]
fn assert_no_secret(body: &Value, secrets: &[&str]) {
    let text = body.to_string();
    for s in secrets {
        assert!(!text.contains(s), "a response shows a secret: {text}");
    }
    assert!(!text.contains("password_digest") && !text.contains("$argon2"), "{text}");
}

#[tokio::test]
async fn a_password_is_stored_as_an_argon2id_hash_that_verifies_and_is_never_answered() {
    let app = TestApp::spawn().await;
    let body = CreateUserRequestBody {
        email_address: Some(vec!["ada@example.com".into()]),
        password: Some(PW.into()),
        ..Default::default()
    };
    let user = app.sdk.users().create(body).await.unwrap();
    assert!(user.password_enabled);
    assert_eq!(user.password_last_updated_at, Some(T0));
    let record = stored(&app, &user.id).await.expect("a password is stored");
    assert_eq!(record.hasher, "argon2id");
    assert!(record.digest.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "OWASP's parameters: {record:?}");
    assert!(!format!("{record:?}").contains(&record.digest), "Debug redacts the digest");
    for r in [app.get(&format!("/users/{}", user.id)).await, app.get("/users").await] {
        assert_no_secret(r.ok(), &[PW, &record.digest]);
    }

    let ok = app.sdk.users().verify_password(&user.id, verify_body(PW)).await.unwrap();
    assert!(ok.verified);
    let e = assert_api_err(
        app.sdk.users().verify_password(&user.id, verify_body("correct horse batterY")).await,
        422,
        "incorrect_password",
    );
    assert!(!e.to_string().contains("batterY"), "{e}");
    // Tessera's own hash is not rehashed by a verification.
    assert_eq!(stored(&app, &user.id).await.unwrap().digest, record.digest);
    // Raw: the answer is Clerk's `{"verified": true}`, the refusal its envelope.
    let r = app.post(&format!("/users/{}/verify_password", user.id), json!({"password": PW})).await;
    assert_eq!(r.ok(), &json!({"verified": true}));
    app.post(&format!("/users/{}/verify_password", user.id), json!({"password": ""}))
        .await
        .err(422, "incorrect_password");
    app.stop().await;
}

#[tokio::test]
async fn digests_of_every_supported_hasher_are_imported_verified_and_upgraded_to_argon2id() {
    let app = TestApp::spawn().await;
    for (i, (hasher, digest, password)) in DIGESTS.iter().enumerate() {
        let r = app
            .post(
                "/users",
                json!({"external_id": format!("imported-{i}"), "password_digest": digest, "password_hasher": hasher}),
            )
            .await;
        let user = r.ok().clone();
        assert_eq!(
            (user["password_enabled"].as_bool(), user["password_last_updated_at"].as_i64()),
            (Some(true), Some(T0))
        );
        assert_no_secret(&user, &[digest]);
        let id = id(&user);
        assert_eq!(
            stored(&app, &id).await.map(|r| (r.hasher, r.digest)),
            Some((hasher.to_string(), digest.to_string()))
        );

        let path = format!("/users/{id}/verify_password");
        app.post(&path, json!({"password": format!("{password}x")})).await.err(422, "incorrect_password");
        assert_eq!(stored(&app, &id).await.unwrap().digest, *digest, "{hasher}: a wrong password upgrades nothing");
        assert_eq!(app.post(&path, json!({"password": password})).await.ok(), &json!({"verified": true}), "{hasher}");
        let upgraded = stored(&app, &id).await.unwrap();
        assert_eq!(upgraded.hasher, "argon2id", "{hasher}");
        assert!(upgraded.digest.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hasher}");
        // The upgraded hash verifies the same password, and nothing else.
        assert_eq!(app.post(&path, json!({"password": password})).await.ok(), &json!({"verified": true}), "{hasher}");
        app.post(&path, json!({"password": format!("{password}x")})).await.err(422, "incorrect_password");
        assert_eq!(stored(&app, &id).await.unwrap().digest, upgraded.digest);
    }
    app.stop().await;
}

#[tokio::test]
async fn refused_passwords_and_digests_get_clerks_errors_naming_the_parameter() {
    let app = TestApp::spawn().await;
    let md5 = "88e4ddd2402d92d50e1879d6ecd9ffd4";
    let cases: Vec<(Value, u16, &str, &str)> = vec![
        (json!({"password": "short"}), 422, "form_password_length_too_short", "password"),
        (json!({"password": ""}), 422, "form_password_length_too_short", "password"),
        (json!({"password": "", "skip_password_checks": true}), 422, "form_password_length_too_short", "password"),
        (json!({"password": "x".repeat(257)}), 422, "form_password_length_too_long", "password"),
        (
            json!({"password": "x".repeat(257), "skip_password_checks": true}),
            422,
            "form_password_length_too_long",
            "password",
        ),
        (json!({"password": 12345678}), 422, "form_param_type_invalid", "password"),
        (
            json!({"password": PW, "password_digest": md5, "password_hasher": "md5"}),
            422,
            "form_conditional_param_disallowed",
            "password_digest",
        ),
        (json!({"password_digest": md5}), 422, "form_conditional_param_missing", "password_hasher"),
        (json!({"password_hasher": "md5"}), 422, "form_conditional_param_missing", "password_digest"),
        (json!({"password": PW, "password_hasher": "md5"}), 422, "form_conditional_param_missing", "password_digest"),
        (
            json!({"password_digest": md5, "password_hasher": "rot13"}),
            422,
            "form_param_value_invalid",
            "password_hasher",
        ),
        (
            json!({"password_digest": md5, "password_hasher": "scrypt_firebase"}),
            422,
            "form_param_value_invalid",
            "password_hasher",
        ),
        (
            json!({"password_digest": md5, "password_hasher": "sha256"}),
            422,
            "form_password_digest_invalid_code",
            "password_digest",
        ),
        (
            json!({"password_digest": "$2a$20$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", "password_hasher": "bcrypt"}),
            422,
            "form_password_digest_invalid_code",
            "password_digest",
        ),
        (
            json!({"password_digest": "x".repeat(4097), "password_hasher": "md5"}),
            422,
            "form_param_max_length_exceeded",
            "password_digest",
        ),
    ];
    for (body, status, code, param) in cases {
        let r = app.post("/users", body.clone()).await;
        r.err(status, code);
        assert_eq!(r.param(), param, "{body}: {}", r.body);
        assert!(!r.body.to_string().contains(md5), "the digest is not repeated: {}", r.body);
    }
    let r = app.post("/users", json!({"password_digest": md5, "password_hasher": "scrypt_firebase"})).await;
    let long = r.body["errors"][0]["long_message"].as_str().unwrap();
    assert!(long.contains("cannot verify scrypt_firebase") && long.contains("bcrypt"), "{long}");
    assert_eq!(app.get("/users/count").await.ok()["total_count"], 0, "nothing was created");

    // `skip_password_checks` lifts the 8-character minimum.
    let r = app.post("/users", json!({"password": "abc", "skip_password_checks": true})).await;
    let user = id(r.ok());
    let path = format!("/users/{user}/verify_password");
    assert_eq!(app.post(&path, json!({"password": "abc"})).await.ok(), &json!({"verified": true}));
    // Bodies of verify_password.
    app.post(&path, json!({})).await.err(422, "form_param_missing");
    app.post(&path, json!({"password": null})).await.err(422, "form_param_missing");
    app.post(&path, json!({"password": 5})).await.err(422, "form_param_type_invalid");
    let r = app.post(&path, json!({"password": "abc", "extra": 1})).await;
    assert_eq!((r.code(), r.param()), ("form_param_unknown", "extra"));
    app.post("/users/user_nope/verify_password", json!({"password": "abc"})).await.err(404, "resource_not_found");
    let bare = id(&app.user("bare@example.com").await);
    let r = app.post(&format!("/users/{bare}/verify_password"), json!({"password": "abc"})).await;
    r.err(400, "no_password_set");
    assert_eq!(r.body["errors"][0]["long_message"], "This user does not have a password set for their account");
    app.stop().await;
}

#[tokio::test]
async fn update_sets_and_replaces_the_password_and_can_sign_out_every_session() {
    let app = TestApp::spawn().await;
    let user = app.user("ada@example.com").await;
    assert!(!user.password_enabled);
    let keep = app.session(&user.id, None).await;
    app.advance_secs(5);
    let body = UpdateUserRequestBody { password: Some(PW.into()), ..Default::default() };
    let updated = app.sdk.users().update(&user.id, body).await.unwrap();
    assert!(updated.password_enabled);
    assert_eq!(updated.password_last_updated_at, Some(T0 + 5_000));
    assert!(app.sdk.users().verify_password(&user.id, verify_body(PW)).await.unwrap().verified);
    assert_eq!(app.sdk.sessions().get(&keep.id).await.unwrap().status.as_str(), "active");

    // A digest replaces it, signing the user out everywhere in the same write.
    app.advance_secs(5);
    let body = json!({"password_digest": "$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0", "password_hasher": "phpass",
                      "sign_out_of_other_sessions": true, "first_name": "Ada"});
    let r = app.patch(&format!("/users/{}", user.id), body).await;
    assert_eq!(
        (r.ok()["password_last_updated_at"].as_i64(), r.body["first_name"].as_str()),
        (Some(T0 + 10_000), Some("Ada"))
    );
    assert_eq!(app.sdk.sessions().get(&keep.id).await.unwrap().status.as_str(), "revoked");
    assert_api_err(app.sdk.users().verify_password(&user.id, verify_body(PW)).await, 422, "incorrect_password");
    assert!(app.sdk.users().verify_password(&user.id, verify_body("test12345")).await.unwrap().verified);

    // `null` leaves the password alone; signing out needs a new password.
    let r = app.patch(&format!("/users/{}", user.id), json!({"password": null, "last_name": "L"})).await;
    assert_eq!(r.ok()["password_last_updated_at"].as_i64(), Some(T0 + 10_000));
    let r = app.patch(&format!("/users/{}", user.id), json!({"sign_out_of_other_sessions": true})).await;
    r.err(422, "form_conditional_param_missing");
    assert_eq!(r.param(), "password");
    app.patch(&format!("/users/{}", user.id), json!({"sign_out_of_other_sessions": false})).await.ok();
    app.patch(&format!("/users/{}", user.id), json!({"password": "short"}))
        .await
        .err(422, "form_password_length_too_short");
    app.patch("/users/user_nope", json!({"password": PW})).await.err(404, "resource_not_found");
    assert!(app.sdk.users().verify_password(&user.id, verify_body("test12345")).await.unwrap().verified);
    app.stop().await;
}

#[tokio::test]
async fn removing_a_password_turns_it_off_and_can_revoke_the_sessions() {
    let app = TestApp::spawn().await;
    let body = CreateUserRequestBody { password: Some(PW.into()), ..Default::default() };
    let user = app.sdk.users().create(body).await.unwrap();
    let live = app.session(&user.id, None).await;
    app.advance_secs(3);
    let removed = app.sdk.users().remove_password(&user.id, Default::default()).await.unwrap();
    assert_eq!((removed.password_enabled, removed.password_last_updated_at), (false, None));
    assert_eq!(removed.updated_at, T0 + 3_000);
    assert!(stored(&app, &user.id).await.is_none());
    assert_api_err(app.sdk.users().verify_password(&user.id, verify_body(PW)).await, 400, "no_password_set");
    assert_eq!(app.sdk.sessions().get(&live.id).await.unwrap().status.as_str(), "active");
    // Without a password: the user unchanged.
    app.advance_secs(3);
    let again = app.sdk.users().remove_password(&user.id, Default::default()).await.unwrap();
    assert_eq!(again, removed);

    // With `sign_out_of_other_sessions`: revoked in the same write.
    let body = UpdateUserRequestBody { password: Some(PW.into()), ..Default::default() };
    app.sdk.users().update(&user.id, body).await.unwrap();
    let sign_out = RemoveUserPasswordRequestBody { sign_out_of_other_sessions: Some(true) };
    assert!(!app.sdk.users().remove_password(&user.id, sign_out).await.unwrap().password_enabled);
    assert_eq!(app.sdk.sessions().get(&live.id).await.unwrap().status.as_str(), "revoked");

    // An empty body is `{}`; Clerk's errors otherwise.
    app.post(&format!("/users/{}/remove_password", user.id), json!({})).await.ok();
    let r = app
        .raw(
            reqwest::Method::POST,
            &format!("/v1/users/{}/remove_password", user.id),
            Some(&format!("Bearer {SECRET}")),
            None,
        )
        .await;
    r.ok();
    app.post("/users/user_nope/remove_password", json!({})).await.err(404, "resource_not_found");
    app.post(&format!("/users/{}/remove_password", user.id), json!({"sign_out_of_other_sessions": "yes"}))
        .await
        .err(422, "form_param_type_invalid");
    app.post(&format!("/users/{}/remove_password", user.id), json!({"password": PW}))
        .await
        .err(422, "form_param_unknown");
    app.stop().await;
}

/// A user written before passwords were stored (or by a seed of that time) says `password_enabled`
/// without a stored hash: verification answers `no_password_set`, and removing sets the flag right.
#[tokio::test]
async fn a_user_flagged_with_a_password_that_was_never_stored_has_none() {
    let app = TestApp::spawn().await;
    let mut user = app.user("old@example.com").await;
    user.password_enabled = true;
    user.password_last_updated_at = Some(T0);
    assert!(app.running.as_ref().unwrap().state.app.store().update_user(&user).await.unwrap());
    assert_api_err(app.sdk.users().verify_password(&user.id, verify_body(PW)).await, 400, "no_password_set");
    let fixed = app.sdk.users().remove_password(&user.id, Default::default()).await.unwrap();
    assert_eq!((fixed.password_enabled, fixed.password_last_updated_at), (false, None));
    app.stop().await;
}

#[tokio::test]
async fn seeded_users_carry_passwords_and_digests_and_a_restart_keeps_them() {
    let dir = tempfile::tempdir().unwrap();
    let seed = json!({"users": [
        {"id": "user_plain", "email_address": ["plain@example.com"], "password": PW},
        {"id": "user_django", "password_digest": DIGESTS[8].1, "password_hasher": "pbkdf2_sha256_django"},
    ]});
    let config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().join("data"),
        secret_key: Some(tessera_server::Secret(SECRET.into())),
        seed: Some(seed),
        ..Config::default()
    };
    let mut app = TestApp::spawn_with(config, Some(dir)).await;
    assert!(app.sdk.users().get("user_plain").await.unwrap().password_enabled);
    assert_eq!(stored(&app, "user_plain").await.unwrap().hasher, "argon2id");
    assert_eq!(stored(&app, "user_django").await.unwrap().hasher, "pbkdf2_sha256_django");
    app.restart().await;
    assert!(app.sdk.users().verify_password("user_plain", verify_body(PW)).await.unwrap().verified);
    assert!(app.sdk.users().verify_password("user_django", verify_body(DJANGO_PW)).await.unwrap().verified);
    assert_eq!(stored(&app, "user_django").await.unwrap().hasher, "argon2id");
    // Deleting the user deletes the password.
    app.sdk.users().delete("user_plain").await.unwrap();
    assert!(stored(&app, "user_plain").await.is_none());
    app.stop().await;
}

#[tokio::test]
async fn on_postgresql_passwords_are_stored_verified_upgraded_and_removed() {
    let Some(app) = TestApp::spawn_postgres().await else {
        eprintln!("TESSERA_TEST_DATABASE_URL not set: skipping the PostgreSQL run (outside CI)");
        return;
    };
    let user = app.sdk.users().create(CreateUserRequestBody { password: Some(PW.into()), ..Default::default() }).await;
    let user = user.unwrap();
    assert!(app.sdk.users().verify_password(&user.id, verify_body(PW)).await.unwrap().verified);
    let r = app.post("/users", json!({"password_digest": DIGESTS[2].1, "password_hasher": "bcrypt"})).await;
    let imported = id(r.ok());
    assert!(app.sdk.users().verify_password(&imported, verify_body("U*U")).await.unwrap().verified);
    assert_eq!(stored(&app, &imported).await.unwrap().hasher, "argon2id");
    app.sdk.users().remove_password(&user.id, Default::default()).await.unwrap();
    assert_api_err(app.sdk.users().verify_password(&user.id, verify_body(PW)).await, 400, "no_password_set");
    app.stop().await;
}
