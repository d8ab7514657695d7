//! Administrative SQL outside the store's own database, for test and operations scripts only:
//! e.g. creating a fresh PostgreSQL database for one test run.

use sqlx::{AssertSqlSafe, Connection};

use crate::sql::query;

/// Runs one statement on `url` over a fresh connection (no migrations).
pub async fn admin_execute(url: &str, sql: &str) -> Result<(), tessera_core::store::StoreError> {
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url)
        .await
        .map_err(|e| tessera_core::store::StoreError::Backend(format!("connect: {e}")))?;
    query(AssertSqlSafe(sql.to_owned()))
        .execute(&mut conn)
        .await
        .map_err(|e| tessera_core::store::StoreError::Backend(format!("execute: {e}")))?;
    let _ = conn.close().await;
    Ok(())
}
