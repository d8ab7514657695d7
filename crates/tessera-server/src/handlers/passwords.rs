//! `POST /users/{user_id}/verify_password` and `POST /users/{user_id}/remove_password` (setting a
//! password is `POST /users` and `PATCH /users/{user_id}`). The password never reaches a log line:
//! it travels inside `Fields` to the core, which hashes it on the CPU pool.

use axum::Json;
use axum::extract::{Path, State};
use tessera_types::{User, VerifyPasswordResponse};

use super::St;
use crate::body::Body;
use crate::error::HttpResult;

#[utoipa::path(post, path = "/v1/users/{user_id}/verify_password", tag = "Users", operation_id = "VerifyPassword",
    request_body = tessera_types::VerifyPasswordRequestBody,
    responses(
        (status = 200, description = "The password is the user's. A wrong one is 422 `incorrect_password`; a user without a password is 400 `no_password_set`.", body = VerifyPasswordResponse),
    ))]
pub async fn verify_password(
    State(s): St,
    Path(id): Path<String>,
    Body(b): Body,
) -> HttpResult<Json<VerifyPasswordResponse>> {
    Ok(Json(s.app.verify_password(&id, b).await?))
}

#[utoipa::path(post, path = "/v1/users/{user_id}/remove_password", tag = "Users", operation_id = "RemoveUserPassword",
    request_body = tessera_types::RemoveUserPasswordRequestBody,
    responses((status = 200, description = "The user, without a password (unchanged if they had none); with `sign_out_of_other_sessions`, their live sessions are revoked.", body = User)))]
pub async fn remove_password(State(s): St, Path(id): Path<String>, Body(b): Body) -> HttpResult<Json<User>> {
    Ok(Json(s.app.remove_password(&id, b).await?))
}
