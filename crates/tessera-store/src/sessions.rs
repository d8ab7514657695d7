//! Sessions. The stored status of a live session is never rewritten when it expires: its effective
//! status is computed at read time, in SQL too when a list is filtered by status.

use async_trait::async_trait;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use tessera_core::events::NewEvent;
use tessera_core::store::{Page, SessionFilter, SessionStore, StoreResult};
use tessera_types::{Session, SessionStatus};

use crate::SqlStore;
use crate::error::{Error, Result, only_id, run};
use crate::events::append;
use crate::sql::{Sql, get, get_doc, to_doc};

/// The columns [`session_from_row`] reads, unqualified (a macro so that `concat!` can use it).
macro_rules! session_columns {
    () => {
        "doc, status, updated_at, last_active_organization_id"
    };
}
const SESSION_BY_ID: &str = concat!("SELECT ", session_columns!(), " FROM sessions WHERE id = $1");

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

/// Rebuilds a session from `doc, status, updated_at, last_active_organization_id` (the columns are
/// authoritative over the copies in the document).
pub(crate) fn session_from_row(row: &AnyRow) -> Result<Session> {
    let mut session: Session = get_doc(row, 0)?;
    session.status = parse_status(&get::<String>(row, 1)?)?;
    session.updated_at = get::<i64>(row, 2)?;
    session.last_active_organization_id = get::<Option<String>>(row, 3)?;
    Ok(session)
}

fn parse_status(s: &str) -> Result<SessionStatus> {
    SessionStatus::parse(s).ok_or_else(|| Error::Other("unknown session status in the database".to_string()))
}

/// Filter conditions of `list_sessions`; `effective` is the effective-status expression (only used,
/// and only needed, when filtering by status).
fn session_conditions(filter: &SessionFilter, sql: &mut Sql, effective: &str) -> Vec<String> {
    let mut conds = Vec::new();
    for (column, value) in [("user_id", &filter.user_id), ("client_id", &filter.client_id)] {
        if let Some(value) = value {
            let p = sql.arg_text(value.clone());
            conds.push(format!("{column} = {p}"));
        }
    }
    if let Some(status) = filter.status {
        let p = sql.arg_text(status.as_str());
        conds.push(format!("{effective} = {p}"));
    }
    conds
}

/// Moves the live sessions (stored `active`/`pending`, not past `expire_at`/`abandon_at` at `now`)
/// whose `column` (`id` or `user_id`) is `value` to `to`; returns the events of the sessions moved
/// (`session.revoked`, …), for the caller to append.
async fn end_live_sessions(
    conn: &mut AnyConnection,
    column: &str,
    value: &str,
    to: SessionStatus,
    now: i64,
) -> Result<Vec<NewEvent>> {
    let sql = format!(
        "UPDATE sessions SET status = $1, updated_at = $2 \
         WHERE {column} = $3 AND status IN ('active', 'pending') \
         AND expire_at > $2 AND abandon_at > $2 RETURNING {}",
        session_columns!()
    );
    let rows =
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(to.as_str()).bind(now).bind(value).fetch_all(&mut *conn).await?;
    rows.iter().map(|r| session_from_row(r).map(|s| NewEvent::session(&s))).filter_map(Result::transpose).collect()
}

/// Moves the live sessions of a user to `to` (ban: `revoked`; deletion: `removed`); returns their
/// events.
pub(crate) async fn end_live_sessions_of(
    conn: &mut AnyConnection,
    user_id: &str,
    to: SessionStatus,
    now: i64,
) -> Result<Vec<NewEvent>> {
    end_live_sessions(conn, "user_id", user_id, to, now).await
}

/// Moves the session `id` to `to` if it is live at `now` (actor token revocation: `revoked`); returns
/// its event.
pub(crate) async fn end_live_session(
    conn: &mut AnyConnection,
    id: &str,
    to: SessionStatus,
    now: i64,
) -> Result<Vec<NewEvent>> {
    end_live_sessions(conn, "id", id, to, now).await
}

/// Inserts a session on `conn` (inside a caller's transaction, or on its own).
pub(crate) async fn insert_session_on(conn: &mut AnyConnection, session: &Session) -> Result<()> {
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
    .execute(&mut *conn)
    .await
    .map_err(Error::unique(only_id))?;
    Ok(())
}

#[async_trait]
impl SessionStore for SqlStore {
    async fn insert_session(&self, session: &Session) -> StoreResult<()> {
        run(async {
            let mut tx = self.begin_write().await?;
            insert_session_on(&mut tx, session).await?;
            append(&mut tx, NewEvent::session(session).as_slice()).await?;
            Ok(tx.commit().await?)
        })
        .await
    }

    async fn get_session(&self, id: &str) -> StoreResult<Option<Session>> {
        run(async {
            let row = sqlx::query(SESSION_BY_ID).bind(id).fetch_optional(&self.pool).await?;
            row.as_ref().map(session_from_row).transpose()
        })
        .await
    }

    async fn list_sessions(&self, filter: &SessionFilter, page: Page) -> StoreResult<(Vec<Session>, i64)> {
        run(async {
            let mut sql = Sql::new("");
            let now = sql.arg_int(filter.now);
            let effective = effective_status_sql(&now);
            sql.push(&format!("SELECT {}, {effective} FROM sessions", session_columns!()));
            let conds = session_conditions(filter, &mut sql, &effective);
            sql.push_where(&conds).push(" ORDER BY created_at DESC, id DESC").push_page(page);
            let rows = sql.query().fetch_all(&self.pool).await?;
            let sessions = rows
                .iter()
                .map(|row| {
                    let mut session = session_from_row(row)?;
                    session.status = parse_status(&get::<String>(row, 4)?)?;
                    Ok(session)
                })
                .collect::<Result<Vec<_>>>()?;

            let mut count = Sql::new("SELECT COUNT(*) FROM sessions");
            let effective = if filter.status.is_some() {
                let now = count.arg_int(filter.now);
                effective_status_sql(&now)
            } else {
                String::new()
            };
            let conds = session_conditions(filter, &mut count, &effective);
            count.push_where(&conds);
            let total = get(&count.query().fetch_one(&self.pool).await?, 0)?;
            Ok((sessions, total))
        })
        .await
    }

    async fn end_session(&self, id: &str, to: SessionStatus, now: i64) -> StoreResult<Option<Session>> {
        run(async {
            let mut tx = self.begin_write().await?;
            let events = end_live_sessions(&mut tx, "id", id, to, now).await?;
            let row = sqlx::query(SESSION_BY_ID).bind(id).fetch_optional(&mut *tx).await?;
            append(&mut tx, &events).await?;
            tx.commit().await?;
            row.as_ref().map(session_from_row).transpose()
        })
        .await
    }
}
