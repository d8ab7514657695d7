//! Organization permissions, organization roles and role sets (Clerk's paths and operation ids).

use axum::Json;
use axum::extract::{Path, State};
use tessera_types::{ClerkErrors, DeletedObject, Paginated, Permission, Role, RoleListQuery, RoleSet};

use super::St;
use crate::body::{Body, Query};
use crate::error::HttpResult;

// ---- permissions -------------------------------------------------------------------------------------

#[utoipa::path(get, path = "/v1/organization_permissions", tag = "Organization Permissions",
    operation_id = "ListOrganizationPermissions",
    params(RoleListQuery),
    responses((status = 200, description = "System and custom permissions, newest first unless `order_by` says otherwise.", body = Paginated<Permission>)))]
pub async fn list_permissions(State(s): St, Query(q): Query) -> HttpResult<Json<Paginated<Permission>>> {
    Ok(Json(s.app.list_permissions(&q).await?))
}

#[utoipa::path(post, path = "/v1/organization_permissions", tag = "Organization Permissions",
    operation_id = "CreateOrganizationPermission",
    request_body = tessera_types::CreateOrganizationPermissionRequestBody,
    responses((status = 200, description = "The new custom permission (`type: user`).", body = Permission)))]
pub async fn create_permission(State(s): St, Body(b): Body) -> HttpResult<Json<Permission>> {
    Ok(Json(s.app.create_permission(b).await?))
}

#[utoipa::path(get, path = "/v1/organization_permissions/{permission_id}", tag = "Organization Permissions",
    operation_id = "GetOrganizationPermission",
    responses((status = 200, description = "The permission.", body = Permission)))]
pub async fn get_permission(State(s): St, Path(id): Path<String>) -> HttpResult<Json<Permission>> {
    Ok(Json(s.app.get_permission(&id).await?))
}

#[utoipa::path(patch, path = "/v1/organization_permissions/{permission_id}", tag = "Organization Permissions",
    operation_id = "UpdateOrganizationPermission",
    request_body = tessera_types::UpdateOrganizationPermissionRequestBody,
    responses(
        (status = 200, description = "The updated permission; a new key is seen by the next token of every membership whose role holds it.", body = Permission),
        (status = 403, description = "System permissions cannot be changed (`organization_system_permission_not_modifiable`).", body = ClerkErrors),
    ))]
pub async fn update_permission(State(s): St, Path(id): Path<String>, Body(b): Body) -> HttpResult<Json<Permission>> {
    Ok(Json(s.app.update_permission(&id, b).await?))
}

#[utoipa::path(delete, path = "/v1/organization_permissions/{permission_id}", tag = "Organization Permissions",
    operation_id = "DeleteOrganizationPermission",
    responses(
        (status = 200, description = "The permission was deleted and taken from every role.", body = DeletedObject),
        (status = 403, description = "System permissions cannot be deleted (`organization_system_permission_not_modifiable`).", body = ClerkErrors),
    ))]
pub async fn delete_permission(State(s): St, Path(id): Path<String>) -> HttpResult<Json<DeletedObject>> {
    Ok(Json(s.app.delete_permission(&id).await?))
}

// ---- roles -------------------------------------------------------------------------------------------

#[utoipa::path(get, path = "/v1/organization_roles", tag = "Organization Roles",
    operation_id = "ListOrganizationRoles",
    params(RoleListQuery),
    responses((status = 200, description = "Roles with their permissions, newest first unless `order_by` says otherwise.", body = Paginated<Role>)))]
pub async fn list_roles(State(s): St, Query(q): Query) -> HttpResult<Json<Paginated<Role>>> {
    Ok(Json(s.app.list_roles(&q).await?))
}

#[utoipa::path(post, path = "/v1/organization_roles", tag = "Organization Roles",
    operation_id = "CreateOrganizationRole",
    request_body = tessera_types::CreateOrganizationRoleRequestBody,
    responses(
        (status = 200, description = "The new role.", body = Role),
        (status = 404, description = "A permission id in `permissions` does not exist (`resource_not_found`, `meta.param_name` `permissions`).", body = ClerkErrors),
    ))]
pub async fn create_role(State(s): St, Body(b): Body) -> HttpResult<Json<Role>> {
    Ok(Json(s.app.create_role(b).await?))
}

#[utoipa::path(get, path = "/v1/organization_roles/{organization_role_id}", tag = "Organization Roles",
    operation_id = "GetOrganizationRole",
    responses((status = 200, description = "The role.", body = Role)))]
pub async fn get_role(State(s): St, Path(id): Path<String>) -> HttpResult<Json<Role>> {
    Ok(Json(s.app.get_role(&id).await?))
}

#[utoipa::path(patch, path = "/v1/organization_roles/{organization_role_id}", tag = "Organization Roles",
    operation_id = "UpdateOrganizationRole",
    request_body = tessera_types::UpdateOrganizationRoleRequestBody,
    responses((status = 200, description = "The updated role; memberships holding it see the change at their next read and token.", body = Role)))]
pub async fn update_role(State(s): St, Path(id): Path<String>, Body(b): Body) -> HttpResult<Json<Role>> {
    Ok(Json(s.app.update_role(&id, b).await?))
}

#[utoipa::path(delete, path = "/v1/organization_roles/{organization_role_id}", tag = "Organization Roles",
    operation_id = "DeleteOrganizationRole",
    responses(
        (status = 200, description = "The role was deleted.", body = DeletedObject),
        (status = 422, description = "The role is held by a member (`organization_role_assigned_members`) or is a role set's default or creator role (`organization_role_default_creator_role`).", body = ClerkErrors),
    ))]
pub async fn delete_role(State(s): St, Path(id): Path<String>) -> HttpResult<Json<DeletedObject>> {
    Ok(Json(s.app.delete_role(&id).await?))
}

#[utoipa::path(post, path = "/v1/organization_roles/{organization_role_id}/permissions/{permission_id}", tag = "Organization Roles",
    operation_id = "AssignPermissionToOrganizationRole",
    responses(
        (status = 200, description = "The role, now holding the permission.", body = Role),
        (status = 409, description = "The role holds it already (`organization_role_permission_association_exists`).", body = ClerkErrors),
    ))]
pub async fn assign_permission(
    State(s): St,
    Path((role_id, permission_id)): Path<(String, String)>,
) -> HttpResult<Json<Role>> {
    Ok(Json(s.app.assign_role_permission(&role_id, &permission_id).await?))
}

#[utoipa::path(delete, path = "/v1/organization_roles/{organization_role_id}/permissions/{permission_id}", tag = "Organization Roles",
    operation_id = "RemovePermissionFromOrganizationRole",
    responses(
        (status = 200, description = "The role, without the permission.", body = Role),
        (status = 400, description = "A creator role must keep what a creator needs (`permission_cannot_be_removed`).", body = ClerkErrors),
        (status = 409, description = "The role or one of its permissions changed meanwhile (`conflict`); try again.", body = ClerkErrors),
    ))]
pub async fn remove_permission(
    State(s): St,
    Path((role_id, permission_id)): Path<(String, String)>,
) -> HttpResult<Json<Role>> {
    Ok(Json(s.app.remove_role_permission(&role_id, &permission_id).await?))
}

// ---- role sets ---------------------------------------------------------------------------------------

#[utoipa::path(get, path = "/v1/role_sets", tag = "Role Sets",
    operation_id = "ListRoleSets",
    params(RoleListQuery),
    responses((status = 200, description = "Role sets with their roles, newest first unless `order_by` says otherwise.", body = Paginated<RoleSet>)))]
pub async fn list_role_sets(State(s): St, Query(q): Query) -> HttpResult<Json<Paginated<RoleSet>>> {
    Ok(Json(s.app.list_role_sets(&q).await?))
}

#[utoipa::path(post, path = "/v1/role_sets", tag = "Role Sets",
    operation_id = "CreateRoleSet",
    request_body = tessera_types::CreateRoleSetRequestBody,
    responses((status = 200, description = "The new role set.", body = RoleSet)))]
pub async fn create_role_set(State(s): St, Body(b): Body) -> HttpResult<Json<RoleSet>> {
    Ok(Json(s.app.create_role_set(b).await?))
}

#[utoipa::path(get, path = "/v1/role_sets/{role_set_key_or_id}", tag = "Role Sets",
    operation_id = "GetRoleSet",
    responses((status = 200, description = "The role set.", body = RoleSet)))]
pub async fn get_role_set(State(s): St, Path(id): Path<String>) -> HttpResult<Json<RoleSet>> {
    Ok(Json(s.app.get_role_set(&id).await?))
}

#[utoipa::path(patch, path = "/v1/role_sets/{role_set_key_or_id}", tag = "Role Sets",
    operation_id = "UpdateRoleSet",
    request_body = tessera_types::UpdateRoleSetRequestBody,
    responses((status = 200, description = "The updated role set.", body = RoleSet)))]
pub async fn update_role_set(State(s): St, Path(id): Path<String>, Body(b): Body) -> HttpResult<Json<RoleSet>> {
    Ok(Json(s.app.update_role_set(&id, b).await?))
}

#[utoipa::path(post, path = "/v1/role_sets/{role_set_key_or_id}/replace", tag = "Role Sets",
    operation_id = "ReplaceRoleSet",
    request_body = tessera_types::ReplaceRoleSetRequestBody,
    responses(
        (status = 200, description = "The organizations using the set now use the destination set, their members' roles reassigned; the set is deleted.", body = DeletedObject),
        (status = 403, description = "The initial set cannot be deleted (`cannot_delete_initial_role_set`).", body = ClerkErrors),
    ))]
pub async fn replace_role_set(State(s): St, Path(id): Path<String>, Body(b): Body) -> HttpResult<Json<DeletedObject>> {
    Ok(Json(s.app.replace_role_set(&id, b).await?))
}

#[utoipa::path(post, path = "/v1/role_sets/{role_set_key_or_id}/roles", tag = "Role Sets",
    operation_id = "AddRolesToRoleSet",
    request_body = tessera_types::AddRolesToRoleSetRequestBody,
    responses((status = 200, description = "The role set with the roles added.", body = RoleSet)))]
pub async fn add_roles(State(s): St, Path(id): Path<String>, Body(b): Body) -> HttpResult<Json<RoleSet>> {
    Ok(Json(s.app.add_roles_to_role_set(&id, b).await?))
}

#[utoipa::path(post, path = "/v1/role_sets/{role_set_key_or_id}/roles/replace", tag = "Role Sets",
    operation_id = "ReplaceRoleInRoleSet",
    request_body = tessera_types::ReplaceRoleInRoleSetRequestBody,
    responses((status = 200, description = "The role set without `role_key`; its members now hold `to_role_key`.", body = RoleSet)))]
pub async fn replace_role(State(s): St, Path(id): Path<String>, Body(b): Body) -> HttpResult<Json<RoleSet>> {
    Ok(Json(s.app.replace_role_in_role_set(&id, b).await?))
}
