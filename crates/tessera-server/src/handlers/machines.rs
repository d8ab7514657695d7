//! Machine authentication: Clerk's Machines, M2M Tokens and API Keys routes. The M2M token routes
//! are served under `/v1` (the Python SDK) and at the root (`/m2m_tokens…`, as @clerk/backend calls
//! them); they take a machine's secret key ([`MachineCaller`]) or an instance secret key.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use tessera_core::m2m::Caller;
use tessera_types::{
    ApiKey, ApiKeySecret, DeletedObject, M2MToken, M2MTokenList, Machine, MachineScope, MachineScopeDeleted,
    MachineSecretKey, Paginated,
};

use super::St;
use crate::auth::MachineCaller;
use crate::body::{Body, Query};
use crate::error::HttpResult;

type Machined = Option<Extension<MachineCaller>>;

fn caller(m: &Machined) -> Caller<'_> {
    match m {
        Some(Extension(MachineCaller(rec))) => Caller::Machine(rec),
        None => Caller::Instance,
    }
}

// ---- machines ---------------------------------------------------------------------------------------

#[utoipa::path(post, path = "/v1/machines", tag = "Machines", operation_id = "CreateMachine",
    request_body = tessera_types::CreateMachineRequestBody,
    responses(
        (status = 200, description = "The new machine with its `secret_key` (also answered by `GET /machines/{machine_id}/secret_key`).", body = Machine),
        (status = 422, description = "A missing or malformed parameter, or a scoped machine that does not exist (`form_resource_not_found`).", body = tessera_types::ClerkErrors),
    ))]
pub async fn create(State(s): St, Body(b): Body) -> HttpResult<Json<Machine>> {
    Ok(Json(s.app.create_machine(b).await?))
}

#[utoipa::path(get, path = "/v1/machines", tag = "Machines", operation_id = "ListMachines",
    params(tessera_types::MachineListFilter, tessera_types::ListPage),
    responses((status = 200, description = "`{data, total_count}`, newest first unless `order_by` says otherwise.", body = Paginated<Machine>)))]
pub async fn list(State(s): St, Query(q): Query) -> HttpResult<Json<Paginated<Machine>>> {
    Ok(Json(s.app.list_machines(&q).await?))
}

#[utoipa::path(get, path = "/v1/machines/{machine_id}", tag = "Machines", operation_id = "GetMachine",
    responses((status = 200, description = "The machine (without its secret key).", body = Machine)))]
pub async fn get(State(s): St, Path(id): Path<String>) -> HttpResult<Json<Machine>> {
    Ok(Json(s.app.get_machine(&id).await?))
}

#[utoipa::path(patch, path = "/v1/machines/{machine_id}", tag = "Machines", operation_id = "UpdateMachine",
    request_body = tessera_types::UpdateMachineRequestBody,
    responses((status = 200, description = "The updated machine.", body = Machine)))]
pub async fn update(State(s): St, Path(id): Path<String>, Body(b): Body) -> HttpResult<Json<Machine>> {
    Ok(Json(s.app.update_machine(&id, b).await?))
}

#[utoipa::path(delete, path = "/v1/machines/{machine_id}", tag = "Machines", operation_id = "DeleteMachine",
    responses((status = 200, description = "Deleted, with its scopes and M2M tokens.", body = DeletedObject)))]
pub async fn delete(State(s): St, Path(id): Path<String>) -> HttpResult<Json<DeletedObject>> {
    Ok(Json(s.app.delete_machine(&id).await?))
}

#[utoipa::path(get, path = "/v1/machines/{machine_id}/secret_key", tag = "Machines", operation_id = "GetMachineSecretKey",
    responses((status = 200, description = "The machine's current secret key.", body = MachineSecretKey)))]
pub async fn secret_key(State(s): St, Path(id): Path<String>) -> HttpResult<Json<MachineSecretKey>> {
    Ok(Json(s.app.machine_secret_key(&id).await?))
}

#[utoipa::path(post, path = "/v1/machines/{machine_id}/secret_key/rotate", tag = "Machines",
    operation_id = "RotateMachineSecretKey",
    request_body = tessera_types::RotateMachineSecretKeyRequestBody,
    responses((status = 200, description = "The new secret key; the previous one keeps working for `previous_token_ttl` seconds.", body = MachineSecretKey)))]
pub async fn rotate_secret_key(
    State(s): St,
    Path(id): Path<String>,
    Body(b): Body,
) -> HttpResult<Json<MachineSecretKey>> {
    Ok(Json(s.app.rotate_machine_secret_key(&id, b).await?))
}

#[utoipa::path(post, path = "/v1/machines/{machine_id}/scopes", tag = "Machines", operation_id = "CreateMachineScope",
    request_body = tessera_types::CreateMachineScopeRequestBody,
    responses(
        (status = 200, description = "The machine may now call `to_machine_id`.", body = MachineScope),
        (status = 409, description = "The scope exists already (`conflict`).", body = tessera_types::ClerkErrors),
    ))]
pub async fn create_scope(State(s): St, Path(id): Path<String>, Body(b): Body) -> HttpResult<Json<MachineScope>> {
    Ok(Json(s.app.create_machine_scope(&id, b).await?))
}

#[utoipa::path(delete, path = "/v1/machines/{machine_id}/scopes/{other_machine_id}", tag = "Machines",
    operation_id = "DeleteMachineScope",
    responses((status = 200, description = "The scope was removed.", body = MachineScopeDeleted)))]
pub async fn delete_scope(
    State(s): St,
    Path((id, other)): Path<(String, String)>,
) -> HttpResult<Json<MachineScopeDeleted>> {
    Ok(Json(s.app.delete_machine_scope(&id, &other).await?))
}

// ---- M2M tokens -------------------------------------------------------------------------------------

#[utoipa::path(post, path = "/m2m_tokens", tag = "M2M Tokens", operation_id = "createM2MToken",
    request_body = tessera_types::CreateM2MTokenRequestBody,
    responses(
        (status = 201, description = "The new token; `token` is in this answer only. Also served at `/m2m_tokens` without `/v1`.", body = M2MToken),
        (status = 403, description = "Not authenticated with a machine secret key (`authorization_invalid`).", body = tessera_types::ClerkErrors),
    ))]
pub async fn create_token(State(s): St, m: Machined, Body(b): Body) -> HttpResult<(StatusCode, Json<M2MToken>)> {
    Ok((StatusCode::CREATED, Json(s.app.create_m2m_token(caller(&m), b).await?)))
}

#[utoipa::path(get, path = "/m2m_tokens", tag = "M2M Tokens", operation_id = "getM2MTokens",
    params(tessera_types::M2MTokenListFilter, tessera_types::ListPage),
    responses(
        (status = 200, description = "The machine's opaque tokens, newest first (`m2m_tokens`, `total_count`).", body = M2MTokenList),
        (status = 403, description = "A machine asked for another machine's tokens (`authorization_invalid`).", body = tessera_types::ClerkErrors),
        (status = 404, description = "No such machine (`machine_not_found`).", body = tessera_types::ClerkErrors),
    ))]
pub async fn list_tokens(State(s): St, m: Machined, Query(q): Query) -> HttpResult<Json<M2MTokenList>> {
    Ok(Json(s.app.list_m2m_tokens(caller(&m), &q).await?))
}

#[utoipa::path(post, path = "/m2m_tokens/{m2m_token_id}/revoke", tag = "M2M Tokens", operation_id = "revokeM2MToken",
    request_body = tessera_types::RevokeM2MTokenRequestBody,
    responses((status = 200, description = "The token, revoked (a revoked token answers unchanged).", body = M2MToken)))]
pub async fn revoke_token(
    State(s): St,
    m: Machined,
    Path(id): Path<String>,
    Body(b): Body,
) -> HttpResult<Json<M2MToken>> {
    Ok(Json(s.app.revoke_m2m_token(caller(&m), &id, b).await?))
}

#[utoipa::path(post, path = "/m2m_tokens/verify", tag = "M2M Tokens", operation_id = "verifyM2MToken",
    request_body = tessera_types::VerifyM2MTokenRequestBody,
    responses(
        (status = 200, description = "The token is valid now (and scoped to the calling machine, when a machine calls).", body = M2MToken),
        (status = 404, description = "Unknown, revoked or expired, or not scoped to the calling machine (`resource_not_found`).", body = tessera_types::ClerkErrors),
    ))]
pub async fn verify_token(State(s): St, m: Machined, Body(b): Body) -> HttpResult<Json<M2MToken>> {
    Ok(Json(s.app.verify_m2m_token(caller(&m), b).await?))
}

// ---- API keys ---------------------------------------------------------------------------------------

#[utoipa::path(post, path = "/api_keys", tag = "API Keys", operation_id = "createApiKey",
    request_body = tessera_types::CreateApiKeyRequestBody,
    responses(
        (status = 201, description = "The new key; `secret` is answered here and by `GET /api_keys/{apiKeyID}/secret`.", body = ApiKey),
        (status = 422, description = "A missing or malformed parameter, or no such subject (`form_resource_not_found`).", body = tessera_types::ClerkErrors),
    ))]
pub async fn create_api_key(State(s): St, Body(b): Body) -> HttpResult<(StatusCode, Json<ApiKey>)> {
    Ok((StatusCode::CREATED, Json(s.app.create_api_key(b).await?)))
}

#[utoipa::path(get, path = "/api_keys", tag = "API Keys", operation_id = "getApiKeys",
    params(tessera_types::ApiKeyListFilter, tessera_types::ListPage),
    responses((status = 200, description = "The subject's keys, newest first.", body = Paginated<ApiKey>)))]
pub async fn list_api_keys(State(s): St, Query(q): Query) -> HttpResult<Json<Paginated<ApiKey>>> {
    Ok(Json(s.app.list_api_keys(&q).await?))
}

#[utoipa::path(get, path = "/api_keys/{apiKeyID}", tag = "API Keys", operation_id = "getApiKey",
    responses((status = 200, description = "The key (without its secret).", body = ApiKey)))]
pub async fn get_api_key(State(s): St, Path(id): Path<String>) -> HttpResult<Json<ApiKey>> {
    Ok(Json(s.app.get_api_key(&id).await?))
}

#[utoipa::path(patch, path = "/api_keys/{apiKeyID}", tag = "API Keys", operation_id = "updateApiKey",
    request_body = tessera_types::UpdateApiKeyRequestBody,
    responses((status = 200, description = "The updated key.", body = ApiKey)))]
pub async fn update_api_key(State(s): St, Path(id): Path<String>, Body(b): Body) -> HttpResult<Json<ApiKey>> {
    Ok(Json(s.app.update_api_key(&id, b).await?))
}

#[utoipa::path(delete, path = "/api_keys/{apiKeyID}", tag = "API Keys", operation_id = "deleteApiKey",
    responses((status = 200, description = "Deleted.", body = DeletedObject)))]
pub async fn delete_api_key(State(s): St, Path(id): Path<String>) -> HttpResult<Json<DeletedObject>> {
    Ok(Json(s.app.delete_api_key(&id).await?))
}

#[utoipa::path(get, path = "/api_keys/{apiKeyID}/secret", tag = "API Keys", operation_id = "getApiKeySecret",
    responses((status = 200, description = "The key's secret (Clerk's reveal route).", body = ApiKeySecret)))]
pub async fn api_key_secret(State(s): St, Path(id): Path<String>) -> HttpResult<Json<ApiKeySecret>> {
    Ok(Json(s.app.api_key_secret(&id).await?))
}

#[utoipa::path(post, path = "/api_keys/{apiKeyID}/revoke", tag = "API Keys", operation_id = "revokeApiKey",
    request_body = tessera_types::RevokeApiKeyRequestBody,
    responses((status = 200, description = "The key, revoked (a revoked key answers unchanged).", body = ApiKey)))]
pub async fn revoke_api_key(State(s): St, Path(id): Path<String>, Body(b): Body) -> HttpResult<Json<ApiKey>> {
    Ok(Json(s.app.revoke_api_key(&id, b).await?))
}

#[utoipa::path(post, path = "/api_keys/verify", tag = "API Keys", operation_id = "verifyApiKey",
    request_body = tessera_types::VerifyApiKeyRequestBody,
    responses(
        (status = 200, description = "The key is valid now.", body = ApiKey),
        (status = 404, description = "Unknown, revoked or expired (`resource_not_found`).", body = tessera_types::ClerkErrors),
    ))]
pub async fn verify_api_key(State(s): St, Body(b): Body) -> HttpResult<Json<ApiKey>> {
    Ok(Json(s.app.verify_api_key(b).await?))
}
