//! `tessera permissions …`, `tessera roles …` and `tessera role-sets …`: organization permissions,
//! roles and role sets over the SDK. Roles and permissions can be named by id or by key.

use std::collections::BTreeMap;

use clap::Subcommand;
use tessera_client::{Client, ListRolesRequest};
use tessera_types::{
    AddRolesToRoleSetRequestBody, CreateOrganizationPermissionRequestBody, CreateOrganizationRoleRequestBody,
    CreateRoleSetRequestBody, Permission, ReplaceRoleInRoleSetRequestBody, ReplaceRoleSetRequestBody, Role, RoleSet,
    UpdateOrganizationPermissionRequestBody, UpdateOrganizationRoleRequestBody, UpdateRoleSetRequestBody,
};

use crate::output::{cell, json, table};

#[derive(Subcommand)]
pub enum PermissionsCmd {
    /// List permissions (system and custom).
    List {
        /// Part of the name or key, or an exact id.
        #[arg(long)]
        query: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: i64,
        #[arg(long, default_value_t = 0)]
        offset: i64,
    },
    /// Show one permission (id or key).
    Get { permission: String },
    /// Create a custom permission `org:<feature>:<action>`.
    Create {
        key: String,
        /// Display name (default: the key).
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        description: Option<String>,
    },
    /// Change a custom permission (id or key).
    Update {
        permission: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        key: Option<String>,
        #[arg(long)]
        description: Option<String>,
    },
    /// Delete a custom permission (id or key); roles holding it lose it.
    Delete { permission: String },
}

#[derive(Subcommand)]
pub enum RolesCmd {
    /// List roles with their permissions.
    List {
        #[arg(long)]
        query: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: i64,
        #[arg(long, default_value_t = 0)]
        offset: i64,
    },
    /// Show one role (id or key).
    Get { role: String },
    /// Create a role `org:<key>`.
    Create {
        key: String,
        /// Display name (default: made from the key).
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        description: Option<String>,
        /// A permission it holds (id or key; repeat for several).
        #[arg(long = "permission")]
        permissions: Vec<String>,
        /// Also add it to the initial role set, so every organization using it can give it.
        #[arg(long)]
        in_initial_set: bool,
    },
    /// Change a role (id or key). `--permission` replaces all of its permissions.
    Update {
        role: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        key: Option<String>,
        #[arg(long)]
        description: Option<String>,
        #[arg(long = "permission")]
        permissions: Vec<String>,
        /// Take every permission away.
        #[arg(long, conflicts_with = "permissions")]
        no_permissions: bool,
    },
    /// Give a role a permission (both by id or key).
    Grant { role: String, permission: String },
    /// Take a permission from a role (both by id or key).
    Revoke { role: String, permission: String },
    /// Delete a role (id or key) that no member holds and no role set uses as default or creator role.
    Delete { role: String },
}

#[derive(Subcommand)]
pub enum RoleSetsCmd {
    /// List role sets with their roles.
    List {
        #[arg(long)]
        query: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: i64,
        #[arg(long, default_value_t = 0)]
        offset: i64,
    },
    /// Show one role set (id or key).
    Get { set: String },
    /// Create a role set.
    Create {
        name: String,
        /// `role_set:<key>` (default: made from the name).
        #[arg(long)]
        key: Option<String>,
        /// A role key it holds (repeat).
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        #[arg(long)]
        default_role: String,
        #[arg(long)]
        creator_role: String,
        /// Make it the set new organizations get.
        #[arg(long)]
        initial: bool,
    },
    /// Change a role set's name, key, default or creator role, or make it initial.
    Update {
        set: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        key: Option<String>,
        #[arg(long)]
        default_role: Option<String>,
        #[arg(long)]
        creator_role: Option<String>,
        #[arg(long)]
        initial: bool,
    },
    /// Add roles (keys) to a set.
    AddRoles {
        set: String,
        #[arg(required = true)]
        roles: Vec<String>,
        #[arg(long)]
        default_role: Option<String>,
        #[arg(long)]
        creator_role: Option<String>,
    },
    /// Take a role out of a set, moving its members to `--to`.
    RemoveRole {
        set: String,
        role: String,
        #[arg(long)]
        to: String,
    },
    /// Move the set's organizations to `--dest` (mapping roles it lacks with `--map from=to`) and
    /// delete the set.
    Replace {
        set: String,
        #[arg(long)]
        dest: String,
        #[arg(long = "map")]
        mappings: Vec<String>,
    },
}

fn err(e: tessera_client::Error) -> String {
    e.to_string()
}

fn show_permissions(ps: &[Permission], as_json: bool) {
    if as_json {
        return json(&ps);
    }
    let rows: Vec<Vec<String>> =
        ps.iter().map(|p| vec![p.id.clone(), p.key.clone(), p.name.clone(), p.kind.clone()]).collect();
    table(&["id", "key", "name", "type"], &rows);
}

fn show_roles(rs: &[Role], as_json: bool) {
    if as_json {
        return json(&rs);
    }
    let rows: Vec<Vec<String>> = rs
        .iter()
        .map(|r| {
            let perms: Vec<&str> = r.permissions.iter().map(|p| p.key.as_str()).collect();
            vec![r.id.clone(), r.key.clone(), r.name.clone(), perms.join(" "), r.is_creator_eligible.to_string()]
        })
        .collect();
    table(&["id", "key", "name", "permissions", "creator eligible"], &rows);
}

fn show_sets(ss: &[RoleSet], as_json: bool) {
    if as_json {
        return json(&ss);
    }
    let rows: Vec<Vec<String>> = ss
        .iter()
        .map(|s| {
            let roles: Vec<&str> = s.roles.iter().map(|r| r.key.as_str()).collect();
            vec![
                s.id.clone(),
                s.key.clone(),
                s.kind.clone(),
                roles.join(" "),
                cell(s.default_role.as_ref().map(|r| r.key.as_str())),
                cell(s.creator_role.as_ref().map(|r| r.key.as_str())),
            ]
        })
        .collect();
    table(&["id", "key", "type", "roles", "default", "creator"], &rows);
}

/// One object: as itself in JSON (not a one-element array), as a one-row table otherwise.
fn one<T: serde::Serialize>(v: T, as_json: bool, show: fn(&[T], bool)) {
    if as_json { json(&v) } else { show(std::slice::from_ref(&v), false) }
}

fn list(query: Option<String>, limit: i64, offset: i64) -> ListRolesRequest {
    ListRolesRequest { query, order_by: Some("key".into()), limit: Some(limit), offset: Some(offset) }
}

/// A permission named by id (`perm_…`) or key.
async fn permission(c: &Client, name: &str) -> Result<Permission, String> {
    if !name.contains(':') {
        return c.organization_permissions().get(name).await.map_err(err);
    }
    let page = c.organization_permissions().list(list(Some(name.into()), 500, 0)).await.map_err(err)?;
    page.data.into_iter().find(|p| p.key == name).ok_or_else(|| format!("no permission with the key {name}"))
}

/// A role named by id (`role_…`) or key.
async fn role(c: &Client, name: &str) -> Result<Role, String> {
    if !name.contains(':') {
        return c.organization_roles().get(name).await.map_err(err);
    }
    let page = c.organization_roles().list(list(Some(name.into()), 500, 0)).await.map_err(err)?;
    page.data.into_iter().find(|r| r.key == name).ok_or_else(|| format!("no role with the key {name}"))
}

async fn permission_ids(c: &Client, names: &[String]) -> Result<Vec<String>, String> {
    let mut ids = Vec::with_capacity(names.len());
    for n in names {
        ids.push(permission(c, n).await?.id);
    }
    Ok(ids)
}

/// "org:billing_manager" → "Billing manager".
fn name_from_key(key: &str) -> String {
    let k = key.rsplit(':').next().unwrap_or(key).replace('_', " ");
    let mut chars = k.chars();
    chars.next().map(|f| f.to_uppercase().collect::<String>() + chars.as_str()).unwrap_or_default()
}

pub async fn permissions(c: &Client, cmd: PermissionsCmd, as_json: bool) -> Result<(), String> {
    let api = c.organization_permissions();
    match cmd {
        PermissionsCmd::List { query, limit, offset } => {
            let page = api.list(list(query, limit, offset)).await.map_err(err)?;
            show_permissions(&page.data, as_json);
        }
        PermissionsCmd::Get { permission: p } => one(permission(c, &p).await?, as_json, show_permissions),
        PermissionsCmd::Create { key, name, description } => {
            let name = name.unwrap_or_else(|| key.clone());
            let p =
                api.create(CreateOrganizationPermissionRequestBody { name, key, description }).await.map_err(err)?;
            one(p, as_json, show_permissions);
        }
        PermissionsCmd::Update { permission: p, name, key, description } => {
            let id = permission(c, &p).await?.id;
            let body = UpdateOrganizationPermissionRequestBody { name, key, description };
            one(api.update(&id, body).await.map_err(err)?, as_json, show_permissions);
        }
        PermissionsCmd::Delete { permission: p } => {
            let id = permission(c, &p).await?.id;
            let d = api.delete(&id).await.map_err(err)?;
            if as_json { json(&d) } else { println!("deleted {id}") }
        }
    }
    Ok(())
}

pub async fn roles(c: &Client, cmd: RolesCmd, as_json: bool) -> Result<(), String> {
    let api = c.organization_roles();
    match cmd {
        RolesCmd::List { query, limit, offset } => {
            let page = api.list(list(query, limit, offset)).await.map_err(err)?;
            show_roles(&page.data, as_json);
        }
        RolesCmd::Get { role: r } => one(role(c, &r).await?, as_json, show_roles),
        RolesCmd::Create { key, name, description, permissions, in_initial_set } => {
            let body = CreateOrganizationRoleRequestBody {
                name: name.unwrap_or_else(|| name_from_key(&key)),
                key,
                description,
                permissions: Some(permission_ids(c, &permissions).await?),
                include_in_initial_role_set: Some(in_initial_set),
            };
            one(api.create(body).await.map_err(err)?, as_json, show_roles);
        }
        RolesCmd::Update { role: r, name, key, description, permissions, no_permissions } => {
            let id = role(c, &r).await?.id;
            let permissions = if no_permissions {
                Some(Vec::new())
            } else if permissions.is_empty() {
                None
            } else {
                Some(permission_ids(c, &permissions).await?)
            };
            let body = UpdateOrganizationRoleRequestBody { name, key, description, permissions };
            one(api.update(&id, body).await.map_err(err)?, as_json, show_roles);
        }
        RolesCmd::Grant { role: r, permission: p } => {
            let (rid, pid) = (role(c, &r).await?.id, permission(c, &p).await?.id);
            one(api.assign_permission(&rid, &pid).await.map_err(err)?, as_json, show_roles);
        }
        RolesCmd::Revoke { role: r, permission: p } => {
            let (rid, pid) = (role(c, &r).await?.id, permission(c, &p).await?.id);
            one(api.remove_permission(&rid, &pid).await.map_err(err)?, as_json, show_roles);
        }
        RolesCmd::Delete { role: r } => {
            let id = role(c, &r).await?.id;
            let d = api.delete(&id).await.map_err(err)?;
            if as_json { json(&d) } else { println!("deleted {id}") }
        }
    }
    Ok(())
}

pub async fn role_sets(c: &Client, cmd: RoleSetsCmd, as_json: bool) -> Result<(), String> {
    let api = c.role_sets();
    match cmd {
        RoleSetsCmd::List { query, limit, offset } => {
            let page = api.list(list(query, limit, offset)).await.map_err(err)?;
            show_sets(&page.data, as_json);
        }
        RoleSetsCmd::Get { set } => one(api.get(&set).await.map_err(err)?, as_json, show_sets),
        RoleSetsCmd::Create { name, key, roles, default_role, creator_role, initial } => {
            let body = CreateRoleSetRequestBody {
                name,
                key,
                description: None,
                default_role_key: default_role,
                creator_role_key: creator_role,
                kind: initial.then(|| "initial".to_owned()),
                roles,
            };
            one(api.create(body).await.map_err(err)?, as_json, show_sets);
        }
        RoleSetsCmd::Update { set, name, key, default_role, creator_role, initial } => {
            let body = UpdateRoleSetRequestBody {
                name,
                key,
                description: None,
                kind: initial.then(|| "initial".to_owned()),
                default_role_key: default_role,
                creator_role_key: creator_role,
            };
            one(api.update(&set, body).await.map_err(err)?, as_json, show_sets);
        }
        RoleSetsCmd::AddRoles { set, roles, default_role, creator_role } => {
            let body = AddRolesToRoleSetRequestBody {
                role_keys: roles,
                default_role_key: default_role,
                creator_role_key: creator_role,
            };
            one(api.add_roles(&set, body).await.map_err(err)?, as_json, show_sets);
        }
        RoleSetsCmd::RemoveRole { set, role, to } => {
            let body = ReplaceRoleInRoleSetRequestBody { role_key: role, to_role_key: to };
            one(api.replace_role(&set, body).await.map_err(err)?, as_json, show_sets);
        }
        RoleSetsCmd::Replace { set, dest, mappings } => {
            let mut map = BTreeMap::new();
            for m in &mappings {
                let (from, to) = m.split_once('=').ok_or_else(|| format!("--map {m}: expected FROM=TO"))?;
                map.insert(from.to_owned(), to.to_owned());
            }
            let body = ReplaceRoleSetRequestBody {
                dest_role_set_key: dest,
                reassignment_mappings: (!map.is_empty()).then_some(map),
            };
            let d = api.replace(&set, body).await.map_err(err)?;
            if as_json { json(&d) } else { println!("replaced and deleted {set}") }
        }
    }
    Ok(())
}
