use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use tessera_types::{DeletedObject, JwtTemplate};

use super::{St, listing};
use crate::body::{Body, Query};
use crate::error::HttpResult;

pub async fn create(State(s): St, Body(b): Body) -> HttpResult<Json<JwtTemplate>> {
    Ok(Json(s.app.create_template(b).await?))
}

pub async fn list(State(s): St, Query(q): Query) -> HttpResult<Response> {
    Ok(listing(s.app.list_templates(&q).await?))
}

pub async fn get(State(s): St, Path(id): Path<String>) -> HttpResult<Json<JwtTemplate>> {
    Ok(Json(s.app.get_template(&id).await?))
}

pub async fn update(
    State(s): St,
    Path(id): Path<String>,
    Body(b): Body,
) -> HttpResult<Json<JwtTemplate>> {
    Ok(Json(s.app.update_template(&id, b).await?))
}

pub async fn delete(State(s): St, Path(id): Path<String>) -> HttpResult<Json<DeletedObject>> {
    Ok(Json(s.app.delete_template(&id).await?))
}
