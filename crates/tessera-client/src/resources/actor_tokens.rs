//! `/v1/actor_tokens`: impersonation (Clerk's Actor Tokens).

use tessera_types::{ActorToken, CreateActorTokenRequestBody};

use crate::client::{Client, Request};
use crate::error::Result;

/// `/v1/actor_tokens`. Get it from [`Client::actor_tokens`]. A token is redeemed into a session
/// through Tessera's own route, [`TesseraActorTokens::redeem`](super::TesseraActorTokens::redeem).
#[derive(Debug, Clone, Copy)]
pub struct ActorTokens<'a> {
    client: &'a Client,
}

impl<'a> ActorTokens<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        ActorTokens { client }
    }

    /// `POST /actor_tokens`: a pending token that lets its holder start a session as `user_id` on
    /// behalf of `actor` (the impersonator, at least `{"sub": "<their user id>"}`). Keep
    /// [`ActorToken::token`](tessera_types::ActorToken::token): no later answer carries it.
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// use tessera_client::types::CreateActorTokenRequestBody;
    ///
    /// let actor = serde_json::json!({"sub": "user_admin…"});
    /// let token = client
    ///     .actor_tokens()
    ///     .create(CreateActorTokenRequestBody {
    ///         user_id: "user_2x…".into(),
    ///         actor: actor.as_object().cloned().unwrap_or_default(),
    ///         expires_in_seconds: Some(600),
    ///         session_max_duration_in_seconds: None,
    ///     })
    ///     .await?;
    /// # let _ = token;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create(&self, body: CreateActorTokenRequestBody) -> Result<ActorToken> {
        self.client.call(Request::post(&["actor_tokens"]).json(&body)?).await
    }

    /// `POST /actor_tokens/{actor_token_id}/revoke`: a pending token can no longer be redeemed; an
    /// accepted one is revoked together with the session it made, which ends the impersonation.
    pub async fn revoke(&self, actor_token_id: &str) -> Result<ActorToken> {
        self.client.call(Request::post(&["actor_tokens", actor_token_id, "revoke"])).await
    }
}
