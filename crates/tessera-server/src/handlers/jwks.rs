use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::St;
use crate::error::HttpResult;

/// `GET /v1/jwks` (authenticated) and `GET /.well-known/jwks.json` (public).
pub async fn jwks(State(s): St) -> HttpResult<Response> {
    let keys = s.app.jwks().await?;
    let mut resp = Json(keys).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("public, max-age={}", s.jwks_max_age_secs)) {
        resp.headers_mut().insert(header::CACHE_CONTROL, v);
    }
    Ok(resp)
}

/// Enough of OpenID discovery for consumers that find keys through it (Supabase, Convex).
pub async fn openid_configuration(State(s): St) -> Response {
    let issuer = s.app.issuer().trim_end_matches('/').to_owned();
    let mut resp = Json(json!({
        "issuer": issuer,
        "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public"],
        "claims_supported": ["sub", "iss", "iat", "exp", "nbf", "sid", "jti", "aud"],
    }))
    .into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("public, max-age={}", s.jwks_max_age_secs)) {
        resp.headers_mut().insert(header::CACHE_CONTROL, v);
    }
    resp
}
