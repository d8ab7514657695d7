//! Tessera's own extensions, under `/v1/tessera/…`: routes Clerk's Backend API does not have (so
//! these calls fail against `https://api.clerk.com`). Get the namespace from [`Client::tessera`].

mod actor_tokens;
mod jwt_templates;
mod organization_invitations;
mod session_claims;
mod webhooks;

pub use actor_tokens::TesseraActorTokens;
pub use jwt_templates::TesseraJwtTemplates;
pub use organization_invitations::TesseraOrganizationInvitations;
pub use session_claims::CustomSessionClaims;
pub use webhooks::Webhooks;

use crate::client::Client;

/// `/v1/tessera/…`. Get it from [`Client::tessera`].
#[derive(Debug, Clone, Copy)]
pub struct Tessera<'a> {
    client: &'a Client,
}

impl<'a> Tessera<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Tessera { client }
    }

    /// `/v1/tessera/session_claims`: the instance's custom session-token claims.
    pub fn session_claims(&self) -> CustomSessionClaims<'a> {
        CustomSessionClaims::new(self.client)
    }

    /// `/v1/tessera/actor_tokens`: redeeming an actor token into an impersonation session.
    pub fn actor_tokens(&self) -> TesseraActorTokens<'a> {
        TesseraActorTokens::new(self.client)
    }

    /// `/v1/tessera/organizations/{id}/invitations/{id}/accept`: accepting organization invitations.
    pub fn organization_invitations(&self) -> TesseraOrganizationInvitations<'a> {
        TesseraOrganizationInvitations::new(self.client)
    }

    /// `/v1/tessera/webhooks/…`: webhook endpoints, messages and the delivery log.
    pub fn webhooks(&self) -> Webhooks<'a> {
        Webhooks::new(self.client)
    }

    /// `/v1/tessera/jwt_templates/preview`: rendering a template without signing (the playground).
    pub fn jwt_templates(&self) -> TesseraJwtTemplates<'a> {
        TesseraJwtTemplates::new(self.client)
    }
}
