//! Organization permissions and roles (Clerk's Organization Permissions and Organization Roles).
//!
//! The system permissions (`org:sys_*`), the roles `org:admin` (creator role) and `org:member`
//! (default role) and the initial role set exist from the first start ([`bootstrap`]). A membership
//! holds a role by key; its permissions are the role's at the moment they are read, so a change to a
//! role's permissions is seen by the next read and the next token of every membership holding it.

use tessera_types::{DeletedObject, Paginated, Permission, Role, RoleListQuery, object};

use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::fields::{Body, Field, Fields, MAX_NAME_CHARS};
use crate::ids;
use crate::query::{QueryParams, order_by, page};
use crate::service::Tessera;
use crate::store::{RoleFilter, RoleOrder, RoleRecord, RoleSetRecord, RoleView, RolesBootstrap, Store, StoreError};

pub const ROLE_ADMIN: &str = "org:admin";
pub const ROLE_MEMBER: &str = "org:member";
/// The key of the role set created at first start.
pub const INITIAL_ROLE_SET: &str = "role_set:default";

/// Clerk's system permissions: `(key, name, description)`.
pub const SYSTEM_PERMISSIONS: &[(&str, &str, &str)] = &[
    ("org:sys_profile:manage", "Manage organization", "Permission to manage an organization."),
    ("org:sys_profile:delete", "Delete organization", "Permission to delete an organization."),
    ("org:sys_memberships:read", "Read members", "Permission to read the members of an organization."),
    ("org:sys_memberships:manage", "Manage members", "Permission to manage the members of an organization."),
    ("org:sys_domains:read", "Read domains", "Permission to read the domains of an organization."),
    ("org:sys_domains:manage", "Manage domains", "Permission to manage the domains of an organization."),
    ("org:sys_billing:read", "Read billing", "Permission to read the billing of an organization."),
    ("org:sys_billing:manage", "Manage billing", "Permission to manage the billing of an organization."),
    ("org:sys_entconns:manage", "Manage enterprise connections", "Permission to manage self-serve SSO."),
];

/// The system permissions of `org:member` at first start.
const MEMBER_PERMISSIONS: &[&str] = &["org:sys_memberships:read", "org:sys_billing:read"];

/// The permissions `org:admin` (every system permission) and `org:member` have at first start; none
/// for other keys.
pub fn default_role_permissions(role: &str) -> Vec<String> {
    match role {
        ROLE_ADMIN => SYSTEM_PERMISSIONS.iter().map(|(k, ..)| (*k).to_owned()).collect(),
        ROLE_MEMBER => MEMBER_PERMISSIONS.iter().map(|k| (*k).to_owned()).collect(),
        _ => Vec::new(),
    }
}

/// What a creator role must hold (Clerk's docs).
pub const CREATOR_PERMISSIONS: &[&str] =
    &["org:sys_memberships:manage", "org:sys_memberships:read", "org:sys_profile:delete"];

const SYSTEM_PREFIX: &str = "org:sys_";

// ---- bodies ------------------------------------------------------------------------------------------

const NAME: Field = Field::string_of("name", 1, MAX_NAME_CHARS);
const KEY: Field = Field::string_of("key", 1, 128);
const DESCRIPTION: Field = Field::string_of("description", 0, 1024);

/// `POST /organization_permissions`.
pub const CREATE_PERMISSION: Body = Body {
    schema: "CreateOrganizationPermissionRequestBody",
    groups: &[&[NAME.required(), KEY.required(), DESCRIPTION]],
};
/// `PATCH /organization_permissions/{permission_id}`.
pub const UPDATE_PERMISSION: Body =
    Body { schema: "UpdateOrganizationPermissionRequestBody", groups: &[&[NAME, KEY, DESCRIPTION]] };
/// `POST /organization_roles`.
pub const CREATE_ROLE: Body = Body {
    schema: "CreateOrganizationRoleRequestBody",
    groups: &[&[
        NAME.required(),
        KEY.required(),
        DESCRIPTION,
        Field::string_list("permissions"),
        Field::bool("include_in_initial_role_set"),
    ]],
};
/// `PATCH /organization_roles/{organization_role_id}`.
pub const UPDATE_ROLE: Body = Body {
    schema: "UpdateOrganizationRoleRequestBody",
    groups: &[&[NAME, KEY, DESCRIPTION, Field::string_list("permissions")]],
};

/// The fields permission, role and role set lists can be sorted by.
const ROLE_ORDERS: &[(&str, RoleOrder)] =
    &[("created_at", RoleOrder::CreatedAt), ("name", RoleOrder::Name), ("key", RoleOrder::Key)];

/// The query of a permission, role or role set list, parsed.
pub(crate) fn role_list(q: &QueryParams) -> ApiResult<(RoleFilter, crate::store::Page)> {
    let list = q.list_page()?;
    let raw =
        RoleListQuery { query: q.one("query"), order_by: q.one("order_by"), limit: list.limit, offset: list.offset };
    let filter = RoleFilter { query: raw.query, order_by: order_by(raw.order_by.as_deref(), ROLE_ORDERS)? };
    Ok((filter, page(list)))
}

// ---- keys and names ----------------------------------------------------------------------------------

fn segment_ok(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// `org:<feature>:<action>`, lowercase letters, digits and `_`, not `org:sys_…`.
fn check_permission_key(key: &str) -> ApiResult<()> {
    let mut parts = key.split(':');
    let ok = matches!((parts.next(), parts.next(), parts.next(), parts.next()),
        (Some("org"), Some(f), Some(a), None) if segment_ok(f) && segment_ok(a));
    if !ok {
        return Err(ApiError::param_format(
            "key",
            format!(
                "{key} is not a valid permission key: it must look like org:<feature>:<action>, each part lowercase letters, digits or '_'."
            ),
        ));
    }
    if key.starts_with(SYSTEM_PREFIX) {
        return Err(ApiError::param_value("key", "The prefix org:sys_ is reserved for system permissions."));
    }
    Ok(())
}

/// `org:<key>`, lowercase letters, digits and `_`.
pub(crate) fn check_role_key(param: &str, key: &str) -> ApiResult<()> {
    if !key.strip_prefix("org:").is_some_and(segment_ok) {
        return Err(ApiError::param_format(
            param,
            format!("{key} is not a valid role key: it must look like org:<key>, lowercase letters, digits or '_'."),
        ));
    }
    Ok(())
}

fn clean_name(name: String) -> ApiResult<String> {
    let name = name.trim().to_owned();
    if name.is_empty() {
        return Err(ApiError::param_value("name", "name must not be empty."));
    }
    NAME.check_len(&name)?;
    Ok(name)
}

fn is_system(key: &str) -> bool {
    key.starts_with(SYSTEM_PREFIX)
}

pub(crate) fn permission_not_found(id: &str) -> ApiError {
    ApiError::not_found("not found", format!("Organization permission not found: {id}"))
}

pub(crate) fn role_not_found(id: &str) -> ApiError {
    ApiError::not_found("not found", format!("Organization role not found: {id}"))
}

/// Whether a role with these permission keys may be an organization's creator role.
pub fn creator_eligible<S: AsRef<str>>(keys: &[S]) -> bool {
    CREATOR_PERMISSIONS.iter().all(|need| keys.iter().any(|k| k.as_ref() == *need))
}

pub(crate) fn missing_creator_permissions(role: &str) -> ApiError {
    ApiError::new(
        ErrorKind::Unprocessable,
        "organization_missing_creator_role_permissions",
        "missing permissions for creator role",
        format!(
            "The creator role must contain the following permissions: {} ({role} does not).",
            CREATOR_PERMISSIONS.join(", ")
        ),
    )
}

/// The wire `Role`.
pub fn role_object(v: &RoleView) -> Role {
    let keys: Vec<&str> = v.permissions.iter().map(|p| p.key.as_str()).collect();
    Role {
        object: object::ROLE.to_owned(),
        id: v.role.id.clone(),
        name: v.role.name.clone(),
        key: v.role.key.clone(),
        description: v.role.description.clone(),
        is_creator_eligible: creator_eligible(&keys),
        permissions: v.permissions.clone(),
        created_at: v.role.created_at,
        updated_at: v.role.updated_at,
    }
}

fn new_permission(id: String, key: &str, name: &str, description: &str, kind: &str, now: i64) -> Permission {
    Permission {
        object: object::PERMISSION.to_owned(),
        id,
        name: name.to_owned(),
        key: key.to_owned(),
        description: description.to_owned(),
        kind: kind.to_owned(),
        created_at: now,
        updated_at: now,
    }
}

/// "org:billing_manager" → "Billing Manager": the name given to roles that predate roles.
pub fn role_name_from_key(role: &str) -> String {
    let key = role.strip_prefix("org:").unwrap_or(role);
    key.split(['_', '-'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn role_record(key: &str, name: &str, description: Option<&str>, now: i64) -> RoleRecord {
    RoleRecord {
        id: ids::new_id(ids::ROLE, now),
        key: key.to_owned(),
        name: name.to_owned(),
        description: description.map(str::to_owned),
        created_at: now,
        updated_at: now,
    }
}

/// Makes sure the system permissions, the default roles and the initial role set exist, and gives
/// memberships and organizations written before roles existed their role and role set (their custom
/// role keys become roles without permissions, in the initial set). Idempotent; safe on several
/// nodes at once.
pub async fn bootstrap(store: &dyn Store, now: i64) -> Result<(), StoreError> {
    let permissions = SYSTEM_PERMISSIONS
        .iter()
        .map(|(key, name, desc)| new_permission(ids::new_id(ids::PERMISSION, now), key, name, desc, "system", now))
        .collect();
    let admin = role_record(ROLE_ADMIN, "Admin", Some("Role with elevated permissions"), now);
    let member = role_record(ROLE_MEMBER, "Member", Some("Role with limited permissions"), now);
    let set = RoleSetRecord {
        id: ids::new_id(ids::ROLE_SET, now),
        key: INITIAL_ROLE_SET.to_owned(),
        name: "Primary role set".to_owned(),
        description: Some("The roles new organizations get.".to_owned()),
        is_initial: true,
        default_role_id: Some(member.id.clone()),
        creator_role_id: Some(admin.id.clone()),
        created_at: now,
        updated_at: now,
    };
    let legacy_roles = store
        .legacy_membership_roles()
        .await?
        .into_iter()
        .filter(|k| k != ROLE_ADMIN && k != ROLE_MEMBER)
        .map(|k| role_record(&k, &role_name_from_key(&k), None, now))
        .collect();
    let b = RolesBootstrap {
        permissions,
        roles: vec![(admin, default_role_permissions(ROLE_ADMIN)), (member, default_role_permissions(ROLE_MEMBER))],
        initial_set: (set, vec![ROLE_ADMIN.to_owned(), ROLE_MEMBER.to_owned()]),
        legacy_roles,
    };
    store.bootstrap_roles(&b).await
}

impl Tessera {
    // ---- permissions -----------------------------------------------------------------------------

    pub async fn list_permissions(&self, q: &QueryParams) -> ApiResult<Paginated<Permission>> {
        let (filter, page) = role_list(q)?;
        let (data, total_count) = self.store.list_permissions(&filter, page).await?;
        Ok(Paginated { data, total_count })
    }

    pub async fn get_permission(&self, id: &str) -> ApiResult<Permission> {
        self.store.get_permission(id).await?.ok_or_else(|| permission_not_found(id))
    }

    /// The id of the permission with this id or key.
    pub(crate) async fn permission_id_by_id_or_key(&self, name: &str) -> ApiResult<String> {
        if let Some(p) = self.store.get_permission(name).await? {
            return Ok(p.id);
        }
        let filter = RoleFilter { query: Some(name.to_owned()), order_by: None };
        let page = crate::store::Page { limit: crate::query::MAX_PAGE_LIMIT, offset: 0 };
        let (found, _) = self.store.list_permissions(&filter, page).await?;
        found
            .into_iter()
            .find(|p| p.key == name)
            .map(|p| p.id)
            .ok_or_else(|| permission_not_found(name).with_param("permissions"))
    }

    pub async fn create_permission(&self, f: Fields) -> ApiResult<Permission> {
        self.create_permission_as(None, f).await
    }

    pub(crate) async fn create_permission_as(&self, id: Option<String>, mut f: Fields) -> ApiResult<Permission> {
        let name = clean_name(f.required_string("name")?)?;
        let key = f.required_string("key")?;
        let description = f.opt_string("description")?.unwrap_or_default();
        f.finish()?;
        check_permission_key(&key)?;
        DESCRIPTION.check_len(&description)?;
        let now = self.now_ms();
        let id = id.unwrap_or_else(|| ids::new_id(ids::PERMISSION, now));
        let p = new_permission(id, &key, &name, &description, "user", now);
        self.store.insert_permission(&p).await.map_err(|e| key_taken(e, "permission", &key))?;
        Ok(p)
    }

    pub async fn update_permission(&self, id: &str, mut f: Fields) -> ApiResult<Permission> {
        let name = f.opt_string("name")?;
        let key = f.opt_string("key")?;
        let description = f.opt_string("description")?;
        f.finish()?;
        let mut p = self.get_permission(id).await?;
        if p.kind == "system" || is_system(&p.key) {
            return Err(system_permission_not_modifiable());
        }
        if let Some(name) = name {
            p.name = clean_name(name)?;
        }
        if let Some(key) = key {
            check_permission_key(&key)?;
            p.key = key;
        }
        if let Some(d) = description {
            DESCRIPTION.check_len(&d)?;
            p.description = d;
        }
        p.updated_at = self.now_ms().max(p.updated_at);
        let key = p.key.clone();
        if !self.store.update_permission(&p).await.map_err(|e| key_taken(e, "permission", &key))? {
            return Err(permission_not_found(id));
        }
        Ok(p)
    }

    pub async fn delete_permission(&self, id: &str) -> ApiResult<DeletedObject> {
        let p = self.get_permission(id).await?;
        if p.kind == "system" || is_system(&p.key) {
            return Err(system_permission_not_modifiable());
        }
        if !self.store.delete_permission(id).await? {
            return Err(permission_not_found(id));
        }
        Ok(DeletedObject { object: object::PERMISSION.to_owned(), id: Some(p.id), slug: None, deleted: true })
    }

    // ---- roles -----------------------------------------------------------------------------------

    pub async fn list_roles(&self, q: &QueryParams) -> ApiResult<Paginated<Role>> {
        let (filter, page) = role_list(q)?;
        let (views, total_count) = self.store.list_roles(&filter, page).await?;
        Ok(Paginated { data: views.iter().map(role_object).collect(), total_count })
    }

    pub(crate) async fn role_view(&self, id: &str) -> ApiResult<RoleView> {
        self.store.get_role(id).await?.ok_or_else(|| role_not_found(id))
    }

    pub async fn get_role(&self, id: &str) -> ApiResult<Role> {
        Ok(role_object(&self.role_view(id).await?))
    }

    /// Permission ids, each existing, without repeats (order kept).
    async fn permission_ids(&self, ids: Vec<String>) -> ApiResult<Vec<String>> {
        let mut unique: Vec<String> = Vec::with_capacity(ids.len());
        for id in ids {
            if !unique.contains(&id) {
                unique.push(id);
            }
        }
        let found = self.store.get_permissions(&unique).await?;
        if let Some(missing) = unique.iter().find(|id| !found.iter().any(|p| &p.id == *id)) {
            return Err(permission_not_found(missing).with_param("permissions"));
        }
        Ok(unique)
    }

    pub async fn create_role(&self, f: Fields) -> ApiResult<Role> {
        self.create_role_as(None, f).await
    }

    pub(crate) async fn create_role_as(&self, id: Option<String>, mut f: Fields) -> ApiResult<Role> {
        let name = clean_name(f.required_string("name")?)?;
        let key = f.required_string("key")?;
        let description = f.opt_string("description")?;
        let permissions = f.opt_string_list("permissions")?.unwrap_or_default();
        let in_initial = f.opt_bool("include_in_initial_role_set")?.unwrap_or(false);
        f.finish()?;
        check_role_key("key", &key)?;
        if let Some(d) = &description {
            DESCRIPTION.check_len(d)?;
        }
        let permission_ids = self.permission_ids(permissions).await?;
        let set = if in_initial {
            Some(
                self.store
                    .initial_role_set()
                    .await?
                    .ok_or_else(|| ApiError::internal_logged("roles", "no initial role set"))?,
            )
        } else {
            None
        };
        let now = self.now_ms();
        let role = RoleRecord {
            id: id.unwrap_or_else(|| ids::new_id(ids::ROLE, now)),
            key: key.clone(),
            name,
            description,
            created_at: now,
            updated_at: now,
        };
        self.store
            .insert_role(&role, &permission_ids, set.as_ref().map(|s| s.set.id.as_str()))
            .await
            .map_err(|e| key_taken(e, "role", &key))?;
        self.get_role(&role.id).await
    }

    pub async fn update_role(&self, id: &str, mut f: Fields) -> ApiResult<Role> {
        let name = f.opt_string("name")?;
        let key = f.opt_string("key")?;
        let description = f.nullable_string("description")?;
        let permissions = f.opt_string_list("permissions")?;
        f.finish()?;
        let mut view = self.role_view(id).await?;
        if let Some(name) = name {
            view.role.name = clean_name(name)?;
        }
        if let Some(key) = key {
            check_role_key("key", &key)?;
            view.role.key = key;
        }
        if let Some(d) = description {
            if let Some(d) = &d {
                DESCRIPTION.check_len(d)?;
            }
            view.role.description = d;
        }
        let permission_ids = match permissions {
            None => None,
            Some(ids) => {
                let ids = self.permission_ids(ids).await?;
                let keys: Vec<String> = self.store.get_permissions(&ids).await?.into_iter().map(|p| p.key).collect();
                if !creator_eligible(&keys) && self.is_creator_role(&view.role.id).await? {
                    return Err(missing_creator_permissions(&view.role.key).with_param("permissions"));
                }
                Some(ids)
            }
        };
        view.role.updated_at = self.now_ms().max(view.role.updated_at);
        let key = view.role.key.clone();
        if !self
            .store
            .update_role(&view.role, permission_ids.as_deref())
            .await
            .map_err(|e| key_taken(e, "role", &key))?
        {
            return Err(role_not_found(id));
        }
        self.get_role(id).await
    }

    /// Whether a role set has this role as its creator role.
    async fn is_creator_role(&self, role_id: &str) -> ApiResult<bool> {
        Ok(self.role_sets_using(role_id).await?.iter().any(|s| s.creator_role_id.as_deref() == Some(role_id)))
    }

    /// The role sets that have this role as default or creator role.
    async fn role_sets_using(&self, role_id: &str) -> ApiResult<Vec<RoleSetRecord>> {
        let mut out = Vec::new();
        let mut offset = 0;
        loop {
            let (sets, total) = self
                .store
                .list_role_sets(
                    &RoleFilter::default(),
                    crate::store::Page { limit: crate::query::MAX_PAGE_LIMIT, offset },
                )
                .await?;
            let n = sets.len() as i64;
            out.extend(sets.into_iter().map(|v| v.set).filter(|s| {
                s.default_role_id.as_deref() == Some(role_id) || s.creator_role_id.as_deref() == Some(role_id)
            }));
            offset += n;
            if n == 0 || offset >= total {
                return Ok(out);
            }
        }
    }

    pub async fn delete_role(&self, id: &str) -> ApiResult<DeletedObject> {
        let view = self.role_view(id).await?;
        if let Some(set) = self.role_sets_using(id).await?.first() {
            let what = if set.creator_role_id.as_deref() == Some(id) { "creator" } else { "default" };
            return Err(ApiError::new(
                ErrorKind::Unprocessable,
                "organization_role_default_creator_role",
                format!("role is used as the {what} role"),
                format!(
                    "The organization role cannot be deleted as it is currently used as the {what} role of the role set {}.",
                    set.key
                ),
            ));
        }
        if self.store.count_role_members(&view.role.key).await? > 0 {
            return Err(role_assigned_members());
        }
        if self.store.count_pending_invitations_with_role(&view.role.key, self.now_ms()).await? > 0 {
            return Err(ApiError::new(
                ErrorKind::Unprocessable,
                "organization_role_exists_in_invitations",
                "role exists in pending organization invitations",
                "The organization role exists in one or more pending organization invitations. Please revoke these invitations to proceed.",
            ));
        }
        match self.store.delete_role(id).await {
            Ok(true) => {}
            Ok(false) => return Err(role_not_found(id)),
            Err(StoreError::Conflict(_)) => return Err(role_assigned_members()),
            Err(e) => return Err(e.into()),
        }
        Ok(DeletedObject { object: object::ROLE.to_owned(), id: Some(view.role.id), slug: None, deleted: true })
    }

    pub async fn assign_role_permission(&self, role_id: &str, permission_id: &str) -> ApiResult<Role> {
        let view = self.role_view(role_id).await?;
        let p = self.get_permission(permission_id).await?;
        if view.permissions.iter().any(|x| x.id == p.id) {
            return Err(ApiError::new(
                ErrorKind::Conflict,
                "organization_role_permission_association_exists",
                "permission already assigned to role",
                "This organization permission is already associated to this organization role.",
            ));
        }
        let mut ids: Vec<String> = view.permissions.iter().map(|x| x.id.clone()).collect();
        ids.push(p.id);
        self.store_role_permissions(view, ids).await
    }

    pub async fn remove_role_permission(&self, role_id: &str, permission_id: &str) -> ApiResult<Role> {
        let view = self.role_view(role_id).await?;
        let p = self.get_permission(permission_id).await?;
        if !view.permissions.iter().any(|x| x.id == p.id) {
            return Err(ApiError::new(
                ErrorKind::NotFound,
                "organization_role_permission_association_not_found",
                "permission not assigned to role",
                "This organization permission is not associated with the organization role.",
            ));
        }
        let rest: Vec<&Permission> = view.permissions.iter().filter(|x| x.id != p.id).collect();
        let keys: Vec<&str> = rest.iter().map(|x| x.key.as_str()).collect();
        if !creator_eligible(&keys) && self.is_creator_role(&view.role.id).await? {
            return Err(ApiError::new(
                ErrorKind::BadRequest,
                "permission_cannot_be_removed",
                "cannot remove permission",
                format!(
                    "Cannot remove permission because {} is a creator role, which must hold {}.",
                    view.role.key,
                    CREATOR_PERMISSIONS.join(", ")
                ),
            ));
        }
        let ids = rest.iter().map(|x| x.id.clone()).collect();
        self.store_role_permissions(view, ids).await
    }

    async fn store_role_permissions(&self, mut view: RoleView, ids: Vec<String>) -> ApiResult<Role> {
        view.role.updated_at = self.now_ms().max(view.role.updated_at);
        match self.store.update_role(&view.role, Some(&ids)).await {
            Ok(true) => self.get_role(&view.role.id).await,
            Ok(false) => Err(role_not_found(&view.role.id)),
            // A permission deleted meanwhile.
            Err(StoreError::Conflict(_)) => Err(ApiError::new(
                ErrorKind::Conflict,
                "conflict",
                "conflict",
                "The role or one of its permissions changed meanwhile; try again.",
            )),
            Err(e) => Err(e.into()),
        }
    }
}

fn role_assigned_members() -> ApiError {
    ApiError::new(
        ErrorKind::Unprocessable,
        "organization_role_assigned_members",
        "role is assigned to organization members",
        "The organization role is currently assigned to one or more organization members.",
    )
}

fn system_permission_not_modifiable() -> ApiError {
    ApiError::new(
        ErrorKind::Forbidden,
        "organization_system_permission_not_modifiable",
        "organization system permission cannot be modified",
        "This organization permission cannot be modified because it is a system permission.",
    )
}

/// A taken key as `form_identifier_exists` on `key`.
pub(crate) fn key_taken(e: StoreError, what: &str, key: &str) -> ApiError {
    match e {
        StoreError::Conflict(f) if f == "key" => {
            ApiError::identifier_exists("key", format!("A {what} with the key {key} already exists."))
        }
        e => e.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_and_role_keys() {
        assert!(check_permission_key("org:invoices:read").is_ok());
        assert_eq!(check_permission_key("org:sys_profile:read").unwrap_err().param_name(), Some("key"));
        assert!(check_permission_key("org:invoices").is_err());
        assert!(check_permission_key("org:Invoices:read").is_err());
        assert!(check_permission_key("org:a:b:c").is_err());
        assert!(check_role_key("key", "org:billing_manager").is_ok());
        assert!(check_role_key("key", "billing").is_err());
        assert!(check_role_key("key", "org:").is_err());
        assert_eq!(role_name_from_key("org:billing_manager"), "Billing Manager");
    }

    #[test]
    fn creator_roles_need_the_membership_and_delete_permissions() {
        let admin: Vec<&str> = SYSTEM_PERMISSIONS.iter().map(|(k, ..)| *k).collect();
        assert!(creator_eligible(&admin));
        assert!(!creator_eligible(MEMBER_PERMISSIONS));
    }
}
