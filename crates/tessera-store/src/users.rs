//! Users: the `users` table (derived columns for filters, sorting and uniqueness, plus the document)
//! and `user_identifiers` (one row per email address or phone number, unique per kind).

use async_trait::async_trait;
use sqlx::AnyConnection;
use tessera_core::store::{Page, StoreResult, UserFilter, UserOrder, UserStore};
use tessera_types::{SessionStatus, User};

use crate::SqlStore;
use crate::error::{Error, Result, run};
use crate::sessions::end_live_sessions_of;
use crate::sql::{Sql, bool_int, get, get_doc, like_contains, order_dir, to_doc};

const KIND_EMAIL: &str = "email";
const KIND_PHONE: &str = "phone";

/// The columns of `users` (and rows of `user_identifiers`) derived from a [`User`].
struct UserRow {
    id: String,
    username: Option<String>,
    external_id: Option<String>,
    banned: i64,
    sort_first_name: Option<String>,
    sort_last_name: Option<String>,
    sort_email: Option<String>,
    sort_phone: Option<String>,
    search_text: String,
    last_sign_in_at: Option<i64>,
    last_active_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
    doc: String,
    /// (identifier id, lowercased address)
    emails: Vec<(String, String)>,
    /// (identifier id, number as given)
    phones: Vec<(String, String)>,
}

/// The columns of `users` after `id`, in the order [`UserRow::bind`] binds them (`$2`…`$14`).
const USER_COLUMNS: [&str; 13] = [
    "username",
    "external_id",
    "banned",
    "sort_first_name",
    "sort_last_name",
    "sort_email",
    "sort_phone",
    "search_text",
    "last_sign_in_at",
    "last_active_at",
    "created_at",
    "updated_at",
    "doc",
];

impl UserRow {
    fn from_user(u: &User) -> Result<UserRow> {
        let emails: Vec<(String, String)> =
            u.email_addresses.iter().map(|e| (e.id.clone(), e.email_address.to_lowercase())).collect();
        let phones: Vec<(String, String)> =
            u.phone_numbers.iter().map(|p| (p.id.clone(), p.phone_number.clone())).collect();
        let sort_email = u
            .primary_email_address_id
            .as_ref()
            .and_then(|pid| emails.iter().find(|(id, _)| id == pid).map(|(_, v)| v.clone()));
        let sort_phone = u
            .primary_phone_number_id
            .as_ref()
            .and_then(|pid| phones.iter().find(|(id, _)| id == pid).map(|(_, v)| v.to_lowercase()));
        let mut haystack: Vec<String> = vec![u.id.to_lowercase()];
        haystack.extend(emails.iter().map(|(_, v)| v.clone()));
        haystack.extend(phones.iter().map(|(_, v)| v.to_lowercase()));
        for s in [&u.username, &u.first_name, &u.last_name].into_iter().flatten() {
            haystack.push(s.to_lowercase());
        }
        Ok(UserRow {
            id: u.id.clone(),
            username: u.username.as_ref().map(|s| s.to_lowercase()),
            external_id: u.external_id.clone(),
            banned: bool_int(u.banned),
            sort_first_name: u.first_name.as_ref().map(|s| s.to_lowercase()),
            sort_last_name: u.last_name.as_ref().map(|s| s.to_lowercase()),
            sort_email,
            sort_phone,
            search_text: haystack.join("\n"),
            last_sign_in_at: u.last_sign_in_at,
            last_active_at: u.last_active_at,
            created_at: u.created_at,
            updated_at: u.updated_at,
            doc: to_doc(u)?,
            emails,
            phones,
        })
    }

    /// `sql` (an INSERT or UPDATE whose `$1` is the id and `$2`…`$14` are [`USER_COLUMNS`]) with this
    /// row bound, executed on `conn`.
    async fn write(&self, conn: &mut AnyConnection, sql: String) -> Result<u64> {
        let done = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(self.id.as_str())
            .bind(self.username.clone())
            .bind(self.external_id.clone())
            .bind(self.banned)
            .bind(self.sort_first_name.clone())
            .bind(self.sort_last_name.clone())
            .bind(self.sort_email.clone())
            .bind(self.sort_phone.clone())
            .bind(self.search_text.as_str())
            .bind(self.last_sign_in_at)
            .bind(self.last_active_at)
            .bind(self.created_at)
            .bind(self.updated_at)
            .bind(self.doc.as_str())
            .execute(&mut *conn)
            .await
            .map_err(Error::unique(user_unique_field))?;
        Ok(done.rows_affected())
    }

    async fn insert(&self, conn: &mut AnyConnection) -> Result<()> {
        let placeholders: Vec<String> = (1..=USER_COLUMNS.len() + 1).map(|n| format!("${n}")).collect();
        let sql = format!("INSERT INTO users (id, {}) VALUES ({})", USER_COLUMNS.join(", "), placeholders.join(", "));
        self.write(conn, sql).await?;
        Ok(())
    }

    async fn update(&self, conn: &mut AnyConnection) -> Result<()> {
        let sets: Vec<String> = USER_COLUMNS.iter().enumerate().map(|(i, c)| format!("{c} = ${}", i + 2)).collect();
        self.write(conn, format!("UPDATE users SET {} WHERE id = $1", sets.join(", "))).await?;
        Ok(())
    }

    /// `(kind, field, values)` for each kind of identifier.
    fn identifiers(&self) -> [Identifiers<'_>; 2] {
        [(KIND_EMAIL, "email_address", &self.emails), (KIND_PHONE, "phone_number", &self.phones)]
    }
}

/// `(kind, field named in a conflict, (identifier id, value) pairs)`.
type Identifiers<'a> = (&'static str, &'static str, &'a [(String, String)]);

pub(crate) fn user_unique_field(text: &str) -> &'static str {
    if text.contains("username") {
        "username"
    } else if text.contains("external_id") {
        "external_id"
    } else {
        "id"
    }
}

/// Checks, in a fixed order (email, phone, username, external id), that no *other* user holds one of
/// this user's unique values. The UNIQUE constraints remain the race-safe backstop; this makes the
/// reported field deterministic on both databases.
async fn check_user_conflicts(conn: &mut AnyConnection, row: &UserRow) -> Result<()> {
    for (kind, field, values) in row.identifiers() {
        if values.is_empty() {
            continue;
        }
        let mut sql = Sql::new("SELECT user_id FROM user_identifiers WHERE kind = ");
        let p = sql.arg_text(kind);
        sql.push(&p).push(" AND user_id <> ");
        let p = sql.arg_text(row.id.clone());
        sql.push(&p).push(" AND value IN ");
        let values: Vec<&str> = values.iter().map(|(_, v)| v.as_str()).collect();
        let list = sql.arg_list(&values, str::to_string);
        sql.push(&list).push(" LIMIT 1");
        if sql.query().fetch_optional(&mut *conn).await?.is_some() {
            return Err(Error::Conflict(field));
        }
    }
    for (field, value) in [("username", &row.username), ("external_id", &row.external_id)] {
        let Some(value) = value else { continue };
        let sql = match field {
            "username" => "SELECT id FROM users WHERE username = $1 AND id <> $2 LIMIT 1",
            _ => "SELECT id FROM users WHERE external_id = $1 AND id <> $2 LIMIT 1",
        };
        let hit = sqlx::query(sql).bind(value.as_str()).bind(row.id.as_str()).fetch_optional(&mut *conn).await?;
        if hit.is_some() {
            return Err(Error::Conflict(field));
        }
    }
    Ok(())
}

async fn insert_identifiers(conn: &mut AnyConnection, row: &UserRow) -> Result<()> {
    for (kind, field, values) in row.identifiers() {
        for (identifier_id, value) in values {
            sqlx::query(
                "INSERT INTO user_identifiers (identifier_id, kind, value, user_id) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(identifier_id.as_str())
            .bind(kind)
            .bind(value.as_str())
            .bind(row.id.as_str())
            .execute(&mut *conn)
            .await
            .map_err(Error::unique(move |_| field))?;
        }
    }
    Ok(())
}

/// Replaces a stored user and their identifiers. Returns false if the user does not exist.
async fn replace_user(conn: &mut AnyConnection, row: &UserRow) -> Result<bool> {
    let exists =
        sqlx::query("SELECT id FROM users WHERE id = $1").bind(row.id.as_str()).fetch_optional(&mut *conn).await?;
    if exists.is_none() {
        return Ok(false);
    }
    check_user_conflicts(conn, row).await?;
    sqlx::query("DELETE FROM user_identifiers WHERE user_id = $1").bind(row.id.as_str()).execute(&mut *conn).await?;
    row.update(conn).await?;
    insert_identifiers(conn, row).await?;
    Ok(true)
}

fn user_conditions(f: &UserFilter, sql: &mut Sql) -> Vec<String> {
    let mut conds = Vec::new();
    for (kind, values, map) in [
        (KIND_EMAIL, &f.email_address, str::to_lowercase as fn(&str) -> String),
        (KIND_PHONE, &f.phone_number, str::to_string),
    ] {
        if !values.is_empty() {
            let list = sql.arg_list(values, map);
            conds.push(format!(
                "id IN (SELECT user_id FROM user_identifiers WHERE kind = '{kind}' AND value IN {list})"
            ));
        }
    }
    for (column, values, map) in [
        ("username", &f.username, str::to_lowercase as fn(&str) -> String),
        ("external_id", &f.external_id, str::to_string),
        ("id", &f.user_id, str::to_string),
    ] {
        if !values.is_empty() {
            let list = sql.arg_list(values, map);
            conds.push(format!("{column} IN {list}"));
        }
    }
    if !f.organization_id.is_empty() {
        let list = sql.arg_list(&f.organization_id, str::to_string);
        conds.push(format!("id IN (SELECT user_id FROM memberships WHERE organization_id IN {list})"));
    }
    if let Some(q) = f.query.as_deref().filter(|q| !q.is_empty()) {
        let p = sql.arg_text(like_contains(&q.to_lowercase()));
        conds.push(format!("search_text LIKE {p} ESCAPE '\\'"));
    }
    if let Some(banned) = f.banned {
        let p = sql.arg_int(bool_int(banned));
        conds.push(format!("banned = {p}"));
    }
    conds
}

/// ` ORDER BY …` for users. NULLs sort last in both directions; ties break on id in the same
/// direction.
fn user_order(order: Option<(UserOrder, bool)>) -> String {
    let (column, nullable, desc) = match order {
        None => ("created_at", false, true),
        Some((field, desc)) => {
            let (column, nullable) = match field {
                UserOrder::CreatedAt => ("created_at", false),
                UserOrder::UpdatedAt => ("updated_at", false),
                UserOrder::FirstName => ("sort_first_name", true),
                UserOrder::LastName => ("sort_last_name", true),
                UserOrder::Username => ("username", true),
                UserOrder::EmailAddress => ("sort_email", true),
                UserOrder::PhoneNumber => ("sort_phone", true),
                UserOrder::LastSignInAt => ("last_sign_in_at", true),
                UserOrder::LastActiveAt => ("last_active_at", true),
            };
            (column, nullable, desc)
        }
    };
    let dir = order_dir(desc);
    if nullable {
        format!(" ORDER BY ({column} IS NULL) ASC, {column} {dir}, id {dir}")
    } else {
        format!(" ORDER BY {column} {dir}, id {dir}")
    }
}

#[async_trait]
impl UserStore for SqlStore {
    async fn insert_user(&self, user: &User) -> StoreResult<()> {
        run(async {
            let row = UserRow::from_user(user)?;
            let mut tx = self.begin_write().await?;
            check_user_conflicts(&mut tx, &row).await?;
            row.insert(&mut tx).await?;
            insert_identifiers(&mut tx, &row).await?;
            Ok(tx.commit().await?)
        })
        .await
    }

    async fn update_user(&self, user: &User) -> StoreResult<bool> {
        run(async {
            let row = UserRow::from_user(user)?;
            let mut tx = self.begin_write().await?;
            if !replace_user(&mut tx, &row).await? {
                return Ok(false);
            }
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    async fn ban_user(&self, user: &User, now: i64) -> StoreResult<bool> {
        run(async {
            let row = UserRow::from_user(user)?;
            let mut tx = self.begin_write().await?;
            if !replace_user(&mut tx, &row).await? {
                return Ok(false);
            }
            end_live_sessions_of(&mut tx, &row.id, SessionStatus::Revoked, now).await?;
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    async fn get_user(&self, id: &str) -> StoreResult<Option<User>> {
        run(async {
            let row = sqlx::query("SELECT doc FROM users WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
            row.map(|r| get_doc(&r, 0)).transpose()
        })
        .await
    }

    async fn delete_user(&self, id: &str, now: i64) -> StoreResult<bool> {
        run(async {
            let mut tx = self.begin_write().await?;
            for sql in ["DELETE FROM memberships WHERE user_id = $1", "DELETE FROM user_identifiers WHERE user_id = $1"]
            {
                sqlx::query(sql).bind(id).execute(&mut *tx).await?;
            }
            let deleted = sqlx::query("DELETE FROM users WHERE id = $1").bind(id).execute(&mut *tx).await?;
            if deleted.rows_affected() == 0 {
                return Ok(false);
            }
            end_live_sessions_of(&mut tx, id, SessionStatus::Removed, now).await?;
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    async fn list_users(&self, filter: &UserFilter, page: Page) -> StoreResult<Vec<User>> {
        run(async {
            let mut sql = Sql::new("SELECT doc FROM users");
            let conds = user_conditions(filter, &mut sql);
            sql.push_where(&conds).push(&user_order(filter.order_by)).push_page(page);
            let rows = sql.query().fetch_all(&self.pool).await?;
            rows.iter().map(|r| get_doc(r, 0)).collect()
        })
        .await
    }

    async fn count_users(&self, filter: &UserFilter) -> StoreResult<i64> {
        run(async {
            let mut sql = Sql::new("SELECT COUNT(*) FROM users");
            let conds = user_conditions(filter, &mut sql);
            sql.push_where(&conds);
            get(&sql.query().fetch_one(&self.pool).await?, 0)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_fields_are_named_from_constraint_text() {
        assert_eq!(user_unique_field("unique constraint failed: users.username"), "username");
        assert_eq!(user_unique_field("users_external_id_uq"), "external_id");
        assert_eq!(user_unique_field("users_pkey"), "id");
    }
}
