//! Spawns the real app on port 0 with a temp database and a manual clock.

use std::path::PathBuf;
use std::sync::Arc;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
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
        self.body["errors"][0]["meta"]["param_name"]
            .as_str()
            .unwrap_or("")
    }
    #[track_caller]
    pub fn ok(&self) -> &Value {
        assert_eq!(self.status, StatusCode::OK, "body: {}", self.body);
        &self.body
    }
    #[track_caller]
    pub fn err(&self, status: u16, code: &str) -> &Self {
        assert_eq!(
            (self.status.as_u16(), self.code()),
            (status, code),
            "body: {}",
            self.body
        );
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
                panic!(
                    "CI is set but TESSERA_TEST_DATABASE_URL is not: the PostgreSQL tests must run in CI"
                );
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
        let running = tessera_server::start(config.clone(), clock.clone())
            .await
            .expect("server starts");
        let base = running.base_url();
        TestApp {
            running: Some(running),
            clock,
            http: reqwest::Client::new(),
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
        let running = tessera_server::start(self.config.clone(), self.clock.clone())
            .await
            .expect("server restarts");
        self.base = running.base_url();
        self.running = Some(running);
    }

    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        auth: Option<&str>,
        body: Option<&str>,
    ) -> Resp {
        let mut req = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(a) = auth {
            req = req.header("Authorization", a);
        }
        if let Some(b) = body {
            req = req
                .header("Content-Type", "application/json")
                .body(b.to_owned());
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Resp {
            status,
            headers,
            body,
        }
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Resp {
        let b = body.map(|b| b.to_string());
        self.raw(
            method,
            &format!("/v1{path}"),
            Some(&format!("Bearer {SECRET}")),
            b.as_deref(),
        )
        .await
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

    pub async fn user(&self, email: &str) -> Value {
        self.post(
            "/users",
            json!({"email_address": [email], "first_name": "Ada", "last_name": "Lovelace"}),
        )
        .await
        .ok()
        .clone()
    }

    pub async fn session(&self, user_id: &str, org: Option<&str>) -> Value {
        let mut b = json!({"user_id": user_id});
        if let Some(o) = org {
            b["active_organization_id"] = json!(o);
        }
        self.post("/sessions", b).await.ok().clone()
    }

    pub async fn org(&self, name: &str, created_by: &str) -> Value {
        self.post(
            "/organizations",
            json!({"name": name, "created_by": created_by}),
        )
        .await
        .ok()
        .clone()
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
            sqlx_admin(
                &admin,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            )
            .await;
        }
    }
}

pub fn id(v: &Value) -> String {
    v["id"].as_str().expect("object has an id").to_owned()
}
