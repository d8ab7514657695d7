//! Users: the `users` table (derived columns for filters, sorting and uniqueness, plus the document)
//! and `user_identifiers` (one row per email address, phone number, web3 wallet or external
//! account, unique per kind).

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde_json::Value;
use sqlx::AnyConnection;
use tessera_core::events::{self, NewEvent};
use tessera_core::store::{IdFilter, Page, StoreResult, TimeRange, UserFilter, UserOrder, UserStore};
use tessera_types::{SessionStatus, User};

use crate::SqlStore;
use crate::error::{Error, Result, run};
use crate::events::append;
use crate::sessions::end_live_sessions_of;
use crate::sql::{Sql, bool_int, get, get_doc, like_contains, order_dir, to_doc};

pub(crate) const KIND_EMAIL: &str = "email";
pub(crate) const KIND_PHONE: &str = "phone";
const KIND_WEB3: &str = "web3";
/// External accounts are kind `account:<provider>` (e.g. `account:oauth_google`), value the
/// provider's user id.
const KIND_ACCOUNT_PREFIX: &str = "account:";

/// One row of `user_identifiers`.
struct Identifier {
    id: String,
    kind: String,
    value: String,
    /// The field a conflict on it names.
    field: &'static str,
}

/// The columns of `users` (and rows of `user_identifiers`) derived from a [`User`].
pub(crate) struct UserRow {
    id: String,
    username: Option<String>,
    external_id: Option<String>,
    banned: i64,
    sort_first_name: Option<String>,
    sort_last_name: Option<String>,
    sort_email: Option<String>,
    sort_phone: Option<String>,
    sort_web3_wallet: Option<String>,
    search_text: String,
    last_sign_in_at: Option<i64>,
    last_active_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
    doc: String,
    /// Email addresses (lowercased), phone numbers (as given), web3 wallets (lowercased) and
    /// external accounts, in that order.
    identifiers: Vec<Identifier>,
}

/// The columns of `users` after `id`, in the order [`UserRow::bind`] binds them (`$2`…`$15`).
const USER_COLUMNS: [&str; 14] = [
    "username",
    "external_id",
    "banned",
    "sort_first_name",
    "sort_last_name",
    "sort_email",
    "sort_phone",
    "sort_web3_wallet",
    "search_text",
    "last_sign_in_at",
    "last_active_at",
    "created_at",
    "updated_at",
    "doc",
];

/// A string field of a JSON object (the web3 wallets and external accounts of a user are kept as
/// Clerk's objects, untyped).
fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// `(id, lowercased address)` of each web3 wallet that has an address.
fn web3_wallets(u: &User) -> Vec<(String, String)> {
    u.web3_wallets
        .iter()
        .filter_map(|w| Some((text(w, "id").unwrap_or_default().to_owned(), text(w, "web3_wallet")?.to_lowercase())))
        .collect()
}

/// `(id, provider, provider user id)` of each external account that has both.
fn external_accounts(u: &User) -> Vec<(String, String, String)> {
    u.external_accounts
        .iter()
        .filter_map(|a| {
            let id = text(a, "id").unwrap_or_default().to_owned();
            Some((id, text(a, "provider")?.to_owned(), text(a, "provider_user_id")?.to_owned()))
        })
        .collect()
}

fn account_kind(provider: &str) -> String {
    format!("{KIND_ACCOUNT_PREFIX}{provider}")
}

impl UserRow {
    pub(crate) fn from_user(u: &User) -> Result<UserRow> {
        let emails: Vec<(String, String)> =
            u.email_addresses.iter().map(|e| (e.id.clone(), e.email_address.to_lowercase())).collect();
        let phones: Vec<(String, String)> =
            u.phone_numbers.iter().map(|p| (p.id.clone(), p.phone_number.clone())).collect();
        let wallets = web3_wallets(u);
        let primary = |primary_id: &Option<String>, values: &[(String, String)]| {
            primary_id.as_ref().and_then(|pid| values.iter().find(|(id, _)| id == pid).map(|(_, v)| v.to_lowercase()))
        };
        let mut haystack: Vec<String> = vec![u.id.to_lowercase()];
        haystack.extend(emails.iter().map(|(_, v)| v.clone()));
        haystack.extend(phones.iter().map(|(_, v)| v.to_lowercase()));
        haystack.extend(wallets.iter().map(|(_, v)| v.clone()));
        for s in [&u.username, &u.first_name, &u.last_name].into_iter().flatten() {
            haystack.push(s.to_lowercase());
        }
        let mut identifiers = Vec::new();
        for (kind, field, values) in [
            (KIND_EMAIL, "email_address", &emails),
            (KIND_PHONE, "phone_number", &phones),
            (KIND_WEB3, "web3_wallet", &wallets),
        ] {
            identifiers.extend(values.iter().map(|(id, value)| Identifier {
                id: id.clone(),
                kind: kind.to_owned(),
                value: value.clone(),
                field,
            }));
        }
        identifiers.extend(external_accounts(u).into_iter().map(|(id, provider, value)| Identifier {
            id,
            kind: account_kind(&provider),
            value,
            field: "external_account",
        }));
        Ok(UserRow {
            id: u.id.clone(),
            username: u.username.as_ref().map(|s| s.to_lowercase()),
            external_id: u.external_id.clone(),
            banned: bool_int(u.banned),
            sort_first_name: u.first_name.as_ref().map(|s| s.to_lowercase()),
            sort_last_name: u.last_name.as_ref().map(|s| s.to_lowercase()),
            sort_email: primary(&u.primary_email_address_id, &emails),
            sort_phone: primary(&u.primary_phone_number_id, &phones),
            sort_web3_wallet: primary(&u.primary_web3_wallet_id, &wallets),
            search_text: haystack.join("\n"),
            last_sign_in_at: u.last_sign_in_at,
            last_active_at: u.last_active_at,
            created_at: u.created_at,
            updated_at: u.updated_at,
            doc: to_doc(u)?,
            identifiers,
        })
    }

    /// `sql` (an INSERT or UPDATE whose `$1` is the id and `$2`…`$15` are [`USER_COLUMNS`]) with this
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
            .bind(self.sort_web3_wallet.clone())
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
}

pub(crate) fn user_unique_field(text: &str) -> &'static str {
    if text.contains("username") {
        "username"
    } else if text.contains("external_id") {
        "external_id"
    } else {
        "id"
    }
}

/// Checks, in a fixed order (email, phone, web3 wallet, external accounts, username, external id),
/// that no *other* user holds one of this user's unique values. The UNIQUE constraints remain the
/// race-safe backstop; this makes the reported field deterministic on both databases.
async fn check_user_conflicts(conn: &mut AnyConnection, row: &UserRow) -> Result<()> {
    // Grouped by kind, in the order the identifiers come (their kinds' order).
    let mut kinds: Vec<(&str, &'static str)> = Vec::new();
    let mut values: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for i in &row.identifiers {
        if !values.contains_key(i.kind.as_str()) {
            kinds.push((&i.kind, i.field));
        }
        values.entry(&i.kind).or_default().push(&i.value);
    }
    for (kind, field) in kinds {
        let mut sql = Sql::new("SELECT user_id FROM user_identifiers WHERE kind = ");
        let p = sql.arg_text(kind);
        sql.push(&p).push(" AND user_id <> ");
        let p = sql.arg_text(row.id.clone());
        sql.push(&p).push(" AND value IN ");
        let list = sql.arg_list(&values[kind], str::to_string);
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
    for i in &row.identifiers {
        let field = i.field;
        sqlx::query(
            "INSERT INTO user_identifiers (identifier_id, kind, value, user_id) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(i.id.as_str())
        .bind(i.kind.as_str())
        .bind(i.value.as_str())
        .bind(row.id.as_str())
        .execute(&mut *conn)
        .await
        .map_err(Error::unique(move |_| field))?;
    }
    Ok(())
}

/// Inserts a user and their identifiers on `conn` (inside the caller's transaction).
pub(crate) async fn insert_user_in(conn: &mut AnyConnection, user: &User) -> Result<()> {
    let row = UserRow::from_user(user)?;
    check_user_conflicts(conn, &row).await?;
    row.insert(conn).await?;
    insert_identifiers(conn, &row).await
}

/// [`replace_user`] for a [`User`], on `conn` (inside the caller's transaction).
pub(crate) async fn replace_user_in(conn: &mut AnyConnection, user: &User) -> Result<bool> {
    replace_user(conn, &UserRow::from_user(user)?).await
}

/// Replaces a stored user and their identifiers. Returns false if the user does not exist.
pub(crate) async fn replace_user(conn: &mut AnyConnection, row: &UserRow) -> Result<bool> {
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

/// `column IN (…)` for the included ids and `column NOT IN (…)` for the excluded ones; a nullable
/// column whose value is NULL is not excluded.
fn id_conditions(column: &str, nullable: bool, ids: &IdFilter, sql: &mut Sql, conds: &mut Vec<String>) {
    if !ids.include.is_empty() {
        let list = sql.arg_list(&ids.include, str::to_string);
        conds.push(format!("{column} IN {list}"));
    }
    if !ids.exclude.is_empty() {
        let list = sql.arg_list(&ids.exclude, str::to_string);
        conds.push(if nullable {
            format!("({column} IS NULL OR {column} NOT IN {list})")
        } else {
            format!("{column} NOT IN {list}")
        });
    }
}

/// Strict bounds on a timestamp column (NULL matches none).
fn time_conditions(column: &str, range: TimeRange, sql: &mut Sql, conds: &mut Vec<String>) {
    for (bound, op) in [(range.after, ">"), (range.before, "<")] {
        if let Some(t) = bound {
            let p = sql.arg_int(t);
            conds.push(format!("{column} {op} {p}"));
        }
    }
}

/// `id IN (users holding an identifier of this kind [with one of these values])`.
fn identifier_condition(kind: &str, values: Option<&[String]>, sql: &mut Sql) -> String {
    let k = sql.arg_text(kind);
    let mut cond = format!("id IN (SELECT user_id FROM user_identifiers WHERE kind = {k}");
    if let Some(values) = values {
        let list = sql.arg_list(values, str::to_string);
        cond.push_str(&format!(" AND value IN {list}"));
    }
    cond.push(')');
    cond
}

/// A lowercased `%needle%` pattern, if the needle is not empty.
fn like_arg(needle: &Option<String>, sql: &mut Sql) -> Option<String> {
    needle.as_deref().filter(|q| !q.is_empty()).map(|q| sql.arg_text(like_contains(&q.to_lowercase())))
}

pub(crate) fn user_conditions(f: &UserFilter, sql: &mut Sql) -> Vec<String> {
    let mut conds = Vec::new();
    let lower = |values: &[String]| values.iter().map(|v| v.to_lowercase()).collect::<Vec<_>>();
    for (kind, values) in [
        (KIND_EMAIL, lower(&f.email_address)),
        (KIND_PHONE, f.phone_number.clone()),
        (KIND_WEB3, lower(&f.web3_wallet)),
    ] {
        if !values.is_empty() {
            conds.push(identifier_condition(kind, Some(&values), sql));
        }
    }
    if !f.username.is_empty() {
        let list = sql.arg_list(&lower(&f.username), str::to_string);
        conds.push(format!("username IN {list}"));
    }
    id_conditions("external_id", true, &f.external_id, sql, &mut conds);
    id_conditions("id", false, &f.user_id, sql, &mut conds);
    for (ids, op) in [(&f.organization_id.include, "IN"), (&f.organization_id.exclude, "NOT IN")] {
        if !ids.is_empty() {
            let list = sql.arg_list(ids, str::to_string);
            conds.push(format!("id {op} (SELECT user_id FROM memberships WHERE organization_id IN {list})"));
        }
    }
    if let Some(provider) = &f.provider {
        let values = (!f.provider_user_id.is_empty()).then_some(f.provider_user_id.as_slice());
        conds.push(identifier_condition(&account_kind(provider), values, sql));
    }
    if let Some(p) = like_arg(&f.query, sql) {
        conds.push(format!("search_text LIKE {p} ESCAPE '\\'"));
    }
    for (kind, needle) in [(KIND_EMAIL, &f.email_address_query), (KIND_PHONE, &f.phone_number_query)] {
        if let Some(p) = like_arg(needle, sql) {
            conds.push(format!(
                "id IN (SELECT user_id FROM user_identifiers WHERE kind = '{kind}' AND LOWER(value) LIKE {p} ESCAPE '\\')"
            ));
        }
    }
    if let Some(p) = like_arg(&f.username_query, sql) {
        conds.push(format!("username LIKE {p} ESCAPE '\\'"));
    }
    if let Some(p) = like_arg(&f.name_query, sql) {
        conds.push(format!(
            "(sort_first_name LIKE {p} ESCAPE '\\' OR sort_last_name LIKE {p} ESCAPE '\\' \
             OR (sort_first_name || ' ' || sort_last_name) LIKE {p} ESCAPE '\\')"
        ));
    }
    if let Some(banned) = f.banned {
        let p = sql.arg_int(bool_int(banned));
        conds.push(format!("banned = {p}"));
    }
    time_conditions("created_at", f.created_at, sql, &mut conds);
    time_conditions("last_active_at", f.last_active_at, sql, &mut conds);
    time_conditions("last_sign_in_at", f.last_sign_in_at, sql, &mut conds);
    if let Some(cursor) = &f.starting_after {
        // The users after the cursor in (created_at, id) order, in the list's direction.
        let op = if f.order_by == Some((UserOrder::CreatedAt, false)) { ">" } else { "<" };
        let c = sql.arg_text(cursor.clone());
        let at = format!("(SELECT cur.created_at FROM users cur WHERE cur.id = {c})");
        conds.push(format!("(created_at {op} {at} OR (created_at = {at} AND id {op} {c}))"));
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
                UserOrder::Web3Wallet => ("sort_web3_wallet", true),
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
            let mut tx = self.begin_write().await?;
            insert_user_in(&mut tx, user).await?;
            append(&mut tx, &[NewEvent::user(events::USER_CREATED, user)]).await?;
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
            append(&mut tx, &[NewEvent::user(events::USER_UPDATED, user)]).await?;
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
            let mut events = vec![NewEvent::user(events::USER_UPDATED, user)];
            events.extend(end_live_sessions_of(&mut tx, &row.id, SessionStatus::Revoked, now).await?);
            append(&mut tx, &events).await?;
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
            let mut events = end_live_sessions_of(&mut tx, id, SessionStatus::Removed, now).await?;
            events.push(NewEvent::user_deleted(id));
            append(&mut tx, &events).await?;
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
