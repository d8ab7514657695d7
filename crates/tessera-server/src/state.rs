//! Shared state of the handlers.

use tessera_core::Tessera;

use crate::ratelimit::Limiter;

pub struct AppState {
    pub app: Tessera,
    pub max_body_bytes: usize,
    pub jwks_max_age_secs: u64,
    /// Per secret key, on `/v1`.
    pub per_key: Limiter,
    /// Per client address, on `/.well-known/*`.
    pub well_known: Limiter,
    /// Failed authentication attempts per client address.
    pub failed_auth: Limiter,
}
