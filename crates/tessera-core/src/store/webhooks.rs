//! Webhook delivery records and their sub-trait of [`Store`](super::Store): endpoints, the fan-out
//! cursor over the event log, one message per (event, endpoint), and the attempt log.
//!
//! Claiming is how several nodes share the work: a node claims due messages (moving each one's
//! `next_attempt_at` past its lease and counting the attempt) in one statement that skips rows
//! another node holds, so each attempt is made by one node; a node that dies mid-attempt only
//! delays the message by its lease. The fan-out reads the log after the cursor and writes the
//! messages and the new cursor in one transaction, holding the cursor's row, so one node fans
//! out at a time and an event is fanned out once.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::{EventRecord, Page, StoreResult};

/// A webhook endpoint as stored. Its secrets are sealed with the master key; `Debug` redacts them.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookEndpointRecord {
    /// `ep_…`.
    pub id: String,
    pub url: String,
    pub description: String,
    /// Event types this endpoint receives; `None` for all of them.
    pub filter_types: Option<Vec<String>>,
    pub disabled: bool,
    /// The `whsec_…` secret, sealed (`tessera_jwt::seal`, base64 text).
    pub secret_sealed: String,
    /// The previous secret after a rotation, sealed; it signs too until `old_secret_expires_at`.
    pub old_secret_sealed: Option<String>,
    pub old_secret_expires_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl std::fmt::Debug for WebhookEndpointRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookEndpointRecord")
            .field("id", &self.id)
            .field("url", &self.url)
            .field("description", &self.description)
            .field("filter_types", &self.filter_types)
            .field("disabled", &self.disabled)
            .field("secret_sealed", &"<redacted>")
            .field("old_secret_sealed", &self.old_secret_sealed.as_ref().map(|_| "<redacted>"))
            .field("old_secret_expires_at", &self.old_secret_expires_at)
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .finish()
    }
}

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookMessageStatus {
    /// Waiting for its next attempt (or being attempted).
    Pending,
    /// A 2xx answered one attempt.
    Delivered,
    /// Every attempt of the schedule failed; kept until retention prunes it, and replayable.
    Failed,
}

impl WebhookMessageStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookMessageStatus::Pending => "pending",
            WebhookMessageStatus::Delivered => "delivered",
            WebhookMessageStatus::Failed => "failed",
        }
    }
    pub fn parse(s: &str) -> Option<WebhookMessageStatus> {
        match s {
            "pending" => Some(WebhookMessageStatus::Pending),
            "delivered" => Some(WebhookMessageStatus::Delivered),
            "failed" => Some(WebhookMessageStatus::Failed),
            _ => None,
        }
    }
}

/// One event to one endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookMessageRecord {
    /// `wmsg_…`.
    pub id: String,
    pub endpoint_id: String,
    /// The event's id (`msg_…`): the `svix-id` of every attempt.
    pub event_id: String,
    pub event_seq: i64,
    pub event_type: String,
    /// The exact body sent and signed at every attempt (Clerk's event envelope, JSON text).
    pub payload: String,
    pub status: WebhookMessageStatus,
    /// Attempts made (claimed) so far.
    pub attempts: i64,
    /// When a pending message is due (during an attempt: when its lease ends); `None` once done.
    pub next_attempt_at: Option<i64>,
    pub last_attempt_at: Option<i64>,
    /// The HTTP status of the last answered attempt.
    pub last_status_code: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One attempt in the delivery log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookAttemptRecord {
    /// `atmpt_…`.
    pub id: String,
    pub message_id: String,
    pub endpoint_id: String,
    /// 1 for the first attempt of a message (counting again from 1 after a replay).
    pub attempt: i64,
    /// `succeeded` (a 2xx) or `failed`.
    pub status: String,
    /// The receiver's HTTP status, when it answered.
    pub response_status_code: Option<i64>,
    pub latency_ms: i64,
    /// What went wrong, short and without secrets (`None` on success).
    pub error: Option<String>,
    /// When the message is attempted again (`None`: delivered, or no attempt left).
    pub next_attempt_at: Option<i64>,
    pub created_at: i64,
}

/// A claimed message with its endpoint, ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedWebhookMessage {
    pub message: WebhookMessageRecord,
    pub endpoint: WebhookEndpointRecord,
}

/// Filters of the message list, ANDed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WebhookMessageFilter {
    pub endpoint_id: Option<String>,
    pub status: Option<WebhookMessageStatus>,
}

/// How many messages the outbox holds, for metrics and operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct WebhookOutboxStats {
    pub pending: i64,
    pub delivered: i64,
    pub failed: i64,
    /// `created_at` of the oldest pending message.
    pub oldest_pending_at: Option<i64>,
    /// The last event `seq` fanned out.
    pub cursor_seq: i64,
    /// The newest event `seq` in the log.
    pub last_event_seq: i64,
}

/// Turns events into messages, given the endpoints (the core's rule, run inside the store's
/// fan-out transaction).
pub type WebhookPlan<'a> =
    &'a (dyn Fn(&[EventRecord], &[WebhookEndpointRecord]) -> Vec<WebhookMessageRecord> + Send + Sync);

/// Webhook endpoints, messages and attempts.
#[async_trait]
pub trait WebhookStore: Send + Sync {
    /// `Conflict("id")` on a duplicate id.
    async fn insert_webhook_endpoint(&self, endpoint: &WebhookEndpointRecord) -> StoreResult<()>;
    async fn get_webhook_endpoint(&self, id: &str) -> StoreResult<Option<WebhookEndpointRecord>>;
    /// Every endpoint, oldest first.
    async fn list_webhook_endpoints(&self) -> StoreResult<Vec<WebhookEndpointRecord>>;
    /// Writes the whole record; false when it does not exist.
    async fn update_webhook_endpoint(&self, endpoint: &WebhookEndpointRecord) -> StoreResult<bool>;
    /// Deletes the endpoint with its messages and attempts, in one transaction; false when unknown.
    async fn delete_webhook_endpoint(&self, id: &str) -> StoreResult<bool>;

    /// Reads up to `limit` events after the cursor and, in one transaction, inserts the messages
    /// `plan` makes of them (for the endpoints stored now) and moves the cursor past them. Returns the
    /// number of events read, or `None` when another node holds the cursor right now.
    async fn fan_out_webhook_events(&self, limit: u32, now: i64, plan: WebhookPlan<'_>) -> StoreResult<Option<usize>>;
    /// The last event `seq` fanned out.
    async fn webhook_cursor(&self) -> StoreResult<i64>;

    /// Claims up to `limit` pending messages due at `now` whose endpoint is enabled, oldest event
    /// first: each one's `attempts` goes up by one, `last_attempt_at` becomes `now` and
    /// `next_attempt_at` `lease_until`. Rows another node is claiming are skipped, so two claimers
    /// never get the same message.
    async fn claim_webhook_messages(
        &self,
        now: i64,
        lease_until: i64,
        limit: u32,
    ) -> StoreResult<Vec<ClaimedWebhookMessage>>;
    /// Records an attempt and the message's new state (`status`, `next_attempt_at`) in one
    /// transaction, if the message is still pending at the attempt `attempt.attempt` (a node whose
    /// lease ran out and was overtaken records nothing). Returns whether it was recorded.
    async fn record_webhook_attempt(
        &self,
        attempt: &WebhookAttemptRecord,
        status: WebhookMessageStatus,
        next_attempt_at: Option<i64>,
    ) -> StoreResult<bool>;

    /// Newest event first, with the total.
    async fn list_webhook_messages(
        &self,
        filter: &WebhookMessageFilter,
        page: Page,
    ) -> StoreResult<(Vec<WebhookMessageRecord>, i64)>;
    async fn get_webhook_message(&self, id: &str) -> StoreResult<Option<WebhookMessageRecord>>;
    /// The attempts of a message, in the order they were made.
    async fn list_webhook_attempts(&self, message_id: &str) -> StoreResult<Vec<WebhookAttemptRecord>>;
    /// Makes delivered or failed messages pending again, due at `now`, with their attempts counted
    /// from zero: the one message `message_id`, or every failed message of `endpoint_id`. Returns how
    /// many.
    async fn replay_webhook_messages(&self, endpoint_id: &str, message_id: Option<&str>, now: i64) -> StoreResult<u64>;
    /// Deletes delivered and failed messages last changed before `before_ms`, with their attempts.
    async fn prune_webhook_messages(&self, before_ms: i64) -> StoreResult<u64>;
    async fn webhook_outbox_stats(&self) -> StoreResult<WebhookOutboxStats>;
    /// What there is to do, in one cheap read (the worker asks before any write transaction): the
    /// fan-out cursor, the newest event `seq`, and when the earliest pending message of an enabled
    /// endpoint is due.
    async fn webhook_work_hint(&self) -> StoreResult<(i64, i64, Option<i64>)>;
    /// Replaces the sealed secrets of endpoints (master key rotation): `(id, secret_sealed,
    /// old_secret_sealed)`, in one transaction.
    async fn reseal_webhook_secrets(&self, secrets: &[(String, String, Option<String>)]) -> StoreResult<()>;
}
