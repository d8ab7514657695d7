//! Webhooks (a Tessera extension, routes under `/v1/tessera/webhooks/…`): endpoints with their
//! `whsec_` secrets, the rules that turn the event log into messages, Svix-compatible signing, the
//! retry schedule, and the URL policy. The delivery itself (HTTP, the worker, DNS) is the server's;
//! everything here is pure or goes through the `Store`.
//!
//! - `policy`: which URLs may receive deliveries (http/https; loopback, private, link-local and
//!   unspecified addresses only when the operator allows them), the retry schedule and its parsing.
//! - `endpoints`: endpoint CRUD and secret rotation (secrets sealed with the master key, answered
//!   only at creation and rotation).
//! - `delivery`: the fan-out plan, preparing a signed attempt, recording its outcome, the message
//!   and attempt logs, replay and retention.

mod delivery;
mod endpoints;
mod policy;

pub use delivery::{AttemptOutcome, PreparedDelivery, plan_messages};
pub(crate) use endpoints::reseal_secrets;
pub use endpoints::{
    CREATE_WEBHOOK_ENDPOINT, DEFAULT_SECRET_OVERLAP_SECONDS, MAX_SECRET_OVERLAP_SECONDS, ROTATE_WEBHOOK_SECRET,
    UPDATE_WEBHOOK_ENDPOINT,
};
pub use policy::{
    DEFAULT_RETRY_SCHEDULE, UrlPolicy, WebhookSettings, check_url, format_duration_ms, ip_allowed, parse_duration_ms,
    parse_schedule,
};
