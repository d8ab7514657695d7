//! Tessera's webhook delivery objects (routes under `/v1/tessera/webhooks/…`, a Tessera extension):
//! endpoints, the messages sent to them and each attempt. Clerk manages endpoints through Svix's
//! dashboard; these shapes follow Clerk's conventions (`object`, epoch-millisecond timestamps).

use serde::{Deserialize, Serialize};

/// `{"object":"webhook_endpoint", ...}`. `secret` is answered only by the create and rotate calls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEndpoint {
    /// Always `"webhook_endpoint"`.
    pub object: String,
    /// `ep_…`.
    pub id: String,
    /// Where events are POSTed (http or https).
    pub url: String,
    pub description: String,
    /// Event types this endpoint receives (`user.created`, …); `null` for every type.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub filter_types: Option<Vec<String>>,
    /// A disabled endpoint keeps its messages pending and gets no attempts until enabled again.
    pub disabled: bool,
    /// The signing secret (`whsec_…`): only in the answers of the create and rotate calls, never
    /// again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// After a rotation, until when (epoch ms) the previous secret also signs; `null` otherwise.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub old_secret_expires_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Body of `POST /v1/tessera/webhooks/endpoints`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateWebhookEndpointRequestBody {
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter_types: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
}

/// Body of `PATCH /v1/tessera/webhooks/endpoints/{endpoint_id}`: only the keys given change;
/// `filter_types: null` (or `[]`) makes the endpoint receive every type again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateWebhookEndpointRequestBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter_types: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
}

/// Body of `POST /v1/tessera/webhooks/endpoints/{endpoint_id}/rotate_secret`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RotateWebhookSecretRequestBody {
    /// How long the previous secret keeps signing beside the new one, in seconds (default 86,400;
    /// 0 stops it at once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_secret_overlap_seconds: Option<i64>,
}

/// `{"object":"webhook_message", ...}`: one event sent to one endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookMessage {
    /// Always `"webhook_message"`.
    pub object: String,
    /// `wmsg_…`.
    pub id: String,
    pub endpoint_id: String,
    /// The event's id (`msg_…`): the `svix-id` header of every attempt.
    pub event_id: String,
    pub event_type: String,
    /// `pending`, `delivered` or `failed` (every attempt of the schedule failed).
    pub status: String,
    /// Attempts made so far (counted again from 0 after a replay).
    pub attempts: i64,
    /// When a pending message is attempted next (epoch ms); `null` once delivered or failed.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub next_attempt_at: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(required))]
    pub last_attempt_at: Option<i64>,
    /// The HTTP status the receiver answered the last attempt with; `null` when it did not answer.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub last_status_code: Option<i64>,
    /// The body every attempt sends: Clerk's event envelope.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub payload: serde_json::Value,
    pub created_at: i64,
    pub updated_at: i64,
}

/// `{"object":"webhook_attempt", ...}`: one entry of the delivery log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookAttempt {
    /// Always `"webhook_attempt"`.
    pub object: String,
    /// `atmpt_…`.
    pub id: String,
    pub message_id: String,
    pub endpoint_id: String,
    /// 1 for a message's first attempt.
    pub attempt: i64,
    /// `succeeded` (the receiver answered 2xx) or `failed`.
    pub status: String,
    #[cfg_attr(feature = "openapi", schema(required))]
    pub response_status_code: Option<i64>,
    pub latency_ms: i64,
    /// What went wrong (a timeout, a refused connection, a non-2xx status); `null` on success.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub error: Option<String>,
    /// When the next attempt is due; `null` when delivered or when no attempt is left.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub next_attempt_at: Option<i64>,
    pub created_at: i64,
}

/// `{"object":"webhook_replay","replayed":N}`: how many messages a replay made pending again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookReplay {
    /// Always `"webhook_replay"`.
    pub object: String,
    pub replayed: u64,
}

/// Filters and page of `GET /v1/tessera/webhooks/messages`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct WebhookMessageListQuery {
    /// Messages of this endpoint only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint_id: Option<String>,
    /// `pending`, `delivered` or `failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(pattern = "^(pending|delivered|failed)$"))]
    pub status: Option<String>,
    /// How many results to return, 1..=500 (default 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 500))]
    pub limit: Option<i64>,
    /// How many results to skip (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(minimum = 0))]
    pub offset: Option<i64>,
}
