//! Invitations to the instance (`invitations`) and to organizations (`organization_invitations`).
//!
//! The stored status of a pending invitation is never rewritten when it expires: its effective status
//! is computed at read time, in SQL too when a list is filtered by status. At most one invitation per
//! address (per organization and address) is stored `pending`, by a partial unique index; creating
//! one first marks the address's pending invitations that have expired `expired`, in the same
//! transaction, so an expired invitation never blocks a new one. An organization invitation holds its
//! role by key (`role`, rewritten with the role's key) and reads the role's name through a join.

use async_trait::async_trait;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use tessera_core::events::{self, NewEvent};
use tessera_core::org_invitations::org_invitation_object;
use tessera_core::store::{
    InvitationFilter, InvitationOrder, InvitationRecord, InvitationStore, MembershipRecord,
    OrganizationInvitationRecord, Page, PasswordRecord, RoleRecord, StoreResult,
};
use tessera_types::{InvitationStatus, User};

use crate::SqlStore;
use crate::error::{Error, Result, run};
use crate::events::append;
use crate::organizations::{insert_membership_on, membership_event};
use crate::passwords::put_password;
use crate::sql::{Sql, get, get_doc, get_opt_doc, like_contains, order_dir, to_doc};
use crate::users::insert_user_in;

fn invitation_unique_field(text: &str) -> &'static str {
    // PostgreSQL names the index (`…_pending_email_uq`), SQLite the columns (`….email_address`).
    if text.contains("email") { "email_address" } else { "id" }
}

/// An organization that is gone (deleted meanwhile) as `Conflict("organization")`.
fn organization_gone(e: sqlx::Error) -> Error {
    match &e {
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => Error::Conflict("organization"),
        _ => Error::unique(invitation_unique_field)(e),
    }
}

/// The effective status of the invitation aliased `i` at `now` (a placeholder): the rule of
/// `tessera_core::store::effective_status`.
fn effective_status_sql(now: &str) -> String {
    format!("(CASE WHEN i.status = 'pending' AND i.expires_at <= {now} THEN 'expired' ELSE i.status END)")
}

fn parse_status(s: &str) -> Result<InvitationStatus> {
    InvitationStatus::parse(s).ok_or_else(|| Error::Other("unknown invitation status in the database".to_string()))
}

const INVITATION_COLUMNS: &str = "i.doc, i.status, i.updated_at";
const ORG_INVITATION_COLUMNS: &str = "i.doc, i.status, i.updated_at, i.role, r.doc";
const ROLE_JOIN: &str = " LEFT JOIN roles r ON r.key = i.role";

/// Rebuilds an invitation from [`INVITATION_COLUMNS`] (the columns are authoritative over the
/// copies in the document).
fn invitation_from_row(row: &AnyRow) -> Result<InvitationRecord> {
    let mut r: InvitationRecord = get_doc(row, 0)?;
    r.status = parse_status(&get::<String>(row, 1)?)?;
    r.updated_at = get(row, 2)?;
    Ok(r)
}

/// Rebuilds an organization invitation from [`ORG_INVITATION_COLUMNS`], with its role's name.
fn org_invitation_from_row(row: &AnyRow) -> Result<OrganizationInvitationRecord> {
    let mut r: OrganizationInvitationRecord = get_doc(row, 0)?;
    r.status = parse_status(&get::<String>(row, 1)?)?;
    r.updated_at = get(row, 2)?;
    r.role = get(row, 3)?;
    r.role_name = get_opt_doc::<RoleRecord>(row, 4)?.map(|role| role.name);
    Ok(r)
}

/// `SELECT … FROM <table> i` with the filter applied (no order, no page).
fn filtered(select: &str, from: &str, filter: &InvitationFilter, organizations: bool) -> Sql {
    let mut sql = Sql::new(select);
    sql.push(from);
    let mut conds = Vec::new();
    if organizations && let Some(org) = &filter.organization_id {
        let p = sql.arg_text(org.clone());
        conds.push(format!("i.organization_id = {p}"));
    }
    if !filter.email_address.is_empty() {
        let list = sql.arg_list(&filter.email_address, str::to_string);
        conds.push(format!("i.email_address IN {list}"));
    }
    if let Some(q) = filter.query.as_deref().filter(|q| !q.is_empty()) {
        let exact = sql.arg_text(q);
        let like = sql.arg_text(like_contains(&q.to_lowercase()));
        conds.push(format!("(i.id = {exact} OR i.email_address LIKE {like} ESCAPE '\\')"));
    }
    if !filter.status.is_empty() {
        let now = sql.arg_int(filter.now);
        let list = sql.arg_list(&filter.status.iter().map(|s| s.as_str()).collect::<Vec<_>>(), str::to_string);
        conds.push(format!("{} IN {list}", effective_status_sql(&now)));
    }
    sql.push_where(&conds);
    sql
}

fn push_order(sql: &mut Sql, order: Option<(InvitationOrder, bool)>, page: Page) {
    let (column, desc) = match order {
        None => ("i.created_at", true),
        Some((InvitationOrder::CreatedAt, d)) => ("i.created_at", d),
        Some((InvitationOrder::EmailAddress, d)) => ("i.email_address", d),
        Some((InvitationOrder::ExpiresAt, d)) => ("i.expires_at", d),
    };
    let dir = order_dir(desc);
    sql.push(&format!(" ORDER BY {column} {dir}, i.created_at {dir}, i.id {dir}")).push_page(page);
}

/// Marks the pending invitations of `email` (to organization `org`, for organization invitations)
/// that have expired at `now` as `expired`, and, with `revoke_live`, the live ones as `revoked`.
async fn clear_pending(
    conn: &mut AnyConnection,
    table: &str,
    org: Option<&str>,
    email: &str,
    revoke_live: bool,
    now: i64,
) -> Result<()> {
    let scope = if org.is_some() { " AND organization_id = $3" } else { "" };
    let expire = format!(
        "UPDATE {table} SET status = 'expired' WHERE email_address = $1 AND status = 'pending' AND expires_at <= $2{scope}"
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(expire)).bind(email).bind(now);
    if let Some(org) = org {
        q = q.bind(org);
    }
    q.execute(&mut *conn).await?;
    if revoke_live {
        let revoke = format!(
            "UPDATE {table} SET status = 'revoked', updated_at = $2 WHERE email_address = $1 AND status = 'pending'{scope}"
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(revoke)).bind(email).bind(now);
        if let Some(org) = org {
            q = q.bind(org);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

async fn get_invitation_on(conn: &mut AnyConnection, id: &str) -> Result<Option<InvitationRecord>> {
    let sql = format!("SELECT {INVITATION_COLUMNS} FROM invitations i WHERE i.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *conn).await?;
    row.as_ref().map(invitation_from_row).transpose()
}

async fn get_org_invitation_on(conn: &mut AnyConnection, id: &str) -> Result<Option<OrganizationInvitationRecord>> {
    let sql = format!("SELECT {ORG_INVITATION_COLUMNS} FROM organization_invitations i{ROLE_JOIN} WHERE i.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *conn).await?;
    row.as_ref().map(org_invitation_from_row).transpose()
}

/// The event `event_type` of an organization invitation (its wire object at `now`, without the
/// inviter's and the organization's public data).
fn org_invitation_event(event_type: &'static str, inv: &OrganizationInvitationRecord, now: i64) -> NewEvent {
    NewEvent::of(event_type, &org_invitation_object(inv, now, None, None))
}

/// Carries a role's new key to the organization invitations holding the old one (inside the
/// transaction that changes the key).
pub(crate) async fn rename_invitation_role(conn: &mut AnyConnection, old: &str, new: &str) -> Result<()> {
    sqlx::query("UPDATE organization_invitations SET role = $2 WHERE role = $1")
        .bind(old)
        .bind(new)
        .execute(conn)
        .await?;
    Ok(())
}

/// Reassigns the roles of the pending invitations to organizations using set `set_key` by `mappings`,
/// all at once (a mapping's target is never mapped again), as the memberships of those organizations
/// are reassigned in the same transaction.
pub(crate) async fn remap_pending_invitations(
    conn: &mut AnyConnection,
    set_key: &str,
    mappings: &[(String, String)],
    now: i64,
) -> Result<()> {
    if mappings.is_empty() {
        return Ok(());
    }
    let rows = sqlx::query(
        "SELECT i.id, i.role FROM organization_invitations i JOIN organizations o ON o.id = i.organization_id \
         WHERE o.role_set_key = $1 AND i.status = 'pending'",
    )
    .bind(set_key)
    .fetch_all(&mut *conn)
    .await?;
    for row in rows {
        let id: String = get(&row, 0)?;
        let role: String = get(&row, 1)?;
        let Some((_, to)) = mappings.iter().find(|(from, _)| *from == role) else { continue };
        sqlx::query("UPDATE organization_invitations SET role = $2, updated_at = $3 WHERE id = $1")
            .bind(id)
            .bind(to.as_str())
            .bind(now)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

#[async_trait]
impl InvitationStore for SqlStore {
    async fn insert_invitations(&self, invitations: &[(InvitationRecord, bool)], now: i64) -> StoreResult<()> {
        run(async {
            let mut tx = self.begin_write().await?;
            for (inv, replace) in invitations {
                clear_pending(&mut tx, "invitations", None, &inv.email_address, *replace, now).await?;
                sqlx::query(
                    "INSERT INTO invitations (id, email_address, status, expires_at, created_at, updated_at, doc) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(inv.id.as_str())
                .bind(inv.email_address.as_str())
                .bind(inv.status.as_str())
                .bind(inv.expires_at)
                .bind(inv.created_at)
                .bind(inv.updated_at)
                .bind(to_doc(inv)?)
                .execute(&mut *tx)
                .await
                .map_err(Error::unique(invitation_unique_field))?;
            }
            Ok(tx.commit().await?)
        })
        .await
    }

    async fn get_invitation(&self, id: &str) -> StoreResult<Option<InvitationRecord>> {
        run(async {
            let mut conn = self.pool.acquire().await?;
            get_invitation_on(&mut conn, id).await
        })
        .await
    }

    async fn list_invitations(
        &self,
        filter: &InvitationFilter,
        page: Page,
    ) -> StoreResult<(Vec<InvitationRecord>, i64)> {
        run(async {
            let from = " FROM invitations i";
            let mut sql = filtered(&format!("SELECT {INVITATION_COLUMNS}"), from, filter, false);
            push_order(&mut sql, filter.order_by, page);
            let rows = sql.query().fetch_all(&self.pool).await?;
            let list = rows.iter().map(invitation_from_row).collect::<Result<Vec<_>>>()?;
            let row = filtered("SELECT COUNT(*)", from, filter, false).query().fetch_one(&self.pool).await?;
            Ok((list, get(&row, 0)?))
        })
        .await
    }

    async fn revoke_invitation(&self, id: &str, now: i64) -> StoreResult<Option<InvitationRecord>> {
        run(async {
            let mut conn = self.pool.acquire().await?;
            sqlx::query(
                "UPDATE invitations SET status = 'revoked', updated_at = $2 \
                 WHERE id = $1 AND status IN ('pending', 'expired')",
            )
            .bind(id)
            .bind(now)
            .execute(&mut *conn)
            .await?;
            get_invitation_on(&mut conn, id).await
        })
        .await
    }

    async fn insert_user_accepting_invitations(
        &self,
        user: &User,
        password: Option<&PasswordRecord>,
        invitation_ids: &[String],
        now: i64,
    ) -> StoreResult<bool> {
        run(async {
            let mut tx = self.begin_write().await?;
            if !invitation_ids.is_empty() {
                let mut sql = Sql::new("UPDATE invitations SET status = 'accepted', updated_at = ");
                let at = sql.arg_int(now);
                sql.push(&at).push(" WHERE status = 'pending' AND expires_at > ").push(&at).push(" AND id IN ");
                let list = sql.arg_list(invitation_ids, str::to_string);
                sql.push(&list);
                let done = sql.query().execute(&mut *tx).await?;
                if done.rows_affected() != invitation_ids.len() as u64 {
                    // One of them was revoked, accepted or expired meanwhile: nothing is written.
                    return Ok(false);
                }
            }
            insert_user_in(&mut tx, user).await?;
            if let Some(p) = password {
                put_password(&mut tx, &user.id, p).await?;
            }
            append(&mut tx, &[NewEvent::user(events::USER_CREATED, user)]).await?;
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    async fn insert_organization_invitations(
        &self,
        invitations: &[OrganizationInvitationRecord],
        now: i64,
    ) -> StoreResult<()> {
        run(async {
            let mut tx = self.begin_write().await?;
            for inv in invitations {
                let org = Some(inv.organization_id.as_str());
                clear_pending(&mut tx, "organization_invitations", org, &inv.email_address, false, now).await?;
                sqlx::query(
                    "INSERT INTO organization_invitations (id, organization_id, email_address, role, inviter_id, \
                     status, expires_at, created_at, updated_at, doc) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(inv.id.as_str())
                .bind(inv.organization_id.as_str())
                .bind(inv.email_address.as_str())
                .bind(inv.role.as_str())
                .bind(inv.inviter_id.clone())
                .bind(inv.status.as_str())
                .bind(inv.expires_at)
                .bind(inv.created_at)
                .bind(inv.updated_at)
                .bind(to_doc(inv)?)
                .execute(&mut *tx)
                .await
                .map_err(organization_gone)?;
            }
            let created: Vec<NewEvent> =
                invitations.iter().map(|inv| org_invitation_event(events::ORG_INVITATION_CREATED, inv, now)).collect();
            append(&mut tx, &created).await?;
            Ok(tx.commit().await?)
        })
        .await
    }

    async fn get_organization_invitation(&self, id: &str) -> StoreResult<Option<OrganizationInvitationRecord>> {
        run(async {
            let mut conn = self.pool.acquire().await?;
            get_org_invitation_on(&mut conn, id).await
        })
        .await
    }

    async fn list_organization_invitations(
        &self,
        filter: &InvitationFilter,
        page: Page,
    ) -> StoreResult<(Vec<OrganizationInvitationRecord>, i64)> {
        run(async {
            let from = format!(" FROM organization_invitations i{ROLE_JOIN}");
            let mut sql = filtered(&format!("SELECT {ORG_INVITATION_COLUMNS}"), &from, filter, true);
            push_order(&mut sql, filter.order_by, page);
            let rows = sql.query().fetch_all(&self.pool).await?;
            let list = rows.iter().map(org_invitation_from_row).collect::<Result<Vec<_>>>()?;
            let count = filtered("SELECT COUNT(*)", " FROM organization_invitations i", filter, true);
            let row = count.query().fetch_one(&self.pool).await?;
            Ok((list, get(&row, 0)?))
        })
        .await
    }

    async fn revoke_organization_invitation(
        &self,
        id: &str,
        now: i64,
    ) -> StoreResult<Option<OrganizationInvitationRecord>> {
        run(async {
            let mut tx = self.begin_write().await?;
            let done = sqlx::query(
                "UPDATE organization_invitations SET status = 'revoked', updated_at = $2 \
                 WHERE id = $1 AND status = 'pending' AND expires_at > $2",
            )
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let inv = get_org_invitation_on(&mut tx, id).await?;
            if let (1, Some(inv)) = (done.rows_affected(), &inv) {
                append(&mut tx, &[org_invitation_event(events::ORG_INVITATION_REVOKED, inv, now)]).await?;
            }
            tx.commit().await?;
            Ok(inv)
        })
        .await
    }

    async fn accept_organization_invitation(
        &self,
        id: &str,
        membership: &MembershipRecord,
        now: i64,
    ) -> StoreResult<bool> {
        run(async {
            let mut tx = self.begin_write().await?;
            let done = sqlx::query(
                "UPDATE organization_invitations SET status = 'accepted', updated_at = $2 \
                 WHERE id = $1 AND status = 'pending' AND expires_at > $2",
            )
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            insert_membership_on(&mut tx, membership).await?;
            let mut accepted: Vec<NewEvent> = get_org_invitation_on(&mut tx, id)
                .await?
                .map(|inv| org_invitation_event(events::ORG_INVITATION_ACCEPTED, &inv, now))
                .into_iter()
                .collect();
            accepted.extend(
                membership_event(&mut tx, events::MEMBERSHIP_CREATED, &membership.organization_id, &membership.user_id)
                    .await?,
            );
            append(&mut tx, &accepted).await?;
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    async fn count_pending_organization_invitations(
        &self,
        organization_ids: &[String],
        now: i64,
    ) -> StoreResult<Vec<(String, i64)>> {
        run(async {
            if organization_ids.is_empty() {
                return Ok(Vec::new());
            }
            let mut sql =
                Sql::new("SELECT organization_id, COUNT(*) FROM organization_invitations WHERE expires_at > ");
            let at = sql.arg_int(now);
            sql.push(&at).push(" AND status = 'pending' AND organization_id IN ");
            let list = sql.arg_list(organization_ids, str::to_string);
            sql.push(&list).push(" GROUP BY organization_id");
            let rows = sql.query().fetch_all(&self.pool).await?;
            rows.iter().map(|r| Ok((get::<String>(r, 0)?, get::<i64>(r, 1)?))).collect()
        })
        .await
    }

    async fn count_pending_invitations_with_role(&self, role: &str, now: i64) -> StoreResult<i64> {
        run(async {
            let row = sqlx::query(
                "SELECT COUNT(*) FROM organization_invitations WHERE role = $1 AND status = 'pending' AND expires_at > $2",
            )
            .bind(role)
            .bind(now)
            .fetch_one(&self.pool)
            .await?;
            get(&row, 0)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_fields_are_named_from_constraint_text() {
        assert_eq!(invitation_unique_field("invitations_pending_email_uq"), "email_address");
        assert_eq!(
            invitation_unique_field(
                "unique constraint failed: organization_invitations.organization_id, organization_invitations.email_address"
            ),
            "email_address"
        );
        assert_eq!(invitation_unique_field("invitations_pkey"), "id");
    }
}
