use tessera_types::{DeletedObject, SessionClaims, UpdateSessionClaimsRequestBody};

use crate::client::{Client, Request};
use crate::error::Result;

/// `/v1/tessera/session_claims`: the instance's custom session-token claims (Clerk's "Customize
/// session token"), one claims template in the JWT templates' shortcode language, rendered into
/// every session token next to the default claims. Get it from
/// [`Tessera::session_claims`](super::Tessera::session_claims).
#[derive(Debug, Clone, Copy)]
pub struct CustomSessionClaims<'a> {
    client: &'a Client,
}

impl<'a> CustomSessionClaims<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        CustomSessionClaims { client }
    }

    /// `GET /tessera/session_claims`: the claims (`{}` when none are set), their size and any
    /// warnings about it.
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// let current = client.tessera().session_claims().get().await?;
    /// println!("{} bytes: {:?}", current.size_bytes, current.claims);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get(&self) -> Result<SessionClaims> {
        self.client.call(Request::get(&["tessera", "session_claims"])).await
    }

    /// `PUT /tessera/session_claims`: replaces the claims. The session token's own claims (`sub`,
    /// `sid`, `o`, …) are refused (`jwt_template_reserved_claim`); claims over the 1,200 bytes Clerk
    /// recommends are stored and answered with a warning in
    /// [`SessionClaims::warnings`](tessera_types::SessionClaims::warnings).
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// use tessera_client::types::UpdateSessionClaimsRequestBody;
    ///
    /// let claims = serde_json::json!({"email": "{{user.primary_email_address}}", "plan": "{{user.public_metadata.plan}}"});
    /// let stored = client
    ///     .tessera()
    ///     .session_claims()
    ///     .update(UpdateSessionClaimsRequestBody { claims: claims.as_object().cloned().unwrap_or_default() })
    ///     .await?;
    /// for w in &stored.warnings {
    ///     eprintln!("warning: {}", w.message);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn update(&self, body: UpdateSessionClaimsRequestBody) -> Result<SessionClaims> {
        self.client.call(Request::put(&["tessera", "session_claims"]).json(&body)?).await
    }

    /// `DELETE /tessera/session_claims`: session tokens carry only the default claims again.
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// let deleted = client.tessera().session_claims().delete().await?;
    /// assert!(deleted.deleted);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn delete(&self) -> Result<DeletedObject> {
        self.client.call(Request::delete(&["tessera", "session_claims"])).await
    }
}
