//! Tessera's own routes, under `/v1/tessera/…` (design §2b): extensions Clerk's Backend API does not
//! have, tagged `Tessera` in the OpenAPI document.

use axum::Json;
use axum::extract::State;
use tessera_types::{ClerkErrors, DeletedObject, SessionClaims};

use super::St;
use crate::body::Body;
use crate::error::HttpResult;

#[utoipa::path(get, path = "/v1/tessera/session_claims", tag = "Tessera", operation_id = "GetSessionClaims",
    responses((status = 200, description = "The instance's custom session claims: `{}` with null timestamps when none are set, and advice about their size in `warnings`.", body = SessionClaims)))]
pub async fn get_session_claims(State(s): St) -> HttpResult<Json<SessionClaims>> {
    Ok(Json(s.app.get_session_claims().await?))
}

#[utoipa::path(put, path = "/v1/tessera/session_claims", tag = "Tessera", operation_id = "UpdateSessionClaims",
    request_body = tessera_types::UpdateSessionClaimsRequestBody,
    responses(
        (status = 200, description = "The stored claims, rendered into every session token from the next mint on, on every node. Claims over the 1,200 bytes Clerk recommends are stored with a warning.", body = SessionClaims),
        (status = 400, description = "A claim the session token sets itself (`jwt_template_reserved_claim`), or a malformed request.", body = ClerkErrors),
        (status = 422, description = "`claims` is missing or not an object, has a shortcode syntax error (`form_param_value_invalid`, `meta.claim_path`), or is larger than a session token may be (`form_param_exceeds_allowed_size`); or an unknown key.", body = ClerkErrors),
    ))]
pub async fn put_session_claims(State(s): St, Body(b): Body) -> HttpResult<Json<SessionClaims>> {
    Ok(Json(s.app.set_session_claims(b).await?))
}

#[utoipa::path(delete, path = "/v1/tessera/session_claims", tag = "Tessera", operation_id = "DeleteSessionClaims",
    responses((status = 200, description = "Session tokens carry only the default claims again (the same answer when none were set).", body = DeletedObject)))]
pub async fn delete_session_claims(State(s): St) -> HttpResult<Json<DeletedObject>> {
    Ok(Json(s.app.clear_session_claims().await?))
}

// ---- console: JWT template preview (begin) ----

#[utoipa::path(post, path = "/v1/tessera/jwt_templates/preview", tag = "Tessera", operation_id = "PreviewJWTTemplate",
    request_body = tessera_types::PreviewJwtTemplateRequestBody,
    responses(
        (status = 200, description = "The header and claims the template's token would have for the user or session, its size in bytes once signed, and lint findings (size, claims rendering to null, the requirements of Hasura, Supabase and Convex). Nothing is signed or stored.", body = tessera_types::JwtTemplatePreview),
        (status = 400, description = "A reserved claim in `claims` (`jwt_template_reserved_claim`), or a malformed request.", body = ClerkErrors),
        (status = 404, description = "The template, user, session or organization does not exist.", body = ClerkErrors),
        (status = 422, description = "Neither or both of `template` and `claims`, neither or both of `user_id` and `session_id`, settings given with a stored template, a shortcode syntax error, an unknown consumer or algorithm, or a user who is not a member of `organization_id`.", body = ClerkErrors),
    ))]
pub async fn preview_template(State(s): St, Body(b): Body) -> HttpResult<Json<tessera_types::JwtTemplatePreview>> {
    Ok(Json(s.app.preview_template(b).await?))
}

// ---- console: JWT template preview (end) ----
