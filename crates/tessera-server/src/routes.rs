//! The route table, in one place. Every `/v1` route is behind secret-key auth (checked before
//! routing, as Clerk does, so unknown paths without a key also answer 401).

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{get, patch, post};

use crate::handlers::{jwks, orgs, sessions, templates, users};
use crate::state::AppState;
use crate::{auth, handlers};

pub fn router(state: Arc<AppState>) -> Router {
    let v1 = Router::new()
        .route("/users", post(users::create).get(users::list))
        .route("/users/count", get(users::count))
        .route(
            "/users/{user_id}",
            get(users::get).patch(users::update).delete(users::delete),
        )
        .route(
            "/users/{user_id}/metadata",
            patch(users::merge_metadata).put(users::replace_metadata),
        )
        .route("/users/{user_id}/ban", post(users::ban))
        .route("/users/{user_id}/unban", post(users::unban))
        .route(
            "/users/{user_id}/organization_memberships",
            get(users::memberships),
        )
        .route("/sessions", post(sessions::create).get(sessions::list))
        .route("/sessions/{session_id}", get(sessions::get))
        .route("/sessions/{session_id}/revoke", post(sessions::revoke))
        .route(
            "/sessions/{session_id}/tokens",
            post(sessions::session_token),
        )
        .route(
            "/sessions/{session_id}/tokens/{template_name}",
            post(sessions::template_token),
        )
        .route("/organizations", post(orgs::create).get(orgs::list))
        .route(
            "/organizations/{org_id}",
            get(orgs::get).patch(orgs::update).delete(orgs::delete),
        )
        .route(
            "/organizations/{org_id}/metadata",
            patch(orgs::merge_metadata),
        )
        .route(
            "/organizations/{org_id}/memberships",
            post(orgs::create_membership).get(orgs::list_memberships),
        )
        .route(
            "/organizations/{org_id}/memberships/{user_id}",
            patch(orgs::update_membership).delete(orgs::delete_membership),
        )
        .route(
            "/organizations/{org_id}/memberships/{user_id}/metadata",
            patch(orgs::merge_membership_metadata),
        )
        .route(
            "/jwt_templates",
            post(templates::create).get(templates::list),
        )
        .route(
            "/jwt_templates/{template_id}",
            get(templates::get)
                .patch(templates::update)
                .delete(templates::delete),
        )
        .route("/jwks", get(jwks::jwks))
        .fallback(handlers::not_found)
        .method_not_allowed_fallback(handlers::method_not_allowed)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::require_secret_key,
        ));

    let well_known = Router::new()
        .route("/.well-known/jwks.json", get(jwks::jwks))
        .route("/.well-known/openid-configuration", get(jwks::openid_configuration))
        .layer(middleware::from_fn_with_state(state.clone(), auth::limit_well_known));

    Router::new()
        .nest("/v1", v1)
        .merge(well_known)
        .route("/healthz", get(handlers::healthz))
        .fallback(handlers::not_found)
        .layer(DefaultBodyLimit::max(state.max_body_bytes))
        .with_state(state)
}
