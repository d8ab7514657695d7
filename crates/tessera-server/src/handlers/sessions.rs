use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use tessera_types::{Session, Token};

use super::{St, listing};
use crate::body::{Body, Query};
use crate::error::HttpResult;

pub async fn create(State(s): St, Body(b): Body) -> HttpResult<Json<Session>> {
    Ok(Json(s.app.create_session(b).await?))
}

pub async fn list(State(s): St, Query(q): Query) -> HttpResult<Response> {
    Ok(listing(s.app.list_sessions(&q).await?))
}

pub async fn get(State(s): St, Path(id): Path<String>) -> HttpResult<Json<Session>> {
    Ok(Json(s.app.get_session(&id).await?))
}

pub async fn revoke(State(s): St, Path(id): Path<String>) -> HttpResult<Json<Session>> {
    Ok(Json(s.app.revoke_session(&id).await?))
}

pub async fn session_token(
    State(s): St,
    Path(id): Path<String>,
    Body(b): Body,
) -> HttpResult<Json<Token>> {
    Ok(Json(s.app.mint_session_token(&id, b).await?))
}

pub async fn template_token(
    State(s): St,
    Path((id, template)): Path<(String, String)>,
    Body(b): Body,
) -> HttpResult<Json<Token>> {
    Ok(Json(s.app.mint_template_token(&id, &template, b).await?))
}
