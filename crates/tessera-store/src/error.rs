//! The store's own error: what the SQL code returns internally, so `?` works on every sqlx call. It
//! becomes the core's [`StoreError`] once, at the trait boundary ([`run`]).

use std::future::Future;

use tessera_core::store::{StoreError, StoreResult};

/// A failure inside the store.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database or the driver failed (becomes `StoreError::Backend`, for logs only).
    #[error("store backend: {0}")]
    Sqlx(#[from] sqlx::Error),
    /// A uniqueness rule was broken on this field (becomes `StoreError::Conflict`).
    #[error("unique constraint on {0}")]
    Conflict(&'static str),
    /// Anything else: a document that does not encode or decode, an unexpected value in a column,
    /// a bad URL (becomes `StoreError::Backend`).
    #[error("store backend: {0}")]
    Other(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<Error> for StoreError {
    fn from(e: Error) -> StoreError {
        match e {
            Error::Sqlx(e) => StoreError::Backend(e.to_string()),
            Error::Conflict(field) => StoreError::Conflict(field.to_string()),
            Error::Other(text) => StoreError::Backend(text),
        }
    }
}

impl Error {
    /// Maps a uniqueness violation to `Conflict(pick(constraint text))`, anything else to `Sqlx`.
    /// The text is the constraint name (PostgreSQL) or the message (SQLite, which names the
    /// columns), lowercased.
    pub(crate) fn unique(pick: impl Fn(&str) -> &'static str) -> impl FnOnce(sqlx::Error) -> Error {
        move |e| match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                Error::Conflict(pick(&db.constraint().unwrap_or_else(|| db.message()).to_ascii_lowercase()))
            }
            _ => Error::Sqlx(e),
        }
    }
}

/// Runs one trait method's body and converts its error into the core's [`StoreError`]: the one place
/// where the store's errors cross the trait.
pub(crate) async fn run<T>(body: impl Future<Output = Result<T>>) -> StoreResult<T> {
    body.await.map_err(StoreError::from)
}

/// For a uniqueness rule with one field besides the primary key.
pub(crate) fn only_id(_: &str) -> &'static str {
    "id"
}
