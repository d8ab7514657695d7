use tessera_types::{
    CreateWebhookEndpointRequestBody, DeletedObject, Paginated, RotateWebhookSecretRequestBody,
    UpdateWebhookEndpointRequestBody, WebhookAttempt, WebhookEndpoint, WebhookMessage, WebhookMessageListQuery,
    WebhookReplay,
};

use crate::client::{Client, Request};
use crate::error::Result;

/// `/v1/tessera/webhooks/…`: webhook endpoints (signed as Svix signs, so `verifyWebhook` and the
/// `svix` libraries verify deliveries), their messages and the delivery log. Get it from
/// [`Tessera::webhooks`](super::Tessera::webhooks).
///
/// ```no_run
/// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
/// use tessera_client::types::CreateWebhookEndpointRequestBody;
///
/// let endpoint = client
///     .tessera()
///     .webhooks()
///     .create_endpoint(CreateWebhookEndpointRequestBody {
///         url: "https://app.example.com/api/webhooks/clerk".into(),
///         filter_types: Some(vec!["user.created".into(), "user.deleted".into()]),
///         ..Default::default()
///     })
///     .await?;
/// // Shown once: the app verifies deliveries with it (CLERK_WEBHOOK_SIGNING_SECRET).
/// println!("{}", endpoint.secret.unwrap_or_default());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Webhooks<'a> {
    client: &'a Client,
}

fn page_pairs(limit: Option<i64>, offset: Option<i64>) -> Vec<(String, String)> {
    let mut q = Vec::new();
    if let Some(l) = limit {
        q.push(("limit".to_owned(), l.to_string()));
    }
    if let Some(o) = offset {
        q.push(("offset".to_owned(), o.to_string()));
    }
    q
}

impl<'a> Webhooks<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Webhooks { client }
    }

    /// `POST /tessera/webhooks/endpoints`: the answer is the only one that carries `secret`.
    pub async fn create_endpoint(&self, body: CreateWebhookEndpointRequestBody) -> Result<WebhookEndpoint> {
        self.client.call(Request::post(&["tessera", "webhooks", "endpoints"]).json(&body)?).await
    }

    /// `GET /tessera/webhooks/endpoints`: oldest first, without secrets.
    pub async fn list_endpoints(&self, limit: Option<i64>, offset: Option<i64>) -> Result<Paginated<WebhookEndpoint>> {
        self.client.call(Request::get(&["tessera", "webhooks", "endpoints"]).query(page_pairs(limit, offset))).await
    }

    /// `GET /tessera/webhooks/endpoints/{endpoint_id}`.
    pub async fn get_endpoint(&self, endpoint_id: &str) -> Result<WebhookEndpoint> {
        self.client.call(Request::get(&["tessera", "webhooks", "endpoints", endpoint_id])).await
    }

    /// `PATCH /tessera/webhooks/endpoints/{endpoint_id}`: only the fields given change.
    pub async fn update_endpoint(
        &self,
        endpoint_id: &str,
        body: UpdateWebhookEndpointRequestBody,
    ) -> Result<WebhookEndpoint> {
        self.client.call(Request::patch(&["tessera", "webhooks", "endpoints", endpoint_id]).json(&body)?).await
    }

    /// `DELETE /tessera/webhooks/endpoints/{endpoint_id}`: with its messages and attempts.
    pub async fn delete_endpoint(&self, endpoint_id: &str) -> Result<DeletedObject> {
        self.client.call(Request::delete(&["tessera", "webhooks", "endpoints", endpoint_id])).await
    }

    /// `POST /tessera/webhooks/endpoints/{endpoint_id}/rotate_secret`: a new secret (in this answer
    /// only); the previous one keeps signing beside it for the overlap (default 24 h).
    pub async fn rotate_secret(
        &self,
        endpoint_id: &str,
        body: RotateWebhookSecretRequestBody,
    ) -> Result<WebhookEndpoint> {
        self.client
            .call(Request::post(&["tessera", "webhooks", "endpoints", endpoint_id, "rotate_secret"]).json(&body)?)
            .await
    }

    /// `POST /tessera/webhooks/endpoints/{endpoint_id}/replay`: every failed message of the endpoint
    /// is sent again.
    pub async fn replay_failed(&self, endpoint_id: &str) -> Result<WebhookReplay> {
        self.client.call(Request::post(&["tessera", "webhooks", "endpoints", endpoint_id, "replay"])).await
    }

    /// `GET /tessera/webhooks/messages`: newest event first, filtered by endpoint and status.
    pub async fn list_messages(&self, query: &WebhookMessageListQuery) -> Result<Paginated<WebhookMessage>> {
        let mut q = page_pairs(query.limit, query.offset);
        if let Some(e) = &query.endpoint_id {
            q.push(("endpoint_id".to_owned(), e.clone()));
        }
        if let Some(s) = &query.status {
            q.push(("status".to_owned(), s.clone()));
        }
        self.client.call(Request::get(&["tessera", "webhooks", "messages"]).query(q)).await
    }

    /// `GET /tessera/webhooks/messages/{message_id}`.
    pub async fn get_message(&self, message_id: &str) -> Result<WebhookMessage> {
        self.client.call(Request::get(&["tessera", "webhooks", "messages", message_id])).await
    }

    /// `GET /tessera/webhooks/messages/{message_id}/attempts`: the delivery log, in order.
    pub async fn list_attempts(&self, message_id: &str) -> Result<Paginated<WebhookAttempt>> {
        self.client.call(Request::get(&["tessera", "webhooks", "messages", message_id, "attempts"])).await
    }

    /// `POST /tessera/webhooks/messages/{message_id}/replay`: a delivered or failed message is sent
    /// again.
    pub async fn replay_message(&self, message_id: &str) -> Result<WebhookReplay> {
        self.client.call(Request::post(&["tessera", "webhooks", "messages", message_id, "replay"])).await
    }
}
