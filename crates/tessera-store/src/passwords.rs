//! Users' passwords: the `user_passwords` table, one row per user who has a password, written in the
//! same transaction as the user it belongs to and deleted with them (`ON DELETE CASCADE`).

use async_trait::async_trait;
use sqlx::AnyConnection;
use tessera_core::events::{self, NewEvent};
use tessera_core::store::{PasswordRecord, PasswordStore, StoreResult};
use tessera_types::{SessionStatus, User};

use crate::SqlStore;
use crate::error::{Result, run};
use crate::events::append;
use crate::sessions::end_live_sessions_of;
use crate::sql::get;
use crate::users::{insert_user_in, replace_user_in};

/// Sets `user_id`'s password to `p` (one statement: insert, or replace what is there).
pub(crate) async fn put_password(conn: &mut AnyConnection, user_id: &str, p: &PasswordRecord) -> Result<()> {
    sqlx::query(
        "INSERT INTO user_passwords (user_id, hasher, digest, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id) DO UPDATE SET hasher = excluded.hasher, digest = excluded.digest, \
         updated_at = excluded.updated_at",
    )
    .bind(user_id)
    .bind(p.hasher.as_str())
    .bind(p.digest.as_str())
    .bind(p.updated_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[async_trait]
impl PasswordStore for SqlStore {
    async fn insert_user_with_password(&self, user: &User, password: &PasswordRecord) -> StoreResult<()> {
        run(async {
            let mut tx = self.begin_write().await?;
            insert_user_in(&mut tx, user).await?;
            put_password(&mut tx, &user.id, password).await?;
            append(&mut tx, &[NewEvent::user(events::USER_CREATED, user)]).await?;
            Ok(tx.commit().await?)
        })
        .await
    }

    async fn update_user_password(
        &self,
        user: &User,
        password: Option<&PasswordRecord>,
        end_sessions_at: Option<i64>,
    ) -> StoreResult<bool> {
        run(async {
            let mut tx = self.begin_write().await?;
            if !replace_user_in(&mut tx, user).await? {
                return Ok(false);
            }
            match password {
                Some(p) => put_password(&mut tx, &user.id, p).await?,
                None => {
                    sqlx::query("DELETE FROM user_passwords WHERE user_id = $1")
                        .bind(user.id.as_str())
                        .execute(&mut *tx)
                        .await?;
                }
            }
            let mut events = vec![NewEvent::user(events::USER_UPDATED, user)];
            if let Some(now) = end_sessions_at {
                events.extend(end_live_sessions_of(&mut tx, &user.id, SessionStatus::Revoked, now).await?);
            }
            append(&mut tx, &events).await?;
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    async fn get_password(&self, user_id: &str) -> StoreResult<Option<PasswordRecord>> {
        run(async {
            let row = sqlx::query("SELECT hasher, digest, updated_at FROM user_passwords WHERE user_id = $1")
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await?;
            row.map(|r| {
                Ok(PasswordRecord {
                    user_id: user_id.to_owned(),
                    hasher: get(&r, 0)?,
                    digest: get(&r, 1)?,
                    updated_at: get(&r, 2)?,
                })
            })
            .transpose()
        })
        .await
    }

    async fn rehash_password(&self, old_digest: &str, new: &PasswordRecord) -> StoreResult<bool> {
        run(async {
            let done = sqlx::query(
                "UPDATE user_passwords SET hasher = $1, digest = $2, updated_at = $3 WHERE user_id = $4 AND digest = $5",
            )
            .bind(new.hasher.as_str())
            .bind(new.digest.as_str())
            .bind(new.updated_at)
            .bind(new.user_id.as_str())
            .bind(old_digest)
            .execute(&self.pool)
            .await?;
            Ok(done.rows_affected() > 0)
        })
        .await
    }
}
