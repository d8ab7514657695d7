use tessera_types::{RedeemActorTokenRequestBody, Session};

use crate::client::{Client, Request};
use crate::error::Result;

/// `/v1/tessera/actor_tokens`: redeeming an actor token (Clerk does it through its Frontend API as a
/// sign-in ticket; Tessera has none). Get it from
/// [`Tessera::actor_tokens`](super::Tessera::actor_tokens).
#[derive(Debug, Clone, Copy)]
pub struct TesseraActorTokens<'a> {
    client: &'a Client,
}

impl<'a> TesseraActorTokens<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        TesseraActorTokens { client }
    }

    /// `POST /tessera/actor_tokens/{actor_token_id}/redeem`: checks `token` (the secret the create
    /// call answered) and answers a new active session for the token's user whose `actor` is the
    /// token's actor; its session tokens carry the `act` claim. The token becomes `accepted`.
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client, created: tessera_client::types::ActorToken) -> Result<(), tessera_client::Error> {
    /// use tessera_client::CreateSessionTokenRequest;
    ///
    /// let secret = created.token.unwrap_or_default();
    /// let session = client.tessera().actor_tokens().redeem(&created.id, &secret).await?;
    /// let jwt = client
    ///     .sessions()
    ///     .create_session_token(CreateSessionTokenRequest { session_id: session.id, body: None })
    ///     .await?
    ///     .jwt; // its `act` claim names the impersonator
    /// # let _ = jwt;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn redeem(&self, actor_token_id: &str, token: &str) -> Result<Session> {
        let body = RedeemActorTokenRequestBody { token: token.to_owned() };
        self.client.call(Request::post(&["tessera", "actor_tokens", actor_token_id, "redeem"]).json(&body)?).await
    }
}
