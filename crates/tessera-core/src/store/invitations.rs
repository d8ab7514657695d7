//! The invitation records and their sub-trait of [`Store`](super::Store).
//!
//! A stored invitation's status is `pending`, `accepted`, `revoked` or `expired`; a `pending` one
//! whose `expires_at` has passed reads as `expired` (computed at read, also inside SQL filters, from
//! the `now` the caller passes), so nothing needs to rewrite invitations when they expire. At most
//! one invitation per email address (per organization, for organization invitations) is pending at a
//! time; the store enforces it.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tessera_types::{InvitationStatus, User};

use super::{MembershipRecord, Page, PasswordRecord, StoreResult};

/// An invitation to the instance, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvitationRecord {
    /// `inv_…`.
    pub id: String,
    /// Lowercase.
    pub email_address: String,
    pub public_metadata: Map<String, Value>,
    /// The stored status (see [`effective_status`]).
    pub status: InvitationStatus,
    pub expires_at: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// An invitation to an organization, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrganizationInvitationRecord {
    /// `orginv_…`.
    pub id: String,
    pub organization_id: String,
    /// Lowercase.
    pub email_address: String,
    /// A role key; a role's new key is carried to its invitations.
    pub role: String,
    /// The role's name, filled in at read (not stored with the invitation).
    #[serde(skip)]
    pub role_name: Option<String>,
    pub inviter_id: Option<String>,
    pub public_metadata: Map<String, Value>,
    pub private_metadata: Map<String, Value>,
    /// The stored status (see [`effective_status`]).
    pub status: InvitationStatus,
    pub expires_at: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The status an invitation reads as at `now`: a stored `pending` one expires at `expires_at`.
pub fn effective_status(stored: InvitationStatus, expires_at: i64, now: i64) -> InvitationStatus {
    if stored == InvitationStatus::Pending && now >= expires_at { InvitationStatus::Expired } else { stored }
}

/// Sort field of invitation lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationOrder {
    CreatedAt,
    EmailAddress,
    ExpiresAt,
}

/// Filters of the invitation lists, ANDed; empty lists and `None` do not filter.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct InvitationFilter {
    /// Organization invitations of this organization only (ignored for instance invitations).
    pub organization_id: Option<String>,
    /// Exact (the addresses are stored lowercase; pass them lowercase).
    pub email_address: Vec<String>,
    /// The exact id, or a case-insensitive substring of the email address.
    pub query: Option<String>,
    /// Statuses as of `now`.
    pub status: Vec<InvitationStatus>,
    /// `(field, descending)`; `None` means newest first.
    pub order_by: Option<(InvitationOrder, bool)>,
    /// The time statuses are read at (epoch ms).
    pub now: i64,
}

/// Instance and organization invitations. Writes that touch several rows (invitations created
/// together, a user created with the invitations they accept, a membership created with the
/// invitation it accepts) are one transaction.
#[async_trait]
pub trait InvitationStore: Send + Sync {
    /// Inserts the invitations together. First, for each address, a stored-pending invitation that
    /// has expired at `now` is marked `expired`, and, where the flag beside it is true, a live pending
    /// one is marked `revoked` (Clerk's `ignore_existing`). `Conflict("email_address")` (and nothing
    /// written) when an address still has a pending invitation.
    async fn insert_invitations(&self, invitations: &[(InvitationRecord, bool)], now: i64) -> StoreResult<()>;
    /// As stored (the caller applies expiry).
    async fn get_invitation(&self, id: &str) -> StoreResult<Option<InvitationRecord>>;
    /// The invitations that match, in order; page and total.
    async fn list_invitations(
        &self,
        filter: &InvitationFilter,
        page: Page,
    ) -> StoreResult<(Vec<InvitationRecord>, i64)>;
    /// Moves the invitation to `revoked` when its stored status is `pending` (expired at `now` or not)
    /// or `expired`. Returns it afterwards (`None` if unknown).
    async fn revoke_invitation(&self, id: &str, now: i64) -> StoreResult<Option<InvitationRecord>>;
    /// Inserts `user` (same rules as [`UserStore::insert_user`](super::UserStore::insert_user)) with
    /// their password, when given, and marks these invitations `accepted`, in one transaction.
    /// `Ok(false)`, with nothing written, when one of them is not pending at `now` any more.
    async fn insert_user_accepting_invitations(
        &self,
        user: &User,
        password: Option<&PasswordRecord>,
        invitation_ids: &[String],
        now: i64,
    ) -> StoreResult<bool>;

    /// Inserts the organization invitations together, with the same expiry rule as
    /// [`InvitationStore::insert_invitations`] per organization and address.
    /// `Conflict("email_address")` when an address still has a pending invitation to the organization.
    async fn insert_organization_invitations(
        &self,
        invitations: &[OrganizationInvitationRecord],
        now: i64,
    ) -> StoreResult<()>;
    /// As stored, with its role's name.
    async fn get_organization_invitation(&self, id: &str) -> StoreResult<Option<OrganizationInvitationRecord>>;
    async fn list_organization_invitations(
        &self,
        filter: &InvitationFilter,
        page: Page,
    ) -> StoreResult<(Vec<OrganizationInvitationRecord>, i64)>;
    /// Moves the invitation to `revoked` when it is pending at `now`. Returns it afterwards.
    async fn revoke_organization_invitation(
        &self,
        id: &str,
        now: i64,
    ) -> StoreResult<Option<OrganizationInvitationRecord>>;
    /// Marks the invitation `accepted` and inserts `membership`, in one transaction, when it is pending
    /// at `now`: `Ok(false)`, with nothing written, otherwise. `Conflict("membership")` if the user is
    /// already a member.
    async fn accept_organization_invitation(
        &self,
        id: &str,
        membership: &MembershipRecord,
        now: i64,
    ) -> StoreResult<bool>;
    /// How many invitations are pending at `now`, per organization (organizations without any are
    /// left out).
    async fn count_pending_organization_invitations(
        &self,
        organization_ids: &[String],
        now: i64,
    ) -> StoreResult<Vec<(String, i64)>>;
    /// How many organization invitations pending at `now` hold the role with this key.
    async fn count_pending_invitations_with_role(&self, role: &str, now: i64) -> StoreResult<i64>;
}
