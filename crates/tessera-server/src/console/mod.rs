//! The console at `/console`: server-rendered pages (maud, embedded in the binary) to browse users,
//! sessions, organizations and keys, and the JWT template playground. One small vendored script
//! (`assets/console.js`) refreshes the playground's preview; there is no build step.
//!
//! Safe by construction:
//! - signing in takes a secret key of the instance (checked like `/v1`'s, by its SHA-256 hash, with
//!   the same failed-attempt limit per address); the console session is a random id in an
//!   `HttpOnly; SameSite=Strict` cookie (`Secure` behind https), never the key itself, and the key
//!   never appears in a page or URL. Sessions live in this node's memory (bounded, 8 h), are
//!   re-checked against the key's hash on every request (revoking the key ends them) and end with
//!   the process;
//! - every state-changing request carries the session's CSRF token (a form field, or the
//!   `X-CSRF-Token` header for the JSON endpoints), compared in constant time; sign-in has its own
//!   double-submit token;
//! - every response has a Content-Security-Policy without inline script (`script-src 'self'`),
//!   `frame-ancestors 'none'` and `X-Frame-Options: DENY`, and is not cached;
//! - everything user-supplied is escaped by the template engine, and the script writes with
//!   `textContent` only.

mod assets;
mod pages;
mod playground;
mod views;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use crate::state::AppState;

/// The cookie holding the console session id.
const SESSION_COOKIE: &str = "tessera_console";
/// The sign-in form's double-submit cookie.
const LOGIN_COOKIE: &str = "tessera_console_login";
/// A console session lasts this long from sign-in.
const SESSION_MS: i64 = 8 * 3600 * 1000;
/// At most this many console sessions per node; the oldest goes first.
const MAX_SESSIONS: usize = 1_000;

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// A signed-in console user.
#[derive(Clone)]
pub(crate) struct ConsoleSession {
    /// The CSRF token of every form and JSON request of this session.
    pub csrf: String,
    /// SHA-256 (hex) of the secret key signed in with, re-checked on every request.
    key_hash: String,
    expires_at: i64,
}

/// The console's sessions, by SHA-256 of their id.
#[derive(Default)]
pub struct Console {
    sessions: Mutex<HashMap<[u8; 32], ConsoleSession>>,
}

impl Console {
    fn insert(&self, s: ConsoleSession, now: i64) -> String {
        let id = tessera_jwt::random_hex(32);
        if let Ok(mut map) = self.sessions.lock() {
            map.retain(|_, v| v.expires_at > now);
            if map.len() >= MAX_SESSIONS
                && let Some(oldest) = map.iter().min_by_key(|(_, v)| v.expires_at).map(|(k, _)| *k)
            {
                map.remove(&oldest);
            }
            map.insert(tessera_jwt::sha256(id.as_bytes()), s);
        }
        id
    }

    fn get(&self, id: &str, now: i64) -> Option<ConsoleSession> {
        let map = self.sessions.lock().ok()?;
        map.get(&tessera_jwt::sha256(id.as_bytes())).filter(|s| s.expires_at > now).cloned()
    }

    fn remove(&self, id: &str) {
        if let Ok(mut map) = self.sessions.lock() {
            map.remove(&tessera_jwt::sha256(id.as_bytes()));
        }
    }
}

/// The console's routes, mounted at `/console` when it is on.
pub fn router(state: Arc<AppState>) -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/console/users") }))
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/logout", post(pages::logout))
        .route("/users", get(pages::users))
        .route("/users/{id}", get(pages::user))
        .route("/sessions/{id}/revoke", post(pages::revoke_session))
        .route("/organizations", get(pages::organizations))
        .route("/organizations/{id}", get(pages::organization))
        .route("/keys", get(pages::keys))
        .route("/templates", get(playground::templates).post(playground::create_template))
        .route("/templates/new", get(playground::new_template))
        .route("/templates/{id}", get(playground::edit_template).post(playground::update_template))
        .route("/api/preview", post(playground::preview))
        .route("/api/mint", post(playground::mint))
        .route("/static/console.js", get(assets::script))
        .route("/static/console.css", get(assets::style))
        .fallback(|| async { (StatusCode::NOT_FOUND, views::not_found()) })
        .layer(middleware::from_fn_with_state(state, security_headers))
}

/// Headers every console response gets.
async fn security_headers(State(_): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// The value of cookie `name`.
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// `Secure` when the console is reached over https (a TLS-terminating proxy says so).
fn secure(headers: &HeaderMap) -> &'static str {
    let https = headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).is_some_and(|p| p == "https");
    if https { "; Secure" } else { "" }
}

fn set_cookie(headers: &HeaderMap, name: &str, value: &str, max_age_secs: i64) -> HeaderValue {
    let v =
        format!("{name}={value}; Path=/console; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{}", secure(headers));
    HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The signed-in session of a request: its cookie names a live session whose secret key still
/// authenticates.
pub(crate) async fn current(state: &AppState, headers: &HeaderMap) -> Option<(String, ConsoleSession)> {
    let console = state.console.as_ref()?;
    let id = cookie(headers, SESSION_COOKIE)?;
    let s = console.get(id, state.app.now_ms())?;
    match state.app.authenticate_hash(&s.key_hash).await {
        Ok(true) => Some((id.to_owned(), s)),
        _ => {
            console.remove(id);
            None
        }
    }
}

/// Checks a submitted CSRF token against the session's, in constant time.
pub(crate) fn csrf_ok(session: &ConsoleSession, submitted: Option<&str>) -> bool {
    submitted.is_some_and(|t| tessera_jwt::constant_time_eq(t.as_bytes(), session.csrf.as_bytes()))
}

/// 403 for a state-changing request without a valid session or CSRF token.
pub(crate) fn forbidden() -> Response {
    (StatusCode::FORBIDDEN, views::forbidden()).into_response()
}

/// After a console write succeeds, this node applies the event log before answering, as `/v1` writes
/// do (`crate::feed`), so its next mint already sees the change.
pub(crate) async fn after_write(state: &AppState) {
    if state.app.mint_cache_enabled() {
        // On failure the mint cache stops serving until the feed is read again: nothing stale is minted.
        let _ = state.app.follow_changes().await;
    }
}

/// Where an unauthenticated page request goes.
pub(crate) fn to_login() -> Response {
    Redirect::to("/console/login").into_response()
}
