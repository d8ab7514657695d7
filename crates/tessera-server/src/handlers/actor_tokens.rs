//! Actor tokens (impersonation): Clerk's `POST /actor_tokens` and `POST /actor_tokens/{id}/revoke`,
//! and Tessera's redeem route (`POST /v1/tessera/actor_tokens/{id}/redeem`, tag `Tessera`), which
//! stands in for Clerk's Frontend API sign-in ticket.

use axum::Json;
use axum::extract::{Path, State};
use tessera_types::{ActorToken, ClerkErrors, Session};

use super::St;
use crate::body::Body;
use crate::error::HttpResult;

#[utoipa::path(post, path = "/v1/actor_tokens", tag = "Actor Tokens", operation_id = "CreateActorToken",
    request_body = tessera_types::CreateActorTokenRequestBody,
    responses(
        (status = 200, description = "A pending actor token. `token` is in this answer only: the server keeps only its hash.", body = ActorToken),
        (status = 422, description = "A missing, malformed or too large parameter (`form_param_*`; `actor` needs a string `sub`), or no user with `user_id` (`form_resource_not_found`).", body = ClerkErrors),
    ))]
pub async fn create(State(s): St, Body(b): Body) -> HttpResult<Json<ActorToken>> {
    Ok(Json(s.app.create_actor_token(b).await?))
}

#[utoipa::path(post, path = "/v1/actor_tokens/{actor_token_id}/revoke", tag = "Actor Tokens",
    operation_id = "RevokeActorToken",
    responses(
        (status = 200, description = "The token, revoked. A pending token can no longer be redeemed; revoking an accepted token also revokes the session it made.", body = ActorToken),
        (status = 400, description = "The token is already revoked (`actor_token_cannot_be_revoked_code`), or a malformed request.", body = ClerkErrors),
    ))]
pub async fn revoke(State(s): St, Path(id): Path<String>) -> HttpResult<Json<ActorToken>> {
    Ok(Json(s.app.revoke_actor_token(&id).await?))
}

#[utoipa::path(post, path = "/v1/tessera/actor_tokens/{actor_token_id}/redeem", tag = "Tessera",
    operation_id = "RedeemActorToken",
    request_body = tessera_types::RedeemActorTokenRequestBody,
    responses(
        (status = 200, description = "A new active session for the token's user whose `actor` is the token's actor (its session tokens carry `act`), lasting at most the token's `session_max_duration_in_seconds`; the token is now `accepted`.", body = Session),
        (status = 400, description = "The token does not match (`ticket_invalid_code`), has expired (`ticket_expired_code`), was revoked (`actor_token_revoked_code`) or already used (`actor_token_already_used_code`); or a malformed request.", body = ClerkErrors),
        (status = 403, description = "The user is banned (`user_banned`) or locked (`user_locked`).", body = ClerkErrors),
        (status = 404, description = "No such actor token (`resource_not_found`), or its user no longer exists (`actor_token_subject_not_found`).", body = ClerkErrors),
    ))]
pub async fn redeem(State(s): St, Path(id): Path<String>, Body(b): Body) -> HttpResult<Json<Session>> {
    Ok(Json(s.app.redeem_actor_token(&id, b).await?))
}
