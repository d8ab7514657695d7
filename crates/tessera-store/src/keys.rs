//! The instance record, its signing keys, secret keys (hashes only), and resealing key material when
//! the master key changes.

use async_trait::async_trait;
use serde_json::Value;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use tessera_core::store::{InstanceRecord, InstanceStore, SecretKeyRecord, SigningKeyRecord, StoreResult};

use crate::SqlStore;
use crate::error::{Error, Result, only_id, run};
use crate::sql::{bool_int, from_doc, get, query, to_doc};

const INSTANCE_SELECT: &str = "SELECT id, issuer, created_at, settings FROM instance WHERE singleton = 1";

fn instance_from_row(row: &AnyRow) -> Result<InstanceRecord> {
    Ok(InstanceRecord {
        id: get(row, 0)?,
        issuer: get(row, 1)?,
        created_at: get(row, 2)?,
        settings: from_doc::<Value>(&get::<String>(row, 3)?)?,
    })
}

fn signing_key_from_row(row: &AnyRow) -> Result<SigningKeyRecord> {
    Ok(SigningKeyRecord {
        kid: get(row, 0)?,
        alg: get(row, 1)?,
        private_key_sealed: get(row, 2)?,
        active: get::<i64>(row, 3)? != 0,
        created_at: get(row, 4)?,
        sign_after: get(row, 5)?,
        retired_at: get(row, 6)?,
        max_token_lifetime: get(row, 7)?,
    })
}

/// Rebuilds a secret key record from `id, key_hash, created_at`.
fn secret_key_from_row(row: &AnyRow) -> Result<SecretKeyRecord> {
    Ok(SecretKeyRecord { id: get(row, 0)?, key_hash: get(row, 1)?, created_at: get(row, 2)? })
}

async fn insert_signing_key_on(conn: &mut AnyConnection, key: &SigningKeyRecord) -> Result<()> {
    query(
        "INSERT INTO signing_keys \
         (kid, alg, private_key_sealed, active, created_at, sign_after, retired_at, max_token_lifetime) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(key.kid.as_str())
    .bind(key.alg.as_str())
    .bind(key.private_key_sealed.as_str())
    .bind(bool_int(key.active))
    .bind(key.created_at)
    .bind(key.sign_after)
    .bind(key.retired_at)
    .bind(key.max_token_lifetime)
    .execute(&mut *conn)
    .await
    .map_err(Error::unique(only_id))?;
    Ok(())
}

#[async_trait]
impl InstanceStore for SqlStore {
    async fn ping(&self) -> StoreResult<()> {
        run(async {
            query("SELECT 1").fetch_optional(&self.pool).await?;
            Ok(())
        })
        .await
    }

    async fn get_instance(&self) -> StoreResult<Option<InstanceRecord>> {
        run(async {
            let row = query(INSTANCE_SELECT).fetch_optional(&self.pool).await?;
            row.as_ref().map(instance_from_row).transpose()
        })
        .await
    }

    async fn create_instance(
        &self,
        instance: &InstanceRecord,
        first_key: &SigningKeyRecord,
    ) -> StoreResult<InstanceRecord> {
        run(async {
            let mut tx = self.begin_write().await?;
            let inserted = query(
                "INSERT INTO instance (singleton, id, issuer, settings, created_at) \
                 VALUES (1, $1, $2, $3, $4) ON CONFLICT (singleton) DO NOTHING",
            )
            .bind(instance.id.as_str())
            .bind(instance.issuer.as_str())
            .bind(to_doc(&instance.settings)?)
            .bind(instance.created_at)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if inserted == 1 {
                insert_signing_key_on(&mut tx, first_key).await?;
            }
            let row = query(INSTANCE_SELECT).fetch_optional(&mut *tx).await?;
            tx.commit().await?;
            match row {
                Some(row) => instance_from_row(&row),
                None => Err(Error::Other("instance row missing after creation".to_string())),
            }
        })
        .await
    }

    async fn update_instance_settings(&self, settings: &Value) -> StoreResult<()> {
        run(async {
            query("UPDATE instance SET settings = $1 WHERE singleton = 1")
                .bind(to_doc(settings)?)
                .execute(&self.pool)
                .await?;
            Ok(())
        })
        .await
    }

    async fn list_signing_keys(&self) -> StoreResult<Vec<SigningKeyRecord>> {
        run(async {
            let rows = query(
                "SELECT kid, alg, private_key_sealed, active, created_at, sign_after, retired_at, \
                 max_token_lifetime FROM signing_keys ORDER BY created_at ASC, kid ASC",
            )
            .fetch_all(&self.pool)
            .await?;
            rows.iter().map(signing_key_from_row).collect()
        })
        .await
    }

    async fn insert_signing_key(&self, key: &SigningKeyRecord) -> StoreResult<()> {
        run(async {
            let mut conn = self.pool.acquire().await?;
            insert_signing_key_on(&mut conn, key).await
        })
        .await
    }

    async fn set_signing_key_active(&self, kid: &str, active: bool) -> StoreResult<bool> {
        run(async {
            let done = query("UPDATE signing_keys SET active = $1 WHERE kid = $2")
                .bind(bool_int(active))
                .bind(kid)
                .execute(&self.pool)
                .await?;
            Ok(done.rows_affected() > 0)
        })
        .await
    }

    async fn retire_signing_key(&self, kid: &str, now: i64) -> StoreResult<bool> {
        run(async {
            let done = query("UPDATE signing_keys SET active = 0, retired_at = $1 WHERE kid = $2 AND active = 1")
                .bind(now)
                .bind(kid)
                .execute(&self.pool)
                .await?;
            Ok(done.rows_affected() > 0)
        })
        .await
    }

    async fn note_signing_key_lifetime(&self, kid: &str, seconds: i64) -> StoreResult<()> {
        run(async {
            query(
                "UPDATE signing_keys SET max_token_lifetime = $1 \
                 WHERE kid = $2 AND (max_token_lifetime IS NULL OR max_token_lifetime < $1)",
            )
            .bind(seconds)
            .bind(kid)
            .execute(&self.pool)
            .await?;
            Ok(())
        })
        .await
    }

    async fn insert_signing_key_if_due(&self, key: &SigningKeyRecord, due_before: i64) -> StoreResult<bool> {
        run(async {
            let mut tx = self.begin_write().await?;
            // Lock the instance row first (a no-op update): concurrent rotations on PostgreSQL queue
            // here, and the one that comes second sees the first one's key. SQLite's BEGIN IMMEDIATE
            // already serializes writers.
            query("UPDATE instance SET singleton = singleton WHERE singleton = 1").execute(&mut *tx).await?;
            let row = query("SELECT COUNT(*) FROM signing_keys WHERE active = 1 AND created_at >= $1")
                .bind(due_before)
                .fetch_one(&mut *tx)
                .await?;
            if get::<i64>(&row, 0)? > 0 {
                return Ok(false);
            }
            insert_signing_key_on(&mut tx, key).await?;
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    async fn insert_secret_key(&self, key: &SecretKeyRecord) -> StoreResult<()> {
        run(async {
            query("INSERT INTO secret_keys (id, key_hash, created_at) VALUES ($1, $2, $3)")
                .bind(key.id.as_str())
                .bind(key.key_hash.as_str())
                .bind(key.created_at)
                .execute(&self.pool)
                .await
                .map_err(Error::unique(only_id))?;
            Ok(())
        })
        .await
    }

    async fn find_secret_key(&self, key_hash: &str) -> StoreResult<Option<SecretKeyRecord>> {
        run(async {
            let row = query("SELECT id, key_hash, created_at FROM secret_keys WHERE key_hash = $1")
                .bind(key_hash)
                .fetch_optional(&self.pool)
                .await?;
            row.as_ref().map(secret_key_from_row).transpose()
        })
        .await
    }

    async fn count_secret_keys(&self) -> StoreResult<i64> {
        run(async { get(&query("SELECT COUNT(*) FROM secret_keys").fetch_one(&self.pool).await?, 0) }).await
    }

    async fn list_secret_keys(&self) -> StoreResult<Vec<SecretKeyRecord>> {
        run(async {
            let rows = query("SELECT id, key_hash, created_at FROM secret_keys ORDER BY created_at, id")
                .fetch_all(&self.pool)
                .await?;
            rows.iter().map(secret_key_from_row).collect()
        })
        .await
    }

    async fn delete_secret_key(&self, id: &str) -> StoreResult<bool> {
        run(async {
            let done = query("DELETE FROM secret_keys WHERE id = $1").bind(id).execute(&self.pool).await?;
            Ok(done.rows_affected() > 0)
        })
        .await
    }

    async fn reseal_keys(&self, signing_keys: &[(String, String)], templates: &[(String, String)]) -> StoreResult<()> {
        run(async {
            let mut tx = self.begin_write().await?;
            for (sql, pairs) in [
                ("UPDATE signing_keys SET private_key_sealed = $1 WHERE kid = $2", signing_keys),
                ("UPDATE jwt_templates SET signing_key_sealed = $1 WHERE id = $2", templates),
            ] {
                for (id, sealed) in pairs {
                    query(sql).bind(sealed.as_str()).bind(id.as_str()).execute(&mut *tx).await?;
                }
            }
            Ok(tx.commit().await?)
        })
        .await
    }
}
