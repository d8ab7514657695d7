use axum::Json;
use axum::extract::{Path, State};
use tessera_types::{
    DeletedObject, ListPage, OrganizationMembership, Paginated, TotalCount, User, UserListFilter, UserListQuery, object,
};

use super::St;
use crate::body::{Body, Query};
use crate::error::HttpResult;

#[utoipa::path(post, path = "/v1/users", tag = "Users", operation_id = "CreateUser",
    request_body = tessera_types::CreateUserRequestBody,
    responses((status = 200, description = "The new user.", body = User)))]
pub async fn create(State(s): St, Body(b): Body) -> HttpResult<Json<User>> {
    Ok(Json(s.app.create_user(b).await?))
}

#[utoipa::path(get, path = "/v1/users", tag = "Users", operation_id = "GetUserList",
    params(UserListQuery),
    responses((status = 200, description = "Users, newest first unless `order_by` says otherwise.", body = Vec<User>)))]
pub async fn list(State(s): St, Query(q): Query) -> HttpResult<Json<Vec<User>>> {
    Ok(Json(s.app.list_users(&q).await?))
}

#[utoipa::path(get, path = "/v1/users/count", tag = "Users", operation_id = "GetUsersCount",
    params(UserListFilter),
    responses((status = 200, description = "How many users match the filters.", body = TotalCount)))]
pub async fn count(State(s): St, Query(q): Query) -> HttpResult<Json<TotalCount>> {
    let total_count = s.app.count_users(&q).await?;
    Ok(Json(TotalCount { object: object::TOTAL_COUNT.to_owned(), total_count }))
}

#[utoipa::path(get, path = "/v1/users/{user_id}", tag = "Users", operation_id = "GetUser",
    responses((status = 200, description = "The user.", body = User)))]
pub async fn get(State(s): St, Path(id): Path<String>) -> HttpResult<Json<User>> {
    Ok(Json(s.app.get_user(&id).await?))
}

#[utoipa::path(patch, path = "/v1/users/{user_id}", tag = "Users", operation_id = "UpdateUser",
    request_body = tessera_types::UpdateUserRequestBody,
    responses(
        (status = 200, description = "The updated user. Metadata fields given replace the stored ones.", body = User),
        (status = 422, description = "A bad parameter (`form_param_*`, `form_identifier_exists`), or a `primary_email_address_id`/`primary_phone_number_id` that is not a verified address of the user (`form_param_value_invalid`, `form_verification_needed`).", body = tessera_types::ClerkErrors),
    ))]
pub async fn update(State(s): St, Path(id): Path<String>, Body(b): Body) -> HttpResult<Json<User>> {
    Ok(Json(s.app.update_user(&id, b).await?))
}

#[utoipa::path(delete, path = "/v1/users/{user_id}", tag = "Users", operation_id = "DeleteUser",
    responses((status = 200, description = "The user was deleted; their live sessions are `removed`.", body = DeletedObject)))]
pub async fn delete(State(s): St, Path(id): Path<String>) -> HttpResult<Json<DeletedObject>> {
    Ok(Json(s.app.delete_user(&id).await?))
}

#[utoipa::path(patch, path = "/v1/users/{user_id}/metadata", tag = "Users",
    operation_id = "UpdateUserMetadata",
    request_body = tessera_types::UpdateMetadataRequestBody,
    responses((status = 200, description = "The user, metadata deep-merged (`null` deletes a key at any depth).", body = User)))]
pub async fn merge_metadata(State(s): St, Path(id): Path<String>, Body(b): Body) -> HttpResult<Json<User>> {
    Ok(Json(s.app.merge_user_metadata(&id, b).await?))
}

#[utoipa::path(put, path = "/v1/users/{user_id}/metadata", tag = "Users",
    operation_id = "ReplaceUserMetadata",
    request_body = tessera_types::UpdateMetadataRequestBody,
    responses((status = 200, description = "The user, each given metadata field replaced whole.", body = User)))]
pub async fn replace_metadata(State(s): St, Path(id): Path<String>, Body(b): Body) -> HttpResult<Json<User>> {
    Ok(Json(s.app.replace_user_metadata(&id, b).await?))
}

#[utoipa::path(post, path = "/v1/users/{user_id}/ban", tag = "Users", operation_id = "BanUser",
    responses((status = 200, description = "The banned user; their live sessions were revoked.", body = User)))]
pub async fn ban(State(s): St, Path(id): Path<String>) -> HttpResult<Json<User>> {
    Ok(Json(s.app.ban_user(&id).await?))
}

#[utoipa::path(post, path = "/v1/users/{user_id}/unban", tag = "Users", operation_id = "UnbanUser",
    responses((status = 200, description = "The user, no longer banned.", body = User)))]
pub async fn unban(State(s): St, Path(id): Path<String>) -> HttpResult<Json<User>> {
    Ok(Json(s.app.unban_user(&id).await?))
}

#[utoipa::path(post, path = "/v1/users/{user_id}/lock", tag = "Users", operation_id = "LockUser",
    responses((status = 200, description = "The locked user: no new session until unlocked (`POST /sessions` answers 403 `user_locked`); sessions already running keep working. The lock has no expiry (`lockout_expires_in_seconds: null`).", body = User)))]
pub async fn lock(State(s): St, Path(id): Path<String>) -> HttpResult<Json<User>> {
    Ok(Json(s.app.lock_user(&id).await?))
}

#[utoipa::path(post, path = "/v1/users/{user_id}/unlock", tag = "Users", operation_id = "UnlockUser",
    responses((status = 200, description = "The user, no longer locked; `verification_attempts_remaining` is reset.", body = User)))]
pub async fn unlock(State(s): St, Path(id): Path<String>) -> HttpResult<Json<User>> {
    Ok(Json(s.app.unlock_user(&id).await?))
}

#[utoipa::path(get, path = "/v1/users/{user_id}/organization_memberships", tag = "Users",
    operation_id = "UsersGetOrganizationMemberships",
    params(ListPage),
    responses((status = 200, description = "Every organization membership of the user.", body = Paginated<OrganizationMembership>)))]
pub async fn memberships(
    State(s): St,
    Path(id): Path<String>,
    Query(q): Query,
) -> HttpResult<Json<Paginated<OrganizationMembership>>> {
    Ok(Json(s.app.list_user_memberships(&id, &q).await?))
}
