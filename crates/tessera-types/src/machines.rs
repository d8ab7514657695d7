//! Machine authentication: Clerk's `Machine`, `MachineScope` and secret-key schemas (tag Machines),
//! the M2M token objects (tag M2M Tokens) and API keys (tag API Keys), with their request bodies.
//! Secrets (`secret_key`, `secret`, `token`) are answered only where Clerk answers them; `Debug`
//! redacts every one.

use serde::{Deserialize, Serialize};
use serde_json::Value;

fn redact(s: &Option<String>) -> Option<&'static str> {
    s.as_ref().map(|_| "<redacted>")
}

/// A machine as nested in another's `scoped_machines` (Clerk's `MachineWithoutScopedMachines`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MachineWithoutScopedMachines {
    /// Always `"machine"`.
    pub object: String,
    /// `mch_…`.
    pub id: String,
    pub name: String,
    /// The instance (`ins_…`).
    pub instance_id: String,
    /// Seconds an M2M token made by this machine lives unless its create call says otherwise.
    pub default_token_ttl: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// `{"object":"machine", ...}`: a service with its own secret key, and the machines it may call
/// (`scoped_machines`: its M2M tokens are valid for them).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Machine {
    /// Always `"machine"`.
    pub object: String,
    /// `mch_…`.
    pub id: String,
    pub name: String,
    pub instance_id: String,
    pub default_token_ttl: i64,
    /// The machines this one may call, oldest scope first.
    pub scoped_machines: Vec<MachineWithoutScopedMachines>,
    pub created_at: i64,
    pub updated_at: i64,
    /// The machine's secret key (`ak_…`): in the create answer only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_key: Option<String>,
}

impl std::fmt::Debug for Machine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Machine")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("default_token_ttl", &self.default_token_ttl)
            .field("scoped_machines", &self.scoped_machines)
            .field("secret_key", &redact(&self.secret_key))
            .finish()
    }
}

/// `{"object":"machine_scope", ...}`: `from_machine_id` may call `to_machine_id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MachineScope {
    /// Always `"machine_scope"`.
    pub object: String,
    pub from_machine_id: String,
    pub to_machine_id: String,
    pub created_at: i64,
}

/// The answer of `DELETE /machines/{machine_id}/scopes/{other_machine_id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MachineScopeDeleted {
    /// Always `"machine_scope"`.
    pub object: String,
    pub from_machine_id: String,
    pub to_machine_id: String,
    pub deleted: bool,
}

/// `{"object":"machine_secret_key","secret":…}`: a machine's current secret key.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MachineSecretKey {
    /// Always `"machine_secret_key"`.
    pub object: String,
    pub secret: String,
}

impl std::fmt::Debug for MachineSecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MachineSecretKey").field("secret", &"<redacted>").finish()
    }
}

/// `POST /machines`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateMachineRequestBody {
    pub name: String,
    /// Seconds an M2M token lives by default (3600 when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_token_ttl: Option<i64>,
    /// Machines (`mch_…`) this one may call; at most 150.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scoped_machines: Option<Vec<String>>,
}

/// `PATCH /machines/{machine_id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateMachineRequestBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_token_ttl: Option<i64>,
}

/// `POST /machines/{machine_id}/secret_key/rotate`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RotateMachineSecretKeyRequestBody {
    /// Seconds the previous key keeps working (0 to 28800).
    pub previous_token_ttl: i64,
}

/// `POST /machines/{machine_id}/scopes`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateMachineScopeRequestBody {
    pub to_machine_id: String,
}

/// `{"object":"machine_to_machine_token", ...}`. `token` is in the create answer only.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct M2MToken {
    /// Always `"machine_to_machine_token"`.
    pub object: String,
    /// `mt_` + 32 hex digits.
    pub id: String,
    /// The machine that made it (`mch_…`).
    pub subject: String,
    /// Custom claims given at creation.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub claims: Option<Value>,
    /// The machines the token may call (the subject's scopes when it was made).
    pub scopes: Vec<String>,
    /// The token: `mt_…` (opaque) or a JWT. Create answer only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    pub revoked: bool,
    pub revocation_reason: Option<String>,
    pub expired: bool,
    /// Epoch ms.
    pub expiration: Option<i64>,
    pub last_used_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl std::fmt::Debug for M2MToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("M2MToken")
            .field("id", &self.id)
            .field("subject", &self.subject)
            .field("scopes", &self.scopes)
            .field("token", &redact(&self.token))
            .field("revoked", &self.revoked)
            .field("expired", &self.expired)
            .field("expiration", &self.expiration)
            .finish()
    }
}

/// `GET /m2m_tokens`: Clerk's list key is `m2m_tokens`, not `data`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct M2MTokenList {
    pub m2m_tokens: Vec<M2MToken>,
    pub total_count: i64,
}

/// `POST /m2m_tokens` (authenticated with a machine's secret key).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateM2MTokenRequestBody {
    /// `opaque` (default) or `jwt`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_format: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds_until_expiration: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub claims: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_remaining_ttl_seconds: Option<i64>,
}

/// `POST /m2m_tokens/{id}/revoke` and `POST /api_keys/{id}/revoke`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RevokeM2MTokenRequestBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_reason: Option<String>,
}

/// `POST /m2m_tokens/verify`.
#[derive(Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerifyM2MTokenRequestBody {
    pub token: String,
}

impl std::fmt::Debug for VerifyM2MTokenRequestBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyM2MTokenRequestBody").field("token", &"<redacted>").finish()
    }
}

/// `{"object":"api_key", ...}`. `secret` is in the create answer only (and `GET …/secret`).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKey {
    /// Always `"api_key"`.
    pub object: String,
    /// `ak_` + 32 hex digits.
    pub id: String,
    /// `api_key` unless given.
    #[serde(rename = "type")]
    pub key_type: String,
    /// The user (`user_…`), organization (`org_…`) or machine (`mch_…`) it stands for.
    pub subject: String,
    pub name: String,
    pub description: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub claims: Option<Value>,
    pub scopes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    pub revoked: bool,
    pub revocation_reason: Option<String>,
    pub expired: bool,
    pub expiration: Option<i64>,
    pub created_by: Option<String>,
    pub last_used_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKey")
            .field("id", &self.id)
            .field("type", &self.key_type)
            .field("subject", &self.subject)
            .field("name", &self.name)
            .field("scopes", &self.scopes)
            .field("secret", &redact(&self.secret))
            .field("revoked", &self.revoked)
            .field("expired", &self.expired)
            .finish()
    }
}

/// `GET /api_keys/{id}/secret`.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKeySecret {
    pub secret: String,
}

impl std::fmt::Debug for ApiKeySecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKeySecret").field("secret", &"<redacted>").finish()
    }
}

/// `POST /api_keys`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateApiKeyRequestBody {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub key_type: Option<String>,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub subject: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub claims: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds_until_expiration: Option<i64>,
}

/// `PATCH /api_keys/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateApiKeyRequestBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub claims: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds_until_expiration: Option<i64>,
}

/// `POST /api_keys/{id}/revoke`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RevokeApiKeyRequestBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_reason: Option<String>,
}

/// `POST /api_keys/verify`.
#[derive(Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerifyApiKeyRequestBody {
    pub secret: String,
}

impl std::fmt::Debug for VerifyApiKeyRequestBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyApiKeyRequestBody").field("secret", &"<redacted>").finish()
    }
}

/// `GET /machines` query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct MachineListFilter {
    /// Exact machine id, or part of the name (case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// `name`, `created_at`, with `+`/`-`; default `-created_at`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_by: Option<String>,
}

/// `GET /m2m_tokens` query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct M2MTokenListFilter {
    /// The machine (`mch_…`) whose tokens to list. Required.
    pub subject: String,
    /// Include revoked tokens (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<bool>,
    /// Include expired tokens (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expired: Option<bool>,
}

/// `GET /api_keys` query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct ApiKeyListFilter {
    /// The user, organization or machine whose keys to list. Required.
    pub subject: String,
    /// Only keys of this type (default `api_key`).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub key_type: Option<String>,
    /// Include revoked and expired keys (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_invalid: Option<bool>,
    /// Part of the name (case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
}
