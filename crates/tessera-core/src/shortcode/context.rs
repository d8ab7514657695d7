//! The context tree: what the shortcodes can see, built from Clerk wire objects.

use serde_json::{Map, Value};
use tessera_types::{Organization, OrganizationMembership, Session, User, Verification};

/// The data the shortcodes see. Build it once per mint.
///
/// The tree is `{"user": {…}, "org": {…}|null, "org_membership": {…}|null, "session": {…}|null}`
/// holding exactly the shortcode catalogue of `clerk-compat.md` §1.3. `memberships` is every
/// `(org_id, role)` of the user and becomes `user.organizations` (a later duplicate wins). No
/// `private_metadata` is ever copied in.
pub fn build_context(
    user: &User,
    session: Option<&Session>,
    active: Option<(&Organization, &OrganizationMembership)>,
    memberships: &[(String, String)],
) -> Value {
    let mut root = Map::new();
    root.insert("user".into(), user_context(user, memberships));
    let (org, membership) = match active {
        Some((org, membership)) => (org_context(org, membership), membership_context(membership)),
        None => (Value::Null, Value::Null),
    };
    root.insert("org".into(), org);
    root.insert("org_membership".into(), membership);
    root.insert("session".into(), session.map_or(Value::Null, session_context));
    Value::Object(root)
}

static NULL: Value = Value::Null;

/// The four roots of [`build_context`]'s tree, each borrowed from where it is kept: the mint cache
/// builds a user's, an organization's and a membership's part once per cached record, so a mint
/// renders without building (or cloning) the tree. `None` is `null`.
#[derive(Debug, Clone, Copy)]
pub struct ContextParts<'a> {
    pub user: &'a Value,
    pub org: Option<&'a Value>,
    pub org_membership: Option<&'a Value>,
    pub session: Option<&'a Value>,
}

impl super::Roots for ContextParts<'_> {
    fn root(&self, name: &str) -> Option<&Value> {
        match name {
            "user" => Some(self.user),
            "org" => Some(self.org.unwrap_or(&NULL)),
            "org_membership" => Some(self.org_membership.unwrap_or(&NULL)),
            "session" => Some(self.session.unwrap_or(&NULL)),
            _ => None,
        }
    }
}

fn opt_str(s: Option<&str>) -> Value {
    s.map_or(Value::Null, |s| Value::String(s.to_owned()))
}

fn is_verified(v: Option<&Verification>) -> bool {
    v.is_some_and(|v| v.status == "verified")
}

/// The `user` part of the context (see [`build_context`]).
pub fn user_context(user: &User, memberships: &[(String, String)]) -> Value {
    let first = user.first_name.as_deref().filter(|s| !s.is_empty());
    let last = user.last_name.as_deref().filter(|s| !s.is_empty());
    let full_name = match (first, last) {
        (Some(f), Some(l)) => Value::String(format!("{f} {l}")),
        (Some(only), None) | (None, Some(only)) => Value::String(only.to_owned()),
        (None, None) => Value::Null,
    };
    let primary_email = user
        .primary_email_address_id
        .as_deref()
        .and_then(|id| user.email_addresses.iter().find(|e| e.id == id).map(|e| e.email_address.as_str()));
    let primary_phone = user
        .primary_phone_number_id
        .as_deref()
        .and_then(|id| user.phone_numbers.iter().find(|p| p.id == id).map(|p| p.phone_number.as_str()));
    let email_verified = user.email_addresses.iter().any(|e| is_verified(e.verification.as_ref()));
    let phone_verified = user.phone_numbers.iter().any(|p| is_verified(p.verification.as_ref()));
    let organizations: Map<String, Value> =
        memberships.iter().map(|(org_id, role)| (org_id.clone(), Value::String(role.clone()))).collect();

    let mut m = Map::new();
    m.insert("id".into(), Value::String(user.id.clone()));
    m.insert("first_name".into(), opt_str(user.first_name.as_deref()));
    m.insert("last_name".into(), opt_str(user.last_name.as_deref()));
    m.insert("full_name".into(), full_name);
    m.insert("username".into(), opt_str(user.username.as_deref()));
    m.insert("external_id".into(), opt_str(user.external_id.as_deref()));
    m.insert("created_at".into(), Value::from(user.created_at.div_euclid(1000)));
    m.insert("updated_at".into(), Value::from(user.updated_at.div_euclid(1000)));
    m.insert("primary_email_address".into(), opt_str(primary_email));
    m.insert("primary_phone_number".into(), opt_str(primary_phone));
    m.insert("email_verified".into(), Value::Bool(email_verified));
    m.insert("phone_number_verified".into(), Value::Bool(phone_verified));
    m.insert("has_verified_email".into(), Value::Bool(email_verified));
    m.insert("has_verified_phone".into(), Value::Bool(phone_verified));
    m.insert("image_url".into(), Value::String(user.image_url.clone()));
    m.insert("profile_image_url".into(), Value::String(user.image_url.clone()));
    m.insert("two_factor_enabled".into(), Value::Bool(user.two_factor_enabled));
    m.insert("public_metadata".into(), Value::Object(user.public_metadata.clone()));
    m.insert("unsafe_metadata".into(), Value::Object(user.unsafe_metadata.clone()));
    m.insert("organizations".into(), Value::Object(organizations));
    Value::Object(m)
}

/// The `org` part of the context (see [`build_context`]).
pub fn org_context(org: &Organization, membership: &OrganizationMembership) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), Value::String(org.id.clone()));
    m.insert("name".into(), Value::String(org.name.clone()));
    m.insert("slug".into(), Value::String(org.slug.clone()));
    m.insert("role".into(), Value::String(membership.role.clone()));
    m.insert("public_metadata".into(), Value::Object(org.public_metadata.clone()));
    m.insert("image_url".into(), Value::String(org.image_url.clone()));
    Value::Object(m)
}

/// The `org_membership` part of the context (see [`build_context`]).
pub fn membership_context(membership: &OrganizationMembership) -> Value {
    let permissions = membership.permissions.iter().map(|p| Value::String(p.clone())).collect();
    let mut m = Map::new();
    m.insert("public_metadata".into(), Value::Object(membership.public_metadata.clone()));
    m.insert("permissions".into(), Value::Array(permissions));
    m.insert("role".into(), Value::String(membership.role.clone()));
    Value::Object(m)
}

/// The `session` part of the context (see [`build_context`]).
pub fn session_context(session: &Session) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), Value::String(session.id.clone()));
    m.insert("actor".into(), session.actor.clone().unwrap_or(Value::Null));
    m.insert("status".into(), Value::String(session.status.as_str().to_owned()));
    Value::Object(m)
}
