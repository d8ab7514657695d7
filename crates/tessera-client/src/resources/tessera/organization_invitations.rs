use tessera_types::{AcceptOrganizationInvitationRequestBody, OrganizationMembership};

use crate::client::{Client, Request};
use crate::error::Result;

/// `/v1/tessera/organizations/{organization_id}/invitations/…`: accepting an organization invitation,
/// which Clerk's invitees do through its hosted pages and Tessera, which has no sign-up flow, does
/// through this route. Get it from
/// [`Tessera::organization_invitations`](super::Tessera::organization_invitations).
#[derive(Debug, Clone, Copy)]
pub struct TesseraOrganizationInvitations<'a> {
    client: &'a Client,
}

impl<'a> TesseraOrganizationInvitations<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        TesseraOrganizationInvitations { client }
    }

    /// `POST /tessera/organizations/{organization_id}/invitations/{invitation_id}/accept`: the user with
    /// the invited email address (or `user_id`, who must have it) becomes a member with the invited role
    /// and the invitation's metadata, and the invitation becomes `accepted`, in one transaction.
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// use tessera_client::types::AcceptOrganizationInvitationRequestBody;
    ///
    /// let membership = client
    ///     .tessera()
    ///     .organization_invitations()
    ///     .accept("org_2x…", "orginv_2x…", AcceptOrganizationInvitationRequestBody::default())
    ///     .await?;
    /// println!("{} is now {}", membership.organization.slug, membership.role);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn accept(
        &self,
        organization_id: &str,
        invitation_id: &str,
        body: AcceptOrganizationInvitationRequestBody,
    ) -> Result<OrganizationMembership> {
        let path = ["tessera", "organizations", organization_id, "invitations", invitation_id, "accept"];
        self.client.call(Request::post(&path).json(&body)?).await
    }
}
