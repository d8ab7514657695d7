use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use tessera_types::{ClerkErrors, DeletedObject, JwtTemplate, ListPage, ListShape};

use super::{St, listing};
use crate::body::{Body, Query};
use crate::error::HttpResult;
use crate::openapi::JwtTemplateList;

#[utoipa::path(post, path = "/v1/jwt_templates", tag = "JWT Templates",
    operation_id = "CreateJWTTemplate",
    request_body = tessera_types::CreateJwtTemplateRequestBody,
    responses((status = 200, description = "The new template (the signing key is write-only).", body = JwtTemplate)))]
pub async fn create(State(s): St, Body(b): Body) -> HttpResult<Json<JwtTemplate>> {
    Ok(Json(s.app.create_template(b).await?))
}

#[utoipa::path(get, path = "/v1/jwt_templates", tag = "JWT Templates",
    operation_id = "ListJWTTemplates",
    params(ListShape, ListPage),
    responses((status = 200, description = "Templates: a bare array, or `{data, total_count}` with `paginated=true`.", body = JwtTemplateList)))]
pub async fn list(State(s): St, Query(q): Query) -> HttpResult<Response> {
    Ok(listing(s.app.list_templates(&q).await?))
}

#[utoipa::path(get, path = "/v1/jwt_templates/{template_id}", tag = "JWT Templates",
    operation_id = "GetJWTTemplate",
    responses((status = 200, description = "The template.", body = JwtTemplate)))]
pub async fn get(State(s): St, Path(id): Path<String>) -> HttpResult<Json<JwtTemplate>> {
    Ok(Json(s.app.get_template(&id).await?))
}

#[utoipa::path(patch, path = "/v1/jwt_templates/{template_id}", tag = "JWT Templates",
    operation_id = "UpdateJWTTemplate",
    request_body = tessera_types::CreateJwtTemplateRequestBody,
    responses((status = 200, description = "The updated template. `name` and `claims` are required; omitted settings keep their stored values.", body = JwtTemplate)))]
pub async fn update(State(s): St, Path(id): Path<String>, Body(b): Body) -> HttpResult<Json<JwtTemplate>> {
    Ok(Json(s.app.update_template(&id, b).await?))
}

#[utoipa::path(delete, path = "/v1/jwt_templates/{template_id}", tag = "JWT Templates",
    operation_id = "DeleteJWTTemplate",
    responses((status = 200, description = "The template was deleted.", body = DeletedObject)))]
pub async fn delete(State(s): St, Path(id): Path<String>) -> HttpResult<Json<DeletedObject>> {
    Ok(Json(s.app.delete_template(&id).await?))
}

#[utoipa::path(post, path = "/v1/tessera/jwt_templates/{template_id}/rotate_key", tag = "Tessera",
    operation_id = "RotateJWTTemplateKey",
    params(("template_id" = String, Path, description = "The template's id.")),
    request_body = tessera_types::RotateJwtTemplateKeyRequestBody,
    responses(
        (status = 200, description = "The template's new custom key, which signs its next token (on every node within the change feed's staleness bound). The key it replaced, if asymmetric, stays in the JWKS until `previous_unpublish_at`: the longest token it signed has expired, plus the JWKS max-age and key reload interval. An HMAC secret Tessera generated is in `signing_key`, in this answer only.", body = tessera_types::JwtTemplateKey),
        (status = 400, description = "The template is signed by the instance key (`jwt_template_custom_signing_key_required`), or a malformed request.", body = ClerkErrors),
        (status = 404, description = "No template has this id (`resource_not_found`).", body = ClerkErrors),
        (status = 409, description = "The template kept changing while the key was rotated (`conflict`); nothing was changed.", body = ClerkErrors),
        (status = 422, description = "`signing_key` is not a valid key for the algorithm, or is the current key; an unknown `signing_algorithm`; or an unknown key (`form_param_*`). Nothing was changed.", body = ClerkErrors),
    ))]
pub async fn rotate_key(
    State(s): St,
    Path(id): Path<String>,
    Body(b): Body,
) -> HttpResult<Json<tessera_types::JwtTemplateKey>> {
    Ok(Json(s.app.rotate_template_key(&id, b).await?))
}
