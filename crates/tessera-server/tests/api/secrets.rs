//! Secrets never leave: a full run (users with passwords and imported digests, password changes,
//! verifications right and wrong, sessions, templates with custom HS256 and ES256 keys, a pinned
//! instance key, minting, failed authentication, a 500 from a tampered key, a restart with the wrong
//! master key) with every log line captured at debug level, then a grep of the logs and of every
//! response body for the secret key, the master key, the signing keys, the passwords, the password
//! digests (given and stored) and the minted tokens. And `Debug` of the types that hold secrets
//! redacts them.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use base64::Engine as _;
use reqwest::Method;
use serde_json::{Value, json};
use tessera_core::store::{SigningKeyRecord, TemplateRecord};
use tessera_jwt::{Algorithm, SigningKey};
use tessera_server::{Config, Secret};
use tessera_types::CreateJwtTemplateRequestBody;

use crate::helpers::TestApp;

fn fixture(name: &str) -> String {
    let path = format!("{}/../tessera-jwt/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Everything any test of this binary logs, from the first call on. A global subscriber, so that
/// events from every thread (sqlx's SQLite workers too) are seen; tests running beside this one add
/// their own lines, which does no harm to a grep for this test's secrets.
fn captured_logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("debug"))
            .with_writer(Capture(buf.clone()))
            .with_ansi(false)
            .try_init()
            .expect("the api tests install no other global subscriber");
        buf
    })
    .clone()
}

#[derive(Clone)]
pub(crate) struct Capture(pub(crate) Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Capture {
        self.clone()
    }
}

/// The base64 lines of a PEM body: what would show if a key were printed.
fn pem_lines(pem: &str) -> Vec<String> {
    pem.lines().map(str::trim).filter(|l| !l.starts_with("-----") && l.len() >= 16).map(str::to_owned).collect()
}

/// What must never appear, with a name for the failure message.
struct Secrets(Vec<(String, String)>);

impl Secrets {
    fn add(&mut self, what: &str, value: impl Into<String>) {
        let value = value.into();
        assert!(value.len() >= 16, "{what} is too short to grep for reliably");
        self.0.push((what.to_owned(), value));
    }

    #[track_caller]
    fn assert_absent(&self, place: &str, text: &str) {
        for (what, value) in &self.0 {
            if let Some(at) = text.find(value.as_str()) {
                let line = text[..at].rsplit('\n').next().unwrap_or("");
                panic!("{what} appears in {place}, in the line starting: {line:.200}");
            }
        }
    }
}

#[tokio::test]
async fn no_secret_key_signing_key_master_key_or_token_reaches_a_log_line_or_an_error_body() {
    let logs = captured_logs();
    let dir = tempfile::tempdir().unwrap();
    let master_bytes: [u8; 32] = tessera_jwt::random_bytes();
    let master = base64::engine::general_purpose::STANDARD.encode(master_bytes);
    let secret_key = format!("sk_test_{}", tessera_jwt::random_hex(24));
    let instance_pem = fixture("rsa2048_pkcs8.pem");
    let es_pem = fixture("p256_pkcs8.pem");
    let hs_secret = format!("hs-template-secret-{}", tessera_jwt::random_hex(16));
    let rotated_secret = format!("hs-rotated-secret-{}", tessera_jwt::random_hex(16));
    let rotated_pem = fixture("p384_pkcs8.pem");
    let wrong_key = format!("sk_test_{}", tessera_jwt::random_hex(24));
    let password = format!("pw-{}", tessera_jwt::random_hex(12));
    let imported_password = format!("imported-{}", tessera_jwt::random_hex(12));
    let imported_digest = tessera_jwt::sha256_hex(imported_password.as_bytes());
    let new_password = format!("new-pw-{}", tessera_jwt::random_hex(12));
    let wrong_password = format!("wrong-pw-{}", tessera_jwt::random_hex(12));

    let mut secrets = Secrets(Vec::new());
    secrets.add("the secret key", secret_key.clone());
    secrets.add("the secret key's hash", tessera_jwt::sha256_hex(secret_key.as_bytes()));
    secrets.add("a wrong secret key presented", wrong_key.clone());
    secrets.add("the master key (base64)", master.clone());
    secrets.add("the master key (hex)", hex::encode(master_bytes));
    secrets.add("the custom HS256 secret", hs_secret.clone());
    secrets.add("the HS256 secret given to rotate_key", rotated_secret.clone());
    for line in pem_lines(&rotated_pem) {
        secrets.add("the ES384 key PEM given to rotate_key", line);
    }
    secrets.add("a password", password.clone());
    secrets.add("an imported password", imported_password.clone());
    secrets.add("an imported password digest", imported_digest.clone());
    secrets.add("a changed password", new_password.clone());
    secrets.add("a wrong password presented", wrong_password.clone());
    for line in pem_lines(&instance_pem) {
        secrets.add("the instance signing key PEM", line);
    }
    for line in pem_lines(&es_pem) {
        secrets.add("the custom ES256 key PEM", line);
    }
    // The keys as Tessera holds them (re-encoded PKCS#8), in the encodings a careless log would use.
    for (what, alg, pem) in [("instance", Algorithm::RS256, &instance_pem), ("ES256", Algorithm::ES256, &es_pem)] {
        let der = SigningKey::from_pem(alg, pem).unwrap().to_storage_bytes();
        let std = base64::engine::general_purpose::STANDARD.encode(&der);
        secrets.add(&format!("the {what} key's PKCS#8 (base64)"), &std[..64]);
        secrets.add(&format!("the {what} key's PKCS#8 (base64url)"), tessera_jwt::b64url(&der)[..64].to_owned());
        secrets.add(&format!("the {what} key's PKCS#8 (hex)"), hex::encode(&der[der.len() / 2..der.len() / 2 + 32]));
    }

    let config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().join("data"),
        secret_key: Some(Secret(secret_key.clone())),
        master_key: Some(Secret(master.clone())),
        signing_key_pem: Some(Secret(instance_pem.clone())),
        ..Config::default()
    };
    let mut app = TestApp::spawn_with(config.clone(), Some(dir)).await;
    let mut bodies: Vec<(String, String)> = Vec::new();
    let auth = format!("Bearer {secret_key}");
    macro_rules! send {
        ($method:expr, $path:expr, $auth:expr, $body:expr) => {{
            let body: Option<Value> = $body;
            let text = body.map(|b| b.to_string());
            let r = app.raw($method, &format!("/v1{}", $path), $auth, text.as_deref()).await;
            // Every body but the tokens themselves: error bodies, objects, lists, the JWKS.
            let place = format!("{} {} → {}", $method, $path, r.status);
            if !(r.status.is_success() && place.contains("/tokens")) {
                bodies.push((place, r.body.to_string()));
            }
            r
        }};
    }

    // The happy path: a user, a session, templates with custom keys, tokens.
    let user = send!(
        Method::POST,
        "/users",
        Some(&auth),
        Some(json!({"email_address": ["ada@example.com"], "first_name": "Ada", "password": password}))
    );
    let user_id = user.ok()["id"].as_str().unwrap().to_owned();
    // Passwords: an imported digest, verifications right and wrong (the first right one upgrades the
    // digest to Argon2id), a change, a refused digest, a removal.
    let imported = send!(
        Method::POST,
        "/users",
        Some(&auth),
        Some(json!({"password_digest": imported_digest, "password_hasher": "sha256"}))
    );
    let imported_id = imported.ok()["id"].as_str().unwrap().to_owned();
    let verify = format!("/users/{imported_id}/verify_password");
    send!(Method::POST, &verify, Some(&auth), Some(json!({ "password": wrong_password })))
        .err(422, "incorrect_password");
    send!(Method::POST, &verify, Some(&auth), Some(json!({ "password": imported_password }))).ok();
    send!(Method::POST, &verify, Some(&auth), Some(json!({ "password": imported_password }))).ok();
    send!(
        Method::PATCH,
        format!("/users/{user_id}"),
        Some(&auth),
        Some(json!({"password": new_password, "sign_out_of_other_sessions": false}))
    )
    .ok();
    send!(
        Method::POST,
        format!("/users/{user_id}/verify_password"),
        Some(&auth),
        Some(json!({ "password": password }))
    )
    .err(422, "incorrect_password");
    send!(
        Method::POST,
        "/users",
        Some(&auth),
        Some(json!({"password_digest": format!("{imported_digest}00"), "password_hasher": "sha256"}))
    )
    .err(422, "form_password_digest_invalid_code");
    send!(Method::POST, format!("/users/{imported_id}/remove_password"), Some(&auth), None).ok();
    let store = app.running.as_ref().unwrap().state.app.store().clone();
    let stored = store.get_password(&user_id).await.unwrap().expect("the changed password is stored");
    assert!(stored.digest.starts_with("$argon2id$"));
    secrets.add("a stored Argon2id hash", stored.digest.rsplit('$').next().unwrap().to_owned());
    secrets.add("a stored Argon2id salt", stored.digest.rsplit('$').nth(1).unwrap().to_owned());

    let session = send!(Method::POST, "/sessions", Some(&auth), Some(json!({ "user_id": user_id })));
    let session_id = session.ok()["id"].as_str().unwrap().to_owned();
    let hs = send!(
        Method::POST,
        "/jwt_templates",
        Some(&auth),
        Some(json!({"name": "hs", "claims": {"aud": "hs"}, "custom_signing_key": true,
                    "signing_algorithm": "HS256", "signing_key": hs_secret}))
    );
    hs.ok();
    let es = send!(
        Method::POST,
        "/jwt_templates",
        Some(&auth),
        Some(json!({"name": "es", "claims": {"aud": "es", "email": "{{user.primary_email_address}}"},
                    "custom_signing_key": true, "signing_algorithm": "ES256", "signing_key": es_pem}))
    );
    let es_id = es.ok()["id"].as_str().unwrap().to_owned();
    send!(Method::POST, "/jwt_templates", Some(&auth), Some(json!({"name": "plain", "claims": {"a": 1}}))).ok();
    let mut tokens = Vec::new();
    for path in [
        format!("/sessions/{session_id}/tokens/hs"),
        format!("/sessions/{session_id}/tokens/es"),
        format!("/sessions/{session_id}/tokens/plain"),
        format!("/sessions/{session_id}/tokens"),
    ] {
        let r = send!(Method::POST, path, Some(&auth), None);
        tokens.push(r.ok()["jwt"].as_str().unwrap().to_owned());
    }
    for path in ["/jwt_templates", &format!("/jwt_templates/{es_id}"), "/jwks", &format!("/users/{user_id}")] {
        send!(Method::GET, path, Some(&auth), None).ok();
    }
    // Rotating custom keys to given ones (answered without them), then minting with them.
    let hs_id = hs.body["id"].as_str().unwrap().to_owned();
    for (id, body) in [
        (&hs_id, json!({"signing_key": rotated_secret})),
        (&es_id, json!({"signing_key": rotated_pem, "signing_algorithm": "ES384"})),
    ] {
        send!(Method::POST, format!("/tessera/jwt_templates/{id}/rotate_key"), Some(&auth), Some(body)).ok();
    }
    for name in ["hs", "es"] {
        let r = send!(Method::POST, format!("/sessions/{session_id}/tokens/{name}"), Some(&auth), None);
        tokens.push(r.ok()["jwt"].as_str().unwrap().to_owned());
    }
    send!(Method::GET, "/jwks", Some(&auth), None).ok();

    // Updating a template without resending its key keeps the key; the response never shows it.
    send!(
        Method::PATCH,
        format!("/jwt_templates/{es_id}"),
        Some(&auth),
        Some(json!({"name": "es", "claims": {"aud": "es2"}}))
    )
    .ok();

    // Keys that do not fit or do not parse: the error must not repeat them.
    send!(
        Method::POST,
        format!("/tessera/jwt_templates/{es_id}/rotate_key"),
        Some(&auth),
        Some(json!({"signing_key": es_pem}))
    )
    .err(422, "form_param_value_invalid");
    send!(
        Method::POST,
        "/jwt_templates",
        Some(&auth),
        Some(json!({"name": "wrong-curve", "claims": {}, "custom_signing_key": true,
                    "signing_algorithm": "ES384", "signing_key": es_pem}))
    )
    .err(422, "form_param_value_invalid");
    let broken = es_pem.replacen("MI", "XX", 1);
    send!(
        Method::POST,
        "/jwt_templates",
        Some(&auth),
        Some(json!({"name": "broken", "claims": {}, "custom_signing_key": true,
                    "signing_algorithm": "ES256", "signing_key": broken}))
    )
    .err(422, "form_param_value_invalid");
    send!(
        Method::POST,
        "/jwt_templates",
        Some(&auth),
        Some(json!({"name": "rsa-as-hmac", "claims": {}, "signing_key": instance_pem}))
    )
    .err(422, "form_param_value_invalid");
    send!(Method::POST, "/users", Some(&auth), Some(json!({"password": "short"})))
        .err(422, "form_password_length_too_short");
    send!(Method::POST, "/users", Some(&auth), Some(json!({"password": password, "password_digest": imported_digest})))
        .err(422, "form_conditional_param_disallowed");

    // Failed authentication: a wrong key, a key without "Bearer", a key in the wrong scheme.
    for _ in 0..3 {
        send!(Method::GET, "/users", Some(&format!("Bearer {wrong_key}")), None).err(401, "clerk_key_invalid");
    }
    send!(Method::GET, "/users", Some(&secret_key), None).err(401, "authorization_header_format_invalid");
    send!(Method::GET, "/users", Some(&format!("Basic {wrong_key}")), None)
        .err(401, "authorization_header_format_invalid");

    // A server error: the stored ES256 key is altered, so it no longer decrypts (500, cause logged).
    let db = format!("sqlite://{}", config.data_dir.join("tessera.db").display());
    tessera_store::admin_execute(
        &db,
        &format!(
            "UPDATE jwt_templates SET signing_key_sealed = \
             (CASE WHEN substr(signing_key_sealed, 1, 1) = 'A' THEN 'B' ELSE 'A' END) || substr(signing_key_sealed, 2) \
             WHERE id = '{es_id}'"
        ),
    )
    .await
    .unwrap();
    let failed = send!(Method::POST, format!("/sessions/{session_id}/tokens/es"), Some(&auth), None);
    assert_eq!(failed.status.as_u16(), 500, "{}", failed.body);
    // The other templates keep working.
    let r = send!(Method::POST, format!("/sessions/{session_id}/tokens/hs"), Some(&auth), None);
    tokens.push(r.ok()["jwt"].as_str().unwrap().to_owned());

    // A restart with another master key is refused, with a message that names neither key.
    app.running.take().unwrap().stop().await;
    let other_master = base64::engine::general_purpose::STANDARD.encode(tessera_jwt::random_bytes::<32>());
    secrets.add("the other master key", other_master.clone());
    let wrong = Config { master_key: Some(Secret(other_master)), ..config.clone() };
    let refused = tessera_server::start(wrong, app.clock.clone()).await.err().expect("a wrong master key is refused");
    assert!(refused.contains("master key"), "{refused}");
    bodies.push(("the start error".to_owned(), refused));
    app.restart().await;

    for jwt in &tokens {
        secrets.add("a minted token", jwt.clone());
        let signature = jwt.rsplit('.').next().unwrap();
        secrets.add("a minted token's signature", signature);
    }
    for (place, body) in &bodies {
        secrets.assert_absent(place, body);
    }
    let text = String::from_utf8(logs.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("custom signing key cannot be decrypted"),
        "the 500's cause is logged (and the capture works)"
    );
    assert!(text.contains("DEBUG"), "debug lines are captured");
    secrets.assert_absent("the logs", &text);
    app.stop().await;
}

#[test]
fn debug_of_config_keys_records_and_request_bodies_redacts_secrets() {
    let pem = fixture("p256_pkcs8.pem");
    let config = Config {
        secret_key: Some(Secret("sk_test_do_not_print_me_0123456789".into())),
        master_key: Some(Secret("bWFzdGVyLWtleS1kby1ub3QtcHJpbnQtbWUtMDEyMzQ1".into())),
        signing_key_pem: Some(Secret(pem.clone())),
        database_url: Some("postgres://tessera@db/tessera".into()),
        ..Config::default()
    };
    let debug = format!("{config:?}");
    for secret in ["do_not_print_me", "bWFzdGVyLWtleS1kby1ub3Qt", "PRIVATE KEY"] {
        assert!(!debug.contains(secret), "Config Debug shows {secret}: {debug}");
    }
    assert!(debug.matches("Secret(<redacted>)").count() >= 3, "{debug}");
    assert!(debug.contains("max_body_bytes"), "the rest is shown: {debug}");

    let master = tessera_core::MasterKey([0xAB; 32]);
    assert_eq!(format!("{master:?}"), "MasterKey(<redacted>)");

    let key = SigningKey::from_pem(Algorithm::ES256, &pem).unwrap();
    let debug = format!("{key:?}");
    assert_eq!(debug, r#"SigningKey { alg: ES256, kind: "EC" }"#);
    let hmac = SigningKey::from_hmac_secret(Algorithm::HS256, b"hmac-secret-do-not-print").unwrap();
    assert!(!format!("{hmac:?}").contains("do-not-print"));

    let sealed = tessera_jwt::seal(&[1; 32], &key.to_storage_bytes(), b"aad");
    let record = SigningKeyRecord {
        kid: "ins_1".into(),
        alg: "RS256".into(),
        private_key_sealed: sealed.clone(),
        active: true,
        sign_after: None,
        retired_at: None,
        max_token_lifetime: None,
        created_at: 1,
    };
    let debug = format!("{record:?}");
    assert!(!debug.contains(&sealed) && debug.contains("<redacted>") && debug.contains("ins_1"), "{debug}");

    let template: tessera_types::JwtTemplate = serde_json::from_value(json!({
        "object": "jwt_template", "id": "jtmp_1", "name": "t", "claims": {"a": 1}, "lifetime": 60,
        "allowed_clock_skew": 5, "custom_signing_key": true, "signing_algorithm": "ES256",
        "created_at": 1, "updated_at": 1
    }))
    .unwrap();
    let record =
        TemplateRecord { template, signing_key_sealed: Some(sealed.clone()), key_max_token_lifetime: Some(60) };
    let debug = format!("{record:?}");
    assert!(!debug.contains(&sealed) && debug.contains("<redacted>") && debug.contains("jtmp_1"), "{debug}");

    // Passwords and digests, in the SDK's bodies and in the store's record.
    let pw = "a-password-do-not-print";
    let digest = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$ZGlnZXN0LWRvLW5vdC1wcmludA";
    let create = tessera_types::CreateUserRequestBody {
        password: Some(pw.into()),
        password_digest: Some(digest.into()),
        password_hasher: Some("argon2id".into()),
        first_name: Some("Ada".into()),
        ..Default::default()
    };
    let update = tessera_types::UpdateUserRequestBody { password: Some(pw.into()), ..Default::default() };
    let verify = tessera_types::VerifyPasswordRequestBody { password: pw.into() };
    let record = tessera_core::store::PasswordRecord {
        user_id: "user_1".into(),
        hasher: "argon2id".into(),
        digest: digest.into(),
        updated_at: 1,
    };
    for debug in [format!("{create:?}"), format!("{update:?}"), format!("{verify:?}"), format!("{record:?}")] {
        assert!(
            !debug.contains("do-not-print") && !debug.contains("ZGlnZXN0") && debug.contains("<redacted>"),
            "{debug}"
        );
    }
    assert!(format!("{create:?}").contains("Ada") && format!("{record:?}").contains("user_1"), "the rest is shown");
    // Serialized (what the SDK sends), the password is the plain string the API takes.
    assert_eq!(serde_json::to_value(&verify).unwrap(), json!({ "password": pw }));

    let body = CreateJwtTemplateRequestBody {
        name: "t".into(),
        claims: Default::default(),
        lifetime: None,
        allowed_clock_skew: None,
        custom_signing_key: Some(true),
        signing_algorithm: Some("ES256".into()),
        signing_key: Some(pem.clone()),
    };
    let debug = format!("{body:?}");
    assert!(!debug.contains("PRIVATE KEY") && debug.contains("<redacted>"), "{debug}");
    for line in pem_lines(&pem) {
        assert!(!debug.contains(&line), "{debug}");
    }
    let rotate = tessera_types::RotateJwtTemplateKeyRequestBody {
        signing_key: Some(pem.clone()),
        signing_algorithm: Some("ES256".into()),
    };
    let debug = format!("{rotate:?}");
    assert!(!debug.contains("PRIVATE KEY") && debug.contains("<redacted>") && debug.contains("ES256"), "{debug}");
    let generated: tessera_types::JwtTemplateKey = serde_json::from_value(json!({
        "object": "jwt_template_key", "template_id": "jtmp_1", "signing_algorithm": "HS256", "kid": null,
        "public_key": null, "signing_key": "generated-hmac-secret-do-not-print", "previous_kid": null,
        "previous_unpublish_at": null, "created_at": 1
    }))
    .unwrap();
    let debug = format!("{generated:?}");
    assert!(!debug.contains("do-not-print") && debug.contains("<redacted>") && debug.contains("jtmp_1"), "{debug}");
}
