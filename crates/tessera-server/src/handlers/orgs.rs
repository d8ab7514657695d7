use axum::Json;
use axum::extract::{Path, State};
use tessera_types::{DeletedObject, Organization, OrganizationMembership, Paginated};

use super::St;
use crate::body::{Body, Query};
use crate::error::HttpResult;

pub async fn create(State(s): St, Body(b): Body) -> HttpResult<Json<Organization>> {
    Ok(Json(s.app.create_organization(b).await?))
}

pub async fn list(State(s): St, Query(q): Query) -> HttpResult<Json<Paginated<Organization>>> {
    Ok(Json(s.app.list_organizations(&q).await?))
}

pub async fn get(State(s): St, Path(id): Path<String>) -> HttpResult<Json<Organization>> {
    Ok(Json(s.app.get_organization(&id).await?))
}

pub async fn update(
    State(s): St,
    Path(id): Path<String>,
    Body(b): Body,
) -> HttpResult<Json<Organization>> {
    Ok(Json(s.app.update_organization(&id, b).await?))
}

pub async fn delete(State(s): St, Path(id): Path<String>) -> HttpResult<Json<DeletedObject>> {
    Ok(Json(s.app.delete_organization(&id).await?))
}

pub async fn merge_metadata(
    State(s): St,
    Path(id): Path<String>,
    Body(b): Body,
) -> HttpResult<Json<Organization>> {
    Ok(Json(s.app.merge_organization_metadata(&id, b).await?))
}

pub async fn create_membership(
    State(s): St,
    Path(id): Path<String>,
    Body(b): Body,
) -> HttpResult<Json<OrganizationMembership>> {
    Ok(Json(s.app.create_membership(&id, b).await?))
}

pub async fn list_memberships(
    State(s): St,
    Path(id): Path<String>,
    Query(q): Query,
) -> HttpResult<Json<Paginated<OrganizationMembership>>> {
    Ok(Json(s.app.list_memberships(&id, &q).await?))
}

pub async fn update_membership(
    State(s): St,
    Path((org, user)): Path<(String, String)>,
    Body(b): Body,
) -> HttpResult<Json<OrganizationMembership>> {
    Ok(Json(s.app.update_membership(&org, &user, b).await?))
}

pub async fn merge_membership_metadata(
    State(s): St,
    Path((org, user)): Path<(String, String)>,
    Body(b): Body,
) -> HttpResult<Json<OrganizationMembership>> {
    Ok(Json(s.app.merge_membership_metadata(&org, &user, b).await?))
}

pub async fn delete_membership(
    State(s): St,
    Path((org, user)): Path<(String, String)>,
) -> HttpResult<Json<OrganizationMembership>> {
    Ok(Json(s.app.delete_membership(&org, &user).await?))
}
