use crate::client::{Client, Request};
use crate::error::Result;

/// `/v1/jwks`. Get it from [`Client::jwks`].
#[derive(Debug, Clone, Copy)]
pub struct Jwks<'a> {
    client: &'a Client,
}

impl<'a> Jwks<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Jwks { client }
    }

    /// `GET /jwks`: the public keys tokens are signed with (HMAC keys are never published).
    ///
    /// To verify tokens, prefer [`Client::verify_token`] or a [`Verifier`](crate::Verifier),
    /// which cache this set.
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// let jwks = client.jwks().get().await?;
    /// for key in &jwks.keys {
    ///     println!("{:?} {}", key.kid, key.kty);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get(&self) -> Result<tessera_types::Jwks> {
        self.client.call(Request::get(&["jwks"])).await
    }
}
