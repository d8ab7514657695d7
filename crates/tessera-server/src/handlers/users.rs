use axum::Json;
use axum::extract::{Path, State};
use tessera_types::{DeletedObject, OrganizationMembership, Paginated, TotalCount, User, object};

use super::St;
use crate::body::{Body, Query};
use crate::error::HttpResult;

pub async fn create(State(s): St, Body(b): Body) -> HttpResult<Json<User>> {
    Ok(Json(s.app.create_user(b).await?))
}

pub async fn list(State(s): St, Query(q): Query) -> HttpResult<Json<Vec<User>>> {
    Ok(Json(s.app.list_users(&q).await?))
}

pub async fn count(State(s): St, Query(q): Query) -> HttpResult<Json<TotalCount>> {
    let total_count = s.app.count_users(&q).await?;
    Ok(Json(TotalCount {
        object: object::TOTAL_COUNT.to_owned(),
        total_count,
    }))
}

pub async fn get(State(s): St, Path(id): Path<String>) -> HttpResult<Json<User>> {
    Ok(Json(s.app.get_user(&id).await?))
}

pub async fn update(State(s): St, Path(id): Path<String>, Body(b): Body) -> HttpResult<Json<User>> {
    Ok(Json(s.app.update_user(&id, b).await?))
}

pub async fn delete(State(s): St, Path(id): Path<String>) -> HttpResult<Json<DeletedObject>> {
    Ok(Json(s.app.delete_user(&id).await?))
}

pub async fn merge_metadata(
    State(s): St,
    Path(id): Path<String>,
    Body(b): Body,
) -> HttpResult<Json<User>> {
    Ok(Json(s.app.merge_user_metadata(&id, b).await?))
}

pub async fn replace_metadata(
    State(s): St,
    Path(id): Path<String>,
    Body(b): Body,
) -> HttpResult<Json<User>> {
    Ok(Json(s.app.replace_user_metadata(&id, b).await?))
}

pub async fn ban(State(s): St, Path(id): Path<String>) -> HttpResult<Json<User>> {
    Ok(Json(s.app.ban_user(&id).await?))
}

pub async fn unban(State(s): St, Path(id): Path<String>) -> HttpResult<Json<User>> {
    Ok(Json(s.app.unban_user(&id).await?))
}

pub async fn memberships(
    State(s): St,
    Path(id): Path<String>,
) -> HttpResult<Json<Paginated<OrganizationMembership>>> {
    Ok(Json(s.app.list_user_memberships(&id).await?))
}
