//! `/v1/invitations` and the organization invitations (`/v1/organizations/{id}/invitations`,
//! `/v1/organization_invitations`).

use tessera_types::{
    CreateInvitationRequestBody, CreateOrganizationInvitationRequestBody, Invitation, OrganizationInvitation,
    Paginated, RevokeOrganizationInvitationRequestBody,
};

use crate::client::{Client, Request};
use crate::error::Result;
use crate::models::{
    ListInstanceOrganizationInvitationsRequest, ListInvitationsRequest, ListOrganizationInvitationsRequest,
    ListPendingOrganizationInvitationsRequest, ToQuery, paginated,
};

/// `/v1/invitations`: invitations to the instance. Get it from [`Client::invitations`].
///
/// Tessera sends no email. Creating a user with the invited address (through
/// [`Users::create`](crate::resources::Users::create)) accepts the invitation and gives the user its
/// `public_metadata`.
#[derive(Debug, Clone, Copy)]
pub struct Invitations<'a> {
    client: &'a Client,
}

impl<'a> Invitations<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Invitations { client }
    }

    /// `POST /invitations`: a pending invitation (30 days unless `expires_in_days` says otherwise).
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// use tessera_client::types::CreateInvitationRequestBody;
    ///
    /// let invitation = client
    ///     .invitations()
    ///     .create(CreateInvitationRequestBody {
    ///         email_address: "ada@example.com".into(),
    ///         public_metadata: serde_json::json!({"plan": "pro"}).as_object().cloned(),
    ///         expires_in_days: Some(7),
    ///         ..Default::default()
    ///     })
    ///     .await?;
    /// # let _ = invitation;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create(&self, body: CreateInvitationRequestBody) -> Result<Invitation> {
        self.client.call(Request::post(&["invitations"]).json(&body)?).await
    }

    /// `POST /invitations/bulk`: 1 to 10 invitations, all created or none.
    pub async fn bulk_create(&self, body: Vec<CreateInvitationRequestBody>) -> Result<Vec<Invitation>> {
        self.client.call(Request::post(&["invitations", "bulk"]).json(&body)?).await
    }

    /// `GET /invitations?paginated=true`: a page of invitations, newest first; without `status`,
    /// every one but the revoked ones.
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// use tessera_client::ListInvitationsRequest;
    /// use tessera_client::types::InvitationStatus;
    ///
    /// let page = client
    ///     .invitations()
    ///     .list(ListInvitationsRequest { status: vec![InvitationStatus::Pending], ..Default::default() })
    ///     .await?;
    /// println!("{} pending", page.total_count);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn list(&self, request: ListInvitationsRequest) -> Result<Paginated<Invitation>> {
        let request = ListInvitationsRequest { paginated: None, ..request };
        self.client.call(Request::get(&["invitations"]).query(paginated(request.to_query()))).await
    }

    /// `POST /invitations/{invitation_id}/revoke`: a pending (or expired) invitation is revoked.
    pub async fn revoke(&self, invitation_id: &str) -> Result<Invitation> {
        self.client.call(Request::post(&["invitations", invitation_id, "revoke"])).await
    }
}

/// Organization invitations. Get it from [`Client::organization_invitations`]; accept one with
/// [`TesseraOrganizationInvitations::accept`](crate::resources::TesseraOrganizationInvitations::accept)
/// (Tessera's extension: Clerk's invitees accept through its hosted pages).
#[derive(Debug, Clone, Copy)]
pub struct OrganizationInvitations<'a> {
    client: &'a Client,
}

impl<'a> OrganizationInvitations<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        OrganizationInvitations { client }
    }

    /// `POST /organizations/{organization_id}/invitations`: the role must be in the organization's role
    /// set; `inviter_user_id`, when given, must be an administrator.
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// use tessera_client::types::CreateOrganizationInvitationRequestBody;
    ///
    /// let invitation = client
    ///     .organization_invitations()
    ///     .create(
    ///         "org_2x…",
    ///         CreateOrganizationInvitationRequestBody {
    ///             email_address: "bob@example.com".into(),
    ///             role: "org:member".into(),
    ///             ..Default::default()
    ///         },
    ///     )
    ///     .await?;
    /// # let _ = invitation;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create(
        &self,
        organization_id: &str,
        body: CreateOrganizationInvitationRequestBody,
    ) -> Result<OrganizationInvitation> {
        self.client.call(Request::post(&["organizations", organization_id, "invitations"]).json(&body)?).await
    }

    /// `POST /organizations/{organization_id}/invitations/bulk`: 1 to 10, all created or none.
    pub async fn bulk_create(
        &self,
        organization_id: &str,
        body: Vec<CreateOrganizationInvitationRequestBody>,
    ) -> Result<Paginated<OrganizationInvitation>> {
        self.client.call(Request::post(&["organizations", organization_id, "invitations", "bulk"]).json(&body)?).await
    }

    /// `GET /organizations/{organization_id}/invitations`: `status` (repeatable), `email_address`,
    /// `order_by`, page.
    pub async fn list(&self, request: ListOrganizationInvitationsRequest) -> Result<Paginated<OrganizationInvitation>> {
        let path = ["organizations", request.organization_id.as_str(), "invitations"];
        self.client.call(Request::get(&path).query(request.filter.to_query())).await
    }

    /// `GET /organizations/{organization_id}/invitations/pending` (deprecated by Clerk: use
    /// [`OrganizationInvitations::list`] with `status: pending`).
    pub async fn list_pending(
        &self,
        request: ListPendingOrganizationInvitationsRequest,
    ) -> Result<Paginated<OrganizationInvitation>> {
        let path = ["organizations", request.organization_id.as_str(), "invitations", "pending"];
        self.client.call(Request::get(&path).query(request.page.to_query())).await
    }

    /// `GET /organization_invitations`: every organization invitation of the instance, each with
    /// `public_organization_data`.
    pub async fn get_all(
        &self,
        request: ListInstanceOrganizationInvitationsRequest,
    ) -> Result<Paginated<OrganizationInvitation>> {
        self.client.call(Request::get(&["organization_invitations"]).query(request.to_query())).await
    }

    /// `GET /organizations/{organization_id}/invitations/{invitation_id}`.
    pub async fn get(&self, organization_id: &str, invitation_id: &str) -> Result<OrganizationInvitation> {
        self.client.call(Request::get(&["organizations", organization_id, "invitations", invitation_id])).await
    }

    /// `POST /organizations/{organization_id}/invitations/{invitation_id}/revoke`: only a pending
    /// invitation can be revoked.
    pub async fn revoke(
        &self,
        organization_id: &str,
        invitation_id: &str,
        body: RevokeOrganizationInvitationRequestBody,
    ) -> Result<OrganizationInvitation> {
        let path = ["organizations", organization_id, "invitations", invitation_id, "revoke"];
        self.client.call(Request::post(&path).json(&body)?).await
    }
}
