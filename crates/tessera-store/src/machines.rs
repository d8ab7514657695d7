//! Machines, machine scopes, opaque M2M tokens and API keys (`machines`, `machine_scopes`,
//! `m2m_tokens`, `api_keys`). A machine and its scopes are written in one transaction; deleting a
//! machine takes its scopes and tokens with it (foreign keys, `ON DELETE CASCADE`). Revoking is a
//! guarded `UPDATE` (the first reason is kept) followed by a read in the same transaction.

use async_trait::async_trait;
use sqlx::any::AnyRow;
use tessera_core::store::{
    ApiKeyFilter, ApiKeyRecord, M2MTokenRecord, MachineFilter, MachineOrder, MachineRecord, MachineStore, MachineView,
    Page, StoreResult,
};

use crate::SqlStore;
use crate::error::{Error, Result, run};
use crate::sql::{Sql, bool_int, from_doc, get, like_contains, order_dir, query, to_doc};

const MACHINE_COLS: &str = "m.id, m.name, m.default_token_ttl, m.secret_hash, m.secret_sealed, \
     m.previous_secret_hash, m.previous_secret_expires_at, m.created_at, m.updated_at";

fn machine_from_row(row: &AnyRow) -> Result<MachineRecord> {
    Ok(MachineRecord {
        id: get(row, 0)?,
        name: get(row, 1)?,
        default_token_ttl: get(row, 2)?,
        secret_hash: get(row, 3)?,
        secret_sealed: get(row, 4)?,
        previous_secret_hash: get(row, 5)?,
        previous_secret_expires_at: get(row, 6)?,
        created_at: get(row, 7)?,
        updated_at: get(row, 8)?,
    })
}

const TOKEN_COLS: &str = "id, machine_id, token_hash, claims, scopes, revoked, revocation_reason, expiration, \
     last_used_at, created_at, updated_at";

fn opt_json(row: &AnyRow, idx: usize) -> Result<Option<serde_json::Value>> {
    get::<Option<String>>(row, idx)?.map(|d| from_doc(&d)).transpose()
}

fn token_from_row(row: &AnyRow) -> Result<M2MTokenRecord> {
    Ok(M2MTokenRecord {
        id: get(row, 0)?,
        machine_id: get(row, 1)?,
        token_hash: get(row, 2)?,
        claims: opt_json(row, 3)?,
        scopes: from_doc(&get::<String>(row, 4)?)?,
        revoked: get::<i64>(row, 5)? != 0,
        revocation_reason: get(row, 6)?,
        expiration: get(row, 7)?,
        last_used_at: get(row, 8)?,
        created_at: get(row, 9)?,
        updated_at: get(row, 10)?,
    })
}

const KEY_COLS: &str = "id, key_type, name, description, subject, claims, scopes, secret_hash, secret_sealed, \
     revoked, revocation_reason, expiration, created_by, last_used_at, created_at, updated_at";

fn key_from_row(row: &AnyRow) -> Result<ApiKeyRecord> {
    Ok(ApiKeyRecord {
        id: get(row, 0)?,
        key_type: get(row, 1)?,
        name: get(row, 2)?,
        description: get(row, 3)?,
        subject: get(row, 4)?,
        claims: opt_json(row, 5)?,
        scopes: from_doc(&get::<String>(row, 6)?)?,
        secret_hash: get(row, 7)?,
        secret_sealed: get(row, 8)?,
        revoked: get::<i64>(row, 9)? != 0,
        revocation_reason: get(row, 10)?,
        expiration: get(row, 11)?,
        created_by: get(row, 12)?,
        last_used_at: get(row, 13)?,
        created_at: get(row, 14)?,
        updated_at: get(row, 15)?,
    })
}

fn claims_doc(claims: &Option<serde_json::Value>) -> Result<Option<String>> {
    claims.as_ref().map(to_doc).transpose()
}

fn machine_conflict(text: &str) -> &'static str {
    if text.contains("secret") { "secret" } else { "id" }
}

impl SqlStore {
    /// The machines each of `ids` may call, oldest scope first, in the order of `ids`.
    async fn scoped_machines(&self, ids: &[String]) -> Result<Vec<Vec<MachineRecord>>> {
        let mut out = vec![Vec::new(); ids.len()];
        if ids.is_empty() {
            return Ok(out);
        }
        let mut sql = Sql::new(&format!(
            "SELECT s.from_machine_id, {MACHINE_COLS} FROM machine_scopes s JOIN machines m ON m.id = s.to_machine_id"
        ));
        let list = sql.arg_list(ids, str::to_string);
        sql.push(&format!(" WHERE s.from_machine_id IN {list} ORDER BY s.created_at, m.id"));
        for row in sql.query().fetch_all(&self.pool).await? {
            let from: String = get(&row, 0)?;
            let m = MachineRecord {
                id: get(&row, 1)?,
                name: get(&row, 2)?,
                default_token_ttl: get(&row, 3)?,
                secret_hash: get(&row, 4)?,
                secret_sealed: get(&row, 5)?,
                previous_secret_hash: get(&row, 6)?,
                previous_secret_expires_at: get(&row, 7)?,
                created_at: get(&row, 8)?,
                updated_at: get(&row, 9)?,
            };
            if let Some(i) = ids.iter().position(|id| *id == from) {
                out[i].push(m);
            }
        }
        Ok(out)
    }

    async fn views(&self, machines: Vec<MachineRecord>) -> Result<Vec<MachineView>> {
        let ids: Vec<String> = machines.iter().map(|m| m.id.clone()).collect();
        let scoped = self.scoped_machines(&ids).await?;
        Ok(machines.into_iter().zip(scoped).map(|(machine, scoped)| MachineView { machine, scoped }).collect())
    }
}

#[async_trait]
impl MachineStore for SqlStore {
    async fn insert_machine(&self, m: &MachineRecord, scoped: &[String]) -> StoreResult<()> {
        run(async {
            let mut tx = self.begin_write().await?;
            query(
                "INSERT INTO machines (id, name, default_token_ttl, secret_hash, secret_sealed, previous_secret_hash, \
                 previous_secret_expires_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(m.id.as_str())
            .bind(m.name.as_str())
            .bind(m.default_token_ttl)
            .bind(m.secret_hash.as_str())
            .bind(m.secret_sealed.as_str())
            .bind(m.previous_secret_hash.clone())
            .bind(m.previous_secret_expires_at)
            .bind(m.created_at)
            .bind(m.updated_at)
            .execute(&mut *tx)
            .await
            .map_err(Error::unique(machine_conflict))?;
            for (i, to) in scoped.iter().enumerate() {
                // Distinct times keep the given order (scopes read oldest first).
                query("INSERT INTO machine_scopes (from_machine_id, to_machine_id, created_at) VALUES ($1, $2, $3)")
                    .bind(m.id.as_str())
                    .bind(to.as_str())
                    .bind(m.created_at + i as i64)
                    .execute(&mut *tx)
                    .await
                    .map_err(Error::unique(|_| "machine_scope"))?;
            }
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    async fn get_machine(&self, id: &str) -> StoreResult<Option<MachineView>> {
        run(async {
            let row = query(sqlx::AssertSqlSafe(format!("SELECT {MACHINE_COLS} FROM machines m WHERE m.id = $1")))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
            let Some(m) = row.as_ref().map(machine_from_row).transpose()? else {
                return Ok(None);
            };
            Ok(self.views(vec![m]).await?.pop())
        })
        .await
    }

    async fn existing_machine_ids(&self, ids: &[String]) -> StoreResult<Vec<String>> {
        run(async {
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            let mut sql = Sql::new("SELECT id FROM machines");
            let list = sql.arg_list(ids, str::to_string);
            sql.push(&format!(" WHERE id IN {list}"));
            sql.query().fetch_all(&self.pool).await?.iter().map(|r| get::<String>(r, 0)).collect()
        })
        .await
    }

    async fn list_machines(&self, f: &MachineFilter, page: Page) -> StoreResult<(Vec<MachineView>, i64)> {
        run(async {
            let build = |select: &str| {
                let mut sql = Sql::new(select);
                let mut conds = Vec::new();
                if let Some(q) = f.query.as_deref() {
                    let exact = sql.arg_text(q);
                    let like = sql.arg_text(like_contains(&q.to_lowercase()));
                    conds.push(format!("(m.id = {exact} OR LOWER(m.name) LIKE {like} ESCAPE '\\')"));
                }
                sql.push_where(&conds);
                sql
            };
            let total: i64 = get(&build("SELECT COUNT(*) FROM machines m").query().fetch_one(&self.pool).await?, 0)?;
            let mut sql = build(&format!("SELECT {MACHINE_COLS} FROM machines m"));
            let dir = order_dir(f.descending);
            let col = match f.order {
                MachineOrder::CreatedAt => "m.created_at",
                MachineOrder::Name => "m.name",
            };
            sql.push(&format!(" ORDER BY {col} {dir}, m.id {dir}"));
            sql.push_page(page);
            let rows = sql.query().fetch_all(&self.pool).await?;
            let machines = rows.iter().map(machine_from_row).collect::<Result<Vec<_>>>()?;
            Ok((self.views(machines).await?, total))
        })
        .await
    }

    async fn update_machine(&self, m: &MachineRecord) -> StoreResult<bool> {
        run(async {
            let done = query("UPDATE machines SET name = $1, default_token_ttl = $2, updated_at = $3 WHERE id = $4")
                .bind(m.name.as_str())
                .bind(m.default_token_ttl)
                .bind(m.updated_at)
                .bind(m.id.as_str())
                .execute(&self.pool)
                .await?;
            Ok(done.rows_affected() == 1)
        })
        .await
    }

    async fn delete_machine(&self, id: &str) -> StoreResult<bool> {
        run(async {
            let mut tx = self.begin_write().await?;
            // Explicit, so that the rows go even where foreign keys were not enforced.
            query("DELETE FROM m2m_tokens WHERE machine_id = $1").bind(id).execute(&mut *tx).await?;
            query("DELETE FROM machine_scopes WHERE from_machine_id = $1 OR to_machine_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            let done = query("DELETE FROM machines WHERE id = $1").bind(id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(done.rows_affected() == 1)
        })
        .await
    }

    async fn rotate_machine_secret(
        &self,
        id: &str,
        hash: &str,
        sealed: &str,
        previous_expires_at: Option<i64>,
        now: i64,
    ) -> StoreResult<bool> {
        run(async {
            // The key it replaces keeps working for a while, or not at all.
            let q = match previous_expires_at {
                Some(at) => query(
                    "UPDATE machines SET previous_secret_hash = secret_hash, previous_secret_expires_at = $1, \
                     secret_hash = $2, secret_sealed = $3, updated_at = $4 WHERE id = $5",
                )
                .bind(at),
                None => query(
                    "UPDATE machines SET previous_secret_hash = NULL, previous_secret_expires_at = NULL, \
                     secret_hash = $1, secret_sealed = $2, updated_at = $3 WHERE id = $4",
                ),
            };
            let done = q
                .bind(hash)
                .bind(sealed)
                .bind(now)
                .bind(id)
                .execute(&self.pool)
                .await
                .map_err(Error::unique(machine_conflict))?;
            Ok(done.rows_affected() == 1)
        })
        .await
    }

    async fn find_machine_by_secret(&self, hash: &str, now: i64) -> StoreResult<Option<MachineRecord>> {
        run(async {
            let row = query(sqlx::AssertSqlSafe(format!(
                "SELECT {MACHINE_COLS} FROM machines m WHERE m.secret_hash = $1 \
                 OR (m.previous_secret_hash = $1 AND m.previous_secret_expires_at > $2)"
            )))
            .bind(hash)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
            row.as_ref().map(machine_from_row).transpose()
        })
        .await
    }

    async fn insert_machine_scope(&self, from: &str, to: &str, now: i64) -> StoreResult<()> {
        run(async {
            query("INSERT INTO machine_scopes (from_machine_id, to_machine_id, created_at) VALUES ($1, $2, $3)")
                .bind(from)
                .bind(to)
                .bind(now)
                .execute(&self.pool)
                .await
                .map_err(Error::unique(|_| "machine_scope"))?;
            Ok(())
        })
        .await
    }

    async fn delete_machine_scope(&self, from: &str, to: &str) -> StoreResult<bool> {
        run(async {
            let done = query("DELETE FROM machine_scopes WHERE from_machine_id = $1 AND to_machine_id = $2")
                .bind(from)
                .bind(to)
                .execute(&self.pool)
                .await?;
            Ok(done.rows_affected() == 1)
        })
        .await
    }

    async fn insert_m2m_token(&self, t: &M2MTokenRecord) -> StoreResult<()> {
        run(async {
            query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO m2m_tokens ({TOKEN_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
            )))
            .bind(t.id.as_str())
            .bind(t.machine_id.as_str())
            .bind(t.token_hash.as_str())
            .bind(claims_doc(&t.claims)?)
            .bind(to_doc(&t.scopes)?)
            .bind(bool_int(t.revoked))
            .bind(t.revocation_reason.clone())
            .bind(t.expiration)
            .bind(t.last_used_at)
            .bind(t.created_at)
            .bind(t.updated_at)
            .execute(&self.pool)
            .await
            .map_err(Error::unique(|_| "id"))?;
            Ok(())
        })
        .await
    }

    async fn get_m2m_token(&self, id: &str) -> StoreResult<Option<M2MTokenRecord>> {
        run(async {
            let row = query(sqlx::AssertSqlSafe(format!("SELECT {TOKEN_COLS} FROM m2m_tokens WHERE id = $1")))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
            row.as_ref().map(token_from_row).transpose()
        })
        .await
    }

    async fn find_m2m_token(&self, hash: &str) -> StoreResult<Option<M2MTokenRecord>> {
        run(async {
            let row = query(sqlx::AssertSqlSafe(format!("SELECT {TOKEN_COLS} FROM m2m_tokens WHERE token_hash = $1")))
                .bind(hash)
                .fetch_optional(&self.pool)
                .await?;
            row.as_ref().map(token_from_row).transpose()
        })
        .await
    }

    async fn list_m2m_tokens(
        &self,
        machine_id: &str,
        revoked: bool,
        expired: bool,
        now: i64,
        page: Page,
    ) -> StoreResult<(Vec<M2MTokenRecord>, i64)> {
        run(async {
            let build = |select: &str| {
                let mut sql = Sql::new(select);
                let m = sql.arg_text(machine_id);
                let mut conds = vec![format!("machine_id = {m}")];
                if !revoked {
                    conds.push("revoked = 0".to_owned());
                }
                if !expired {
                    let n = sql.arg_int(now);
                    conds.push(format!("(expiration IS NULL OR expiration > {n})"));
                }
                sql.push_where(&conds);
                sql
            };
            let total: i64 = get(&build("SELECT COUNT(*) FROM m2m_tokens").query().fetch_one(&self.pool).await?, 0)?;
            let mut sql = build(&format!("SELECT {TOKEN_COLS} FROM m2m_tokens"));
            sql.push(" ORDER BY created_at DESC, id DESC");
            sql.push_page(page);
            let rows = sql.query().fetch_all(&self.pool).await?;
            Ok((rows.iter().map(token_from_row).collect::<Result<Vec<_>>>()?, total))
        })
        .await
    }

    async fn revoke_m2m_token(&self, id: &str, reason: Option<&str>, now: i64) -> StoreResult<Option<M2MTokenRecord>> {
        run(async {
            let mut tx = self.begin_write().await?;
            query(
                "UPDATE m2m_tokens SET revoked = 1, revocation_reason = $1, updated_at = $2 WHERE id = $3 AND revoked = 0",
            )
            .bind(reason.map(str::to_owned))
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            let row = query(sqlx::AssertSqlSafe(format!("SELECT {TOKEN_COLS} FROM m2m_tokens WHERE id = $1")))
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
            let token = row.as_ref().map(token_from_row).transpose()?;
            tx.commit().await?;
            Ok(token)
        })
        .await
    }

    async fn touch_m2m_token(&self, id: &str, now: i64) -> StoreResult<()> {
        run(async {
            query("UPDATE m2m_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(now)
                .bind(id)
                .execute(&self.pool)
                .await?;
            Ok(())
        })
        .await
    }

    async fn insert_api_key(&self, k: &ApiKeyRecord) -> StoreResult<()> {
        run(async {
            query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO api_keys ({KEY_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
            )))
            .bind(k.id.as_str())
            .bind(k.key_type.as_str())
            .bind(k.name.as_str())
            .bind(k.description.clone())
            .bind(k.subject.as_str())
            .bind(claims_doc(&k.claims)?)
            .bind(to_doc(&k.scopes)?)
            .bind(k.secret_hash.as_str())
            .bind(k.secret_sealed.as_str())
            .bind(bool_int(k.revoked))
            .bind(k.revocation_reason.clone())
            .bind(k.expiration)
            .bind(k.created_by.clone())
            .bind(k.last_used_at)
            .bind(k.created_at)
            .bind(k.updated_at)
            .execute(&self.pool)
            .await
            .map_err(Error::unique(|t| if t.contains("secret") { "secret" } else { "id" }))?;
            Ok(())
        })
        .await
    }

    async fn get_api_key(&self, id: &str) -> StoreResult<Option<ApiKeyRecord>> {
        run(async {
            let row = query(sqlx::AssertSqlSafe(format!("SELECT {KEY_COLS} FROM api_keys WHERE id = $1")))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
            row.as_ref().map(key_from_row).transpose()
        })
        .await
    }

    async fn find_api_key(&self, hash: &str) -> StoreResult<Option<ApiKeyRecord>> {
        run(async {
            let row = query(sqlx::AssertSqlSafe(format!("SELECT {KEY_COLS} FROM api_keys WHERE secret_hash = $1")))
                .bind(hash)
                .fetch_optional(&self.pool)
                .await?;
            row.as_ref().map(key_from_row).transpose()
        })
        .await
    }

    async fn list_api_keys(&self, f: &ApiKeyFilter, now: i64, page: Page) -> StoreResult<(Vec<ApiKeyRecord>, i64)> {
        run(async {
            let build = |select: &str| {
                let mut sql = Sql::new(select);
                let s = sql.arg_text(f.subject.as_str());
                let t = sql.arg_text(f.key_type.as_str());
                let mut conds = vec![format!("subject = {s}"), format!("key_type = {t}")];
                if !f.include_invalid {
                    let n = sql.arg_int(now);
                    conds.push(format!("revoked = 0 AND (expiration IS NULL OR expiration > {n})"));
                }
                if let Some(q) = f.query.as_deref() {
                    let like = sql.arg_text(like_contains(&q.to_lowercase()));
                    conds.push(format!("LOWER(name) LIKE {like} ESCAPE '\\'"));
                }
                sql.push_where(&conds);
                sql
            };
            let total: i64 = get(&build("SELECT COUNT(*) FROM api_keys").query().fetch_one(&self.pool).await?, 0)?;
            let mut sql = build(&format!("SELECT {KEY_COLS} FROM api_keys"));
            sql.push(" ORDER BY created_at DESC, id DESC");
            sql.push_page(page);
            let rows = sql.query().fetch_all(&self.pool).await?;
            Ok((rows.iter().map(key_from_row).collect::<Result<Vec<_>>>()?, total))
        })
        .await
    }

    async fn update_api_key(&self, k: &ApiKeyRecord) -> StoreResult<bool> {
        run(async {
            let done = query(
                "UPDATE api_keys SET description = $1, subject = $2, claims = $3, scopes = $4, expiration = $5, \
                 updated_at = $6 WHERE id = $7",
            )
            .bind(k.description.clone())
            .bind(k.subject.as_str())
            .bind(claims_doc(&k.claims)?)
            .bind(to_doc(&k.scopes)?)
            .bind(k.expiration)
            .bind(k.updated_at)
            .bind(k.id.as_str())
            .execute(&self.pool)
            .await?;
            Ok(done.rows_affected() == 1)
        })
        .await
    }

    async fn delete_api_key(&self, id: &str) -> StoreResult<bool> {
        run(async {
            let done = query("DELETE FROM api_keys WHERE id = $1").bind(id).execute(&self.pool).await?;
            Ok(done.rows_affected() == 1)
        })
        .await
    }

    async fn revoke_api_key(&self, id: &str, reason: Option<&str>, now: i64) -> StoreResult<Option<ApiKeyRecord>> {
        run(async {
            let mut tx = self.begin_write().await?;
            query(
                "UPDATE api_keys SET revoked = 1, revocation_reason = $1, updated_at = $2 WHERE id = $3 AND revoked = 0",
            )
            .bind(reason.map(str::to_owned))
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            let row = query(sqlx::AssertSqlSafe(format!("SELECT {KEY_COLS} FROM api_keys WHERE id = $1")))
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
            let key = row.as_ref().map(key_from_row).transpose()?;
            tx.commit().await?;
            Ok(key)
        })
        .await
    }

    async fn touch_api_key(&self, id: &str, now: i64) -> StoreResult<()> {
        run(async {
            query("UPDATE api_keys SET last_used_at = $1 WHERE id = $2").bind(now).bind(id).execute(&self.pool).await?;
            Ok(())
        })
        .await
    }

    async fn sealed_machine_secrets(&self) -> StoreResult<(Vec<(String, String)>, Vec<(String, String)>)> {
        run(async {
            let pairs = |rows: Vec<AnyRow>| -> Result<Vec<(String, String)>> {
                rows.iter().map(|r| Ok((get(r, 0)?, get(r, 1)?))).collect()
            };
            let m = query("SELECT id, secret_sealed FROM machines").fetch_all(&self.pool).await?;
            let k = query("SELECT id, secret_sealed FROM api_keys").fetch_all(&self.pool).await?;
            Ok((pairs(m)?, pairs(k)?))
        })
        .await
    }

    async fn reseal_machine_secrets(
        &self,
        machines: &[(String, String)],
        api_keys: &[(String, String)],
    ) -> StoreResult<()> {
        run(async {
            let mut tx = self.begin_write().await?;
            for (sql, pairs) in [
                ("UPDATE machines SET secret_sealed = $1 WHERE id = $2", machines),
                ("UPDATE api_keys SET secret_sealed = $1 WHERE id = $2", api_keys),
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
