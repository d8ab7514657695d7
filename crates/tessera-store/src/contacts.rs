//! Email addresses and phone numbers: they live in their user's document and, as unique
//! identifiers, in `user_identifiers` (kind `email` or `phone`, found by `identifier_id`). A change
//! to one is an edit of the user, read and written back in one transaction.

use async_trait::async_trait;
use tessera_core::ApiError;
use tessera_core::events::{self, NewEvent};
use tessera_core::store::{ContactKind, ContactStore, StoreResult, UserEdit};
use tessera_types::User;

use crate::SqlStore;
use crate::error::{Error, run};
use crate::events::append;
use crate::sql::get_doc;
use crate::users::{KIND_EMAIL, KIND_PHONE, UserRow, replace_user};

fn kind_column(kind: ContactKind) -> &'static str {
    match kind {
        ContactKind::EmailAddress => KIND_EMAIL,
        ContactKind::PhoneNumber => KIND_PHONE,
    }
}

#[async_trait]
impl ContactStore for SqlStore {
    async fn get_contact_owner(&self, kind: ContactKind, id: &str) -> StoreResult<Option<User>> {
        run(async {
            let row = sqlx::query(
                "SELECT u.doc FROM user_identifiers i JOIN users u ON u.id = i.user_id \
                 WHERE i.identifier_id = $1 AND i.kind = $2",
            )
            .bind(id)
            .bind(kind_column(kind))
            .fetch_optional(&self.pool)
            .await?;
            row.map(|r| get_doc(&r, 0)).transpose()
        })
        .await
    }

    async fn edit_user(&self, user_id: &str, edit: UserEdit<'_>) -> StoreResult<Option<Result<User, ApiError>>> {
        run(async {
            let mut tx = self.begin_write().await?;
            // Take the row lock before reading: on PostgreSQL a concurrent edit of this user waits
            // here until this transaction ends, so the read below sees the latest committed user and
            // no edit is lost; on SQLite the transaction already holds the write lock.
            let held = sqlx::query("UPDATE users SET updated_at = updated_at WHERE id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            if held.rows_affected() == 0 {
                return Ok(None);
            }
            let row = sqlx::query("SELECT doc FROM users WHERE id = $1").bind(user_id).fetch_one(&mut *tx).await?;
            let mut user: User = get_doc(&row, 0)?;
            if let Err(refused) = edit(&mut user) {
                // Dropping the transaction rolls it back: nothing was written.
                return Ok(Some(Err(refused)));
            }
            if user.id != user_id {
                return Err(Error::Other("an edit changed the id of the user it edits".into()));
            }
            if !replace_user(&mut tx, &UserRow::from_user(&user)?).await? {
                return Ok(None);
            }
            append(&mut tx, &[NewEvent::user(events::USER_UPDATED, &user)]).await?;
            tx.commit().await?;
            Ok(Some(Ok(user)))
        })
        .await
    }
}
