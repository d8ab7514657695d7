//! Request models that `tessera_types` does not have: list filters (sent as query strings), the
//! token requests (path parameters plus an optional body) and the narrower metadata bodies. Names
//! follow Clerk's SDKs (`GetUserListRequest`, `CreateSessionTokenFromTemplateRequest`, ...).
//!
//! List filters hold `Vec`s for parameters Clerk accepts several times; they are sent as repeated
//! keys (`email_address=a&email_address=b`). `None` and empty lists are not sent.

use serde::{Deserialize, Serialize};
use tessera_types::{CreateJwtTemplateRequestBody, CreateSessionTokenRequestBody, JsonObject};

pub use tessera_types::SessionStatus;

/// Query pairs under construction.
#[derive(Default)]
pub(crate) struct Query(pub(crate) Vec<(String, String)>);

impl Query {
    fn one<V: ToString>(&mut self, key: &str, value: &Option<V>) -> &mut Self {
        if let Some(v) = value {
            self.0.push((key.to_owned(), v.to_string()));
        }
        self
    }

    fn all(&mut self, key: &str, values: &[String]) -> &mut Self {
        for v in values {
            self.0.push((key.to_owned(), v.clone()));
        }
        self
    }

    fn fixed(&mut self, key: &str, value: &str) -> &mut Self {
        self.0.push((key.to_owned(), value.to_owned()));
        self
    }

    fn done(&mut self) -> Vec<(String, String)> {
        std::mem::take(&mut self.0)
    }
}

/// Filters, order and page of `GET /users` ([`Users::list`](crate::resources::Users::list)).
///
/// ```
/// use tessera_client::GetUserListRequest;
///
/// let request = GetUserListRequest {
///     email_address: vec!["ada@example.com".into(), "grace@example.com".into()],
///     order_by: Some("-created_at".into()),
///     limit: Some(50),
///     ..Default::default()
/// };
/// # let _ = request;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GetUserListRequest {
    /// Users with any of these email addresses.
    pub email_address: Vec<String>,
    /// Users with any of these phone numbers (E.164).
    pub phone_number: Vec<String>,
    /// Users with any of these external ids.
    pub external_id: Vec<String>,
    /// Users with any of these usernames.
    pub username: Vec<String>,
    /// Users with any of these ids.
    pub user_id: Vec<String>,
    /// Members of any of these organizations.
    pub organization_id: Vec<String>,
    /// Free-text search over ids, names, usernames, emails and phone numbers.
    pub query: Option<String>,
    /// Only banned (`true`) or only not banned (`false`) users.
    pub banned: Option<bool>,
    /// `created_at`, `updated_at`, `first_name`, `last_name`, `username`, `email_address`,
    /// `phone_number`, `last_sign_in_at` or `last_active_at`; prefix `-` for descending, `+` (or
    /// nothing) for ascending.
    pub order_by: Option<String>,
    /// Page size, 1..=500 (server default 10).
    pub limit: Option<i64>,
    /// Items to skip (server default 0).
    pub offset: Option<i64>,
}

impl GetUserListRequest {
    pub(crate) fn to_query(&self) -> Vec<(String, String)> {
        Query::default()
            .all("email_address", &self.email_address)
            .all("phone_number", &self.phone_number)
            .all("external_id", &self.external_id)
            .all("username", &self.username)
            .all("user_id", &self.user_id)
            .all("organization_id", &self.organization_id)
            .one("query", &self.query)
            .one("banned", &self.banned)
            .one("order_by", &self.order_by)
            .one("limit", &self.limit)
            .one("offset", &self.offset)
            .done()
    }
}

/// Filters of `GET /users/count` ([`Users::count`](crate::resources::Users::count)): the same as
/// [`GetUserListRequest`] without order and page.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GetUsersCountRequest {
    /// Users with any of these email addresses.
    pub email_address: Vec<String>,
    /// Users with any of these phone numbers.
    pub phone_number: Vec<String>,
    /// Users with any of these external ids.
    pub external_id: Vec<String>,
    /// Users with any of these usernames.
    pub username: Vec<String>,
    /// Users with any of these ids.
    pub user_id: Vec<String>,
    /// Members of any of these organizations.
    pub organization_id: Vec<String>,
    /// Free-text search.
    pub query: Option<String>,
    /// Only banned or only not banned users.
    pub banned: Option<bool>,
}

impl GetUsersCountRequest {
    pub(crate) fn to_query(&self) -> Vec<(String, String)> {
        Query::default()
            .all("email_address", &self.email_address)
            .all("phone_number", &self.phone_number)
            .all("external_id", &self.external_id)
            .all("username", &self.username)
            .all("user_id", &self.user_id)
            .all("organization_id", &self.organization_id)
            .one("query", &self.query)
            .one("banned", &self.banned)
            .done()
    }
}

/// `GET /users/{user_id}/organization_memberships`
/// ([`Users::get_organization_memberships`](crate::resources::Users::get_organization_memberships)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsersGetOrganizationMembershipsRequest {
    /// The user whose memberships to list.
    pub user_id: String,
    /// Page size, 1..=500.
    pub limit: Option<i64>,
    /// Items to skip.
    pub offset: Option<i64>,
}

impl UsersGetOrganizationMembershipsRequest {
    pub(crate) fn to_query(&self) -> Vec<(String, String)> {
        Query::default().one("limit", &self.limit).one("offset", &self.offset).done()
    }
}

/// Filters and page of `GET /sessions` ([`Sessions::list`](crate::resources::Sessions::list)).
/// The server requires `user_id` or `client_id`.
///
/// ```
/// use tessera_client::{GetSessionListRequest, SessionStatus};
///
/// let request = GetSessionListRequest {
///     user_id: Some("user_2x…".into()),
///     status: Some(SessionStatus::Active),
///     ..Default::default()
/// };
/// # let _ = request;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GetSessionListRequest {
    /// Sessions of this client.
    pub client_id: Option<String>,
    /// Sessions of this user.
    pub user_id: Option<String>,
    /// Only sessions with this status.
    pub status: Option<SessionStatus>,
    /// Page size, 1..=500.
    pub limit: Option<i64>,
    /// Items to skip.
    pub offset: Option<i64>,
}

impl GetSessionListRequest {
    pub(crate) fn to_query(&self) -> Vec<(String, String)> {
        Query::default()
            .one("client_id", &self.client_id)
            .one("user_id", &self.user_id)
            .one("status", &self.status.map(SessionStatus::as_str))
            .one("limit", &self.limit)
            .one("offset", &self.offset)
            .fixed("paginated", "true")
            .done()
    }
}

/// `POST /sessions/{session_id}/tokens`
/// ([`Sessions::create_session_token`](crate::resources::Sessions::create_session_token)).
///
/// `body: None` sends no body at all (the server's defaults apply: 60 s lifetime).
#[derive(Debug, Clone, PartialEq)]
pub struct CreateSessionTokenRequest {
    /// The session to mint for (must be active or pending).
    pub session_id: String,
    /// Optional body: `expires_in_seconds` (30..=315360000).
    pub body: Option<CreateSessionTokenRequestBody>,
}

/// `POST /sessions/{session_id}/tokens/{template_name}`
/// ([`Sessions::create_token_from_template`](crate::resources::Sessions::create_token_from_template)).
///
/// `body: None` sends no body at all (the template's lifetime applies).
///
/// ```
/// use tessera_client::{
///     CreateSessionTokenFromTemplateRequest, CreateSessionTokenFromTemplateRequestBody,
/// };
///
/// let request = CreateSessionTokenFromTemplateRequest {
///     session_id: "sess_…".into(),
///     template_name: "supabase".into(),
///     body: Some(CreateSessionTokenFromTemplateRequestBody {
///         expires_in_seconds: Some(300),
///     }),
/// };
/// # let _ = request;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateSessionTokenFromTemplateRequest {
    /// The session to mint for (must be active or pending).
    pub session_id: String,
    /// The template's `name` (not its id).
    pub template_name: String,
    /// Optional body.
    pub body: Option<CreateSessionTokenFromTemplateRequestBody>,
}

/// Body of `POST /sessions/{session_id}/tokens/{template_name}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct CreateSessionTokenFromTemplateRequestBody {
    /// Lifetime of this token in seconds (30..=315360000), instead of the template's `lifetime`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in_seconds: Option<i64>,
}

/// Filters, order and page of `GET /organizations`
/// ([`Organizations::list`](crate::resources::Organizations::list)).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListOrganizationsRequest {
    /// Ask for `members_count` on each organization.
    pub include_members_count: Option<bool>,
    /// Free-text search over id, name and slug.
    pub query: Option<String>,
    /// Only organizations this user is a member of.
    pub user_id: Option<String>,
    /// Only these organizations.
    pub organization_id: Vec<String>,
    /// `created_at`, `name` or `members_count`, with an optional `-`/`+` prefix.
    pub order_by: Option<String>,
    /// Page size, 1..=500.
    pub limit: Option<i64>,
    /// Items to skip.
    pub offset: Option<i64>,
}

impl ListOrganizationsRequest {
    pub(crate) fn to_query(&self) -> Vec<(String, String)> {
        Query::default()
            .one("include_members_count", &self.include_members_count)
            .one("query", &self.query)
            .one("user_id", &self.user_id)
            .all("organization_id", &self.organization_id)
            .one("order_by", &self.order_by)
            .one("limit", &self.limit)
            .one("offset", &self.offset)
            .done()
    }
}

/// Body of `PATCH /organizations/{organization_id}/metadata`: deep-merged into the stored
/// metadata; a `null` value deletes that key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct UpdateOrganizationMetadataRequestBody {
    /// Merged into `public_metadata`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_metadata: Option<JsonObject>,
    /// Merged into `private_metadata`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_metadata: Option<JsonObject>,
}

/// `GET /organizations/{organization_id}/memberships`
/// ([`OrganizationMemberships::list`](crate::resources::OrganizationMemberships::list)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListOrganizationMembershipsRequest {
    /// The organization whose memberships to list.
    pub organization_id: String,
    /// Sort order, e.g. `-created_at`.
    pub order_by: Option<String>,
    /// Page size, 1..=500.
    pub limit: Option<i64>,
    /// Items to skip.
    pub offset: Option<i64>,
}

impl ListOrganizationMembershipsRequest {
    /// All memberships of `organization_id`, first page, server defaults.
    pub fn new(organization_id: impl Into<String>) -> Self {
        ListOrganizationMembershipsRequest {
            organization_id: organization_id.into(),
            order_by: None,
            limit: None,
            offset: None,
        }
    }

    pub(crate) fn to_query(&self) -> Vec<(String, String)> {
        Query::default().one("order_by", &self.order_by).one("limit", &self.limit).one("offset", &self.offset).done()
    }
}

/// Body of `PATCH /organizations/{organization_id}/memberships/{user_id}/metadata`: deep-merged;
/// a `null` value deletes that key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct UpdateOrganizationMembershipMetadataRequestBody {
    /// Merged into `public_metadata`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_metadata: Option<JsonObject>,
    /// Merged into `private_metadata`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_metadata: Option<JsonObject>,
}

/// Page of `GET /jwt_templates` ([`JwtTemplates::list`](crate::resources::JwtTemplates::list)).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListJwtTemplatesRequest {
    /// Page size, 1..=500.
    pub limit: Option<i64>,
    /// Items to skip.
    pub offset: Option<i64>,
}

impl ListJwtTemplatesRequest {
    pub(crate) fn to_query(&self) -> Vec<(String, String)> {
        Query::default().one("limit", &self.limit).one("offset", &self.offset).fixed("paginated", "true").done()
    }
}

/// Body of `PATCH /jwt_templates/{template_id}`: the whole template again (Clerk requires `name`
/// and `claims` on update too).
pub type UpdateJwtTemplateRequestBody = CreateJwtTemplateRequestBody;

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn user_list_repeats_keys_and_skips_absent_values() {
        let q = GetUserListRequest {
            email_address: vec!["a@x.io".into(), "b@x.io".into()],
            banned: Some(false),
            offset: Some(0),
            ..Default::default()
        }
        .to_query();
        assert_eq!(
            q,
            pairs(&[("email_address", "a@x.io"), ("email_address", "b@x.io"), ("banned", "false"), ("offset", "0"),])
        );
        assert!(GetUserListRequest::default().to_query().is_empty());
    }

    #[test]
    fn session_and_template_lists_ask_for_pages() {
        let q = GetSessionListRequest {
            user_id: Some("user_1".into()),
            status: Some(SessionStatus::Revoked),
            ..Default::default()
        }
        .to_query();
        assert_eq!(q, pairs(&[("user_id", "user_1"), ("status", "revoked"), ("paginated", "true")]));
        assert_eq!(ListJwtTemplatesRequest::default().to_query(), pairs(&[("paginated", "true")]));
    }

    #[test]
    fn template_token_body_serializes_only_what_is_set() {
        let empty = serde_json::to_string(&CreateSessionTokenFromTemplateRequestBody::default());
        assert_eq!(empty.unwrap(), "{}");
        let set = serde_json::to_string(&CreateSessionTokenFromTemplateRequestBody { expires_in_seconds: Some(300) });
        assert_eq!(set.unwrap(), r#"{"expires_in_seconds":300}"#);
    }
}
