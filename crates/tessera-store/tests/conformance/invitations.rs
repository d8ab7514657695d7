//! Invitations: one pending per address, expiry read at `now`, and the writes that touch several rows
//! (a user with the invitations they accept, a membership with the invitation it accepts) all or
//! nothing.

use crate::fixtures::*;
use tessera_core::store::{
    InvitationFilter, InvitationOrder, InvitationRecord, OrganizationInvitationRecord, PasswordRecord, RoleRecord,
};
use tessera_types::InvitationStatus;

const DAY: i64 = 86_400_000;

fn invitation(id: &str, email: &str, at: i64) -> InvitationRecord {
    InvitationRecord {
        id: id.into(),
        email_address: email.into(),
        public_metadata: obj(json!({"plan": id})),
        status: InvitationStatus::Pending,
        expires_at: T0 + at + DAY,
        created_at: T0 + at,
        updated_at: T0 + at,
    }
}

fn org_invitation(id: &str, org: &str, email: &str, role: &str, at: i64) -> OrganizationInvitationRecord {
    OrganizationInvitationRecord {
        id: id.into(),
        organization_id: org.into(),
        email_address: email.into(),
        role: role.into(),
        role_name: None,
        inviter_id: Some("user_01".into()),
        public_metadata: obj(json!({"team": id})),
        private_metadata: obj(json!({"secret": 1})),
        status: InvitationStatus::Pending,
        expires_at: T0 + at + DAY,
        created_at: T0 + at,
        updated_at: T0 + at,
    }
}

fn filter(status: &[InvitationStatus], now: i64) -> InvitationFilter {
    InvitationFilter { status: status.to_vec(), now, ..Default::default() }
}

async fn listed(store: &dyn Store, f: InvitationFilter) -> Vec<(String, InvitationStatus)> {
    let (list, total) = ok(store.list_invitations(&f, ALL).await);
    assert_eq!(total, list.len() as i64, "the total agrees with the list for {f:?}");
    list.into_iter().map(|r| (r.id, r.status)).collect()
}

fn ids(v: &[(String, InvitationStatus)]) -> Vec<&str> {
    v.iter().map(|(id, _)| id.as_str()).collect()
}

pub async fn check_invitations_pending_once_per_address(store: &dyn Store) {
    use InvitationStatus::*;
    let now = T0;
    ok(store.insert_invitations(&[(invitation("inv_a", "a@example.com", 0), false)], now).await);
    let got = ok(store.get_invitation("inv_a").await).expect("stored");
    assert_eq!(got, invitation("inv_a", "a@example.com", 0));
    // A second pending invitation for the address: refused, and the whole batch with it.
    let batch = [(invitation("inv_b", "b@example.com", 1), false), (invitation("inv_a2", "a@example.com", 1), false)];
    assert_eq!(conflict(store.insert_invitations(&batch, now).await), "email_address");
    assert!(ok(store.get_invitation("inv_b").await).is_none(), "nothing of the batch is written");
    // With the flag (ignore_existing), the pending one is revoked in the same transaction.
    let a2 = InvitationRecord { expires_at: T0 + 10 * DAY, ..invitation("inv_a2", "a@example.com", 2) };
    ok(store.insert_invitations(&[(a2, true)], now + 5).await);
    let old = ok(store.get_invitation("inv_a").await).expect("kept");
    assert_eq!((old.status, old.updated_at), (Revoked, now + 5));

    // Expiry is read at `now`, in SQL filters too; the stored status is not rewritten.
    ok(store.insert_invitations(&[(invitation("inv_c", "c@example.com", 10), false)], now).await);
    let later = T0 + 10 + DAY;
    assert_eq!(ids(&listed(store, filter(&[Pending], later - 1)).await), ["inv_c", "inv_a2"]);
    assert_eq!(ids(&listed(store, filter(&[Pending], later)).await), ["inv_a2"]);
    assert_eq!(ids(&listed(store, filter(&[Expired], later)).await), ["inv_c"]);
    assert_eq!(ok(store.get_invitation("inv_c").await).expect("c").status, Pending);
    // An expired invitation does not block a new one: it is marked expired first.
    ok(store.insert_invitations(&[(invitation("inv_c2", "c@example.com", DAY + 20), false)], later).await);
    let c = ok(store.get_invitation("inv_c").await).expect("c");
    assert_eq!((c.status, c.updated_at), (Expired, T0 + 10));

    // Filters: addresses, query (id or part of the address), several statuses; orders.
    let f = InvitationFilter { email_address: vec!["c@example.com".into()], ..filter(&[], later) };
    assert_eq!(ids(&listed(store, f).await), ["inv_c2", "inv_c"]);
    let f = InvitationFilter { query: Some("A@EXAMPLE".into()), ..filter(&[], later) };
    assert_eq!(ids(&listed(store, f).await), ["inv_a2", "inv_a"]);
    let f = InvitationFilter { query: Some("inv_c".into()), ..filter(&[], later) };
    assert_eq!(ids(&listed(store, f).await), ["inv_c"]);
    let f = InvitationFilter {
        order_by: Some((InvitationOrder::EmailAddress, false)),
        ..filter(&[Pending, Revoked], later)
    };
    assert_eq!(ids(&listed(store, f).await), ["inv_a", "inv_a2", "inv_c2"]);
    let f = InvitationFilter { order_by: Some((InvitationOrder::ExpiresAt, true)), ..filter(&[], later) };
    assert_eq!(ids(&listed(store, f).await), ["inv_a2", "inv_c2", "inv_c", "inv_a"]);
    let (page1, total) = ok(store.list_invitations(&filter(&[], later), page(1, 1)).await);
    assert_eq!((page1.len(), total), (1, 4));

    // Revoking moves a pending or expired invitation, whether its expiry was written or not.
    let r = ok(store.revoke_invitation("inv_c", later + 1).await).expect("c");
    assert_eq!((r.status, r.updated_at), (Revoked, later + 1));
    let r = ok(store.revoke_invitation("inv_a", later + 1).await).expect("a");
    assert_eq!((r.status, r.updated_at), (Revoked, now + 5), "a revoked invitation stays as it was");
    let r = ok(store.revoke_invitation("inv_c2", later + 1).await).expect("c2");
    assert_eq!((r.status, r.updated_at), (Revoked, later + 1));
    assert!(ok(store.revoke_invitation("inv_nope", later).await).is_none());
}

pub async fn check_user_creation_accepts_invitations_atomically(store: &dyn Store) {
    use InvitationStatus::*;
    let now = T0 + 100;
    let batch = [(invitation("inv_a", "a@example.com", 0), false), (invitation("inv_b", "b@example.com", 0), false)];
    ok(store.insert_invitations(&batch, now).await);
    ok(store.revoke_invitation("inv_b", now).await);
    // One of the invitations is no longer pending: nothing is written, not the user (nor their password).
    let u = email(user(1), "a@example.com");
    let pw = PasswordRecord {
        user_id: u.id.clone(),
        hasher: "argon2id".into(),
        digest: "$argon2id$x".into(),
        updated_at: now,
    };
    let ids = ["inv_a".to_owned(), "inv_b".to_owned()];
    assert!(!ok(store.insert_user_accepting_invitations(&u, Some(&pw), &ids, now).await));
    assert!(ok(store.get_user("user_01").await).is_none());
    assert!(ok(store.get_password("user_01").await).is_none());
    assert_eq!(ok(store.get_invitation("inv_a").await).expect("a").status, Pending);
    // Expired at `now`: the same.
    assert!(!ok(store.insert_user_accepting_invitations(&u, Some(&pw), &ids[..1], T0 + DAY).await));
    // A user who cannot be stored (a taken address): the invitation stays pending.
    ok(store.insert_user(&email(user(2), "taken@example.com")).await);
    let taken = email(email(user(3), "a@example.com"), "taken@example.com");
    assert_eq!(conflict(store.insert_user_accepting_invitations(&taken, None, &ids[..1], now).await), "email_address");
    assert_eq!(ok(store.get_invitation("inv_a").await).expect("a").status, Pending);
    assert!(ok(store.get_user("user_03").await).is_none());
    // Both, together.
    assert!(ok(store.insert_user_accepting_invitations(&u, Some(&pw), &ids[..1], now).await));
    assert!(ok(store.get_user("user_01").await).is_some());
    assert_eq!(ok(store.get_password("user_01").await), Some(pw));
    let a = ok(store.get_invitation("inv_a").await).expect("a");
    assert_eq!((a.status, a.updated_at), (Accepted, now));
    // Without invitations it is a plain insert.
    assert!(ok(store.insert_user_accepting_invitations(&user(4), None, &[], now).await));
}

pub async fn check_organization_invitations(store: &dyn Store) {
    use InvitationStatus::*;
    ok(tessera_core::roles::bootstrap(store, T0).await);
    ok(store.insert_user(&email(user(1), "admin@example.com")).await);
    ok(store.insert_organization(&org(1, "Acme", "acme"), None).await);
    ok(store.insert_organization(&org(2, "Globex", "globex"), None).await);
    let now = T0 + 50;
    let a = org_invitation("orginv_a", "org_01", "a@example.com", "org:member", 0);
    let b = org_invitation("orginv_b", "org_01", "b@example.com", "org:admin", 1);
    let g = org_invitation("orginv_g", "org_02", "a@example.com", "org:member", 2);
    ok(store.insert_organization_invitations(&[a.clone(), b.clone(), g.clone()], now).await);
    let got = ok(store.get_organization_invitation("orginv_a").await).expect("a");
    assert_eq!(got, OrganizationInvitationRecord { role_name: Some("Member".into()), ..a.clone() });
    // One pending invitation per organization and address.
    let again = org_invitation("orginv_a2", "org_01", "a@example.com", "org:admin", 3);
    assert_eq!(conflict(store.insert_organization_invitations(&[again], now).await), "email_address");
    // An organization that does not exist.
    let nowhere = org_invitation("orginv_x", "org_99", "x@example.com", "org:member", 3);
    assert_eq!(conflict(store.insert_organization_invitations(&[nowhere], now).await), "organization");

    let list = |f: InvitationFilter| async move {
        let (v, total) = ok(store.list_organization_invitations(&f, ALL).await);
        assert_eq!(total, v.len() as i64);
        v.into_iter().map(|r| r.id).collect::<Vec<_>>()
    };
    let of = |org: &str| InvitationFilter { organization_id: Some(org.into()), now, ..Default::default() };
    assert_eq!(list(of("org_01")).await, ["orginv_b", "orginv_a"]);
    assert_eq!(list(InvitationFilter { now, ..Default::default() }).await, ["orginv_g", "orginv_b", "orginv_a"]);
    let f = InvitationFilter { email_address: vec!["a@example.com".into()], now, ..Default::default() };
    assert_eq!(list(f).await, ["orginv_g", "orginv_a"]);
    let f = InvitationFilter { order_by: Some((InvitationOrder::EmailAddress, true)), ..of("org_01") };
    assert_eq!(list(f).await, ["orginv_b", "orginv_a"]);
    assert_eq!(
        ok(store
            .count_pending_organization_invitations(&["org_01".into(), "org_02".into(), "org_03".into()], now)
            .await)
        .len(),
        2
    );
    let counts = ok(store.count_pending_organization_invitations(&["org_01".into()], now).await);
    assert_eq!(counts, [("org_01".to_owned(), 2)]);
    assert_eq!(ok(store.count_pending_invitations_with_role("org:admin", now).await), 1);
    // Expired ones are not pending.
    let later = T0 + DAY;
    assert_eq!(
        ok(store.count_pending_organization_invitations(&["org_01".into()], later).await),
        [("org_01".to_owned(), 1)]
    );
    assert_eq!(ok(store.count_pending_invitations_with_role("org:admin", later).await), 1);
    assert_eq!(ok(store.count_pending_invitations_with_role("org:admin", later + 1).await), 0);
    let f = InvitationFilter { status: vec![Expired], ..of("org_01") };
    assert_eq!(list(InvitationFilter { now: later, ..f }).await, ["orginv_a"]);
    assert!(ok(store.revoke_organization_invitation("orginv_a", later).await).is_some_and(|r| r.status == Pending));

    // Accepting: the membership and the status together, once.
    ok(store.insert_user(&email(user(2), "b@example.com")).await);
    let mut m = membership("orgmem_b", "org_01", "user_02", 60);
    m.role = "org:admin".into();
    assert!(ok(store.accept_organization_invitation("orginv_b", &m, now + 10).await));
    let b_now = ok(store.get_organization_invitation("orginv_b").await).expect("b");
    assert_eq!((b_now.status, b_now.updated_at), (Accepted, now + 10));
    let held = ok(store.get_membership("org_01", "user_02").await).expect("member");
    assert_eq!((held.role.as_str(), held.public_metadata.clone()), ("org:admin", obj(json!({"team": "a"}))));
    assert!(!ok(store.accept_organization_invitation("orginv_b", &m, now + 11).await), "accepted once");
    // Already a member: nothing is written.
    let c = org_invitation("orginv_c", "org_01", "b2@example.com", "org:member", 4);
    ok(store.insert_organization_invitations(&[c], now).await);
    let m2 = membership("orgmem_b2", "org_01", "user_02", 61);
    assert_eq!(conflict(store.accept_organization_invitation("orginv_c", &m2, now + 12).await), "membership");
    assert_eq!(ok(store.get_organization_invitation("orginv_c").await).expect("c").status, Pending);
    // Revoking: pending ones only.
    let r = ok(store.revoke_organization_invitation("orginv_c", now + 13).await).expect("c");
    assert_eq!((r.status, r.updated_at), (Revoked, now + 13));
    let r = ok(store.revoke_organization_invitation("orginv_b", now + 13).await).expect("b");
    assert_eq!(r.status, Accepted);

    // A role's new key reaches its invitations.
    let admin = ok(store.get_role_by_key("org:admin").await).expect("admin").role;
    let renamed = RoleRecord { key: "org:owner".into(), name: "Owner".into(), ..admin };
    assert!(ok(store.update_role(&renamed, None).await));
    let b_now = ok(store.get_organization_invitation("orginv_b").await).expect("b");
    assert_eq!((b_now.role.as_str(), b_now.role_name.as_deref()), ("org:owner", Some("Owner")));

    // Deleting an organization deletes its invitations.
    assert!(ok(store.delete_organization("org_02").await));
    assert!(ok(store.get_organization_invitation("orginv_g").await).is_none());
    assert_eq!(list(InvitationFilter { now, ..Default::default() }).await.len(), 3);
}
