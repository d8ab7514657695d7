//! The server's configuration as a value. It is assembled in `main` (defaults → `tessera.toml` →
//! `TESSERA_*` env → flags) and handed over whole; tests build it in code. Secrets redact in `Debug`.

use std::net::SocketAddr;
use std::path::PathBuf;

pub use crate::ratelimit::{LimiterClock, Rate};

/// A secret string: never printed by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Where the SQLite database and the master key file live.
    pub data_dir: PathBuf,
    /// `postgres://…` or `sqlite://…`; `None` means `<data_dir>/tessera.db`.
    pub database_url: Option<String>,
    /// Keep everything in memory (SQLite `:memory:`), nothing on disk.
    pub ephemeral: bool,
    /// A secret key to accept (pinned), instead of generating one on first start.
    pub secret_key: Option<Secret>,
    /// 32-byte master key (base64 or hex). `None`: read or create `<data_dir>/master.key`.
    pub master_key: Option<Secret>,
    /// PEM private key (RSA-2048) to use as the instance key, so tokens survive machines.
    pub signing_key_pem: Option<Secret>,
    /// `iss` of every token; default `http://<listen address>` recorded at first start.
    pub issuer: Option<String>,
    pub session_lifetime_secs: i64,
    pub session_abandon_secs: i64,
    /// 2 (default) or 1.
    pub session_token_version: u8,
    /// Largest request body accepted, bytes.
    pub max_body_bytes: usize,
    /// Largest signed token, bytes.
    pub max_token_bytes: usize,
    /// Largest session token, bytes (they travel in a cookie, capped at 4 KB by browsers); 0 leaves
    /// only `max_token_bytes`.
    pub max_session_token_bytes: usize,
    /// `Cache-Control: public, max-age=` of the JWKS.
    pub jwks_max_age_secs: u64,
    pub rate_limits: RateLimits,
    /// The rate limiters' time source (tests pass [`LimiterClock::manual`]).
    pub limiter_clock: LimiterClock,
    /// A seed document (users, organizations, sessions, templates) applied at start, idempotently.
    pub seed: Option<serde_json::Value>,
    /// Serve `GET /metrics` (unauthenticated; disable it, or keep the port private, where the figures
    /// should not be public).
    pub metrics: bool,
    /// Scheduled rotation: add a new instance key when the newest is older than this (seconds).
    pub rotate_keys_every_secs: Option<u64>,
    /// Serve the console at `/console` (on by default in emulator mode: `--ephemeral`, `--seed`).
    pub console: bool,
    /// The mint cache and its change feed (`tessera_core::mint_cache`).
    pub mint_cache: MintCacheConfig,
    pub webhooks: WebhookConfig,
}

/// Webhook delivery (docs/webhooks.md).
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookConfig {
    /// Run the delivery worker on this node (fan-out, attempts, retention).
    pub worker: bool,
    /// Deliver to loopback, private, link-local and unspecified addresses (`--webhooks-allow-private`).
    pub allow_private: bool,
    /// Deliver to loopback addresses (emulator mode: `--ephemeral` or `--seed`).
    pub allow_loopback: bool,
    /// Delay before each attempt, ms (`--webhooks-retry-schedule`, Svix's by default).
    pub retry_schedule_ms: Vec<i64>,
    /// Longest an attempt may take, ms (`--webhooks-timeout`, 15 s).
    pub attempt_timeout_ms: u64,
    /// How long delivered and failed messages and fanned-out events are kept, ms
    /// (`--webhooks-retention`, 7 days).
    pub retention_ms: i64,
    /// Attempts in flight at once on this node.
    pub max_in_flight: usize,
    /// How often the worker looks for new events and due messages when nothing wakes it, ms.
    pub poll_interval_ms: u64,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            worker: true,
            allow_private: false,
            allow_loopback: false,
            retry_schedule_ms: tessera_core::webhooks::WebhookSettings::default().retry_schedule_ms,
            attempt_timeout_ms: 15_000,
            retention_ms: 7 * 86_400_000,
            max_in_flight: 16,
            poll_interval_ms: 250,
        }
    }
}

/// How a node keeps mints in memory and follows the event log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MintCacheConfig {
    /// Records of each kind held (sessions, users, memberships); 0 turns the cache off.
    pub entries: usize,
    /// The staleness bound, ms: another node's change is seen by this node's mints within it.
    pub bound_ms: u64,
    /// How often the event log is read, ms (less than `bound_ms`). While the database's wake-ups
    /// are heard (`listen`), every `max(poll_ms, bound_ms / 4)`.
    pub poll_ms: u64,
    /// Listen for the database's wake-ups when it has them (PostgreSQL LISTEN/NOTIFY), so another
    /// node's change is read within milliseconds; polling stays the fallback (`feed.rs`).
    pub listen: bool,
}

impl Default for MintCacheConfig {
    fn default() -> Self {
        MintCacheConfig { entries: 20_000, bound_ms: 1_000, poll_ms: 100, listen: true }
    }
}

/// Request limits per node; see `ratelimit.rs`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimits {
    /// `/v1` requests per secret key.
    pub per_key: Rate,
    /// `/.well-known/*` requests per client address.
    pub well_known: Rate,
    /// Failed authentication attempts per client address.
    pub failed_auth: Rate,
}

impl RateLimits {
    /// Defaults for a served instance: 2,000 requests/s per key (burst 4,000), 100/s per address on
    /// `/.well-known` (burst 200), 30 failed authentications per minute per address.
    pub fn standard() -> Self {
        RateLimits {
            per_key: Rate::per_second(2_000),
            well_known: Rate::per_second(100),
            failed_auth: Rate::per_minute(30),
        }
    }

    /// Emulator mode (`--ephemeral`, `--seed`): no per-key or well-known limit; failed
    /// authentication is still limited.
    pub fn emulator() -> Self {
        RateLimits { per_key: Rate::OFF, well_known: Rate::OFF, failed_auth: Rate::per_minute(30) }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("tessera-data"),
            database_url: None,
            ephemeral: false,
            secret_key: None,
            master_key: None,
            signing_key_pem: None,
            issuer: None,
            session_lifetime_secs: 7 * 24 * 3600,
            session_abandon_secs: 30 * 24 * 3600,
            session_token_version: 2,
            max_body_bytes: 256 * 1024,
            max_token_bytes: 16 * 1024,
            max_session_token_bytes: tessera_core::session_claims::DEFAULT_MAX_SESSION_TOKEN_BYTES,
            jwks_max_age_secs: 300,
            rate_limits: RateLimits::standard(),
            limiter_clock: LimiterClock::default(),
            seed: None,
            webhooks: WebhookConfig::default(),
            metrics: true,
            rotate_keys_every_secs: None,
            console: false,
            mint_cache: MintCacheConfig::default(),
        }
    }
}
