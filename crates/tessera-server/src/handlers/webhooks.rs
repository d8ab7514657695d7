//! Webhook endpoints, messages and attempts: Tessera's routes under `/v1/tessera/webhooks/…` (tag
//! `Tessera`). Delivery itself runs in the worker (`crate::webhooks`), never here.

use axum::Json;
use axum::extract::{Path, State};
use tessera_types::{
    ClerkErrors, DeletedObject, Paginated, WebhookAttempt, WebhookEndpoint, WebhookMessage, WebhookMessageListQuery,
    WebhookReplay,
};

use super::St;
use crate::body::{Body, Query};
use crate::error::HttpResult;

#[utoipa::path(post, path = "/v1/tessera/webhooks/endpoints", tag = "Tessera", operation_id = "CreateWebhookEndpoint",
    request_body = tessera_types::CreateWebhookEndpointRequestBody,
    responses(
        (status = 200, description = "The new endpoint with its signing `secret` (`whsec_…`), which no other answer carries: store it now. Events written from now on are delivered to it, signed as Svix signs.", body = WebhookEndpoint),
        (status = 422, description = "`url` is missing, not http(s), or points at a loopback, private or link-local address the server does not deliver to (`form_param_value_invalid`); an unknown event type in `filter_types`; or an unknown key.", body = ClerkErrors),
    ))]
pub async fn create_endpoint(State(s): St, Body(b): Body) -> HttpResult<Json<WebhookEndpoint>> {
    Ok(Json(s.app.create_webhook_endpoint(b).await?))
}

#[utoipa::path(get, path = "/v1/tessera/webhooks/endpoints", tag = "Tessera", operation_id = "ListWebhookEndpoints",
    params(tessera_types::ListPage),
    responses((status = 200, description = "Every endpoint, oldest first, without secrets.", body = Paginated<WebhookEndpoint>)))]
pub async fn list_endpoints(State(s): St, Query(q): Query) -> HttpResult<Json<Paginated<WebhookEndpoint>>> {
    Ok(Json(s.app.list_webhook_endpoints(&q).await?))
}

#[utoipa::path(get, path = "/v1/tessera/webhooks/endpoints/{endpoint_id}", tag = "Tessera",
    operation_id = "GetWebhookEndpoint",
    responses((status = 200, description = "The endpoint, without its secret.", body = WebhookEndpoint)))]
pub async fn get_endpoint(State(s): St, Path(id): Path<String>) -> HttpResult<Json<WebhookEndpoint>> {
    Ok(Json(s.app.get_webhook_endpoint(&id).await?))
}

#[utoipa::path(patch, path = "/v1/tessera/webhooks/endpoints/{endpoint_id}", tag = "Tessera",
    operation_id = "UpdateWebhookEndpoint",
    request_body = tessera_types::UpdateWebhookEndpointRequestBody,
    responses(
        (status = 200, description = "The endpoint. A disabled endpoint gets no new messages and no attempts until it is enabled again.", body = WebhookEndpoint),
        (status = 422, description = "A `url` the server does not deliver to, an unknown event type, or an unknown key.", body = ClerkErrors),
    ))]
pub async fn update_endpoint(State(s): St, Path(id): Path<String>, Body(b): Body) -> HttpResult<Json<WebhookEndpoint>> {
    Ok(Json(s.app.update_webhook_endpoint(&id, b).await?))
}

#[utoipa::path(delete, path = "/v1/tessera/webhooks/endpoints/{endpoint_id}", tag = "Tessera",
    operation_id = "DeleteWebhookEndpoint",
    responses((status = 200, description = "The endpoint is deleted with its messages and their attempts.", body = DeletedObject)))]
pub async fn delete_endpoint(State(s): St, Path(id): Path<String>) -> HttpResult<Json<DeletedObject>> {
    Ok(Json(s.app.delete_webhook_endpoint(&id).await?))
}

#[utoipa::path(post, path = "/v1/tessera/webhooks/endpoints/{endpoint_id}/rotate_secret", tag = "Tessera",
    operation_id = "RotateWebhookSecret",
    request_body = tessera_types::RotateWebhookSecretRequestBody,
    responses(
        (status = 200, description = "The endpoint with its new `secret` (shown this once). The previous secret keeps signing beside it until `old_secret_expires_at`: `svix-signature` then carries both signatures.", body = WebhookEndpoint),
        (status = 422, description = "`old_secret_overlap_seconds` out of range, or an unknown key.", body = ClerkErrors),
    ))]
pub async fn rotate_secret(State(s): St, Path(id): Path<String>, Body(b): Body) -> HttpResult<Json<WebhookEndpoint>> {
    Ok(Json(s.app.rotate_webhook_secret(&id, b).await?))
}

#[utoipa::path(post, path = "/v1/tessera/webhooks/endpoints/{endpoint_id}/replay", tag = "Tessera",
    operation_id = "ReplayFailedWebhookMessages",
    responses((status = 200, description = "Every failed message of the endpoint is pending again, its retry schedule started over; `replayed` says how many.", body = WebhookReplay)))]
pub async fn replay_endpoint(State(s): St, Path(id): Path<String>) -> HttpResult<Json<WebhookReplay>> {
    Ok(Json(s.app.replay_failed_webhook_messages(&id).await?))
}

#[utoipa::path(get, path = "/v1/tessera/webhooks/messages", tag = "Tessera", operation_id = "ListWebhookMessages",
    params(WebhookMessageListQuery),
    responses((status = 200, description = "Messages (one per event and endpoint), newest event first.", body = Paginated<WebhookMessage>)))]
pub async fn list_messages(State(s): St, Query(q): Query) -> HttpResult<Json<Paginated<WebhookMessage>>> {
    Ok(Json(s.app.list_webhook_messages(&q).await?))
}

#[utoipa::path(get, path = "/v1/tessera/webhooks/messages/{message_id}", tag = "Tessera",
    operation_id = "GetWebhookMessage",
    responses((status = 200, description = "The message, with the body every attempt sends.", body = WebhookMessage)))]
pub async fn get_message(State(s): St, Path(id): Path<String>) -> HttpResult<Json<WebhookMessage>> {
    Ok(Json(s.app.get_webhook_message(&id).await?))
}

#[utoipa::path(get, path = "/v1/tessera/webhooks/messages/{message_id}/attempts", tag = "Tessera",
    operation_id = "ListWebhookAttempts",
    responses((status = 200, description = "The delivery log of the message: every attempt in order, with its status, response code, latency, error and next attempt time.", body = Paginated<WebhookAttempt>)))]
pub async fn list_attempts(State(s): St, Path(id): Path<String>) -> HttpResult<Json<Paginated<WebhookAttempt>>> {
    Ok(Json(s.app.list_webhook_attempts(&id).await?))
}

#[utoipa::path(post, path = "/v1/tessera/webhooks/messages/{message_id}/replay", tag = "Tessera",
    operation_id = "ReplayWebhookMessage",
    responses(
        (status = 200, description = "The delivered or failed message is pending again, its retry schedule started over.", body = WebhookReplay),
        (status = 400, description = "The message is still pending (`webhook_message_pending`).", body = ClerkErrors),
    ))]
pub async fn replay_message(State(s): St, Path(id): Path<String>) -> HttpResult<Json<WebhookReplay>> {
    Ok(Json(s.app.replay_webhook_message(&id).await?))
}
