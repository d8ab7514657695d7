//! Shared state of the handlers.

use std::net::IpAddr;

use std::sync::Arc;

use tessera_core::Tessera;
use tokio::sync::Notify;

use crate::metrics::Metrics;
use crate::ratelimit::Limiter;

/// A readiness condition beside the database (e.g. "the change feed is live"): `Err(reason)` makes
/// `/readyz` answer 503.
pub type ReadyCheck = Box<dyn Fn(&Tessera) -> Result<(), String> + Send + Sync>;

pub struct AppState {
    pub app: Tessera,
    pub max_body_bytes: usize,
    pub jwks_max_age_secs: u64,
    /// Per secret key (its SHA-256), on `/v1`.
    pub per_key: Limiter<[u8; 32]>,
    /// Per client address, on `/.well-known/*`.
    pub well_known: Limiter<IpAddr>,
    /// Failed authentication attempts per client address.
    pub failed_auth: Limiter<IpAddr>,
    /// Wakes the webhook worker after a write on this node (`webhooks.rs`).
    pub webhook_wake: Arc<Notify>,
    pub metrics: Metrics,
    /// `GET /metrics` answers (else 404).
    pub metrics_enabled: bool,
    /// Checked by `/readyz` after the database (empty until the change feed registers its own).
    pub ready_checks: Vec<(&'static str, ReadyCheck)>,
    /// The console's sign-ins; `None` when the console is off.
    pub console: Option<crate::console::Console>,
}
