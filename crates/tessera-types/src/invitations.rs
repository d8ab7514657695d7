//! Invitations: Clerk's `Invitation` (tag Invitations: someone invited to the instance) and
//! `OrganizationInvitation` (tag Organization Invitations: someone invited to join an organization with
//! a role), their request bodies and list queries.

use serde::{Deserialize, Serialize};

use crate::JsonObject;

/// The status of an invitation, as of the moment it is read: a `pending` invitation past its
/// `expires_at` reads as `expired`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InvitationStatus {
    Pending,
    Accepted,
    Revoked,
    Expired,
}

impl InvitationStatus {
    pub const ALL: [InvitationStatus; 4] =
        [InvitationStatus::Pending, InvitationStatus::Accepted, InvitationStatus::Revoked, InvitationStatus::Expired];

    pub fn as_str(self) -> &'static str {
        match self {
            InvitationStatus::Pending => "pending",
            InvitationStatus::Accepted => "accepted",
            InvitationStatus::Revoked => "revoked",
            InvitationStatus::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// `{"object":"invitation", ...}`: an invitation to the instance. Creating a user with the invited
/// email address accepts it (Tessera has no sign-up flow).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Invitation {
    pub object: String,
    pub id: String,
    pub email_address: String,
    /// Given to the user's `public_metadata` when the invitation is accepted.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub public_metadata: JsonObject,
    /// Whether the invitation was revoked.
    pub revoked: bool,
    pub status: InvitationStatus,
    /// Clerk's invitation link; Tessera sends no email and has no link, so it is never present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// When a pending invitation expires (epoch ms).
    #[cfg_attr(feature = "openapi", schema(required))]
    pub expires_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The inviter of an organization invitation, as others may see them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrganizationInvitationPublicUserData {
    pub user_id: String,
    #[cfg_attr(feature = "openapi", schema(required))]
    pub first_name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required))]
    pub last_name: Option<String>,
    pub image_url: String,
    pub has_image: bool,
    /// The primary email address, else the username, else a phone number; `""` when none.
    pub identifier: String,
}

/// The organization of an invitation, as the invitee may see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrganizationInvitationPublicOrganizationData {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub image_url: String,
    pub has_image: bool,
}

/// `{"object":"organization_invitation", ...}`: an invitation to join an organization with a role.
/// Accepting it (`POST /v1/tessera/organizations/{org_id}/invitations/{invitation_id}/accept`, a
/// Tessera extension) makes the invitee a member with that role and the invitation's metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrganizationInvitation {
    pub object: String,
    pub id: String,
    pub email_address: String,
    /// A role key of the organization's role set.
    pub role: String,
    /// The role's name at the time of reading.
    pub role_name: String,
    pub organization_id: String,
    #[cfg_attr(feature = "openapi", schema(required))]
    pub inviter_id: Option<String>,
    /// `null` when there is no inviter, or the inviter was deleted.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub public_inviter_data: Option<OrganizationInvitationPublicUserData>,
    pub status: InvitationStatus,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub public_metadata: JsonObject,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub private_metadata: JsonObject,
    /// Clerk's invitation link; Tessera sends no email and has no link: always `null`.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub url: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required))]
    pub expires_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    /// Present in lists that span organizations (`GET /organization_invitations`,
    /// `GET /users/{user_id}/organization_invitations`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_organization_data: Option<OrganizationInvitationPublicOrganizationData>,
}

/// `POST /invitations` (and each item of `POST /invitations/bulk`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateInvitationRequestBody {
    pub email_address: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub public_metadata: Option<JsonObject>,
    /// Accepted; Tessera has no invitation link, so it has no effect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
    /// Accepted; Tessera sends no email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify: Option<bool>,
    /// Revoke a pending invitation for the address and create this one (and, on `POST /invitations`,
    /// invite an address a user already has).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore_existing: Option<bool>,
    /// 1 to 365 (default 30).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in_days: Option<i64>,
    /// `invitation` or `waitlist_invitation`; Tessera sends no email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_slug: Option<String>,
}

/// `POST /invitations/bulk`: 1 to 10 invitations, created together or not at all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateBulkInvitationsRequestBody(pub Vec<CreateInvitationRequestBody>);

/// `POST /organizations/{org_id}/invitations` (and each item of the bulk form).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateOrganizationInvitationRequestBody {
    pub email_address: String,
    /// A role key in the organization's role set.
    pub role: String,
    /// A member of the organization whose role holds `org:sys_memberships:manage`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inviter_user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub public_metadata: Option<JsonObject>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub private_metadata: Option<JsonObject>,
    /// Accepted; Tessera has no invitation link, so it has no effect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
    /// 1 to 365 (default 30).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in_days: Option<i64>,
    /// Accepted; Tessera sends no email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify: Option<bool>,
}

/// `POST /organizations/{org_id}/invitations/bulk`: 1 to 10 invitations, created together or not at
/// all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateOrganizationInvitationBulkRequestBody(pub Vec<CreateOrganizationInvitationRequestBody>);

/// `POST /organizations/{org_id}/invitations/{invitation_id}/revoke`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RevokeOrganizationInvitationRequestBody {
    /// A member of the organization whose role holds `org:sys_memberships:manage`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requesting_user_id: Option<String>,
}

/// `POST /v1/tessera/organizations/{org_id}/invitations/{invitation_id}/accept` (a Tessera extension).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AcceptOrganizationInvitationRequestBody {
    /// The user who accepts: one of their email addresses must be the invited one. Default: the user
    /// who has the invited email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
}

/// Filters, order and page of `GET /invitations` (the SDK's `ListInvitationsRequest`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct InvitationListQuery {
    /// Invitations with one of these statuses (as of now; repeatable). Without it, every invitation
    /// but the revoked ones.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", param(max_items = 4))]
    pub status: Vec<InvitationStatus>,
    /// Invitations whose id is this, or whose email address contains it (case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// `created_at`, `email_address` or `expires_at`, `-` for descending, `+` or nothing for ascending
    /// (default `-created_at`). Only the first `order_by` given counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(pattern = r"^[-+ ]?(created_at|email_address|expires_at)$"))]
    pub order_by: Option<String>,
    /// `true` answers `{data, total_count}` instead of a bare array.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paginated: Option<bool>,
    /// How many results to return, 1..=500 (default 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 500))]
    pub limit: Option<i64>,
    /// How many results to skip (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(minimum = 0))]
    pub offset: Option<i64>,
}

/// Filters, order and page of `GET /organizations/{org_id}/invitations` (the SDK's
/// `ListOrganizationInvitationsRequest`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct OrganizationInvitationListQuery {
    /// Invitations with one of these statuses (as of now; repeatable). Without it, every status.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", param(max_items = 4))]
    pub status: Vec<InvitationStatus>,
    /// Invitations of this email address (case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_address: Option<String>,
    /// `created_at` or `email_address`, `-` for descending, `+` or nothing for ascending (default
    /// `-created_at`). Only the first `order_by` given counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(pattern = r"^[-+ ]?(created_at|email_address)$"))]
    pub order_by: Option<String>,
    /// How many results to return, 1..=500 (default 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 500))]
    pub limit: Option<i64>,
    /// How many results to skip (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(minimum = 0))]
    pub offset: Option<i64>,
}

/// Filters, order and page of `GET /organization_invitations`, every organization invitation of the
/// instance (the SDK's `ListInstanceOrganizationInvitationsRequest`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct InstanceOrganizationInvitationListQuery {
    /// `created_at` or `email_address`, `-` for descending, `+` or nothing for ascending (default
    /// `-created_at`). Only the first `order_by` given counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(pattern = r"^[-+ ]?(created_at|email_address)$"))]
    pub order_by: Option<String>,
    /// Invitations with one of these statuses (as of now; repeatable). Without it, every status.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", param(max_items = 4))]
    pub status: Vec<InvitationStatus>,
    /// Invitations whose email address contains this (case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// How many results to return, 1..=500 (default 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 500))]
    pub limit: Option<i64>,
    /// How many results to skip (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(minimum = 0))]
    pub offset: Option<i64>,
}

/// Status and page of `GET /users/{user_id}/organization_invitations`: the organization invitations
/// of the user's email addresses.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct UserOrganizationInvitationListQuery {
    /// Invitations with one of these statuses (as of now; repeatable). Without it, every status.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", param(max_items = 4))]
    pub status: Vec<InvitationStatus>,
    /// How many results to return, 1..=500 (default 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 500))]
    pub limit: Option<i64>,
    /// How many results to skip (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(minimum = 0))]
    pub offset: Option<i64>,
}
