use tessera_types::{
    CreateOrganizationRequestBody, DeletedObject, Organization, Paginated, UpdateOrganizationRequestBody,
};

use crate::client::{Client, Request};
use crate::error::Result;
use crate::models::{ListOrganizationsRequest, ToQuery, UpdateOrganizationMetadataRequestBody};

/// `/v1/organizations`. Get it from [`Client::organizations`]; memberships are in
/// [`Client::organization_memberships`].
#[derive(Debug, Clone, Copy)]
pub struct Organizations<'a> {
    client: &'a Client,
}

impl<'a> Organizations<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Organizations { client }
    }

    /// `POST /organizations`. With `created_by`, that user becomes its first admin.
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// use tessera_client::types::CreateOrganizationRequestBody;
    ///
    /// let org = client
    ///     .organizations()
    ///     .create(CreateOrganizationRequestBody {
    ///         name: "Acme".into(),
    ///         slug: Some("acme".into()),
    ///         ..Default::default()
    ///     })
    ///     .await?;
    /// # let _ = org;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create(&self, body: CreateOrganizationRequestBody) -> Result<Organization> {
        self.client.call(Request::post(&["organizations"]).json(&body)?).await
    }

    /// `GET /organizations`: a page of organizations.
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// use tessera_client::ListOrganizationsRequest;
    ///
    /// let page = client
    ///     .organizations()
    ///     .list(ListOrganizationsRequest { query: Some("acme".into()), ..Default::default() })
    ///     .await?;
    /// # let _ = page;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn list(&self, request: ListOrganizationsRequest) -> Result<Paginated<Organization>> {
        self.client.call(Request::get(&["organizations"]).query(request.to_query())).await
    }

    /// `GET /organizations/{organization_id}` (an id or a slug).
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// let org = client.organizations().get("acme").await?;
    /// # let _ = org;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get(&self, organization_id: &str) -> Result<Organization> {
        self.client.call(Request::get(&["organizations", organization_id])).await
    }

    /// `PATCH /organizations/{organization_id}`.
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// use tessera_client::types::UpdateOrganizationRequestBody;
    ///
    /// let org = client
    ///     .organizations()
    ///     .update("org_2x…", UpdateOrganizationRequestBody {
    ///         name: Some("Acme Inc".into()),
    ///         ..Default::default()
    ///     })
    ///     .await?;
    /// # let _ = org;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn update(&self, organization_id: &str, body: UpdateOrganizationRequestBody) -> Result<Organization> {
        self.client.call(Request::patch(&["organizations", organization_id]).json(&body)?).await
    }

    /// `DELETE /organizations/{organization_id}`.
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// let deleted = client.organizations().delete("org_2x…").await?;
    /// assert!(deleted.deleted);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn delete(&self, organization_id: &str) -> Result<DeletedObject> {
        self.client.call(Request::delete(&["organizations", organization_id])).await
    }

    /// `PATCH /organizations/{organization_id}/metadata`: deep-merge; `null` deletes a key.
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// use tessera_client::UpdateOrganizationMetadataRequestBody;
    ///
    /// let org = client
    ///     .organizations()
    ///     .update_metadata("org_2x…", UpdateOrganizationMetadataRequestBody {
    ///         public_metadata: serde_json::json!({"tier": "gold"}).as_object().cloned(),
    ///         private_metadata: None,
    ///     })
    ///     .await?;
    /// # let _ = org;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn update_metadata(
        &self,
        organization_id: &str,
        body: UpdateOrganizationMetadataRequestBody,
    ) -> Result<Organization> {
        self.client.call(Request::patch(&["organizations", organization_id, "metadata"]).json(&body)?).await
    }
}
