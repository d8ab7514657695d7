//! The rules of Tessera: users, organizations, memberships, sessions and their lifecycle, JWT templates
//! and their validation, the shortcode engine, and minting. It defines the [`store::Store`] trait and
//! takes time as an argument. It must not do IO: no sqlx, axum, reqwest or tokio::net here.

pub mod shortcode;
pub mod store;
