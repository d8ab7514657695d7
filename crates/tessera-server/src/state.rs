//! Shared state of the handlers.

use std::net::IpAddr;

use std::sync::Arc;

use tessera_core::Tessera;
use tokio::sync::Notify;

use crate::ratelimit::Limiter;

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
    /// The console's sign-ins; `None` when the console is off.
    pub console: Option<crate::console::Console>,
}
