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
pub struct User {
    pub object: String,
    pub id: String,
    pub external_id: Option<String>,
    pub primary_email_address_id: Option<String>,
    pub primary_phone_number_id: Option<String>,
    pub primary_web3_wallet_id: Option<String>,
    pub username: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    #[serde(default)]
    pub locale: Option<String>,
    #[serde(default)]
    pub profile_image_url: String,
    #[serde(default)]
    pub image_url: String,
    pub has_image: bool,
    pub public_metadata: JsonObject,
    #[serde(default)]
    pub private_metadata: Option<JsonObject>,
    #[serde(default)]
    pub unsafe_metadata: JsonObject,
    pub email_addresses: Vec<EmailAddress>,
    pub phone_numbers: Vec<PhoneNumber>,
    pub web3_wallets: Vec<Value>,
    pub passkeys: Vec<Value>,
    pub password_enabled: bool,
    pub two_factor_enabled: bool,
    pub totp_enabled: bool,
    pub backup_code_enabled: bool,
    pub mfa_enabled_at: Option<i64>,
    pub mfa_disabled_at: Option<i64>,
    #[serde(default)]
    pub password_last_updated_at: Option<i64>,
    pub external_accounts: Vec<Value>,
    pub saml_accounts: Vec<Value>,
    pub enterprise_accounts: Vec<Value>,
    #[serde(default)]
    pub organization_memberships: Vec<Value>,
    pub last_sign_in_at: Option<i64>,
    pub banned: bool,
    pub locked: bool,
    #[serde(default)]
    pub deprovisioned: bool,
    pub lockout_expires_in_seconds: Option<i64>,
    pub verification_attempts_remaining: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub delete_self_enabled: bool,
    pub create_organization_enabled: bool,
    #[serde(default)]
    pub create_organizations_limit: Option<i64>,
    pub last_active_at: Option<i64>,
    pub legal_accepted_at: Option<i64>,
    #[serde(default)]
    pub bypass_client_trust: bool,
}

/// An email address of a user (`idn_…`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmailAddress {
    pub id: String,
    pub object: String,
    pub email_address: String,
    pub reserved: bool,
    pub verification: Option<Verification>,
    pub linked_to: Vec<IdentificationLink>,
    #[serde(default)]
    pub matches_sso_connection: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A phone number of a user (`idn_…`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhoneNumber {
    pub id: String,
    pub object: String,
    pub phone_number: String,
    #[serde(default)]
    pub reserved_for_second_factor: bool,
    #[serde(default)]
    pub default_second_factor: bool,
    pub reserved: bool,
    pub verification: Option<Verification>,
    pub linked_to: Vec<IdentificationLink>,
    #[serde(default)]
    pub backup_codes: Option<Vec<String>>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// `verification_admin`: identifiers created through the Backend API are verified by the admin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verification {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    pub status: String,
    pub strategy: String,
    pub attempts: Option<i64>,
    pub expire_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdentificationLink {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
}

/// Session statuses, as in Clerk's `Session.status` enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
pub struct Session {
    pub object: String,
    pub id: String,
    pub user_id: String,
    pub client_id: String,
    pub actor: Option<Value>,
    pub status: SessionStatus,
    pub last_active_organization_id: Option<String>,
    pub last_active_at: i64,
    #[serde(default)]
    pub latest_activity: Option<Value>,
    pub expire_at: i64,
    pub abandon_at: i64,
    pub updated_at: i64,
    pub created_at: i64,
    #[serde(default)]
    pub tasks: Option<Vec<SessionTask>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionTask {
    pub key: String,
}

/// `{"object":"organization", ...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Organization {
    pub object: String,
    pub id: String,
    pub name: String,
    pub slug: String,
    #[serde(default)]
    pub image_url: String,
    pub has_image: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members_count: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_invitations_count: Option<i64>,
    pub max_allowed_memberships: i64,
    pub admin_delete_enabled: bool,
    pub public_metadata: JsonObject,
    #[serde(default)]
    pub private_metadata: JsonObject,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// `{"object":"organization_membership", ...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrganizationMembership {
    pub object: String,
    pub id: String,
    pub role: String,
    #[serde(default)]
    pub role_name: String,
    pub permissions: Vec<String>,
    pub public_metadata: JsonObject,
    #[serde(default)]
    pub private_metadata: JsonObject,
    pub organization: Organization,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_user_data: Option<PublicUserData>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicUserData {
    pub user_id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub profile_image_url: Option<String>,
    pub image_url: String,
    pub has_image: bool,
    #[serde(default)]
    pub identifier: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub banned: bool,
    #[serde(default)]
    pub deprovisioned: bool,
}

/// `{"object":"jwt_template", ...}`. The signing key is write-only and never appears here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JwtTemplate {
    pub object: String,
    pub id: String,
    pub name: String,
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
pub struct Token {
    pub object: String,
    pub jwt: String,
}

/// `{"object":"user","id":"…","deleted":true}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
pub struct TotalCount {
    pub object: String,
    pub total_count: i64,
}

/// `{"data":[…],"total_count":N}`: a paginated list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Paginated<T> {
    pub data: Vec<T>,
    pub total_count: i64,
}

/// A JSON Web Key Set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

/// A public JSON Web Key (RSA, EC or OKP). Fields not used by a key type are omitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
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
pub struct ClerkError {
    pub message: String,
    pub long_message: String,
    pub code: String,
    #[serde(default)]
    pub meta: JsonObject,
}

/// `{"errors":[…],"clerk_trace_id":"…"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClerkErrors {
    pub errors: Vec<ClerkError>,
    #[serde(default)]
    pub meta: JsonObject,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clerk_trace_id: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Request bodies. Optional fields are `Option`; unknown fields are rejected by the server's
// validation layer (it reads bodies as JSON values first so it can name the offending parameter).

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
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
    pub public_metadata: Option<JsonObject>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_metadata: Option<JsonObject>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unsafe_metadata: Option<JsonObject>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
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
    pub public_metadata: Option<JsonObject>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_metadata: Option<JsonObject>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unsafe_metadata: Option<JsonObject>,
}

/// Body of `PATCH /users/{id}/metadata` and `PATCH /organizations/{id}/metadata`: deep-merged,
/// `null` deletes a key at any depth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct UpdateMetadataRequestBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_metadata: Option<JsonObject>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_metadata: Option<JsonObject>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unsafe_metadata: Option<JsonObject>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct CreateSessionRequestBody {
    pub user_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_organization_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct CreateOrganizationRequestBody {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_allowed_memberships: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_metadata: Option<JsonObject>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_metadata: Option<JsonObject>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct UpdateOrganizationRequestBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_allowed_memberships: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_delete_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_metadata: Option<JsonObject>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_metadata: Option<JsonObject>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct CreateOrganizationMembershipRequestBody {
    pub user_id: String,
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_metadata: Option<JsonObject>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_metadata: Option<JsonObject>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct UpdateOrganizationMembershipRequestBody {
    pub role: String,
}

/// Body of `POST /jwt_templates` and `PATCH /jwt_templates/{id}`.
#[derive(Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct CreateJwtTemplateRequestBody {
    pub name: String,
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
            .field(
                "signing_key",
                &self.signing_key.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// Body of the token endpoints (optional as a whole).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct CreateSessionTokenRequestBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in_seconds: Option<i64>,
}

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
    pub const TOTAL_COUNT: &str = "total_count";
}
