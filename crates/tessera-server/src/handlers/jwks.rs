use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tessera_types::Jwks;

use super::St;
use crate::error::HttpResult;

/// `GET /v1/jwks` (authenticated).
#[utoipa::path(get, path = "/v1/jwks", tag = "JWKS", operation_id = "GetJWKS",
    responses((status = 200, description = "The public keys tokens are signed with.", body = Jwks)))]
pub async fn jwks(State(s): St) -> HttpResult<Response> {
    let keys = s.app.jwks().await?;
    let mut resp = Json(keys).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("public, max-age={}", s.jwks_max_age_secs)) {
        resp.headers_mut().insert(header::CACHE_CONTROL, v);
    }
    Ok(resp)
}

/// `GET /.well-known/jwks.json` (public): the same key set as `GET /v1/jwks`.
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "JWKS",
    operation_id = "GetWellKnownJWKS",
    responses((status = 200, description = "The public keys tokens are signed with.", body = Jwks)))]
pub async fn well_known_jwks(state: St) -> HttpResult<Response> {
    jwks(state).await
}

/// Enough of OpenID discovery for consumers that find keys through it (Supabase, Convex).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OpenIdConfiguration {
    pub issuer: String,
    pub jwks_uri: String,
    /// Every algorithm a published key signs with (instance keys and custom template keys).
    pub id_token_signing_alg_values_supported: Vec<String>,
    pub response_types_supported: Vec<&'static str>,
    pub subject_types_supported: Vec<&'static str>,
    pub claims_supported: Vec<&'static str>,
}

#[utoipa::path(get, path = "/.well-known/openid-configuration", tag = "JWKS",
    operation_id = "GetOpenIdConfiguration",
    responses((status = 200, description = "OpenID discovery: the issuer and where its keys are.", body = OpenIdConfiguration)))]
pub async fn openid_configuration(State(s): St) -> HttpResult<Response> {
    let issuer = s.app.issuer().trim_end_matches('/').to_owned();
    let mut resp = Json(OpenIdConfiguration {
        jwks_uri: format!("{issuer}/.well-known/jwks.json"),
        issuer,
        id_token_signing_alg_values_supported: s.app.algorithms_in_use().await?,
        response_types_supported: vec!["id_token"],
        subject_types_supported: vec!["public"],
        claims_supported: vec!["sub", "iss", "iat", "exp", "nbf", "sid", "jti", "aud"],
    })
    .into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("public, max-age={}", s.jwks_max_age_secs)) {
        resp.headers_mut().insert(header::CACHE_CONTROL, v);
    }
    Ok(resp)
}
