//! Permissions, roles and role sets, and the permissions memberships (and mints) read through them.

use crate::fixtures::*;
use tessera_core::store::{RoleFilter, RoleRecord, RoleSetRecord, RoleStore};
use tessera_types::Permission;

fn perm(id: &str, key: &str) -> Permission {
    Permission {
        object: "permission".into(),
        id: id.into(),
        name: key.into(),
        key: key.into(),
        description: String::new(),
        kind: "user".into(),
        created_at: T0,
        updated_at: T0,
    }
}

fn role(id: &str, key: &str, at: i64) -> RoleRecord {
    RoleRecord {
        id: id.into(),
        key: key.into(),
        name: key.trim_start_matches("org:").into(),
        description: None,
        created_at: T0 + at,
        updated_at: T0 + at,
    }
}

async fn perms(store: &dyn Store) -> Vec<String> {
    ok(store.get_membership("org_01", "user_01").await).expect("membership").permissions
}

fn ids_of(v: &[Permission]) -> Vec<&str> {
    v.iter().map(|p| p.key.as_str()).collect()
}

/// Bootstraps, and answers the ids of `org:admin` and `org:member` and the initial set.
async fn bootstrapped(store: &dyn Store) -> (String, String, RoleSetRecord) {
    ok(tessera_core::roles::bootstrap(store, T0).await);
    let admin = ok(store.get_role_by_key("org:admin").await).expect("org:admin");
    let member = ok(store.get_role_by_key("org:member").await).expect("org:member");
    let set = ok(store.initial_role_set().await).expect("initial set");
    (admin.role.id, member.role.id, set.set)
}

pub async fn check_bootstrap_is_idempotent(store: &dyn Store) {
    let (admin, member, set) = bootstrapped(store).await;
    let (perms, total) = ok(store.list_permissions(&RoleFilter::default(), page(50, 0)).await);
    assert_eq!((perms.len(), total), (9, 9));
    assert!(perms.iter().all(|p| p.kind == "system" && p.key.starts_with("org:sys_")));
    let admin_view = ok(store.get_role(&admin).await).expect("admin");
    assert_eq!(admin_view.permissions.len(), 9);
    let member_view = ok(store.get_role(&member).await).expect("member");
    assert_eq!(ids_of(&member_view.permissions), ["org:sys_memberships:read", "org:sys_billing:read"]);
    assert_eq!(set.key, "role_set:default");
    assert!(set.is_initial);
    assert_eq!(
        (set.creator_role_id.as_deref(), set.default_role_id.as_deref()),
        (Some(admin.as_str()), Some(member.as_str()))
    );
    let view = ok(store.get_role_set(&set.id).await).expect("set");
    let keys: Vec<&str> = view.roles.iter().map(|(r, _)| r.key.as_str()).collect();
    assert_eq!(keys, ["org:admin", "org:member"]);

    // A second start (or another node) changes nothing.
    ok(tessera_core::roles::bootstrap(store, T0 + 5).await);
    let (_, total) = ok(store.list_permissions(&RoleFilter::default(), page(50, 0)).await);
    assert_eq!(total, 9);
    let (_, roles) = ok(store.list_roles(&RoleFilter::default(), page(50, 0)).await);
    assert_eq!(roles, 2);
    let (_, sets) = ok(store.list_role_sets(&RoleFilter::default(), page(50, 0)).await);
    assert_eq!(sets, 1);
}

pub async fn check_memberships_read_their_role_permissions(store: &dyn Store) {
    let (_, _, set) = bootstrapped(store).await;
    ok(store.insert_user(&user(1)).await);
    let mut o = org(1, "Acme", "acme");
    o.role_set_key = Some(set.key.clone());
    ok(store.insert_organization(&o, None).await);
    let mut m = membership("orgmem_1", &o.id, "user_01", 1);
    ok(store.insert_membership(&m).await);
    let read = ok(store.get_membership(&o.id, "user_01").await).expect("membership");
    assert_eq!(read.permissions, ["org:sys_memberships:read", "org:sys_billing:read"]);
    assert_eq!(read.role_name.as_deref(), Some("Member"));

    // A custom role with a custom permission.
    ok(store.insert_permission(&perm("perm_inv_read", "org:invoices:read")).await);
    ok(store.insert_permission(&perm("perm_inv_pay", "org:invoices:pay")).await);
    assert_eq!(conflict(store.insert_permission(&perm("perm_other", "org:invoices:read")).await), "key");
    ok(store.insert_role(&role("role_billing", "org:billing", 10), &["perm_inv_read".into()], Some(&set.id)).await);
    assert_eq!(conflict(store.insert_role(&role("role_x", "org:billing", 11), &[], None).await), "key");
    m.role = "org:billing".into();
    assert!(ok(store.update_membership(&m).await));
    assert_eq!(perms(store).await, ["org:invoices:read"]);

    // The mint reads the same permissions in its one statement.
    let mut s = session("sess_1", "user_01", "client_1", SessionStatus::Active, 1, T0 + 1_000_000, T0 + 2_000_000);
    s.last_active_organization_id = Some("org_01".into());
    ok(store.insert_session(&s).await);
    let mint = ok(store.load_mint("sess_1", None).await).expect("mint");
    assert_eq!(mint.active.expect("active").1.permissions, ["org:invoices:read"]);

    // Changing the role's permissions, or a permission's key, is seen by the next read.
    let mut billing = role("role_billing", "org:billing", 10);
    billing.updated_at = T0 + 20;
    assert!(ok(store.update_role(&billing, Some(&["perm_inv_pay".into(), "perm_inv_read".into()])).await));
    assert_eq!(perms(store).await, ["org:invoices:pay", "org:invoices:read"]);
    let mut renamed = perm("perm_inv_pay", "org:invoices:settle");
    renamed.updated_at = T0 + 21;
    assert!(ok(store.update_permission(&renamed).await));
    assert_eq!(perms(store).await, ["org:invoices:settle", "org:invoices:read"]);
    assert_eq!(conflict(store.update_permission(&perm("perm_inv_pay", "org:invoices:read")).await), "key");
    assert!(ok(store.delete_permission("perm_inv_read").await));
    assert_eq!(perms(store).await, ["org:invoices:settle"]);
    let view = ok(store.get_role("role_billing").await).expect("role");
    assert_eq!(ids_of(&view.permissions), ["org:invoices:settle"]);

    // A new key is carried to the memberships holding the role.
    billing.key = "org:finance".into();
    assert!(ok(store.update_role(&billing, None).await));
    let read = ok(store.get_membership(&o.id, "user_01").await).expect("membership");
    assert_eq!(
        (read.role.as_str(), read.permissions.as_slice()),
        ("org:finance", ["org:invoices:settle".to_owned()].as_slice())
    );
    assert_eq!(ok(store.count_role_members("org:finance").await), 1);

    // A role held by a membership, or used as a set's default or creator role, stays.
    assert_eq!(conflict(store.delete_role("role_billing").await), "role_in_use");
    let member = ok(store.get_role_by_key("org:member").await).expect("member");
    assert_eq!(conflict(store.delete_role(&member.role.id).await), "role_in_use");
    m.role = "org:member".into();
    assert!(ok(store.update_membership(&m).await));
    assert!(ok(store.delete_role("role_billing").await));
    assert!(!ok(store.delete_role("role_billing").await));
    let view = ok(store.get_role_set(&set.key).await).expect("set by key");
    assert_eq!(view.roles.len(), 2, "a deleted role leaves the sets it was in");
}

pub async fn check_role_sets_reassign_memberships(store: &dyn Store) {
    let (admin, member, initial) = bootstrapped(store).await;
    ok(store.insert_role(&role("role_viewer", "org:viewer", 1), &[], Some(&initial.id)).await);
    ok(store.insert_role(&role("role_analyst", "org:analyst", 2), &[], None).await);
    let custom = RoleSetRecord {
        id: "rs_pro".into(),
        key: "role_set:pro".into(),
        name: "Pro".into(),
        description: None,
        is_initial: false,
        default_role_id: Some("role_analyst".into()),
        creator_role_id: Some(admin.clone()),
        created_at: T0 + 3,
        updated_at: T0 + 3,
    };
    ok(store.insert_role_set(&custom, &[admin.clone(), "role_analyst".into()]).await);
    assert_eq!(
        conflict(store.insert_role_set(&RoleSetRecord { id: "rs_2".into(), ..custom.clone() }, &[]).await),
        "key"
    );

    for n in 1..=3 {
        ok(store.insert_user(&user(n)).await);
    }
    let mut o = org(1, "Acme", "acme");
    o.role_set_key = Some(initial.key.clone());
    ok(store.insert_organization(&o, None).await);
    let mut m1 = membership("orgmem_1", &o.id, "user_01", 1);
    m1.role = "org:viewer".into();
    ok(store.insert_membership(&m1).await);
    let m2 = membership("orgmem_2", &o.id, "user_02", 2);
    ok(store.insert_membership(&m2).await);
    let held = ok(store.role_set_member_roles(&initial.key).await);
    assert_eq!(held, [("org:member".to_owned(), 1), ("org:viewer".to_owned(), 1)]);
    let view = ok(store.get_role_set(&initial.id).await).expect("set");
    let counts: Vec<(&str, i64)> = view.roles.iter().map(|(r, n)| (r.key.as_str(), *n)).collect();
    assert_eq!(counts, [("org:admin", 0), ("org:member", 1), ("org:viewer", 1)]);

    // Taking org:viewer out of the set moves its members to org:member.
    let mut updated = initial.clone();
    updated.updated_at = T0 + 10;
    assert!(ok(store.remove_role_from_set(&updated, "role_viewer", "org:viewer", "org:member").await));
    assert_eq!(ok(store.get_membership(&o.id, "user_01").await).expect("m1").role, "org:member");
    let view = ok(store.get_role_set(&initial.id).await).expect("set");
    assert_eq!(view.roles.len(), 2);

    // Making the custom set initial turns the other one custom.
    let mut pro = custom.clone();
    pro.is_initial = true;
    assert!(ok(store.update_role_set(&pro, std::slice::from_ref(&member)).await));
    assert_eq!(ok(store.initial_role_set().await).expect("initial").set.id, "rs_pro");
    assert!(!ok(store.get_role_set("role_set:default").await).expect("old").set.is_initial);
    let view = ok(store.get_role_set("rs_pro").await).expect("pro");
    let keys: Vec<&str> = view.roles.iter().map(|(r, _)| r.key.as_str()).collect();
    assert_eq!(keys, ["org:admin", "org:analyst", "org:member"]);

    // Replacing the old set moves its organizations, with their members' roles mapped, and deletes it.
    let old = ok(store.get_role_set("role_set:default").await).expect("old").set;
    let map = [("org:member".to_owned(), "org:analyst".to_owned())];
    assert!(ok(store.replace_role_set(&old, &pro, &map).await));
    assert!(ok(store.get_role_set(&old.id).await).is_none());
    let moved = ok(store.get_organization(&o.id).await).expect("org");
    assert_eq!(moved.role_set_key.as_deref(), Some("role_set:pro"));
    let roles: Vec<String> =
        ok(store.list_memberships(&of(&o.id), page(10, 0)).await).0.into_iter().map(|m| m.role).collect();
    assert_eq!(roles, ["org:analyst", "org:analyst"]);

    // A set's new key is carried to its organizations.
    pro.key = "role_set:premium".into();
    assert!(ok(store.update_role_set(&pro, &[]).await));
    let moved = ok(store.get_organization(&o.id).await).expect("org");
    assert_eq!(moved.role_set_key.as_deref(), Some("role_set:premium"));
    let (sets, _) =
        ok(store.list_role_sets(&RoleFilter { query: Some("PREM".into()), order_by: None }, page(10, 0)).await);
    assert_eq!(sets.len(), 1);
}

/// Memberships and organizations written before roles existed get their role (a custom key becomes a
/// role, in the initial set) and the initial set when the server starts.
pub async fn check_legacy_rows_are_adopted(url: String) {
    let store = open(&url).await;
    ok(store.insert_user(&user(1)).await);
    ok(store.insert_user(&user(2)).await);
    ok(store.insert_organization(&org(1, "Acme", "acme"), None).await);
    let mut legacy = membership("orgmem_1", "org_01", "user_01", 1);
    legacy.role = "org:legacy_role".into();
    ok(store.insert_membership(&legacy).await);
    ok(store.insert_membership(&membership("orgmem_2", "org_01", "user_02", 2)).await);
    ok(tessera_store::admin_execute(&url, "UPDATE memberships SET role = NULL").await);
    ok(tessera_store::admin_execute(&url, "UPDATE organizations SET role_set_key = NULL").await);

    assert_eq!(ok(store.legacy_membership_roles().await), ["org:legacy_role", "org:member"]);
    let (_, _, set) = bootstrapped(&store).await;
    assert_eq!(ok(store.legacy_membership_roles().await), Vec::<String>::new());
    let m = ok(store.get_membership("org_01", "user_01").await).expect("membership");
    assert_eq!((m.role.as_str(), m.role_name.as_deref()), ("org:legacy_role", Some("Legacy Role")));
    let m = ok(store.get_membership("org_01", "user_02").await).expect("membership");
    assert_eq!(m.permissions, ["org:sys_memberships:read", "org:sys_billing:read"]);
    assert_eq!(ok(store.get_organization("org_01").await).expect("org").role_set_key, Some(set.key.clone()));
    let view = ok(store.get_role_set(&set.id).await).expect("set");
    assert!(view.roles.iter().any(|(r, n)| r.key == "org:legacy_role" && *n == 1));
    store.close().await;
}
