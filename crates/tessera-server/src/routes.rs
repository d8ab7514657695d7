//! The route table, in one place. Every `/v1` route is behind secret-key auth (checked before
//! routing, as Clerk does, so unknown paths without a key also answer 401).
//!
//! Handlers are registered through utoipa-axum's `routes!`, which takes each handler's
//! `#[utoipa::path]` entry (method, path, body and response types) into the OpenAPI document as it
//! adds the route, so the router and `GET /v1/openapi.json` cannot drift apart (see `openapi.rs`).

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::middleware;
use axum::routing::any;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::handlers::{
    actor_tokens, contacts, invitations, jwks, keys, machines, orgs, passwords, roles, sessions, templates, tessera,
    users, webhooks,
};
use crate::state::AppState;
use crate::{auth, handlers, metrics, openapi};

type Routes = OpenApiRouter<Arc<AppState>>;

/// The routes that catch unknown paths under `/v1` (metrics label them `unmatched`).
pub(crate) const V1_UNKNOWN: [&str; 2] = ["/v1", "/v1/{*path}"];

/// The routes, grouped by the layers they get.
pub(crate) struct Table {
    /// `/v1/…` (full paths: a route nested under a prefix pays for a rewritten URI on every
    /// request), behind secret-key auth.
    pub v1: Routes,
    /// `/.well-known/*`, public, limited per client address.
    pub well_known: Routes,
    /// Public: health and the OpenAPI document.
    pub public: Routes,
    /// The M2M token and API key routes again at the root (`/m2m_tokens…`, `/api_keys…`), where
    /// @clerk/backend calls them (without `/v1`); behind the same auth as `/v1`, and documented
    /// once, under `/v1`.
    pub unversioned: Routes,
}

/// The routes @clerk/backend calls without `/v1`: M2M tokens (a machine's secret key or an instance
/// key) and API keys.
fn unversioned_routes() -> Routes {
    OpenApiRouter::default()
        .routes(routes!(machines::create_token, machines::list_tokens))
        .routes(routes!(machines::revoke_token))
        .routes(routes!(machines::verify_token))
        .routes(routes!(machines::create_api_key, machines::list_api_keys))
        .routes(routes!(machines::get_api_key, machines::update_api_key, machines::delete_api_key))
        .routes(routes!(machines::api_key_secret))
        .routes(routes!(machines::revoke_api_key))
        .routes(routes!(machines::verify_api_key))
}

pub(crate) fn table() -> Table {
    let v1 = OpenApiRouter::default()
        .routes(routes!(users::create, users::list))
        .routes(routes!(users::count))
        .routes(routes!(users::get, users::update, users::delete))
        .routes(routes!(users::merge_metadata, users::replace_metadata))
        .routes(routes!(users::ban))
        .routes(routes!(users::unban))
        .routes(routes!(users::lock))
        .routes(routes!(users::unlock))
        .routes(routes!(users::memberships))
        .routes(routes!(contacts::create_email_address))
        .routes(routes!(contacts::get_email_address, contacts::update_email_address, contacts::delete_email_address))
        .routes(routes!(contacts::create_phone_number))
        .routes(routes!(contacts::get_phone_number, contacts::update_phone_number, contacts::delete_phone_number))
        .routes(routes!(passwords::verify_password))
        .routes(routes!(passwords::remove_password))
        .routes(routes!(sessions::create, sessions::list))
        .routes(routes!(sessions::get))
        .routes(routes!(sessions::revoke))
        .routes(routes!(sessions::session_token))
        .routes(routes!(sessions::template_token))
        .routes(routes!(orgs::create, orgs::list))
        .routes(routes!(orgs::get, orgs::update, orgs::delete))
        .routes(routes!(orgs::merge_metadata))
        .routes(routes!(orgs::create_membership, orgs::list_memberships))
        .routes(routes!(orgs::list_instance_memberships))
        .routes(routes!(orgs::update_membership, orgs::delete_membership))
        .routes(routes!(orgs::merge_membership_metadata))
        .routes(routes!(roles::create_permission, roles::list_permissions))
        .routes(routes!(roles::get_permission, roles::update_permission, roles::delete_permission))
        .routes(routes!(roles::create_role, roles::list_roles))
        .routes(routes!(roles::get_role, roles::update_role, roles::delete_role))
        .routes(routes!(roles::assign_permission, roles::remove_permission))
        .routes(routes!(roles::create_role_set, roles::list_role_sets))
        .routes(routes!(roles::get_role_set, roles::update_role_set))
        .routes(routes!(roles::replace_role_set))
        .routes(routes!(roles::add_roles))
        .routes(routes!(roles::replace_role))
        .routes(routes!(invitations::create, invitations::list))
        .routes(routes!(invitations::bulk))
        .routes(routes!(invitations::revoke))
        .routes(routes!(invitations::create_org, invitations::list_org))
        .routes(routes!(invitations::bulk_org))
        .routes(routes!(invitations::list_pending))
        .routes(routes!(invitations::get_org))
        .routes(routes!(invitations::revoke_org))
        .routes(routes!(invitations::list_instance))
        .routes(routes!(invitations::list_user))
        .routes(routes!(templates::create, templates::list))
        .routes(routes!(templates::get, templates::update, templates::delete))
        .routes(routes!(templates::rotate_key))
        .routes(routes!(jwks::jwks))
        .routes(routes!(tessera::get_session_claims, tessera::put_session_claims, tessera::delete_session_claims))
        .routes(routes!(actor_tokens::create))
        .routes(routes!(actor_tokens::revoke))
        .routes(routes!(actor_tokens::redeem))
        .routes(routes!(invitations::accept_org))
        .routes(routes!(webhooks::create_endpoint, webhooks::list_endpoints))
        .routes(routes!(webhooks::get_endpoint, webhooks::update_endpoint, webhooks::delete_endpoint))
        .routes(routes!(webhooks::rotate_secret))
        .routes(routes!(webhooks::replay_endpoint))
        .routes(routes!(webhooks::list_messages))
        .routes(routes!(webhooks::get_message))
        .routes(routes!(webhooks::list_attempts))
        .routes(routes!(webhooks::replay_message))
        // console: JWT template preview
        .routes(routes!(tessera::preview_template))
        // ---- ops: instance key lifecycle ----
        .routes(routes!(keys::list))
        .routes(routes!(keys::rotate))
        .routes(routes!(keys::retire))
        // ---- machines begin ----
        .routes(routes!(machines::create, machines::list))
        .routes(routes!(machines::get, machines::update, machines::delete))
        .routes(routes!(machines::secret_key))
        .routes(routes!(machines::rotate_secret_key))
        .routes(routes!(machines::create_scope))
        .routes(routes!(machines::delete_scope))
        .nest("/v1", unversioned_routes());
    // ---- machines end ----
    let well_known =
        OpenApiRouter::default().routes(routes!(jwks::well_known_jwks)).routes(routes!(jwks::openid_configuration));
    let public = OpenApiRouter::default()
        .routes(routes!(handlers::healthz))
        .routes(routes!(handlers::readyz))
        .routes(routes!(metrics::serve))
        .routes(routes!(openapi::serve));
    Table { v1, well_known, public, unversioned: unversioned_routes() }
}

pub fn router(state: Arc<AppState>) -> Router {
    let Table { v1, well_known, public, unversioned } = table();
    // Each group gets one layer that also counts and times its requests (every layer costs every
    // request: a mint passes exactly one of ours).
    let tracked = || middleware::from_fn_with_state(state.clone(), metrics::track);
    // Unknown paths under `/v1` answer 404 behind the same auth (401 without a key, as Clerk's).
    let v1 = Router::from(v1)
        .route(V1_UNKNOWN[0], any(handlers::not_found))
        .route(V1_UNKNOWN[1], any(handlers::not_found))
        .method_not_allowed_fallback(handlers::method_not_allowed)
        .layer(auth::SecretKeyLayer(state.clone()));
    let unversioned = Router::from(unversioned).layer(auth::SecretKeyLayer(state.clone()));
    let well_known =
        Router::from(well_known).layer(middleware::from_fn_with_state(state.clone(), auth::limit_well_known));

    let mut root = Router::new();
    if state.console.is_some() {
        root = root.nest("/console", crate::console::router(state.clone()).layer(tracked()));
    }
    root.merge(v1)
        .merge(well_known)
        .merge(unversioned)
        .merge(Router::from(public).layer(tracked()))
        .fallback(handlers::not_found.layer(tracked()))
        .layer(DefaultBodyLimit::max(state.max_body_bytes))
        .with_state(state)
}
