//! Organizations, memberships, roles and their permissions.

use tessera_types::{
    DeletedObject, ListPage, Organization, OrganizationMembership, Paginated, PublicUserData, User, UserListFilter,
    object,
};

use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::fields::{Body, Field, Fields, MAX_NAME_CHARS};
use crate::ids;
use crate::metadata::{check_size, deep_merge};
use crate::query::{QueryParams, order_by, page};
use crate::service::Tessera;
use crate::store::{MembershipFilter, MembershipOrder, MembershipRecord, OrganizationFilter, OrganizationOrder};

pub use crate::roles::{ROLE_ADMIN, ROLE_MEMBER};

// ---- bodies ----------------------------------------------------------------------------------------

/// Trimmed; not blank.
const NAME: Field = Field::string_of("name", 1, MAX_NAME_CHARS);
/// Lowercase letters, digits, `-` and `_` (checked by `check_slug`).
pub const SLUG: Field = Field::string_of("slug", 1, 128);
const MAX_ALLOWED_MEMBERSHIPS: Field = Field::int("max_allowed_memberships", 0, 100_000);
const METADATA: &[Field] = &[Field::object("public_metadata"), Field::object("private_metadata")];
/// A role key of the instance, in the organization's role set.
const ROLE: Field = Field::string("role").required();
/// The key of an existing role set.
const ROLE_SET_KEY: Field = Field::string("role_set_key");

/// `POST /organizations`.
pub const CREATE_ORGANIZATION: Body = Body {
    schema: "CreateOrganizationRequestBody",
    groups: &[&[NAME.required(), SLUG, Field::string("created_by"), MAX_ALLOWED_MEMBERSHIPS, ROLE_SET_KEY], METADATA],
};

/// `PATCH /organizations/{org_id}`.
pub const UPDATE_ORGANIZATION: Body = Body {
    schema: "UpdateOrganizationRequestBody",
    groups: &[&[NAME, SLUG, MAX_ALLOWED_MEMBERSHIPS, Field::bool("admin_delete_enabled"), ROLE_SET_KEY], METADATA],
};

/// The organization and membership metadata merges.
pub const ORGANIZATION_METADATA: Body = Body { schema: "OrganizationMetadataRequestBody", groups: &[METADATA] };

/// `POST /organizations/{org_id}/memberships`.
pub const CREATE_MEMBERSHIP: Body = Body {
    schema: "CreateOrganizationMembershipRequestBody",
    groups: &[&[Field::string("user_id").required(), ROLE], METADATA],
};

/// `PATCH /organizations/{org_id}/memberships/{user_id}`.
pub const UPDATE_MEMBERSHIP: Body = Body { schema: "UpdateOrganizationMembershipRequestBody", groups: &[&[ROLE]] };

/// The fields memberships can be sorted by.
const MEMBERSHIP_ORDERS: &[(&str, MembershipOrder)] = &[
    ("created_at", MembershipOrder::CreatedAt),
    ("first_name", MembershipOrder::FirstName),
    ("last_name", MembershipOrder::LastName),
    ("username", MembershipOrder::Username),
    ("email_address", MembershipOrder::EmailAddress),
    ("phone_number", MembershipOrder::PhoneNumber),
];

/// The fields organizations can be sorted by.
const ORGANIZATION_ORDERS: &[(&str, OrganizationOrder)] = &[
    ("created_at", OrganizationOrder::CreatedAt),
    ("name", OrganizationOrder::Name),
    ("members_count", OrganizationOrder::MembersCount),
];

/// The permissions `org:admin` and `org:member` have at first start (for rendering without a store;
/// the store's roles are what counts).
pub fn role_permissions(role: &str) -> Vec<String> {
    crate::roles::default_role_permissions(role)
}

fn slugify(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

fn check_slug(slug: &str) -> ApiResult<()> {
    if slug.is_empty()
        || slug.len() > SLUG.max_chars()
        || !slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    {
        return Err(ApiError::param_format(
            "slug",
            "slug must contain only lowercase letters, digits, '-' and '_' and be 1 to 128 characters long.",
        ));
    }
    Ok(())
}

pub fn public_user_data(u: &User) -> PublicUserData {
    let identifier = u
        .email_addresses
        .iter()
        .find(|e| Some(&e.id) == u.primary_email_address_id.as_ref())
        .map(|e| e.email_address.clone())
        .or_else(|| u.username.clone())
        .or_else(|| u.phone_numbers.first().map(|p| p.phone_number.clone()));
    PublicUserData {
        user_id: u.id.clone(),
        first_name: u.first_name.clone(),
        last_name: u.last_name.clone(),
        profile_image_url: Some(u.image_url.clone()),
        image_url: u.image_url.clone(),
        has_image: u.has_image,
        identifier,
        username: u.username.clone(),
        banned: u.banned,
        deprovisioned: u.deprovisioned,
    }
}

pub fn membership_object(m: &MembershipRecord, org: &Organization, user: Option<&User>) -> OrganizationMembership {
    OrganizationMembership {
        object: object::ORGANIZATION_MEMBERSHIP.to_owned(),
        id: m.id.clone(),
        role: m.role.clone(),
        role_name: m.role_name.clone().unwrap_or_else(|| crate::roles::role_name_from_key(&m.role)),
        permissions: m.permissions.clone(),
        public_metadata: m.public_metadata.clone(),
        private_metadata: m.private_metadata.clone(),
        organization: org.clone(),
        public_user_data: user.map(public_user_data),
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

impl Tessera {
    pub async fn create_organization(&self, f: Fields) -> ApiResult<Organization> {
        self.create_organization_as(None, f).await
    }

    pub(crate) async fn create_organization_as(&self, id: Option<String>, mut f: Fields) -> ApiResult<Organization> {
        let name = f.required_string("name")?;
        let slug = f.opt_string("slug")?;
        let created_by = f.opt_string("created_by")?;
        let max = f.int(&MAX_ALLOWED_MEMBERSHIPS)?;
        let role_set_key = f.opt_string("role_set_key")?;
        let public_metadata = f.opt_object("public_metadata")?.unwrap_or_default();
        let private_metadata = f.opt_object("private_metadata")?.unwrap_or_default();
        f.finish()?;
        let name = name.trim().to_owned();
        if name.is_empty() {
            return Err(ApiError::param_value("name", "name must not be empty."));
        }
        NAME.check_len(&name)?;
        check_size("public_metadata", &public_metadata)?;
        check_size("private_metadata", &private_metadata)?;
        let slug = match slug {
            Some(s) => s,
            None => {
                let s = slugify(&name);
                if s.is_empty() { "org".to_owned() } else { s }
            }
        };
        check_slug(&slug)?;
        let creator = match &created_by {
            Some(uid) => Some(self.get_user(uid).await.map_err(|e| e.with_param("created_by"))?),
            None => None,
        };
        let set = self.role_set_for_new_organization(role_set_key.as_deref()).await?;
        let creator_role = set
            .roles
            .iter()
            .find(|(r, _)| Some(&r.id) == set.set.creator_role_id.as_ref())
            .map_or_else(|| ROLE_ADMIN.to_owned(), |(r, _)| r.key.clone());
        let now = self.now_ms();
        let org = Organization {
            object: object::ORGANIZATION.to_owned(),
            id: id.unwrap_or_else(|| ids::new_id(ids::ORGANIZATION, now)),
            name,
            slug,
            image_url: String::new(),
            has_image: false,
            members_count: Some(i64::from(creator.is_some())),
            // Not stored: counted at read.
            pending_invitations_count: None,
            max_allowed_memberships: max.unwrap_or(0),
            admin_delete_enabled: true,
            public_metadata,
            private_metadata,
            created_by: created_by.clone(),
            role_set_key: Some(set.set.key.clone()),
            created_at: now,
            updated_at: now,
        };
        let first = creator.map(|u| MembershipRecord {
            id: ids::new_id(ids::MEMBERSHIP, now),
            organization_id: org.id.clone(),
            user_id: u.id,
            role: creator_role,
            role_name: None,
            permissions: Vec::new(),
            public_metadata: Default::default(),
            private_metadata: Default::default(),
            created_at: now,
            updated_at: now,
        });
        self.store.insert_organization(&org, first.as_ref()).await?;
        Ok(Organization { pending_invitations_count: Some(0), ..org })
    }

    /// By id or slug, with `members_count` and `pending_invitations_count` as of now.
    pub async fn get_organization(&self, id_or_slug: &str) -> ApiResult<Organization> {
        let mut org = self.store.get_organization(id_or_slug).await?.ok_or_else(ApiError::organization_not_found)?;
        self.fill_pending_invitations(std::slice::from_mut(&mut org)).await?;
        Ok(org)
    }

    pub async fn update_organization(&self, id: &str, mut f: Fields) -> ApiResult<Organization> {
        let mut org = self.get_organization(id).await?;
        if let Some(name) = f.opt_string("name")? {
            let name = name.trim().to_owned();
            if name.is_empty() {
                return Err(ApiError::param_value("name", "name must not be empty."));
            }
            NAME.check_len(&name)?;
            org.name = name;
        }
        if let Some(slug) = f.opt_string("slug")? {
            check_slug(&slug)?;
            org.slug = slug;
        }
        if let Some(m) = f.int(&MAX_ALLOWED_MEMBERSHIPS)? {
            org.max_allowed_memberships = m;
        }
        if let Some(b) = f.opt_bool("admin_delete_enabled")? {
            org.admin_delete_enabled = b;
        }
        if let Some(key) = f.opt_string("role_set_key")? {
            self.check_role_set_change(&org, &key).await?;
            org.role_set_key = Some(key);
        }
        if let Some(m) = f.opt_object("public_metadata")? {
            check_size("public_metadata", &m)?;
            org.public_metadata = m;
        }
        if let Some(m) = f.opt_object("private_metadata")? {
            check_size("private_metadata", &m)?;
            org.private_metadata = m;
        }
        f.finish()?;
        org.updated_at = self.now_ms().max(org.updated_at);
        if !self.store.update_organization(&org).await? {
            return Err(ApiError::organization_not_found());
        }
        Ok(org)
    }

    pub async fn merge_organization_metadata(&self, id: &str, mut f: Fields) -> ApiResult<Organization> {
        let public = f.opt_object("public_metadata")?;
        let private = f.opt_object("private_metadata")?;
        f.finish()?;
        let mut org = self.get_organization(id).await?;
        if let Some(p) = public {
            deep_merge(&mut org.public_metadata, p);
            check_size("public_metadata", &org.public_metadata)?;
        }
        if let Some(p) = private {
            deep_merge(&mut org.private_metadata, p);
            check_size("private_metadata", &org.private_metadata)?;
        }
        org.updated_at = self.now_ms().max(org.updated_at);
        if !self.store.update_organization(&org).await? {
            return Err(ApiError::organization_not_found());
        }
        Ok(org)
    }

    pub async fn delete_organization(&self, id: &str) -> ApiResult<DeletedObject> {
        let org = self.get_organization(id).await?;
        if !self.store.delete_organization(&org.id).await? {
            return Err(ApiError::organization_not_found());
        }
        Ok(DeletedObject {
            object: object::ORGANIZATION.to_owned(),
            id: Some(org.id),
            slug: Some(org.slug),
            deleted: true,
        })
    }

    pub async fn list_organizations(&self, q: &QueryParams) -> ApiResult<Paginated<Organization>> {
        let f = q.organization_list_filter()?;
        if f.include_missing_member_with_elevated_permissions == Some(true) {
            return Err(ApiError::query_value_unsupported(
                "include_missing_member_with_elevated_permissions",
                "true",
                "Tessera does not compute missing_member_with_elevated_permissions.",
            ));
        }
        let filter = OrganizationFilter {
            order_by: order_by(f.order_by.as_deref(), ORGANIZATION_ORDERS)?,
            query: f.query,
            user_id: crate::query::id_filter("user_id", f.user_id)?,
            organization_id: crate::query::id_filter("organization_id", f.organization_id)?,
        };
        let (mut data, total_count) =
            self.store.list_organizations(&filter, page(ListPage { limit: f.limit, offset: f.offset })).await?;
        self.fill_pending_invitations(&mut data).await?;
        // `members_count` is included unless asked not to be.
        if f.include_members_count == Some(false) {
            data.iter_mut().for_each(|o| o.members_count = None);
        }
        Ok(Paginated { data, total_count })
    }

    // ---- memberships ------------------------------------------------------------------------------

    pub async fn create_membership(&self, org_id: &str, mut f: Fields) -> ApiResult<OrganizationMembership> {
        let user_id = f.required_string("user_id")?;
        let role = f.required_string("role")?;
        let public_metadata = f.opt_object("public_metadata")?.unwrap_or_default();
        let private_metadata = f.opt_object("private_metadata")?.unwrap_or_default();
        f.finish()?;
        check_size("public_metadata", &public_metadata)?;
        check_size("private_metadata", &private_metadata)?;
        let org = self.get_organization(org_id).await?;
        let user = self.get_user(&user_id).await.map_err(|e| e.with_param("user_id"))?;
        self.check_member_role(org.role_set_key.as_deref(), &role).await?;
        if org.max_allowed_memberships > 0 && org.members_count.unwrap_or(0) >= org.max_allowed_memberships {
            return Err(ApiError::new(
                ErrorKind::Forbidden,
                "organization_membership_quota_exceeded",
                "membership quota exceeded",
                format!("The organization has reached its limit of {} memberships.", org.max_allowed_memberships),
            ));
        }
        let now = self.now_ms();
        let m = MembershipRecord {
            id: ids::new_id(ids::MEMBERSHIP, now),
            organization_id: org.id.clone(),
            user_id: user.id.clone(),
            permissions: Vec::new(),
            role_name: None,
            role,
            public_metadata,
            private_metadata,
            created_at: now,
            updated_at: now,
        };
        match self.store.insert_membership(&m).await {
            Ok(()) => {}
            Err(crate::store::StoreError::Conflict(_)) => {
                return Err(ApiError::new(
                    ErrorKind::Unprocessable,
                    "already_a_member_in_organization",
                    "already a member",
                    format!("User {} is already a member of the organization.", user.id),
                )
                .with_param("user_id"));
            }
            Err(e) => return Err(e.into()),
        }
        let (org, m) = self.membership_parts(&org.id, &user.id).await?;
        Ok(membership_object(&m, &org, Some(&user)))
    }

    pub(crate) async fn membership_parts(
        &self,
        org_id: &str,
        user_id: &str,
    ) -> ApiResult<(Organization, MembershipRecord)> {
        let org = self.get_organization(org_id).await?;
        let m = self.store.get_membership(&org.id, user_id).await?.ok_or_else(ApiError::membership_not_found)?;
        Ok((org, m))
    }

    pub async fn update_membership(
        &self,
        org_id: &str,
        user_id: &str,
        mut f: Fields,
    ) -> ApiResult<OrganizationMembership> {
        let role = f.required_string("role")?;
        f.finish()?;
        let (org, mut m) = self.membership_parts(org_id, user_id).await?;
        self.check_member_role(org.role_set_key.as_deref(), &role).await?;
        m.role = role;
        m.updated_at = self.now_ms().max(m.updated_at);
        if !self.store.update_membership(&m).await? {
            return Err(ApiError::membership_not_found());
        }
        let (org, m) = self.membership_parts(&org.id, user_id).await?;
        let user = self.store.get_user(user_id).await?;
        Ok(membership_object(&m, &org, user.as_ref()))
    }

    pub async fn merge_membership_metadata(
        &self,
        org_id: &str,
        user_id: &str,
        mut f: Fields,
    ) -> ApiResult<OrganizationMembership> {
        let public = f.opt_object("public_metadata")?;
        let private = f.opt_object("private_metadata")?;
        f.finish()?;
        let (org, mut m) = self.membership_parts(org_id, user_id).await?;
        if let Some(p) = public {
            deep_merge(&mut m.public_metadata, p);
            check_size("public_metadata", &m.public_metadata)?;
        }
        if let Some(p) = private {
            deep_merge(&mut m.private_metadata, p);
            check_size("private_metadata", &m.private_metadata)?;
        }
        m.updated_at = self.now_ms().max(m.updated_at);
        if !self.store.update_membership(&m).await? {
            return Err(ApiError::membership_not_found());
        }
        let user = self.store.get_user(user_id).await?;
        Ok(membership_object(&m, &org, user.as_ref()))
    }

    pub async fn delete_membership(&self, org_id: &str, user_id: &str) -> ApiResult<OrganizationMembership> {
        let (org, m) = self.membership_parts(org_id, user_id).await?;
        if !self.store.delete_membership(&org.id, user_id).await? {
            return Err(ApiError::membership_not_found());
        }
        let user = self.store.get_user(user_id).await?;
        Ok(membership_object(&m, &org, user.as_ref()))
    }

    pub async fn list_memberships(
        &self,
        org_id: &str,
        q: &QueryParams,
    ) -> ApiResult<Paginated<OrganizationMembership>> {
        let f = q.membership_list_filter()?;
        let org = self.get_organization(org_id).await?;
        let filter = MembershipFilter {
            organization_id: Some(org.id.clone()),
            user: crate::users::user_filter(UserListFilter {
                user_id: f.user_id,
                email_address: f.email_address,
                phone_number: f.phone_number,
                username: f.username,
                web3_wallet: f.web3_wallet,
                query: f.query,
                email_address_query: f.email_address_query,
                phone_number_query: f.phone_number_query,
                username_query: f.username_query,
                name_query: f.name_query,
                last_active_at_before: f.last_active_at_before,
                last_active_at_after: f.last_active_at_after,
                created_at_before: f.created_at_before,
                created_at_after: f.created_at_after,
                ..Default::default()
            })?,
            role: f.role,
            order_by: order_by(f.order_by.as_deref(), MEMBERSHIP_ORDERS)?,
        };
        let page = page(ListPage { limit: f.limit, offset: f.offset });
        let (records, total_count) = self.store.list_memberships(&filter, page).await?;
        let mut data = Vec::with_capacity(records.len());
        for m in &records {
            let user = self.store.get_user(&m.user_id).await?;
            data.push(membership_object(m, &org, user.as_ref()));
        }
        Ok(Paginated { data, total_count })
    }

    /// Every membership of the instance (`GET /organization_memberships`), newest first unless
    /// `order_by` says otherwise.
    pub async fn list_instance_memberships(&self, q: &QueryParams) -> ApiResult<Paginated<OrganizationMembership>> {
        let order = order_by(q.first("order_by").as_deref(), MEMBERSHIP_ORDERS)?;
        let filter = MembershipFilter {
            order_by: Some(order.unwrap_or((MembershipOrder::CreatedAt, true))),
            ..Default::default()
        };
        let (records, total_count) = self.store.list_memberships(&filter, q.page()?).await?;
        let mut orgs: std::collections::HashMap<String, Organization> = std::collections::HashMap::new();
        let mut data = Vec::with_capacity(records.len());
        for m in &records {
            if !orgs.contains_key(&m.organization_id) {
                let Some(mut org) = self.store.get_organization(&m.organization_id).await? else { continue };
                self.fill_pending_invitations(std::slice::from_mut(&mut org)).await?;
                orgs.insert(m.organization_id.clone(), org);
            }
            let Some(org) = orgs.get(&m.organization_id) else { continue };
            let user = self.store.get_user(&m.user_id).await?;
            data.push(membership_object(m, org, user.as_ref()));
        }
        Ok(Paginated { data, total_count })
    }

    /// Every organization membership of a user (`GET /users/{id}/organization_memberships`).
    pub async fn list_user_memberships(
        &self,
        user_id: &str,
        q: &QueryParams,
    ) -> ApiResult<Paginated<OrganizationMembership>> {
        let page = q.page()?;
        let user = self.get_user(user_id).await?;
        let mut rows = self.store.list_user_memberships(user_id).await?;
        let mut orgs: Vec<Organization> = rows.iter().map(|(_, o)| o.clone()).collect();
        self.fill_pending_invitations(&mut orgs).await?;
        for ((_, o), filled) in rows.iter_mut().zip(orgs) {
            *o = filled;
        }
        let total_count = rows.len() as i64;
        let data: Vec<_> = rows
            .iter()
            .skip(usize::try_from(page.offset).unwrap_or(usize::MAX))
            .take(usize::try_from(page.limit).unwrap_or(0))
            .map(|(m, o)| membership_object(m, o, Some(&user)))
            .collect();
        Ok(Paginated { data, total_count })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(slugify("Acme, Inc."), "acme-inc");
        assert_eq!(slugify("!!"), "");
    }
}
