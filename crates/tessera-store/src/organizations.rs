//! Organizations and their memberships. `members_count` is never stored: it is counted at read time.

use async_trait::async_trait;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use tessera_core::events::{self, NewEvent};
use tessera_core::orgs::membership_object;
use tessera_core::store::{
    MembershipFilter, MembershipOrder, MembershipRecord, OrganizationFilter, OrganizationOrder, OrganizationStore,
    Page, RoleRecord, StoreResult,
};
use tessera_types::{Organization, OrganizationMembership, User};

use crate::SqlStore;
use crate::error::{Error, Result, run};
use crate::events::append;
use crate::sql::{Sql, from_doc, get, get_doc, get_opt_doc, like_contains, order_dir, to_doc};
use crate::users::user_conditions;

fn org_unique_field(text: &str) -> &'static str {
    if text.contains("slug") { "slug" } else { "id" }
}

fn membership_unique_field(text: &str) -> &'static str {
    // SQLite: "… memberships.organization_id, memberships.user_id"; PostgreSQL: memberships_org_user_uq.
    if text.contains("user") { "membership" } else { "id" }
}

/// `members_count` of the organization aliased `o`.
macro_rules! members_count_sql {
    () => {
        "(SELECT COUNT(*) FROM memberships mc WHERE mc.organization_id = o.id)"
    };
}

/// The columns [`membership_from_row`] reads, of the membership aliased `m` and its role `r`, joined
/// with [`role_join!`].
macro_rules! membership_columns {
    () => {
        "m.doc, m.id, m.organization_id, m.user_id, m.role, r.permission_keys, r.doc"
    };
}
pub(crate) use membership_columns;

/// The join that gives a membership (`m`) its role (`r`), for [`membership_columns!`].
macro_rules! role_join {
    () => {
        " LEFT JOIN roles r ON r.key = m.role"
    };
}
pub(crate) use role_join;

/// How many columns [`membership_columns!`] has.
pub(crate) const MEMBERSHIP_COLUMNS: usize = 7;

/// Rebuilds an organization from `doc, members_count` at `offset`. `pending_invitations_count` is not
/// stored (it depends on the time of reading): the core fills it in.
fn org_from_row(row: &AnyRow, offset: usize) -> Result<Organization> {
    let mut org: Organization = get_doc(row, offset)?;
    org.members_count = Some(get::<i64>(row, offset + 1)?);
    org.pending_invitations_count = None;
    Ok(org)
}

/// Rebuilds a membership from [`membership_columns!`] at `offset`: the columns are authoritative over
/// the copies in the document, and the permissions are those its role holds now (none when the role
/// does not exist).
pub(crate) fn membership_from_row(row: &AnyRow, offset: usize) -> Result<MembershipRecord> {
    let mut m: MembershipRecord = get_doc(row, offset)?;
    m.id = get::<String>(row, offset + 1)?;
    m.organization_id = get::<String>(row, offset + 2)?;
    m.user_id = get::<String>(row, offset + 3)?;
    if let Some(role) = get::<Option<String>>(row, offset + 4)? {
        m.role = role;
    }
    m.permissions = match get::<Option<String>>(row, offset + 5)? {
        Some(keys) => from_doc(&keys)?,
        None => Vec::new(),
    };
    m.role_name = get_opt_doc::<RoleRecord>(row, offset + 6)?.map(|r| r.name);
    Ok(m)
}

/// The role key in a stored membership document (for rows written before the `role` column).
pub(crate) fn membership_role_of_doc(doc: &str) -> Result<String> {
    Ok(from_doc::<MembershipRecord>(doc)?.role)
}

/// The organization `id` as the API shows it, read in `conn`'s transaction (for its events).
async fn org_wire(conn: &mut AnyConnection, id: &str) -> Result<Option<Organization>> {
    let sql = concat!("SELECT o.doc, ", members_count_sql!(), " FROM organizations o WHERE o.id = $1");
    let row = sqlx::query(sql).bind(id).fetch_optional(&mut *conn).await?;
    row.map(|r| org_from_row(&r, 0)).transpose()
}

/// The event `event_type` of organization `id`, as it stands in `conn`'s transaction (none if gone).
pub(crate) async fn org_event(conn: &mut AnyConnection, event_type: &'static str, id: &str) -> Result<Vec<NewEvent>> {
    Ok(org_wire(conn, id).await?.map(|o| NewEvent::organization(event_type, &o)).into_iter().collect())
}

/// The wire membership of `user_id` in `org_id` as it stands in `conn`'s transaction: the object the
/// API returns, with its organization and the user's public data (for its events).
pub(crate) async fn membership_wire(
    conn: &mut AnyConnection,
    org_id: &str,
    user_id: &str,
) -> Result<Option<OrganizationMembership>> {
    let row = sqlx::query(concat!(
        "SELECT ",
        membership_columns!(),
        ", o.doc, ",
        members_count_sql!(),
        ", u.doc FROM memberships m JOIN organizations o ON o.id = m.organization_id",
        role_join!(),
        " LEFT JOIN users u ON u.id = m.user_id WHERE m.organization_id = $1 AND m.user_id = $2"
    ))
    .bind(org_id)
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let m = membership_from_row(&row, 0)?;
    let org = org_from_row(&row, MEMBERSHIP_COLUMNS)?;
    let user: Option<User> = get_opt_doc(&row, MEMBERSHIP_COLUMNS + 2)?;
    Ok(Some(membership_object(&m, &org, user.as_ref())))
}

/// The event `event_type` of the membership of `user_id` in `org_id` as it stands in `conn`'s
/// transaction (none if there is no such membership).
pub(crate) async fn membership_event(
    conn: &mut AnyConnection,
    event_type: &'static str,
    org_id: &str,
    user_id: &str,
) -> Result<Vec<NewEvent>> {
    Ok(membership_wire(conn, org_id, user_id)
        .await?
        .map(|m| NewEvent::membership(event_type, &m))
        .into_iter()
        .collect())
}

/// `sql` (an INSERT or UPDATE with `$1` = id, then slug, sort name, search text, created, updated,
/// doc, role set key) with `org` bound, executed on `conn`; returns the number of rows written.
async fn write_org(conn: &mut AnyConnection, sql: &'static str, org: &Organization) -> Result<u64> {
    let search_text = [&org.id, &org.name, &org.slug].iter().map(|s| s.to_lowercase()).collect::<Vec<_>>().join("\n");
    let done = sqlx::query(sql)
        .bind(org.id.as_str())
        .bind(org.slug.as_str())
        .bind(org.name.to_lowercase())
        .bind(search_text)
        .bind(org.created_at)
        .bind(org.updated_at)
        .bind(to_doc(org)?)
        .bind(org.role_set_key.clone())
        .execute(&mut *conn)
        .await
        .map_err(Error::unique(org_unique_field))?;
    Ok(done.rows_affected())
}

pub(crate) async fn insert_membership_on(conn: &mut AnyConnection, m: &MembershipRecord) -> Result<()> {
    sqlx::query(
        "INSERT INTO memberships (id, organization_id, user_id, created_at, updated_at, doc, role) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(m.id.as_str())
    .bind(m.organization_id.as_str())
    .bind(m.user_id.as_str())
    .bind(m.created_at)
    .bind(m.updated_at)
    .bind(to_doc(m)?)
    .bind(m.role.as_str())
    .execute(&mut *conn)
    .await
    .map_err(Error::unique(membership_unique_field))?;
    Ok(())
}

/// `SELECT … FROM memberships m` (with its role `r` and user `u`) with the filter applied (no order,
/// no page). The user filters are those of user lists, over the members.
fn filtered_memberships(select: &str, filter: &MembershipFilter) -> Sql {
    let mut sql = Sql::new(select);
    sql.push(concat!(" FROM memberships m", role_join!(), " JOIN users u ON u.id = m.user_id"));
    let mut conds = Vec::new();
    if let Some(org) = &filter.organization_id {
        let p = sql.arg_text(org.clone());
        conds.push(format!("m.organization_id = {p}"));
    }
    let users = user_conditions(&filter.user, &mut sql);
    if !users.is_empty() {
        conds.push(format!("m.user_id IN (SELECT id FROM users WHERE {})", users.join(" AND ")));
    }
    if !filter.role.is_empty() {
        let list = sql.arg_list(&filter.role, str::to_string);
        conds.push(format!("m.role IN {list}"));
    }
    sql.push_where(&conds);
    sql
}

/// ` ORDER BY …` for memberships: a member's missing value sorts last either way; ties break on the
/// membership's creation, then id.
fn membership_order(order: Option<(MembershipOrder, bool)>) -> String {
    let (column, desc) = match order {
        None => ("m.created_at", false),
        Some((field, desc)) => (
            match field {
                MembershipOrder::CreatedAt => "m.created_at",
                MembershipOrder::FirstName => "u.sort_first_name",
                MembershipOrder::LastName => "u.sort_last_name",
                MembershipOrder::Username => "u.username",
                MembershipOrder::EmailAddress => "u.sort_email",
                MembershipOrder::PhoneNumber => "u.sort_phone",
            },
            desc,
        ),
    };
    let dir = order_dir(desc);
    format!(" ORDER BY ({column} IS NULL) ASC, {column} {dir}, m.created_at {dir}, m.id {dir}")
}

/// `SELECT … FROM organizations o WHERE …` with the list filter applied (no order, no page).
fn filtered_orgs(select: &str, filter: &OrganizationFilter) -> Sql {
    let mut sql = Sql::new(select);
    sql.push(" FROM organizations o");
    let mut conds = Vec::new();
    if let Some(q) = filter.query.as_deref().filter(|q| !q.is_empty()) {
        // The id exactly (case-insensitively); the name or the slug partially.
        let id = sql.arg_text(q.to_lowercase());
        let like = sql.arg_text(like_contains(&q.to_lowercase()));
        conds.push(format!(
            "(LOWER(o.id) = {id} OR o.sort_name LIKE {like} ESCAPE '\\' OR LOWER(o.slug) LIKE {like} ESCAPE '\\')"
        ));
    }
    for (ids, op) in [(&filter.user_id.include, "IN"), (&filter.user_id.exclude, "NOT IN")] {
        if !ids.is_empty() {
            let list = sql.arg_list(ids, str::to_string);
            conds.push(format!("o.id {op} (SELECT organization_id FROM memberships WHERE user_id IN {list})"));
        }
    }
    for (ids, op) in [(&filter.organization_id.include, "IN"), (&filter.organization_id.exclude, "NOT IN")] {
        if !ids.is_empty() {
            let list = sql.arg_list(ids, str::to_string);
            conds.push(format!("o.id {op} {list}"));
        }
    }
    sql.push_where(&conds);
    sql
}

#[async_trait]
impl OrganizationStore for SqlStore {
    async fn insert_organization(
        &self,
        org: &Organization,
        first_member: Option<&MembershipRecord>,
    ) -> StoreResult<()> {
        run(async {
            let mut tx = self.begin_write().await?;
            write_org(
                &mut tx,
                "INSERT INTO organizations (id, slug, sort_name, search_text, created_at, updated_at, doc, \
                 role_set_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                org,
            )
            .await?;
            if let Some(m) = first_member {
                insert_membership_on(&mut tx, m).await?;
            }
            let mut created = org_event(&mut tx, events::ORGANIZATION_CREATED, &org.id).await?;
            if let Some(m) = first_member {
                created.extend(
                    membership_event(&mut tx, events::MEMBERSHIP_CREATED, &m.organization_id, &m.user_id).await?,
                );
            }
            append(&mut tx, &created).await?;
            Ok(tx.commit().await?)
        })
        .await
    }

    async fn update_organization(&self, org: &Organization) -> StoreResult<bool> {
        run(async {
            let mut tx = self.begin_write().await?;
            let sql = "UPDATE organizations SET slug = $2, sort_name = $3, search_text = $4, created_at = $5, \
                       updated_at = $6, doc = $7, role_set_key = $8 WHERE id = $1";
            if write_org(&mut tx, sql, org).await? == 0 {
                return Ok(false);
            }
            let events = org_event(&mut tx, events::ORGANIZATION_UPDATED, &org.id).await?;
            append(&mut tx, &events).await?;
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    async fn get_organization(&self, id_or_slug: &str) -> StoreResult<Option<Organization>> {
        run(async {
            for sql in [
                concat!("SELECT o.doc, ", members_count_sql!(), " FROM organizations o WHERE o.id = $1"),
                concat!("SELECT o.doc, ", members_count_sql!(), " FROM organizations o WHERE o.slug = $1"),
            ] {
                if let Some(row) = sqlx::query(sql).bind(id_or_slug).fetch_optional(&self.pool).await? {
                    return org_from_row(&row, 0).map(Some);
                }
            }
            Ok(None)
        })
        .await
    }

    async fn delete_organization(&self, id: &str) -> StoreResult<bool> {
        run(async {
            let mut tx = self.begin_write().await?;
            sqlx::query("DELETE FROM memberships WHERE organization_id = $1").bind(id).execute(&mut *tx).await?;
            let deleted = sqlx::query("DELETE FROM organizations WHERE id = $1").bind(id).execute(&mut *tx).await?;
            if deleted.rows_affected() == 0 {
                return Ok(false);
            }
            // Live sessions whose active organization it was keep running without one.
            sqlx::query(
                "UPDATE sessions SET last_active_organization_id = NULL \
                 WHERE last_active_organization_id = $1 AND status IN ('active', 'pending')",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?;
            append(&mut tx, &[NewEvent::organization_deleted(id)]).await?;
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    async fn list_organizations(
        &self,
        filter: &OrganizationFilter,
        page: Page,
    ) -> StoreResult<(Vec<Organization>, i64)> {
        run(async {
            let mut sql = filtered_orgs(concat!("SELECT o.doc, ", members_count_sql!(), " AS members_count"), filter);
            let (column, desc) = match filter.order_by {
                None => ("o.created_at", true),
                Some((OrganizationOrder::CreatedAt, desc)) => ("o.created_at", desc),
                Some((OrganizationOrder::Name, desc)) => ("o.sort_name", desc),
                Some((OrganizationOrder::MembersCount, desc)) => ("members_count", desc),
            };
            let dir = order_dir(desc);
            sql.push(&format!(" ORDER BY {column} {dir}, o.id {dir}")).push_page(page);
            let rows = sql.query().fetch_all(&self.pool).await?;
            let orgs = rows.iter().map(|r| org_from_row(r, 0)).collect::<Result<Vec<_>>>()?;
            let row = filtered_orgs("SELECT COUNT(*)", filter).query().fetch_one(&self.pool).await?;
            Ok((orgs, get(&row, 0)?))
        })
        .await
    }

    async fn insert_membership(&self, m: &MembershipRecord) -> StoreResult<()> {
        run(async {
            let mut tx = self.begin_write().await?;
            insert_membership_on(&mut tx, m).await?;
            let events = membership_event(&mut tx, events::MEMBERSHIP_CREATED, &m.organization_id, &m.user_id).await?;
            append(&mut tx, &events).await?;
            Ok(tx.commit().await?)
        })
        .await
    }

    async fn update_membership(&self, m: &MembershipRecord) -> StoreResult<bool> {
        run(async {
            let mut tx = self.begin_write().await?;
            let done = sqlx::query(
                "UPDATE memberships SET updated_at = $1, doc = $2, role = $5 \
                 WHERE organization_id = $3 AND user_id = $4",
            )
            .bind(m.updated_at)
            .bind(to_doc(m)?)
            .bind(m.organization_id.as_str())
            .bind(m.user_id.as_str())
            .bind(m.role.as_str())
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            let events = membership_event(&mut tx, events::MEMBERSHIP_UPDATED, &m.organization_id, &m.user_id).await?;
            append(&mut tx, &events).await?;
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    async fn delete_membership(&self, organization_id: &str, user_id: &str) -> StoreResult<bool> {
        run(async {
            let mut tx = self.begin_write().await?;
            let events = membership_event(&mut tx, events::MEMBERSHIP_DELETED, organization_id, user_id).await?;
            let done = sqlx::query("DELETE FROM memberships WHERE organization_id = $1 AND user_id = $2")
                .bind(organization_id)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            append(&mut tx, &events).await?;
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    async fn get_membership(&self, organization_id: &str, user_id: &str) -> StoreResult<Option<MembershipRecord>> {
        run(async {
            let row = sqlx::query(concat!(
                "SELECT ",
                membership_columns!(),
                " FROM memberships m",
                role_join!(),
                " WHERE m.organization_id = $1 AND m.user_id = $2"
            ))
            .bind(organization_id)
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?;
            row.map(|r| membership_from_row(&r, 0)).transpose()
        })
        .await
    }

    async fn list_memberships(
        &self,
        filter: &MembershipFilter,
        page: Page,
    ) -> StoreResult<(Vec<MembershipRecord>, i64)> {
        run(async {
            let mut sql = filtered_memberships(concat!("SELECT ", membership_columns!()), filter);
            sql.push(&membership_order(filter.order_by)).push_page(page);
            let rows = sql.query().fetch_all(&self.pool).await?;
            let list = rows.iter().map(|r| membership_from_row(r, 0)).collect::<Result<Vec<_>>>()?;
            let row = filtered_memberships("SELECT COUNT(*)", filter).query().fetch_one(&self.pool).await?;
            Ok((list, get(&row, 0)?))
        })
        .await
    }

    async fn list_user_memberships(&self, user_id: &str) -> StoreResult<Vec<(MembershipRecord, Organization)>> {
        run(async {
            let rows = sqlx::query(concat!(
                "SELECT ",
                membership_columns!(),
                ", o.doc AS org_doc, ",
                members_count_sql!(),
                " AS members_count FROM memberships m JOIN organizations o ON o.id = m.organization_id",
                role_join!(),
                " WHERE m.user_id = $1 ORDER BY m.created_at ASC, m.id ASC"
            ))
            .bind(user_id)
            .fetch_all(&self.pool)
            .await?;
            rows.iter().map(|r| Ok((membership_from_row(r, 0)?, org_from_row(r, MEMBERSHIP_COLUMNS)?))).collect()
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_fields_are_named_from_constraint_text() {
        assert_eq!(
            membership_unique_field("unique constraint failed: memberships.organization_id, memberships.user_id"),
            "membership"
        );
        assert_eq!(membership_unique_field("memberships_org_user_uq"), "membership");
        assert_eq!(membership_unique_field("memberships_pkey"), "id");
        assert_eq!(org_unique_field("organizations_slug_uq"), "slug");
    }
}
