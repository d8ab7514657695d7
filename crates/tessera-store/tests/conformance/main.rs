//! The store conformance suite: one `check_*` function per behaviour of the `Store` contract, each run
//! against SQLite (a temp file) and PostgreSQL (a fresh database per test, created through the server
//! named by `TESSERA_TEST_DATABASE_URL`). Without that variable the PostgreSQL tests print a notice and
//! pass, unless `CI` is set, in which case they fail.

mod actor_tokens;
mod contacts;
mod events;
mod fixtures;
mod invitations;
mod keys;
mod list_filters;
mod machines;
mod nodes;
mod organizations;
mod passwords;
mod roles;
mod session_claims;
mod sessions;
mod templates;
mod tls;
mod users;
mod webhooks;

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use fixtures::{ok, open};
use tessera_core::store::{InstanceStore, StoreError};
use tessera_store::SqlStore;

// ---- harness ----------------------------------------------------------------------------------------

enum TestDb {
    Sqlite { _dir: tempfile::TempDir, url: String },
    Postgres { admin_url: String, name: String, url: String },
}

impl TestDb {
    fn url(&self) -> String {
        match self {
            TestDb::Sqlite { url, .. } | TestDb::Postgres { url, .. } => url.clone(),
        }
    }

    async fn cleanup(self) {
        if let TestDb::Postgres { admin_url, name, .. } = self
            && let Ok(mut conn) = admin_connection(&admin_url).await
        {
            let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            let _ = sqlx::query(sqlx::AssertSqlSafe(drop)).execute(&mut conn).await;
        }
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Sqlite,
    Postgres,
}

async fn admin_connection(url: &str) -> Result<sqlx::AnyConnection, sqlx::Error> {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    sqlx::AnyConnection::connect(url).await
}

fn unique_suffix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default();
    format!("{}_{}_{}", std::process::id(), nanos % 1_000_000_000_000, COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// The same server URL pointing at database `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_start = base.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = base[authority_start..].find('/').map(|i| authority_start + i).unwrap_or(base.len());
    let mut out = format!("{}/{}", &base[..path_start], name);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

async fn create_db(kind: Kind) -> Option<TestDb> {
    match kind {
        Kind::Sqlite => {
            let dir = match tempfile::tempdir() {
                Ok(d) => d,
                Err(e) => panic!("tempdir: {e}"),
            };
            let url = format!("sqlite://{}", dir.path().join("tessera.sqlite").display());
            Some(TestDb::Sqlite { _dir: dir, url })
        }
        Kind::Postgres => {
            let Some(admin_url) = std::env::var("TESSERA_TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) else {
                if std::env::var_os("CI").is_some() {
                    panic!(
                        "TESSERA_TEST_DATABASE_URL is not set but CI is: the PostgreSQL conformance \
                         tests must run in CI (e.g. postgres://postgres@127.0.0.1:5432/test)"
                    );
                }
                eprintln!("notice: TESSERA_TEST_DATABASE_URL not set; skipping a PostgreSQL test");
                return None;
            };
            let name = format!("tessera_test_{}", unique_suffix());
            let mut conn = match admin_connection(&admin_url).await {
                Ok(c) => c,
                Err(e) => panic!("connecting to TESSERA_TEST_DATABASE_URL: {e}"),
            };
            let create = format!("CREATE DATABASE {name}");
            if let Err(e) = sqlx::query(sqlx::AssertSqlSafe(create)).execute(&mut conn).await {
                panic!("creating test database {name}: {e}");
            }
            let url = with_database(&admin_url, &name);
            Some(TestDb::Postgres { admin_url, name, url })
        }
    }
}

/// Runs `body(url)` on a fresh database, then drops the database even if the body panicked.
async fn run<F, Fut>(kind: Kind, body: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(db) = create_db(kind).await else {
        return;
    };
    let outcome = tokio::spawn(body(db.url())).await;
    db.cleanup().await;
    if let Err(e) = outcome {
        if e.is_panic() {
            std::panic::resume_unwind(e.into_panic());
        }
        panic!("test task failed: {e}");
    }
}

macro_rules! conformance {
    (store: [$($m:ident::$check:ident),* $(,)?], url: [$($um:ident::$url_check:ident),* $(,)?]) => {
        conformance!(@backend sqlite, Kind::Sqlite, [$($m::$check),*], [$($um::$url_check),*]);
        conformance!(@backend postgres, Kind::Postgres, [$($m::$check),*], [$($um::$url_check),*]);
    };
    (@backend $module:ident, $kind:expr, [$($m:ident::$check:ident),*], [$($um:ident::$url_check:ident),*]) => {
        mod $module {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $check() {
                    run($kind, |url| async move {
                        let store = open(&url).await;
                        crate::$m::$check(&store).await;
                        store.close().await;
                    })
                    .await;
                }
            )*
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $url_check() {
                    run($kind, crate::$um::$url_check).await;
                }
            )*
        }
    };
}

conformance!(
    store: [
        keys::check_ping,
        users::check_users_crud,
        users::check_user_conflicts,
        users::check_update_user_replaces_identifiers,
        users::check_list_users_filters,
        users::check_list_users_order_and_paging,
        users::check_ban_user,
        users::check_delete_user_cascade,
        contacts::check_contact_owner_and_edits,
        passwords::check_passwords,
        list_filters::check_user_list_partial_queries,
        list_filters::check_user_list_time_bounds,
        list_filters::check_user_list_id_prefixes,
        list_filters::check_user_list_wallets_and_accounts,
        list_filters::check_user_list_cursor,
        list_filters::check_organization_list_filters,
        sessions::check_sessions_effective_status,
        sessions::check_end_session,
        organizations::check_organizations,
        organizations::check_memberships,
        organizations::check_membership_filters,
        roles::check_bootstrap_is_idempotent,
        roles::check_memberships_read_their_role_permissions,
        roles::check_role_sets_reassign_memberships,
        templates::check_templates,
        templates::check_load_mint,
        templates::check_template_key_rotation,
        keys::check_instance_and_signing_keys,
        keys::check_secret_keys,
        keys::check_key_lifecycle,
        keys::check_secret_key_listing_and_deletion,
        keys::check_reseal_keys,
        session_claims::check_session_claims,
        session_claims::check_load_mint_reads_session_claims,
        actor_tokens::check_actor_tokens,
        actor_tokens::check_redeem_is_atomic,
        invitations::check_invitations_pending_once_per_address,
        invitations::check_user_creation_accepts_invitations_atomically,
        invitations::check_organization_invitations,
        machines::check_machines_and_scopes,
        machines::check_machine_secret_rotation,
        machines::check_m2m_tokens,
        machines::check_api_keys,
        events::check_writes_append_their_events,
        events::check_ban_appends_session_events,
    ],
    url: [
        nodes::check_instance_race,
        nodes::check_concurrent_writes,
        nodes::check_persistence_across_reconnect,
        nodes::check_reseal_is_atomic,
        contacts::check_concurrent_user_edits,
        roles::check_legacy_rows_are_adopted,
        session_claims::check_concurrent_session_claims_writes,
        actor_tokens::check_concurrent_redeems,
        machines::check_concurrent_revoke_and_verify,
        webhooks::check_webhook_fan_out_and_claims,
        webhooks::check_webhook_endpoints_round_trip,
        webhooks::check_concurrent_fan_out,
        events::check_concurrent_writers_and_a_follower,
        events::check_appends_wake_a_listener,
    ]
);

// ---- backend specifics ------------------------------------------------------------------------------

#[tokio::test]
async fn in_memory_sqlite_keeps_its_data_on_one_connection() {
    let store = open("sqlite::memory:").await;
    assert_eq!(store.backend_name(), "sqlite");
    users::check_users_crud(&store).await;
    organizations::check_memberships(&store).await;
    sessions::check_sessions_effective_status(&store).await;
    assert_eq!(ok(store.integrity_check().await), ["ok"]);
}

#[tokio::test]
async fn sqlite_file_is_created_in_wal_mode() {
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("tempdir: {e}"),
    };
    let path = dir.path().join("fresh.sqlite");
    assert!(!path.exists());
    let store = open(&format!("sqlite://{}", path.display())).await;
    assert!(path.exists());
    assert_eq!(store.backend_name(), "sqlite");
    assert_eq!(ok(store.integrity_check().await), ["ok"]);
    ok(store.ping().await);
    store.close().await;
    let mut conn = match admin_connection(&format!("sqlite://{}", path.display())).await {
        Ok(c) => c,
        Err(e) => panic!("reopen: {e}"),
    };
    let row = sqlx::query("PRAGMA journal_mode").fetch_one(&mut conn).await;
    let mode: String = match row.and_then(|r| sqlx::Row::try_get(&r, 0)) {
        Ok(m) => m,
        Err(e) => panic!("journal_mode: {e}"),
    };
    assert_eq!(mode.to_lowercase(), "wal");
}

#[tokio::test]
async fn postgres_reports_its_backend() {
    run(Kind::Postgres, |url| async move {
        let store = open(&url).await;
        assert_eq!(store.backend_name(), "postgres");
        assert_eq!(ok(store.integrity_check().await), ["ok"]);
        store.close().await;
    })
    .await;
}

#[test]
fn database_names_replace_the_path_of_the_url() {
    assert_eq!(with_database("postgres://postgres@127.0.0.1:5432/test", "x"), "postgres://postgres@127.0.0.1:5432/x");
    assert_eq!(with_database("postgres://u:p@h/test?sslmode=disable", "x"), "postgres://u:p@h/x?sslmode=disable");
    assert_eq!(with_database("postgres://h:5432", "x"), "postgres://h:5432/x");
}

#[tokio::test]
async fn unsupported_urls_are_refused() {
    match SqlStore::connect("mysql://localhost/x").await {
        Err(StoreError::Backend(_)) => {}
        other => panic!("expected a backend error, got {:?}", other.map(|_| ())),
    }
}
