//! List filters: the query parameters of the list endpoints. The server parses query strings into
//! these, the OpenAPI document describes its parameters from them (`IntoParams`, feature `openapi`)
//! and the SDK sends them (under Clerk's SDK names). Lists are repeatable keys
//! (`email_address=a&email_address=b`) whose values are alternatives; `None` and empty lists are not
//! sent. Fields are flat so that `Struct { field, ..Default::default() }` works.

use serde::{Deserialize, Serialize};

use crate::SessionStatus;

/// Declares a struct holding the filters of `GET /users` and `GET /users/count` (and `order_by`)
/// followed by the given fields: the one list of user filters, shared by both requests.
macro_rules! with_user_filters {
    ($(#[$attr:meta])* $name:ident { $($(#[$fattr:meta])* $field:ident: $ty:ty,)* }) => {
        $(#[$attr])*
        #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
        pub struct $name {
            /// Users with one of these email addresses (case-insensitive).
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            pub email_address: Vec<String>,
            /// Users with one of these phone numbers (E.164).
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            pub phone_number: Vec<String>,
            /// Users with one of these external ids.
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            pub external_id: Vec<String>,
            /// Users with one of these usernames (case-insensitive).
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            pub username: Vec<String>,
            /// Users with one of these ids.
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            pub user_id: Vec<String>,
            /// Members of one of these organizations.
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            pub organization_id: Vec<String>,
            /// Users whose id, names, username, external id, email address or phone number contain this.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub query: Option<String>,
            /// Only banned (`true`) or only not banned (`false`) users.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub banned: Option<bool>,
            /// Sort field: `created_at`, `updated_at`, `first_name`, `last_name`, `username`,
            /// `email_address`, `phone_number`, `last_sign_in_at` or `last_active_at`; `-` for
            /// descending, `+` or nothing for ascending (default `-created_at`).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            #[cfg_attr(feature = "openapi", param(pattern = r"^[+-]?(created_at|updated_at|first_name|last_name|username|email_address|phone_number|last_sign_in_at|last_active_at)$"))]
            pub order_by: Option<String>,
            $($(#[$fattr])* pub $field: $ty,)*
        }
    };
}

with_user_filters! {
    /// Filters of `GET /users/count` (the SDK's `GetUsersCountRequest`).
    UserListFilter {}
}

with_user_filters! {
    /// Filters, order and page of `GET /users` (the SDK's `GetUserListRequest`).
    UserListQuery {
        /// How many results to return, 1..=500 (default 10).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 500))]
        limit: Option<i64>,
        /// How many results to skip (default 0).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "openapi", param(minimum = 0))]
        offset: Option<i64>,
    }
}

/// `limit` and `offset` of a list (the SDK's `ListJwtTemplatesRequest`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct ListPage {
    /// How many results to return, 1..=500 (default 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 500))]
    pub limit: Option<i64>,
    /// How many results to skip (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(minimum = 0))]
    pub offset: Option<i64>,
}

/// The shape of a list that offers both a bare array and a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct ListShape {
    /// `true` answers `{data, total_count}` instead of a bare array.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paginated: Option<bool>,
}

/// Filters and page of `GET /sessions` (the SDK's `GetSessionListRequest`): `user_id` or
/// `client_id` is required. (As everywhere, an empty query value is no value.)
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct SessionListFilter {
    /// Sessions of this client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Sessions of this user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Only sessions with this status (as of now).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<SessionStatus>,
    /// How many results to return, 1..=500 (default 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 500))]
    pub limit: Option<i64>,
    /// How many results to skip (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(minimum = 0))]
    pub offset: Option<i64>,
}

/// Filters, order and page of `GET /organizations` (the SDK's `ListOrganizationsRequest`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct OrganizationListFilter {
    /// Accepted; `members_count` is always included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_members_count: Option<bool>,
    /// Organizations whose id, name or slug contain this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// Organizations this user is a member of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Organizations with one of these ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub organization_id: Vec<String>,
    /// Sort field `created_at`, `name` or `members_count`, `-` for descending (default `-created_at`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(pattern = r"^[+-]?(created_at|name|members_count)$"))]
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
