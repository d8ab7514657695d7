//! From the event log to signed attempts: the fan-out plan (one message per event and endpoint that
//! wants it), preparing an attempt (Svix's headers over the stored body), recording its outcome with
//! the retry schedule, the message and attempt logs, replay and retention. The HTTP is the server's.

use tessera_types::{Paginated, WebhookAttempt, WebhookMessage, WebhookReplay, object};

use super::endpoints::{endpoint_not_found, secret_aad};
use super::policy::check_url;
use crate::error::{ApiError, ApiResult};
use crate::events::{is_webhook_event, payload};
use crate::ids;
use crate::query::QueryParams;
use crate::service::Tessera;
use crate::store::{
    ClaimedWebhookMessage, EventRecord, WebhookAttemptRecord, WebhookEndpointRecord, WebhookMessageFilter,
    WebhookMessageRecord, WebhookMessageStatus, WebhookOutboxStats,
};

/// Longest error text kept in the attempt log.
const MAX_ERROR_CHARS: usize = 300;

/// The messages for `events`: one per event that webhooks receive and enabled endpoint whose filter
/// takes its type, due `first_delay_ms` after `now`, with the body serialized once (every attempt
/// sends and signs these bytes).
pub fn plan_messages(
    events: &[EventRecord],
    endpoints: &[WebhookEndpointRecord],
    instance_id: &str,
    now: i64,
    first_delay_ms: i64,
) -> Vec<WebhookMessageRecord> {
    let mut out = Vec::new();
    for e in events.iter().filter(|e| is_webhook_event(&e.event_type)) {
        let wanted: Vec<&WebhookEndpointRecord> = endpoints
            .iter()
            .filter(|ep| !ep.disabled)
            .filter(|ep| ep.filter_types.as_ref().is_none_or(|types| types.contains(&e.event_type)))
            .collect();
        if wanted.is_empty() {
            continue;
        }
        let body = payload(e, instance_id).to_string();
        for ep in wanted {
            out.push(WebhookMessageRecord {
                id: ids::new_id(ids::WEBHOOK_MESSAGE, now),
                endpoint_id: ep.id.clone(),
                event_id: e.id.clone(),
                event_seq: e.seq,
                event_type: e.event_type.clone(),
                payload: body.clone(),
                status: WebhookMessageStatus::Pending,
                attempts: 0,
                next_attempt_at: Some(now + first_delay_ms),
                last_attempt_at: None,
                last_status_code: None,
                created_at: now,
                updated_at: now,
            });
        }
    }
    out
}

/// One attempt, ready to send: POST `body` to `url` with `headers`.
#[derive(Clone)]
pub struct PreparedDelivery {
    pub message_id: String,
    pub endpoint_id: String,
    pub attempt: i64,
    pub url: String,
    /// `svix-id`, `svix-timestamp`, `svix-signature` (and `content-type`).
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

impl std::fmt::Debug for PreparedDelivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedDelivery")
            .field("message_id", &self.message_id)
            .field("endpoint_id", &self.endpoint_id)
            .field("attempt", &self.attempt)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// What an attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptOutcome {
    /// The receiver's HTTP status, when it answered.
    pub status_code: Option<u16>,
    pub latency_ms: i64,
    /// Why it failed when it did not answer (timeout, connection refused, address refused, …).
    pub error: Option<String>,
}

impl AttemptOutcome {
    pub fn succeeded(&self) -> bool {
        self.status_code.is_some_and(|c| (200..300).contains(&c))
    }
}

fn message_object(r: &WebhookMessageRecord) -> WebhookMessage {
    WebhookMessage {
        object: object::WEBHOOK_MESSAGE.to_owned(),
        id: r.id.clone(),
        endpoint_id: r.endpoint_id.clone(),
        event_id: r.event_id.clone(),
        event_type: r.event_type.clone(),
        status: r.status.as_str().to_owned(),
        attempts: r.attempts,
        next_attempt_at: if r.status == WebhookMessageStatus::Pending { r.next_attempt_at } else { None },
        last_attempt_at: r.last_attempt_at,
        last_status_code: r.last_status_code,
        payload: serde_json::from_str(&r.payload).unwrap_or(serde_json::Value::Null),
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}

fn attempt_object(r: WebhookAttemptRecord) -> WebhookAttempt {
    WebhookAttempt {
        object: object::WEBHOOK_ATTEMPT.to_owned(),
        id: r.id,
        message_id: r.message_id,
        endpoint_id: r.endpoint_id,
        attempt: r.attempt,
        status: r.status,
        response_status_code: r.response_status_code,
        latency_ms: r.latency_ms,
        error: r.error,
        next_attempt_at: r.next_attempt_at,
        created_at: r.created_at,
    }
}

fn message_not_found(id: &str) -> ApiError {
    ApiError::not_found("Webhook message not found", format!("No webhook message was found with id {id}"))
}

/// Cuts text to `MAX_ERROR_CHARS` characters.
fn truncate(text: &str) -> String {
    match text.char_indices().nth(MAX_ERROR_CHARS) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_owned(),
    }
}

impl Tessera {
    /// Fans out up to `limit` events of the log into messages (one transaction, one node at a time).
    /// Returns how many events were read, or `None` when another node is fanning out.
    pub async fn fan_out_webhooks(&self, limit: u32) -> ApiResult<Option<usize>> {
        let now = self.now_ms();
        let first = self.config.webhooks.retry_schedule_ms.first().copied().unwrap_or(0);
        let instance = self.instance_id().to_owned();
        let plan = move |events: &[EventRecord], endpoints: &[WebhookEndpointRecord]| {
            plan_messages(events, endpoints, &instance, now, first)
        };
        Ok(self.store.fan_out_webhook_events(limit, now, &plan).await?)
    }

    /// What the worker has to do now, from one read: `(events to fan out, messages due)`.
    pub async fn webhook_work(&self) -> ApiResult<(bool, bool)> {
        let (cursor, last, next_due) = self.store.webhook_work_hint().await?;
        Ok((last > cursor, next_due.is_some_and(|at| at <= self.now_ms())))
    }

    /// Claims up to `limit` due messages for `lease_ms` (the longest an attempt may take, with room).
    pub async fn claim_webhook_messages(&self, limit: u32, lease_ms: i64) -> ApiResult<Vec<ClaimedWebhookMessage>> {
        let now = self.now_ms();
        Ok(self.store.claim_webhook_messages(now, now + lease_ms, limit).await?)
    }

    /// Signs a claimed message for this attempt: `svix-id` is the event id, `svix-timestamp` now (unix
    /// seconds), `svix-signature` one `v1,` signature per live secret (the new one first). An error
    /// (the URL is refused now, a secret does not open) is recorded as a failed attempt.
    pub fn prepare_webhook_delivery(&self, c: &ClaimedWebhookMessage) -> Result<PreparedDelivery, String> {
        check_url(&c.endpoint.url, self.config.webhooks.policy)?;
        let now = self.now_ms();
        let ts = now.div_euclid(1000);
        let aad = secret_aad(&c.endpoint.id);
        let open = |sealed: &str| -> Result<Vec<u8>, String> {
            let plain = tessera_jwt::open(&self.master.0, sealed, &aad)
                .map_err(|_| "the endpoint secret cannot be opened with this node's master key".to_owned())?;
            let text = String::from_utf8(plain).map_err(|_| "the endpoint secret is not text".to_owned())?;
            tessera_jwt::webhook_secret_key(&text).ok_or_else(|| "the endpoint secret is not whsec_".to_owned())
        };
        let body = c.message.payload.as_bytes();
        let mut signatures =
            vec![tessera_jwt::webhook_signature(&open(&c.endpoint.secret_sealed)?, &c.message.event_id, ts, body)];
        if let (Some(old), Some(until)) = (&c.endpoint.old_secret_sealed, c.endpoint.old_secret_expires_at)
            && until > now
        {
            signatures.push(tessera_jwt::webhook_signature(&open(old)?, &c.message.event_id, ts, body));
        }
        Ok(PreparedDelivery {
            message_id: c.message.id.clone(),
            endpoint_id: c.endpoint.id.clone(),
            attempt: c.message.attempts,
            url: c.endpoint.url.clone(),
            headers: vec![
                ("content-type", "application/json".to_owned()),
                ("svix-id", c.message.event_id.clone()),
                ("svix-timestamp", ts.to_string()),
                ("svix-signature", signatures.join(" ")),
            ],
            body: c.message.payload.clone(),
        })
    }

    /// Records attempt `attempt` of a message: delivered on a 2xx; otherwise due again after the
    /// schedule's next delay, or `failed` when the schedule is used up. Returns false when the
    /// message had moved on (the lease ran out and another node took it).
    pub async fn record_webhook_attempt(
        &self,
        message_id: &str,
        endpoint_id: &str,
        attempt: i64,
        outcome: &AttemptOutcome,
    ) -> ApiResult<bool> {
        let now = self.now_ms();
        let schedule = &self.config.webhooks.retry_schedule_ms;
        let (status, next) = if outcome.succeeded() {
            (WebhookMessageStatus::Delivered, None)
        } else {
            match usize::try_from(attempt).ok().and_then(|n| schedule.get(n)) {
                Some(delay) => (WebhookMessageStatus::Pending, Some(now + delay)),
                None => (WebhookMessageStatus::Failed, None),
            }
        };
        let error = match (&outcome.error, outcome.status_code) {
            (Some(e), _) => Some(truncate(e)),
            (None, Some(code)) if !outcome.succeeded() => Some(format!("the receiver answered HTTP {code}")),
            _ => None,
        };
        let rec = WebhookAttemptRecord {
            id: ids::new_id(ids::WEBHOOK_ATTEMPT, now),
            message_id: message_id.to_owned(),
            endpoint_id: endpoint_id.to_owned(),
            attempt,
            status: if outcome.succeeded() { "succeeded" } else { "failed" }.to_owned(),
            response_status_code: outcome.status_code.map(i64::from),
            latency_ms: outcome.latency_ms,
            error,
            next_attempt_at: next,
            created_at: now,
        };
        Ok(self.store.record_webhook_attempt(&rec, status, next).await?)
    }

    /// `GET /v1/tessera/webhooks/messages?endpoint_id&status&limit&offset`: newest event first.
    pub async fn list_webhook_messages(&self, q: &QueryParams) -> ApiResult<Paginated<WebhookMessage>> {
        let page = q.page()?;
        let status =
            match q.one("status") {
                None => None,
                Some(s) => Some(WebhookMessageStatus::parse(&s).ok_or_else(|| {
                    ApiError::param_value("status", "status must be one of pending, delivered, failed.")
                })?),
            };
        let filter = WebhookMessageFilter { endpoint_id: q.one("endpoint_id"), status };
        let (rows, total) = self.store.list_webhook_messages(&filter, page).await?;
        Ok(Paginated { data: rows.iter().map(message_object).collect(), total_count: total })
    }

    /// `GET /v1/tessera/webhooks/messages/{message_id}`.
    pub async fn get_webhook_message(&self, id: &str) -> ApiResult<WebhookMessage> {
        let r = self.store.get_webhook_message(id).await?.ok_or_else(|| message_not_found(id))?;
        Ok(message_object(&r))
    }

    /// `GET /v1/tessera/webhooks/messages/{message_id}/attempts`: in the order they were made.
    pub async fn list_webhook_attempts(&self, id: &str) -> ApiResult<Paginated<WebhookAttempt>> {
        if self.store.get_webhook_message(id).await?.is_none() {
            return Err(message_not_found(id));
        }
        let rows = self.store.list_webhook_attempts(id).await?;
        let total = rows.len() as i64;
        Ok(Paginated { data: rows.into_iter().map(attempt_object).collect(), total_count: total })
    }

    /// `POST /v1/tessera/webhooks/messages/{message_id}/replay`: a delivered or failed message is
    /// sent again (its schedule starts over). A pending one is 400 `webhook_message_pending`.
    pub async fn replay_webhook_message(&self, id: &str) -> ApiResult<WebhookReplay> {
        let r = self.store.get_webhook_message(id).await?.ok_or_else(|| message_not_found(id))?;
        let n = self.store.replay_webhook_messages(&r.endpoint_id, Some(id), self.now_ms()).await?;
        if n == 0 {
            return Err(ApiError::new(
                crate::error::ErrorKind::BadRequest,
                "webhook_message_pending",
                "message is pending",
                "This message is still pending: it will be attempted again on its own.",
            ));
        }
        Ok(WebhookReplay { object: object::WEBHOOK_REPLAY.to_owned(), replayed: n })
    }

    /// `POST /v1/tessera/webhooks/endpoints/{endpoint_id}/replay`: every failed message of the
    /// endpoint is sent again.
    pub async fn replay_failed_webhook_messages(&self, endpoint_id: &str) -> ApiResult<WebhookReplay> {
        self.store.get_webhook_endpoint(endpoint_id).await?.ok_or_else(|| endpoint_not_found(endpoint_id))?;
        let n = self.store.replay_webhook_messages(endpoint_id, None, self.now_ms()).await?;
        Ok(WebhookReplay { object: object::WEBHOOK_REPLAY.to_owned(), replayed: n })
    }

    /// Retention: deletes delivered and failed messages (with their attempts) and fanned-out events
    /// older than `retention_ms`. Returns (messages, events) deleted.
    pub async fn prune_webhooks(&self, retention_ms: i64) -> ApiResult<(u64, u64)> {
        let before = self.now_ms() - retention_ms;
        let messages = self.store.prune_webhook_messages(before).await?;
        let cursor = self.store.webhook_cursor().await?;
        let events = self.store.prune_events(cursor, before).await?;
        Ok((messages, events))
    }

    /// Counts of the outbox, for metrics and operators.
    pub async fn webhook_outbox_stats(&self) -> ApiResult<WebhookOutboxStats> {
        Ok(self.store.webhook_outbox_stats().await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn endpoint(id: &str, filter: Option<Vec<&str>>, disabled: bool) -> WebhookEndpointRecord {
        WebhookEndpointRecord {
            id: id.into(),
            url: "https://example.com/".into(),
            description: String::new(),
            filter_types: filter.map(|f| f.into_iter().map(str::to_owned).collect()),
            disabled,
            secret_sealed: String::new(),
            old_secret_sealed: None,
            old_secret_expires_at: None,
            created_at: 0,
            updated_at: 0,
        }
    }

    fn event(seq: i64, t: &str) -> EventRecord {
        EventRecord {
            seq,
            id: format!("msg_{seq}"),
            event_type: t.into(),
            data: json!({"id": "user_1"}),
            created_at: 5,
        }
    }

    #[test]
    fn the_plan_sends_each_event_to_every_enabled_endpoint_that_wants_it() {
        let endpoints = [
            endpoint("ep_all", None, false),
            endpoint("ep_users", Some(vec!["user.created"]), false),
            endpoint("ep_off", None, true),
        ];
        let events = [event(1, "user.created"), event(2, "tessera.jwt_template.changed"), event(3, "user.deleted")];
        let plan = plan_messages(&events, &endpoints, "ins_1", 100, 0);
        let got: Vec<(&str, &str)> = plan.iter().map(|m| (m.event_id.as_str(), m.endpoint_id.as_str())).collect();
        assert_eq!(got, [("msg_1", "ep_all"), ("msg_1", "ep_users"), ("msg_3", "ep_all")]);
        let body: serde_json::Value = serde_json::from_str(&plan[0].payload).unwrap();
        assert_eq!(body["type"], "user.created");
        assert_eq!(body["instance_id"], "ins_1");
        assert_eq!(body["object"], "event");
        assert_eq!(plan[0].payload, plan[1].payload);
        assert!(plan.iter().all(|m| m.next_attempt_at == Some(100) && m.status == WebhookMessageStatus::Pending));
    }

    #[test]
    fn long_errors_are_cut() {
        assert_eq!(truncate("short"), "short");
        assert_eq!(truncate(&"é".repeat(400)).chars().count(), MAX_ERROR_CHARS + 1);
    }
}
