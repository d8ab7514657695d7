//! Organization permissions, roles and role sets. A role's permissions are rows of `role_permissions`
//! (in order); `roles.permission_keys` is the JSON array of their keys, rewritten in the same
//! transaction as every change to them, so that membership reads and the mint get a role's permission
//! keys with one join (`LEFT JOIN roles r ON r.key = m.role`). Memberships and organization invitations
//! refer to roles by key; a role's key change rewrites them.

use std::collections::HashMap;

use async_trait::async_trait;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use tessera_core::events::{self, NewEvent};
use tessera_core::roles::role_object;
use tessera_core::store::{
    Page, RoleFilter, RoleOrder, RoleRecord, RoleSetRecord, RoleSetView, RoleStore, RoleView, RolesBootstrap,
    StoreResult,
};
use tessera_types::{Organization, Permission};

use crate::SqlStore;
use crate::error::{Error, Result, run};
use crate::events::append;
use crate::invitations::rename_invitation_role;
use crate::organizations::membership_role_of_doc;
use crate::role_sets::{INSERT_SET, SET_COLUMNS, append_set_roles, set_from_row, write_set};
use crate::sql::{Sql, get, get_doc, like_contains, order_dir, to_doc};

pub(crate) fn key_unique_field(text: &str) -> &'static str {
    // PostgreSQL names the index (`roles_key_uq`), SQLite the column (`roles.key`).
    if text.contains("_key_uq") || text.contains(".key") { "key" } else { "id" }
}

/// A foreign key violation (a role still referenced as a set's default or creator role, a permission
/// or role deleted under a concurrent write) as `Conflict(field)`; other errors as they are.
pub(crate) fn foreign(field: &'static str) -> impl FnOnce(sqlx::Error) -> Error {
    move |e| match &e {
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => Error::Conflict(field),
        _ => Error::Sqlx(e),
    }
}

pub(crate) fn search_text(id: &str, name: &str, key: &str) -> String {
    format!("{}\n{}\n{}", id.to_lowercase(), name.to_lowercase(), key.to_lowercase())
}

/// The `WHERE`/`ORDER BY` of a permission, role or role set list over table alias `x`.
pub(crate) fn filtered(select: &str, table: &str, filter: &RoleFilter) -> Sql {
    let mut sql = Sql::new(select);
    sql.push(&format!(" FROM {table} x"));
    let mut conds = Vec::new();
    if let Some(q) = filter.query.as_deref().filter(|q| !q.is_empty()) {
        let exact = sql.arg_text(q);
        let like = sql.arg_text(like_contains(&q.to_lowercase()));
        conds.push(format!("(x.id = {exact} OR x.search_text LIKE {like} ESCAPE '\\')"));
    }
    sql.push_where(&conds);
    sql
}

pub(crate) fn push_order(sql: &mut Sql, order: Option<(RoleOrder, bool)>, page: Page) {
    let (column, desc) = match order {
        None => ("x.created_at", true),
        Some((RoleOrder::CreatedAt, d)) => ("x.created_at", d),
        Some((RoleOrder::Name, d)) => ("x.sort_name", d),
        Some((RoleOrder::Key, d)) => ("x.key", d),
    };
    let dir = order_dir(desc);
    sql.push(&format!(" ORDER BY {column} {dir}, x.id {dir}")).push_page(page);
}

// ---- permissions -------------------------------------------------------------------------------------

/// Rebuilds a permission from `doc, key` at `offset`.
fn permission_from_row(row: &AnyRow, offset: usize) -> Result<Permission> {
    let mut p: Permission = get_doc(row, offset)?;
    p.key = get(row, offset + 1)?;
    Ok(p)
}

async fn write_permission(conn: &mut AnyConnection, sql: &str, p: &Permission) -> Result<u64> {
    let done = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .bind(p.id.as_str())
        .bind(p.key.as_str())
        .bind(p.name.to_lowercase())
        .bind(search_text(&p.id, &p.name, &p.key))
        .bind(p.created_at)
        .bind(p.updated_at)
        .bind(to_doc(p)?)
        .execute(&mut *conn)
        .await
        .map_err(Error::unique(key_unique_field))?;
    Ok(done.rows_affected())
}

const INSERT_PERMISSION: &str = "INSERT INTO permissions (id, key, sort_name, search_text, created_at, updated_at, doc) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)";

/// Rewrites `roles.permission_keys` of one role from its `role_permissions` rows.
async fn refresh_role_keys(conn: &mut AnyConnection, role_id: &str) -> Result<()> {
    let rows = sqlx::query(
        "SELECT p.key FROM role_permissions rp JOIN permissions p ON p.id = rp.permission_id \
         WHERE rp.role_id = $1 ORDER BY rp.position ASC",
    )
    .bind(role_id)
    .fetch_all(&mut *conn)
    .await?;
    let keys = rows.iter().map(|r| get::<String>(r, 0)).collect::<Result<Vec<_>>>()?;
    sqlx::query("UPDATE roles SET permission_keys = $2 WHERE id = $1")
        .bind(role_id)
        .bind(to_doc(&keys)?)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Rewrites `permission_keys` of every role holding the permission.
async fn refresh_roles_holding(conn: &mut AnyConnection, permission_id: &str) -> Result<()> {
    let rows = sqlx::query("SELECT role_id FROM role_permissions WHERE permission_id = $1")
        .bind(permission_id)
        .fetch_all(&mut *conn)
        .await?;
    for r in rows {
        refresh_role_keys(conn, &get::<String>(&r, 0)?).await?;
    }
    Ok(())
}

// ---- roles -------------------------------------------------------------------------------------------

/// Rebuilds a role from `doc, key` at `offset`.
pub(crate) fn role_from_row(row: &AnyRow, offset: usize) -> Result<RoleRecord> {
    let mut r: RoleRecord = get_doc(row, offset)?;
    r.key = get(row, offset + 1)?;
    Ok(r)
}

async fn write_role(conn: &mut AnyConnection, sql: &str, r: &RoleRecord) -> Result<u64> {
    let done = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .bind(r.id.as_str())
        .bind(r.key.as_str())
        .bind(r.name.to_lowercase())
        .bind(search_text(&r.id, &r.name, &r.key))
        .bind(r.created_at)
        .bind(r.updated_at)
        .bind(to_doc(r)?)
        .execute(&mut *conn)
        .await
        .map_err(Error::unique(key_unique_field))?;
    Ok(done.rows_affected())
}

const INSERT_ROLE: &str = "INSERT INTO roles (id, key, sort_name, search_text, created_at, updated_at, doc, permission_keys) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, '[]')";

/// Replaces the role's permissions by `ids` (in order) and refreshes its keys.
async fn set_role_permissions(conn: &mut AnyConnection, role_id: &str, ids: &[String]) -> Result<()> {
    sqlx::query("DELETE FROM role_permissions WHERE role_id = $1").bind(role_id).execute(&mut *conn).await?;
    for (i, pid) in ids.iter().enumerate() {
        sqlx::query("INSERT INTO role_permissions (role_id, permission_id, position) VALUES ($1, $2, $3)")
            .bind(role_id)
            .bind(pid.as_str())
            .bind(i as i64)
            .execute(&mut *conn)
            .await
            .map_err(foreign("permission"))?;
    }
    refresh_role_keys(conn, role_id).await
}

/// The event `event_type` of `role` with its permissions as they stand in `conn`'s transaction.
async fn role_event(conn: &mut AnyConnection, event_type: &'static str, role: &RoleRecord) -> Result<Vec<NewEvent>> {
    let views = with_permissions(conn, vec![role.clone()]).await?;
    Ok(views.iter().map(|v| NewEvent::of(event_type, &role_object(v))).collect())
}

/// The permissions of each role, in order.
async fn with_permissions(conn: &mut AnyConnection, roles: Vec<RoleRecord>) -> Result<Vec<RoleView>> {
    if roles.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<&str> = roles.iter().map(|r| r.id.as_str()).collect();
    let mut sql = Sql::new(
        "SELECT rp.role_id, p.doc, p.key FROM role_permissions rp JOIN permissions p ON p.id = rp.permission_id \
         WHERE rp.role_id IN ",
    );
    let list = sql.arg_list(&ids, str::to_string);
    sql.push(&list).push(" ORDER BY rp.role_id, rp.position ASC");
    let mut by_role: HashMap<String, Vec<Permission>> = HashMap::new();
    for row in sql.query().fetch_all(&mut *conn).await? {
        by_role.entry(get(&row, 0)?).or_default().push(permission_from_row(&row, 1)?);
    }
    Ok(roles
        .into_iter()
        .map(|role| {
            let permissions = by_role.remove(&role.id).unwrap_or_default();
            RoleView { role, permissions }
        })
        .collect())
}

#[async_trait]
impl RoleStore for SqlStore {
    async fn bootstrap_roles(&self, b: &RolesBootstrap) -> StoreResult<()> {
        run(async {
            let mut tx = self.begin_write().await?;
            for p in &b.permissions {
                let sql = format!("{INSERT_PERMISSION} ON CONFLICT (key) DO NOTHING");
                write_permission(&mut tx, &sql, p).await?;
            }
            let sets: i64 = get(&sqlx::query("SELECT COUNT(*) FROM role_sets").fetch_one(&mut *tx).await?, 0)?;
            if sets == 0 {
                for (role, keys) in &b.roles {
                    let sql = format!("{INSERT_ROLE} ON CONFLICT (key) DO NOTHING");
                    if write_role(&mut tx, &sql, role).await? > 0 {
                        for (i, key) in keys.iter().enumerate() {
                            sqlx::query(
                                "INSERT INTO role_permissions (role_id, permission_id, position) \
                                 SELECT $1, id, $3 FROM permissions WHERE key = $2",
                            )
                            .bind(role.id.as_str())
                            .bind(key.as_str())
                            .bind(i as i64)
                            .execute(&mut *tx)
                            .await?;
                        }
                        refresh_role_keys(&mut tx, &role.id).await?;
                    }
                }
                let (set, role_keys) = &b.initial_set;
                let mut ids = Vec::new();
                for key in role_keys {
                    let row = sqlx::query("SELECT id FROM roles WHERE key = $1")
                        .bind(key.as_str())
                        .fetch_optional(&mut *tx)
                        .await?;
                    if let Some(row) = row {
                        ids.push(get::<String>(&row, 0)?);
                    }
                }
                let sql = format!("{INSERT_SET} ON CONFLICT (key) DO NOTHING");
                if write_set(&mut tx, &sql, set).await? > 0 {
                    append_set_roles(&mut tx, &set.id, &ids).await?;
                }
            }
            let initial = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT s.id, {SET_COLUMNS} FROM role_sets s WHERE s.is_initial = 1"
            )))
            .fetch_optional(&mut *tx)
            .await?;
            let initial = initial.map(|r| set_from_row(&r, 1)).transpose()?;
            for role in &b.legacy_roles {
                let sql = format!("{INSERT_ROLE} ON CONFLICT (key) DO NOTHING");
                write_role(&mut tx, &sql, role).await?;
                if let Some(set) = &initial {
                    let row = sqlx::query("SELECT id FROM roles WHERE key = $1")
                        .bind(role.key.as_str())
                        .fetch_one(&mut *tx)
                        .await?;
                    append_set_roles(&mut tx, &set.id, &[get::<String>(&row, 0)?]).await?;
                }
            }
            // Memberships and organizations written before roles existed.
            let rows = sqlx::query("SELECT id, doc FROM memberships WHERE role IS NULL").fetch_all(&mut *tx).await?;
            for row in rows {
                let id: String = get(&row, 0)?;
                let role = membership_role_of_doc(&get::<String>(&row, 1)?)?;
                sqlx::query("UPDATE memberships SET role = $2 WHERE id = $1")
                    .bind(id)
                    .bind(role)
                    .execute(&mut *tx)
                    .await?;
            }
            if let Some(set) = &initial {
                let rows = sqlx::query("SELECT id, doc FROM organizations WHERE role_set_key IS NULL")
                    .fetch_all(&mut *tx)
                    .await?;
                for row in rows {
                    let id: String = get(&row, 0)?;
                    let mut org: Organization = get_doc(&row, 1)?;
                    org.role_set_key = Some(set.key.clone());
                    sqlx::query("UPDATE organizations SET role_set_key = $2, doc = $3 WHERE id = $1")
                        .bind(id)
                        .bind(set.key.as_str())
                        .bind(to_doc(&org)?)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            Ok(tx.commit().await?)
        })
        .await
    }

    async fn legacy_membership_roles(&self) -> StoreResult<Vec<String>> {
        run(async {
            let rows = sqlx::query("SELECT doc FROM memberships WHERE role IS NULL").fetch_all(&self.pool).await?;
            let mut keys: Vec<String> = Vec::new();
            for row in rows {
                let role = membership_role_of_doc(&get::<String>(&row, 0)?)?;
                if !keys.contains(&role) {
                    keys.push(role);
                }
            }
            let mut missing = Vec::new();
            for key in keys {
                let row = sqlx::query("SELECT 1 FROM roles WHERE key = $1")
                    .bind(key.as_str())
                    .fetch_optional(&self.pool)
                    .await?;
                if row.is_none() {
                    missing.push(key);
                }
            }
            Ok(missing)
        })
        .await
    }

    async fn insert_permission(&self, p: &Permission) -> StoreResult<()> {
        run(async {
            let mut tx = self.begin_write().await?;
            write_permission(&mut tx, INSERT_PERMISSION, p).await?;
            append(&mut tx, &[NewEvent::of(events::PERMISSION_CREATED, p)]).await?;
            Ok(tx.commit().await?)
        })
        .await
    }

    async fn update_permission(&self, p: &Permission) -> StoreResult<bool> {
        run(async {
            let mut tx = self.begin_write().await?;
            let sql = "UPDATE permissions SET key = $2, sort_name = $3, search_text = $4, created_at = $5, \
                       updated_at = $6, doc = $7 WHERE id = $1";
            if write_permission(&mut tx, sql, p).await? == 0 {
                return Ok(false);
            }
            refresh_roles_holding(&mut tx, &p.id).await?;
            append(&mut tx, &[NewEvent::of(events::PERMISSION_UPDATED, p)]).await?;
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    async fn delete_permission(&self, id: &str) -> StoreResult<bool> {
        run(async {
            let mut tx = self.begin_write().await?;
            let holders = sqlx::query("SELECT role_id FROM role_permissions WHERE permission_id = $1")
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM role_permissions WHERE permission_id = $1").bind(id).execute(&mut *tx).await?;
            let done = sqlx::query("DELETE FROM permissions WHERE id = $1").bind(id).execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            for r in holders {
                refresh_role_keys(&mut tx, &get::<String>(&r, 0)?).await?;
            }
            append(&mut tx, &[NewEvent::new(events::PERMISSION_DELETED, events::deleted("permission", id))]).await?;
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    async fn get_permission(&self, id: &str) -> StoreResult<Option<Permission>> {
        run(async {
            let row = sqlx::query("SELECT doc, key FROM permissions WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
            row.map(|r| permission_from_row(&r, 0)).transpose()
        })
        .await
    }

    async fn get_permissions(&self, ids: &[String]) -> StoreResult<Vec<Permission>> {
        run(async {
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            let mut sql = Sql::new("SELECT doc, key FROM permissions WHERE id IN ");
            let list = sql.arg_list(ids, str::to_string);
            sql.push(&list);
            let rows = sql.query().fetch_all(&self.pool).await?;
            rows.iter().map(|r| permission_from_row(r, 0)).collect()
        })
        .await
    }

    async fn list_permissions(&self, filter: &RoleFilter, page: Page) -> StoreResult<(Vec<Permission>, i64)> {
        run(async {
            let mut sql = filtered("SELECT x.doc, x.key", "permissions", filter);
            push_order(&mut sql, filter.order_by, page);
            let rows = sql.query().fetch_all(&self.pool).await?;
            let list = rows.iter().map(|r| permission_from_row(r, 0)).collect::<Result<Vec<_>>>()?;
            let row = filtered("SELECT COUNT(*)", "permissions", filter).query().fetch_one(&self.pool).await?;
            Ok((list, get(&row, 0)?))
        })
        .await
    }

    async fn insert_role(
        &self,
        role: &RoleRecord,
        permission_ids: &[String],
        add_to_set: Option<&str>,
    ) -> StoreResult<()> {
        run(async {
            let mut tx = self.begin_write().await?;
            write_role(&mut tx, INSERT_ROLE, role).await?;
            set_role_permissions(&mut tx, &role.id, permission_ids).await?;
            let mut changed = role_event(&mut tx, events::ROLE_CREATED, role).await?;
            if let Some(set_id) = add_to_set {
                append_set_roles(&mut tx, set_id, std::slice::from_ref(&role.id)).await?;
                changed.push(NewEvent::internal(events::ROLE_SET_CHANGED, set_id));
            }
            append(&mut tx, &changed).await?;
            Ok(tx.commit().await?)
        })
        .await
    }

    async fn update_role(&self, role: &RoleRecord, permission_ids: Option<&[String]>) -> StoreResult<bool> {
        run(async {
            let mut tx = self.begin_write().await?;
            let Some(row) = sqlx::query("SELECT key FROM roles WHERE id = $1")
                .bind(role.id.as_str())
                .fetch_optional(&mut *tx)
                .await?
            else {
                return Ok(false);
            };
            let old_key: String = get(&row, 0)?;
            let sql = "UPDATE roles SET key = $2, sort_name = $3, search_text = $4, created_at = $5, updated_at = $6, \
                       doc = $7 WHERE id = $1";
            write_role(&mut tx, sql, role).await?;
            if old_key != role.key {
                sqlx::query("UPDATE memberships SET role = $2 WHERE role = $1")
                    .bind(old_key.as_str())
                    .bind(role.key.as_str())
                    .execute(&mut *tx)
                    .await?;
                rename_invitation_role(&mut tx, &old_key, &role.key).await?;
            }
            if let Some(ids) = permission_ids {
                set_role_permissions(&mut tx, &role.id, ids).await?;
            }
            let changed = role_event(&mut tx, events::ROLE_UPDATED, role).await?;
            append(&mut tx, &changed).await?;
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    async fn delete_role(&self, id: &str) -> StoreResult<bool> {
        run(async {
            let mut tx = self.begin_write().await?;
            let Some(row) =
                sqlx::query("SELECT key FROM roles WHERE id = $1").bind(id).fetch_optional(&mut *tx).await?
            else {
                return Ok(false);
            };
            let key: String = get(&row, 0)?;
            let held = sqlx::query("SELECT 1 FROM memberships WHERE role = $1")
                .bind(key.as_str())
                .fetch_optional(&mut *tx)
                .await?;
            if held.is_some() {
                return Err(Error::Conflict("role_in_use"));
            }
            sqlx::query("DELETE FROM roles WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(foreign("role_in_use"))?;
            append(&mut tx, &[NewEvent::new(events::ROLE_DELETED, events::deleted("role", id))]).await?;
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    async fn get_role(&self, id: &str) -> StoreResult<Option<RoleView>> {
        run(async {
            let mut conn = self.pool.acquire().await?;
            let row =
                sqlx::query("SELECT doc, key FROM roles WHERE id = $1").bind(id).fetch_optional(&mut *conn).await?;
            let Some(role) = row.map(|r| role_from_row(&r, 0)).transpose()? else { return Ok(None) };
            Ok(with_permissions(&mut conn, vec![role]).await?.pop())
        })
        .await
    }

    async fn get_role_by_key(&self, key: &str) -> StoreResult<Option<RoleView>> {
        run(async {
            let mut conn = self.pool.acquire().await?;
            let row =
                sqlx::query("SELECT doc, key FROM roles WHERE key = $1").bind(key).fetch_optional(&mut *conn).await?;
            let Some(role) = row.map(|r| role_from_row(&r, 0)).transpose()? else { return Ok(None) };
            Ok(with_permissions(&mut conn, vec![role]).await?.pop())
        })
        .await
    }

    async fn list_roles(&self, filter: &RoleFilter, page: Page) -> StoreResult<(Vec<RoleView>, i64)> {
        run(async {
            let mut conn = self.pool.acquire().await?;
            let mut sql = filtered("SELECT x.doc, x.key", "roles", filter);
            push_order(&mut sql, filter.order_by, page);
            let rows = sql.query().fetch_all(&mut *conn).await?;
            let roles = rows.iter().map(|r| role_from_row(r, 0)).collect::<Result<Vec<_>>>()?;
            let list = with_permissions(&mut conn, roles).await?;
            let row = filtered("SELECT COUNT(*)", "roles", filter).query().fetch_one(&mut *conn).await?;
            Ok((list, get(&row, 0)?))
        })
        .await
    }

    async fn count_role_members(&self, key: &str) -> StoreResult<i64> {
        run(async {
            let row =
                sqlx::query("SELECT COUNT(*) FROM memberships WHERE role = $1").bind(key).fetch_one(&self.pool).await?;
            get(&row, 0)
        })
        .await
    }

    async fn insert_role_set(&self, set: &RoleSetRecord, role_ids: &[String]) -> StoreResult<()> {
        self.rs_insert_role_set(set, role_ids).await
    }

    async fn update_role_set(&self, set: &RoleSetRecord, add_role_ids: &[String]) -> StoreResult<bool> {
        self.rs_update_role_set(set, add_role_ids).await
    }

    async fn get_role_set(&self, id_or_key: &str) -> StoreResult<Option<RoleSetView>> {
        self.rs_get_role_set(id_or_key).await
    }

    async fn initial_role_set(&self) -> StoreResult<Option<RoleSetView>> {
        self.rs_initial_role_set().await
    }

    async fn list_role_sets(&self, filter: &RoleFilter, page: Page) -> StoreResult<(Vec<RoleSetView>, i64)> {
        self.rs_list_role_sets(filter, page).await
    }

    async fn remove_role_from_set(
        &self,
        set: &RoleSetRecord,
        role_id: &str,
        from_key: &str,
        to_key: &str,
    ) -> StoreResult<bool> {
        self.rs_remove_role_from_set(set, role_id, from_key, to_key).await
    }

    async fn replace_role_set(
        &self,
        from: &RoleSetRecord,
        to: &RoleSetRecord,
        mappings: &[(String, String)],
    ) -> StoreResult<bool> {
        self.rs_replace_role_set(from, to, mappings).await
    }

    async fn role_set_member_roles(&self, set_key: &str) -> StoreResult<Vec<(String, i64)>> {
        self.rs_role_set_member_roles(set_key).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn unique_fields_are_named_from_constraint_text() {
        assert_eq!(key_unique_field("roles_key_uq"), "key");
        assert_eq!(key_unique_field("unique constraint failed: permissions.key"), "key");
        assert_eq!(key_unique_field("roles_pkey"), "id");
    }
}
