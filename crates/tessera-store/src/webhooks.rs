//! Webhook endpoints, the fan-out of the event log into messages, claiming due messages with a lease,
//! the attempt log, replay and retention (migration 0010).
//!
//! Several nodes share one PostgreSQL database: the fan-out holds the cursor row
//! (`FOR UPDATE SKIP LOCKED`: a node that finds it held skips this round), and a claim picks due rows
//! with `FOR UPDATE SKIP LOCKED` inside the `UPDATE` that leases them, so two claimers never get the
//! same message. On SQLite the one writer (`BEGIN IMMEDIATE`) serialises both.

use std::collections::HashMap;

use async_trait::async_trait;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::{Any, AssertSqlSafe, Transaction};
use tessera_core::store::{
    ClaimedWebhookMessage, EventRecord, Page, StoreResult, WebhookAttemptRecord, WebhookEndpointRecord,
    WebhookMessageFilter, WebhookMessageRecord, WebhookMessageStatus, WebhookOutboxStats, WebhookPlan, WebhookStore,
};

use crate::SqlStore;
use crate::error::{Error, Result, only_id, run};
use crate::sql::{Sql, bool_int, from_doc, get, get_doc, to_doc};

const ENDPOINT_COLUMNS: &str = "id, url, description, filter_types, disabled, secret_sealed, old_secret_sealed, \
     old_secret_expires_at, created_at, updated_at";
const MESSAGE_COLUMNS: &str = "id, endpoint_id, event_id, event_seq, event_type, payload, status, attempts, \
     next_attempt_at, last_attempt_at, last_status_code, created_at, updated_at";
const ATTEMPT_COLUMNS: &str = "id, message_id, endpoint_id, attempt, status, response_status_code, latency_ms, \
     error, next_attempt_at, created_at";

/// A statement whose text is built from the constant column lists above (values are bound).
fn dynamic(sql: String) -> sqlx::query::Query<'static, Any, AnyArguments> {
    sqlx::query(AssertSqlSafe(sql))
}

fn endpoint_from_row(row: &AnyRow) -> Result<WebhookEndpointRecord> {
    let filter: Option<String> = get(row, 3)?;
    Ok(WebhookEndpointRecord {
        id: get(row, 0)?,
        url: get(row, 1)?,
        description: get(row, 2)?,
        filter_types: filter.map(|f| from_doc(&f)).transpose()?,
        disabled: get::<i64>(row, 4)? != 0,
        secret_sealed: get(row, 5)?,
        old_secret_sealed: get(row, 6)?,
        old_secret_expires_at: get(row, 7)?,
        created_at: get(row, 8)?,
        updated_at: get(row, 9)?,
    })
}

fn message_from_row(row: &AnyRow) -> Result<WebhookMessageRecord> {
    let status: String = get(row, 6)?;
    Ok(WebhookMessageRecord {
        id: get(row, 0)?,
        endpoint_id: get(row, 1)?,
        event_id: get(row, 2)?,
        event_seq: get(row, 3)?,
        event_type: get(row, 4)?,
        payload: get(row, 5)?,
        status: WebhookMessageStatus::parse(&status)
            .ok_or_else(|| Error::Other("unknown webhook message status in the database".to_string()))?,
        attempts: get(row, 7)?,
        next_attempt_at: get(row, 8)?,
        last_attempt_at: get(row, 9)?,
        last_status_code: get(row, 10)?,
        created_at: get(row, 11)?,
        updated_at: get(row, 12)?,
    })
}

fn attempt_from_row(row: &AnyRow) -> Result<WebhookAttemptRecord> {
    Ok(WebhookAttemptRecord {
        id: get(row, 0)?,
        message_id: get(row, 1)?,
        endpoint_id: get(row, 2)?,
        attempt: get(row, 3)?,
        status: get(row, 4)?,
        response_status_code: get(row, 5)?,
        latency_ms: get(row, 6)?,
        error: get(row, 7)?,
        next_attempt_at: get(row, 8)?,
        created_at: get(row, 9)?,
    })
}

fn filter_doc(e: &WebhookEndpointRecord) -> Result<Option<String>> {
    e.filter_types.as_ref().map(to_doc).transpose()
}

async fn all_endpoints(tx: &mut Transaction<'static, Any>) -> Result<Vec<WebhookEndpointRecord>> {
    let rows = dynamic(format!("SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints ORDER BY created_at, id"))
        .fetch_all(&mut **tx)
        .await?;
    rows.iter().map(endpoint_from_row).collect()
}

async fn insert_messages(tx: &mut Transaction<'static, Any>, messages: &[WebhookMessageRecord]) -> Result<()> {
    // 13 values each; a few hundred rows per statement stays far below both databases' limits.
    for chunk in messages.chunks(200) {
        let mut sql = Sql::new(&format!("INSERT INTO webhook_messages ({MESSAGE_COLUMNS}) VALUES "));
        for (i, m) in chunk.iter().enumerate() {
            let vals = [
                sql.arg_text(m.id.as_str()),
                sql.arg_text(m.endpoint_id.as_str()),
                sql.arg_text(m.event_id.as_str()),
                sql.arg_int(m.event_seq),
                sql.arg_text(m.event_type.as_str()),
                sql.arg_text(m.payload.as_str()),
                sql.arg_text(m.status.as_str()),
                sql.arg_int(m.attempts),
                sql.arg_int(m.next_attempt_at.unwrap_or(m.created_at)),
                "NULL".to_string(),
                "NULL".to_string(),
                sql.arg_int(m.created_at),
                sql.arg_int(m.updated_at),
            ];
            sql.push(if i == 0 { "(" } else { ", (" }).push(&vals.join(", ")).push(")");
        }
        sql.push(" ON CONFLICT (event_id, endpoint_id) DO NOTHING");
        sql.query().execute(&mut **tx).await?;
    }
    Ok(())
}

#[async_trait]
impl WebhookStore for SqlStore {
    async fn insert_webhook_endpoint(&self, e: &WebhookEndpointRecord) -> StoreResult<()> {
        run(async {
            dynamic(format!(
                "INSERT INTO webhook_endpoints ({ENDPOINT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
            ))
            .bind(e.id.as_str())
            .bind(e.url.as_str())
            .bind(e.description.as_str())
            .bind(filter_doc(e)?)
            .bind(bool_int(e.disabled))
            .bind(e.secret_sealed.as_str())
            .bind(e.old_secret_sealed.clone())
            .bind(e.old_secret_expires_at)
            .bind(e.created_at)
            .bind(e.updated_at)
            .execute(&self.pool)
            .await
            .map_err(Error::unique(only_id))?;
            Ok(())
        })
        .await
    }

    async fn get_webhook_endpoint(&self, id: &str) -> StoreResult<Option<WebhookEndpointRecord>> {
        run(async {
            let row = dynamic(format!("SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1"))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
            row.as_ref().map(endpoint_from_row).transpose()
        })
        .await
    }

    async fn list_webhook_endpoints(&self) -> StoreResult<Vec<WebhookEndpointRecord>> {
        run(async {
            let rows = dynamic(format!("SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints ORDER BY created_at, id"))
                .fetch_all(&self.pool)
                .await?;
            rows.iter().map(endpoint_from_row).collect()
        })
        .await
    }

    async fn update_webhook_endpoint(&self, e: &WebhookEndpointRecord) -> StoreResult<bool> {
        run(async {
            let done = sqlx::query(
                "UPDATE webhook_endpoints SET url = $1, description = $2, filter_types = $3, disabled = $4, \
                 secret_sealed = $5, old_secret_sealed = $6, old_secret_expires_at = $7, updated_at = $8 WHERE id = $9",
            )
            .bind(e.url.as_str())
            .bind(e.description.as_str())
            .bind(filter_doc(e)?)
            .bind(bool_int(e.disabled))
            .bind(e.secret_sealed.as_str())
            .bind(e.old_secret_sealed.clone())
            .bind(e.old_secret_expires_at)
            .bind(e.updated_at)
            .bind(e.id.as_str())
            .execute(&self.pool)
            .await?;
            Ok(done.rows_affected() == 1)
        })
        .await
    }

    async fn delete_webhook_endpoint(&self, id: &str) -> StoreResult<bool> {
        run(async {
            let mut tx = self.begin_write().await?;
            sqlx::query("DELETE FROM webhook_attempts WHERE endpoint_id = $1").bind(id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM webhook_messages WHERE endpoint_id = $1").bind(id).execute(&mut *tx).await?;
            let done = sqlx::query("DELETE FROM webhook_endpoints WHERE id = $1").bind(id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(done.rows_affected() == 1)
        })
        .await
    }

    async fn fan_out_webhook_events(&self, limit: u32, now: i64, plan: WebhookPlan<'_>) -> StoreResult<Option<usize>> {
        run(async {
            let mut tx = self.begin_write().await?;
            let lock = if self.is_postgres() { " FOR UPDATE SKIP LOCKED" } else { "" };
            let cursor: Option<i64> =
                sqlx::query_scalar(AssertSqlSafe(format!("SELECT last_seq FROM webhook_cursor WHERE id = 1{lock}")))
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some(cursor) = cursor else {
                tx.rollback().await?;
                return Ok(None);
            };
            let rows =
                sqlx::query("SELECT seq, id, type, data, created_at FROM events WHERE seq > $1 ORDER BY seq LIMIT $2")
                    .bind(cursor)
                    .bind(i64::from(limit))
                    .fetch_all(&mut *tx)
                    .await?;
            let events = rows
                .iter()
                .map(|r| {
                    Ok(EventRecord {
                        seq: get(r, 0)?,
                        id: get(r, 1)?,
                        event_type: get(r, 2)?,
                        data: get_doc(r, 3)?,
                        created_at: get(r, 4)?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let Some(last) = events.last().map(|e| e.seq) else {
                tx.rollback().await?;
                return Ok(Some(0));
            };
            let endpoints = all_endpoints(&mut tx).await?;
            let messages = plan(&events, &endpoints);
            insert_messages(&mut tx, &messages).await?;
            sqlx::query("UPDATE webhook_cursor SET last_seq = $1, updated_at = $2 WHERE id = 1")
                .bind(last)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(Some(events.len()))
        })
        .await
    }

    async fn webhook_cursor(&self) -> StoreResult<i64> {
        run(async {
            let seq: Option<i64> = sqlx::query_scalar("SELECT last_seq FROM webhook_cursor WHERE id = 1")
                .fetch_optional(&self.pool)
                .await?;
            Ok(seq.unwrap_or(0))
        })
        .await
    }

    async fn claim_webhook_messages(
        &self,
        now: i64,
        lease_until: i64,
        limit: u32,
    ) -> StoreResult<Vec<ClaimedWebhookMessage>> {
        run(async {
            let mut tx = self.begin_write().await?;
            let lock = if self.is_postgres() { " FOR UPDATE OF m SKIP LOCKED" } else { "" };
            let rows = dynamic(format!(
                "UPDATE webhook_messages SET attempts = attempts + 1, last_attempt_at = $1, next_attempt_at = $2, \
                 updated_at = $1 WHERE id IN (SELECT m.id FROM webhook_messages m \
                 JOIN webhook_endpoints e ON e.id = m.endpoint_id \
                 WHERE m.status = 'pending' AND m.next_attempt_at <= $1 AND e.disabled = 0 \
                 ORDER BY m.next_attempt_at, m.event_seq LIMIT $3{lock}) RETURNING {MESSAGE_COLUMNS}"
            ))
            .bind(now)
            .bind(lease_until)
            .bind(i64::from(limit))
            .fetch_all(&mut *tx)
            .await?;
            let mut messages = rows.iter().map(message_from_row).collect::<Result<Vec<_>>>()?;
            if messages.is_empty() {
                tx.rollback().await?;
                return Ok(Vec::new());
            }
            let endpoints: HashMap<String, WebhookEndpointRecord> =
                all_endpoints(&mut tx).await?.into_iter().map(|e| (e.id.clone(), e)).collect();
            tx.commit().await?;
            messages.sort_by_key(|m| m.event_seq);
            Ok(messages
                .into_iter()
                .filter_map(|m| {
                    endpoints
                        .get(&m.endpoint_id)
                        .cloned()
                        .map(|endpoint| ClaimedWebhookMessage { message: m, endpoint })
                })
                .collect())
        })
        .await
    }

    async fn record_webhook_attempt(
        &self,
        a: &WebhookAttemptRecord,
        status: WebhookMessageStatus,
        next_attempt_at: Option<i64>,
    ) -> StoreResult<bool> {
        run(async {
            let mut tx = self.begin_write().await?;
            let done = sqlx::query(
                "UPDATE webhook_messages SET status = $1, next_attempt_at = $2, last_status_code = $3, updated_at = $4 \
                 WHERE id = $5 AND attempts = $6 AND status = 'pending'",
            )
            .bind(status.as_str())
            .bind(next_attempt_at)
            .bind(a.response_status_code)
            .bind(a.created_at)
            .bind(a.message_id.as_str())
            .bind(a.attempt)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                tx.rollback().await?;
                return Ok(false);
            }
            dynamic(format!(
                "INSERT INTO webhook_attempts ({ATTEMPT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
            ))
            .bind(a.id.as_str())
            .bind(a.message_id.as_str())
            .bind(a.endpoint_id.as_str())
            .bind(a.attempt)
            .bind(a.status.as_str())
            .bind(a.response_status_code)
            .bind(a.latency_ms)
            .bind(a.error.clone())
            .bind(a.next_attempt_at)
            .bind(a.created_at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    async fn list_webhook_messages(
        &self,
        filter: &WebhookMessageFilter,
        page: Page,
    ) -> StoreResult<(Vec<WebhookMessageRecord>, i64)> {
        run(async {
            let conds = |sql: &mut Sql| {
                let mut c = Vec::new();
                if let Some(e) = &filter.endpoint_id {
                    c.push(format!("endpoint_id = {}", sql.arg_text(e.as_str())));
                }
                if let Some(s) = filter.status {
                    c.push(format!("status = {}", sql.arg_text(s.as_str())));
                }
                c
            };
            let mut count = Sql::new("SELECT COUNT(*) FROM webhook_messages");
            let c = conds(&mut count);
            count.push_where(&c);
            let total: i64 = get(&count.query().fetch_one(&self.pool).await?, 0)?;
            let mut sql = Sql::new(&format!("SELECT {MESSAGE_COLUMNS} FROM webhook_messages"));
            let c = conds(&mut sql);
            sql.push_where(&c).push(" ORDER BY event_seq DESC, id").push_page(page);
            let rows = sql.query().fetch_all(&self.pool).await?;
            Ok((rows.iter().map(message_from_row).collect::<Result<Vec<_>>>()?, total))
        })
        .await
    }

    async fn get_webhook_message(&self, id: &str) -> StoreResult<Option<WebhookMessageRecord>> {
        run(async {
            let row = dynamic(format!("SELECT {MESSAGE_COLUMNS} FROM webhook_messages WHERE id = $1"))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
            row.as_ref().map(message_from_row).transpose()
        })
        .await
    }

    async fn list_webhook_attempts(&self, message_id: &str) -> StoreResult<Vec<WebhookAttemptRecord>> {
        run(async {
            let rows = dynamic(format!(
                "SELECT {ATTEMPT_COLUMNS} FROM webhook_attempts WHERE message_id = $1 ORDER BY created_at, id"
            ))
            .bind(message_id)
            .fetch_all(&self.pool)
            .await?;
            rows.iter().map(attempt_from_row).collect()
        })
        .await
    }

    async fn replay_webhook_messages(&self, endpoint_id: &str, message_id: Option<&str>, now: i64) -> StoreResult<u64> {
        run(async {
            let set =
                "UPDATE webhook_messages SET status = 'pending', attempts = 0, next_attempt_at = $1, updated_at = $1";
            let done = match message_id {
                Some(id) => {
                    dynamic(format!("{set} WHERE id = $2 AND endpoint_id = $3 AND status IN ('delivered', 'failed')"))
                        .bind(now)
                        .bind(id)
                        .bind(endpoint_id)
                        .execute(&self.pool)
                        .await?
                }
                None => {
                    dynamic(format!("{set} WHERE endpoint_id = $2 AND status = 'failed'"))
                        .bind(now)
                        .bind(endpoint_id)
                        .execute(&self.pool)
                        .await?
                }
            };
            Ok(done.rows_affected())
        })
        .await
    }

    async fn prune_webhook_messages(&self, before_ms: i64) -> StoreResult<u64> {
        run(async {
            let mut tx = self.begin_write().await?;
            let done_before =
                "SELECT id FROM webhook_messages WHERE status IN ('delivered', 'failed') AND updated_at < $1";
            dynamic(format!("DELETE FROM webhook_attempts WHERE message_id IN ({done_before})"))
                .bind(before_ms)
                .execute(&mut *tx)
                .await?;
            let done =
                sqlx::query("DELETE FROM webhook_messages WHERE status IN ('delivered', 'failed') AND updated_at < $1")
                    .bind(before_ms)
                    .execute(&mut *tx)
                    .await?;
            tx.commit().await?;
            Ok(done.rows_affected())
        })
        .await
    }

    async fn webhook_outbox_stats(&self) -> StoreResult<WebhookOutboxStats> {
        run(async {
            let mut stats = WebhookOutboxStats::default();
            let rows = sqlx::query("SELECT status, COUNT(*), MIN(created_at) FROM webhook_messages GROUP BY status")
                .fetch_all(&self.pool)
                .await?;
            for r in &rows {
                let status: String = get(r, 0)?;
                let n: i64 = get(r, 1)?;
                match WebhookMessageStatus::parse(&status) {
                    Some(WebhookMessageStatus::Pending) => {
                        stats.pending = n;
                        stats.oldest_pending_at = get(r, 2)?;
                    }
                    Some(WebhookMessageStatus::Delivered) => stats.delivered = n,
                    Some(WebhookMessageStatus::Failed) => stats.failed = n,
                    None => {}
                }
            }
            stats.cursor_seq = sqlx::query_scalar::<_, i64>("SELECT last_seq FROM webhook_cursor WHERE id = 1")
                .fetch_optional(&self.pool)
                .await?
                .unwrap_or(0);
            stats.last_event_seq = sqlx::query_scalar::<_, i64>("SELECT last_seq FROM event_seq WHERE id = 1")
                .fetch_optional(&self.pool)
                .await?
                .unwrap_or(0);
            Ok(stats)
        })
        .await
    }

    async fn webhook_work_hint(&self) -> StoreResult<(i64, i64, Option<i64>)> {
        run(async {
            let row = sqlx::query(
                "SELECT (SELECT last_seq FROM webhook_cursor WHERE id = 1), (SELECT last_seq FROM event_seq WHERE id = 1), \
                 (SELECT MIN(m.next_attempt_at) FROM webhook_messages m JOIN webhook_endpoints e ON e.id = m.endpoint_id \
                 WHERE m.status = 'pending' AND e.disabled = 0)",
            )
            .fetch_one(&self.pool)
            .await?;
            let cursor: Option<i64> = get(&row, 0)?;
            let last: Option<i64> = get(&row, 1)?;
            Ok((cursor.unwrap_or(0), last.unwrap_or(0), get(&row, 2)?))
        })
        .await
    }

    async fn reseal_webhook_secrets(&self, secrets: &[(String, String, Option<String>)]) -> StoreResult<()> {
        run(async {
            let mut tx = self.begin_write().await?;
            for (id, sealed, old) in secrets {
                sqlx::query("UPDATE webhook_endpoints SET secret_sealed = $1, old_secret_sealed = $2 WHERE id = $3")
                    .bind(sealed.as_str())
                    .bind(old.clone())
                    .bind(id.as_str())
                    .execute(&mut *tx)
                    .await?;
            }
            Ok(tx.commit().await?)
        })
        .await
    }
}
