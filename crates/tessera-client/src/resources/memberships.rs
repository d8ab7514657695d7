use tessera_types::{
    CreateOrganizationMembershipRequestBody, InstanceMembershipListQuery, OrganizationMembership, Paginated,
    UpdateOrganizationMembershipRequestBody,
};

use crate::client::{Client, Request};
use crate::error::Result;
use crate::models::{ListOrganizationMembershipsRequest, ToQuery, UpdateOrganizationMembershipMetadataRequestBody};

/// `/v1/organizations/{organization_id}/memberships`. Get it from
/// [`Client::organization_memberships`].
#[derive(Debug, Clone, Copy)]
pub struct OrganizationMemberships<'a> {
    client: &'a Client,
}

impl<'a> OrganizationMemberships<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        OrganizationMemberships { client }
    }

    /// `POST /organizations/{organization_id}/memberships`: adds a user with a role
    /// (`org:admin`, `org:member`, ...).
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// use tessera_client::types::CreateOrganizationMembershipRequestBody;
    ///
    /// let membership = client
    ///     .organization_memberships()
    ///     .create("org_2x…", CreateOrganizationMembershipRequestBody {
    ///         user_id: "user_2x…".into(),
    ///         role: "org:member".into(),
    ///         ..Default::default()
    ///     })
    ///     .await?;
    /// # let _ = membership;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create(
        &self,
        organization_id: &str,
        body: CreateOrganizationMembershipRequestBody,
    ) -> Result<OrganizationMembership> {
        self.client.call(Request::post(&["organizations", organization_id, "memberships"]).json(&body)?).await
    }

    /// `GET /organizations/{organization_id}/memberships`: a page of memberships.
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// use tessera_client::ListOrganizationMembershipsRequest;
    ///
    /// let page = client
    ///     .organization_memberships()
    ///     .list(ListOrganizationMembershipsRequest::new("org_2x…"))
    ///     .await?;
    /// # let _ = page;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn list(&self, request: ListOrganizationMembershipsRequest) -> Result<Paginated<OrganizationMembership>> {
        self.client
            .call(Request::get(&["organizations", &request.organization_id, "memberships"]).query(request.query()))
            .await
    }

    /// `GET /organization_memberships`: every membership of the instance, newest first unless
    /// `order_by` says otherwise.
    pub async fn list_all(&self, request: InstanceMembershipListQuery) -> Result<Paginated<OrganizationMembership>> {
        self.client.call(Request::get(&["organization_memberships"]).query(request.to_query())).await
    }

    /// `PATCH /organizations/{organization_id}/memberships/{user_id}`: changes the role.
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// use tessera_client::types::UpdateOrganizationMembershipRequestBody;
    ///
    /// let membership = client
    ///     .organization_memberships()
    ///     .update("org_2x…", "user_2x…", UpdateOrganizationMembershipRequestBody {
    ///         role: "org:admin".into(),
    ///     })
    ///     .await?;
    /// # let _ = membership;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn update(
        &self,
        organization_id: &str,
        user_id: &str,
        body: UpdateOrganizationMembershipRequestBody,
    ) -> Result<OrganizationMembership> {
        self.client.call(Request::patch(&["organizations", organization_id, "memberships", user_id]).json(&body)?).await
    }

    /// `DELETE /organizations/{organization_id}/memberships/{user_id}`: removes the user; answers
    /// the deleted membership.
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// let removed = client.organization_memberships().delete("org_2x…", "user_2x…").await?;
    /// # let _ = removed;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn delete(&self, organization_id: &str, user_id: &str) -> Result<OrganizationMembership> {
        self.client.call(Request::delete(&["organizations", organization_id, "memberships", user_id])).await
    }

    /// `PATCH /organizations/{organization_id}/memberships/{user_id}/metadata`: deep-merge.
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// use tessera_client::UpdateOrganizationMembershipMetadataRequestBody;
    ///
    /// let membership = client
    ///     .organization_memberships()
    ///     .update_metadata("org_2x…", "user_2x…", UpdateOrganizationMembershipMetadataRequestBody {
    ///         public_metadata: serde_json::json!({"team": "red"}).as_object().cloned(),
    ///         private_metadata: None,
    ///     })
    ///     .await?;
    /// # let _ = membership;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn update_metadata(
        &self,
        organization_id: &str,
        user_id: &str,
        body: UpdateOrganizationMembershipMetadataRequestBody,
    ) -> Result<OrganizationMembership> {
        self.client
            .call(Request::patch(&["organizations", organization_id, "memberships", user_id, "metadata"]).json(&body)?)
            .await
    }
}
