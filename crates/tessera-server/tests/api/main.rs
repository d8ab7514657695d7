//! Integration tests: the real server on port 0, driven over HTTP. One test binary, a module per
//! resource.

mod helpers;

mod actor_tokens;
mod auth_and_errors;
mod binary_logs;
mod clerk_schema;
mod console;
mod contacts;
mod invitations;
mod keys;
mod limits;
mod list_filters;
mod machines;
mod metrics;
mod openapi;
mod organizations;
mod passwords;
mod roles;
mod secrets;
mod session_claims;
mod sessions;
mod store_failure;
mod template_keys;
mod template_preview;
mod templates;
mod tokens;
mod two_nodes;
mod users;
mod webhooks;
