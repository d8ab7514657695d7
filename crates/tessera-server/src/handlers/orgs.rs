use axum::Json;
use axum::extract::{Path, State};
use tessera_types::{
    ClerkErrors, DeletedObject, InstanceMembershipListQuery, Organization, OrganizationListFilter,
    OrganizationMembership, OrganizationMembershipListFilter, Paginated,
};

use super::St;
use crate::body::{Body, Query};
use crate::error::HttpResult;
use crate::openapi::OrganizationMetadataRequestBody;

#[utoipa::path(post, path = "/v1/organizations", tag = "Organizations",
    operation_id = "CreateOrganization",
    request_body = tessera_types::CreateOrganizationRequestBody,
    responses(
        (status = 200, description = "The new organization; `created_by` becomes its first `org:admin`.", body = Organization),
        (status = 404, description = "No user `created_by`.", body = ClerkErrors),
    ))]
pub async fn create(State(s): St, Body(b): Body) -> HttpResult<Json<Organization>> {
    Ok(Json(s.app.create_organization(b).await?))
}

#[utoipa::path(get, path = "/v1/organizations", tag = "Organizations",
    operation_id = "ListOrganizations",
    params(OrganizationListFilter),
    responses((status = 200, description = "Organizations, newest first unless `order_by` says otherwise.", body = Paginated<Organization>)))]
pub async fn list(State(s): St, Query(q): Query) -> HttpResult<Json<Paginated<Organization>>> {
    Ok(Json(s.app.list_organizations(&q).await?))
}

#[utoipa::path(get, path = "/v1/organizations/{org_id}", tag = "Organizations",
    operation_id = "GetOrganization",
    responses((status = 200, description = "The organization.", body = Organization)))]
pub async fn get(State(s): St, Path(id): Path<String>) -> HttpResult<Json<Organization>> {
    Ok(Json(s.app.get_organization(&id).await?))
}

#[utoipa::path(patch, path = "/v1/organizations/{org_id}", tag = "Organizations",
    operation_id = "UpdateOrganization",
    request_body = tessera_types::UpdateOrganizationRequestBody,
    responses((status = 200, description = "The updated organization. Metadata fields given replace the stored ones.", body = Organization)))]
pub async fn update(State(s): St, Path(id): Path<String>, Body(b): Body) -> HttpResult<Json<Organization>> {
    Ok(Json(s.app.update_organization(&id, b).await?))
}

#[utoipa::path(delete, path = "/v1/organizations/{org_id}", tag = "Organizations",
    operation_id = "DeleteOrganization",
    responses((status = 200, description = "The organization was deleted.", body = DeletedObject)))]
pub async fn delete(State(s): St, Path(id): Path<String>) -> HttpResult<Json<DeletedObject>> {
    Ok(Json(s.app.delete_organization(&id).await?))
}

#[utoipa::path(patch, path = "/v1/organizations/{org_id}/metadata", tag = "Organizations",
    operation_id = "MergeOrganizationMetadata",
    request_body = OrganizationMetadataRequestBody,
    responses((status = 200, description = "The organization, metadata deep-merged (`null` deletes a key at any depth).", body = Organization)))]
pub async fn merge_metadata(State(s): St, Path(id): Path<String>, Body(b): Body) -> HttpResult<Json<Organization>> {
    Ok(Json(s.app.merge_organization_metadata(&id, b).await?))
}

#[utoipa::path(post, path = "/v1/organizations/{org_id}/memberships", tag = "Organization Memberships",
    operation_id = "CreateOrganizationMembership",
    request_body = tessera_types::CreateOrganizationMembershipRequestBody,
    responses(
        (status = 200, description = "The new membership.", body = OrganizationMembership),
        (status = 403, description = "The organization is full (`organization_membership_quota_exceeded`).", body = ClerkErrors),
    ))]
pub async fn create_membership(
    State(s): St,
    Path(id): Path<String>,
    Body(b): Body,
) -> HttpResult<Json<OrganizationMembership>> {
    Ok(Json(s.app.create_membership(&id, b).await?))
}

#[utoipa::path(get, path = "/v1/organizations/{org_id}/memberships", tag = "Organization Memberships",
    operation_id = "ListOrganizationMemberships",
    params(OrganizationMembershipListFilter),
    responses((status = 200, description = "The organization's memberships whose member and role match the filters, oldest first unless `order_by` says otherwise.", body = Paginated<OrganizationMembership>)))]
pub async fn list_memberships(
    State(s): St,
    Path(id): Path<String>,
    Query(q): Query,
) -> HttpResult<Json<Paginated<OrganizationMembership>>> {
    Ok(Json(s.app.list_memberships(&id, &q).await?))
}

#[utoipa::path(get, path = "/v1/organization_memberships", tag = "Organization Memberships",
    operation_id = "InstanceGetOrganizationMemberships",
    params(InstanceMembershipListQuery),
    responses((status = 200, description = "Every membership of the instance, newest first unless `order_by` says otherwise.", body = Paginated<OrganizationMembership>)))]
pub async fn list_instance_memberships(
    State(s): St,
    Query(q): Query,
) -> HttpResult<Json<Paginated<OrganizationMembership>>> {
    Ok(Json(s.app.list_instance_memberships(&q).await?))
}

#[utoipa::path(patch, path = "/v1/organizations/{org_id}/memberships/{user_id}",
    tag = "Organization Memberships", operation_id = "UpdateOrganizationMembership",
    request_body = tessera_types::UpdateOrganizationMembershipRequestBody,
    responses((status = 200, description = "The membership with its new role.", body = OrganizationMembership)))]
pub async fn update_membership(
    State(s): St,
    Path((org, user)): Path<(String, String)>,
    Body(b): Body,
) -> HttpResult<Json<OrganizationMembership>> {
    Ok(Json(s.app.update_membership(&org, &user, b).await?))
}

#[utoipa::path(patch, path = "/v1/organizations/{org_id}/memberships/{user_id}/metadata",
    tag = "Organization Memberships", operation_id = "UpdateOrganizationMembershipMetadata",
    request_body = OrganizationMetadataRequestBody,
    responses((status = 200, description = "The membership, metadata deep-merged (`null` deletes a key at any depth).", body = OrganizationMembership)))]
pub async fn merge_membership_metadata(
    State(s): St,
    Path((org, user)): Path<(String, String)>,
    Body(b): Body,
) -> HttpResult<Json<OrganizationMembership>> {
    Ok(Json(s.app.merge_membership_metadata(&org, &user, b).await?))
}

#[utoipa::path(delete, path = "/v1/organizations/{org_id}/memberships/{user_id}",
    tag = "Organization Memberships", operation_id = "DeleteOrganizationMembership",
    responses((status = 200, description = "The membership that was deleted.", body = OrganizationMembership)))]
pub async fn delete_membership(
    State(s): St,
    Path((org, user)): Path<(String, String)>,
) -> HttpResult<Json<OrganizationMembership>> {
    Ok(Json(s.app.delete_membership(&org, &user).await?))
}
