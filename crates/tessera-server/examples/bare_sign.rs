//! The load script's baseline: an axum server that does nothing but sign. It answers
//! `POST /sign/{alg}` (`RS256`, `ES256`, `EdDSA`, `HS256`) with `{"object":"token","jwt":…}`, where
//! the JWT carries the same kind of claims a small template token does (`aud`, `email`, `name` and the
//! default `exp`, `iat`, `iss`, `jti`, `nbf`, `sub`) and is signed by tessera-jwt with a key generated
//! and parsed once at start. No store, no auth, no template: the difference between this and
//! Tessera's `POST /v1/sessions/{id}/tokens/{template}` is what Tessera adds to a signature.
//!
//! ```sh
//! cargo run --release -p tessera-server --example bare_sign -- 127.0.0.1:9090
//! curl -s -X POST http://127.0.0.1:9090/sign/ES256
//! ```
//!
//! It prints `listening on http://ADDR` once ready, and stops on SIGINT/SIGTERM. It runs on the same
//! runtime (tokio, one worker per core) and allocator (mimalloc) as the `tessera` binary.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use serde_json::{Map, Value, json};
use tessera_jwt::{Algorithm, SigningKey};

/// The same allocator as the `tessera` binary, so that the comparison is of the work done.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct Signer {
    key: SigningKey,
    /// base64url of the JOSE header, encoded once.
    header_b64: String,
}

type Keys = Arc<HashMap<String, Signer>>;

fn signer(alg: Algorithm) -> Signer {
    let key = SigningKey::generate(alg).expect("key generation");
    let mut header = Map::new();
    header.insert("alg".into(), json!(alg.as_str()));
    header.insert("cat".into(), json!("cl_B7d4PD222AAA"));
    if let Some(kid) = key.thumbprint() {
        header.insert("kid".into(), json!(kid));
    }
    header.insert("typ".into(), json!("JWT"));
    Signer { header_b64: tessera_jwt::encode_header(&header), key }
}

async fn sign(State(keys): State<Keys>, Path(alg): Path<String>) -> Result<Json<Value>, StatusCode> {
    let s = keys.get(&alg).ok_or(StatusCode::NOT_FOUND)?;
    let iat = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    let mut claims = Map::new();
    claims.insert("aud".into(), json!("convex"));
    claims.insert("email".into(), json!("ada@example.com"));
    claims.insert("exp".into(), json!(iat + 60));
    claims.insert("iat".into(), json!(iat));
    claims.insert("iss".into(), json!("http://127.0.0.1:8080"));
    claims.insert("jti".into(), json!(tessera_jwt::random_hex(10)));
    claims.insert("name".into(), json!("Ada Lovelace"));
    claims.insert("nbf".into(), json!(iat - 5));
    claims.insert("sub".into(), json!("user_2sY9kKJm3b0RQ2lZ8bJ5xj1tQ7a"));
    let jwt = tessera_jwt::encode_with_header(&s.header_b64, &claims, &s.key)
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    Ok(Json(json!({"object": "token", "jwt": jwt})))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

#[tokio::main]
async fn main() {
    let listen: SocketAddr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9090".to_owned())
        .parse()
        .expect("usage: bare_sign [ADDR:PORT]");
    let keys: HashMap<String, Signer> = [Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA, Algorithm::HS256]
        .into_iter()
        .map(|a| (a.as_str().to_owned(), signer(a)))
        .collect();
    let app = Router::new().route("/sign/{alg}", post(sign)).with_state(Arc::new(keys));
    let listener = tokio::net::TcpListener::bind(listen).await.expect("bind");
    println!("listening on http://{}", listener.local_addr().expect("local address"));
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await.expect("serve");
}
