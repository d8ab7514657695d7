//! tessera-store: the only SQL in Tessera. One [`Store`] implementation, [`SqlStore`], over `sqlx::Any`
//! so the same code path serves SQLite (the default, a file created on first use) and PostgreSQL (by
//! URL), plus the embedded migrations in `migrations/`.
//!
//! What it must not do: hold state that matters for correctness outside the database (several server
//! nodes may share one PostgreSQL database), decide business rules (that is `tessera-core`), or leak
//! data values into error text where avoidable (`StoreError::Backend` is for logs only).
//!
//! Storage shape: each object keeps its whole wire form as JSON in a `doc TEXT` column; the other
//! columns exist to filter, sort, or enforce uniqueness, and are recomputed from the object on every
//! write. SQL is portable (`$N` placeholders, BIGINT epoch-ms timestamps, BIGINT 0/1 booleans, TEXT
//! JSON). Multi-row writes run in one transaction; on SQLite write transactions start with
//! `BEGIN IMMEDIATE` so that they queue on `busy_timeout` instead of failing with `SQLITE_BUSY`.

mod admin;
pub use admin::admin_execute;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use sqlx::any::{AnyArguments, AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyConnection, AnyPool, AssertSqlSafe, Row, Transaction};
use tessera_core::store::{
    InstanceRecord, MembershipRecord, MintRecords, OrganizationFilter, OrganizationOrder, Page, SecretKeyRecord,
    SessionFilter, SigningKeyRecord, Store, StoreError, StoreResult, TemplateRecord, UserFilter, UserOrder,
};
use tessera_types::{JwtTemplate, Organization, Session, SessionStatus, User};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// How long a SQLite connection waits for the write lock before giving up.
const SQLITE_BUSY_TIMEOUT_MS: u64 = 5_000;
/// Pool size for a SQLite file: WAL lets readers run beside the one writer.
const SQLITE_FILE_MAX_CONNECTIONS: u32 = 4;
const POSTGRES_MAX_CONNECTIONS: u32 = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
}

/// Connections kept aside for [`Store::load_mint`], at most this many (idle or in use).
const MINT_CONNECTIONS: usize = 6;

/// The SQL implementation of [`Store`]. Cheap to clone: it wraps a connection pool.
#[derive(Debug, Clone)]
pub struct SqlStore {
    pool: AnyPool,
    backend: Backend,
    /// Connections taken out of the pool (detached) for `load_mint`, the hot path: sqlx's pool pings
    /// every connection handed back to it, one more round trip (to the SQLite worker thread or the
    /// PostgreSQL server) per query, which these skip. They hold no state between uses (one
    /// autocommit SELECT each time); one that fails is dropped. `None` for an in-memory SQLite
    /// database, where another connection would open another, empty database.
    mint_conns: Option<Arc<MintConns>>,
}

/// The connections kept for `load_mint`: idle ones, and how many exist (idle or in use).
#[derive(Debug, Default)]
struct MintConns {
    idle: Mutex<Vec<AnyConnection>>,
    total: AtomicUsize,
}

/// A kept connection in use. Dropped without [`Kept::give_back`] (an error, or the request went
/// away mid-query) it is closed and no longer counted.
struct Kept<'a> {
    conns: &'a MintConns,
    conn: Option<AnyConnection>,
}

impl Kept<'_> {
    fn give_back(mut self) {
        if let (Some(conn), Ok(mut idle)) = (self.conn.take(), self.conns.idle.lock()) {
            idle.push(conn);
        }
    }
}

impl Drop for Kept<'_> {
    fn drop(&mut self) {
        if self.conn.take().is_some() {
            self.conns.total.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

impl SqlStore {
    /// Connects and runs the migrations.
    ///
    /// - `sqlite://path/to/db.sqlite` (or `sqlite:path`): the file is created if missing; WAL journal,
    ///   `synchronous=NORMAL`, foreign keys on, 5 s busy timeout.
    /// - `sqlite::memory:`: a private in-memory database held by one connection that is never closed.
    /// - `postgres://…` / `postgresql://…`.
    pub async fn connect(url: &str) -> Result<SqlStore, StoreError> {
        sqlx::any::install_default_drivers();
        let (backend, url, in_memory) = classify_url(url)?;
        let pool = match backend {
            Backend::Sqlite => {
                let options = AnyPoolOptions::new().test_before_acquire(false).after_connect(|conn, _meta| {
                    Box::pin(async move {
                        sqlx::query("PRAGMA synchronous = NORMAL").execute(&mut *conn).await?;
                        sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *conn).await?;
                        sqlx::query(AssertSqlSafe(format!("PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")))
                            .execute(&mut *conn)
                            .await?;
                        Ok(())
                    })
                });
                let options = if in_memory {
                    // Every new connection to `:memory:` would open a fresh, empty database: keep
                    // exactly one connection alive for the life of the pool.
                    options.max_connections(1).min_connections(1).idle_timeout(None).max_lifetime(None)
                } else {
                    options.max_connections(SQLITE_FILE_MAX_CONNECTIONS)
                };
                options.connect(&url).await.map_err(backend_err)?
            }
            Backend::Postgres => AnyPoolOptions::new()
                .max_connections(POSTGRES_MAX_CONNECTIONS)
                .connect(&url)
                .await
                .map_err(backend_err)?,
        };
        let store = SqlStore { pool, backend, mint_conns: (!in_memory).then(|| Arc::new(MintConns::default())) };
        if backend == Backend::Sqlite && !in_memory {
            store.enable_wal().await?;
        }
        MIGRATOR.run(&store.pool).await.map_err(|e| StoreError::Backend(format!("migrations: {e}")))?;
        Ok(store)
    }

    /// `"sqlite"` or `"postgres"`.
    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    /// SQLite: the rows of `PRAGMA integrity_check` (`["ok"]` when healthy). PostgreSQL: `["ok"]`.
    pub async fn integrity_check(&self) -> Result<Vec<String>, StoreError> {
        match self.backend {
            Backend::Postgres => Ok(vec!["ok".to_string()]),
            Backend::Sqlite => {
                let rows = sqlx::query("PRAGMA integrity_check").fetch_all(&self.pool).await.map_err(backend_err)?;
                rows.iter().map(|r| get::<String>(r, 0)).collect()
            }
        }
    }

    /// Closes every connection of the pool (waits for checked-out connections to come back).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// WAL is a property of the database file, so setting it once per open is enough. Switching needs
    /// an exclusive lock that busy_timeout does not wait for, so a failure is only an error if the file
    /// is still not in WAL mode afterwards (another process may have switched it meanwhile).
    async fn enable_wal(&self) -> StoreResult<()> {
        let set = sqlx::query("PRAGMA journal_mode = WAL").fetch_optional(&self.pool).await;
        if let Ok(Some(row)) = &set
            && get::<String>(row, 0)?.eq_ignore_ascii_case("wal")
        {
            return Ok(());
        }
        let row = sqlx::query("PRAGMA journal_mode").fetch_optional(&self.pool).await.map_err(backend_err)?;
        match row {
            Some(row) if get::<String>(&row, 0)?.eq_ignore_ascii_case("wal") => Ok(()),
            _ => Err(StoreError::Backend("could not switch the SQLite database to WAL mode".to_string())),
        }
    }

    /// A transaction for writing. On SQLite it takes the write lock up front (`BEGIN IMMEDIATE`), so
    /// a read-then-write transaction never fails to upgrade its lock.
    async fn begin_write(&self) -> StoreResult<Transaction<'static, Any>> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
        .map_err(backend_err)
    }
}

/// Returns the backend, the URL to hand to sqlx, and whether it is an in-memory SQLite database.
fn classify_url(url: &str) -> StoreResult<(Backend, String, bool)> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok((Backend::Postgres, url.to_string(), false));
    }
    if url.starts_with("sqlite:") {
        let (_, query) = url.split_once('?').unwrap_or((url, ""));
        let in_memory = url.contains(":memory:") || query.split('&').any(|p| p == "mode=memory");
        let has_mode = query.split('&').any(|p| p.starts_with("mode="));
        let url = if in_memory || has_mode {
            url.to_string()
        } else if url.contains('?') {
            format!("{url}&mode=rwc")
        } else {
            format!("{url}?mode=rwc")
        };
        return Ok((Backend::Sqlite, url, in_memory));
    }
    Err(StoreError::Backend("unsupported database URL: expected sqlite:… or postgres://…".to_string()))
}

// ---- small helpers ----------------------------------------------------------------------------------

fn backend_err(e: sqlx::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// If `e` is a uniqueness violation, the constraint name (PostgreSQL) or message (SQLite, which names
/// the columns), lowercased.
fn unique_violation(e: &sqlx::Error) -> Option<String> {
    match e {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            Some(db.constraint().unwrap_or_else(|| db.message()).to_ascii_lowercase())
        }
        _ => None,
    }
}

/// Maps a uniqueness violation to `Conflict(pick(constraint text))`, anything else to `Backend`.
fn map_unique(e: sqlx::Error, pick: impl Fn(&str) -> &'static str) -> StoreError {
    match unique_violation(&e) {
        Some(text) => StoreError::Conflict(pick(&text).to_string()),
        None => backend_err(e),
    }
}

fn only_id(_: &str) -> &'static str {
    "id"
}

fn get<T>(row: &AnyRow, idx: usize) -> StoreResult<T>
where
    T: for<'r> sqlx::Decode<'r, Any> + sqlx::Type<Any>,
{
    row.try_get::<T, _>(idx).map_err(backend_err)
}

fn to_doc<T: Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Backend(format!("encoding a document: {e}")))
}

fn from_doc<T: DeserializeOwned>(doc: &str) -> StoreResult<T> {
    serde_json::from_str(doc).map_err(|e| StoreError::Backend(format!("decoding a stored document: {e}")))
}

fn bool_int(b: bool) -> i64 {
    i64::from(b)
}

/// Escapes `%`, `_` and `\` for `LIKE … ESCAPE '\'` and wraps the needle in `%…%`.
fn like_contains(needle: &str) -> String {
    let mut out = String::with_capacity(needle.len() + 2);
    out.push('%');
    for c in needle.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// The `LIMIT … OFFSET …` values, defended against out-of-range input.
fn page_values(page: Page) -> (i64, i64) {
    (page.limit.max(0), page.offset.max(0))
}

enum Arg {
    Text(String),
    Int(i64),
}

/// A dynamically built statement: SQL text plus its arguments, numbered `$1`, `$2`, … in bind order.
/// Only fixed SQL fragments are pushed as text; every value goes through a placeholder.
struct Sql {
    text: String,
    args: Vec<Arg>,
}

impl Sql {
    fn new(text: &str) -> Sql {
        Sql { text: text.to_string(), args: Vec::new() }
    }

    fn push(&mut self, fragment: &str) -> &mut Sql {
        self.text.push_str(fragment);
        self
    }

    fn placeholder(&self) -> String {
        format!("${}", self.args.len())
    }

    /// Adds an argument and returns its placeholder without writing it.
    fn arg_text(&mut self, v: impl Into<String>) -> String {
        self.args.push(Arg::Text(v.into()));
        self.placeholder()
    }

    fn arg_int(&mut self, v: i64) -> String {
        self.args.push(Arg::Int(v));
        self.placeholder()
    }

    /// Adds the values and returns `($a, $b, …)`.
    fn arg_list<S: AsRef<str>>(&mut self, values: &[S], map: impl Fn(&str) -> String) -> String {
        let parts: Vec<String> = values.iter().map(|v| self.arg_text(map(v.as_ref()))).collect();
        format!("({})", parts.join(", "))
    }

    fn query(self) -> sqlx::query::Query<'static, Any, AnyArguments> {
        let mut q = sqlx::query(AssertSqlSafe(self.text));
        for arg in self.args {
            q = match arg {
                Arg::Text(v) => q.bind(v),
                Arg::Int(v) => q.bind(v),
            };
        }
        q
    }
}

/// Collects `cond` fragments into ` WHERE a AND b …` (or nothing).
fn where_clause(conds: &[String]) -> String {
    if conds.is_empty() { String::new() } else { format!(" WHERE {}", conds.join(" AND ")) }
}

fn order_dir(desc: bool) -> &'static str {
    if desc { "DESC" } else { "ASC" }
}

// ---- users: derived columns -------------------------------------------------------------------------

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

impl UserRow {
    fn from_user(u: &User) -> StoreResult<UserRow> {
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
}

fn user_unique_field(text: &str) -> &'static str {
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
async fn check_user_conflicts(conn: &mut AnyConnection, row: &UserRow) -> StoreResult<()> {
    for (kind, field, values) in [(KIND_EMAIL, "email_address", &row.emails), (KIND_PHONE, "phone_number", &row.phones)]
    {
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
        if sql.query().fetch_optional(&mut *conn).await.map_err(backend_err)?.is_some() {
            return Err(StoreError::Conflict(field.to_string()));
        }
    }
    for (column, field, value) in
        [("username", "username", &row.username), ("external_id", "external_id", &row.external_id)]
    {
        let Some(value) = value else { continue };
        let sql = match column {
            "username" => "SELECT id FROM users WHERE username = $1 AND id <> $2 LIMIT 1",
            _ => "SELECT id FROM users WHERE external_id = $1 AND id <> $2 LIMIT 1",
        };
        let hit = sqlx::query(sql)
            .bind(value.as_str())
            .bind(row.id.as_str())
            .fetch_optional(&mut *conn)
            .await
            .map_err(backend_err)?;
        if hit.is_some() {
            return Err(StoreError::Conflict(field.to_string()));
        }
    }
    Ok(())
}

async fn insert_identifiers(conn: &mut AnyConnection, row: &UserRow) -> StoreResult<()> {
    for (kind, field, values) in [(KIND_EMAIL, "email_address", &row.emails), (KIND_PHONE, "phone_number", &row.phones)]
    {
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
            .map_err(|e| map_unique(e, |_| field))?;
        }
    }
    Ok(())
}

/// Replaces a stored user and their identifiers. Returns false if the user does not exist.
async fn replace_user(conn: &mut AnyConnection, row: &UserRow) -> StoreResult<bool> {
    let exists = sqlx::query("SELECT id FROM users WHERE id = $1")
        .bind(row.id.as_str())
        .fetch_optional(&mut *conn)
        .await
        .map_err(backend_err)?;
    if exists.is_none() {
        return Ok(false);
    }
    check_user_conflicts(conn, row).await?;
    sqlx::query("DELETE FROM user_identifiers WHERE user_id = $1")
        .bind(row.id.as_str())
        .execute(&mut *conn)
        .await
        .map_err(backend_err)?;
    sqlx::query(
        "UPDATE users SET username = $2, external_id = $3, banned = $4, sort_first_name = $5, \
         sort_last_name = $6, sort_email = $7, sort_phone = $8, search_text = $9, \
         last_sign_in_at = $10, last_active_at = $11, created_at = $12, updated_at = $13, doc = $14 \
         WHERE id = $1",
    )
    .bind(row.id.as_str())
    .bind(row.username.clone())
    .bind(row.external_id.clone())
    .bind(row.banned)
    .bind(row.sort_first_name.clone())
    .bind(row.sort_last_name.clone())
    .bind(row.sort_email.clone())
    .bind(row.sort_phone.clone())
    .bind(row.search_text.as_str())
    .bind(row.last_sign_in_at)
    .bind(row.last_active_at)
    .bind(row.created_at)
    .bind(row.updated_at)
    .bind(row.doc.as_str())
    .execute(&mut *conn)
    .await
    .map_err(|e| map_unique(e, user_unique_field))?;
    insert_identifiers(conn, row).await?;
    Ok(true)
}

/// Moves the live sessions of a user (stored `active`/`pending`, not past `expire_at`/`abandon_at`
/// at `now`) to `to`.
async fn end_live_sessions_of(conn: &mut AnyConnection, user_id: &str, to: SessionStatus, now: i64) -> StoreResult<()> {
    sqlx::query(
        "UPDATE sessions SET status = $1, updated_at = $2 \
         WHERE user_id = $3 AND status IN ('active', 'pending') \
         AND expire_at > $2 AND abandon_at > $2",
    )
    .bind(to.as_str())
    .bind(now)
    .bind(user_id)
    .execute(&mut *conn)
    .await
    .map_err(backend_err)?;
    Ok(())
}

fn user_conditions(f: &UserFilter, sql: &mut Sql) -> Vec<String> {
    let mut conds = Vec::new();
    if !f.email_address.is_empty() {
        let list = sql.arg_list(&f.email_address, str::to_lowercase);
        conds.push(format!(
            "id IN (SELECT user_id FROM user_identifiers WHERE kind = '{KIND_EMAIL}' AND value IN {list})"
        ));
    }
    if !f.phone_number.is_empty() {
        let list = sql.arg_list(&f.phone_number, str::to_string);
        conds.push(format!(
            "id IN (SELECT user_id FROM user_identifiers WHERE kind = '{KIND_PHONE}' AND value IN {list})"
        ));
    }
    if !f.username.is_empty() {
        let list = sql.arg_list(&f.username, str::to_lowercase);
        conds.push(format!("username IN {list}"));
    }
    if !f.external_id.is_empty() {
        let list = sql.arg_list(&f.external_id, str::to_string);
        conds.push(format!("external_id IN {list}"));
    }
    if !f.user_id.is_empty() {
        let list = sql.arg_list(&f.user_id, str::to_string);
        conds.push(format!("id IN {list}"));
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

// ---- sessions ---------------------------------------------------------------------------------------

/// SQL for the effective status of a session at `now` (a placeholder). Same rule as
/// `tessera_core::sessions::effective_status`: a stored `active`/`pending` session reads as `expired`
/// once `now >= expire_at`, otherwise as `abandoned` once `now >= abandon_at`.
fn effective_status_sql(now: &str) -> String {
    format!(
        "(CASE WHEN status NOT IN ('active', 'pending') THEN status \
         WHEN expire_at <= {now} THEN 'expired' \
         WHEN abandon_at <= {now} THEN 'abandoned' \
         ELSE status END)"
    )
}

const SESSION_COLUMNS: &str = "doc, status, updated_at, last_active_organization_id";

/// Rebuilds a session from `doc, status, updated_at, last_active_organization_id` (the columns are
/// authoritative over the copies in the document).
fn session_from_row(row: &AnyRow) -> StoreResult<Session> {
    let mut session: Session = from_doc(&get::<String>(row, 0)?)?;
    let status = get::<String>(row, 1)?;
    session.status = parse_status(&status)?;
    session.updated_at = get::<i64>(row, 2)?;
    session.last_active_organization_id = get::<Option<String>>(row, 3)?;
    Ok(session)
}

fn parse_status(s: &str) -> StoreResult<SessionStatus> {
    SessionStatus::parse(s).ok_or_else(|| StoreError::Backend("unknown session status in the database".to_string()))
}

/// Filter conditions of `list_sessions`; `effective` is the effective-status expression (only used,
/// and only needed, when filtering by status).
fn session_conditions(filter: &SessionFilter, sql: &mut Sql, effective: &str) -> Vec<String> {
    let mut conds = Vec::new();
    if let Some(user_id) = &filter.user_id {
        let p = sql.arg_text(user_id.clone());
        conds.push(format!("user_id = {p}"));
    }
    if let Some(client_id) = &filter.client_id {
        let p = sql.arg_text(client_id.clone());
        conds.push(format!("client_id = {p}"));
    }
    if let Some(status) = filter.status {
        let p = sql.arg_text(status.as_str());
        conds.push(format!("{effective} = {p}"));
    }
    conds
}

// ---- organizations ----------------------------------------------------------------------------------

fn org_unique_field(text: &str) -> &'static str {
    if text.contains("slug") { "slug" } else { "id" }
}

fn membership_unique_field(text: &str) -> &'static str {
    // SQLite: "… memberships.organization_id, memberships.user_id"; PostgreSQL: memberships_org_user_uq.
    if text.contains("user") { "membership" } else { "id" }
}

fn template_unique_field(text: &str) -> &'static str {
    if text.contains("name") { "name" } else { "id" }
}

fn org_search_text(org: &Organization) -> String {
    [&org.id, &org.name, &org.slug].iter().map(|s| s.to_lowercase()).collect::<Vec<_>>().join("\n")
}

const MEMBERS_COUNT_SQL: &str = "(SELECT COUNT(*) FROM memberships mc WHERE mc.organization_id = o.id)";

/// Rebuilds an organization from `doc, members_count` at `offset`.
fn org_from_row(row: &AnyRow, offset: usize) -> StoreResult<Organization> {
    let mut org: Organization = from_doc(&get::<String>(row, offset)?)?;
    org.members_count = Some(get::<i64>(row, offset + 1)?);
    Ok(org)
}

const MEMBERSHIP_COLUMNS: &str = "m.doc, m.id, m.organization_id, m.user_id";

/// Rebuilds a membership from `doc, id, organization_id, user_id`.
fn membership_from_row(row: &AnyRow) -> StoreResult<MembershipRecord> {
    let mut m: MembershipRecord = from_doc(&get::<String>(row, 0)?)?;
    m.id = get::<String>(row, 1)?;
    m.organization_id = get::<String>(row, 2)?;
    m.user_id = get::<String>(row, 3)?;
    Ok(m)
}

async fn insert_membership_on(conn: &mut AnyConnection, m: &MembershipRecord) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO memberships (id, organization_id, user_id, created_at, updated_at, doc) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(m.id.as_str())
    .bind(m.organization_id.as_str())
    .bind(m.user_id.as_str())
    .bind(m.created_at)
    .bind(m.updated_at)
    .bind(to_doc(m)?)
    .execute(&mut *conn)
    .await
    .map_err(|e| map_unique(e, membership_unique_field))?;
    Ok(())
}

// ---- templates --------------------------------------------------------------------------------------

fn template_from_row(row: &AnyRow) -> StoreResult<TemplateRecord> {
    let template: JwtTemplate = from_doc(&get::<String>(row, 0)?)?;
    Ok(TemplateRecord { template, signing_key_sealed: get::<Option<String>>(row, 1)? })
}

// ---- minting ----------------------------------------------------------------------------------------

/// Everything a mint reads, in one statement (one round trip, one consistent snapshot): the session
/// (columns 0–3, as [`session_from_row`] reads them), its user (4), the template by name (5–6), the
/// active organization (7) and the user's membership in it (8–11). Every join is by primary key or
/// unique index, so the cost does not grow with the number of rows; no `members_count` subquery.
const MINT_SELECT: &str = "SELECT s.doc, s.status, s.updated_at, s.last_active_organization_id, \
     u.doc, t.doc, t.signing_key_sealed, o.doc, m.doc, m.id, m.organization_id, m.user_id \
     FROM sessions s \
     LEFT JOIN users u ON u.id = s.user_id \
     LEFT JOIN jwt_templates t ON t.name = $2 \
     LEFT JOIN organizations o ON o.id = s.last_active_organization_id \
     LEFT JOIN memberships m ON m.organization_id = o.id AND m.user_id = s.user_id \
     WHERE s.id = $1";

fn mint_from_row(row: &AnyRow) -> StoreResult<MintRecords> {
    let session = session_from_row(row)?;
    let user = get::<Option<String>>(row, 4)?.map(|d| from_doc::<User>(&d)).transpose()?;
    let template = match get::<Option<String>>(row, 5)? {
        None => None,
        Some(doc) => {
            Some(TemplateRecord { template: from_doc(&doc)?, signing_key_sealed: get::<Option<String>>(row, 6)? })
        }
    };
    let active = match (get::<Option<String>>(row, 7)?, get::<Option<String>>(row, 8)?) {
        (Some(org_doc), Some(m_doc)) => {
            let mut org: Organization = from_doc(&org_doc)?;
            org.members_count = None;
            let mut m: MembershipRecord = from_doc(&m_doc)?;
            m.id = get::<String>(row, 9)?;
            m.organization_id = get::<String>(row, 10)?;
            m.user_id = get::<String>(row, 11)?;
            Some((org, m))
        }
        _ => None,
    };
    Ok(MintRecords { session, user, template, active })
}

// ---- keys -------------------------------------------------------------------------------------------

fn signing_key_from_row(row: &AnyRow) -> StoreResult<SigningKeyRecord> {
    Ok(SigningKeyRecord {
        kid: get(row, 0)?,
        alg: get(row, 1)?,
        private_key_sealed: get(row, 2)?,
        active: get::<i64>(row, 3)? != 0,
        created_at: get(row, 4)?,
    })
}

fn instance_from_row(row: &AnyRow) -> StoreResult<InstanceRecord> {
    Ok(InstanceRecord {
        id: get(row, 0)?,
        issuer: get(row, 1)?,
        created_at: get(row, 2)?,
        settings: from_doc::<Value>(&get::<String>(row, 3)?)?,
    })
}

const INSTANCE_SELECT: &str = "SELECT id, issuer, created_at, settings FROM instance WHERE singleton = 1";

async fn insert_signing_key_on(conn: &mut AnyConnection, key: &SigningKeyRecord) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO signing_keys (kid, alg, private_key_sealed, active, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(key.kid.as_str())
    .bind(key.alg.as_str())
    .bind(key.private_key_sealed.as_str())
    .bind(bool_int(key.active))
    .bind(key.created_at)
    .execute(&mut *conn)
    .await
    .map_err(|e| map_unique(e, only_id))?;
    Ok(())
}

// ---- the trait --------------------------------------------------------------------------------------

#[async_trait]
impl Store for SqlStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").fetch_optional(&self.pool).await.map_err(backend_err)?;
        Ok(())
    }

    // ---- instance, keys ---------------------------------------------------------------------------

    async fn get_instance(&self) -> StoreResult<Option<InstanceRecord>> {
        let row = sqlx::query(INSTANCE_SELECT).fetch_optional(&self.pool).await.map_err(backend_err)?;
        row.as_ref().map(instance_from_row).transpose()
    }

    async fn create_instance(
        &self,
        instance: &InstanceRecord,
        first_key: &SigningKeyRecord,
    ) -> StoreResult<InstanceRecord> {
        let mut tx = self.begin_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO instance (singleton, id, issuer, settings, created_at) \
             VALUES (1, $1, $2, $3, $4) ON CONFLICT (singleton) DO NOTHING",
        )
        .bind(instance.id.as_str())
        .bind(instance.issuer.as_str())
        .bind(to_doc(&instance.settings)?)
        .bind(instance.created_at)
        .execute(&mut *tx)
        .await
        .map_err(backend_err)?
        .rows_affected();
        if inserted == 1 {
            insert_signing_key_on(&mut tx, first_key).await?;
        }
        let row = sqlx::query(INSTANCE_SELECT).fetch_optional(&mut *tx).await.map_err(backend_err)?;
        tx.commit().await.map_err(backend_err)?;
        match row {
            Some(row) => instance_from_row(&row),
            None => Err(StoreError::Backend("instance row missing after creation".to_string())),
        }
    }

    async fn update_instance_settings(&self, settings: &Value) -> StoreResult<()> {
        sqlx::query("UPDATE instance SET settings = $1 WHERE singleton = 1")
            .bind(to_doc(settings)?)
            .execute(&self.pool)
            .await
            .map_err(backend_err)?;
        Ok(())
    }

    async fn list_signing_keys(&self) -> StoreResult<Vec<SigningKeyRecord>> {
        let rows = sqlx::query(
            "SELECT kid, alg, private_key_sealed, active, created_at FROM signing_keys \
             ORDER BY created_at ASC, kid ASC",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(backend_err)?;
        rows.iter().map(signing_key_from_row).collect()
    }

    async fn insert_signing_key(&self, key: &SigningKeyRecord) -> StoreResult<()> {
        let mut conn = self.pool.acquire().await.map_err(backend_err)?;
        insert_signing_key_on(&mut conn, key).await
    }

    async fn set_signing_key_active(&self, kid: &str, active: bool) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE signing_keys SET active = $1 WHERE kid = $2")
            .bind(bool_int(active))
            .bind(kid)
            .execute(&self.pool)
            .await
            .map_err(backend_err)?;
        Ok(done.rows_affected() > 0)
    }

    async fn insert_secret_key(&self, key: &SecretKeyRecord) -> StoreResult<()> {
        sqlx::query("INSERT INTO secret_keys (id, key_hash, created_at) VALUES ($1, $2, $3)")
            .bind(key.id.as_str())
            .bind(key.key_hash.as_str())
            .bind(key.created_at)
            .execute(&self.pool)
            .await
            .map_err(|e| map_unique(e, only_id))?;
        Ok(())
    }

    async fn find_secret_key(&self, key_hash: &str) -> StoreResult<Option<SecretKeyRecord>> {
        let row = sqlx::query("SELECT id, key_hash, created_at FROM secret_keys WHERE key_hash = $1")
            .bind(key_hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend_err)?;
        row.map(|r| Ok(SecretKeyRecord { id: get(&r, 0)?, key_hash: get(&r, 1)?, created_at: get(&r, 2)? })).transpose()
    }

    async fn count_secret_keys(&self) -> StoreResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) FROM secret_keys").fetch_one(&self.pool).await.map_err(backend_err)?;
        get(&row, 0)
    }

    async fn list_secret_keys(&self) -> StoreResult<Vec<SecretKeyRecord>> {
        let rows = sqlx::query("SELECT id, key_hash, created_at FROM secret_keys ORDER BY created_at, id")
            .fetch_all(&self.pool)
            .await
            .map_err(backend_err)?;
        rows.iter()
            .map(|r| Ok(SecretKeyRecord { id: get(r, 0)?, key_hash: get(r, 1)?, created_at: get(r, 2)? }))
            .collect()
    }

    async fn delete_secret_key(&self, id: &str) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM secret_keys WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(backend_err)?;
        Ok(done.rows_affected() > 0)
    }

    async fn reseal_keys(&self, signing_keys: &[(String, String)], templates: &[(String, String)]) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        for (kid, sealed) in signing_keys {
            sqlx::query("UPDATE signing_keys SET private_key_sealed = $1 WHERE kid = $2")
                .bind(sealed.as_str())
                .bind(kid.as_str())
                .execute(&mut *tx)
                .await
                .map_err(backend_err)?;
        }
        for (id, sealed) in templates {
            sqlx::query("UPDATE jwt_templates SET signing_key_sealed = $1 WHERE id = $2")
                .bind(sealed.as_str())
                .bind(id.as_str())
                .execute(&mut *tx)
                .await
                .map_err(backend_err)?;
        }
        tx.commit().await.map_err(backend_err)
    }

    // ---- users ------------------------------------------------------------------------------------

    async fn insert_user(&self, user: &User) -> StoreResult<()> {
        let row = UserRow::from_user(user)?;
        let mut tx = self.begin_write().await?;
        check_user_conflicts(&mut tx, &row).await?;
        sqlx::query(
            "INSERT INTO users (id, username, external_id, banned, sort_first_name, sort_last_name, \
             sort_email, sort_phone, search_text, last_sign_in_at, last_active_at, created_at, \
             updated_at, doc) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(row.id.as_str())
        .bind(row.username.clone())
        .bind(row.external_id.clone())
        .bind(row.banned)
        .bind(row.sort_first_name.clone())
        .bind(row.sort_last_name.clone())
        .bind(row.sort_email.clone())
        .bind(row.sort_phone.clone())
        .bind(row.search_text.as_str())
        .bind(row.last_sign_in_at)
        .bind(row.last_active_at)
        .bind(row.created_at)
        .bind(row.updated_at)
        .bind(row.doc.as_str())
        .execute(&mut *tx)
        .await
        .map_err(|e| map_unique(e, user_unique_field))?;
        insert_identifiers(&mut tx, &row).await?;
        tx.commit().await.map_err(backend_err)
    }

    async fn update_user(&self, user: &User) -> StoreResult<bool> {
        let row = UserRow::from_user(user)?;
        let mut tx = self.begin_write().await?;
        if !replace_user(&mut tx, &row).await? {
            return Ok(false);
        }
        tx.commit().await.map_err(backend_err)?;
        Ok(true)
    }

    async fn ban_user(&self, user: &User, now: i64) -> StoreResult<bool> {
        let row = UserRow::from_user(user)?;
        let mut tx = self.begin_write().await?;
        if !replace_user(&mut tx, &row).await? {
            return Ok(false);
        }
        end_live_sessions_of(&mut tx, &row.id, SessionStatus::Revoked, now).await?;
        tx.commit().await.map_err(backend_err)?;
        Ok(true)
    }

    async fn get_user(&self, id: &str) -> StoreResult<Option<User>> {
        let row = sqlx::query("SELECT doc FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend_err)?;
        row.map(|r| from_doc(&get::<String>(&r, 0)?)).transpose()
    }

    async fn delete_user(&self, id: &str, now: i64) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        for sql in ["DELETE FROM memberships WHERE user_id = $1", "DELETE FROM user_identifiers WHERE user_id = $1"] {
            sqlx::query(sql).bind(id).execute(&mut *tx).await.map_err(backend_err)?;
        }
        let deleted = sqlx::query("DELETE FROM users WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(backend_err)?
            .rows_affected();
        if deleted == 0 {
            return Ok(false);
        }
        end_live_sessions_of(&mut tx, id, SessionStatus::Removed, now).await?;
        tx.commit().await.map_err(backend_err)?;
        Ok(true)
    }

    async fn list_users(&self, filter: &UserFilter, page: Page) -> StoreResult<Vec<User>> {
        let mut sql = Sql::new("SELECT doc FROM users");
        let conds = user_conditions(filter, &mut sql);
        sql.push(&where_clause(&conds));
        sql.push(&user_order(filter.order_by));
        let (limit, offset) = page_values(page);
        let l = sql.arg_int(limit);
        let o = sql.arg_int(offset);
        sql.push(&format!(" LIMIT {l} OFFSET {o}"));
        let rows = sql.query().fetch_all(&self.pool).await.map_err(backend_err)?;
        rows.iter().map(|r| from_doc(&get::<String>(r, 0)?)).collect()
    }

    async fn count_users(&self, filter: &UserFilter) -> StoreResult<i64> {
        let mut sql = Sql::new("SELECT COUNT(*) FROM users");
        let conds = user_conditions(filter, &mut sql);
        sql.push(&where_clause(&conds));
        let row = sql.query().fetch_one(&self.pool).await.map_err(backend_err)?;
        get(&row, 0)
    }

    // ---- sessions ---------------------------------------------------------------------------------

    async fn insert_session(&self, session: &Session) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO sessions (id, user_id, client_id, status, last_active_organization_id, \
             expire_at, abandon_at, created_at, updated_at, doc) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(session.id.as_str())
        .bind(session.user_id.as_str())
        .bind(session.client_id.as_str())
        .bind(session.status.as_str())
        .bind(session.last_active_organization_id.clone())
        .bind(session.expire_at)
        .bind(session.abandon_at)
        .bind(session.created_at)
        .bind(session.updated_at)
        .bind(to_doc(session)?)
        .execute(&self.pool)
        .await
        .map_err(|e| map_unique(e, only_id))?;
        Ok(())
    }

    async fn get_session(&self, id: &str) -> StoreResult<Option<Session>> {
        let row =
            sqlx::query("SELECT doc, status, updated_at, last_active_organization_id FROM sessions WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .map_err(backend_err)?;
        row.as_ref().map(session_from_row).transpose()
    }

    async fn list_sessions(&self, filter: &SessionFilter, page: Page) -> StoreResult<(Vec<Session>, i64)> {
        let (limit, offset) = page_values(page);
        let mut sql = Sql::new("");
        let now = sql.arg_int(filter.now);
        let effective = effective_status_sql(&now);
        sql.push(&format!("SELECT {SESSION_COLUMNS}, {effective} FROM sessions"));
        let conds = session_conditions(filter, &mut sql, &effective);
        sql.push(&where_clause(&conds));
        sql.push(" ORDER BY created_at DESC, id DESC");
        let l = sql.arg_int(limit);
        let o = sql.arg_int(offset);
        sql.push(&format!(" LIMIT {l} OFFSET {o}"));
        let rows = sql.query().fetch_all(&self.pool).await.map_err(backend_err)?;
        let sessions = rows
            .iter()
            .map(|row| {
                let mut session = session_from_row(row)?;
                session.status = parse_status(&get::<String>(row, 4)?)?;
                Ok(session)
            })
            .collect::<StoreResult<Vec<_>>>()?;

        let mut count = Sql::new("SELECT COUNT(*) FROM sessions");
        let effective = if filter.status.is_some() {
            let now = count.arg_int(filter.now);
            effective_status_sql(&now)
        } else {
            String::new()
        };
        let conds = session_conditions(filter, &mut count, &effective);
        count.push(&where_clause(&conds));
        let row = count.query().fetch_one(&self.pool).await.map_err(backend_err)?;
        Ok((sessions, get(&row, 0)?))
    }

    async fn end_session(&self, id: &str, to: SessionStatus, now: i64) -> StoreResult<Option<Session>> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE sessions SET status = $1, updated_at = $2 \
             WHERE id = $3 AND status IN ('active', 'pending') \
             AND expire_at > $2 AND abandon_at > $2",
        )
        .bind(to.as_str())
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(backend_err)?;
        let row =
            sqlx::query("SELECT doc, status, updated_at, last_active_organization_id FROM sessions WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(backend_err)?;
        tx.commit().await.map_err(backend_err)?;
        row.as_ref().map(session_from_row).transpose()
    }

    // ---- organizations and memberships --------------------------------------------------------------

    async fn insert_organization(
        &self,
        org: &Organization,
        first_member: Option<&MembershipRecord>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO organizations (id, slug, sort_name, search_text, created_at, updated_at, doc) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(org.id.as_str())
        .bind(org.slug.as_str())
        .bind(org.name.to_lowercase())
        .bind(org_search_text(org))
        .bind(org.created_at)
        .bind(org.updated_at)
        .bind(to_doc(org)?)
        .execute(&mut *tx)
        .await
        .map_err(|e| map_unique(e, org_unique_field))?;
        if let Some(m) = first_member {
            insert_membership_on(&mut tx, m).await?;
        }
        tx.commit().await.map_err(backend_err)
    }

    async fn update_organization(&self, org: &Organization) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE organizations SET slug = $2, sort_name = $3, search_text = $4, created_at = $5, \
             updated_at = $6, doc = $7 WHERE id = $1",
        )
        .bind(org.id.as_str())
        .bind(org.slug.as_str())
        .bind(org.name.to_lowercase())
        .bind(org_search_text(org))
        .bind(org.created_at)
        .bind(org.updated_at)
        .bind(to_doc(org)?)
        .execute(&self.pool)
        .await
        .map_err(|e| map_unique(e, org_unique_field))?;
        Ok(done.rows_affected() > 0)
    }

    async fn get_organization(&self, id_or_slug: &str) -> StoreResult<Option<Organization>> {
        for sql in [
            "SELECT o.doc, (SELECT COUNT(*) FROM memberships mc WHERE mc.organization_id = o.id) \
             FROM organizations o WHERE o.id = $1",
            "SELECT o.doc, (SELECT COUNT(*) FROM memberships mc WHERE mc.organization_id = o.id) \
             FROM organizations o WHERE o.slug = $1",
        ] {
            let row = sqlx::query(sql).bind(id_or_slug).fetch_optional(&self.pool).await.map_err(backend_err)?;
            if let Some(row) = row {
                return org_from_row(&row, 0).map(Some);
            }
        }
        Ok(None)
    }

    async fn delete_organization(&self, id: &str) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM memberships WHERE organization_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(backend_err)?;
        let deleted = sqlx::query("DELETE FROM organizations WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(backend_err)?
            .rows_affected();
        if deleted == 0 {
            return Ok(false);
        }
        // Live sessions whose active organization it was keep running without one.
        sqlx::query(
            "UPDATE sessions SET last_active_organization_id = NULL \
             WHERE last_active_organization_id = $1 AND status IN ('active', 'pending')",
        )
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(backend_err)?;
        tx.commit().await.map_err(backend_err)?;
        Ok(true)
    }

    async fn list_organizations(
        &self,
        filter: &OrganizationFilter,
        page: Page,
    ) -> StoreResult<(Vec<Organization>, i64)> {
        let build = |select: &str| -> Sql {
            let mut sql = Sql::new(select);
            sql.push(" FROM organizations o");
            let mut conds = Vec::new();
            if let Some(q) = filter.query.as_deref().filter(|q| !q.is_empty()) {
                let p = sql.arg_text(like_contains(&q.to_lowercase()));
                conds.push(format!("o.search_text LIKE {p} ESCAPE '\\'"));
            }
            if let Some(user_id) = &filter.user_id {
                let p = sql.arg_text(user_id.clone());
                conds.push(format!("o.id IN (SELECT organization_id FROM memberships WHERE user_id = {p})"));
            }
            if !filter.organization_id.is_empty() {
                let list = sql.arg_list(&filter.organization_id, str::to_string);
                conds.push(format!("o.id IN {list}"));
            }
            sql.push(&where_clause(&conds));
            sql
        };

        let mut sql = build(&format!("SELECT o.doc, {MEMBERS_COUNT_SQL} AS members_count"));
        let (column, desc) = match filter.order_by {
            None => ("o.created_at", true),
            Some((OrganizationOrder::CreatedAt, desc)) => ("o.created_at", desc),
            Some((OrganizationOrder::Name, desc)) => ("o.sort_name", desc),
            Some((OrganizationOrder::MembersCount, desc)) => ("members_count", desc),
        };
        let dir = order_dir(desc);
        sql.push(&format!(" ORDER BY {column} {dir}, o.id {dir}"));
        let (limit, offset) = page_values(page);
        let l = sql.arg_int(limit);
        let o = sql.arg_int(offset);
        sql.push(&format!(" LIMIT {l} OFFSET {o}"));
        let rows = sql.query().fetch_all(&self.pool).await.map_err(backend_err)?;
        let orgs = rows.iter().map(|r| org_from_row(r, 0)).collect::<StoreResult<Vec<_>>>()?;

        let row = build("SELECT COUNT(*)").query().fetch_one(&self.pool).await.map_err(backend_err)?;
        Ok((orgs, get(&row, 0)?))
    }

    async fn insert_membership(&self, m: &MembershipRecord) -> StoreResult<()> {
        let mut conn = self.pool.acquire().await.map_err(backend_err)?;
        insert_membership_on(&mut conn, m).await
    }

    async fn update_membership(&self, m: &MembershipRecord) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE memberships SET updated_at = $1, doc = $2 \
             WHERE organization_id = $3 AND user_id = $4",
        )
        .bind(m.updated_at)
        .bind(to_doc(m)?)
        .bind(m.organization_id.as_str())
        .bind(m.user_id.as_str())
        .execute(&self.pool)
        .await
        .map_err(backend_err)?;
        Ok(done.rows_affected() > 0)
    }

    async fn delete_membership(&self, organization_id: &str, user_id: &str) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM memberships WHERE organization_id = $1 AND user_id = $2")
            .bind(organization_id)
            .bind(user_id)
            .execute(&self.pool)
            .await
            .map_err(backend_err)?;
        Ok(done.rows_affected() > 0)
    }

    async fn get_membership(&self, organization_id: &str, user_id: &str) -> StoreResult<Option<MembershipRecord>> {
        let row = sqlx::query(
            "SELECT m.doc, m.id, m.organization_id, m.user_id FROM memberships m \
             WHERE m.organization_id = $1 AND m.user_id = $2",
        )
        .bind(organization_id)
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend_err)?;
        row.as_ref().map(membership_from_row).transpose()
    }

    async fn list_memberships(&self, organization_id: &str, page: Page) -> StoreResult<(Vec<MembershipRecord>, i64)> {
        let (limit, offset) = page_values(page);
        let rows = sqlx::query(
            "SELECT m.doc, m.id, m.organization_id, m.user_id FROM memberships m \
             WHERE m.organization_id = $1 ORDER BY m.created_at ASC, m.id ASC LIMIT $2 OFFSET $3",
        )
        .bind(organization_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await
        .map_err(backend_err)?;
        let list = rows.iter().map(membership_from_row).collect::<StoreResult<Vec<_>>>()?;
        let row = sqlx::query("SELECT COUNT(*) FROM memberships WHERE organization_id = $1")
            .bind(organization_id)
            .fetch_one(&self.pool)
            .await
            .map_err(backend_err)?;
        Ok((list, get(&row, 0)?))
    }

    async fn list_user_memberships(&self, user_id: &str) -> StoreResult<Vec<(MembershipRecord, Organization)>> {
        let sql = format!(
            "SELECT {MEMBERSHIP_COLUMNS}, o.doc AS org_doc, {MEMBERS_COUNT_SQL} AS members_count \
             FROM memberships m JOIN organizations o ON o.id = m.organization_id \
             WHERE m.user_id = $1 ORDER BY m.created_at ASC, m.id ASC"
        );
        let rows = sqlx::query(AssertSqlSafe(sql)).bind(user_id).fetch_all(&self.pool).await.map_err(backend_err)?;
        rows.iter().map(|r| Ok((membership_from_row(r)?, org_from_row(r, 4)?))).collect()
    }

    // ---- JWT templates ----------------------------------------------------------------------------

    async fn insert_template(&self, t: &TemplateRecord) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO jwt_templates (id, name, signing_key_sealed, created_at, updated_at, doc) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(t.template.id.as_str())
        .bind(t.template.name.as_str())
        .bind(t.signing_key_sealed.clone())
        .bind(t.template.created_at)
        .bind(t.template.updated_at)
        .bind(to_doc(&t.template)?)
        .execute(&self.pool)
        .await
        .map_err(|e| map_unique(e, template_unique_field))?;
        Ok(())
    }

    async fn update_template(&self, t: &TemplateRecord) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE jwt_templates SET name = $2, signing_key_sealed = $3, created_at = $4, \
             updated_at = $5, doc = $6 WHERE id = $1",
        )
        .bind(t.template.id.as_str())
        .bind(t.template.name.as_str())
        .bind(t.signing_key_sealed.clone())
        .bind(t.template.created_at)
        .bind(t.template.updated_at)
        .bind(to_doc(&t.template)?)
        .execute(&self.pool)
        .await
        .map_err(|e| map_unique(e, template_unique_field))?;
        Ok(done.rows_affected() > 0)
    }

    async fn get_template(&self, id: &str) -> StoreResult<Option<TemplateRecord>> {
        let row = sqlx::query("SELECT doc, signing_key_sealed FROM jwt_templates WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend_err)?;
        row.as_ref().map(template_from_row).transpose()
    }

    async fn get_template_by_name(&self, name: &str) -> StoreResult<Option<TemplateRecord>> {
        let row = sqlx::query("SELECT doc, signing_key_sealed FROM jwt_templates WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend_err)?;
        row.as_ref().map(template_from_row).transpose()
    }

    async fn load_mint(&self, session_id: &str, template_name: Option<&str>) -> StoreResult<Option<MintRecords>> {
        let query = || sqlx::query(MINT_SELECT).bind(session_id).bind(template_name);
        let Some(kept) = &self.mint_conns else {
            let row = query().fetch_optional(&self.pool).await.map_err(backend_err)?;
            return row.as_ref().map(mint_from_row).transpose();
        };
        let spare = kept.idle.lock().ok().and_then(|mut v| v.pop());
        if let Some(conn) = spare {
            let mut k = Kept { conns: kept, conn: Some(conn) };
            // A kept connection that fails (say the server closed it) is dropped, and the read is
            // retried below on one from the pool, which checks its connections.
            let result = match k.conn.as_mut() {
                Some(c) => query().fetch_optional(c).await.ok(),
                None => None,
            };
            if let Some(row) = result {
                k.give_back();
                return row.as_ref().map(mint_from_row).transpose();
            }
        }
        let mut conn = self.pool.acquire().await.map_err(backend_err)?;
        let row = query().fetch_optional(&mut *conn).await.map_err(backend_err)?;
        let room = kept
            .total
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < MINT_CONNECTIONS).then_some(n + 1))
            .is_ok();
        if room {
            Kept { conns: kept, conn: Some(conn.detach()) }.give_back();
        }
        row.as_ref().map(mint_from_row).transpose()
    }

    async fn delete_template(&self, id: &str) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM jwt_templates WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(backend_err)?;
        Ok(done.rows_affected() > 0)
    }

    async fn list_templates(&self, page: Page) -> StoreResult<(Vec<TemplateRecord>, i64)> {
        let (limit, offset) = page_values(page);
        let rows = sqlx::query(
            "SELECT doc, signing_key_sealed FROM jwt_templates \
             ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2",
        )
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await
        .map_err(backend_err)?;
        let list = rows.iter().map(template_from_row).collect::<StoreResult<Vec<_>>>()?;
        let row = sqlx::query("SELECT COUNT(*) FROM jwt_templates").fetch_one(&self.pool).await.map_err(backend_err)?;
        Ok((list, get(&row, 0)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_contains("a%b_c\\"), "%a\\%b\\_c\\\\%");
    }

    #[test]
    fn sqlite_urls_create_the_file_unless_told_otherwise() {
        let cases = [
            ("sqlite://db.sqlite", "sqlite://db.sqlite?mode=rwc", false),
            ("sqlite:db.sqlite?cache=shared", "sqlite:db.sqlite?cache=shared&mode=rwc", false),
            ("sqlite://db.sqlite?mode=ro", "sqlite://db.sqlite?mode=ro", false),
            ("sqlite::memory:", "sqlite::memory:", true),
        ];
        for (input, url, memory) in cases {
            let (backend, out, in_memory) = classify_url(input).map_err(|e| e.to_string()).unwrap();
            assert_eq!(backend, Backend::Sqlite);
            assert_eq!(out, url);
            assert_eq!(in_memory, memory);
        }
        assert!(classify_url("mysql://x").is_err());
        assert_eq!(classify_url("postgres://u@h/db").map(|t| t.0).map_err(|e| e.to_string()), Ok(Backend::Postgres));
    }

    #[test]
    fn unique_fields_are_named_from_constraint_text() {
        assert_eq!(user_unique_field("unique constraint failed: users.username"), "username");
        assert_eq!(user_unique_field("users_external_id_uq"), "external_id");
        assert_eq!(user_unique_field("users_pkey"), "id");
        assert_eq!(
            membership_unique_field("unique constraint failed: memberships.organization_id, memberships.user_id"),
            "membership"
        );
        assert_eq!(membership_unique_field("memberships_org_user_uq"), "membership");
        assert_eq!(membership_unique_field("memberships_pkey"), "id");
        assert_eq!(org_unique_field("organizations_slug_uq"), "slug");
        assert_eq!(template_unique_field("jwt_templates_name_uq"), "name");
        assert_eq!(template_unique_field("jwt_templates_pkey"), "id");
    }
}
