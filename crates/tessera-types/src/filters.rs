//! List filters: the query parameters of the list endpoints. The server parses query strings into
//! these, the OpenAPI document describes its parameters from them (`IntoParams`, feature `openapi`)
//! and the SDK sends them (under Clerk's SDK names). Lists are repeatable keys
//! (`email_address=a&email_address=b`) whose values are alternatives; `None` and empty lists are not
//! sent. Fields are flat so that `Struct { field, ..Default::default() }` works.
//!
//! Id lists marked so take Clerk's prefixes: `-id` excludes, `+id` (or no sign) includes. A `+`
//! sent unencoded in a query string arrives as a space, so a leading space reads as `+` too.

use serde::{Deserialize, Serialize};

use crate::SessionStatus;

/// Declares a struct holding the filters of `GET /users` and `GET /users/count` followed by the given
/// fields: the one list of user filters, shared by both requests. Timestamps are epoch milliseconds;
/// `_before`/`_after` bounds are strict. A user without a value (never active, never signed in)
/// matches no bound on it.
macro_rules! with_user_filters {
    ($(#[$attr:meta])* $name:ident { $($(#[$fattr:meta])* $field:ident: $ty:ty,)* }) => {
        $(#[$attr])*
        #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
        pub struct $name {
            /// Users with one of these email addresses (case-insensitive); up to 100.
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            #[cfg_attr(feature = "openapi", param(max_items = 100))]
            pub email_address: Vec<String>,
            /// Users with one of these phone numbers (as stored); up to 100.
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            #[cfg_attr(feature = "openapi", param(max_items = 100))]
            pub phone_number: Vec<String>,
            /// Users with one of these external ids; `-ext` excludes users with that external id
            /// and `+ext` (or no sign) includes; up to 100.
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            #[cfg_attr(feature = "openapi", param(max_items = 100))]
            pub external_id: Vec<String>,
            /// Users with one of these usernames (case-insensitive); up to 100.
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            #[cfg_attr(feature = "openapi", param(max_items = 100))]
            pub username: Vec<String>,
            /// Users with one of these web3 wallet addresses (case-insensitive); up to 100.
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            #[cfg_attr(feature = "openapi", param(max_items = 100))]
            pub web3_wallet: Vec<String>,
            /// Users with one of these ids; `-user_…` excludes that user and `+user_…` (or no
            /// sign) includes; up to 100.
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            #[cfg_attr(feature = "openapi", param(max_items = 100))]
            pub user_id: Vec<String>,
            /// Members of one of these organizations; `-org_…` excludes the members of that
            /// organization and `+org_…` (or no sign) includes; up to 100.
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            #[cfg_attr(feature = "openapi", param(max_items = 100))]
            pub organization_id: Vec<String>,
            /// Users whose id, email addresses, phone numbers, username, web3 wallets, first or last
            /// name contain this (case-insensitive).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub query: Option<String>,
            /// Users with an email address that contains this (case-insensitive).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub email_address_query: Option<String>,
            /// Users with a phone number that contains this (case-insensitive).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub phone_number_query: Option<String>,
            /// Users whose username contains this (case-insensitive).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub username_query: Option<String>,
            /// Users whose first name, last name or "first last" contains this (case-insensitive).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub name_query: Option<String>,
            /// Only banned (`true`) or only not banned (`false`) users.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub banned: Option<bool>,
            /// Users last active before this time (epoch ms).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            #[cfg_attr(feature = "openapi", param(minimum = 0))]
            pub last_active_at_before: Option<i64>,
            /// Users last active after this time (epoch ms).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            #[cfg_attr(feature = "openapi", param(minimum = 0))]
            pub last_active_at_after: Option<i64>,
            /// Deprecated: users last active at or after this time (epoch ms); use
            /// `last_active_at_after`.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            #[cfg_attr(feature = "openapi", param(minimum = 0))]
            pub last_active_at_since: Option<i64>,
            /// Users created before this time (epoch ms).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            #[cfg_attr(feature = "openapi", param(minimum = 0))]
            pub created_at_before: Option<i64>,
            /// Users created after this time (epoch ms).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            #[cfg_attr(feature = "openapi", param(minimum = 0))]
            pub created_at_after: Option<i64>,
            /// Users who last signed in before this time (epoch ms).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            #[cfg_attr(feature = "openapi", param(minimum = 0))]
            pub last_sign_in_at_before: Option<i64>,
            /// Users who last signed in after this time (epoch ms).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            #[cfg_attr(feature = "openapi", param(minimum = 0))]
            pub last_sign_in_at_after: Option<i64>,
            /// Users with an external account of this OAuth provider (e.g. `oauth_google`) whose
            /// provider user id is one of `provider_user_id`; the two go together.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub provider: Option<String>,
            /// Provider user ids of the external accounts of `provider`; up to 100.
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            #[cfg_attr(feature = "openapi", param(max_items = 100))]
            pub provider_user_id: Vec<String>,
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
        /// Sort field: `created_at`, `updated_at`, `first_name`, `last_name`, `username`,
        /// `email_address`, `phone_number`, `web3wallet`, `last_sign_in_at` or `last_active_at`;
        /// `-` for descending, `+` or nothing for ascending (default `-created_at`). Only the first
        /// `order_by` given counts.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "openapi", param(pattern = r"^[-+ ]?(created_at|updated_at|first_name|last_name|username|email_address|phone_number|web3wallet|last_sign_in_at|last_active_at)$"))]
        order_by: Option<String>,
        /// How many results to return, 1..=500 (default 10).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 500))]
        limit: Option<i64>,
        /// How many results to skip (default 0).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "openapi", param(minimum = 0))]
        offset: Option<i64>,
        /// A cursor: the id of the last user of the previous page; the users that follow it in the
        /// `created_at` order. Needs `order_by` absent or `[+-]created_at`, and no non-zero `offset`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        starting_after: Option<String>,
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
    /// `members_count` is included unless this is `false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_members_count: Option<bool>,
    /// Only `false` is accepted: Tessera does not compute `missing_member_with_elevated_permissions`,
    /// so `true` answers 400 `invalid_query_parameter_value`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_missing_member_with_elevated_permissions: Option<bool>,
    /// Organizations whose id is this (case-insensitive) or whose name or slug contain it
    /// (case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// Organizations one of these users is a member of; `-user_…` excludes the organizations that
    /// user is a member of and `+user_…` (or no sign) includes; up to 100.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", param(max_items = 100))]
    pub user_id: Vec<String>,
    /// Organizations with one of these ids; `-org_…` excludes that organization and `+org_…` (or no
    /// sign) includes; up to 100.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", param(max_items = 100))]
    pub organization_id: Vec<String>,
    /// Sort field `created_at`, `name` or `members_count`, `-` for descending, `+` or nothing for
    /// ascending (default `-created_at`). Only the first `order_by` given counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(pattern = r"^[-+ ]?(created_at|name|members_count)$"))]
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

/// Filters, order and page of `GET /organizations/{organization_id}/memberships` (the SDK's
/// `ListOrganizationMembershipsRequest`): the user filters apply to the members, `role` to their
/// membership. Timestamps are epoch milliseconds of the user's activity and creation.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct OrganizationMembershipListFilter {
    /// Members with one of these user ids; `-user_…` excludes that member and `+user_…` (or no sign)
    /// includes; up to 100.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", param(max_items = 100))]
    pub user_id: Vec<String>,
    /// Members with one of these email addresses (case-insensitive); up to 100.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", param(max_items = 100))]
    pub email_address: Vec<String>,
    /// Members with one of these phone numbers; up to 100.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", param(max_items = 100))]
    pub phone_number: Vec<String>,
    /// Members with one of these usernames (case-insensitive); up to 100.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", param(max_items = 100))]
    pub username: Vec<String>,
    /// Members with one of these web3 wallet addresses (case-insensitive); up to 100.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", param(max_items = 100))]
    pub web3_wallet: Vec<String>,
    /// Memberships with one of these role keys; up to 100.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", param(max_items = 100))]
    pub role: Vec<String>,
    /// Members whose id, email addresses, phone numbers, username, web3 wallets, first or last name
    /// contain this (case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// Members with an email address that contains this (case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_address_query: Option<String>,
    /// Members with a phone number that contains this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number_query: Option<String>,
    /// Members whose username contains this (case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username_query: Option<String>,
    /// Members whose first name, last name or "first last" contains this (case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_query: Option<String>,
    /// Members last active before this time (strict).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(minimum = 0))]
    pub last_active_at_before: Option<i64>,
    /// Members last active after this time (strict).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(minimum = 0))]
    pub last_active_at_after: Option<i64>,
    /// Members whose user was created before this time (strict).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(minimum = 0))]
    pub created_at_before: Option<i64>,
    /// Members whose user was created after this time (strict).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(minimum = 0))]
    pub created_at_after: Option<i64>,
    /// Sort field `created_at` (of the membership), `first_name`, `last_name`, `username`,
    /// `email_address` or `phone_number` (of the member), `-` for descending, `+` or nothing for
    /// ascending (default `created_at`, oldest first). Only the first `order_by` given counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        param(pattern = r"^[-+ ]?(created_at|first_name|last_name|username|email_address|phone_number)$")
    )]
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

/// Order and page of `GET /organization_memberships`, every membership of the instance (the SDKs'
/// `getInstanceOrganizationMembershipList` / `get_instance_organization_memberships`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct InstanceMembershipListQuery {
    /// As for one organization's memberships; default `-created_at` (newest first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        param(pattern = r"^[-+ ]?(created_at|first_name|last_name|username|email_address|phone_number)$")
    )]
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
