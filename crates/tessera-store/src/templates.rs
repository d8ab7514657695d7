//! JWT templates (the document plus the sealed custom key and its longest token lifetime in their own
//! columns), the public keys of rotated custom keys (`jwt_template_retired_keys`), and the mint read,
//! which joins a template with the session, user, organization and membership it is rendered for.

use async_trait::async_trait;
use sqlx::Row;
use sqlx::any::AnyRow;
use tessera_core::events::{self, NewEvent};
use tessera_core::store::{MintRecords, Page, RetiredTemplateKey, Store, StoreResult, TemplateRecord, TemplateStore};
use tessera_types::Organization;

use crate::SqlStore;
use crate::error::{Error, Result, run};
use crate::events::append;
use crate::organizations::{membership_columns, membership_from_row, role_join};
use crate::session_claims::session_claims_from_row;
use crate::sessions::session_from_row;
use crate::sql::{from_doc, get, get_doc, get_opt_doc, page_values, query, to_doc};

fn template_unique_field(text: &str) -> &'static str {
    if text.contains("name") { "name" } else { "id" }
}

/// Rebuilds a template from `doc, signing_key_sealed, key_max_token_lifetime` at `offset`.
fn template_from_row(row: &AnyRow, offset: usize) -> Result<TemplateRecord> {
    Ok(TemplateRecord {
        template: get_doc(row, offset)?,
        signing_key_sealed: get(row, offset + 1)?,
        key_max_token_lifetime: get(row, offset + 2)?,
    })
}

fn retired_key_from_row(row: &AnyRow) -> Result<RetiredTemplateKey> {
    Ok(RetiredTemplateKey {
        template_id: get(row, 0)?,
        kid: get(row, 1)?,
        alg: get(row, 2)?,
        public_jwk: get_doc(row, 3)?,
        retired_at: get(row, 4)?,
        unpublish_at: get(row, 5)?,
    })
}

impl SqlStore {
    /// Runs `sql` (an INSERT, or an UPDATE, with `$1` = id, then name, sealed key, created, updated,
    /// doc, and for an INSERT the recorded lifetime) with `t` bound, after `before` (statements on `$1`
    /// and `$2`, the id and the sealed key), and appends the template's change event, in one
    /// transaction. Returns the number of rows written.
    async fn write_template(
        &self,
        before: &[&'static str],
        sql: &'static str,
        insert: bool,
        t: &TemplateRecord,
    ) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        for statement in before {
            query(*statement).bind(t.template.id.as_str()).bind(t.signing_key_sealed.clone()).execute(&mut *tx).await?;
        }
        let mut q = query(sql)
            .bind(t.template.id.as_str())
            .bind(t.template.name.as_str())
            .bind(t.signing_key_sealed.clone())
            .bind(t.template.created_at)
            .bind(t.template.updated_at)
            .bind(to_doc(&t.template)?);
        if insert {
            q = q.bind(t.key_max_token_lifetime);
        }
        let done = q.execute(&mut *tx).await.map_err(Error::unique(template_unique_field))?;
        if done.rows_affected() > 0 {
            append(&mut tx, &[NewEvent::internal(events::TEMPLATE_CHANGED, &t.template.id)]).await?;
            tx.commit().await?;
        }
        Ok(done.rows_affected())
    }

    async fn template_where(&self, sql: &'static str, value: &str) -> Result<Option<TemplateRecord>> {
        let row = query(sql).bind(value).fetch_optional(&self.pool).await?;
        row.map(|r| template_from_row(&r, 0)).transpose()
    }
}

#[async_trait]
impl TemplateStore for SqlStore {
    async fn insert_template(&self, t: &TemplateRecord) -> StoreResult<()> {
        run(async {
            let sql = "INSERT INTO jwt_templates \
                       (id, name, signing_key_sealed, created_at, updated_at, doc, key_max_token_lifetime) \
                       VALUES ($1, $2, $3, $4, $5, $6, $7)";
            self.write_template(&[], sql, true, t).await?;
            Ok(())
        })
        .await
    }

    async fn update_template(&self, t: &TemplateRecord) -> StoreResult<bool> {
        run(async {
            // A new key (or none) withdraws the rotated keys of the old one at once (docs/api.md).
            let drop_retired = "DELETE FROM jwt_template_retired_keys WHERE template_id = $1 AND EXISTS \
                                (SELECT 1 FROM jwt_templates WHERE id = $1 \
                                 AND COALESCE(signing_key_sealed, '') <> COALESCE($2, ''))";
            // The SET expressions read the row as it was: the recorded lifetime survives only with its key.
            let sql = "UPDATE jwt_templates SET name = $2, \
                       key_max_token_lifetime = CASE WHEN signing_key_sealed = $3 THEN key_max_token_lifetime END, \
                       signing_key_sealed = $3, created_at = $4, updated_at = $5, doc = $6 WHERE id = $1";
            Ok(self.write_template(&[drop_retired], sql, false, t).await? > 0)
        })
        .await
    }

    async fn get_template(&self, id: &str) -> StoreResult<Option<TemplateRecord>> {
        run(self.template_where(
            "SELECT doc, signing_key_sealed, key_max_token_lifetime FROM jwt_templates WHERE id = $1",
            id,
        ))
        .await
    }

    async fn get_template_by_name(&self, name: &str) -> StoreResult<Option<TemplateRecord>> {
        run(self.template_where(
            "SELECT doc, signing_key_sealed, key_max_token_lifetime FROM jwt_templates WHERE name = $1",
            name,
        ))
        .await
    }

    async fn delete_template(&self, id: &str) -> StoreResult<bool> {
        run(async {
            let mut tx = self.begin_write().await?;
            let done = query("DELETE FROM jwt_templates WHERE id = $1").bind(id).execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            append(&mut tx, &[NewEvent::internal(events::TEMPLATE_CHANGED, id)]).await?;
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    async fn list_templates(&self, page: Page) -> StoreResult<(Vec<TemplateRecord>, i64)> {
        run(async {
            let (limit, offset) = page_values(page);
            let rows = query(
                "SELECT doc, signing_key_sealed, key_max_token_lifetime FROM jwt_templates \
                 ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2",
            )
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.pool)
            .await?;
            let list = rows.iter().map(|r| template_from_row(r, 0)).collect::<Result<Vec<_>>>()?;
            let row = query("SELECT COUNT(*) FROM jwt_templates").fetch_one(&self.pool).await?;
            Ok((list, get(&row, 0)?))
        })
        .await
    }

    async fn note_template_key_lifetime(&self, id: &str, sealed: &str, seconds: i64) -> StoreResult<bool> {
        run(async {
            // Bookkeeping of the key, not a change of the template: no event (as for instance keys).
            let done = query(
                "UPDATE jwt_templates SET key_max_token_lifetime = CASE \
                 WHEN key_max_token_lifetime IS NULL OR key_max_token_lifetime < $1 THEN $1 \
                 ELSE key_max_token_lifetime END \
                 WHERE id = $2 AND signing_key_sealed = $3",
            )
            .bind(seconds)
            .bind(id)
            .bind(sealed)
            .execute(&self.pool)
            .await?;
            Ok(done.rows_affected() > 0)
        })
        .await
    }

    async fn rotate_template_key(
        &self,
        expected: &TemplateRecord,
        new: &TemplateRecord,
        retired: Option<&RetiredTemplateKey>,
        now: i64,
    ) -> StoreResult<bool> {
        run(async {
            let id = expected.template.id.as_str();
            let mut tx = self.begin_write().await?;
            // Compare-and-set on the version read: on PostgreSQL a concurrent writer's row lock makes
            // this wait and re-check the condition; SQLite serializes writers.
            let done = query(
                "UPDATE jwt_templates SET signing_key_sealed = $2, updated_at = $3, doc = $4, \
                 key_max_token_lifetime = NULL \
                 WHERE id = $1 AND updated_at = $5 AND COALESCE(signing_key_sealed, '') = $6 \
                 AND COALESCE(key_max_token_lifetime, -1) = $7",
            )
            .bind(id)
            .bind(new.signing_key_sealed.clone())
            .bind(new.template.updated_at)
            .bind(to_doc(&new.template)?)
            .bind(expected.template.updated_at)
            .bind(expected.signing_key_sealed.clone().unwrap_or_default())
            .bind(expected.key_max_token_lifetime.unwrap_or(-1))
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            query("DELETE FROM jwt_template_retired_keys WHERE template_id = $1 AND unpublish_at <= $2")
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            if let Some(k) = retired {
                query(
                    "INSERT INTO jwt_template_retired_keys \
                     (template_id, kid, alg, public_jwk, retired_at, unpublish_at) VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (template_id, kid) DO UPDATE SET alg = excluded.alg, \
                     public_jwk = excluded.public_jwk, retired_at = excluded.retired_at, \
                     unpublish_at = CASE WHEN excluded.unpublish_at > jwt_template_retired_keys.unpublish_at \
                     THEN excluded.unpublish_at ELSE jwt_template_retired_keys.unpublish_at END",
                )
                .bind(k.template_id.as_str())
                .bind(k.kid.as_str())
                .bind(k.alg.as_str())
                .bind(to_doc(&k.public_jwk)?)
                .bind(k.retired_at)
                .bind(k.unpublish_at)
                .execute(&mut *tx)
                .await?;
            }
            append(&mut tx, &[NewEvent::internal(events::TEMPLATE_CHANGED, id)]).await?;
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    async fn published_retired_template_keys(&self, now: i64) -> StoreResult<Vec<RetiredTemplateKey>> {
        run(async {
            let rows = query(
                "SELECT template_id, kid, alg, public_jwk, retired_at, unpublish_at \
                 FROM jwt_template_retired_keys WHERE unpublish_at > $1 \
                 ORDER BY retired_at DESC, template_id, kid",
            )
            .bind(now)
            .fetch_all(&self.pool)
            .await?;
            rows.iter().map(retired_key_from_row).collect()
        })
        .await
    }
}

// ---- minting ----------------------------------------------------------------------------------------

/// Everything a mint reads, in one statement (one round trip, one consistent snapshot): the session
/// (columns 0–3, as [`session_from_row`] reads them), its user (4), the template by name (5–7), the
/// active organization (8) and the user's membership in it with its role's permission keys and role (9–15),
/// and, always the **last** [`SESSION_CLAIMS_COLUMNS`] columns, the custom session claims (the
/// singleton row). Every join is by primary key or unique index, so the cost does not grow with the
/// number of rows; no `members_count` subquery.
const MINT_SELECT: &str = concat!(
    "SELECT s.doc, s.status, s.updated_at, s.last_active_organization_id, \
     u.doc, t.doc, t.signing_key_sealed, t.key_max_token_lifetime, o.doc, ",
    membership_columns!(),
    ", sc.claims, sc.created_at, sc.updated_at \
     FROM sessions s \
     LEFT JOIN users u ON u.id = s.user_id \
     LEFT JOIN jwt_templates t ON t.name = $2 \
     LEFT JOIN organizations o ON o.id = s.last_active_organization_id \
     LEFT JOIN memberships m ON m.organization_id = o.id AND m.user_id = s.user_id",
    role_join!(),
    " LEFT JOIN session_claims sc ON sc.singleton = 1",
    " WHERE s.id = $1"
);

/// The custom session claims are the last columns of [`MINT_SELECT`] and are read from the end of
/// the row, so columns added before them do not renumber them.
const SESSION_CLAIMS_COLUMNS: usize = 3;

fn mint_from_row(row: &AnyRow) -> Result<MintRecords> {
    let session = session_from_row(row)?;
    let user = get_opt_doc(row, 4)?;
    let template = match get::<Option<String>>(row, 5)? {
        None => None,
        Some(_) => Some(template_from_row(row, 5)?),
    };
    let active = match (get::<Option<String>>(row, 8)?, get::<Option<String>>(row, 9)?) {
        (Some(org_doc), Some(_)) => {
            let mut org: Organization = from_doc(&org_doc)?;
            org.members_count = None;
            org.pending_invitations_count = None;
            Some((org, membership_from_row(row, 9)?))
        }
        _ => None,
    };
    let session_claims = session_claims_from_row(row, row.len().saturating_sub(SESSION_CLAIMS_COLUMNS))?;
    Ok(MintRecords { session, user, template, active, session_claims })
}

#[async_trait]
impl Store for SqlStore {
    async fn load_mint(&self, session_id: &str, template_name: Option<&str>) -> StoreResult<Option<MintRecords>> {
        run(async {
            let row = self.fetch_optional_kept(|| query(MINT_SELECT).bind(session_id).bind(template_name)).await?;
            row.as_ref().map(mint_from_row).transpose()
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_fields_are_named_from_constraint_text() {
        assert_eq!(template_unique_field("jwt_templates_name_uq"), "name");
        assert_eq!(template_unique_field("jwt_templates_pkey"), "id");
    }
}
