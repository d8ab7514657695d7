//! Role sets (Clerk's Role Sets): which roles an organization's members can hold, and which role an
//! organization's creator and its new members get. Every organization uses one set; new organizations
//! get the initial set. Reassignments (a role taken out of a set, a set replaced by another) are
//! applied to the memberships in the request that asks for them, in one transaction: Tessera never
//! has a migration in progress.

use std::collections::BTreeMap;

use serde_json::Value;
use tessera_types::{DeletedObject, Paginated, RoleSet, RoleSetItem, object};

use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::fields::{Body, Field, Fields, MAX_NAME_CHARS};
use crate::ids;
use crate::query::QueryParams;
use crate::roles::{check_role_key, creator_eligible, key_taken, missing_creator_permissions, role_list};
use crate::service::Tessera;
use crate::store::{RoleRecord, RoleSetRecord, RoleSetView};

/// Most roles one request may add to a set (Clerk's limit).
const MAX_ROLES_PER_REQUEST: usize = 10;

const NAME: Field = Field::string_of("name", 1, MAX_NAME_CHARS);
const KEY: Field = Field::string_of("key", 1, 128);
const DESCRIPTION: Field = Field::string_of("description", 0, 1024);

/// `POST /role_sets`.
pub const CREATE_ROLE_SET: Body = Body {
    schema: "CreateRoleSetRequestBody",
    groups: &[&[
        NAME.required(),
        KEY,
        DESCRIPTION,
        Field::string("default_role_key").required(),
        Field::string("creator_role_key").required(),
        Field::string("type"),
        Field::string_list("roles").required(),
    ]],
};
/// `PATCH /role_sets/{role_set_key_or_id}`.
pub const UPDATE_ROLE_SET: Body = Body {
    schema: "UpdateRoleSetRequestBody",
    groups: &[&[
        NAME,
        KEY,
        DESCRIPTION,
        Field::string("type"),
        Field::string("default_role_key"),
        Field::string("creator_role_key"),
    ]],
};
/// `POST /role_sets/{role_set_key_or_id}/replace`.
pub const REPLACE_ROLE_SET: Body = Body {
    schema: "ReplaceRoleSetRequestBody",
    groups: &[&[Field::string("dest_role_set_key").required(), Field::object("reassignment_mappings")]],
};
/// `POST /role_sets/{role_set_key_or_id}/roles`.
pub const ADD_ROLES: Body = Body {
    schema: "AddRolesToRoleSetRequestBody",
    groups: &[&[
        Field::string_list("role_keys").required(),
        Field::string("default_role_key"),
        Field::string("creator_role_key"),
    ]],
};
/// `POST /role_sets/{role_set_key_or_id}/roles/replace`.
pub const REPLACE_ROLE: Body = Body {
    schema: "ReplaceRoleInRoleSetRequestBody",
    groups: &[&[Field::string("role_key").required(), Field::string("to_role_key").required()]],
};

pub(crate) fn role_set_not_found(id: &str) -> ApiError {
    ApiError::not_found("not found", format!("Role set not found: {id}"))
}

fn item(r: &RoleRecord, members: Option<i64>) -> RoleSetItem {
    RoleSetItem {
        object: object::ROLE_SET_ITEM.to_owned(),
        id: r.id.clone(),
        name: r.name.clone(),
        key: r.key.clone(),
        description: r.description.clone(),
        members_count: members,
        has_members: members.map(|n| n > 0),
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}

/// The wire `RoleSet`.
pub fn role_set_object(v: &RoleSetView) -> RoleSet {
    let find =
        |id: &Option<String>| v.roles.iter().find(|(r, _)| Some(&r.id) == id.as_ref()).map(|(r, n)| item(r, Some(*n)));
    RoleSet {
        object: object::ROLE_SET.to_owned(),
        id: v.set.id.clone(),
        name: v.set.name.clone(),
        key: v.set.key.clone(),
        description: v.set.description.clone(),
        roles: v.roles.iter().map(|(r, n)| item(r, Some(*n))).collect(),
        default_role: find(&v.set.default_role_id),
        creator_role: find(&v.set.creator_role_id),
        kind: if v.set.is_initial { "initial" } else { "custom" }.to_owned(),
        role_set_migration: None,
        created_at: v.set.created_at,
        updated_at: v.set.updated_at,
    }
}

/// `role_set:<key>`, lowercase letters, digits and `_`.
fn check_set_key(key: &str) -> ApiResult<()> {
    let ok = key.strip_prefix("role_set:").is_some_and(|k| {
        !k.is_empty() && k.len() <= 64 && k.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    });
    if !ok {
        return Err(ApiError::param_format(
            "key",
            format!(
                "{key} is not a valid role set key: it must look like role_set:<key>, lowercase letters, digits or '_'."
            ),
        ));
    }
    Ok(())
}

/// "Pro plan" → "role_set:pro_plan".
fn key_from_name(name: &str) -> String {
    let mut k = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            k.push(c);
        } else if !k.ends_with('_') && !k.is_empty() {
            k.push('_');
        }
    }
    let k: String = k.trim_end_matches('_').chars().take(64).collect();
    format!("role_set:{}", if k.is_empty() { "set" } else { &k })
}

fn clean_name(name: String) -> ApiResult<String> {
    let name = name.trim().to_owned();
    if name.is_empty() {
        return Err(ApiError::param_value("name", "name must not be empty."));
    }
    NAME.check_len(&name)?;
    Ok(name)
}

fn not_in_set(param: &str, key: &str, set: &str) -> ApiError {
    ApiError::param_value(param, format!("{key} is not one of the roles of the role set {set}."))
}

impl Tessera {
    pub async fn list_role_sets(&self, q: &QueryParams) -> ApiResult<Paginated<RoleSet>> {
        let (filter, page) = role_list(q)?;
        let (views, total_count) = self.store.list_role_sets(&filter, page).await?;
        Ok(Paginated { data: views.iter().map(role_set_object).collect(), total_count })
    }

    pub(crate) async fn role_set_view(&self, id_or_key: &str) -> ApiResult<RoleSetView> {
        self.store.get_role_set(id_or_key).await?.ok_or_else(|| role_set_not_found(id_or_key))
    }

    pub async fn get_role_set(&self, id_or_key: &str) -> ApiResult<RoleSet> {
        Ok(role_set_object(&self.role_set_view(id_or_key).await?))
    }

    /// The roles with these keys, each existing (named by `param` otherwise), without repeats.
    async fn roles_by_key(&self, param: &str, keys: &[String]) -> ApiResult<Vec<RoleRecord>> {
        let mut out: Vec<RoleRecord> = Vec::with_capacity(keys.len());
        for key in keys {
            check_role_key(param, key)?;
            if out.iter().any(|r| &r.key == key) {
                continue;
            }
            let view = self
                .store
                .get_role_by_key(key)
                .await?
                .ok_or_else(|| ApiError::param_value(param, format!("{key} is not a role of this instance.")))?;
            out.push(view.role);
        }
        Ok(out)
    }

    /// Checks that `key` is among `roles` and, for a creator role, that it holds what a creator needs.
    async fn pick_role(
        &self,
        param: &str,
        key: &str,
        roles: &[RoleRecord],
        set_key: &str,
        creator: bool,
    ) -> ApiResult<String> {
        let role = roles.iter().find(|r| r.key == key).ok_or_else(|| not_in_set(param, key, set_key))?;
        if creator {
            let view = self.role_view(&role.id).await?;
            let keys: Vec<&str> = view.permissions.iter().map(|p| p.key.as_str()).collect();
            if !creator_eligible(&keys) {
                return Err(missing_creator_permissions(key).with_param(param));
            }
        }
        Ok(role.id.clone())
    }

    pub async fn create_role_set(&self, f: Fields) -> ApiResult<RoleSet> {
        self.create_role_set_as(None, f).await
    }

    pub(crate) async fn create_role_set_as(&self, id: Option<String>, mut f: Fields) -> ApiResult<RoleSet> {
        let name = clean_name(f.required_string("name")?)?;
        let key = f.opt_string("key")?;
        let description = f.opt_string("description")?;
        let default_key = f.required_string("default_role_key")?;
        let creator_key = f.required_string("creator_role_key")?;
        let kind = f.opt_string("type")?;
        let role_keys = f.opt_string_list("roles")?.ok_or_else(|| ApiError::param_missing("roles"))?;
        f.finish()?;
        let key = key.unwrap_or_else(|| key_from_name(&name));
        check_set_key(&key)?;
        if let Some(d) = &description {
            DESCRIPTION.check_len(d)?;
        }
        let is_initial = match kind.as_deref() {
            None | Some("custom") => false,
            Some("initial") => true,
            Some(other) => {
                return Err(ApiError::param_value(
                    "type",
                    format!("{other} does not match one of the allowed values for parameter type (initial, custom)."),
                ));
            }
        };
        if role_keys.is_empty() || role_keys.len() > MAX_ROLES_PER_REQUEST {
            return Err(ApiError::param_value(
                "roles",
                format!("roles must hold 1 to {MAX_ROLES_PER_REQUEST} role keys."),
            ));
        }
        let roles = self.roles_by_key("roles", &role_keys).await?;
        let default_id = self.pick_role("default_role_key", &default_key, &roles, &key, false).await?;
        let creator_id = self.pick_role("creator_role_key", &creator_key, &roles, &key, true).await?;
        let now = self.now_ms();
        let set = RoleSetRecord {
            id: id.unwrap_or_else(|| ids::new_id(ids::ROLE_SET, now)),
            key: key.clone(),
            name,
            description,
            is_initial,
            default_role_id: Some(default_id),
            creator_role_id: Some(creator_id),
            created_at: now,
            updated_at: now,
        };
        let role_ids: Vec<String> = roles.iter().map(|r| r.id.clone()).collect();
        self.store.insert_role_set(&set, &role_ids).await.map_err(|e| key_taken(e, "role set", &key))?;
        self.get_role_set(&set.id).await
    }

    pub async fn update_role_set(&self, id_or_key: &str, mut f: Fields) -> ApiResult<RoleSet> {
        let name = f.opt_string("name")?;
        let key = f.opt_string("key")?;
        let description = f.nullable_string("description")?;
        let kind = f.opt_string("type")?;
        let default_key = f.opt_string("default_role_key")?;
        let creator_key = f.opt_string("creator_role_key")?;
        f.finish()?;
        let view = self.role_set_view(id_or_key).await?;
        let mut set = view.set.clone();
        if let Some(name) = name {
            set.name = clean_name(name)?;
        }
        if let Some(key) = key {
            check_set_key(&key)?;
            set.key = key;
        }
        if let Some(d) = description {
            if let Some(d) = &d {
                DESCRIPTION.check_len(d)?;
            }
            set.description = d;
        }
        match kind.as_deref() {
            None => {}
            Some("initial") => set.is_initial = true,
            Some(other) => {
                return Err(ApiError::param_value(
                    "type",
                    format!("{other} does not match the allowed value for parameter type (initial)."),
                ));
            }
        }
        let roles: Vec<RoleRecord> = view.roles.iter().map(|(r, _)| r.clone()).collect();
        if let Some(k) = default_key {
            set.default_role_id = Some(self.pick_role("default_role_key", &k, &roles, &set.key, false).await?);
        }
        if let Some(k) = creator_key {
            set.creator_role_id = Some(self.pick_role("creator_role_key", &k, &roles, &set.key, true).await?);
        }
        set.updated_at = self.now_ms().max(set.updated_at);
        let key = set.key.clone();
        if !self.store.update_role_set(&set, &[]).await.map_err(|e| key_taken(e, "role set", &key))? {
            return Err(role_set_not_found(id_or_key));
        }
        self.get_role_set(&set.id).await
    }

    pub async fn add_roles_to_role_set(&self, id_or_key: &str, mut f: Fields) -> ApiResult<RoleSet> {
        let role_keys = f.opt_string_list("role_keys")?.ok_or_else(|| ApiError::param_missing("role_keys"))?;
        let default_key = f.opt_string("default_role_key")?;
        let creator_key = f.opt_string("creator_role_key")?;
        f.finish()?;
        if role_keys.is_empty() || role_keys.len() > MAX_ROLES_PER_REQUEST {
            return Err(ApiError::param_value(
                "role_keys",
                format!("role_keys must hold 1 to {MAX_ROLES_PER_REQUEST} role keys."),
            ));
        }
        let view = self.role_set_view(id_or_key).await?;
        let added = self.roles_by_key("role_keys", &role_keys).await?;
        let mut set = view.set.clone();
        let mut all: Vec<RoleRecord> = view.roles.iter().map(|(r, _)| r.clone()).collect();
        let new_ids: Vec<String> =
            added.iter().filter(|r| !all.iter().any(|x| x.id == r.id)).map(|r| r.id.clone()).collect();
        all.extend(added);
        if let Some(k) = default_key {
            set.default_role_id = Some(self.pick_role("default_role_key", &k, &all, &set.key, false).await?);
        }
        if let Some(k) = creator_key {
            set.creator_role_id = Some(self.pick_role("creator_role_key", &k, &all, &set.key, true).await?);
        }
        set.updated_at = self.now_ms().max(set.updated_at);
        match self.store.update_role_set(&set, &new_ids).await {
            Ok(true) => self.get_role_set(&set.id).await,
            Ok(false) => Err(role_set_not_found(id_or_key)),
            Err(crate::store::StoreError::Conflict(f)) if f == "role" => {
                Err(ApiError::param_value("role_keys", "A role was deleted meanwhile; try again."))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Takes `role_key` out of the set; its members in the organizations using the set get
    /// `to_role_key`, which also takes over as default or creator role where `role_key` was one.
    pub async fn replace_role_in_role_set(&self, id_or_key: &str, mut f: Fields) -> ApiResult<RoleSet> {
        let from = f.required_string("role_key")?;
        let to = f.required_string("to_role_key")?;
        f.finish()?;
        let view = self.role_set_view(id_or_key).await?;
        let roles: Vec<RoleRecord> = view.roles.iter().map(|(r, _)| r.clone()).collect();
        let from_role =
            roles.iter().find(|r| r.key == from).ok_or_else(|| not_in_set("role_key", &from, &view.set.key))?;
        if from == to {
            return Err(ApiError::param_value("to_role_key", "to_role_key must differ from role_key."));
        }
        let mut set = view.set.clone();
        let was_creator = set.creator_role_id.as_deref() == Some(from_role.id.as_str());
        let to_id = self.pick_role("to_role_key", &to, &roles, &set.key, was_creator).await?;
        if set.default_role_id.as_deref() == Some(from_role.id.as_str()) {
            set.default_role_id = Some(to_id.clone());
        }
        if was_creator {
            set.creator_role_id = Some(to_id);
        }
        set.updated_at = self.now_ms().max(set.updated_at);
        if !self.store.remove_role_from_set(&set, &from_role.id, &from, &to).await? {
            return Err(role_set_not_found(id_or_key));
        }
        self.get_role_set(&set.id).await
    }

    /// Moves the organizations using the set to `dest_role_set_key` (their members' roles mapped by
    /// `reassignment_mappings` where the destination lacks them) and deletes the set.
    pub async fn replace_role_set(&self, id_or_key: &str, mut f: Fields) -> ApiResult<DeletedObject> {
        let dest_key = f.required_string("dest_role_set_key")?;
        let mappings = f.opt_object("reassignment_mappings")?.unwrap_or_default();
        f.finish()?;
        let mut pairs: BTreeMap<String, String> = BTreeMap::new();
        for (k, v) in mappings {
            match v {
                Value::String(s) => {
                    pairs.insert(k, s);
                }
                _ => return Err(ApiError::param_type("reassignment_mappings", "object of strings")),
            }
        }
        let source = self.role_set_view(id_or_key).await?;
        if source.set.is_initial {
            return Err(ApiError::new(
                ErrorKind::Forbidden,
                "cannot_delete_initial_role_set",
                "cannot delete initial role set",
                "Cannot delete the initial role set.",
            ));
        }
        let dest = self.store.get_role_set(&dest_key).await?.filter(|d| d.set.key == dest_key).ok_or_else(|| {
            ApiError::param_value("dest_role_set_key", format!("No role set exists with key {dest_key}."))
        })?;
        if dest.set.id == source.set.id {
            return Err(ApiError::param_value("dest_role_set_key", "The destination must be another role set."));
        }
        let in_dest = |k: &str| dest.roles.iter().any(|(r, _)| r.key == k);
        if let Some((_, to)) = pairs.iter().find(|(_, to)| !in_dest(to)) {
            return Err(ApiError::new(
                ErrorKind::Unprocessable,
                "organization_role_set_reassignment_mappings_invalid",
                "reassignment mappings invalid",
                format!(
                    "The role {to} is invalid in the reassignment mappings. It must be present in the new role set."
                ),
            )
            .with_param("reassignment_mappings"));
        }
        let held = self.store.role_set_member_roles(&source.set.key).await?;
        let missing: Vec<&str> =
            held.iter().map(|(k, _)| k.as_str()).filter(|k| !in_dest(k) && !pairs.contains_key(*k)).collect();
        if !missing.is_empty() {
            return Err(ApiError::new(
                ErrorKind::Unprocessable,
                "organization_role_set_reassignment_mappings_missing",
                "reassignment mappings missing",
                format!("The following roles are missing from the reassignment mappings: {}", missing.join(", ")),
            )
            .with_param("reassignment_mappings"));
        }
        let mut to = dest.set.clone();
        to.updated_at = self.now_ms().max(to.updated_at);
        let pairs: Vec<(String, String)> = pairs.into_iter().filter(|(from, _)| !in_dest(from)).collect();
        if !self.store.replace_role_set(&source.set, &to, &pairs).await? {
            return Err(role_set_not_found(id_or_key));
        }
        Ok(DeletedObject { object: object::ROLE_SET.to_owned(), id: Some(source.set.id), slug: None, deleted: true })
    }

    /// The role set an organization gets: the one named by `role_set_key`, or the initial set.
    pub(crate) async fn role_set_for_new_organization(&self, key: Option<&str>) -> ApiResult<RoleSetView> {
        match key {
            Some(k) => self
                .store
                .get_role_set(k)
                .await?
                .filter(|v| v.set.key == k)
                .ok_or_else(|| ApiError::param_value("role_set_key", format!("No role set exists with key {k}."))),
            None => self
                .store
                .initial_role_set()
                .await?
                .ok_or_else(|| ApiError::internal_logged("roles", "no initial role set")),
        }
    }

    /// Checks that an organization may move to the set `key`: it exists and holds every role its
    /// members hold.
    pub(crate) async fn check_role_set_change(&self, org: &tessera_types::Organization, key: &str) -> ApiResult<()> {
        let set = self.role_set_for_new_organization(Some(key)).await?;
        let mut offset = 0;
        loop {
            let page = crate::store::Page { limit: crate::query::MAX_PAGE_LIMIT, offset };
            let (members, total) = self
                .store
                .list_memberships(
                    &crate::store::MembershipFilter { organization_id: Some(org.id.clone()), ..Default::default() },
                    page,
                )
                .await?;
            if let Some(m) = members.iter().find(|m| !set.roles.iter().any(|(r, _)| r.key == m.role)) {
                return Err(ApiError::new(
                    ErrorKind::Unprocessable,
                    "organization_role_on_set_assigned_to_user",
                    "role is assigned to users",
                    format!(
                        "The role {} is assigned to one or more users and is not in the role set {key}. Please re-assign the role to the users to proceed.",
                        m.role
                    ),
                )
                .with_param("role_set_key"));
            }
            offset += members.len() as i64;
            if members.is_empty() || offset >= total {
                return Ok(());
            }
        }
    }

    /// Checks that `role` may be given to members of an organization using `set_key`.
    pub(crate) async fn check_member_role(&self, set_key: Option<&str>, role: &str) -> ApiResult<()> {
        if self.store.get_role_by_key(role).await?.is_none() {
            return Err(ApiError::param_value("role", format!("{role} is not a role of this instance.")));
        }
        let set = self.role_set_for_new_organization(set_key).await.map_err(|e| e.with_param("role"))?;
        if !set.roles.iter().any(|(r, _)| r.key == role) {
            return Err(not_in_set("role", role, &set.set.key));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_keys_are_checked_and_made_from_names() {
        assert!(check_set_key("role_set:pro").is_ok());
        assert!(check_set_key("pro").is_err());
        assert!(check_set_key("role_set:Pro").is_err());
        assert_eq!(key_from_name("Pro plan!"), "role_set:pro_plan");
        assert_eq!(key_from_name("!!"), "role_set:set");
    }
}
