//! Sign-in and the browsing pages: users (search, detail with sessions and memberships, revoke),
//! organizations and their members, instance keys and the JWKS.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde_json::Value;
use tessera_core::query::QueryParams;
use tessera_core::sessions::Listing;
use tessera_types::{Session, SessionStatus, User};

use super::views::{Nav, error_box, json_block, page, time_ms};
use super::{
    ConsoleSession, LOGIN_COOKIE, SESSION_COOKIE, SESSION_MS, cookie, csrf_ok, current, forbidden, set_cookie, to_login,
};
use crate::state::AppState;

type St = State<Arc<AppState>>;

/// The fields of a `application/x-www-form-urlencoded` body (the last value of a repeated key).
pub(crate) fn form(body: &Bytes) -> HashMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

fn q(params: &[(&str, &str)]) -> QueryParams {
    QueryParams::new(params.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
}

fn message(e: tessera_core::ApiError) -> String {
    e.long_message
}

/// An error page for a failed read (the console never shows a 500's cause).
pub(crate) fn failed(csrf: &str, nav: Nav, e: tessera_core::ApiError) -> Response {
    let status = StatusCode::from_u16(e.kind.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, page("Error", Some(csrf), nav, html! { h1 { "Error" } (error_box(Some(&message(e)))) })).into_response()
}

pub(crate) fn user_name(u: &User) -> String {
    let name = [u.first_name.as_deref(), u.last_name.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
    if name.is_empty() { u.username.clone().unwrap_or_default() } else { name }
}

pub(crate) fn primary_email(u: &User) -> String {
    u.email_addresses
        .iter()
        .find(|e| Some(&e.id) == u.primary_email_address_id.as_ref())
        .map(|e| e.email_address.clone())
        .unwrap_or_default()
}

pub(crate) fn sessions_of(l: Listing<Session>) -> Vec<Session> {
    match l {
        Listing::Page(p) => p.data,
        Listing::Bare(v) => v,
    }
}

fn login_page(token: &str, error: Option<&str>) -> Markup {
    html! {
        section.login {
            h1 { "Sign in to the console" }
            p { "Use a secret key of this instance (" code { "sk_test_…" } "). It is checked once and never stored in the browser." }
            (error_box(error))
            form method="post" action="/console/login" {
                input type="hidden" name="csrf" value=(token);
                label for="secret_key" { "Secret key" }
                input #secret_key type="password" name="secret_key" autocomplete="off" required;
                button type="submit" { "Sign in" }
            }
        }
    }
}

/// `GET /console/login`: the form, with a fresh double-submit token in a cookie and a field.
pub(crate) async fn login_form(State(s): St, headers: HeaderMap) -> Response {
    if current(&s, &headers).await.is_some() {
        return Redirect::to("/console/users").into_response();
    }
    let token = tessera_jwt::random_hex(16);
    let mut resp = page("Sign in", None, Nav::None, login_page(&token, None)).into_response();
    resp.headers_mut().append(header::SET_COOKIE, set_cookie(&headers, LOGIN_COOKIE, &token, 3600));
    resp
}

/// `POST /console/login`: checks the double-submit token and the secret key; starts a session.
pub(crate) async fn login(State(s): St, req: axum::extract::Request) -> Response {
    let addr = crate::auth::client_addr(&req);
    let headers = req.headers().clone();
    let Ok(body) = axum::body::to_bytes(req.into_body(), s.max_body_bytes).await else {
        return forbidden();
    };
    let f = form(&body);
    let token = cookie(&headers, LOGIN_COOKIE).unwrap_or("");
    let submitted = f.get("csrf").map(String::as_str).unwrap_or("");
    if token.is_empty() || !tessera_jwt::constant_time_eq(token.as_bytes(), submitted.as_bytes()) {
        return forbidden();
    }
    let retry = |msg: &str, status: StatusCode| {
        let fresh = tessera_jwt::random_hex(16);
        let mut resp = (status, page("Sign in", None, Nav::None, login_page(&fresh, Some(msg)))).into_response();
        resp.headers_mut().append(header::SET_COOKIE, set_cookie(&headers, LOGIN_COOKIE, &fresh, 3600));
        resp
    };
    if s.failed_auth.blocked(addr).is_some() {
        return retry("Too many failed attempts from this address; wait a minute.", StatusCode::TOO_MANY_REQUESTS);
    }
    let key = f.get("secret_key").map(|k| k.trim()).unwrap_or("");
    let hash = hex::encode(tessera_jwt::sha256(key.as_bytes()));
    let ok = !key.is_empty() && matches!(s.app.authenticate_hash(&hash).await, Ok(true));
    let Some(console) = s.console.as_ref() else {
        return forbidden();
    };
    if !ok {
        let _ = s.failed_auth.take(addr);
        return retry("That is not a secret key of this instance.", StatusCode::UNAUTHORIZED);
    }
    let now = s.app.now_ms();
    let id = console.insert(
        ConsoleSession { csrf: tessera_jwt::random_hex(32), key_hash: hash, expires_at: now + SESSION_MS },
        now,
    );
    let mut resp = Redirect::to("/console/users").into_response();
    let h = resp.headers_mut();
    h.append(header::SET_COOKIE, set_cookie(&headers, SESSION_COOKIE, &id, SESSION_MS / 1000));
    h.append(header::SET_COOKIE, set_cookie(&headers, LOGIN_COOKIE, "", 0));
    resp
}

/// `POST /console/logout`.
pub(crate) async fn logout(State(s): St, headers: HeaderMap, body: Bytes) -> Response {
    let Some((id, session)) = current(&s, &headers).await else {
        return to_login();
    };
    if !csrf_ok(&session, form(&body).get("csrf").map(String::as_str)) {
        return forbidden();
    }
    if let Some(c) = s.console.as_ref() {
        c.remove(&id);
    }
    let mut resp = Redirect::to("/console/login").into_response();
    resp.headers_mut().append(header::SET_COOKIE, set_cookie(&headers, SESSION_COOKIE, "", 0));
    resp
}

#[derive(serde::Deserialize)]
pub(crate) struct Search {
    #[serde(default)]
    query: String,
}

/// `GET /console/users?query=`.
pub(crate) async fn users(State(s): St, headers: HeaderMap, Query(search): Query<Search>) -> Response {
    let Some((_, session)) = current(&s, &headers).await else {
        return to_login();
    };
    let mut params = vec![("limit", "100"), ("order_by", "-created_at")];
    if !search.query.trim().is_empty() {
        params.push(("query", search.query.trim()));
    }
    let list = match s.app.list_users(&q(&params)).await {
        Ok(l) => l,
        Err(e) => return failed(&session.csrf, Nav::Users, e),
    };
    let body = html! {
        h1 { "Users" }
        form.search method="get" action="/console/users" {
            input type="search" name="query" value=(search.query) placeholder="Search by name, email, id…";
            button type="submit" { "Search" }
        }
        table #users {
            thead { tr { th { "Name" } th { "Email" } th { "ID" } th { "Created" } } }
            tbody {
                @for u in &list {
                    tr {
                        td { a href={ "/console/users/" (u.id) } { (user_name(u)) } }
                        td { (primary_email(u)) }
                        td { code { (u.id) } }
                        td { (time_ms(u.created_at)) }
                    }
                }
            }
        }
        @if list.is_empty() { p.empty { "No users." } }
    };
    page("Users", Some(&session.csrf), Nav::Users, body).into_response()
}

fn status_badge(status: SessionStatus) -> Markup {
    let text = status.as_str();
    html! { span class={ "badge " (text) } { (text) } }
}

/// `GET /console/users/{id}`: the user, their sessions (revocable) and memberships.
pub(crate) async fn user(State(s): St, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let Some((_, session)) = current(&s, &headers).await else {
        return to_login();
    };
    let csrf = session.csrf.as_str();
    let u = match s.app.get_user(&id).await {
        Ok(u) => u,
        Err(e) => return failed(csrf, Nav::Users, e),
    };
    let sessions = match s.app.list_sessions(&q(&[("user_id", &id), ("limit", "100")])).await {
        Ok(l) => sessions_of(l),
        Err(e) => return failed(csrf, Nav::Users, e),
    };
    let memberships = match s.app.list_user_memberships(&id, &q(&[])).await {
        Ok(p) => p.data,
        Err(e) => return failed(csrf, Nav::Users, e),
    };
    let body = html! {
        h1 { (user_name(&u)) }
        dl.facts {
            dt { "ID" } dd { code { (u.id) } }
            dt { "Email" } dd { (primary_email(&u)) }
            dt { "Username" } dd { (u.username.clone().unwrap_or_default()) }
            dt { "Created" } dd { (time_ms(u.created_at)) }
            dt { "Banned" } dd { (u.banned) }
        }
        h2 { "Public metadata" }
        (json_block(Some("public-metadata"), &Value::Object(u.public_metadata.clone())))
        h2 { "Sessions" }
        table #sessions {
            thead { tr { th { "Session" } th { "Status" } th { "Active organization" } th { "Expires" } th {} } }
            tbody {
                @for sess in &sessions {
                    tr data-session=(sess.id) {
                        td { code { (sess.id) } }
                        td.status { (status_badge(sess.status)) }
                        td { (sess.last_active_organization_id.clone().unwrap_or_default()) }
                        td { (time_ms(sess.expire_at)) }
                        td {
                            @if sess.status.is_live() {
                                form method="post" action={ "/console/sessions/" (sess.id) "/revoke" } {
                                    input type="hidden" name="csrf" value=(csrf);
                                    button.danger type="submit" { "Revoke" }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if sessions.is_empty() { p.empty { "No sessions." } }
        h2 { "Organization memberships" }
        table #memberships {
            thead { tr { th { "Organization" } th { "Role" } th { "Since" } } }
            tbody {
                @for m in &memberships {
                    tr {
                        td { a href={ "/console/organizations/" (m.organization.id) } { (m.organization.name) } }
                        td { code { (m.role) } }
                        td { (time_ms(m.created_at)) }
                    }
                }
            }
        }
        @if memberships.is_empty() { p.empty { "No memberships." } }
    };
    page(&user_name(&u), Some(csrf), Nav::Users, body).into_response()
}

/// `POST /console/sessions/{id}/revoke`, then back to the session's user.
pub(crate) async fn revoke_session(State(s): St, headers: HeaderMap, Path(id): Path<String>, body: Bytes) -> Response {
    let Some((_, session)) = current(&s, &headers).await else {
        return forbidden();
    };
    if !csrf_ok(&session, form(&body).get("csrf").map(String::as_str)) {
        return forbidden();
    }
    match s.app.revoke_session(&id).await {
        Ok(revoked) => {
            super::after_write(&s).await;
            Redirect::to(&format!("/console/users/{}", revoked.user_id)).into_response()
        }
        Err(e) => failed(&session.csrf, Nav::Users, e),
    }
}

/// `GET /console/organizations?query=`.
pub(crate) async fn organizations(State(s): St, headers: HeaderMap, Query(search): Query<Search>) -> Response {
    let Some((_, session)) = current(&s, &headers).await else {
        return to_login();
    };
    let mut params = vec![("limit", "100"), ("include_members_count", "true")];
    if !search.query.trim().is_empty() {
        params.push(("query", search.query.trim()));
    }
    let list = match s.app.list_organizations(&q(&params)).await {
        Ok(p) => p.data,
        Err(e) => return failed(&session.csrf, Nav::Organizations, e),
    };
    let body = html! {
        h1 { "Organizations" }
        form.search method="get" action="/console/organizations" {
            input type="search" name="query" value=(search.query) placeholder="Search by name, slug, id…";
            button type="submit" { "Search" }
        }
        table #organizations {
            thead { tr { th { "Name" } th { "Slug" } th { "Members" } th { "Created" } } }
            tbody {
                @for o in &list {
                    tr {
                        td { a href={ "/console/organizations/" (o.id) } { (o.name) } }
                        td { code { (o.slug) } }
                        td { (o.members_count.unwrap_or(0)) }
                        td { (time_ms(o.created_at)) }
                    }
                }
            }
        }
        @if list.is_empty() { p.empty { "No organizations." } }
    };
    page("Organizations", Some(&session.csrf), Nav::Organizations, body).into_response()
}

/// `GET /console/organizations/{id}`: the organization and its members.
pub(crate) async fn organization(State(s): St, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let Some((_, session)) = current(&s, &headers).await else {
        return to_login();
    };
    let csrf = session.csrf.as_str();
    let o = match s.app.get_organization(&id).await {
        Ok(o) => o,
        Err(e) => return failed(csrf, Nav::Organizations, e),
    };
    let members = match s.app.list_memberships(&o.id, &q(&[("limit", "100")])).await {
        Ok(p) => p.data,
        Err(e) => return failed(csrf, Nav::Organizations, e),
    };
    let body = html! {
        h1 { (o.name) }
        dl.facts {
            dt { "ID" } dd { code { (o.id) } }
            dt { "Slug" } dd { code { (o.slug) } }
            dt { "Created" } dd { (time_ms(o.created_at)) }
        }
        h2 { "Public metadata" }
        (json_block(None, &Value::Object(o.public_metadata.clone())))
        h2 { "Members" }
        table #members {
            thead { tr { th { "User" } th { "Role" } th { "Permissions" } } }
            tbody {
                @for m in &members {
                    @let uid = m.public_user_data.as_ref().map(|p| p.user_id.clone()).unwrap_or_default();
                    tr {
                        td { a href={ "/console/users/" (uid) } { code { (uid) } } }
                        td { code { (m.role) } }
                        td { (m.permissions.join(", ")) }
                    }
                }
            }
        }
        @if members.is_empty() { p.empty { "No members." } }
    };
    page(&o.name, Some(csrf), Nav::Organizations, body).into_response()
}

/// `GET /console/keys`: the instance keys with their state, and the published JWKS.
pub(crate) async fn keys(State(s): St, headers: HeaderMap) -> Response {
    let Some((_, session)) = current(&s, &headers).await else {
        return to_login();
    };
    let csrf = session.csrf.as_str();
    let (keys, jwks) = match (s.app.signing_keys(), s.app.jwks().await) {
        (Ok(k), Ok(j)) => (k, j),
        (Err(e), _) | (_, Err(e)) => return failed(csrf, Nav::Keys, e),
    };
    let body = html! {
        h1 { "Keys" }
        h2 { "Instance signing keys" }
        table #keys {
            thead { tr { th { "kid" } th { "Algorithm" } th { "State" } th { "Created" } } }
            tbody {
                @for k in &keys {
                    tr {
                        td { code { (k.kid) } }
                        td { (k.alg) }
                        td { @if k.signing { span.badge.active { "signing" } } @else if k.active { span.badge.pending { "published" } } @else { span.badge.revoked { "retired" } } }
                        td { (time_ms(k.created_at)) }
                    }
                }
            }
        }
        h2 { "JWKS " small { a href="/.well-known/jwks.json" { "/.well-known/jwks.json" } } }
        (json_block(Some("jwks"), &serde_json::to_value(&jwks).unwrap_or_default()))
    };
    page("Keys", Some(csrf), Nav::Keys, body).into_response()
}
