//! Shared state of the handlers.

use tessera_core::Tessera;

pub struct AppState {
    pub app: Tessera,
    pub max_body_bytes: usize,
    pub jwks_max_age_secs: u64,
}
