//! The event log (`events`, `event_seq`; migration 0009): appending inside a write transaction, and
//! the [`EventStore`] reads.
//!
//! Ordering: [`append`] first bumps the one `event_seq` row (`UPDATE … RETURNING`), which locks it
//! until the transaction ends, then inserts its events with the numbers it got. Call it as the last
//! statement(s) of a write transaction: every writer that appends waits on that row lock, so numbers
//! are handed out in commit order and without gaps on PostgreSQL too (on SQLite the one writer holds
//! the database anyway), and the lock is held only for the commit.

use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use sqlx::AnyConnection;
use tessera_core::events::{EVENT_ID_PREFIX, NewEvent};
use tessera_core::ids;
use tessera_core::store::{EventRecord, EventStore, StoreResult};

use crate::SqlStore;
use crate::error::{Error, Result, run};
use crate::sql::{Sql, get, get_doc, to_doc};

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
    let last: i64 = sqlx::query_scalar("UPDATE event_seq SET last_seq = last_seq + $1 WHERE id = 1 RETURNING last_seq")
        .bind(n)
        .fetch_one(&mut *conn)
        .await?;
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
            let rows =
                sqlx::query("SELECT seq, id, type, data, created_at FROM events WHERE seq > $1 ORDER BY seq LIMIT $2")
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
                sqlx::query_scalar("SELECT last_seq FROM event_seq WHERE id = 1").fetch_optional(&self.pool).await?;
            seq.ok_or_else(|| Error::Other("event_seq has no row".into()))
        })
        .await
    }

    async fn prune_events(&self, upto_seq: i64, before_ms: i64) -> StoreResult<u64> {
        run(async {
            let done = sqlx::query("DELETE FROM events WHERE seq <= $1 AND created_at < $2")
                .bind(upto_seq)
                .bind(before_ms)
                .execute(&self.pool)
                .await?;
            Ok(done.rows_affected())
        })
        .await
    }
}
