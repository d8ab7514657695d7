use tessera_types::{
    CreateUserRequestBody, DeletedObject, OrganizationMembership, Paginated, TotalCount, UpdateMetadataRequestBody,
    UpdateUserRequestBody, User,
};

use crate::client::{Client, Request};
use crate::error::Result;
use crate::models::{GetUserListRequest, GetUsersCountRequest, ToQuery, UsersGetOrganizationMembershipsRequest};

/// `/v1/users`. Get it from [`Client::users`].
#[derive(Debug, Clone, Copy)]
pub struct Users<'a> {
    client: &'a Client,
}

impl<'a> Users<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Users { client }
    }

    /// `POST /users`: creates a user. Identifiers are created verified.
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// use tessera_client::types::CreateUserRequestBody;
    ///
    /// let user = client
    ///     .users()
    ///     .create(CreateUserRequestBody {
    ///         email_address: Some(vec!["ada@example.com".into()]),
    ///         first_name: Some("Ada".into()),
    ///         ..Default::default()
    ///     })
    ///     .await?;
    /// assert_eq!(user.first_name.as_deref(), Some("Ada"));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create(&self, body: CreateUserRequestBody) -> Result<User> {
        self.client.call(Request::post(&["users"]).json(&body)?).await
    }

    /// `GET /users`: one page of users, as a plain list (Clerk's user list is not paginated; use
    /// [`Users::count`] for the total).
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// use tessera_client::GetUserListRequest;
    ///
    /// let users = client
    ///     .users()
    ///     .list(GetUserListRequest {
    ///         email_address: vec!["ada@example.com".into()],
    ///         ..Default::default()
    ///     })
    ///     .await?;
    /// # let _ = users;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn list(&self, request: GetUserListRequest) -> Result<Vec<User>> {
        self.client.call(Request::get(&["users"]).query(request.to_query())).await
    }

    /// `GET /users/count`: how many users match the filters.
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// let count = client.users().count(Default::default()).await?;
    /// println!("{} users", count.total_count);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn count(&self, request: GetUsersCountRequest) -> Result<TotalCount> {
        self.client.call(Request::get(&["users", "count"]).query(request.to_query())).await
    }

    /// `GET /users/{user_id}`.
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// let user = client.users().get("user_2x…").await?;
    /// # let _ = user;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get(&self, user_id: &str) -> Result<User> {
        self.client.call(Request::get(&["users", user_id])).await
    }

    /// `PATCH /users/{user_id}`: changes the given fields only.
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// use tessera_client::types::UpdateUserRequestBody;
    ///
    /// let user = client
    ///     .users()
    ///     .update("user_2x…", UpdateUserRequestBody {
    ///         last_name: Some("Lovelace".into()),
    ///         ..Default::default()
    ///     })
    ///     .await?;
    /// # let _ = user;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn update(&self, user_id: &str, body: UpdateUserRequestBody) -> Result<User> {
        self.client.call(Request::patch(&["users", user_id]).json(&body)?).await
    }

    /// `DELETE /users/{user_id}`: deletes the user and ends their sessions.
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// let deleted = client.users().delete("user_2x…").await?;
    /// assert!(deleted.deleted);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn delete(&self, user_id: &str) -> Result<DeletedObject> {
        self.client.call(Request::delete(&["users", user_id])).await
    }

    /// `PATCH /users/{user_id}/metadata`: deep-merges into the stored metadata; a `null` value
    /// deletes that key at any depth.
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// use tessera_client::types::UpdateMetadataRequestBody;
    ///
    /// let public = serde_json::json!({"plan": "pro", "trial": null});
    /// let user = client
    ///     .users()
    ///     .update_metadata("user_2x…", UpdateMetadataRequestBody {
    ///         public_metadata: public.as_object().cloned(),
    ///         ..Default::default()
    ///     })
    ///     .await?;
    /// # let _ = user;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn update_metadata(&self, user_id: &str, body: UpdateMetadataRequestBody) -> Result<User> {
        self.client.call(Request::patch(&["users", user_id, "metadata"]).json(&body)?).await
    }

    /// `PUT /users/{user_id}/metadata`: replaces each given metadata object whole (Tessera only;
    /// Clerk has the merging [`Users::update_metadata`]).
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// use tessera_client::types::UpdateMetadataRequestBody;
    ///
    /// let user = client
    ///     .users()
    ///     .replace_metadata("user_2x…", UpdateMetadataRequestBody {
    ///         private_metadata: Some(Default::default()),
    ///         ..Default::default()
    ///     })
    ///     .await?;
    /// assert_eq!(user.private_metadata, Some(Default::default()));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn replace_metadata(&self, user_id: &str, body: UpdateMetadataRequestBody) -> Result<User> {
        self.client.call(Request::put(&["users", user_id, "metadata"]).json(&body)?).await
    }

    /// `POST /users/{user_id}/ban`: bans the user and revokes their sessions.
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// assert!(client.users().ban("user_2x…").await?.banned);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn ban(&self, user_id: &str) -> Result<User> {
        self.client.call(Request::post(&["users", user_id, "ban"])).await
    }

    /// `POST /users/{user_id}/unban`.
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// assert!(!client.users().unban("user_2x…").await?.banned);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn unban(&self, user_id: &str) -> Result<User> {
        self.client.call(Request::post(&["users", user_id, "unban"])).await
    }

    /// `POST /users/{user_id}/lock`: the user gets no new session until unlocked (running sessions
    /// keep working).
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// let user = client.users().lock("user_2x…").await?;
    /// assert!(user.locked);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn lock(&self, user_id: &str) -> Result<User> {
        self.client.call(Request::post(&["users", user_id, "lock"])).await
    }

    /// `POST /users/{user_id}/unlock`.
    pub async fn unlock(&self, user_id: &str) -> Result<User> {
        self.client.call(Request::post(&["users", user_id, "unlock"])).await
    }

    /// `GET /users/{user_id}/organization_memberships`: the user's memberships, with their
    /// organizations.
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// use tessera_client::UsersGetOrganizationMembershipsRequest;
    ///
    /// let page = client
    ///     .users()
    ///     .get_organization_memberships(UsersGetOrganizationMembershipsRequest {
    ///         user_id: "user_2x…".into(),
    ///         limit: None,
    ///         offset: None,
    ///     })
    ///     .await?;
    /// for m in page.data {
    ///     println!("{} in {}", m.role, m.organization.slug);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_organization_memberships(
        &self,
        request: UsersGetOrganizationMembershipsRequest,
    ) -> Result<Paginated<OrganizationMembership>> {
        self.client
            .call(Request::get(&["users", &request.user_id, "organization_memberships"]).query(request.query()))
            .await
    }
}
