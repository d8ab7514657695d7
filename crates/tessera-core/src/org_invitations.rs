//! Organization invitations (Clerk's Organization Invitations): create, bulk create, list (per
//! organization, instance-wide, per user), get, revoke; `pending_invitations_count` of organizations;
//! and acceptance, a Tessera extension (`POST /v1/tessera/organizations/{org_id}/invitations/
//! {invitation_id}/accept`): it makes the invitee a member with the invited role and the invitation's
//! metadata, and marks the invitation accepted, in one transaction.
//!
//! An invitation's role must exist and be in the organization's role set, when it is created and when
//! it is accepted. At most one invitation per organization and address is pending; a user who is
//! already a member cannot be invited; an organization's pending invitations count against
//! `max_allowed_memberships`, as Clerk counts them. Expiry works as for instance invitations.

use std::collections::{BTreeSet, HashMap};

use tessera_types::{
    InvitationStatus, ListPage, Organization, OrganizationInvitation, OrganizationInvitationPublicOrganizationData,
    OrganizationInvitationPublicUserData, OrganizationMembership, Paginated, User, object,
};

use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::fields::{Body, Field, Fields};
use crate::ids;
use crate::invitations::{EXPIRES_IN_DAYS, at_item, check_bulk_size, expiry, normalize_email, statuses};
use crate::metadata::check_size;
use crate::orgs::{membership_object, public_user_data};
use crate::query::{QueryParams, order_by, page};
use crate::service::Tessera;
use crate::store::{
    InvitationFilter, InvitationOrder, MembershipFilter, MembershipRecord, OrganizationInvitationRecord, Page,
    StoreError, UserFilter, effective_status,
};

/// The permission that makes a member an administrator who may invite and revoke invitations.
pub const INVITE_PERMISSION: &str = "org:sys_memberships:manage";

/// `POST /organizations/{org_id}/invitations`, and each item of the bulk form.
pub const CREATE_ORGANIZATION_INVITATION: Body = Body {
    schema: "CreateOrganizationInvitationRequestBody",
    groups: &[&[
        Field::string("email_address").required(),
        Field::string("role").required(),
        Field::string("inviter_user_id"),
        Field::object("public_metadata"),
        Field::object("private_metadata"),
        Field::string("redirect_url"),
        EXPIRES_IN_DAYS,
        Field::bool("notify"),
    ]],
};

/// `POST /organizations/{org_id}/invitations/{invitation_id}/revoke`.
pub const REVOKE_ORGANIZATION_INVITATION: Body =
    Body { schema: "RevokeOrganizationInvitationRequestBody", groups: &[&[Field::string("requesting_user_id")]] };

/// `POST /v1/tessera/organizations/{org_id}/invitations/{invitation_id}/accept`.
pub const ACCEPT_ORGANIZATION_INVITATION: Body =
    Body { schema: "AcceptOrganizationInvitationRequestBody", groups: &[&[Field::string("user_id")]] };

/// The fields organization invitation lists can be sorted by.
const ORG_INVITATION_ORDERS: &[(&str, InvitationOrder)] =
    &[("created_at", InvitationOrder::CreatedAt), ("email_address", InvitationOrder::EmailAddress)];

pub(crate) fn org_invitation_not_found(id: &str) -> ApiError {
    ApiError::not_found("not found", format!("No invitation found with id {id}."))
}

fn not_unique(email: &str) -> ApiError {
    ApiError::new(
        ErrorKind::BadRequest,
        "organization_invitation_not_unique",
        "organization invitation not unique",
        format!("Organizations cannot have duplicate pending invitations for an email address ({email})."),
    )
    .with_param("email_address")
}

fn not_pending(status: InvitationStatus) -> ApiError {
    ApiError::new(
        ErrorKind::NotFound,
        "organization_invitation_not_pending",
        "not pending",
        format!("The organization invitation is not in the 'pending' status (it is {}).", status.as_str()),
    )
}

fn quota_exceeded(max: i64) -> ApiError {
    ApiError::new(
        ErrorKind::Forbidden,
        "organization_membership_quota_exceeded",
        "organization membership quota exceeded",
        format!("You have reached your limit of {max} organization memberships, including outstanding invitations."),
    )
}

fn already_a_member(who: &str) -> ApiError {
    ApiError::new(
        ErrorKind::BadRequest,
        "already_a_member_in_organization",
        "already a member",
        format!("{who} is already a member of the organization."),
    )
}

/// Why an invitation in this status cannot be accepted (none when it is pending).
fn acceptable(status: InvitationStatus) -> ApiResult<()> {
    match status {
        InvitationStatus::Pending => Ok(()),
        InvitationStatus::Accepted => Err(ApiError::new(
            ErrorKind::BadRequest,
            "organization_invitation_already_accepted",
            "invitation has already been accepted",
            "This invitation has already been accepted.",
        )),
        InvitationStatus::Revoked => Err(ApiError::new(
            ErrorKind::BadRequest,
            "organization_invitation_revoked_code",
            "invitation has been revoked",
            "This invitation has been revoked and cannot be used anymore.",
        )),
        InvitationStatus::Expired => Err(not_pending(status)),
    }
}

fn inviter_data(u: &User) -> OrganizationInvitationPublicUserData {
    let p = public_user_data(u);
    OrganizationInvitationPublicUserData {
        user_id: p.user_id,
        first_name: p.first_name,
        last_name: p.last_name,
        image_url: p.image_url,
        has_image: p.has_image,
        identifier: p.identifier.unwrap_or_default(),
    }
}

fn organization_data(o: &Organization) -> OrganizationInvitationPublicOrganizationData {
    OrganizationInvitationPublicOrganizationData {
        id: o.id.clone(),
        name: o.name.clone(),
        slug: o.slug.clone(),
        image_url: o.image_url.clone(),
        has_image: o.has_image,
    }
}

/// The wire `OrganizationInvitation` at `now`, with the inviter (when known) and, for lists that span
/// organizations, the organization's public data.
pub fn org_invitation_object(
    r: &OrganizationInvitationRecord,
    now: i64,
    inviter: Option<&User>,
    organization: Option<&Organization>,
) -> OrganizationInvitation {
    OrganizationInvitation {
        object: object::ORGANIZATION_INVITATION.to_owned(),
        id: r.id.clone(),
        email_address: r.email_address.clone(),
        role: r.role.clone(),
        role_name: r.role_name.clone().unwrap_or_else(|| crate::roles::role_name_from_key(&r.role)),
        organization_id: r.organization_id.clone(),
        inviter_id: r.inviter_id.clone(),
        public_inviter_data: inviter.map(inviter_data),
        status: effective_status(r.status, r.expires_at, now),
        public_metadata: r.public_metadata.clone(),
        private_metadata: r.private_metadata.clone(),
        url: None,
        expires_at: Some(r.expires_at),
        created_at: r.created_at,
        updated_at: r.updated_at,
        public_organization_data: organization.map(organization_data),
    }
}

/// One invitation body, read (not yet checked against the store).
fn read_org_invitation(mut f: Fields, org_id: &str, now: i64) -> ApiResult<OrganizationInvitationRecord> {
    let email = f.required_string("email_address")?;
    let role = f.required_string("role")?;
    let inviter_id = f.opt_string("inviter_user_id")?;
    let public_metadata = f.opt_object("public_metadata")?.unwrap_or_default();
    let private_metadata = f.opt_object("private_metadata")?.unwrap_or_default();
    f.opt_string("redirect_url")?;
    let days = f.int(&EXPIRES_IN_DAYS)?;
    f.opt_bool("notify")?;
    f.finish()?;
    let email_address = normalize_email(&email)?;
    check_size("public_metadata", &public_metadata)?;
    check_size("private_metadata", &private_metadata)?;
    Ok(OrganizationInvitationRecord {
        id: ids::new_id(ids::ORGANIZATION_INVITATION, now),
        organization_id: org_id.to_owned(),
        email_address,
        role,
        role_name: None,
        inviter_id,
        public_metadata,
        private_metadata,
        status: InvitationStatus::Pending,
        expires_at: expiry(now, days),
        created_at: now,
        updated_at: now,
    })
}

/// `status`, order and page of an organization invitation list.
fn list_filter(q: &QueryParams, now: i64) -> ApiResult<(InvitationFilter, Page)> {
    let ListPage { limit, offset } = q.list_page()?;
    let filter = InvitationFilter {
        status: statuses(q)?,
        order_by: order_by(q.first("order_by").as_deref(), ORG_INVITATION_ORDERS)?,
        now,
        ..Default::default()
    };
    Ok((filter, page(ListPage { limit, offset })))
}

impl Tessera {
    /// Fills in `pending_invitations_count` (invitations pending now) of each organization.
    pub(crate) async fn fill_pending_invitations(&self, orgs: &mut [Organization]) -> ApiResult<()> {
        if orgs.is_empty() {
            return Ok(());
        }
        let ids: Vec<String> = orgs.iter().map(|o| o.id.clone()).collect();
        let counts = self.store.count_pending_organization_invitations(&ids, self.now_ms()).await?;
        for o in orgs {
            o.pending_invitations_count = Some(counts.iter().find(|(id, _)| *id == o.id).map_or(0, |(_, n)| *n));
        }
        Ok(())
    }

    /// Checks that `user_id` names a member of `org` whose role may manage memberships.
    async fn check_admin(&self, org: &Organization, user_id: &str, param: &str) -> ApiResult<()> {
        let user = self.get_user(user_id).await.map_err(|e| e.with_param(param))?;
        let member = self.store.get_membership(&org.id, &user.id).await?;
        if !member.is_some_and(|m| m.permissions.iter().any(|p| p == INVITE_PERMISSION)) {
            return Err(ApiError::new(
                ErrorKind::Forbidden,
                "not_an_admin_in_organization",
                "not an administrator",
                format!(
                    "{user_id} is not an administrator in the organization. Only administrators can perform this action."
                ),
            )
            .with_param(param));
        }
        Ok(())
    }

    /// The id of a member of `org_id` with this (lowercase) email address, if there is one.
    async fn member_with_email(&self, org_id: &str, email: &str) -> ApiResult<Option<String>> {
        let filter = MembershipFilter {
            organization_id: Some(org_id.to_owned()),
            user: UserFilter { email_address: vec![email.to_owned()], ..Default::default() },
            ..Default::default()
        };
        let (found, _) = self.store.list_memberships(&filter, Page { limit: 1, offset: 0 }).await?;
        Ok(found.into_iter().next().map(|m| m.user_id))
    }

    /// Checks new invitations to `org` against the store, then creates them together.
    async fn insert_org_invitations(
        &self,
        org: &Organization,
        items: Vec<OrganizationInvitationRecord>,
        now: i64,
    ) -> ApiResult<Vec<OrganizationInvitation>> {
        let bulk = items.len() > 1;
        let at = |e: ApiError, i: usize| if bulk { at_item(e, i) } else { e };
        let mut seen = BTreeSet::new();
        for (i, r) in items.iter().enumerate() {
            if !seen.insert(r.email_address.as_str()) {
                return Err(at(not_unique(&r.email_address), i));
            }
            self.check_member_role(org.role_set_key.as_deref(), &r.role).await.map_err(|e| at(e, i))?;
            if let Some(inviter) = &r.inviter_id {
                self.check_admin(org, inviter, "inviter_user_id").await.map_err(|e| at(e, i))?;
            }
            if let Some(user_id) = self.member_with_email(&org.id, &r.email_address).await? {
                return Err(at(already_a_member(&user_id).with_param("email_address"), i));
            }
        }
        let emails: Vec<String> = items.iter().map(|r| r.email_address.clone()).collect();
        let filter = InvitationFilter {
            organization_id: Some(org.id.clone()),
            email_address: emails,
            status: vec![InvitationStatus::Pending],
            now,
            ..Default::default()
        };
        let (pending, _) = self.store.list_organization_invitations(&filter, Page { limit: 1, offset: 0 }).await?;
        if let Some(p) = pending.first() {
            return Err(not_unique(&p.email_address));
        }
        let max = org.max_allowed_memberships;
        let held = org.members_count.unwrap_or(0) + org.pending_invitations_count.unwrap_or(0);
        if max > 0 && held + items.len() as i64 > max {
            return Err(quota_exceeded(max));
        }
        match self.store.insert_organization_invitations(&items, now).await {
            Ok(()) => {}
            Err(StoreError::Conflict(f)) if f == "email_address" => {
                return Err(not_unique(&items.iter().map(|r| r.email_address.as_str()).collect::<Vec<_>>().join(", ")));
            }
            Err(StoreError::Conflict(f)) if f == "organization" => return Err(ApiError::organization_not_found()),
            Err(e) => return Err(e.into()),
        }
        let mut out = Vec::with_capacity(items.len());
        for r in &items {
            let stored = self.store.get_organization_invitation(&r.id).await?.unwrap_or_else(|| r.clone());
            out.push(self.render_org_invitation(&stored, now, None).await?);
        }
        Ok(out)
    }

    async fn render_org_invitation(
        &self,
        r: &OrganizationInvitationRecord,
        now: i64,
        organization: Option<&Organization>,
    ) -> ApiResult<OrganizationInvitation> {
        let inviter = match &r.inviter_id {
            Some(id) => self.store.get_user(id).await?,
            None => None,
        };
        Ok(org_invitation_object(r, now, inviter.as_ref(), organization))
    }

    /// Renders a page of invitations, reading each inviter (and organization, when `public_orgs`)
    /// once.
    async fn render_org_invitations(
        &self,
        rows: &[OrganizationInvitationRecord],
        now: i64,
        public_orgs: bool,
    ) -> ApiResult<Vec<OrganizationInvitation>> {
        let mut users: HashMap<String, Option<User>> = HashMap::new();
        let mut orgs: HashMap<String, Option<Organization>> = HashMap::new();
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            if let Some(id) = &r.inviter_id
                && !users.contains_key(id)
            {
                users.insert(id.clone(), self.store.get_user(id).await?);
            }
            if public_orgs && !orgs.contains_key(&r.organization_id) {
                orgs.insert(r.organization_id.clone(), self.store.get_organization(&r.organization_id).await?);
            }
            let inviter = r.inviter_id.as_ref().and_then(|id| users.get(id)).and_then(Option::as_ref);
            let org = orgs.get(&r.organization_id).and_then(Option::as_ref);
            out.push(org_invitation_object(r, now, inviter, org));
        }
        Ok(out)
    }

    /// `POST /organizations/{org_id}/invitations`.
    pub async fn create_organization_invitation(&self, org_id: &str, f: Fields) -> ApiResult<OrganizationInvitation> {
        let org = self.get_organization(org_id).await?;
        let now = self.now_ms();
        let item = read_org_invitation(f, &org.id, now)?;
        let mut created = self.insert_org_invitations(&org, vec![item], now).await?;
        created.pop().ok_or_else(|| ApiError::internal_logged("invitations", "an insert answered no invitation"))
    }

    /// Creates an invitation with a given id (seed files).
    pub(crate) async fn create_organization_invitation_as(
        &self,
        id: String,
        org_id: &str,
        f: Fields,
    ) -> ApiResult<OrganizationInvitation> {
        let org = self.get_organization(org_id).await?;
        let now = self.now_ms();
        let item = OrganizationInvitationRecord { id, ..read_org_invitation(f, &org.id, now)? };
        let mut created = self.insert_org_invitations(&org, vec![item], now).await?;
        created.pop().ok_or_else(|| ApiError::internal_logged("invitations", "an insert answered no invitation"))
    }

    /// `POST /organizations/{org_id}/invitations/bulk`: 1 to 10 invitations, all created or none.
    pub async fn create_organization_invitations_bulk(
        &self,
        org_id: &str,
        items: Vec<Fields>,
    ) -> ApiResult<Paginated<OrganizationInvitation>> {
        check_bulk_size(items.len())?;
        let org = self.get_organization(org_id).await?;
        let now = self.now_ms();
        let mut parsed = Vec::with_capacity(items.len());
        for (i, f) in items.into_iter().enumerate() {
            parsed.push(read_org_invitation(f, &org.id, now).map_err(|e| at_item(e, i))?);
        }
        let data = self.insert_org_invitations(&org, parsed, now).await?;
        Ok(Paginated { total_count: data.len() as i64, data })
    }

    /// `GET /organizations/{org_id}/invitations`: `status` (repeatable), `email_address`,
    /// `order_by` (default newest first), `limit`, `offset`.
    pub async fn list_organization_invitations(
        &self,
        org_id: &str,
        q: &QueryParams,
    ) -> ApiResult<Paginated<OrganizationInvitation>> {
        let now = self.now_ms();
        let (mut filter, page) = list_filter(q, now)?;
        if let Some(e) = q.one("email_address") {
            filter.email_address = vec![e.trim().to_lowercase()];
        }
        let org = self.get_organization(org_id).await?;
        filter.organization_id = Some(org.id);
        let (rows, total_count) = self.store.list_organization_invitations(&filter, page).await?;
        Ok(Paginated { data: self.render_org_invitations(&rows, now, false).await?, total_count })
    }

    /// `GET /organizations/{org_id}/invitations/pending` (deprecated by Clerk): the pending ones,
    /// newest first.
    pub async fn list_pending_organization_invitations(
        &self,
        org_id: &str,
        q: &QueryParams,
    ) -> ApiResult<Paginated<OrganizationInvitation>> {
        let page = q.page()?;
        let org = self.get_organization(org_id).await?;
        let now = self.now_ms();
        let filter = InvitationFilter {
            organization_id: Some(org.id),
            status: vec![InvitationStatus::Pending],
            now,
            ..Default::default()
        };
        let (rows, total_count) = self.store.list_organization_invitations(&filter, page).await?;
        Ok(Paginated { data: self.render_org_invitations(&rows, now, false).await?, total_count })
    }

    /// `GET /organization_invitations`: every organization invitation of the instance, with its
    /// organization's public data; `query` is a part of the email address (or the whole id).
    pub async fn list_instance_organization_invitations(
        &self,
        q: &QueryParams,
    ) -> ApiResult<Paginated<OrganizationInvitation>> {
        let now = self.now_ms();
        let (mut filter, page) = list_filter(q, now)?;
        filter.query = q.one("query");
        let (rows, total_count) = self.store.list_organization_invitations(&filter, page).await?;
        Ok(Paginated { data: self.render_org_invitations(&rows, now, true).await?, total_count })
    }

    /// `GET /users/{user_id}/organization_invitations`: the invitations of the user's email
    /// addresses, with each organization's public data, newest first.
    pub async fn list_user_organization_invitations(
        &self,
        user_id: &str,
        q: &QueryParams,
    ) -> ApiResult<Paginated<OrganizationInvitation>> {
        let now = self.now_ms();
        let status = statuses(q)?;
        let page = q.page()?;
        let user = self.get_user(user_id).await?;
        let emails: Vec<String> = user.email_addresses.iter().map(|e| e.email_address.to_lowercase()).collect();
        if emails.is_empty() {
            return Ok(Paginated { data: Vec::new(), total_count: 0 });
        }
        let filter = InvitationFilter { email_address: emails, status, now, ..Default::default() };
        let (rows, total_count) = self.store.list_organization_invitations(&filter, page).await?;
        Ok(Paginated { data: self.render_org_invitations(&rows, now, true).await?, total_count })
    }

    /// The invitation `id` of `org`, or 404.
    async fn org_invitation_of(&self, org: &Organization, id: &str) -> ApiResult<OrganizationInvitationRecord> {
        self.store
            .get_organization_invitation(id)
            .await?
            .filter(|r| r.organization_id == org.id)
            .ok_or_else(|| org_invitation_not_found(id))
    }

    /// `GET /organizations/{org_id}/invitations/{invitation_id}`.
    pub async fn get_organization_invitation(&self, org_id: &str, id: &str) -> ApiResult<OrganizationInvitation> {
        let org = self.get_organization(org_id).await?;
        let r = self.org_invitation_of(&org, id).await?;
        self.render_org_invitation(&r, self.now_ms(), None).await
    }

    /// `POST /organizations/{org_id}/invitations/{invitation_id}/revoke`: only a pending invitation
    /// can be revoked; `requesting_user_id`, when given, must be an administrator.
    pub async fn revoke_organization_invitation(
        &self,
        org_id: &str,
        id: &str,
        mut f: Fields,
    ) -> ApiResult<OrganizationInvitation> {
        let requesting = f.opt_string("requesting_user_id")?;
        f.finish()?;
        let org = self.get_organization(org_id).await?;
        let r = self.org_invitation_of(&org, id).await?;
        if let Some(user_id) = requesting {
            self.check_admin(&org, &user_id, "requesting_user_id").await?;
        }
        let now = self.now_ms();
        let status = effective_status(r.status, r.expires_at, now);
        if status != InvitationStatus::Pending {
            return Err(not_pending(status));
        }
        let r =
            self.store.revoke_organization_invitation(id, now).await?.ok_or_else(|| org_invitation_not_found(id))?;
        if r.status != InvitationStatus::Revoked {
            return Err(not_pending(effective_status(r.status, r.expires_at, now)));
        }
        self.render_org_invitation(&r, now, None).await
    }

    /// `POST /v1/tessera/organizations/{org_id}/invitations/{invitation_id}/accept` (Tessera's): the
    /// user with the invited email address (or `user_id`, who must have it) becomes a member with the
    /// invited role and the invitation's metadata; the invitation becomes `accepted`. One transaction.
    pub async fn accept_organization_invitation(
        &self,
        org_id: &str,
        id: &str,
        mut f: Fields,
    ) -> ApiResult<OrganizationMembership> {
        let user_id = f.opt_string("user_id")?;
        f.finish()?;
        let org = self.get_organization(org_id).await?;
        let r = self.org_invitation_of(&org, id).await?;
        let now = self.now_ms();
        acceptable(effective_status(r.status, r.expires_at, now))?;
        let has_email = |u: &User| u.email_addresses.iter().any(|e| e.email_address.to_lowercase() == r.email_address);
        let user = match user_id {
            Some(uid) => {
                let u = self.get_user(&uid).await.map_err(|e| e.with_param("user_id"))?;
                if !has_email(&u) {
                    return Err(ApiError::param_value(
                        "user_id",
                        format!("User {uid} does not have the invited email address {}.", r.email_address),
                    ));
                }
                u
            }
            None => {
                let filter = UserFilter { email_address: vec![r.email_address.clone()], ..Default::default() };
                let found = self.store.list_users(&filter, Page { limit: 1, offset: 0 }).await?;
                found.into_iter().next().ok_or_else(|| {
                    ApiError::new(
                        ErrorKind::BadRequest,
                        "organization_invitation_identification_not_exist",
                        "identification not found",
                        format!(
                            "No user has the email address {}: create the user first to accept this invitation.",
                            r.email_address
                        ),
                    )
                })?
            }
        };
        self.check_member_role(org.role_set_key.as_deref(), &r.role).await?;
        if org.max_allowed_memberships > 0 && org.members_count.unwrap_or(0) >= org.max_allowed_memberships {
            return Err(quota_exceeded(org.max_allowed_memberships));
        }
        let m = MembershipRecord {
            id: ids::new_id(ids::MEMBERSHIP, now),
            organization_id: org.id.clone(),
            user_id: user.id.clone(),
            role: r.role.clone(),
            role_name: None,
            permissions: Vec::new(),
            public_metadata: r.public_metadata.clone(),
            private_metadata: r.private_metadata.clone(),
            created_at: now,
            updated_at: now,
        };
        match self.store.accept_organization_invitation(&r.id, &m, now).await {
            Ok(true) => {}
            Ok(false) => {
                // Accepted, revoked or expired meanwhile.
                let r = self.org_invitation_of(&org, id).await?;
                acceptable(effective_status(r.status, r.expires_at, now))?;
                return Err(not_pending(InvitationStatus::Expired));
            }
            Err(StoreError::Conflict(f)) if f == "membership" => {
                return Err(already_a_member(&user.id).with_param("user_id"));
            }
            Err(e) => return Err(e.into()),
        }
        let (org, m) = self.membership_parts(&org.id, &user.id).await?;
        Ok(membership_object(&m, &org, Some(&user)))
    }
}
