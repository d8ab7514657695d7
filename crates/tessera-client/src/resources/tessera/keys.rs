use tessera_types::{InstanceKey, InstanceKeyList, RotateInstanceKeyRequestBody};

use crate::client::{Client, Request};
use crate::error::Result;

/// `/v1/tessera/keys`: the instance signing keys' lifecycle. Get it from
/// [`Tessera::keys`](super::Tessera::keys).
#[derive(Debug, Clone, Copy)]
pub struct InstanceKeys<'a> {
    client: &'a Client,
}

impl<'a> InstanceKeys<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        InstanceKeys { client }
    }

    /// `GET /tessera/keys`: every instance key, oldest first, with its status.
    pub async fn list(&self) -> Result<InstanceKeyList> {
        self.client.call(Request::get(&["tessera", "keys"])).await
    }

    /// `POST /tessera/keys/rotate`: a new RS256 key, published at once and signing after
    /// `activate_in_seconds` (default: the JWKS max-age plus the key reload interval).
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// let key = client.tessera().keys().rotate(Default::default()).await?;
    /// println!("{} signs from {}", key.kid, key.sign_after);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn rotate(&self, body: RotateInstanceKeyRequestBody) -> Result<InstanceKey> {
        self.client.call(Request::post(&["tessera", "keys", "rotate"]).json(&body)?).await
    }

    /// `POST /tessera/keys/{kid}/retire`: the key stops signing and leaves the JWKS once its tokens
    /// have expired.
    pub async fn retire(&self, kid: &str) -> Result<InstanceKey> {
        self.client.call(Request::post(&["tessera", "keys", kid, "retire"])).await
    }
}
