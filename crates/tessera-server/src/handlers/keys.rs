//! Instance key lifecycle over HTTP (`/v1/tessera/keys…`, tag `Tessera`): list, rotate, retire.
//! The rules (staged publication, when keys leave the JWKS) are in `tessera-core`'s `keyring.rs`.

use axum::Json;
use axum::extract::{Path, State};
use tessera_types::{ClerkErrors, InstanceKey, InstanceKeyList};

use super::St;
use crate::body::Body;
use crate::error::HttpResult;

#[utoipa::path(get, path = "/v1/tessera/keys", tag = "Tessera", operation_id = "ListInstanceKeys",
    responses((status = 200, description = "Every instance key, oldest first, with its status (`staged`, `signing`, `superseded`, `retired`) and whether it is in the JWKS. No key material.", body = InstanceKeyList)))]
pub async fn list(State(s): St) -> HttpResult<Json<InstanceKeyList>> {
    Ok(Json(s.app.list_instance_keys().await?))
}

#[utoipa::path(post, path = "/v1/tessera/keys/rotate", tag = "Tessera", operation_id = "RotateInstanceKey",
    request_body = tessera_types::RotateInstanceKeyRequestBody,
    responses(
        (status = 200, description = "The new RS256 key: in the JWKS at once, signing after `activate_in_seconds` (default: the JWKS max-age plus the key reload interval). Every node signs with it within about a second of that.", body = InstanceKey),
        (status = 422, description = "`activate_in_seconds` is not an integer from 0 to 2,592,000, or an unknown key (`form_param_*`).", body = ClerkErrors),
    ))]
pub async fn rotate(State(s): St, Body(b): Body) -> HttpResult<Json<InstanceKey>> {
    Ok(Json(s.app.rotate_instance_key(b).await?))
}

#[utoipa::path(post, path = "/v1/tessera/keys/{kid}/retire", tag = "Tessera", operation_id = "RetireInstanceKey",
    params(("kid" = String, Path, description = "The key's `kid`.")),
    responses(
        (status = 200, description = "The key, retired: it no longer signs, and stays in the JWKS until `unpublish_at` (its longest token's lifetime plus the JWKS max-age after now).", body = InstanceKey),
        (status = 400, description = "The key is already retired (`signing_key_already_retired`), or no other key could sign (`last_instance_key`).", body = ClerkErrors),
        (status = 404, description = "No key has this `kid`.", body = ClerkErrors),
    ))]
pub async fn retire(State(s): St, Path(kid): Path<String>) -> HttpResult<Json<InstanceKey>> {
    Ok(Json(s.app.retire_signing_key(&kid).await?.to_wire()))
}
