//! Connecting: URL classification, the connection pool and its SQLite settings, migrations, write
//! transactions, and the connections kept aside for the mint hot path.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use sqlx::any::{AnyArguments, AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyConnection, AnyPool, AssertSqlSafe, Transaction};
use tessera_core::store::StoreError;

use crate::error::{Error, Result};
use crate::sql::{get, query};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// How long a SQLite connection waits for the write lock before giving up.
const SQLITE_BUSY_TIMEOUT_MS: u64 = 5_000;
/// Pool size for a SQLite file: WAL lets readers run beside the one writer.
const SQLITE_FILE_MAX_CONNECTIONS: u32 = 4;
const POSTGRES_MAX_CONNECTIONS: u32 = 10;

/// Connections kept aside for `load_mint`, at most this many (idle or in use).
const MINT_CONNECTIONS: usize = 6;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backend {
    Sqlite,
    Postgres,
}

/// The SQL implementation of [`tessera_core::store::Store`]. Cheap to clone: it wraps a connection
/// pool.
#[derive(Debug, Clone)]
pub struct SqlStore {
    pub(crate) pool: AnyPool,
    backend: Backend,
    /// Connections taken out of the pool (detached) for `load_mint`, the hot path: sqlx's pool pings
    /// every connection handed back to it, one more round trip (to the SQLite worker thread or the
    /// PostgreSQL server) per query, which these skip. They hold no state between uses (one
    /// autocommit SELECT each time); one that fails is dropped. `None` for an in-memory SQLite
    /// database, where another connection would open another, empty database.
    mint_conns: Option<Arc<MintConns>>,
    /// PostgreSQL: where the change-feed listener connects (`events.rs`); `None` on SQLite.
    pub(crate) listen_to: Option<crate::events::ListenTo>,
}

/// A snapshot of connection use ([`SqlStore::pool_stats`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    /// Connections open in the pool (idle or in use).
    pub size: u32,
    /// Of those, idle.
    pub idle: usize,
    /// The most the pool opens.
    pub max: u32,
    /// Connections kept aside for the mint read, outside the pool.
    pub kept: usize,
}

/// The connections kept for `load_mint`: idle ones, and how many exist (idle or in use).
#[derive(Debug, Default)]
struct MintConns {
    idle: Mutex<Vec<AnyConnection>>,
    total: AtomicUsize,
}

/// A kept connection in use. Dropped without [`Kept::give_back`] (an error, or the request went
/// away mid-query) it is closed and no longer counted.
struct Kept<'a> {
    conns: &'a MintConns,
    conn: Option<AnyConnection>,
}

impl Kept<'_> {
    fn give_back(mut self) {
        if let (Some(conn), Ok(mut idle)) = (self.conn.take(), self.conns.idle.lock()) {
            idle.push(conn);
        }
    }
}

impl Drop for Kept<'_> {
    fn drop(&mut self) {
        if self.conn.take().is_some() {
            self.conns.total.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

impl SqlStore {
    /// Connects and runs the migrations.
    ///
    /// - `sqlite://path/to/db.sqlite` (or `sqlite:path`): the file is created if missing; WAL journal,
    ///   `synchronous=NORMAL`, foreign keys on, 5 s busy timeout.
    /// - `sqlite::memory:`: a private in-memory database held by one connection that is never closed.
    /// - `postgres://…` / `postgresql://…`.
    pub async fn connect(url: &str) -> Result<SqlStore, StoreError> {
        Ok(Self::open(url).await?)
    }

    async fn open(url: &str) -> Result<SqlStore> {
        sqlx::any::install_default_drivers();
        let (backend, url, in_memory) = classify_url(url)?;
        let pool = match backend {
            Backend::Sqlite => {
                let options = AnyPoolOptions::new().test_before_acquire(false).after_connect(|conn, _meta| {
                    Box::pin(async move {
                        query("PRAGMA synchronous = NORMAL").execute(&mut *conn).await?;
                        query("PRAGMA foreign_keys = ON").execute(&mut *conn).await?;
                        query(AssertSqlSafe(format!("PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")))
                            .execute(&mut *conn)
                            .await?;
                        Ok(())
                    })
                });
                let options = if in_memory {
                    // Every new connection to `:memory:` would open a fresh, empty database: keep
                    // exactly one connection alive for the life of the pool.
                    options.max_connections(1).min_connections(1).idle_timeout(None).max_lifetime(None)
                } else {
                    options.max_connections(SQLITE_FILE_MAX_CONNECTIONS)
                };
                options.connect(&url).await?
            }
            Backend::Postgres => AnyPoolOptions::new().max_connections(POSTGRES_MAX_CONNECTIONS).connect(&url).await?,
        };
        let listen_to = match backend {
            Backend::Postgres => Some(crate::events::ListenTo::from_url(&url)?),
            Backend::Sqlite => None,
        };
        let store =
            SqlStore { pool, backend, mint_conns: (!in_memory).then(|| Arc::new(MintConns::default())), listen_to };
        if backend == Backend::Sqlite && !in_memory {
            store.enable_wal().await?;
        }
        MIGRATOR.run(&store.pool).await.map_err(|e| Error::Other(format!("migrations: {e}")))?;
        Ok(store)
    }

    /// The connection pool's size and idle connections now, and the connections kept aside for the
    /// mint path (`/metrics`).
    pub fn pool_stats(&self) -> PoolStats {
        PoolStats {
            size: self.pool.size(),
            idle: self.pool.num_idle(),
            max: self.pool.options().get_max_connections(),
            kept: self.mint_conns.as_ref().map_or(0, |k| k.total.load(Ordering::Acquire)),
        }
    }

    /// `"sqlite"` or `"postgres"`.
    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    pub(crate) fn is_postgres(&self) -> bool {
        self.backend == Backend::Postgres
    }

    /// SQLite: the rows of `PRAGMA integrity_check` (`["ok"]` when healthy). PostgreSQL: `["ok"]`.
    pub async fn integrity_check(&self) -> Result<Vec<String>, StoreError> {
        match self.backend {
            Backend::Postgres => Ok(vec!["ok".to_string()]),
            Backend::Sqlite => {
                let rows = query("PRAGMA integrity_check").fetch_all(&self.pool).await.map_err(Error::from)?;
                Ok(rows.iter().map(|r| get::<String>(r, 0)).collect::<Result<_>>()?)
            }
        }
    }

    /// Closes every connection of the pool (waits for checked-out connections to come back).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// WAL is a property of the database file, so setting it once per open is enough. Switching needs
    /// an exclusive lock that busy_timeout does not wait for, so a failure is only an error if the file
    /// is still not in WAL mode afterwards (another process may have switched it meanwhile).
    async fn enable_wal(&self) -> Result<()> {
        let set = query("PRAGMA journal_mode = WAL").fetch_optional(&self.pool).await;
        if let Ok(Some(row)) = &set
            && get::<String>(row, 0)?.eq_ignore_ascii_case("wal")
        {
            return Ok(());
        }
        let row = query("PRAGMA journal_mode").fetch_optional(&self.pool).await?;
        match row {
            Some(row) if get::<String>(&row, 0)?.eq_ignore_ascii_case("wal") => Ok(()),
            _ => Err(Error::Other("could not switch the SQLite database to WAL mode".to_string())),
        }
    }

    /// A transaction for writing. On SQLite it takes the write lock up front (`BEGIN IMMEDIATE`), so
    /// a read-then-write transaction never fails to upgrade its lock.
    pub(crate) async fn begin_write(&self) -> Result<Transaction<'static, Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// Runs `query()` (a one-row SELECT in autocommit) on a kept connection when there is one, else
    /// on one from the pool, which is then kept if there is room. A kept connection that fails (say
    /// the server closed it) is dropped and the read is retried on one from the pool, which checks
    /// its connections.
    pub(crate) async fn fetch_optional_kept(
        &self,
        query: impl Fn() -> sqlx::query::Query<'static, Any, AnyArguments>,
    ) -> Result<Option<AnyRow>> {
        let Some(kept) = &self.mint_conns else {
            return Ok(query().fetch_optional(&self.pool).await?);
        };
        let spare = kept.idle.lock().ok().and_then(|mut v| v.pop());
        if let Some(conn) = spare {
            let mut k = Kept { conns: kept, conn: Some(conn) };
            let result = match k.conn.as_mut() {
                Some(c) => query().fetch_optional(c).await.ok(),
                None => None,
            };
            if let Some(row) = result {
                k.give_back();
                return Ok(row);
            }
        }
        let mut conn = self.pool.acquire().await?;
        let row = query().fetch_optional(&mut *conn).await?;
        let room = kept
            .total
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < MINT_CONNECTIONS).then_some(n + 1))
            .is_ok();
        if room {
            Kept { conns: kept, conn: Some(conn.detach()) }.give_back();
        }
        Ok(row)
    }
}

/// Returns the backend, the URL to hand to sqlx, and whether it is an in-memory SQLite database.
pub(crate) fn classify_url(url: &str) -> Result<(Backend, String, bool)> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok((Backend::Postgres, url.to_string(), false));
    }
    if url.starts_with("sqlite:") {
        let (_, query) = url.split_once('?').unwrap_or((url, ""));
        let in_memory = url.contains(":memory:") || query.split('&').any(|p| p == "mode=memory");
        let has_mode = query.split('&').any(|p| p.starts_with("mode="));
        let url = if in_memory || has_mode {
            url.to_string()
        } else if url.contains('?') {
            format!("{url}&mode=rwc")
        } else {
            format!("{url}?mode=rwc")
        };
        return Ok((Backend::Sqlite, url, in_memory));
    }
    Err(Error::Other("unsupported database URL: expected sqlite:… or postgres://…".to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_create_the_file_unless_told_otherwise() {
        let cases = [
            ("sqlite://db.sqlite", "sqlite://db.sqlite?mode=rwc", false),
            ("sqlite:db.sqlite?cache=shared", "sqlite:db.sqlite?cache=shared&mode=rwc", false),
            ("sqlite://db.sqlite?mode=ro", "sqlite://db.sqlite?mode=ro", false),
            ("sqlite::memory:", "sqlite::memory:", true),
        ];
        for (input, url, memory) in cases {
            let (backend, out, in_memory) = classify_url(input).map_err(|e| e.to_string()).unwrap();
            assert_eq!(backend, Backend::Sqlite);
            assert_eq!(out, url);
            assert_eq!(in_memory, memory);
        }
        assert!(classify_url("mysql://x").is_err());
        assert_eq!(classify_url("postgres://u@h/db").map(|t| t.0).map_err(|e| e.to_string()), Ok(Backend::Postgres));
    }
}
