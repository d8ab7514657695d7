//! Thin handlers: extract → call the core → convert. No SQL, no crypto here.

pub mod actor_tokens;
pub mod contacts;
pub mod invitations;
pub mod jwks;
pub mod keys;
pub mod machines;
pub mod orgs;
pub mod passwords;
pub mod roles;
pub mod sessions;
pub mod templates;
pub mod tessera;
pub mod users;
pub mod webhooks;

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use tessera_core::sessions::Listing;
use tessera_core::{ApiError, ErrorKind};

use crate::error::{HttpError, error_response};
use crate::state::AppState;

pub type St = State<Arc<AppState>>;

/// `{"status":"ok"}`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Health {
    pub status: &'static str,
}

#[utoipa::path(get, path = "/healthz", tag = "Meta", operation_id = "Healthz",
    responses((status = 200, description = "The process answers HTTP. Touches nothing else (readiness is `/readyz`).", body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

#[utoipa::path(get, path = "/readyz", tag = "Meta", operation_id = "Readyz",
    responses(
        (status = 200, description = "Ready to serve: the database answers (and every other readiness check, such as a live change feed, passes).", body = Health),
        (status = 503, description = "Not ready (`service_unavailable`): the database is not reachable, or another check failed.", body = tessera_types::ClerkErrors),
    ))]
pub async fn readyz(State(state): St) -> Response {
    let unavailable = |why: &str| {
        error_response(ApiError::new(ErrorKind::Unavailable, "service_unavailable", "Service unavailable", why))
    };
    if let Err(e) = state.app.store().ping().await {
        tracing::error!(error = %e, "readiness: store unreachable");
        return unavailable("The store is not reachable.");
    }
    for (name, check) in &state.ready_checks {
        if let Err(why) = check(&state.app) {
            tracing::warn!(check = name, reason = %why, "readiness check failed");
            return unavailable(&format!("Not ready: {name}."));
        }
    }
    Json(Health { status: "ok" }).into_response()
}

pub async fn not_found() -> HttpError {
    HttpError(ApiError::not_found("not found", "The requested resource was not found."))
}

pub async fn method_not_allowed() -> HttpError {
    HttpError(ApiError::new(
        ErrorKind::NotFound,
        "resource_not_found",
        "not found",
        "The requested resource does not support this method.",
    ))
}

/// A list answered either as `{data,total_count}` or a bare array.
pub fn listing<T: serde::Serialize>(l: Listing<T>) -> Response {
    match l {
        Listing::Page(p) => Json(p).into_response(),
        Listing::Bare(v) => Json(v).into_response(),
    }
}
