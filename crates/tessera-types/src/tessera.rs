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

/// `{"object":"instance_key", ...}`: an instance signing key (`/v1/tessera/keys`). Never carries key
/// material; the public key is in the JWKS under `kid` while `published` is true.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InstanceKey {
    /// Always `"instance_key"`.
    pub object: String,
    pub kid: String,
    /// `RS256` for keys Tessera generates.
    pub alg: String,
    /// `staged` (published, not signing yet), `signing`, `superseded` (a newer key signs) or `retired`.
    pub status: String,
    /// It signs instance tokens now.
    pub signing: bool,
    /// It is in the JWKS.
    pub published: bool,
    /// Epoch ms.
    pub created_at: i64,
    /// When it starts (or started) signing, epoch ms.
    pub sign_after: i64,
    /// When it was retired, epoch ms; `null` while active.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub retired_at: Option<i64>,
    /// When it leaves (or left) the JWKS, epoch ms: the end of its signing plus the longest lifetime
    /// of a token it signed plus the JWKS max-age and key reload interval; `null` while it may sign.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub unpublish_at: Option<i64>,
    /// The longest lifetime of a token it signed, seconds; `null` when it never signed.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub max_token_lifetime: Option<i64>,
}

/// `GET /v1/tessera/keys`: every instance key, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InstanceKeyList {
    pub data: Vec<InstanceKey>,
    pub total_count: i64,
}

/// Body of `POST /v1/tessera/keys/rotate` (optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RotateInstanceKeyRequestBody {
    /// Seconds until the new key signs. Default: the JWKS max-age plus the key reload interval, so
    /// every verifier's cached JWKS has learned the key first. 0 signs at once: only for verifiers
    /// that fetch the JWKS again on an unknown `kid` (as @clerk/backend does).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activate_in_seconds: Option<i64>,
}
