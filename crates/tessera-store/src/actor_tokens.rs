//! Actor tokens (impersonation). Redeeming marks the token `accepted` and inserts its session in one
//! transaction, guarded by the token's status and expiry in the `UPDATE` itself, so that of two
//! concurrent redeems (on any nodes) at most one succeeds; revoking marks the token `revoked` and
//! revokes its session in one transaction.

use async_trait::async_trait;
use sqlx::any::AnyRow;
use tessera_core::events::NewEvent;
use tessera_core::store::{ActorTokenRecord, ActorTokenStore, StoreResult};
use tessera_types::{ActorTokenStatus, Session, SessionStatus};

use crate::SqlStore;
use crate::error::{Error, Result, only_id, run};
use crate::events::append;
use crate::sessions::{end_live_session, insert_session_on};
use crate::sql::{from_doc, get, to_doc};

const TOKEN_BY_ID: &str = "SELECT id, user_id, actor, status, token_hash, expires_at, \
     session_max_duration_seconds, session_id, created_at, updated_at FROM actor_tokens WHERE id = $1";

fn token_from_row(row: &AnyRow) -> Result<ActorTokenRecord> {
    let status: String = get(row, 3)?;
    Ok(ActorTokenRecord {
        id: get(row, 0)?,
        user_id: get(row, 1)?,
        actor: from_doc(&get::<String>(row, 2)?)?,
        status: ActorTokenStatus::parse(&status)
            .ok_or_else(|| Error::Other("unknown actor token status in the database".to_string()))?,
        token_hash: get(row, 4)?,
        expires_at: get(row, 5)?,
        session_max_duration_seconds: get(row, 6)?,
        session_id: get(row, 7)?,
        created_at: get(row, 8)?,
        updated_at: get(row, 9)?,
    })
}

#[async_trait]
impl ActorTokenStore for SqlStore {
    async fn insert_actor_token(&self, t: &ActorTokenRecord) -> StoreResult<()> {
        run(async {
            sqlx::query(
                "INSERT INTO actor_tokens (id, user_id, actor, status, token_hash, expires_at, \
                 session_max_duration_seconds, session_id, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(t.id.as_str())
            .bind(t.user_id.as_str())
            .bind(to_doc(&t.actor)?)
            .bind(t.status.as_str())
            .bind(t.token_hash.as_str())
            .bind(t.expires_at)
            .bind(t.session_max_duration_seconds)
            .bind(t.session_id.clone())
            .bind(t.created_at)
            .bind(t.updated_at)
            .execute(&self.pool)
            .await
            .map_err(Error::unique(only_id))?;
            Ok(())
        })
        .await
    }

    async fn get_actor_token(&self, id: &str) -> StoreResult<Option<ActorTokenRecord>> {
        run(async {
            let row = sqlx::query(TOKEN_BY_ID).bind(id).fetch_optional(&self.pool).await?;
            row.as_ref().map(token_from_row).transpose()
        })
        .await
    }

    async fn redeem_actor_token(&self, id: &str, session: &Session, now: i64) -> StoreResult<bool> {
        run(async {
            let mut tx = self.begin_write().await?;
            let done = sqlx::query(
                "UPDATE actor_tokens SET status = 'accepted', session_id = $1, updated_at = $2 \
                 WHERE id = $3 AND status = 'pending' AND expires_at > $2",
            )
            .bind(session.id.as_str())
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                tx.rollback().await?;
                return Ok(false);
            }
            insert_session_on(&mut tx, session).await?;
            append(&mut tx, NewEvent::session(session).as_slice()).await?;
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    async fn revoke_actor_token(&self, id: &str, now: i64) -> StoreResult<Option<ActorTokenRecord>> {
        run(async {
            let mut tx = self.begin_write().await?;
            sqlx::query(
                "UPDATE actor_tokens SET status = 'revoked', updated_at = $1 \
                 WHERE id = $2 AND status IN ('pending', 'accepted')",
            )
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            // Read after the update: on PostgreSQL a concurrent redeem that committed first is seen here,
            // with the session it made.
            let row = sqlx::query(TOKEN_BY_ID).bind(id).fetch_optional(&mut *tx).await?;
            let token = row.as_ref().map(token_from_row).transpose()?;
            if let Some(session_id) = token.as_ref().and_then(|t| t.session_id.as_deref()) {
                let events = end_live_session(&mut tx, session_id, SessionStatus::Revoked, now).await?;
                append(&mut tx, &events).await?;
            }
            tx.commit().await?;
            Ok(token)
        })
        .await
    }
}
