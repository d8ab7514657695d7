//! Role sets (`role_sets`, `role_set_roles`): the SQL behind the role-set half of
//! [`RoleStore`](tessera_core::store::RoleStore), whose `impl` in `roles.rs` calls these. Every write
//! appends a `tessera.role_set.changed` event, and `organizationMembership.updated` for each membership
//! whose role it reassigns.

use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use tessera_core::events::{self, NewEvent};
use tessera_core::store::{Page, RoleFilter, RoleSetRecord, RoleSetView, StoreResult};
use tessera_types::Organization;

use crate::SqlStore;
use crate::error::{Error, Result, run};
use crate::events::append;
use crate::invitations::remap_pending_invitations;
use crate::organizations::{membership_event, org_event};
use crate::roles::{filtered, foreign, key_unique_field, push_order, role_from_row, search_text};
use crate::sql::{bool_int, get, get_doc, to_doc};

// ---- role sets ---------------------------------------------------------------------------------------

pub(crate) const SET_COLUMNS: &str = "s.doc, s.key, s.is_initial, s.default_role_id, s.creator_role_id";

/// Rebuilds a role set from [`SET_COLUMNS`] at `offset`.
pub(crate) fn set_from_row(row: &AnyRow, offset: usize) -> Result<RoleSetRecord> {
    let mut s: RoleSetRecord = get_doc(row, offset)?;
    s.key = get(row, offset + 1)?;
    s.is_initial = get::<i64>(row, offset + 2)? != 0;
    s.default_role_id = get(row, offset + 3)?;
    s.creator_role_id = get(row, offset + 4)?;
    Ok(s)
}

pub(crate) async fn write_set(conn: &mut AnyConnection, sql: &str, s: &RoleSetRecord) -> Result<u64> {
    if s.is_initial {
        sqlx::query("UPDATE role_sets SET is_initial = 0 WHERE is_initial = 1 AND id <> $1")
            .bind(s.id.as_str())
            .execute(&mut *conn)
            .await?;
    }
    let done = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .bind(s.id.as_str())
        .bind(s.key.as_str())
        .bind(s.name.to_lowercase())
        .bind(search_text(&s.id, &s.name, &s.key))
        .bind(bool_int(s.is_initial))
        .bind(s.default_role_id.clone())
        .bind(s.creator_role_id.clone())
        .bind(s.created_at)
        .bind(s.updated_at)
        .bind(to_doc(s)?)
        .execute(&mut *conn)
        .await
        .map_err(Error::unique(key_unique_field))
        .map_err(|e| match e {
            Error::Sqlx(sqlx::Error::Database(db)) if db.is_foreign_key_violation() => Error::Conflict("role"),
            e => e,
        })?;
    Ok(done.rows_affected())
}

pub(crate) const INSERT_SET: &str = "INSERT INTO role_sets (id, key, sort_name, search_text, is_initial, default_role_id, \
     creator_role_id, created_at, updated_at, doc) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
pub(crate) const UPDATE_SET: &str = "UPDATE role_sets SET key = $2, sort_name = $3, search_text = $4, is_initial = $5, \
     default_role_id = $6, creator_role_id = $7, created_at = $8, updated_at = $9, doc = $10 WHERE id = $1";

pub(crate) async fn append_set_roles(conn: &mut AnyConnection, set_id: &str, role_ids: &[String]) -> Result<()> {
    let row = sqlx::query("SELECT COALESCE(MAX(position), -1) FROM role_set_roles WHERE role_set_id = $1")
        .bind(set_id)
        .fetch_one(&mut *conn)
        .await?;
    let mut next = get::<i64>(&row, 0)? + 1;
    for rid in role_ids {
        let done = sqlx::query(
            "INSERT INTO role_set_roles (role_set_id, role_id, position) VALUES ($1, $2, $3) \
             ON CONFLICT (role_set_id, role_id) DO NOTHING",
        )
        .bind(set_id)
        .bind(rid.as_str())
        .bind(next)
        .execute(&mut *conn)
        .await
        .map_err(foreign("role"))?;
        next += i64::try_from(done.rows_affected()).unwrap_or(0);
    }
    Ok(())
}

/// The set's roles in order, each with the number of memberships holding it in organizations that
/// use the set.
pub(crate) async fn set_view(conn: &mut AnyConnection, set: RoleSetRecord) -> Result<RoleSetView> {
    let rows = sqlx::query(
        "SELECT r.doc, r.key, (SELECT COUNT(*) FROM memberships m JOIN organizations o ON o.id = m.organization_id \
         WHERE o.role_set_key = $2 AND m.role = r.key) \
         FROM role_set_roles sr JOIN roles r ON r.id = sr.role_id WHERE sr.role_set_id = $1 ORDER BY sr.position ASC",
    )
    .bind(set.id.as_str())
    .bind(set.key.as_str())
    .fetch_all(&mut *conn)
    .await?;
    let roles = rows.iter().map(|r| Ok((role_from_row(r, 0)?, get::<i64>(r, 2)?))).collect::<Result<Vec<_>>>()?;
    Ok(RoleSetView { set, roles })
}

/// Gives every organization using set `from_key` the set `to_key` (column and document); returns
/// their `organization.updated` events.
async fn move_organizations(conn: &mut AnyConnection, from_key: &str, to_key: &str) -> Result<Vec<NewEvent>> {
    let rows = sqlx::query("SELECT id, doc FROM organizations WHERE role_set_key = $1")
        .bind(from_key)
        .fetch_all(&mut *conn)
        .await?;
    let mut moved = Vec::with_capacity(rows.len());
    for row in rows {
        let id: String = get(&row, 0)?;
        let mut org: Organization = get_doc(&row, 1)?;
        org.role_set_key = Some(to_key.to_owned());
        sqlx::query("UPDATE organizations SET role_set_key = $2, doc = $3 WHERE id = $1")
            .bind(id.as_str())
            .bind(to_key)
            .bind(to_doc(&org)?)
            .execute(&mut *conn)
            .await?;
        moved.extend(org_event(conn, events::ORGANIZATION_UPDATED, &id).await?);
    }
    Ok(moved)
}

/// Reassigns the roles of the memberships and pending invitations in organizations using set `set_key`
/// by `mappings`, all at once (a mapping's target is never mapped again).
async fn remap_memberships(
    conn: &mut AnyConnection,
    set_key: &str,
    mappings: &[(String, String)],
    now: i64,
) -> Result<Vec<NewEvent>> {
    if mappings.is_empty() {
        return Ok(Vec::new());
    }
    let rows = sqlx::query(
        "SELECT m.id, m.role, m.organization_id, m.user_id FROM memberships m JOIN organizations o ON o.id = m.organization_id \
         WHERE o.role_set_key = $1",
    )
    .bind(set_key)
    .fetch_all(&mut *conn)
    .await?;
    let mut remapped = Vec::new();
    for row in rows {
        let id: String = get(&row, 0)?;
        let role: Option<String> = get(&row, 1)?;
        let Some(to) = role.and_then(|r| mappings.iter().find(|(from, _)| *from == r)).map(|(_, to)| to) else {
            continue;
        };
        sqlx::query("UPDATE memberships SET role = $2, updated_at = $3 WHERE id = $1")
            .bind(id)
            .bind(to.as_str())
            .bind(now)
            .execute(&mut *conn)
            .await?;
        remapped.push((get::<String>(&row, 2)?, get::<String>(&row, 3)?));
    }
    remap_pending_invitations(conn, set_key, mappings, now).await?;
    let mut events = Vec::with_capacity(remapped.len());
    for (org_id, user_id) in remapped {
        events.extend(membership_event(conn, events::MEMBERSHIP_UPDATED, &org_id, &user_id).await?);
    }
    Ok(events)
}

impl SqlStore {
    pub(crate) async fn rs_insert_role_set(&self, set: &RoleSetRecord, role_ids: &[String]) -> StoreResult<()> {
        run(async {
            let mut tx = self.begin_write().await?;
            write_set(&mut tx, INSERT_SET, set).await?;
            append_set_roles(&mut tx, &set.id, role_ids).await?;
            append(&mut tx, &[NewEvent::internal(events::ROLE_SET_CHANGED, &set.id)]).await?;
            Ok(tx.commit().await?)
        })
        .await
    }

    pub(crate) async fn rs_update_role_set(&self, set: &RoleSetRecord, add_role_ids: &[String]) -> StoreResult<bool> {
        run(async {
            let mut tx = self.begin_write().await?;
            let Some(row) = sqlx::query("SELECT key FROM role_sets WHERE id = $1")
                .bind(set.id.as_str())
                .fetch_optional(&mut *tx)
                .await?
            else {
                return Ok(false);
            };
            let old_key: String = get(&row, 0)?;
            append_set_roles(&mut tx, &set.id, add_role_ids).await?;
            write_set(&mut tx, UPDATE_SET, set).await?;
            let mut changed = vec![NewEvent::internal(events::ROLE_SET_CHANGED, &set.id)];
            if old_key != set.key {
                changed.extend(move_organizations(&mut tx, &old_key, &set.key).await?);
            }
            append(&mut tx, &changed).await?;
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    pub(crate) async fn rs_get_role_set(&self, id_or_key: &str) -> StoreResult<Option<RoleSetView>> {
        run(async {
            let mut conn = self.pool.acquire().await?;
            for column in ["id", "key"] {
                let sql = format!("SELECT {SET_COLUMNS} FROM role_sets s WHERE s.{column} = $1");
                let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id_or_key).fetch_optional(&mut *conn).await?;
                if let Some(row) = row {
                    let set = set_from_row(&row, 0)?;
                    return Ok(Some(set_view(&mut conn, set).await?));
                }
            }
            Ok(None)
        })
        .await
    }

    pub(crate) async fn rs_initial_role_set(&self) -> StoreResult<Option<RoleSetView>> {
        run(async {
            let mut conn = self.pool.acquire().await?;
            let sql = format!("SELECT {SET_COLUMNS} FROM role_sets s WHERE s.is_initial = 1");
            let row = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_optional(&mut *conn).await?;
            match row {
                None => Ok(None),
                Some(row) => Ok(Some(set_view(&mut conn, set_from_row(&row, 0)?).await?)),
            }
        })
        .await
    }

    pub(crate) async fn rs_list_role_sets(
        &self,
        filter: &RoleFilter,
        page: Page,
    ) -> StoreResult<(Vec<RoleSetView>, i64)> {
        run(async {
            let mut conn = self.pool.acquire().await?;
            let select = "SELECT x.doc, x.key, x.is_initial, x.default_role_id, x.creator_role_id";
            let mut sql = filtered(select, "role_sets", filter);
            push_order(&mut sql, filter.order_by, page);
            let rows = sql.query().fetch_all(&mut *conn).await?;
            let mut list = Vec::with_capacity(rows.len());
            for row in &rows {
                let set = set_from_row(row, 0)?;
                list.push(set_view(&mut conn, set).await?);
            }
            let row = filtered("SELECT COUNT(*)", "role_sets", filter).query().fetch_one(&mut *conn).await?;
            Ok((list, get(&row, 0)?))
        })
        .await
    }

    pub(crate) async fn rs_remove_role_from_set(
        &self,
        set: &RoleSetRecord,
        role_id: &str,
        from_key: &str,
        to_key: &str,
    ) -> StoreResult<bool> {
        run(async {
            let mut tx = self.begin_write().await?;
            let mut changed =
                remap_memberships(&mut tx, &set.key, &[(from_key.to_owned(), to_key.to_owned())], set.updated_at)
                    .await?;
            let done = sqlx::query("DELETE FROM role_set_roles WHERE role_set_id = $1 AND role_id = $2")
                .bind(set.id.as_str())
                .bind(role_id)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            write_set(&mut tx, UPDATE_SET, set).await?;
            changed.push(NewEvent::internal(events::ROLE_SET_CHANGED, &set.id));
            append(&mut tx, &changed).await?;
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    pub(crate) async fn rs_replace_role_set(
        &self,
        from: &RoleSetRecord,
        to: &RoleSetRecord,
        mappings: &[(String, String)],
    ) -> StoreResult<bool> {
        run(async {
            let mut tx = self.begin_write().await?;
            let mut changed = remap_memberships(&mut tx, &from.key, mappings, to.updated_at).await?;
            changed.extend(move_organizations(&mut tx, &from.key, &to.key).await?);
            let done =
                sqlx::query("DELETE FROM role_sets WHERE id = $1").bind(from.id.as_str()).execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            changed.push(NewEvent::internal(events::ROLE_SET_CHANGED, &from.id));
            append(&mut tx, &changed).await?;
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    pub(crate) async fn rs_role_set_member_roles(&self, set_key: &str) -> StoreResult<Vec<(String, i64)>> {
        run(async {
            let rows = sqlx::query(
                "SELECT m.role, COUNT(*) FROM memberships m JOIN organizations o ON o.id = m.organization_id \
                 WHERE o.role_set_key = $1 AND m.role IS NOT NULL GROUP BY m.role ORDER BY m.role",
            )
            .bind(set_key)
            .fetch_all(&self.pool)
            .await?;
            rows.iter().map(|r| Ok((get::<String>(r, 0)?, get::<i64>(r, 1)?))).collect()
        })
        .await
    }
}
