//! tessera-store: the only SQL in Tessera. One [`Store`](tessera_core::store::Store) implementation,
//! [`SqlStore`], over `sqlx::Any` so the same code path serves SQLite (the default, a file created on
//! first use) and PostgreSQL (by URL), plus the embedded migrations in `migrations/`.
//!
//! What it must not do: hold state that matters for correctness outside the database (several server
//! nodes may share one PostgreSQL database), decide business rules (that is `tessera-core`), or leak
//! data values into error text where avoidable (`StoreError::Backend` is for logs only).
//!
//! Storage shape: each object keeps its whole wire form as JSON in a `doc TEXT` column; the other
//! columns exist to filter, sort, or enforce uniqueness, and are recomputed from the object on every
//! write. SQL is portable (`$N` placeholders, BIGINT epoch-ms timestamps, BIGINT 0/1 booleans, TEXT
//! JSON). Multi-row writes run in one transaction; on SQLite write transactions start with
//! `BEGIN IMMEDIATE` so that they queue on `busy_timeout` instead of failing with `SQLITE_BUSY`.
//!
//! Layout: `pool` (connecting, migrations, transactions), `sql` (the statement builder and row
//! helpers), `error` (the store's own error, converted to `StoreError` at the trait), and one module
//! per resource, each holding one `impl` of a sub-trait of `Store`: `keys` (instance, signing and
//! secret keys), `users`, `contacts` (edits of a user in one transaction, and the owner of an
//! email address or phone number), `passwords` (users' password hashes), `sessions`, `organizations`
//! (with memberships), `roles` (permissions, roles and role sets), `templates` (with the mint read,
//! `impl Store`), `session_claims` (the instance's custom session claims), `actor_tokens`
//! (impersonation), `invitations` (instance and organization invitations), `webhooks` (webhook endpoints, the fan-out
//! of the event log into messages, leased claims and the attempt log), `machines` (machines, their scopes,
//! opaque M2M tokens and API keys).

mod actor_tokens;
mod admin;
mod contacts;
mod error;
pub mod events;
mod invitations;
mod keys;
mod machines;
mod organizations;
mod passwords;
mod pool;
mod role_sets;
mod roles;
mod session_claims;
mod sessions;
mod sql;
mod templates;
mod users;
mod webhooks;

pub use admin::admin_execute;
pub use error::Error;
pub use pool::{PoolStats, SqlStore};
pub use sql::statements_sent;
