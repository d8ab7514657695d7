use serde_json::json;
use tessera_types::SessionStatus;

use super::*;
use crate::store::MembershipRecord;

fn session(id: &str, user: &str, org: Option<&str>) -> Session {
    serde_json::from_value(json!({
        "object": "session", "id": id, "user_id": user, "client_id": "client_1", "status": "active",
        "last_active_organization_id": org, "last_active_at": 1, "expire_at": 10_000_000, "abandon_at": 10_000_000,
        "created_at": 1, "updated_at": 1
    }))
    .unwrap_or_else(|e| panic!("session: {e}"))
}

fn user(id: &str, name: &str) -> User {
    serde_json::from_value(json!({"id": id, "object": "user", "has_image": false, "public_metadata": {},
        "email_addresses": [], "phone_numbers": [], "web3_wallets": [], "passkeys": [], "password_enabled": false,
        "two_factor_enabled": false, "totp_enabled": false, "backup_code_enabled": false,
        "external_accounts": [], "saml_accounts": [], "enterprise_accounts": [], "banned": false, "locked": false,
        "external_id": null, "primary_email_address_id": null, "primary_phone_number_id": null,
        "primary_web3_wallet_id": null, "username": null, "first_name": name, "last_name": null,
        "mfa_enabled_at": null, "mfa_disabled_at": null, "last_sign_in_at": null,
        "lockout_expires_in_seconds": null, "verification_attempts_remaining": null, "created_at": 1,
        "updated_at": 1, "delete_self_enabled": true, "create_organization_enabled": true,
        "last_active_at": null, "legal_accepted_at": null}))
    .unwrap_or_else(|e| panic!("user fixture: {e}"))
}

fn records(s: Session, u: User) -> MintShared {
    MintShared::new(MintRecords { session: s, user: Some(u), template: None, active: None, session_claims: None })
}

fn event(seq: i64, t: &str, data: serde_json::Value) -> EventRecord {
    EventRecord { seq, id: format!("msg_{seq}"), event_type: t.into(), data, created_at: 0 }
}

fn fresh_cache() -> MintCache {
    let c = MintCache::new(100);
    c.set_fresh_until(1_000);
    c
}

#[test]
fn a_filled_mint_is_served_from_memory_until_an_event_touches_it() {
    let c = fresh_cache();
    assert!(c.get("sess_1", None, 10).is_none(), "empty at first");
    let g = c.generations();
    c.fill(g, "sess_1", None, &records(session("sess_1", "user_1", None), user("user_1", "Ada")));
    let hit = c.get("sess_1", None, 10).unwrap_or_else(|| panic!("cached"));
    let hit_user = hit.user.unwrap_or_else(|| panic!("user"));
    assert_eq!(hit_user.user.first_name.as_deref(), Some("Ada"));
    assert_eq!(hit_user.ctx["first_name"], json!("Ada"), "the shortcode part is built with the record");
    assert_eq!(hit.session.ctx["id"], json!("sess_1"));

    c.apply(&[event(1, "user.updated", json!({"id": "user_1"}))]);
    assert!(c.get("sess_1", None, 10).is_none(), "the user changed");
    assert_eq!(c.cursor(), 1);
    let s = c.stats();
    assert_eq!((s.hits, s.misses), (1, 2));
}

#[test]
fn nothing_is_served_once_the_feed_is_stale() {
    let c = fresh_cache();
    c.fill(c.generations(), "sess_1", None, &records(session("sess_1", "user_1", None), user("user_1", "Ada")));
    assert!(c.get("sess_1", None, 999).is_some());
    assert!(c.get("sess_1", None, 1_000).is_none(), "at the bound the store is read");
    assert_eq!(c.stats().bypassed, 1);
    c.set_fresh_until(5_000);
    assert!(c.get("sess_1", None, 1_000).is_some());
}

#[test]
fn a_read_that_raced_an_invalidation_is_not_kept() {
    let c = fresh_cache();
    let before = c.generations();
    // While the store was read, a session event was applied: the session read may be older.
    c.apply(&[event(1, "session.revoked", json!({"id": "sess_1"}))]);
    c.fill(before, "sess_1", None, &records(session("sess_1", "user_1", None), user("user_1", "Ada")));
    assert!(c.get("sess_1", None, 10).is_none());
    // The user (another kind) was kept.
    assert!(c.users.get("user_1").is_some());
}

#[test]
fn memberships_templates_and_claims_are_invalidated_by_their_events() {
    let c = fresh_cache();
    let s = session("sess_1", "user_1", Some("org_1"));
    let org: Organization =
        serde_json::from_value(json!({"object": "organization", "id": "org_1", "name": "A", "slug": "a",
            "image_url": "", "has_image": false, "max_allowed_memberships": 5, "admin_delete_enabled": true,
            "public_metadata": {}, "private_metadata": {}, "created_at": 1, "updated_at": 1}))
        .unwrap_or_else(|e| panic!("{e}"));
    let m: MembershipRecord = serde_json::from_value(json!({"id": "orgmem_1", "organization_id": "org_1",
        "user_id": "user_1", "role": "org:admin", "permissions": [], "public_metadata": {},
        "private_metadata": {}, "created_at": 1, "updated_at": 1}))
    .unwrap_or_else(|e| panic!("{e}"));
    let r = MintShared::new(MintRecords {
        session: s,
        user: Some(user("user_1", "Ada")),
        template: None,
        active: Some((org, m)),
        session_claims: None,
    });
    let active = c_active(&r);
    assert_eq!(active.membership.role, "org:admin");
    assert_eq!(active.org_ctx["slug"], json!("a"));
    assert_eq!(active.membership_ctx["role"], json!("org:admin"));
    let fill = |c: &MintCache| c.fill(c.generations(), "sess_1", Some("t"), &r);
    fill(&c);
    assert!(c.get("sess_1", Some("t"), 10).is_some());
    assert!(c.get("sess_1", Some("other"), 10).is_none(), "another template name is not cached");

    for (seq, (t, data)) in [
        (
            "organizationMembership.updated",
            json!({"organization": {"id": "org_1"}, "public_user_data": {"user_id": "user_1"}}),
        ),
        ("organization.updated", json!({"id": "org_1"})),
        ("role.updated", json!({"id": "role_1"})),
        ("permission.deleted", json!({"id": "perm_1"})),
        ("tessera.role_set.changed", json!({"id": "rs_1"})),
        ("tessera.jwt_template.changed", json!({"id": "jtmp_1"})),
        ("something.new", json!({})),
    ]
    .into_iter()
    .enumerate()
    {
        c.apply(&[event(seq as i64 + 1, t, data)]);
        assert!(c.get("sess_1", Some("t"), 10).is_none(), "{t} must invalidate");
        fill(&c);
        assert!(c.get("sess_1", Some("t"), 10).is_some());
    }
    // Invitations do not touch what a mint reads.
    c.apply(&[event(20, "organizationInvitation.created", json!({"id": "orginv_1"}))]);
    assert!(c.get("sess_1", Some("t"), 10).is_some());
    // The custom session claims are the session token's alone: their change makes the session
    // token read the store again, and a template mint never looks at them.
    c.fill(c.generations(), "sess_1", None, &r);
    assert!(c.get("sess_1", None, 10).is_some());
    c.apply(&[event(21, "tessera.session_claims.changed", json!({"id": "session_claims"}))]);
    assert!(c.get("sess_1", None, 10).is_none(), "session_claims.changed must invalidate the session token");
    assert!(c.get("sess_1", Some("t"), 10).is_some(), "a template mint does not read the custom session claims");
    assert_eq!(c.stats().cursor, 21);
    assert_eq!(SessionStatus::Active, r.session.session.status);
}

fn c_active(r: &MintShared) -> &ActiveEntry {
    r.active.as_deref().unwrap_or_else(|| panic!("active organization"))
}

#[test]
fn a_disabled_cache_never_serves() {
    let c = MintCache::new(0);
    c.set_fresh_until(1_000);
    c.fill(c.generations(), "sess_1", None, &records(session("sess_1", "user_1", None), user("user_1", "Ada")));
    assert!(c.get("sess_1", None, 10).is_none());
    assert!(!c.enabled());
}
