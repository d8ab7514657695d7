//! Tessera's own objects: what the extensions under `/v1/tessera/…` answer and accept. Clerk has no
//! such routes; these shapes follow Clerk's conventions (`object`, epoch-millisecond timestamps).

use serde::{Deserialize, Serialize};

use crate::JsonObject;

/// `{"object":"session_claims", ...}`: the instance's custom session-token claims (Clerk's "Customize
/// session token"), a claims template rendered into every session token next to the default claims.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionClaims {
    /// Always `"session_claims"`.
    pub object: String,
    /// The claims template, with `{{shortcodes}}`; `{}` when none is set.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub claims: JsonObject,
    /// Size of `claims` as compact JSON, in bytes (Clerk recommends at most 1,200).
    pub size_bytes: u64,
    /// Advice about the claims (e.g. over the recommended size); empty when there is none.
    pub warnings: Vec<SessionClaimsWarning>,
    /// When claims were first set (epoch ms); `null` when none are set.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub created_at: Option<i64>,
    /// When the claims last changed (epoch ms); `null` when none are set.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub updated_at: Option<i64>,
}

/// One piece of advice about stored session claims: not an error, the claims were stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionClaimsWarning {
    /// Machine-readable, e.g. `session_claims_over_recommended_size`.
    pub code: String,
    /// What is wrong and what it risks, for a person.
    pub message: String,
}

/// Body of `PUT /v1/tessera/session_claims`: the whole claims template (it replaces the stored one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateSessionClaimsRequestBody {
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub claims: JsonObject,
}
