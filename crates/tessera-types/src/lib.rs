//! The wire contract: every request, response and error body Tessera speaks, as serde structs named
//! after Clerk's OpenAPI schemas. No logic and no workspace dependencies: the server and the SDK share it.
//!
//! Timestamps on objects are epoch milliseconds; JWT claims (elsewhere) are epoch seconds.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A JSON object, as used for metadata and template claims.
pub type JsonObject = Map<String, Value>;

/// `{"object":"user", ...}`: Clerk's `User` schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub object: String,
    pub id: String,
    #[cfg_attr(feature = "openapi", schema(required))]
    pub external_id: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required))]
    pub primary_email_address_id: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required))]
    pub primary_phone_number_id: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required))]
    pub primary_web3_wallet_id: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required))]
    pub username: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required))]
    pub first_name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required))]
    pub last_name: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required))]
    pub locale: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required))]
    pub profile_image_url: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required))]
    pub image_url: String,
    pub has_image: bool,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub public_metadata: JsonObject,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>, required))]
    pub private_metadata: Option<JsonObject>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object, required))]
    pub unsafe_metadata: JsonObject,
    pub email_addresses: Vec<EmailAddress>,
    pub phone_numbers: Vec<PhoneNumber>,
    pub web3_wallets: Vec<Value>,
    pub passkeys: Vec<Value>,
    pub password_enabled: bool,
    pub two_factor_enabled: bool,
    pub totp_enabled: bool,
    pub backup_code_enabled: bool,
    #[cfg_attr(feature = "openapi", schema(required))]
    pub mfa_enabled_at: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(required))]
    pub mfa_disabled_at: Option<i64>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required))]
    pub password_last_updated_at: Option<i64>,
    pub external_accounts: Vec<Value>,
    pub saml_accounts: Vec<Value>,
    pub enterprise_accounts: Vec<Value>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required))]
    pub organization_memberships: Vec<Value>,
    #[cfg_attr(feature = "openapi", schema(required))]
    pub last_sign_in_at: Option<i64>,
    pub banned: bool,
    pub locked: bool,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required))]
    pub deprovisioned: bool,
    #[cfg_attr(feature = "openapi", schema(required))]
    pub lockout_expires_in_seconds: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(required))]
    pub verification_attempts_remaining: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub delete_self_enabled: bool,
    pub create_organization_enabled: bool,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required))]
    pub create_organizations_limit: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(required))]
    pub last_active_at: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(required))]
    pub legal_accepted_at: Option<i64>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required))]
    pub bypass_client_trust: bool,
}

/// An email address of a user (`idn_…`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EmailAddress {
    pub id: String,
    pub object: String,
    pub email_address: String,
    pub reserved: bool,
    #[cfg_attr(feature = "openapi", schema(required))]
    pub verification: Option<Verification>,
    pub linked_to: Vec<IdentificationLink>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required))]
    pub matches_sso_connection: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A phone number of a user (`idn_…`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhoneNumber {
    pub id: String,
    pub object: String,
    pub phone_number: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required))]
    pub reserved_for_second_factor: bool,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required))]
    pub default_second_factor: bool,
    pub reserved: bool,
    #[cfg_attr(feature = "openapi", schema(required))]
    pub verification: Option<Verification>,
    pub linked_to: Vec<IdentificationLink>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required))]
    pub backup_codes: Option<Vec<String>>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// `verification_admin`: identifiers created through the Backend API are verified by the admin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Verification {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    pub status: String,
    pub strategy: String,
    #[cfg_attr(feature = "openapi", schema(required))]
    pub attempts: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(required))]
    pub expire_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IdentificationLink {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
}

/// Session statuses, as in Clerk's `Session.status` enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    Active,
    Revoked,
    Ended,
    Expired,
    Removed,
    Abandoned,
    Replaced,
    Pending,
}

impl SessionStatus {
    pub const ALL: [SessionStatus; 8] = [
        SessionStatus::Active,
        SessionStatus::Revoked,
        SessionStatus::Ended,
        SessionStatus::Expired,
        SessionStatus::Removed,
        SessionStatus::Abandoned,
        SessionStatus::Replaced,
        SessionStatus::Pending,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SessionStatus::Active => "active",
            SessionStatus::Revoked => "revoked",
            SessionStatus::Ended => "ended",
            SessionStatus::Expired => "expired",
            SessionStatus::Removed => "removed",
            SessionStatus::Abandoned => "abandoned",
            SessionStatus::Replaced => "replaced",
            SessionStatus::Pending => "pending",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// `active` and `pending` are the only statuses a token can be minted for.
    pub fn is_live(self) -> bool {
        matches!(self, SessionStatus::Active | SessionStatus::Pending)
    }
}

/// `{"object":"session", ...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Session {
    pub object: String,
    pub id: String,
    pub user_id: String,
    pub client_id: String,
    #[cfg_attr(feature = "openapi", schema(required))]
    pub actor: Option<Value>,
    pub status: SessionStatus,
    #[cfg_attr(feature = "openapi", schema(required))]
    pub last_active_organization_id: Option<String>,
    pub last_active_at: i64,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required))]
    pub latest_activity: Option<Value>,
    pub expire_at: i64,
    pub abandon_at: i64,
    pub updated_at: i64,
    pub created_at: i64,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required))]
    pub tasks: Option<Vec<SessionTask>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionTask {
    pub key: String,
}

/// `{"object":"organization", ...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Organization {
    pub object: String,
    pub id: String,
    pub name: String,
    pub slug: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required))]
    pub image_url: String,
    pub has_image: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members_count: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_invitations_count: Option<i64>,
    pub max_allowed_memberships: i64,
    pub admin_delete_enabled: bool,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub public_metadata: JsonObject,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object, required))]
    pub private_metadata: JsonObject,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// The key of the role set that says which roles its members can hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_set_key: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// `{"object":"organization_membership", ...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrganizationMembership {
    pub object: String,
    pub id: String,
    pub role: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required))]
    pub role_name: String,
    pub permissions: Vec<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub public_metadata: JsonObject,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object, required))]
    pub private_metadata: JsonObject,
    pub organization: Organization,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_user_data: Option<PublicUserData>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicUserData {
    pub user_id: String,
    #[cfg_attr(feature = "openapi", schema(required))]
    pub first_name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required))]
    pub last_name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required))]
    pub profile_image_url: Option<String>,
    pub image_url: String,
    pub has_image: bool,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required))]
    pub identifier: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required))]
    pub username: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required))]
    pub banned: bool,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required))]
    pub deprovisioned: bool,
}

/// `{"object":"jwt_template", ...}`. The signing key is write-only and never appears here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JwtTemplate {
    pub object: String,
    pub id: String,
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub claims: JsonObject,
    pub lifetime: i64,
    pub allowed_clock_skew: i64,
    pub custom_signing_key: bool,
    pub signing_algorithm: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// `{"object":"token","jwt":"…"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Token {
    pub object: String,
    pub jwt: String,
}

/// `{"object":"user","id":"…","deleted":true}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeletedObject {
    pub object: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    pub deleted: bool,
}

/// `{"object":"total_count","total_count":N}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TotalCount {
    pub object: String,
    pub total_count: i64,
}

/// `{"data":[…],"total_count":N}`: a paginated list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Paginated<T> {
    pub data: Vec<T>,
    pub total_count: i64,
}

/// A JSON Web Key Set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

/// A public JSON Web Key (RSA, EC or OKP). Fields not used by a key type are omitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Jwk {
    #[serde(rename = "use", default, skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
    pub kty: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crv: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
}

/// One error of Clerk's error envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClerkError {
    pub message: String,
    pub long_message: String,
    pub code: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object, required))]
    pub meta: JsonObject,
}

/// `{"errors":[…],"clerk_trace_id":"…"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClerkErrors {
    pub errors: Vec<ClerkError>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object, required))]
    pub meta: JsonObject,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clerk_trace_id: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Request bodies. Optional fields are `Option`; unknown fields are rejected by the server's
// validation layer (it reads bodies as JSON values first so it can name the offending parameter).

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateUserRequestBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_address: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub public_metadata: Option<JsonObject>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub private_metadata: Option<JsonObject>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub unsafe_metadata: Option<JsonObject>,
    /// The user's password (at least 8 characters unless `skip_password_checks`); stored as an
    /// Argon2id hash, never returned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub password: Option<Password>,
    /// A digest made by another system (with `password_hasher`), instead of `password`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub password_digest: Option<Password>,
    /// The hasher that made `password_digest` (`bcrypt`, `argon2id`, `pbkdf2_sha256`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_hasher: Option<String>,
    /// Skips the password rules (the 8-character minimum).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_password_checks: Option<bool>,
    /// Accepted for Clerk's SDKs; Tessera never requires a password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_password_requirement: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// One of `verified` (the default) or `reserved` per item of `email_address`, by position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_address_identification_status: Option<Vec<String>>,
    /// One of `verified` (the default) or `reserved` per item of `phone_number`, by position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number_identification_status: Option<Vec<String>>,
    /// Created already locked (no new sessions until unlocked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locked: Option<bool>,
    /// Created already banned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub banned: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateUserRequestBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_email_address_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_phone_number_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub public_metadata: Option<JsonObject>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub private_metadata: Option<JsonObject>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub unsafe_metadata: Option<JsonObject>,
    /// The user's password (at least 8 characters unless `skip_password_checks`); stored as an
    /// Argon2id hash, never returned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub password: Option<Password>,
    /// A digest made by another system (with `password_hasher`), instead of `password`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub password_digest: Option<Password>,
    /// The hasher that made `password_digest` (`bcrypt`, `argon2id`, `pbkdf2_sha256`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_hasher: Option<String>,
    /// Skips the password rules (the 8-character minimum).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_password_checks: Option<bool>,
    /// With a new password or digest: revoke every live session of the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_out_of_other_sessions: Option<bool>,
}

/// Body of `PATCH /users/{id}/metadata` and `PATCH /organizations/{id}/metadata`: deep-merged,
/// `null` deletes a key at any depth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateMetadataRequestBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub public_metadata: Option<JsonObject>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub private_metadata: Option<JsonObject>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub unsafe_metadata: Option<JsonObject>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateSessionRequestBody {
    pub user_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_organization_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateOrganizationRequestBody {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_allowed_memberships: Option<i64>,
    /// The key of the role set the organization uses (default: the initial set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_set_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub public_metadata: Option<JsonObject>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub private_metadata: Option<JsonObject>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateOrganizationRequestBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_allowed_memberships: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_delete_enabled: Option<bool>,
    /// Another role set: every role the members hold must be in it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_set_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub public_metadata: Option<JsonObject>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub private_metadata: Option<JsonObject>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateOrganizationMembershipRequestBody {
    pub user_id: String,
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub public_metadata: Option<JsonObject>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub private_metadata: Option<JsonObject>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateOrganizationMembershipRequestBody {
    pub role: String,
}

/// Body of `POST /jwt_templates` and `PATCH /jwt_templates/{id}`.
#[derive(Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateJwtTemplateRequestBody {
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub claims: JsonObject,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifetime: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_clock_skew: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_signing_key: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_algorithm: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_key: Option<String>,
}

impl std::fmt::Debug for CreateJwtTemplateRequestBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateJwtTemplateRequestBody")
            .field("name", &self.name)
            .field("claims", &self.claims)
            .field("lifetime", &self.lifetime)
            .field("allowed_clock_skew", &self.allowed_clock_skew)
            .field("custom_signing_key", &self.custom_signing_key)
            .field("signing_algorithm", &self.signing_algorithm)
            .field("signing_key", &self.signing_key.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Body of the token endpoints (optional as a whole).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateSessionTokenRequestBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in_seconds: Option<i64>,
}

mod actor_tokens;
mod contacts;
mod filters;
mod invitations;
mod machines;
mod passwords;
mod roles;
mod tessera;
mod webhooks;
pub use actor_tokens::*;
pub use contacts::*;
pub use filters::*;
pub use invitations::*;
pub use machines::*;
pub use passwords::*;
pub use roles::*;
pub use tessera::*;
pub use webhooks::*;

pub mod object {
    //! Values of the `object` field.
    pub const USER: &str = "user";
    pub const EMAIL_ADDRESS: &str = "email_address";
    pub const PHONE_NUMBER: &str = "phone_number";
    pub const SESSION: &str = "session";
    pub const CLIENT: &str = "client";
    pub const ORGANIZATION: &str = "organization";
    pub const ORGANIZATION_MEMBERSHIP: &str = "organization_membership";
    pub const JWT_TEMPLATE: &str = "jwt_template";
    pub const TOKEN: &str = "token";
    pub const INSTANCE_KEY: &str = "instance_key";
    pub const TOTAL_COUNT: &str = "total_count";
    pub const PERMISSION: &str = "permission";
    pub const ROLE: &str = "role";
    pub const ROLE_SET: &str = "role_set";
    pub const ROLE_SET_ITEM: &str = "role_set_item";
    pub const SESSION_CLAIMS: &str = "session_claims";
    pub const ACTOR_TOKEN: &str = "actor_token";
    pub const INVITATION: &str = "invitation";
    pub const ORGANIZATION_INVITATION: &str = "organization_invitation";
    pub const MACHINE: &str = "machine";
    pub const MACHINE_SCOPE: &str = "machine_scope";
    pub const MACHINE_SECRET_KEY: &str = "machine_secret_key";
    pub const M2M_TOKEN: &str = "machine_to_machine_token";
    pub const API_KEY: &str = "api_key";
    pub const WEBHOOK_ENDPOINT: &str = "webhook_endpoint";
    pub const WEBHOOK_MESSAGE: &str = "webhook_message";
    pub const WEBHOOK_ATTEMPT: &str = "webhook_attempt";
    pub const WEBHOOK_REPLAY: &str = "webhook_replay";
    pub const JWT_TEMPLATE_PREVIEW: &str = "jwt_template_preview";
    pub const JWT_TEMPLATE_KEY: &str = "jwt_template_key";
}
