//! The instance's custom session claims: one row (`singleton = 1`) holding the claims template as
//! JSON text. The mint read joins the same row (`templates::MINT_SELECT`) and decodes it with
//! [`session_claims_from_row`].

use async_trait::async_trait;
use serde_json::{Map, Value};
use sqlx::any::AnyRow;
use tessera_core::events::{self, NewEvent};
use tessera_core::store::{SessionClaimsRecord, SessionClaimsStore, StoreResult};

use crate::SqlStore;
use crate::error::{Result, run};
use crate::events::append;
use crate::sql::{from_doc, get, to_doc};

/// Rebuilds the record from `claims, created_at, updated_at` at `offset`; `None` when the columns are
/// NULL (a `LEFT JOIN` that found no row).
pub(crate) fn session_claims_from_row(row: &AnyRow, offset: usize) -> Result<Option<SessionClaimsRecord>> {
    let Some(claims) = get::<Option<String>>(row, offset)? else {
        return Ok(None);
    };
    Ok(Some(SessionClaimsRecord {
        claims: from_doc::<Map<String, Value>>(&claims)?,
        created_at: get(row, offset + 1)?,
        updated_at: get(row, offset + 2)?,
    }))
}

#[async_trait]
impl SessionClaimsStore for SqlStore {
    async fn get_session_claims(&self) -> StoreResult<Option<SessionClaimsRecord>> {
        run(async {
            let row = sqlx::query("SELECT claims, created_at, updated_at FROM session_claims WHERE singleton = 1")
                .fetch_optional(&self.pool)
                .await?;
            Ok(match row {
                Some(r) => session_claims_from_row(&r, 0)?,
                None => None,
            })
        })
        .await
    }

    async fn put_session_claims(&self, claims: &SessionClaimsRecord) -> StoreResult<()> {
        run(async {
            // One statement, so two nodes writing at once leave one whole record, never a mix.
            let mut tx = self.begin_write().await?;
            sqlx::query(
                "INSERT INTO session_claims (singleton, claims, created_at, updated_at) VALUES (1, $1, $2, $3) \
                 ON CONFLICT (singleton) DO UPDATE SET claims = excluded.claims, \
                 created_at = excluded.created_at, updated_at = excluded.updated_at",
            )
            .bind(to_doc(&claims.claims)?)
            .bind(claims.created_at)
            .bind(claims.updated_at)
            .execute(&mut *tx)
            .await?;
            append(&mut tx, &[NewEvent::internal(events::SESSION_CLAIMS_CHANGED, "session_claims")]).await?;
            Ok(tx.commit().await?)
        })
        .await
    }

    async fn delete_session_claims(&self) -> StoreResult<bool> {
        run(async {
            let mut tx = self.begin_write().await?;
            let done = sqlx::query("DELETE FROM session_claims WHERE singleton = 1").execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            append(&mut tx, &[NewEvent::internal(events::SESSION_CLAIMS_CHANGED, "session_claims")]).await?;
            tx.commit().await?;
            Ok(true)
        })
        .await
    }
}
