//! Helpers: tokens signed with generated keys, and a scriptable mock HTTP server on port 0.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use tessera_client::Clock;
use tessera_jwt::{Algorithm, SigningKey};

/// 2026-01-01T00:00:00Z, epoch seconds.
pub const NOW: i64 = 1_767_225_600;

pub fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().expect("a JSON object")
}

/// Signs `claims` with `key`, with `kid` in the header when given.
pub fn sign(key: &SigningKey, kid: Option<&str>, claims: Value) -> String {
    let mut header = obj(json!({"typ": "JWT"}));
    if let Some(kid) = kid {
        header.insert("kid".into(), json!(kid));
    }
    tessera_jwt::encode(&header, &obj(claims), key).expect("signing")
}

/// Valid session-token-like claims around [`NOW`].
pub fn claims() -> Value {
    json!({"sub": "user_1", "sid": "sess_1", "iss": "https://issuer.example", "iat": NOW, "nbf": NOW - 10, "exp": NOW + 60})
}

pub fn claims_with(extra: Value) -> Value {
    let mut c = claims();
    for (k, v) in obj(extra) {
        if v.is_null() {
            c.as_object_mut().unwrap().remove(&k);
        } else {
            c[k] = v;
        }
    }
    c
}

pub fn rsa() -> SigningKey {
    SigningKey::generate(Algorithm::RS256).expect("RSA key")
}

pub fn jwks_of(keys: &[(&SigningKey, &str)]) -> tessera_client::types::Jwks {
    tessera_client::types::Jwks {
        keys: keys.iter().map(|(k, kid)| k.public_jwk(Some(kid)).expect("public JWK")).collect(),
    }
}

/// A clock the test moves by hand.
#[derive(Clone)]
pub struct TestClock(pub Arc<AtomicI64>);

impl TestClock {
    pub fn at(now: i64) -> TestClock {
        TestClock(Arc::new(AtomicI64::new(now)))
    }
    pub fn advance(&self, secs: i64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }
    pub fn clock(&self) -> Clock {
        let t = self.0.clone();
        Clock::new(move || t.load(Ordering::SeqCst))
    }
}

/// One request the mock server received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

type Responder = dyn Fn(&Recorded, usize) -> Response + Send + Sync;

/// A mock HTTP server: records every request and answers with `responder(request, index)`.
pub struct Mock {
    pub url: String,
    pub requests: Arc<Mutex<Vec<Recorded>>>,
    handle: tokio::task::JoinHandle<()>,
}

impl Drop for Mock {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

impl Mock {
    pub async fn start(responder: impl Fn(&Recorded, usize) -> Response + Send + Sync + 'static) -> Mock {
        Self::start_delayed(std::time::Duration::ZERO, responder).await
    }

    /// Like [`Mock::start`], answering each request only after `delay`.
    pub async fn start_delayed(
        delay: std::time::Duration,
        responder: impl Fn(&Recorded, usize) -> Response + Send + Sync + 'static,
    ) -> Mock {
        let requests: Arc<Mutex<Vec<Recorded>>> = Arc::default();
        let responder: Arc<Responder> = Arc::new(responder);
        let app = axum::Router::new().fallback({
            let requests = requests.clone();
            move |req: Request<Body>| {
                let requests = requests.clone();
                let responder = responder.clone();
                async move {
                    let (parts, body) = req.into_parts();
                    let body = axum::body::to_bytes(body, 1 << 20).await.map(|b| b.to_vec()).unwrap_or_default();
                    let rec = Recorded {
                        method: parts.method.to_string(),
                        path: parts.uri.path().to_owned(),
                        query: parts.uri.query().map(str::to_owned),
                        headers: parts.headers,
                        body,
                    };
                    let index = {
                        let mut all = requests.lock().unwrap();
                        all.push(rec.clone());
                        all.len() - 1
                    };
                    if !delay.is_zero() {
                        tokio::time::sleep(delay).await;
                    }
                    responder(&rec, index)
                }
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let handle = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Mock { url: format!("http://{addr}"), requests, handle }
    }

    pub fn count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }

    pub fn request(&self, i: usize) -> Recorded {
        self.requests.lock().unwrap()[i].clone()
    }
}

/// A JSON response.
pub fn json_response(status: u16, body: Value) -> Response {
    (StatusCode::from_u16(status).unwrap(), [("content-type", "application/json")], body.to_string()).into_response()
}

/// Clerk's error envelope.
pub fn clerk_error(status: u16, code: &str, param: Option<&str>) -> Response {
    let meta = match param {
        Some(p) => json!({"param_name": p}),
        None => json!({}),
    };
    json_response(
        status,
        json!({
            "errors": [{"message": "is invalid", "long_message": format!("{code} happened"), "code": code, "meta": meta}],
            "meta": {},
            "clerk_trace_id": "trace123"
        }),
    )
}

/// An address nothing listens on.
pub async fn closed_port_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}
