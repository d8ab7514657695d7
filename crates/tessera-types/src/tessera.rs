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

// ---- console: JWT template preview (begin) ----

/// Body of `POST /v1/tessera/jwt_templates/preview`: what to render (a stored template, or unsaved
/// claims with their settings) and for whom (a user, or a session; an organization makes it the
/// active one). Nothing is signed or stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PreviewJwtTemplateRequestBody {
    /// The id or the name of a stored template. Exactly one of `template` and `claims`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// Unsaved claims with `{{shortcodes}}`, checked as `POST /jwt_templates` checks them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub claims: Option<JsonObject>,
    /// With `claims`: the token lifetime in seconds (default 60).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifetime: Option<i64>,
    /// With `claims`: `nbf = iat − allowed_clock_skew` (default 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_clock_skew: Option<i64>,
    /// With `claims`: the algorithm of a custom signing key; absent: the instance key signs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_algorithm: Option<String>,
    /// The user the claims are rendered for (`sub`). One of `user_id` and `session_id` is required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// A session: its user, its active organization and `session.*` are rendered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// An organization of the user (id or slug) to render as the active one (`org.*`, `org_membership.*`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    /// Check the requirements of this consumer too: `hasura`, `supabase` or `convex` (they are also
    /// checked whenever the template looks meant for them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumer: Option<String>,
}

/// `{"object":"jwt_template_preview", ...}`: the token a template would give, unsigned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JwtTemplatePreview {
    /// Always `"jwt_template_preview"`.
    pub object: String,
    /// The stored template previewed; `null` for unsaved claims.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub template_id: Option<String>,
    /// The JOSE header the token would have (`alg`, `cat`, `kid`, `typ`).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub header: JsonObject,
    /// Every claim the token would have: the rendered template, then `exp iat iss jti nbf sub`.
    /// `jti` is a fresh random value, as in a minted token.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub claims: JsonObject,
    /// Length of the signed token in bytes: `base64url(header).base64url(claims).base64url(signature)`
    /// with the signature length of the key that would sign.
    pub size_bytes: u64,
    /// Size of the rendered template claims alone, as compact JSON.
    pub custom_claims_bytes: u64,
    /// The consumers whose requirements were checked (`hasura`, `supabase`, `convex`).
    pub consumers: Vec<String>,
    /// What would make the token refused, too large or surprising; empty when nothing is found.
    pub lints: Vec<TemplateLint>,
}

/// One finding of a template preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TemplateLint {
    /// Machine-readable, e.g. `hasura_default_role_not_allowed` (docs/api.md lists them).
    pub code: String,
    /// `error` (the token would be refused, by Tessera or by the consumer), `warning` or `info`.
    pub severity: String,
    /// The consumer whose requirement this is; `null` for Tessera's own checks.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub consumer: Option<String>,
    /// The claim concerned (`a.b[2].c`), when there is one.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub claim_path: Option<String>,
    /// What is wrong and how to fix it, for a person.
    pub message: String,
    /// The documentation the check follows.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub documentation_url: Option<String>,
}

// ---- console: JWT template preview (end) ----
