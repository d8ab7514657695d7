//! Spawns the real app on port 0 with a temp database and a manual clock, and gives the tests the
//! SDK ([`TestApp::sdk`]) to drive it, plus raw HTTP ([`TestApp::raw`], [`TestApp::get`], ...) for
//! what the SDK cannot send (malformed bodies, wrong headers, unknown fields) and for checks of the
//! exact wire shape.

use std::path::PathBuf;
use std::sync::Arc;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tessera_client::types::{CreateOrganizationRequestBody, CreateSessionRequestBody, CreateUserRequestBody};
use tessera_client::{
    Invitation, JwtTemplate, Organization, OrganizationInvitation, OrganizationMembership, Session, User,
};
use tessera_core::clock::ManualClock;
use tessera_server::{Config, Running, Secret};

pub const SECRET: &str = "sk_test_integration_secret_key_0123456789";
/// 2026-01-01T00:00:00Z
pub const T0: i64 = 1_767_225_600_000;

pub struct TestApp {
    pub running: Option<Running>,
    pub clock: Arc<ManualClock>,
    pub http: reqwest::Client,
    pub base: String,
    /// The SDK, pointed at this server with its secret key; no retries, so failures are fast.
    pub sdk: tessera_client::Client,
    pub dir: Option<tempfile::TempDir>,
    pub config: Config,
    /// (admin URL, database name) of a per-test PostgreSQL database, dropped on `stop`.
    pub pg: Option<(String, String)>,
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Resp {
    /// The first error's code.
    pub fn code(&self) -> &str {
        self.body["errors"][0]["code"].as_str().unwrap_or("")
    }
    pub fn param(&self) -> &str {
        self.body["errors"][0]["meta"]["param_name"].as_str().unwrap_or("")
    }
    #[track_caller]
    pub fn ok(&self) -> &Value {
        assert_eq!(self.status, StatusCode::OK, "body: {}", self.body);
        &self.body
    }
    #[track_caller]
    pub fn err(&self, status: u16, code: &str) -> &Self {
        assert_eq!((self.status.as_u16(), self.code()), (status, code), "body: {}", self.body);
        assert!(self.body["errors"][0]["message"].is_string());
        assert!(self.body["errors"][0]["long_message"].is_string());
        assert!(self.body["clerk_trace_id"].is_string());
        assert_eq!(self.headers["content-type"], "application/json");
        self
    }
}

fn test_database_url() -> Option<String> {
    match std::env::var("TESSERA_TEST_DATABASE_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            if std::env::var_os("CI").is_some() {
                panic!("CI is set but TESSERA_TEST_DATABASE_URL is not: the PostgreSQL tests must run in CI");
            }
            None
        }
    }
}

/// A fresh PostgreSQL database for one test as (its URL, admin URL, name), or None (outside CI) when
/// none is configured.
pub async fn fresh_postgres_url() -> Option<(String, String, String)> {
    let base = test_database_url()?;
    let name = format!("tessera_api_{}", tessera_jwt::random_hex(6));
    let admin = sqlx_admin(&base, &format!("CREATE DATABASE {name}")).await;
    assert!(admin, "could not create a test database on {base}");
    let (prefix, _) = base.rsplit_once('/').expect("database url has a path");
    Some((format!("{prefix}/{name}"), base, name))
}

async fn sqlx_admin(url: &str, sql: &str) -> bool {
    // The store crate owns SQL; this only creates an empty database for a test.
    tessera_store::admin_execute(url, sql).await.is_ok()
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let config = Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            data_dir: dir.path().join("data"),
            secret_key: Some(Secret(SECRET.into())),
            ..Config::default()
        };
        Self::spawn_with(config, Some(dir)).await
    }

    pub async fn spawn_postgres() -> Option<TestApp> {
        let (url, admin, name) = fresh_postgres_url().await?;
        let config = Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            database_url: Some(url),
            master_key: Some(Secret("a".repeat(64))),
            data_dir: PathBuf::from("/nonexistent-tessera-test"),
            secret_key: Some(Secret(SECRET.into())),
            ..Config::default()
        };
        let mut app = Self::spawn_with(config, None).await;
        app.pg = Some((admin, name));
        Some(app)
    }

    pub async fn spawn_with(config: Config, dir: Option<tempfile::TempDir>) -> TestApp {
        let clock = Arc::new(ManualClock::new(T0));
        let running = tessera_server::start(config.clone(), clock.clone()).await.expect("server starts");
        let base = running.base_url();
        TestApp {
            running: Some(running),
            clock,
            http: raw_http_client(),
            sdk: sdk_for(&base, &config),
            base,
            dir,
            config,
            pg: None,
        }
    }

    /// Stops the server and starts it again on the same database.
    pub async fn restart(&mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
        let running = tessera_server::start(self.config.clone(), self.clock.clone()).await.expect("server restarts");
        self.base = running.base_url();
        self.sdk = sdk_for(&self.base, &self.config);
        self.running = Some(running);
    }

    pub async fn raw(&self, method: Method, path: &str, auth: Option<&str>, body: Option<&str>) -> Resp {
        let mut req = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(a) = auth {
            req = req.header("Authorization", a);
        }
        if let Some(b) = body {
            req = req.header("Content-Type", "application/json").body(b.to_owned());
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        let body =
            if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
        Resp { status, headers, body }
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Resp {
        let b = body.map(|b| b.to_string());
        self.raw(method, &format!("/v1{path}"), Some(&format!("Bearer {SECRET}")), b.as_deref()).await
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.call(Method::GET, path, None).await
    }
    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.call(Method::POST, path, Some(body)).await
    }
    pub async fn patch(&self, path: &str, body: Value) -> Resp {
        self.call(Method::PATCH, path, Some(body)).await
    }
    pub async fn delete(&self, path: &str) -> Resp {
        self.call(Method::DELETE, path, None).await
    }

    /// A user with an email address and the name Ada Lovelace, created through the SDK.
    pub async fn user(&self, email: &str) -> User {
        self.sdk
            .users()
            .create(CreateUserRequestBody {
                email_address: Some(vec![email.to_owned()]),
                first_name: Some("Ada".into()),
                last_name: Some("Lovelace".into()),
                ..Default::default()
            })
            .await
            .unwrap_or_else(|e| panic!("creating the user {email}: {e}"))
    }

    /// An active session of `user_id`, optionally with an active organization, through the SDK.
    pub async fn session(&self, user_id: &str, org: Option<&str>) -> Session {
        self.sdk
            .sessions()
            .create(CreateSessionRequestBody {
                user_id: user_id.to_owned(),
                active_organization_id: org.map(str::to_owned),
            })
            .await
            .unwrap_or_else(|e| panic!("creating a session of {user_id}: {e}"))
    }

    /// An organization created by `created_by` (its first admin), through the SDK.
    pub async fn org(&self, name: &str, created_by: &str) -> Organization {
        self.sdk
            .organizations()
            .create(CreateOrganizationRequestBody {
                name: name.to_owned(),
                created_by: Some(created_by.to_owned()),
                ..Default::default()
            })
            .await
            .unwrap_or_else(|e| panic!("creating the organization {name}: {e}"))
    }

    /// A JWT template with these claims and the defaults otherwise, through the SDK.
    pub async fn template(&self, name: &str, claims: Value) -> JwtTemplate {
        self.sdk
            .jwt_templates()
            .create(tessera_client::types::CreateJwtTemplateRequestBody {
                name: name.to_owned(),
                claims: obj(claims),
                ..Default::default()
            })
            .await
            .unwrap_or_else(|e| panic!("creating the template {name}: {e}"))
    }

    /// Mints a token from a template through the SDK; without `expires_in_seconds` it sends no body.
    pub async fn template_token(
        &self,
        session_id: &str,
        template: &str,
        expires_in_seconds: Option<i64>,
    ) -> tessera_client::Result<tessera_client::Token> {
        self.sdk
            .sessions()
            .create_token_from_template(tessera_client::CreateSessionTokenFromTemplateRequest {
                session_id: session_id.to_owned(),
                template_name: template.to_owned(),
                body: expires_in_seconds
                    .map(|e| tessera_client::CreateSessionTokenFromTemplateRequestBody { expires_in_seconds: Some(e) }),
            })
            .await
    }

    /// Mints a session token through the SDK; without `expires_in_seconds` it sends no body.
    pub async fn session_token(
        &self,
        session_id: &str,
        expires_in_seconds: Option<i64>,
    ) -> tessera_client::Result<tessera_client::Token> {
        self.sdk
            .sessions()
            .create_session_token(tessera_client::CreateSessionTokenRequest {
                session_id: session_id.to_owned(),
                body: expires_in_seconds
                    .map(|e| tessera_client::types::CreateSessionTokenRequestBody { expires_in_seconds: Some(e) }),
            })
            .await
    }

    pub fn advance_secs(&self, secs: i64) {
        self.clock.advance_ms(secs * 1000);
    }

    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
        drop(self.dir.take());
        if let Some((admin, name)) = self.pg.take() {
            sqlx_admin(&admin, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
        }
    }
}

/// Anything with an `id`: the SDK's typed objects and raw JSON objects.
pub trait HasId {
    fn id_str(&self) -> &str;
}

impl HasId for Value {
    fn id_str(&self) -> &str {
        self["id"].as_str().expect("object has an id")
    }
}

macro_rules! has_id {
    ($($t:ty),*) => {$(
        impl HasId for $t {
            fn id_str(&self) -> &str {
                &self.id
            }
        }
    )*};
}
has_id!(User, Session, Organization, OrganizationMembership, JwtTemplate, Invitation, OrganizationInvitation);

pub fn id<T: HasId + ?Sized>(v: &T) -> String {
    v.id_str().to_owned()
}

/// A JSON object literal as the SDK's `JsonObject` (metadata, claims).
#[track_caller]
pub fn obj(v: Value) -> tessera_client::types::JsonObject {
    match v {
        Value::Object(m) => m,
        other => panic!("not a JSON object: {other}"),
    }
}

/// The SDK error of a call that must have failed with Clerk's error envelope.
#[track_caller]
pub fn api_err<T: std::fmt::Debug>(result: tessera_client::Result<T>) -> tessera_client::Error {
    match result {
        Ok(v) => panic!("expected an API error, got a success: {v:?}"),
        Err(e @ tessera_client::Error::Api { .. }) => {
            assert!(e.clerk_trace_id().is_some(), "the envelope has a trace id: {e}");
            e
        }
        Err(e) => panic!("expected an API error with Clerk's envelope, got: {e}"),
    }
}

/// Asserts that an SDK call failed with this HTTP status and first error code; returns the error.
#[track_caller]
pub fn assert_api_err<T: std::fmt::Debug>(
    result: tessera_client::Result<T>,
    status: u16,
    code: &str,
) -> tessera_client::Error {
    let e = api_err(result);
    assert_eq!((e.status(), e.code()), (Some(status), Some(code)), "{e}");
    e
}

/// Like [`assert_api_err`], and returns the first error's `meta.param_name` ("" when absent).
#[track_caller]
pub fn assert_api_err_param<T: std::fmt::Debug>(result: tessera_client::Result<T>, status: u16, code: &str) -> String {
    assert_api_err(result, status, code).param_name().unwrap_or("").to_owned()
}

/// The client of the raw calls. The SDK's `tls` feature turns on reqwest's rustls without a default
/// crypto provider for the whole test binary, so `reqwest::Client::new()` would panic ("No provider
/// set"); this one gets its provider explicitly (the tests only speak plain HTTP).
/// Every call has a timeout, so a hung server fails the test instead of hanging it.
pub fn raw_http_client() -> reqwest::Client {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .expect("an HTTP client")
}

fn sdk_for(base: &str, config: &Config) -> tessera_client::Client {
    let key = config.secret_key.as_ref().map_or(SECRET, |s| s.0.as_str());
    tessera_client::Client::builder(base, key)
        .max_retries(0)
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .expect("an SDK client for the test server")
}

/// The RFC 7638 JWK thumbprint of a public JWK, computed here independently of the code under test:
/// the required members in lexicographic order as compact JSON, SHA-256 by the `sha2` crate (the
/// signing code hashes with aws-lc-rs), base64url without padding. Checked against the RFC's own
/// example in `keys.rs`.
pub fn rfc7638_thumbprint(jwk: &Value) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let members: &[&str] = match jwk["kty"].as_str() {
        Some("RSA") => &["e", "kty", "n"],
        Some("EC") => &["crv", "kty", "x", "y"],
        Some("OKP") => &["crv", "kty", "x"],
        other => panic!("no RFC 7638 members for kty {other:?}"),
    };
    let body: Vec<String> = members
        .iter()
        .map(|m| format!("\"{m}\":\"{}\"", jwk[*m].as_str().unwrap_or_else(|| panic!("{m} missing in {jwk}"))))
        .collect();
    let digest = sha2::Sha256::digest(format!("{{{}}}", body.join(",")).as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
}

/// The public JWK of a P-256 or Ed25519 SubjectPublicKeyInfo PEM, read by hand (the key is the tail
/// of the DER: `04 ‖ x ‖ y` for P-256, the 32-byte point for Ed25519), not by the code under test.
pub fn public_jwk_from_spki_pem(pem: &str) -> Value {
    use base64::Engine as _;
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD.decode(b64.trim()).expect("base64 PEM body");
    let url = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    match der.len() {
        91 => {
            let point = &der[der.len() - 65..];
            assert_eq!(point[0], 4, "an uncompressed P-256 point");
            json!({"kty": "EC", "crv": "P-256", "x": url(&point[1..33]), "y": url(&point[33..])})
        }
        44 => json!({"kty": "OKP", "crv": "Ed25519", "x": url(&der[12..])}),
        n => panic!("not a P-256 or Ed25519 SPKI ({n} bytes)"),
    }
}

/// A file of tessera-jwt's test fixtures (keys made with openssl, not by Tessera).
pub fn jwt_fixture(name: &str) -> String {
    let path = format!("{}/../tessera-jwt/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}
