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

/// Body of `POST /v1/tessera/jwt_templates/{template_id}/rotate_key` (optional as a whole).
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RotateJwtTemplateKeyRequestBody {
    /// The new key, as `PATCH /jwt_templates/{id}` takes `signing_key`: a PEM private key (PKCS#8,
    /// PKCS#1 or SEC1; RSA of at least 2048 bits) for `RS*`/`PS*`/`ES*`/`EdDSA`, the secret itself for
    /// `HS*`. Omitted: Tessera generates one (RSA-2048, P-256, P-384, Ed25519, or a random secret of
    /// 32, 48 or 64 bytes, base64url-encoded, for HS256, HS384, HS512).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_key: Option<String>,
    /// The new key's algorithm; omitted: the template's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_algorithm: Option<String>,
}

impl std::fmt::Debug for RotateJwtTemplateKeyRequestBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RotateJwtTemplateKeyRequestBody")
            .field("signing_key", &self.signing_key.as_ref().map(|_| "<redacted>"))
            .field("signing_algorithm", &self.signing_algorithm)
            .finish()
    }
}

/// `{"object":"jwt_template_key", ...}`: a template's new custom key, as
/// `POST /v1/tessera/jwt_templates/{template_id}/rotate_key` answers. No private key material, except
/// a secret Tessera generated for an HMAC algorithm, in this one answer.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JwtTemplateKey {
    /// Always `"jwt_template_key"`.
    pub object: String,
    pub template_id: String,
    /// The algorithm the template signs with from now on.
    pub signing_algorithm: String,
    /// The new key's `kid` (RFC 7638 thumbprint), in the JWKS from now on; `null` for HMAC keys,
    /// which sign without one and are never published.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub kid: Option<String>,
    /// The new key's public key, SPKI PEM (what verifiers that take a PEM need); `null` for HMAC keys.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub public_key: Option<String>,
    /// The HMAC secret Tessera generated: shown in this answer only, never again. Absent when the
    /// secret was given (it is never echoed) and for asymmetric keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_key: Option<String>,
    /// The replaced key's `kid`; `null` when it was an HMAC key.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub previous_kid: Option<String>,
    /// When the replaced key leaves the JWKS, epoch ms: now plus the longest lifetime of a token it
    /// signed plus the JWKS max-age and key reload interval; now when it never signed a token;
    /// `null` when it was an HMAC key.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub previous_unpublish_at: Option<i64>,
    /// When the new key started signing (the rotation), epoch ms.
    pub created_at: i64,
}

impl std::fmt::Debug for JwtTemplateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtTemplateKey")
            .field("template_id", &self.template_id)
            .field("signing_algorithm", &self.signing_algorithm)
            .field("kid", &self.kid)
            .field("signing_key", &self.signing_key.as_ref().map(|_| "<redacted>"))
            .field("previous_kid", &self.previous_kid)
            .field("previous_unpublish_at", &self.previous_unpublish_at)
            .field("created_at", &self.created_at)
            .finish()
    }
}
