//! Request models that are not bodies: list filters (sent as query strings), the token requests
//! (path parameters plus an optional body) and the narrower metadata bodies. Names follow Clerk's
//! SDKs (`GetUserListRequest`, `CreateSessionTokenFromTemplateRequest`, ...).
//!
//! The list filters are the server's own filter types from [`tessera_types`] under the SDK's
//! names, so the SDK sends exactly what the server reads and the OpenAPI document describes. They
//! hold `Vec`s for parameters Clerk accepts several times; these are sent as repeated keys
//! (`email_address=a&email_address=b`). `None` and empty lists are not sent.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tessera_types::{
    CreateJwtTemplateRequestBody, CreateSessionTokenRequestBody, JsonObject, ListPage, OrganizationListFilter,
    OrganizationMembershipListFilter, SessionListFilter, UserListFilter, UserListQuery,
};

pub use tessera_types::SessionStatus;

/// A filter as query pairs: one pair per value, lists as repeated keys, absent values left out.
pub(crate) trait ToQuery {
    fn to_query(&self) -> Vec<(String, String)>;
}

impl<T: Serialize> ToQuery for T {
    fn to_query(&self) -> Vec<(String, String)> {
        // Through JSON text, which keeps the fields in the order the type declares them.
        let Ok(Fields(fields)) = serde_json::to_vec(self).and_then(|json| serde_json::from_slice(&json)) else {
            return Vec::new();
        };
        let mut pairs = Vec::new();
        for (key, value) in fields {
            let values = match value {
                Value::Array(items) => items,
                Value::Null => Vec::new(),
                other => vec![other],
            };
            for v in values {
                let text = match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                pairs.push((key.clone(), text));
            }
        }
        pairs
    }
}

/// The top-level fields of a JSON object, in order.
struct Fields(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for Fields {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Fields;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Fields, A::Error> {
                let mut fields = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    fields.push(entry);
                }
                Ok(Fields(fields))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

/// The query of a list that the server answers as `{data, total_count}` only when asked to.
pub(crate) fn paginated(mut pairs: Vec<(String, String)>) -> Vec<(String, String)> {
    pairs.push(("paginated".to_owned(), "true".to_owned()));
    pairs
}

/// Filters, order and page of `GET /users` ([`Users::list`](crate::resources::Users::list)):
/// [`tessera_types::UserListQuery`], the filters of [`GetUsersCountRequest`] plus `order_by`,
/// `limit`, `offset` and the `starting_after` cursor. Id lists take Clerk's prefixes: `-id`
/// excludes, `+id` or `id` includes. Timestamps are epoch milliseconds.
///
/// ```
/// use tessera_client::GetUserListRequest;
///
/// let request = GetUserListRequest {
///     email_address_query: Some("@example.com".into()),
///     organization_id: vec!["-org_2x…".into()],
///     created_at_after: Some(1_767_225_600_000),
///     order_by: Some("-created_at".into()),
///     limit: Some(50),
///     ..Default::default()
/// };
/// # let _ = request;
/// ```
pub type GetUserListRequest = UserListQuery;

/// Filters of `GET /users/count` ([`Users::count`](crate::resources::Users::count)):
/// [`tessera_types::UserListFilter`], the same filters as [`GetUserListRequest`] without the page.
pub type GetUsersCountRequest = UserListFilter;

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
    pub(crate) fn query(&self) -> Vec<(String, String)> {
        ListPage { limit: self.limit, offset: self.offset }.to_query()
    }
}

/// Filters and page of `GET /sessions` ([`Sessions::list`](crate::resources::Sessions::list)):
/// [`tessera_types::SessionListFilter`]. The server requires `user_id` or `client_id`.
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
pub type GetSessionListRequest = SessionListFilter;

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
/// ([`Organizations::list`](crate::resources::Organizations::list)):
/// [`tessera_types::OrganizationListFilter`]. `user_id` and `organization_id` take Clerk's
/// prefixes (`-id` excludes).
pub type ListOrganizationsRequest = OrganizationListFilter;

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

/// Path and query of `GET /organizations/{organization_id}/memberships`
/// ([`OrganizationMemberships::list`](crate::resources::OrganizationMemberships::list)): the
/// organization and the filters, order and page
/// ([`tessera_types::OrganizationMembershipListFilter`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListOrganizationMembershipsRequest {
    /// The organization whose memberships to list.
    pub organization_id: String,
    /// Filters (members' ids, emails, names, … and `role`), `order_by`, `limit`, `offset`.
    pub filter: OrganizationMembershipListFilter,
}

impl ListOrganizationMembershipsRequest {
    /// All memberships of `organization_id`, first page, server defaults.
    pub fn new(organization_id: impl Into<String>) -> Self {
        ListOrganizationMembershipsRequest { organization_id: organization_id.into(), filter: Default::default() }
    }

    /// With these filters.
    pub fn filter(mut self, filter: OrganizationMembershipListFilter) -> Self {
        self.filter = filter;
        self
    }

    pub(crate) fn query(&self) -> Vec<(String, String)> {
        self.filter.to_query()
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

/// Page of `GET /jwt_templates` ([`JwtTemplates::list`](crate::resources::JwtTemplates::list)):
/// [`tessera_types::ListPage`].
pub type ListJwtTemplatesRequest = ListPage;

/// Query of `GET /organization_permissions`, `GET /organization_roles` and `GET /role_sets`:
/// [`tessera_types::RoleListQuery`].
pub type ListRolesRequest = tessera_types::RoleListQuery;

/// Filters, order and page of `GET /invitations`
/// ([`Invitations::list`](crate::resources::Invitations::list)):
/// [`tessera_types::InvitationListQuery`]; `status` is repeatable.
pub type ListInvitationsRequest = tessera_types::InvitationListQuery;

/// Path and query of `GET /organizations/{organization_id}/invitations`
/// ([`OrganizationInvitations::list`](crate::resources::OrganizationInvitations::list)).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListOrganizationInvitationsRequest {
    /// The organization whose invitations to list.
    pub organization_id: String,
    /// `status` (repeatable), `email_address`, `order_by`, `limit`, `offset`.
    pub filter: tessera_types::OrganizationInvitationListQuery,
}

/// Path and page of `GET /organizations/{organization_id}/invitations/pending`
/// ([`OrganizationInvitations::list_pending`](crate::resources::OrganizationInvitations::list_pending)).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListPendingOrganizationInvitationsRequest {
    /// The organization whose pending invitations to list.
    pub organization_id: String,
    /// `limit`, `offset`.
    pub page: ListPage,
}

/// Filters, order and page of `GET /organization_invitations`
/// ([`OrganizationInvitations::get_all`](crate::resources::OrganizationInvitations::get_all)).
pub type ListInstanceOrganizationInvitationsRequest = tessera_types::InstanceOrganizationInvitationListQuery;

/// `GET /users/{user_id}/organization_invitations`
/// ([`Users::get_organization_invitations`](crate::resources::Users::get_organization_invitations)).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UsersGetOrganizationInvitationsRequest {
    /// The user whose email addresses' invitations to list.
    pub user_id: String,
    /// `status` (repeatable), `limit`, `offset`.
    pub filter: tessera_types::UserOrganizationInvitationListQuery,
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
        assert_eq!(paginated(q), pairs(&[("user_id", "user_1"), ("status", "revoked"), ("paginated", "true")]));
        assert!(ListJwtTemplatesRequest::default().to_query().is_empty());
    }

    #[test]
    fn invitation_statuses_are_repeated_keys() {
        use tessera_types::InvitationStatus;
        let q = ListInvitationsRequest {
            status: vec![InvitationStatus::Pending, InvitationStatus::Expired],
            order_by: Some("-expires_at".into()),
            ..Default::default()
        }
        .to_query();
        assert_eq!(q, pairs(&[("status", "pending"), ("status", "expired"), ("order_by", "-expires_at")]));
    }

    #[test]
    fn template_token_body_serializes_only_what_is_set() {
        let empty = serde_json::to_string(&CreateSessionTokenFromTemplateRequestBody::default());
        assert_eq!(empty.unwrap(), "{}");
        let set = serde_json::to_string(&CreateSessionTokenFromTemplateRequestBody { expires_in_seconds: Some(300) });
        assert_eq!(set.unwrap(), r#"{"expires_in_seconds":300}"#);
    }
}
