//! The event log (`events`, `event_seq`; migration 0009): appending inside a write transaction, and
//! the [`EventStore`] reads.
//!
//! Ordering: [`append`] first bumps the one `event_seq` row (`UPDATE … RETURNING`), which locks it
//! until the transaction ends, then inserts its events with the numbers it got. Call it as the last
//! statement(s) of a write transaction: every writer that appends waits on that row lock, so numbers
//! are handed out in commit order and without gaps on PostgreSQL too (on SQLite the one writer holds
//! the database anyway), and the lock is held only for the commit.
//!
//! Wake-ups: on PostgreSQL the same `UPDATE` also calls `pg_notify('tessera_events', <last seq>)`
//! (no extra statement). NOTIFY is transactional: listeners hear it when the write commits, never
//! when it rolls back. `PgEventListener` is the listening side, on a connection of its own.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use sqlx::AnyConnection;
use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use tessera_core::events::{EVENT_ID_PREFIX, NewEvent};
use tessera_core::ids;
use tessera_core::store::{EventListener, EventRecord, EventStore, StoreError, StoreResult};

use crate::SqlStore;
use crate::error::{Error, Result, run};
use crate::sql::{Sql, count_statements, get, get_doc, query, query_scalar, to_doc};

/// The channel appends are announced on (PostgreSQL), with the new last `seq` as payload.
pub const CHANNEL: &str = "tessera_events";
/// The `application_name` of the listening connection (`pg_stat_activity`).
pub const LISTENER_APPLICATION_NAME: &str = "tessera-change-feed";
/// `AnyConnection::backend_name` of PostgreSQL.
const POSTGRES: &str = "PostgreSQL";

/// Wall-clock epoch ms: the time an event was written (the store's writes do not all carry `now`).
fn wall_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// Appends `events` to the log in the caller's transaction (see the module doc: call it last).
pub async fn append(conn: &mut AnyConnection, events: &[NewEvent]) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let n = events.len() as i64;
    // The wake-up rides on the statement that numbers the events (`IS NULL` turns pg_notify's
    // `void` into a column the Any driver reads; it is not looked at).
    let bump = if conn.backend_name() == POSTGRES {
        "UPDATE event_seq SET last_seq = last_seq + $1 WHERE id = 1 \
         RETURNING last_seq, pg_notify('tessera_events', last_seq::text) IS NULL"
    } else {
        "UPDATE event_seq SET last_seq = last_seq + $1 WHERE id = 1 RETURNING last_seq"
    };
    let last: i64 = query_scalar(bump).bind(n).fetch_one(&mut *conn).await?;
    let now = wall_ms();
    let mut sql = Sql::new("INSERT INTO events (seq, id, type, data, created_at) VALUES ");
    for (i, e) in events.iter().enumerate() {
        let seq = sql.arg_int(last - n + 1 + i as i64);
        let id = sql.arg_text(ids::new_id(EVENT_ID_PREFIX, now));
        let ty = sql.arg_text(e.event_type);
        let data = sql.arg_text(to_doc(&e.data)?);
        let at = sql.arg_int(now);
        if i > 0 {
            sql.push(", ");
        }
        sql.push(&format!("({seq}, {id}, {ty}, {data}, {at})"));
    }
    sql.query().execute(&mut *conn).await?;
    Ok(())
}

#[async_trait]
impl EventStore for SqlStore {
    async fn events_after(&self, after_seq: i64, limit: u32) -> StoreResult<Vec<EventRecord>> {
        run(async {
            let rows = query("SELECT seq, id, type, data, created_at FROM events WHERE seq > $1 ORDER BY seq LIMIT $2")
                .bind(after_seq)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
            rows.iter()
                .map(|r| {
                    Ok(EventRecord {
                        seq: get(r, 0)?,
                        id: get(r, 1)?,
                        event_type: get(r, 2)?,
                        data: get_doc(r, 3)?,
                        created_at: get(r, 4)?,
                    })
                })
                .collect::<Result<Vec<_>>>()
        })
        .await
    }

    async fn last_event_seq(&self) -> StoreResult<i64> {
        run(async {
            let seq: Option<i64> =
                query_scalar("SELECT last_seq FROM event_seq WHERE id = 1").fetch_optional(&self.pool).await?;
            seq.ok_or_else(|| Error::Other("event_seq has no row".into()))
        })
        .await
    }

    async fn prune_events(&self, upto_seq: i64, before_ms: i64) -> StoreResult<u64> {
        run(async {
            let done = query("DELETE FROM events WHERE seq <= $1 AND created_at < $2")
                .bind(upto_seq)
                .bind(before_ms)
                .execute(&self.pool)
                .await?;
            Ok(done.rows_affected())
        })
        .await
    }

    async fn listen_events(&self) -> StoreResult<Option<Box<dyn EventListener>>> {
        let Some(target) = &self.listen_to else { return Ok(None) };
        run(async {
            let options = (*target.0).clone().application_name(LISTENER_APPLICATION_NAME);
            // A pool of one, only so that PgListener has its connection; never more than one.
            let pool = PgPoolOptions::new()
                .max_connections(1)
                .min_connections(0)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(options)
                .await?;
            let mut listener = PgListener::connect_with(&pool).await?;
            // A lost connection ends this listener (the follower reads the log and listens again)
            // rather than being replaced behind its back, which would hide the missed wake-ups.
            listener.eager_reconnect(false);
            listener.ignore_pool_close_event(true);
            count_statements(1);
            listener.listen(CHANNEL).await?;
            Ok(Some(Box::new(PgEventListener { listener, _pool: pool }) as Box<dyn EventListener>))
        })
        .await
    }
}

/// Where a PostgreSQL store listens: its connection options (held behind a `Debug` that shows
/// nothing, since they carry the password).
#[derive(Clone)]
pub(crate) struct ListenTo(Arc<PgConnectOptions>);

impl std::fmt::Debug for ListenTo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ListenTo(…)")
    }
}

impl ListenTo {
    /// The options of a `postgres://` URL (the same TLS settings as the pool's).
    pub(crate) fn from_url(url: &str) -> Result<ListenTo> {
        Ok(ListenTo(Arc::new(url.parse::<PgConnectOptions>()?)))
    }
}

/// A PostgreSQL `LISTEN tessera_events` on its own connection.
struct PgEventListener {
    listener: PgListener,
    _pool: sqlx::PgPool,
}

#[async_trait]
impl EventListener for PgEventListener {
    async fn next(&mut self) -> StoreResult<i64> {
        match self.listener.try_recv().await {
            Ok(Some(n)) => Ok(n.payload().parse().unwrap_or(i64::MAX)),
            Ok(None) => Err(StoreError::Backend("the change-feed listener lost its connection".into())),
            Err(e) => Err(StoreError::Backend(format!("the change-feed listener failed: {e}"))),
        }
    }
}
