//! Tessera's HTTP layer, and the only crate that knows HTTP: the axum router (one route table in
//! `routes.rs`), secret-key auth, the mapping of core errors to Clerk's envelope (`error.rs`), config
//! and startup. Handlers are thin: extract, call the core, convert. No SQL and no crypto here.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod auth;
pub mod body;
pub mod config;
pub mod console;
pub mod cpu;
pub mod error;
pub mod feed;
pub mod handlers;
pub mod metrics;
pub mod openapi;
pub mod ratelimit;
pub mod routes;
pub mod startup;
pub mod state;
pub mod striped;
pub mod webhooks;

pub use config::{Config, Secret};
pub use startup::{Running, SystemClock, open_core, open_core_with_store, prepare, run, start};
