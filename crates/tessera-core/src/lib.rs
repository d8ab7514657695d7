//! The rules of Tessera: users, organizations, memberships, sessions and their lifecycle, JWT templates
//! and their validation, the shortcode engine, and minting. It defines the [`store::Store`] and
//! [`clock::Clock`] traits and takes time as an argument. It must not do IO: no sqlx, axum, reqwest or
//! tokio here; its Cargo.toml proves it.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod actor_tokens;
pub mod api_keys;
pub mod clock;
pub mod contacts;
pub mod cpu;
pub mod error;
pub mod events;
pub mod fields;
pub mod ids;
pub mod invitations;
pub mod keyring;
pub mod lockout;
pub mod m2m;
pub mod machines;
pub mod metadata;
pub mod mint;
pub mod mint_cache;
pub mod org_invitations;
pub mod orgs;
pub mod passwords;
pub mod preview;
pub mod query;
pub mod role_sets;
pub mod roles;
pub mod seed;
pub mod service;
pub mod session_claims;
pub mod sessions;
pub mod shortcode;
pub mod store;
pub mod stripes;
pub mod template_keys;
pub mod templates;
pub mod users;
pub mod webhooks;

pub use error::{ApiError, ApiResult, ErrorKind};
pub use service::{CoreConfig, MasterKey, Tessera};
