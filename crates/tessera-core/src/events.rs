//! Events: what every write appends to the event log (design.md §2b), and the envelope webhook
//! deliveries carry.
//!
//! The store appends events in the same transaction as the write they describe, with `data` built by
//! the functions here and the wire conversions of the other modules (so an event's `data` is the
//! object the API returns). Types are Clerk's (`user.created`, `organizationMembership.deleted`, …);
//! types that start with `tessera.` are internal changes (templates, session claims, role sets, the
//! instance) that only the change feed follows, never delivered to webhook endpoints.
//!
//! Pure: no IO, no clock.

use serde_json::{Value, json};
use tessera_types::{Organization, OrganizationMembership, Session, SessionStatus, User};

pub use crate::store::EventRecord;

/// Prefix of the events' ids (`msg_…`): the `svix-id` of every delivery of one event.
pub const EVENT_ID_PREFIX: &str = "msg_";
/// Prefix of internal event types, which webhooks never receive.
pub const INTERNAL_PREFIX: &str = "tessera.";

pub const USER_CREATED: &str = "user.created";
pub const USER_UPDATED: &str = "user.updated";
pub const USER_DELETED: &str = "user.deleted";
pub const SESSION_CREATED: &str = "session.created";
pub const ORGANIZATION_CREATED: &str = "organization.created";
pub const ORGANIZATION_UPDATED: &str = "organization.updated";
pub const ORGANIZATION_DELETED: &str = "organization.deleted";
pub const MEMBERSHIP_CREATED: &str = "organizationMembership.created";
pub const MEMBERSHIP_UPDATED: &str = "organizationMembership.updated";
pub const MEMBERSHIP_DELETED: &str = "organizationMembership.deleted";
pub const ORG_INVITATION_CREATED: &str = "organizationInvitation.created";
pub const ORG_INVITATION_ACCEPTED: &str = "organizationInvitation.accepted";
pub const ORG_INVITATION_REVOKED: &str = "organizationInvitation.revoked";
pub const ROLE_CREATED: &str = "role.created";
pub const ROLE_UPDATED: &str = "role.updated";
pub const ROLE_DELETED: &str = "role.deleted";
pub const PERMISSION_CREATED: &str = "permission.created";
pub const PERMISSION_UPDATED: &str = "permission.updated";
pub const PERMISSION_DELETED: &str = "permission.deleted";
pub const TEMPLATE_CHANGED: &str = "tessera.jwt_template.changed";
pub const SESSION_CLAIMS_CHANGED: &str = "tessera.session_claims.changed";
pub const ROLE_SET_CHANGED: &str = "tessera.role_set.changed";
pub const INSTANCE_CHANGED: &str = "tessera.instance.changed";

/// Every type a webhook endpoint can receive (and filter on), in Clerk's names.
pub const WEBHOOK_EVENT_TYPES: &[&str] = &[
    USER_CREATED,
    USER_UPDATED,
    USER_DELETED,
    SESSION_CREATED,
    "session.ended",
    "session.removed",
    "session.revoked",
    ORGANIZATION_CREATED,
    ORGANIZATION_UPDATED,
    ORGANIZATION_DELETED,
    MEMBERSHIP_CREATED,
    MEMBERSHIP_UPDATED,
    MEMBERSHIP_DELETED,
    ORG_INVITATION_CREATED,
    ORG_INVITATION_ACCEPTED,
    ORG_INVITATION_REVOKED,
    ROLE_CREATED,
    ROLE_UPDATED,
    ROLE_DELETED,
    PERMISSION_CREATED,
    PERMISSION_UPDATED,
    PERMISSION_DELETED,
];

/// One event a write appends: its type and `data`.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub event_type: &'static str,
    pub data: Value,
}

impl NewEvent {
    pub fn new(event_type: &'static str, data: Value) -> NewEvent {
        NewEvent { event_type, data }
    }

    /// An event whose `data` is `object` serialized (the wire structs cannot fail to serialize; a
    /// failure would give `null`).
    pub fn of<T: serde::Serialize>(event_type: &'static str, object: &T) -> NewEvent {
        NewEvent::new(event_type, serde_json::to_value(object).unwrap_or(Value::Null))
    }

    pub fn user(event_type: &'static str, user: &User) -> NewEvent {
        NewEvent::of(event_type, user)
    }

    /// `user.deleted`, with Clerk's deleted-object data.
    pub fn user_deleted(id: &str) -> NewEvent {
        NewEvent::new(USER_DELETED, deleted("user", id))
    }

    /// The event of a session reaching `status`: `session.created` for an active one, else
    /// `session.ended` / `session.removed` / `session.revoked` (and nothing for other statuses).
    pub fn session(session: &Session) -> Option<NewEvent> {
        let t = match session.status {
            SessionStatus::Active => SESSION_CREATED,
            SessionStatus::Ended => "session.ended",
            SessionStatus::Removed => "session.removed",
            SessionStatus::Revoked => "session.revoked",
            _ => return None,
        };
        Some(NewEvent::of(t, session))
    }

    pub fn organization(event_type: &'static str, org: &Organization) -> NewEvent {
        NewEvent::of(event_type, org)
    }

    pub fn organization_deleted(id: &str) -> NewEvent {
        NewEvent::new(ORGANIZATION_DELETED, deleted("organization", id))
    }

    pub fn membership(event_type: &'static str, m: &OrganizationMembership) -> NewEvent {
        NewEvent::of(event_type, m)
    }

    /// An internal change of the object `id` (a template, a role set, …).
    pub fn internal(event_type: &'static str, id: &str) -> NewEvent {
        NewEvent::new(event_type, json!({ "id": id }))
    }
}

/// Clerk's deleted-object shape.
pub fn deleted(object: &str, id: &str) -> Value {
    json!({ "object": object, "id": id, "deleted": true })
}

/// Whether webhook endpoints receive events of this type (internal `tessera.*` changes are not).
pub fn is_webhook_event(event_type: &str) -> bool {
    !event_type.starts_with(INTERNAL_PREFIX)
}

/// The JSON body a webhook delivery carries, in Clerk's envelope: `{data, object: "event", type,
/// timestamp, instance_id, event_attributes}` (`timestamp` is the event's time in epoch ms).
/// `event_attributes.http_request` is present with empty strings: the log does not record the request
/// that caused a write.
pub fn payload(e: &EventRecord, instance_id: &str) -> Value {
    json!({
        "data": e.data,
        "object": "event",
        "type": e.event_type,
        "timestamp": e.created_at,
        "instance_id": instance_id,
        "event_attributes": { "http_request": { "client_ip": "", "user_agent": "" } },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_changes_never_reach_webhooks() {
        assert!(is_webhook_event(USER_CREATED));
        assert!(is_webhook_event("organizationMembership.deleted"));
        assert!(!is_webhook_event(TEMPLATE_CHANGED));
        assert!(WEBHOOK_EVENT_TYPES.iter().all(|t| is_webhook_event(t)));
    }

    #[test]
    fn the_payload_is_clerks_event_envelope() {
        let e = EventRecord {
            seq: 7,
            id: "msg_1".into(),
            event_type: USER_DELETED.into(),
            data: deleted("user", "user_1"),
            created_at: 1_700_000_000_123,
        };
        let p = payload(&e, "ins_1");
        assert_eq!(p["object"], "event");
        assert_eq!(p["type"], "user.deleted");
        assert_eq!(p["timestamp"], 1_700_000_000_123_i64);
        assert_eq!(p["instance_id"], "ins_1");
        assert_eq!(p["data"], json!({"object": "user", "id": "user_1", "deleted": true}));
        assert_eq!(p["event_attributes"]["http_request"]["client_ip"], "");
    }
}
