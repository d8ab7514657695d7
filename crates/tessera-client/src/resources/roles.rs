//! `/v1/organization_permissions`, `/v1/organization_roles` and `/v1/role_sets`.

use tessera_types::{
    AddRolesToRoleSetRequestBody, CreateOrganizationPermissionRequestBody, CreateOrganizationRoleRequestBody,
    CreateRoleSetRequestBody, DeletedObject, Paginated, Permission, ReplaceRoleInRoleSetRequestBody,
    ReplaceRoleSetRequestBody, Role, RoleSet, UpdateOrganizationPermissionRequestBody,
    UpdateOrganizationRoleRequestBody, UpdateRoleSetRequestBody,
};

use crate::client::{Client, Request};
use crate::error::Result;
use crate::models::{ListRolesRequest, ToQuery};

/// `/v1/organization_permissions`. Get it from [`Client::organization_permissions`].
#[derive(Debug, Clone, Copy)]
pub struct OrganizationPermissions<'a> {
    client: &'a Client,
}

impl<'a> OrganizationPermissions<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        OrganizationPermissions { client }
    }

    /// `GET /organization_permissions`: system and custom permissions.
    pub async fn list(&self, request: ListRolesRequest) -> Result<Paginated<Permission>> {
        self.client.call(Request::get(&["organization_permissions"]).query(request.to_query())).await
    }

    /// `POST /organization_permissions`: a custom permission `org:<feature>:<action>`.
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// use tessera_client::types::CreateOrganizationPermissionRequestBody;
    ///
    /// let permission = client
    ///     .organization_permissions()
    ///     .create(CreateOrganizationPermissionRequestBody {
    ///         name: "Read invoices".into(),
    ///         key: "org:invoices:read".into(),
    ///         ..Default::default()
    ///     })
    ///     .await?;
    /// # let _ = permission;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create(&self, body: CreateOrganizationPermissionRequestBody) -> Result<Permission> {
        self.client.call(Request::post(&["organization_permissions"]).json(&body)?).await
    }

    /// `GET /organization_permissions/{permission_id}`.
    pub async fn get(&self, permission_id: &str) -> Result<Permission> {
        self.client.call(Request::get(&["organization_permissions", permission_id])).await
    }

    /// `PATCH /organization_permissions/{permission_id}` (custom permissions only).
    pub async fn update(
        &self,
        permission_id: &str,
        body: UpdateOrganizationPermissionRequestBody,
    ) -> Result<Permission> {
        self.client.call(Request::patch(&["organization_permissions", permission_id]).json(&body)?).await
    }

    /// `DELETE /organization_permissions/{permission_id}` (custom permissions only).
    pub async fn delete(&self, permission_id: &str) -> Result<DeletedObject> {
        self.client.call(Request::delete(&["organization_permissions", permission_id])).await
    }
}

/// `/v1/organization_roles`. Get it from [`Client::organization_roles`].
#[derive(Debug, Clone, Copy)]
pub struct OrganizationRoles<'a> {
    client: &'a Client,
}

impl<'a> OrganizationRoles<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        OrganizationRoles { client }
    }

    /// `GET /organization_roles`: roles with their permissions.
    pub async fn list(&self, request: ListRolesRequest) -> Result<Paginated<Role>> {
        self.client.call(Request::get(&["organization_roles"]).query(request.to_query())).await
    }

    /// `POST /organization_roles`: a role `org:<key>` with permissions (ids).
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// use tessera_client::types::CreateOrganizationRoleRequestBody;
    ///
    /// let role = client
    ///     .organization_roles()
    ///     .create(CreateOrganizationRoleRequestBody {
    ///         name: "Billing".into(),
    ///         key: "org:billing".into(),
    ///         permissions: Some(vec!["perm_2x…".into()]),
    ///         include_in_initial_role_set: Some(true),
    ///         ..Default::default()
    ///     })
    ///     .await?;
    /// # let _ = role;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create(&self, body: CreateOrganizationRoleRequestBody) -> Result<Role> {
        self.client.call(Request::post(&["organization_roles"]).json(&body)?).await
    }

    /// `GET /organization_roles/{organization_role_id}`.
    pub async fn get(&self, role_id: &str) -> Result<Role> {
        self.client.call(Request::get(&["organization_roles", role_id])).await
    }

    /// `PATCH /organization_roles/{organization_role_id}`: `permissions`, when given, replaces them.
    pub async fn update(&self, role_id: &str, body: UpdateOrganizationRoleRequestBody) -> Result<Role> {
        self.client.call(Request::patch(&["organization_roles", role_id]).json(&body)?).await
    }

    /// `DELETE /organization_roles/{organization_role_id}`.
    pub async fn delete(&self, role_id: &str) -> Result<DeletedObject> {
        self.client.call(Request::delete(&["organization_roles", role_id])).await
    }

    /// `POST /organization_roles/{organization_role_id}/permissions/{permission_id}`.
    pub async fn assign_permission(&self, role_id: &str, permission_id: &str) -> Result<Role> {
        self.client.call(Request::post(&["organization_roles", role_id, "permissions", permission_id])).await
    }

    /// `DELETE /organization_roles/{organization_role_id}/permissions/{permission_id}`.
    pub async fn remove_permission(&self, role_id: &str, permission_id: &str) -> Result<Role> {
        self.client.call(Request::delete(&["organization_roles", role_id, "permissions", permission_id])).await
    }
}

/// `/v1/role_sets`. Get it from [`Client::role_sets`].
#[derive(Debug, Clone, Copy)]
pub struct RoleSets<'a> {
    client: &'a Client,
}

impl<'a> RoleSets<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        RoleSets { client }
    }

    /// `GET /role_sets`.
    pub async fn list(&self, request: ListRolesRequest) -> Result<Paginated<RoleSet>> {
        self.client.call(Request::get(&["role_sets"]).query(request.to_query())).await
    }

    /// `POST /role_sets`.
    pub async fn create(&self, body: CreateRoleSetRequestBody) -> Result<RoleSet> {
        self.client.call(Request::post(&["role_sets"]).json(&body)?).await
    }

    /// `GET /role_sets/{role_set_key_or_id}`.
    pub async fn get(&self, key_or_id: &str) -> Result<RoleSet> {
        self.client.call(Request::get(&["role_sets", key_or_id])).await
    }

    /// `PATCH /role_sets/{role_set_key_or_id}`.
    pub async fn update(&self, key_or_id: &str, body: UpdateRoleSetRequestBody) -> Result<RoleSet> {
        self.client.call(Request::patch(&["role_sets", key_or_id]).json(&body)?).await
    }

    /// `POST /role_sets/{role_set_key_or_id}/replace`: moves the set's organizations to another set
    /// and deletes it.
    pub async fn replace(&self, key_or_id: &str, body: ReplaceRoleSetRequestBody) -> Result<DeletedObject> {
        self.client.call(Request::post(&["role_sets", key_or_id, "replace"]).json(&body)?).await
    }

    /// `POST /role_sets/{role_set_key_or_id}/roles`.
    pub async fn add_roles(&self, key_or_id: &str, body: AddRolesToRoleSetRequestBody) -> Result<RoleSet> {
        self.client.call(Request::post(&["role_sets", key_or_id, "roles"]).json(&body)?).await
    }

    /// `POST /role_sets/{role_set_key_or_id}/roles/replace`: takes a role out, moving its members.
    pub async fn replace_role(&self, key_or_id: &str, body: ReplaceRoleInRoleSetRequestBody) -> Result<RoleSet> {
        self.client.call(Request::post(&["role_sets", key_or_id, "roles", "replace"]).json(&body)?).await
    }
}
