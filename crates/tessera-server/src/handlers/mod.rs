//! Thin handlers: extract → call the core → convert. No SQL, no crypto here.

pub mod actor_tokens;
pub mod contacts;
pub mod invitations;
pub mod jwks;
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
    responses(
        (status = 200, description = "The server and its store answer.", body = Health),
        (status = 503, description = "The store is not reachable (`service_unavailable`).", body = tessera_types::ClerkErrors),
    ))]
pub async fn healthz(State(state): St) -> Response {
    match state.app.store().ping().await {
        Ok(()) => Json(Health { status: "ok" }).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: store unreachable");
            error_response(ApiError::new(
                ErrorKind::Unavailable,
                "service_unavailable",
                "Service unavailable",
                "The store is not reachable.",
            ))
        }
    }
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
