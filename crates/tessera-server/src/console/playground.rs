//! The JWT template playground: the template list, the editor (claims on the left; on the right the
//! decoded header and claims for the chosen user or session, the token's size, lint findings and
//! the `nbf`/`iat`/`exp` timeline), and its two JSON endpoints: the live preview (the core's
//! `preview_template`, the route `/v1/tessera/jwt_templates/preview` uses) and minting a real token.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde_json::{Map, Value, json};
use tessera_core::fields::Fields;
use tessera_core::query::QueryParams;
use tessera_core::{ApiError, ErrorKind};
use tessera_types::{JwtTemplate, JwtTemplatePreview};

use super::pages::{failed, form, primary_email, sessions_of, user_name};
use super::views::{Nav, error_box, json_block, page, time_ms};
use super::{ConsoleSession, csrf_ok, current, forbidden, to_login};
use crate::error::error_response;
use crate::state::AppState;

type St = State<Arc<AppState>>;

const STARTER: &str = r#"{
  "email": "{{user.primary_email_address}}",
  "name": "{{user.full_name}}"
}"#;

/// A subject the preview can be rendered for: `user:<id>` or `session:<id>`.
struct Subject {
    value: String,
    label: String,
}

/// The users (the newest 50) and the live sessions of the newest 20 of them.
async fn subjects(s: &AppState) -> Vec<Subject> {
    let users = s.app.list_users(&QueryParams::new(vec![("limit".into(), "50".into())])).await.unwrap_or_default();
    let mut out = Vec::new();
    for (i, u) in users.iter().enumerate() {
        let who = format!("{} <{}>", user_name(u), primary_email(u));
        if i < 20 {
            let q = QueryParams::new(vec![("user_id".into(), u.id.clone()), ("status".into(), "active".into())]);
            for sess in s.app.list_sessions(&q).await.map(sessions_of).unwrap_or_default() {
                out.push(Subject {
                    value: format!("session:{}", sess.id),
                    label: format!("session {} — {who}", sess.id),
                });
            }
        }
        out.push(Subject { value: format!("user:{}", u.id), label: format!("user {who}") });
    }
    out
}

/// `GET /console/templates`.
pub(crate) async fn templates(State(s): St, headers: HeaderMap) -> Response {
    let Some((_, session)) = current(&s, &headers).await else {
        return to_login();
    };
    let list: Vec<JwtTemplate> =
        match s.app.list_templates(&QueryParams::new(vec![("limit".into(), "500".into())])).await {
            Ok(tessera_core::sessions::Listing::Bare(v)) => v,
            Ok(tessera_core::sessions::Listing::Page(p)) => p.data,
            Err(e) => return failed(&session.csrf, Nav::Templates, e),
        };
    let body = html! {
        h1 { "JWT templates" }
        p { a.button href="/console/templates/new" { "New template" } }
        table #templates {
            thead { tr { th { "Name" } th { "Lifetime" } th { "Algorithm" } th { "Updated" } } }
            tbody {
                @for t in &list {
                    tr {
                        td { a href={ "/console/templates/" (t.id) } { (t.name) } }
                        td { (t.lifetime) " s" }
                        td { (t.signing_algorithm) @if t.custom_signing_key { " (custom key)" } }
                        td { (time_ms(t.updated_at)) }
                    }
                }
            }
        }
        @if list.is_empty() { p.empty { "No templates yet." } }
    };
    page("JWT templates", Some(&session.csrf), Nav::Templates, body).into_response()
}

/// What the editor shows: the form's values.
struct Draft {
    id: Option<String>,
    name: String,
    claims: String,
    lifetime: String,
    skew: String,
}

fn draft_of(t: &JwtTemplate) -> Draft {
    Draft {
        id: Some(t.id.clone()),
        name: t.name.clone(),
        claims: serde_json::to_string_pretty(&t.claims).unwrap_or_default(),
        lifetime: t.lifetime.to_string(),
        skew: t.allowed_clock_skew.to_string(),
    }
}

/// `GET /console/templates/new`.
pub(crate) async fn new_template(State(s): St, headers: HeaderMap) -> Response {
    let Some((_, session)) = current(&s, &headers).await else {
        return to_login();
    };
    let d = Draft { id: None, name: String::new(), claims: STARTER.into(), lifetime: "60".into(), skew: "5".into() };
    editor(&s, &session, &d, None, StatusCode::OK).await
}

/// `GET /console/templates/{id}`.
pub(crate) async fn edit_template(State(s): St, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let Some((_, session)) = current(&s, &headers).await else {
        return to_login();
    };
    match s.app.get_template(&id).await {
        Ok(t) => editor(&s, &session, &draft_of(&t), None, StatusCode::OK).await,
        Err(e) => failed(&session.csrf, Nav::Templates, e),
    }
}

/// The body the core reads for a create or update, from the form.
fn template_body(d: &Draft) -> Result<Fields, ApiError> {
    let claims: Value = serde_json::from_str(&d.claims)
        .map_err(|e| ApiError::param_value("claims", format!("claims is not valid JSON: {e}")))?;
    let mut body = Map::new();
    body.insert("name".into(), json!(d.name));
    body.insert("claims".into(), claims);
    for (key, v) in [("lifetime", &d.lifetime), ("allowed_clock_skew", &d.skew)] {
        if !v.trim().is_empty() {
            let n: i64 = v
                .trim()
                .parse()
                .map_err(|_| ApiError::param_value(key, format!("{key} must be a whole number of seconds.")))?;
            body.insert(key.into(), json!(n));
        }
    }
    Fields::from_value(Some(Value::Object(body)))
}

fn draft_from_form(id: Option<String>, body: &Bytes) -> (Draft, Option<String>) {
    let f = form(body);
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    (
        Draft {
            id,
            name: get("name"),
            claims: get("claims"),
            lifetime: get("lifetime"),
            skew: get("allowed_clock_skew"),
        },
        f.get("csrf").cloned(),
    )
}

/// `POST /console/templates`: creates, then opens the editor of the new template.
pub(crate) async fn create_template(State(s): St, headers: HeaderMap, body: Bytes) -> Response {
    save(s, headers, None, body).await
}

/// `POST /console/templates/{id}`: updates (omitted settings keep their stored values).
pub(crate) async fn update_template(State(s): St, headers: HeaderMap, Path(id): Path<String>, body: Bytes) -> Response {
    save(s, headers, Some(id), body).await
}

async fn save(s: Arc<AppState>, headers: HeaderMap, id: Option<String>, body: Bytes) -> Response {
    let Some((_, session)) = current(&s, &headers).await else {
        return forbidden();
    };
    let (draft, csrf) = draft_from_form(id.clone(), &body);
    if !csrf_ok(&session, csrf.as_deref()) {
        return forbidden();
    }
    let result = match template_body(&draft) {
        Err(e) => Err(e),
        Ok(fields) => match &id {
            None => s.app.create_template(fields).await,
            Some(id) => s.app.update_template(id, fields).await,
        },
    };
    match result {
        Ok(t) => {
            super::after_write(&s).await;
            Redirect::to(&format!("/console/templates/{}", t.id)).into_response()
        }
        Err(e) => {
            let status = StatusCode::from_u16(e.kind.status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
            editor(&s, &session, &draft, Some(&e.long_message), status).await
        }
    }
}

/// The consumer to check: the one chosen, else the one the template's name mentions.
fn consumer_for(chosen: &str, name: &str) -> Option<String> {
    if !chosen.is_empty() {
        return Some(chosen.to_owned());
    }
    let name = name.to_ascii_lowercase();
    ["hasura", "supabase", "convex"].into_iter().find(|c| name.contains(c)).map(str::to_owned)
}

/// The core's preview of what the form holds, for `subject`.
async fn preview_of(
    s: &AppState,
    claims: &str,
    lifetime: &str,
    skew: &str,
    subject: &str,
    consumer: Option<String>,
) -> Result<JwtTemplatePreview, ApiError> {
    let claims: Value = serde_json::from_str(claims)
        .map_err(|e| ApiError::param_value("claims", format!("claims is not valid JSON: {e}")))?;
    let mut body = Map::new();
    body.insert("claims".into(), claims);
    for (key, v) in [("lifetime", lifetime), ("allowed_clock_skew", skew)] {
        if let Ok(n) = v.trim().parse::<i64>() {
            body.insert(key.into(), json!(n));
        }
    }
    match subject.split_once(':') {
        Some(("session", id)) => body.insert("session_id".into(), json!(id)),
        Some(("user", id)) => body.insert("user_id".into(), json!(id)),
        _ => return Err(ApiError::param_missing("user_id")),
    };
    if let Some(c) = consumer {
        body.insert("consumer".into(), json!(c));
    }
    s.app.preview_template(Fields::from_value(Some(Value::Object(body)))?).await
}

/// The right-hand side: lints, size, timeline, header and claims (the script refreshes each by id).
fn preview_pane(p: Option<&JwtTemplatePreview>, error: Option<&str>) -> Markup {
    let claim = |k: &str| p.and_then(|p| p.claims.get(k)).and_then(Value::as_i64);
    let (iat, nbf, exp) = (claim("iat"), claim("nbf"), claim("exp"));
    html! {
        section #preview {
            h2 { "Preview " small #preview-status { @if let Some(e) = error { (e) } } }
            p #size { @if let Some(p) = p { (p.size_bytes) " bytes signed · " (p.custom_claims_bytes) " bytes of template claims" } }
            p #consumers { @if let Some(p) = p { @if !p.consumers.is_empty() { "Checked for: " (p.consumers.join(", ")) } } }
            h3 { "Lint findings" }
            ul #lints {
                @if let Some(p) = p {
                    @if p.lints.is_empty() { li.ok { "No findings." } }
                    @for l in &p.lints {
                        li class=(l.severity) data-code=(l.code) {
                            strong { (l.severity) " " (l.code) }
                            @if let Some(path) = &l.claim_path { " " code { (path) } }
                            ": " (l.message)
                            @if let Some(u) = &l.documentation_url { " " a href=(u) rel="noreferrer" target="_blank" { "docs" } }
                        }
                    }
                }
            }
            h3 { "Timeline" }
            ul #timeline {
                @if let (Some(iat), Some(nbf), Some(exp)) = (iat, nbf, exp) {
                    li { "nbf " (time_ms(nbf * 1000)) " (iat − " (iat - nbf) " s)" }
                    li { "iat " (time_ms(iat * 1000)) }
                    li { "exp " (time_ms(exp * 1000)) " (iat + " (exp - iat) " s)" }
                }
            }
            h3 { "Header" }
            (json_block(Some("preview-header"), &p.map(|p| Value::Object(p.header.clone())).unwrap_or(Value::Null)))
            h3 { "Claims" }
            (json_block(Some("preview-claims"), &p.map(|p| Value::Object(p.claims.clone())).unwrap_or(Value::Null)))
        }
    }
}

async fn editor(
    s: &AppState,
    session: &ConsoleSession,
    d: &Draft,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let subjects = subjects(s).await;
    let first = subjects.first().map(|x| x.value.clone()).unwrap_or_default();
    let (preview, preview_error) =
        match preview_of(s, &d.claims, &d.lifetime, &d.skew, &first, consumer_for("", &d.name)).await {
            Ok(p) => (Some(p), None),
            Err(e) => (None, Some(e.long_message)),
        };
    let action = match &d.id {
        Some(id) => format!("/console/templates/{id}"),
        None => "/console/templates".to_owned(),
    };
    let sessions: Vec<&Subject> = subjects.iter().filter(|x| x.value.starts_with("session:")).collect();
    let body = html! {
        h1 { @if d.id.is_some() { "Template " (d.name) } @else { "New template" } }
        (error_box(error))
        div.playground {
            form #editor method="post" action=(action) {
                input type="hidden" name="csrf" value=(session.csrf);
                label for="name" { "Name" }
                input #name type="text" name="name" value=(d.name) required;
                label for="claims" { "Claims" }
                textarea #claims name="claims" rows="18" spellcheck="false" { (d.claims) }
                div.row {
                    div { label for="lifetime" { "Lifetime (s)" } input #lifetime type="number" name="lifetime" value=(d.lifetime); }
                    div { label for="allowed_clock_skew" { "Clock skew (s)" } input #allowed_clock_skew type="number" name="allowed_clock_skew" value=(d.skew); }
                }
                label for="subject" { "Preview for" }
                select #subject {
                    @for x in &subjects { option value=(x.value) { (x.label) } }
                }
                label for="consumer" { "Check for" }
                select #consumer {
                    option value="" { "the consumers it looks meant for" }
                    option value="hasura" { "Hasura" }
                    option value="supabase" { "Supabase" }
                    option value="convex" { "Convex" }
                }
                button #save type="submit" { "Save template" }
            }
            (preview_pane(preview.as_ref(), preview_error.as_deref()))
        }
        @if d.id.is_some() {
            section #mint {
                h2 { "Mint a real token" }
                p { "Signs a token from the saved template for a live session, as " code { "POST /v1/sessions/{id}/tokens/" (d.name) } " does." }
                div.row {
                    select #mint-session {
                        @for x in &sessions { option value=(x.value.trim_start_matches("session:")) { (x.label) } }
                    }
                    button #mint-button type="button" data-template=(d.name) { "Mint" }
                    button #copy-button type="button" { "Copy" }
                }
                p #mint-status {}
                textarea #jwt readonly rows="4" spellcheck="false" {}
                div.row {
                    div { h3 { "Decoded header" } pre.json #jwt-header {} }
                    div { h3 { "Decoded claims" } pre.json #jwt-claims {} }
                }
            }
        }
    };
    (status, page("Template playground", Some(&session.csrf), Nav::Templates, body)).into_response()
}

/// Reads a JSON endpoint's request: a signed-in session and its CSRF token in `X-CSRF-Token`.
async fn api_request(s: &AppState, headers: &HeaderMap, body: &Bytes) -> Result<Map<String, Value>, Response> {
    let Some((_, session)) = current(s, headers).await else {
        return Err(forbidden());
    };
    if !csrf_ok(&session, headers.get("x-csrf-token").and_then(|v| v.to_str().ok())) {
        return Err(forbidden());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(error_response(ApiError::body_invalid("The request body must be a JSON object."))),
    }
}

fn text(m: &Map<String, Value>, k: &str) -> String {
    match m.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// `POST /console/api/preview`: `{claims (text), lifetime, allowed_clock_skew, subject, consumer, name}`.
pub(crate) async fn preview(State(s): St, headers: HeaderMap, body: Bytes) -> Response {
    let m = match api_request(&s, &headers, &body).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    let consumer = consumer_for(&text(&m, "consumer"), &text(&m, "name"));
    let (lifetime, skew) = (text(&m, "lifetime"), text(&m, "allowed_clock_skew"));
    match preview_of(&s, &text(&m, "claims"), &lifetime, &skew, &text(&m, "subject"), consumer).await {
        Ok(p) => Json(p).into_response(),
        Err(e) => error_response(e),
    }
}

/// `POST /console/api/mint`: `{session_id, template}` → `{jwt, header, claims}`.
pub(crate) async fn mint(State(s): St, headers: HeaderMap, body: Bytes) -> Response {
    let m = match api_request(&s, &headers, &body).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    let (sid, template) = (text(&m, "session_id"), text(&m, "template"));
    let token = match s.app.mint_template_token(&sid, &template, Fields::default()).await {
        Ok(t) => t,
        Err(e) => return error_response(e),
    };
    match tessera_jwt::decode_unverified(&token.jwt) {
        Ok(d) => Json(json!({"jwt": token.jwt, "header": d.header, "claims": d.claims})).into_response(),
        Err(e) => error_response(ApiError::new(ErrorKind::Internal, "internal_clerk_error", "internal", e.to_string())),
    }
}
