use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use tessera_types::{ClerkErrors, ListShape, Session, SessionListFilter, Token};

use super::{St, listing};
use crate::body::{Body, Query};
use crate::error::HttpResult;
use crate::openapi::SessionList;

#[utoipa::path(post, path = "/v1/sessions", tag = "Sessions", operation_id = "CreateSession",
    request_body = tessera_types::CreateSessionRequestBody,
    responses(
        (status = 200, description = "A new active session in a new client.", body = Session),
        (status = 403, description = "The user is banned (`user_banned`) or locked (`user_locked`).", body = ClerkErrors),
        (status = 404, description = "No such user or organization.", body = ClerkErrors),
    ))]
pub async fn create(State(s): St, Body(b): Body) -> HttpResult<Json<Session>> {
    Ok(Json(s.app.create_session(b).await?))
}

#[utoipa::path(get, path = "/v1/sessions", tag = "Sessions", operation_id = "GetSessionList",
    params(SessionListFilter, ListShape),
    responses(
        (status = 200, description = "Sessions, newest first: a bare array, or `{data, total_count}` with `paginated=true`.", body = SessionList),
        (status = 400, description = "Neither `user_id` nor `client_id` was given (`missing_query_parameter`), or another malformed request.", body = ClerkErrors),
    ))]
pub async fn list(State(s): St, Query(q): Query) -> HttpResult<Response> {
    Ok(listing(s.app.list_sessions(&q).await?))
}

#[utoipa::path(get, path = "/v1/sessions/{session_id}", tag = "Sessions", operation_id = "GetSession",
    responses((status = 200, description = "The session, with its status as of now.", body = Session)))]
pub async fn get(State(s): St, Path(id): Path<String>) -> HttpResult<Json<Session>> {
    Ok(Json(s.app.get_session(&id).await?))
}

#[utoipa::path(post, path = "/v1/sessions/{session_id}/revoke", tag = "Sessions",
    operation_id = "RevokeSession",
    responses((status = 200, description = "The session, revoked; one that had already ended is answered unchanged.", body = Session)))]
pub async fn revoke(State(s): St, Path(id): Path<String>) -> HttpResult<Json<Session>> {
    Ok(Json(s.app.revoke_session(&id).await?))
}

#[utoipa::path(post, path = "/v1/sessions/{session_id}/tokens", tag = "Sessions",
    operation_id = "CreateSessionToken",
    request_body = tessera_types::CreateSessionTokenRequestBody,
    responses(
        (status = 200, description = "A session token for an active or pending session, with the instance's custom session claims (`/v1/tessera/session_claims`) when it has some.", body = Token),
        (status = 404, description = "No such session, or the session is not active or pending.", body = ClerkErrors),
        (status = 422, description = "A malformed `expires_in_seconds` (`form_param_*`), or a token larger than the session-token limit (`session_token_too_large`, naming the size and the limit).", body = ClerkErrors),
    ))]
pub async fn session_token(State(s): St, Path(id): Path<String>, Body(b): Body) -> HttpResult<Response> {
    let minted = s.app.mint_session(&id, b).await?;
    s.metrics.minted(None, minted.algorithm.as_str());
    Ok(token_response(minted.token))
}

#[utoipa::path(post, path = "/v1/sessions/{session_id}/tokens/{template_name}", tag = "Sessions",
    operation_id = "CreateSessionTokenFromTemplate",
    request_body = tessera_types::CreateSessionTokenRequestBody,
    responses(
        (status = 200, description = "A token rendered from the JWT template.", body = Token),
        (status = 404, description = "No such session or template, or the session is not active or pending.", body = ClerkErrors),
    ))]
pub async fn template_token(
    State(s): St,
    Path((id, template)): Path<(String, String)>,
    Body(b): Body,
) -> HttpResult<Response> {
    let minted = s.app.mint_template(&id, &template, b).await?;
    s.metrics.minted(Some(&template), minted.algorithm.as_str());
    Ok(token_response(minted.token))
}

/// `{"object":"token","jwt":"…"}`, written directly: a compact JWS is base64url and dots, which JSON
/// needs no escaping for, so the answer is a few copies instead of a serializer's walk through the
/// token character by character (a string that would need escaping goes through the serializer).
fn token_response(token: Token) -> Response {
    use tessera_core::mint::json_plain;
    if !(json_plain(&token.object) && json_plain(&token.jwt)) {
        return Json(token).into_response();
    }
    let mut body = String::with_capacity(token.jwt.len() + token.object.len() + 22);
    body.push_str(r#"{"object":""#);
    body.push_str(&token.object);
    body.push_str(r#"","jwt":""#);
    body.push_str(&token.jwt);
    body.push_str(r#""}"#);
    ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body_of(token: Token) -> (String, String) {
        let resp = token_response(token);
        let ct = resp.headers()[header::CONTENT_TYPE].to_str().unwrap_or_default().to_owned();
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20).await.unwrap_or_default();
        (ct, String::from_utf8_lossy(&bytes).into_owned())
    }

    #[tokio::test]
    async fn token_answers_are_the_serializers_json() {
        for jwt in ["eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.sig-_x", "not \"a\" jwt\\\n", ""] {
            let token = Token { object: "token".into(), jwt: jwt.into() };
            let (ct, text) = body_of(token.clone()).await;
            assert_eq!(ct, "application/json");
            let parsed: Token = serde_json::from_str(&text).expect("valid JSON");
            assert_eq!(parsed, token);
            assert_eq!(text, serde_json::to_string(&token).expect("serializes"));
        }
    }
}
