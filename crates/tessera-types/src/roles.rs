//! Organization permissions, roles and role sets: Clerk's `Permission`, `Role`, `RoleSet` schemas (tags
//! Organization Permissions, Organization Roles and Role Sets), their request bodies and list query.

use serde::{Deserialize, Serialize};

/// `{"object":"permission", ...}`. `type` is `"system"` for Clerk's `org:sys_*` permissions and
/// `"user"` for custom ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Permission {
    pub object: String,
    pub id: String,
    pub name: String,
    pub key: String,
    /// Always a string (`""` when none was given): Clerk's Python SDK requires it.
    #[serde(default)]
    pub description: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// `{"object":"role", ...}` with its permissions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Role {
    pub object: String,
    pub id: String,
    pub name: String,
    pub key: String,
    #[cfg_attr(feature = "openapi", schema(required))]
    pub description: Option<String>,
    /// Whether the role holds the system permissions an organization creator needs.
    pub is_creator_eligible: bool,
    pub permissions: Vec<Permission>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A role as listed in a role set (`{"object":"role_set_item", ...}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoleSetItem {
    pub object: String,
    pub id: String,
    pub name: String,
    pub key: String,
    #[cfg_attr(feature = "openapi", schema(required))]
    pub description: Option<String>,
    /// Members holding this role in organizations that use the role set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members_count: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_members: Option<bool>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// `{"object":"role_set", ...}`: the roles an organization using it can give its members.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoleSet {
    pub object: String,
    pub id: String,
    pub name: String,
    pub key: String,
    #[cfg_attr(feature = "openapi", schema(required))]
    pub description: Option<String>,
    pub roles: Vec<RoleSetItem>,
    #[serde(default)]
    pub default_role: Option<RoleSetItem>,
    #[serde(default)]
    pub creator_role: Option<RoleSetItem>,
    /// `"initial"` (the set new organizations get) or `"custom"`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Tessera applies role reassignments in the request that asks for them: never in progress.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub role_set_migration: Option<serde_json::Value>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// `POST /organization_permissions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateOrganizationPermissionRequestBody {
    pub name: String,
    /// `org:<feature>:<action>`; `org:sys_` is reserved.
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// `PATCH /organization_permissions/{permission_id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateOrganizationPermissionRequestBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// `POST /organization_roles`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateOrganizationRoleRequestBody {
    pub name: String,
    /// `org:<key>`: lowercase letters, digits and `_`.
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Permission ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions: Option<Vec<String>>,
    /// Add the role to the initial role set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_in_initial_role_set: Option<bool>,
}

/// `PATCH /organization_roles/{organization_role_id}`. `permissions` (ids) replaces the role's
/// permissions when given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateOrganizationRoleRequestBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions: Option<Vec<String>>,
}

/// `POST /role_sets`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateRoleSetRequestBody {
    pub name: String,
    /// `role_set:<key>`; made from the name when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub default_role_key: String,
    pub creator_role_key: String,
    /// `initial` or `custom` (default).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Role keys, 1 to 10.
    pub roles: Vec<String>,
}

/// `PATCH /role_sets/{role_set_key_or_id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateRoleSetRequestBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Only `initial`: makes this the set new organizations get.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_role_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator_role_key: Option<String>,
}

/// `POST /role_sets/{role_set_key_or_id}/replace`: moves every organization using the set to
/// `dest_role_set_key`, reassigning roles the destination lacks, and deletes the set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReplaceRoleSetRequestBody {
    pub dest_role_set_key: String,
    /// Source role key → destination role key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reassignment_mappings: Option<std::collections::BTreeMap<String, String>>,
}

/// `POST /role_sets/{role_set_key_or_id}/roles`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AddRolesToRoleSetRequestBody {
    pub role_keys: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_role_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator_role_key: Option<String>,
}

/// `POST /role_sets/{role_set_key_or_id}/roles/replace`: removes `role_key` from the set, moving its
/// members to `to_role_key`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReplaceRoleInRoleSetRequestBody {
    pub role_key: String,
    pub to_role_key: String,
}

/// Query of `GET /organization_permissions`, `GET /organization_roles` and `GET /role_sets`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct RoleListQuery {
    /// Exact id, or a case-insensitive part of the name or key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// `created_at`, `name` or `key`, `+` ascending or `-` descending (default `-created_at`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(pattern = r"^[+-]?(created_at|name|key)$"))]
    pub order_by: Option<String>,
    /// How many results to return, 1..=500 (default 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 500))]
    pub limit: Option<i64>,
    /// How many results to skip (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(minimum = 0))]
    pub offset: Option<i64>,
}
