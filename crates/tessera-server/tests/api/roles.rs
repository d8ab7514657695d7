//! Organization permissions, roles and role sets through HTTP, and the permissions that reach tokens.

use serde_json::{Value, json};
use tessera_client::ListRolesRequest;
use tessera_client::types::{
    AddRolesToRoleSetRequestBody, CreateOrganizationMembershipRequestBody, CreateOrganizationPermissionRequestBody,
    CreateOrganizationRequestBody, CreateOrganizationRoleRequestBody, CreateRoleSetRequestBody,
    ReplaceRoleInRoleSetRequestBody, ReplaceRoleSetRequestBody, UpdateOrganizationMembershipRequestBody,
    UpdateOrganizationPermissionRequestBody, UpdateOrganizationRoleRequestBody, UpdateRoleSetRequestBody,
};

use crate::helpers::*;
use crate::tokens::verify_with_jwks;

fn permission(key: &str) -> CreateOrganizationPermissionRequestBody {
    CreateOrganizationPermissionRequestBody { name: key.to_owned(), key: key.to_owned(), description: None }
}

fn role(key: &str, permissions: Vec<String>, in_initial: bool) -> CreateOrganizationRoleRequestBody {
    CreateOrganizationRoleRequestBody {
        name: key.trim_start_matches("org:").to_owned(),
        key: key.to_owned(),
        description: None,
        permissions: Some(permissions),
        include_in_initial_role_set: Some(in_initial),
    }
}

fn all() -> ListRolesRequest {
    ListRolesRequest { limit: Some(100), ..Default::default() }
}

async fn session_claims(app: &TestApp, session_id: &str) -> serde_json::Map<String, Value> {
    let jwt = app.session_token(session_id, None).await.unwrap().jwt;
    verify_with_jwks(app, &jwt).await
}

#[tokio::test]
async fn the_system_permissions_default_roles_and_initial_role_set_exist_from_the_first_start() {
    let app = TestApp::spawn().await;
    let perms = app.sdk.organization_permissions().list(all()).await.unwrap();
    assert_eq!(perms.total_count, 9);
    assert!(perms.data.iter().all(|p| p.kind == "system" && p.key.starts_with("org:sys_") && p.object == "permission"));
    let roles = app.sdk.organization_roles().list(all()).await.unwrap();
    let keys: Vec<&str> = roles.data.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(roles.total_count, 2);
    assert!(keys.contains(&"org:admin") && keys.contains(&"org:member"));
    let admin = roles.data.iter().find(|r| r.key == "org:admin").unwrap();
    assert!(admin.is_creator_eligible);
    assert_eq!(admin.permissions.len(), 9);
    let member = roles.data.iter().find(|r| r.key == "org:member").unwrap();
    assert!(!member.is_creator_eligible);
    let set = app.sdk.role_sets().get("role_set:default").await.unwrap();
    assert_eq!((set.kind.as_str(), set.object.as_str()), ("initial", "role_set"));
    assert_eq!(set.creator_role.as_ref().map(|r| r.key.as_str()), Some("org:admin"));
    assert_eq!(set.default_role.as_ref().map(|r| r.key.as_str()), Some("org:member"));
    assert_eq!(app.sdk.role_sets().get(&set.id).await.unwrap().key, "role_set:default");

    // Lists search and sort.
    let q = ListRolesRequest { query: Some("MEMBERS".into()), order_by: Some("key".into()), ..Default::default() };
    let found = app.sdk.organization_permissions().list(q).await.unwrap();
    let keys: Vec<&str> = found.data.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(keys, ["org:sys_memberships:manage", "org:sys_memberships:read"]);
    let r = app
        .sdk
        .organization_roles()
        .list(ListRolesRequest { order_by: Some("size".into()), ..Default::default() })
        .await;
    assert_api_err(r, 422, "form_param_value_invalid");
    app.stop().await;
}

#[tokio::test]
async fn permissions_are_validated_and_system_ones_cannot_be_changed() {
    let app = TestApp::spawn().await;
    let perms = app.sdk.organization_permissions();
    let p = perms.create(permission("org:invoices:read")).await.unwrap();
    assert_eq!((p.kind.as_str(), p.description.as_str()), ("user", ""));
    assert!(p.id.starts_with("perm_"));
    let e = assert_api_err_param(perms.create(permission("org:invoices:read")).await, 422, "form_identifier_exists");
    assert_eq!(e, "key");
    for bad in ["invoices:read", "org:invoices", "org:Invoices:read", "org:a:b:c", "org:sys_x:read"] {
        let r = perms.create(permission(bad)).await;
        assert_eq!(api_err(r).param_name(), Some("key"), "{bad}");
    }
    let up = perms
        .update(
            &p.id,
            UpdateOrganizationPermissionRequestBody { description: Some("Read them".into()), ..Default::default() },
        )
        .await
        .unwrap();
    assert_eq!((up.description.as_str(), up.key.as_str()), ("Read them", "org:invoices:read"));
    let sys = perms.list(all()).await.unwrap().data.into_iter().find(|p| p.kind == "system").unwrap();
    let r = perms
        .update(&sys.id, UpdateOrganizationPermissionRequestBody { name: Some("x".into()), ..Default::default() })
        .await;
    assert_api_err(r, 403, "organization_system_permission_not_modifiable");
    assert_api_err(perms.delete(&sys.id).await, 403, "organization_system_permission_not_modifiable");
    let gone = perms.delete(&p.id).await.unwrap();
    assert_eq!((gone.object.as_str(), gone.deleted), ("permission", true));
    assert_api_err(perms.get(&p.id).await, 404, "resource_not_found");
    app.stop().await;
}

#[tokio::test]
async fn a_role_change_is_seen_by_the_next_session_token_of_every_member_holding_it() {
    let app = TestApp::spawn().await;
    let owner = app.user("owner@x.io").await;
    let clerk = app.user("clerk@x.io").await;
    let o = app.org("Acme", &owner.id).await;
    assert_eq!(o.role_set_key.as_deref(), Some("role_set:default"));
    let read = app.sdk.organization_permissions().create(permission("org:invoices:read")).await.unwrap();
    let pay = app.sdk.organization_permissions().create(permission("org:invoices:pay")).await.unwrap();
    let teams = app.sdk.organization_permissions().create(permission("org:teams:manage")).await.unwrap();
    let sys_read = app
        .sdk
        .organization_permissions()
        .list(ListRolesRequest { query: Some("org:sys_memberships:read".into()), ..Default::default() })
        .await
        .unwrap()
        .data
        .remove(0);
    let accountant = app
        .sdk
        .organization_roles()
        .create(role("org:accountant", vec![read.id.clone(), sys_read.id.clone()], true))
        .await
        .unwrap();
    assert_eq!(accountant.permissions.len(), 2);
    let m = app
        .sdk
        .organization_memberships()
        .create(
            &o.id,
            CreateOrganizationMembershipRequestBody {
                user_id: clerk.id.clone(),
                role: "org:accountant".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (m.role_name.as_str(), m.permissions.clone()),
        ("accountant", vec!["org:invoices:read".to_owned(), "org:sys_memberships:read".to_owned()])
    );
    let s = app.session(&clerk.id, Some(&o.id)).await;
    let c = session_claims(&app, &s.id).await;
    // System permissions never reach session claims.
    assert_eq!(c["o"], json!({"id": o.id, "slg": "acme", "rol": "accountant", "per": "read", "fpm": "1"}));
    assert_eq!(c["fea"], json!("o:invoices"));

    // Assigning permissions is seen by the very next token.
    app.sdk.organization_roles().assign_permission(&accountant.id, &pay.id).await.unwrap();
    app.sdk.organization_roles().assign_permission(&accountant.id, &teams.id).await.unwrap();
    let r = app.sdk.organization_roles().assign_permission(&accountant.id, &teams.id).await;
    assert_api_err(r, 409, "organization_role_permission_association_exists");
    let c = session_claims(&app, &s.id).await;
    assert_eq!(c["o"]["per"], json!("read,pay,manage"));
    assert_eq!(c["o"]["fpm"], json!("3,4"));
    assert_eq!(c["fea"], json!("o:invoices,o:teams"));
    // So is a permission's new key, in tokens and in templates.
    app.sdk
        .organization_permissions()
        .update(
            &pay.id,
            UpdateOrganizationPermissionRequestBody { key: Some("org:invoices:settle".into()), ..Default::default() },
        )
        .await
        .unwrap();
    app.template("perms", json!({"p": "{{org_membership.permissions}}", "r": "{{org.role}}"})).await;
    let jwt = app.template_token(&s.id, "perms", None).await.unwrap().jwt;
    let t = verify_with_jwks(&app, &jwt).await;
    assert_eq!(
        t["p"],
        json!(["org:invoices:read", "org:sys_memberships:read", "org:invoices:settle", "org:teams:manage"])
    );
    assert_eq!(t["r"], json!("org:accountant"));
    app.sdk.organization_roles().remove_permission(&accountant.id, &read.id).await.unwrap();
    let r = app.sdk.organization_roles().remove_permission(&accountant.id, &read.id).await;
    assert_api_err(r, 404, "organization_role_permission_association_not_found");
    let c = session_claims(&app, &s.id).await;
    assert_eq!((c["o"]["per"].clone(), c["o"]["fpm"].clone()), (json!("settle,manage"), json!("1,2")));

    // PATCH replaces the permissions; a new key follows to the memberships.
    app.sdk
        .organization_roles()
        .update(
            &accountant.id,
            UpdateOrganizationRoleRequestBody {
                key: Some("org:bookkeeper".into()),
                permissions: Some(vec![read.id.clone()]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let c = session_claims(&app, &s.id).await;
    assert_eq!(c["o"]["rol"], json!("bookkeeper"));
    assert_eq!(c["o"]["per"], json!("read"));

    // A role held by a member, or a set's default or creator role, cannot be deleted.
    assert_api_err(
        app.sdk.organization_roles().delete(&accountant.id).await,
        422,
        "organization_role_assigned_members",
    );
    let member = app
        .sdk
        .organization_roles()
        .list(all())
        .await
        .unwrap()
        .data
        .into_iter()
        .find(|r| r.key == "org:member")
        .unwrap();
    assert_api_err(
        app.sdk.organization_roles().delete(&member.id).await,
        422,
        "organization_role_default_creator_role",
    );
    app.sdk
        .organization_memberships()
        .update(&o.id, &clerk.id, UpdateOrganizationMembershipRequestBody { role: "org:member".into() })
        .await
        .unwrap();
    let c = session_claims(&app, &s.id).await;
    assert_eq!(c["o"], json!({"id": o.id, "slg": "acme", "rol": "member"}));
    assert!(c.get("fea").is_none());
    let gone = app.sdk.organization_roles().delete(&accountant.id).await.unwrap();
    assert_eq!((gone.object.as_str(), gone.deleted), ("role", true));
    app.stop().await;
}

#[tokio::test]
async fn v1_session_tokens_carry_the_custom_permission_keys() {
    let dir = tempfile::tempdir().unwrap();
    let config = tessera_server::Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().join("d"),
        secret_key: Some(tessera_server::Secret(SECRET.into())),
        session_token_version: 1,
        ..Default::default()
    };
    let app = TestApp::spawn_with(config, Some(dir)).await;
    let owner = app.user("owner@x.io").await;
    let o = app.org("Acme", &owner.id).await;
    let p = app.sdk.organization_permissions().create(permission("org:reports:read")).await.unwrap();
    let admin = app
        .sdk
        .organization_roles()
        .list(all())
        .await
        .unwrap()
        .data
        .into_iter()
        .find(|r| r.key == "org:admin")
        .unwrap();
    app.sdk.organization_roles().assign_permission(&admin.id, &p.id).await.unwrap();
    let s = app.session(&owner.id, Some(&o.id)).await;
    let c = session_claims(&app, &s.id).await;
    assert_eq!(c["org_role"], json!("org:admin"));
    assert_eq!(c["org_permissions"], json!(["org:reports:read"]));
    app.stop().await;
}

#[tokio::test]
async fn role_sets_decide_which_roles_members_can_hold() {
    let app = TestApp::spawn().await;
    let sets = app.sdk.role_sets();
    let owner = app.user("owner@x.io").await;
    let u = app.user("u@x.io").await;
    app.sdk.organization_roles().create(role("org:viewer", vec![], false)).await.unwrap();
    app.sdk.organization_roles().create(role("org:analyst", vec![], false)).await.unwrap();
    let body = |roles: &[&str]| CreateRoleSetRequestBody {
        name: "Pro plan".into(),
        key: None,
        description: None,
        default_role_key: "org:viewer".into(),
        creator_role_key: "org:admin".into(),
        kind: None,
        roles: roles.iter().map(|r| (*r).to_owned()).collect(),
    };
    // The creator role must hold what a creator needs.
    let r = sets
        .create(CreateRoleSetRequestBody {
            creator_role_key: "org:viewer".into(),
            ..body(&["org:admin", "org:viewer"])
        })
        .await;
    assert_api_err(r, 422, "organization_missing_creator_role_permissions");
    let r = sets.create(body(&["org:admin"])).await;
    assert_eq!(assert_api_err_param(r, 422, "form_param_value_invalid"), "default_role_key");
    let r = sets.create(body(&["org:admin", "org:viewer", "org:nope"])).await;
    assert_eq!(assert_api_err_param(r, 422, "form_param_value_invalid"), "roles");
    let pro = sets.create(body(&["org:admin", "org:viewer"])).await.unwrap();
    assert_eq!((pro.key.as_str(), pro.kind.as_str()), ("role_set:pro_plan", "custom"));
    assert_api_err(sets.create(body(&["org:admin", "org:viewer"])).await, 422, "form_identifier_exists");

    let o = app
        .sdk
        .organizations()
        .create(CreateOrganizationRequestBody {
            name: "Big".into(),
            created_by: Some(owner.id.clone()),
            role_set_key: Some(pro.key.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(o.role_set_key.as_deref(), Some("role_set:pro_plan"));
    let add = |role: &str| CreateOrganizationMembershipRequestBody {
        user_id: u.id.clone(),
        role: role.to_owned(),
        ..Default::default()
    };
    let r = app.sdk.organization_memberships().create(&o.id, add("org:member")).await;
    assert_eq!(assert_api_err_param(r, 422, "form_param_value_invalid"), "role");
    app.sdk.organization_memberships().create(&o.id, add("org:viewer")).await.unwrap();
    let added = sets
        .add_roles(
            &pro.id,
            AddRolesToRoleSetRequestBody {
                role_keys: vec!["org:analyst".into()],
                default_role_key: Some("org:analyst".into()),
                creator_role_key: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(added.default_role.as_ref().map(|r| r.key.as_str()), Some("org:analyst"));
    let viewer = added.roles.iter().find(|r| r.key == "org:viewer").unwrap();
    assert_eq!(viewer.members_count, Some(1));

    // Taking a role out of a set moves its members.
    let moved = sets
        .replace_role(
            &pro.key,
            ReplaceRoleInRoleSetRequestBody { role_key: "org:viewer".into(), to_role_key: "org:analyst".into() },
        )
        .await
        .unwrap();
    assert!(!moved.roles.iter().any(|r| r.key == "org:viewer"));
    let m = app.sdk.organizations().get(&o.id).await.unwrap();
    assert_eq!(m.members_count, Some(2));
    let members = app
        .sdk
        .organization_memberships()
        .list(tessera_client::ListOrganizationMembershipsRequest::new(&o.id))
        .await
        .unwrap();
    assert!(members.data.iter().any(|m| m.role == "org:analyst"));

    // Moving the organization to a set that lacks a role its members hold is refused.
    let r = app
        .sdk
        .organizations()
        .update(
            &o.id,
            tessera_client::types::UpdateOrganizationRequestBody {
                role_set_key: Some("role_set:default".into()),
                ..Default::default()
            },
        )
        .await;
    assert_api_err(r, 422, "organization_role_on_set_assigned_to_user");

    // Replacing the set needs a mapping for every role the destination lacks.
    let replace = |mappings: Option<Value>| ReplaceRoleSetRequestBody {
        dest_role_set_key: "role_set:default".into(),
        reassignment_mappings: mappings.map(|m| serde_json::from_value(m).unwrap()),
    };
    assert_api_err(
        sets.replace(&pro.id, replace(None)).await,
        422,
        "organization_role_set_reassignment_mappings_missing",
    );
    let r = sets.replace(&pro.id, replace(Some(json!({"org:analyst": "org:viewer"})))).await;
    assert_api_err(r, 422, "organization_role_set_reassignment_mappings_invalid");
    let gone = sets.replace(&pro.id, replace(Some(json!({"org:analyst": "org:member"})))).await.unwrap();
    assert_eq!((gone.object.as_str(), gone.deleted), ("role_set", true));
    assert_api_err(sets.get(&pro.id).await, 404, "resource_not_found");
    let o = app.sdk.organizations().get(&o.id).await.unwrap();
    assert_eq!(o.role_set_key.as_deref(), Some("role_set:default"));
    let m = app
        .sdk
        .organization_memberships()
        .list(tessera_client::ListOrganizationMembershipsRequest::new(&o.id))
        .await
        .unwrap();
    let roles: Vec<&str> = m.data.iter().map(|m| m.role.as_str()).collect();
    assert!(roles.contains(&"org:member") && roles.contains(&"org:admin"), "{roles:?}");

    // The initial set can be renamed and replaced as initial, never deleted.
    let r = sets
        .replace(
            "role_set:default",
            ReplaceRoleSetRequestBody { dest_role_set_key: "role_set:x".into(), reassignment_mappings: None },
        )
        .await;
    assert_api_err(r, 403, "cannot_delete_initial_role_set");
    let renamed = sets
        .update("role_set:default", UpdateRoleSetRequestBody { name: Some("Everyone".into()), ..Default::default() })
        .await
        .unwrap();
    assert_eq!((renamed.name.as_str(), renamed.kind.as_str()), ("Everyone", "initial"));
    app.stop().await;
}
