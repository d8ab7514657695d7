//! Startup: data directory, master key, store, instance, secret key, listener, graceful shutdown.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use tessera_core::clock::Clock;
use tessera_core::service::Opened;
use tessera_core::{CoreConfig, MasterKey, Tessera};
use tessera_jwt::{Algorithm, SigningKey};
use tessera_store::SqlStore;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::config::Config;
use crate::metrics::{Metrics, StoreProbe};
use crate::ratelimit::{Limiter, SWEEP_SECS};
use crate::routes::router;
use crate::state::AppState;

/// The real clock.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
    }
}

const MASTER_KEY_FILE: &str = "master.key";

/// Decodes a 32-byte key given as base64 (standard or URL-safe) or 64 hex characters.
pub fn decode_master_key(text: &str) -> Result<[u8; 32], String> {
    let t = text.trim();
    let bytes = if t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()) {
        hex::decode(t).map_err(|e| e.to_string())?
    } else {
        base64::engine::general_purpose::STANDARD
            .decode(t)
            .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(t.trim_end_matches('=')))
            .map_err(|_| "the master key must be 32 bytes as base64 or 64 hex characters".to_owned())?
    };
    bytes.try_into().map_err(|_| "the master key must be exactly 32 bytes".to_owned())
}

/// Reads `<data_dir>/master.key`, creating it (mode 0600) with a random key if missing.
fn master_key_from_file(data_dir: &Path) -> Result<[u8; 32], String> {
    let path = data_dir.join(MASTER_KEY_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => decode_master_key(&text).map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key: [u8; 32] = tessera_jwt::random_bytes();
            let text = base64::engine::general_purpose::STANDARD.encode(key);
            write_private_file(&path, text.as_bytes()).map_err(|e| format!("creating {}: {e}", path.display()))?;
            Ok(key)
        }
        Err(e) => Err(format!("reading {}: {e}", path.display())),
    }
}

#[cfg(unix)]
fn write_private_file(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    f.write_all(data)?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private_file(path: &Path, data: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, data)
}

/// Opens (or creates) the instance described by `config`: data directory, master key, database,
/// keys. Used by `serve` and by the offline `tessera keys` commands.
pub async fn open_core(config: &Config, clock: Arc<dyn Clock>) -> Result<Tessera, String> {
    Ok(open_core_with_store(config, clock).await?.0)
}

/// [`open_core`], also handing back the SQL store (for its pool figures in `/metrics`).
pub async fn open_core_with_store(config: &Config, clock: Arc<dyn Clock>) -> Result<(Tessera, SqlStore), String> {
    let uses_sqlite_file = config.database_url.as_deref().is_none_or(|u| u.starts_with("sqlite"));
    if !config.ephemeral && (uses_sqlite_file || config.master_key.is_none()) {
        std::fs::create_dir_all(&config.data_dir)
            .map_err(|e| format!("creating data directory {}: {e}", config.data_dir.display()))?;
    }
    let master = match (&config.master_key, config.ephemeral) {
        (Some(k), _) => decode_master_key(&k.0).map_err(|e| format!("TESSERA_MASTER_KEY: {e}"))?,
        (None, true) => tessera_jwt::random_bytes(),
        (None, false) => master_key_from_file(&config.data_dir)?,
    };
    let url = match (&config.database_url, config.ephemeral) {
        (Some(u), _) => u.clone(),
        (None, true) => "sqlite::memory:".to_owned(),
        (None, false) => format!("sqlite://{}", config.data_dir.join("tessera.db").display()),
    };
    let store = SqlStore::connect(&url).await.map_err(|e| format!("opening the database: {e}"))?;
    let pinned = match &config.signing_key_pem {
        None => None,
        Some(pem) => {
            Some(SigningKey::from_pem(Algorithm::RS256, &pem.0).map_err(|e| format!("the pinned signing key: {e}"))?)
        }
    };
    let core = CoreConfig {
        issuer: config.issuer.clone(),
        default_issuer: format!("http://{}", config.listen),
        session_lifetime_ms: config.session_lifetime_secs * 1000,
        session_abandon_ms: config.session_abandon_secs * 1000,
        session_token_version: config.session_token_version,
        max_token_bytes: config.max_token_bytes,
        max_session_token_bytes: config.max_session_token_bytes,
        key_publish_delay_ms: (config.jwks_max_age_secs as i64 + KEY_RELOAD_SECS as i64) * 1000,
        webhooks: tessera_core::webhooks::WebhookSettings {
            policy: tessera_core::webhooks::UrlPolicy {
                allow_private: config.webhooks.allow_private,
                allow_loopback: config.webhooks.allow_loopback,
            },
            retry_schedule_ms: config.webhooks.retry_schedule_ms.clone(),
        },
        mint_cache_entries: config.mint_cache.entries,
        change_feed_bound_ms: config.mint_cache.bound_ms as i64,
        ..CoreConfig::default()
    };
    let Opened { app, .. } =
        Tessera::open_with_key(Arc::new(store.clone()), clock, core, MasterKey(master), pinned).await?;
    Ok((app.with_cpu_pool(Arc::new(crate::cpu::BlockingPool::per_core())), store))
}

/// How often every node re-reads the signing keys (a rotation or retirement by another node or by
/// `tessera keys`): one small statement a second per node, until a change feed tells nodes instead.
/// Keys already parsed are reused, so a reload costs no decryption.
pub const KEY_RELOAD_SECS: u64 = 1;

/// Everything but the listener: returns the state and, on first start, the new secret key to print.
pub async fn prepare(config: &Config, clock: Arc<dyn Clock>) -> Result<(Arc<AppState>, Option<String>), String> {
    let (app, store) = open_core_with_store(config, clock).await?;
    let new_key = app
        .ensure_secret_key(config.secret_key.as_ref().map(|s| s.0.as_str()))
        .await
        .map_err(|e| format!("creating the secret key: {e}"))?;
    if let Some(seed) = &config.seed {
        let report = app.apply_seed(seed).await.map_err(|e| format!("applying the seed: {}", e.long_message))?;
        tracing::info!(created = report.created, existing = report.existing, "seed applied");
    }
    let state = Arc::new(AppState {
        app,
        max_body_bytes: config.max_body_bytes,
        jwks_max_age_secs: config.jwks_max_age_secs,
        per_key: Limiter::new(config.rate_limits.per_key, config.limiter_clock.clone()),
        well_known: Limiter::new(config.rate_limits.well_known, config.limiter_clock.clone()),
        failed_auth: Limiter::new(config.rate_limits.failed_auth, config.limiter_clock.clone()),
        webhook_wake: Arc::new(tokio::sync::Notify::new()),
        metrics: {
            let mut m = Metrics::new();
            m.register_collector(Box::new(StoreProbe(store)));
            m
        },
        metrics_enabled: config.metrics,
        ready_checks: vec![("the change feed is live", Box::new(change_feed_live))],
        console: config.console.then(crate::console::Console::default),
    });
    Ok((state, new_key))
}

/// Readiness: with the mint cache on, the change feed must have been read within the staleness
/// bound (a node that cannot follow it still answers correctly, reading the store per mint, but
/// should not take traffic first).
fn change_feed_live(app: &Tessera) -> Result<(), String> {
    if app.mint_cache_enabled() && !app.change_feed_fresh() {
        return Err("the change feed was not read within the staleness bound".to_owned());
    }
    Ok(())
}

/// A server running in the background (tests and `run`).
pub struct Running {
    pub addr: SocketAddr,
    pub state: Arc<AppState>,
    /// The secret key created on first start, if one was.
    pub new_secret_key: Option<String>,
    shutdown: Option<oneshot::Sender<()>>,
    handle: JoinHandle<()>,
}

impl Running {
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, lets in-flight requests finish, and waits.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = tokio::time::timeout(Duration::from_secs(10), &mut self.handle).await;
    }

    /// Waits until the server stops on its own.
    pub async fn wait(self) {
        let _ = self.handle.await;
    }
}

/// Prepares and binds; the server runs on the current tokio runtime until `stop`.
pub async fn start(mut config: Config, clock: Arc<dyn Clock>) -> Result<Running, String> {
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("listening on {}: {e}", config.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    config.listen = addr;
    let (state, new_secret_key) = prepare(&config, clock).await?;
    let app = router(state.clone());
    let (tx, rx) = oneshot::channel::<()>();
    let reloader = {
        let state = state.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(KEY_RELOAD_SECS));
            tick.tick().await;
            loop {
                tick.tick().await;
                if let Err(e) = state.app.reload_keys().await {
                    tracing::warn!(error = %e.long_message, "reloading signing keys failed; keeping the current ones");
                }
            }
        })
    };
    let rotator = config.rotate_keys_every_secs.filter(|s| *s > 0).map(|every| {
        let state = state.clone();
        tokio::spawn(async move {
            // Checked ten times per period (at most once a minute), so a key is at most that late.
            let check = Duration::from_secs((every / 10).clamp(1, 60));
            let mut tick = tokio::time::interval(check);
            loop {
                tick.tick().await;
                match state.app.rotate_signing_key_if_due(every.saturating_mul(1000) as i64).await {
                    Ok(Some(kid)) => tracing::info!(kid = %kid, "scheduled key rotation: new instance key published"),
                    Ok(None) => {}
                    Err(e) => tracing::warn!(error = %e.long_message, "scheduled key rotation failed; retrying"),
                }
            }
        })
    });
    let follower =
        tokio::spawn(crate::feed::follow(state.clone(), crate::feed::FeedSettings::from(&config.mint_cache)));
    let sweeper = {
        let state = state.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(SWEEP_SECS));
            loop {
                tick.tick().await;
                state.per_key.sweep();
                state.well_known.sweep();
                state.failed_auth.sweep();
            }
        })
    };
    let webhook_worker = if config.webhooks.worker {
        Some(crate::webhooks::spawn_worker(state.clone(), &config.webhooks)?)
    } else {
        None
    };
    let handle = tokio::spawn(async move {
        let result = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await;
        if let Err(e) = result {
            tracing::error!(error = %e, "server stopped with an error");
        }
        reloader.abort();
        sweeper.abort();
        if let Some(w) = webhook_worker {
            w.abort();
        }
        if let Some(r) = rotator {
            r.abort();
        }
        follower.abort();
    });
    Ok(Running { addr, state, new_secret_key, shutdown: Some(tx), handle })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// `tessera serve`: start, print the new secret key once, log the address, stop on SIGINT/SIGTERM.
pub async fn run(config: Config) -> Result<(), String> {
    let started = std::time::Instant::now();
    let running = start(config, Arc::new(SystemClock)).await?;
    if let Some(key) = &running.new_secret_key {
        // Printed once on first start to stdout, never logged.
        println!("Secret key (shown once, store it now): {key}");
    }
    tracing::info!(
        addr = %running.addr,
        instance = %running.state.app.instance_id(),
        issuer = %running.state.app.issuer(),
        ready_ms = started.elapsed().as_millis() as u64,
        "tessera listening on http://{}",
        running.addr
    );
    shutdown_signal().await;
    tracing::info!("shutting down");
    running.stop().await;
    Ok(())
}
