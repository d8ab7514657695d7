use serde_json::json;
use tessera_client::types::{
    CreateOrganizationMembershipRequestBody, CreateOrganizationRequestBody, UpdateOrganizationMembershipRequestBody,
    UpdateOrganizationRequestBody,
};
use tessera_client::{
    CreateSessionTokenRequest, ListOrganizationMembershipsRequest, ListOrganizationsRequest,
    UpdateOrganizationMembershipMetadataRequestBody, UpdateOrganizationMetadataRequestBody,
    UsersGetOrganizationMembershipsRequest,
};

use crate::helpers::*;

fn named(name: &str) -> CreateOrganizationRequestBody {
    CreateOrganizationRequestBody { name: name.to_owned(), ..Default::default() }
}

fn membership(user_id: &str, role: &str) -> CreateOrganizationMembershipRequestBody {
    CreateOrganizationMembershipRequestBody { user_id: user_id.to_owned(), role: role.to_owned(), ..Default::default() }
}

#[tokio::test]
async fn organizations_are_created_with_the_creator_as_admin_and_found_by_id_or_slug() {
    let app = TestApp::spawn().await;
    let orgs = app.sdk.organizations();
    let u = app.user("o@x.io").await;
    let o = orgs
        .create(CreateOrganizationRequestBody {
            created_by: Some(u.id.clone()),
            public_metadata: Some(obj(json!({"tier": "gold"}))),
            ..named("Acme, Inc.")
        })
        .await
        .unwrap();
    assert_eq!((o.object.as_str(), o.slug.as_str(), o.members_count), ("organization", "acme-inc", Some(1)));
    // `has_image`, `max_allowed_memberships`, `admin_delete_enabled`, `public_metadata`,
    // `created_at` and `updated_at` are required fields of the SDK's `Organization`: decoding it
    // proves they are present.
    assert_eq!(o.public_metadata, obj(json!({"tier": "gold"})));
    assert_eq!(orgs.get("acme-inc").await.unwrap().id, o.id);
    assert_eq!(orgs.get(&o.id).await.unwrap().name, "Acme, Inc.");
    let members = app.sdk.organization_memberships().list(ListOrganizationMembershipsRequest::new(&o.id)).await;
    let members = members.unwrap();
    assert_eq!(members.total_count, 1);
    assert_eq!(members.data[0].role, "org:admin");
    assert_eq!(members.data[0].public_user_data.as_ref().map(|p| p.user_id.as_str()), Some(u.id.as_str()));
    assert!(members.data[0].permissions.iter().any(|p| p == "org:sys_memberships:manage"));

    let r = orgs.create(CreateOrganizationRequestBody { slug: Some("acme-inc".into()), ..named("Other") }).await;
    assert_api_err(r, 422, "form_identifier_exists");
    // Raw: no `name`, which the SDK's typed body requires.
    app.post("/organizations", json!({})).await.err(422, "form_param_missing");
    let r = orgs.create(CreateOrganizationRequestBody { slug: Some("Bad Slug".into()), ..named("x") }).await;
    assert_api_err(r, 422, "form_param_format_invalid");
    let r = orgs.create(CreateOrganizationRequestBody { created_by: Some("user_nope".into()), ..named("x") }).await;
    assert_api_err(r, 404, "resource_not_found");
    assert_api_err(orgs.get("nope").await, 404, "resource_not_found");
    app.stop().await;
}

#[tokio::test]
async fn organizations_update_merge_metadata_list_and_delete_with_their_memberships() {
    let app = TestApp::spawn().await;
    let orgs = app.sdk.organizations();
    let u = app.user("o@x.io").await;
    let o = app.org("First", &u.id).await;
    app.advance_secs(1);
    let o2 = app.org("Second", &u.id).await;
    let upd = orgs
        .update(
            &o.id,
            UpdateOrganizationRequestBody {
                name: Some("Renamed".into()),
                slug: Some("renamed".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!((upd.name.as_str(), upd.slug.as_str()), ("Renamed", "renamed"));
    let m = orgs
        .update_metadata(
            &o.id,
            UpdateOrganizationMetadataRequestBody {
                public_metadata: Some(obj(json!({"a": {"b": 1}}))),
                private_metadata: Some(obj(json!({"s": 1}))),
            },
        )
        .await
        .unwrap();
    assert_eq!(m.public_metadata, obj(json!({"a": {"b": 1}})));
    let m = orgs
        .update_metadata(
            &o.id,
            UpdateOrganizationMetadataRequestBody {
                public_metadata: Some(obj(json!({"a": {"b": null}}))),
                private_metadata: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(m.public_metadata, obj(json!({"a": {}})));

    let list = orgs.list(Default::default()).await.unwrap();
    assert_eq!(list.total_count, 2);
    assert_eq!(list.data[0].id, o2.id, "newest first");
    let r = orgs.list(ListOrganizationsRequest { query: Some("renam".into()), ..Default::default() }).await;
    assert_eq!(r.unwrap().total_count, 1);
    let r = orgs.list(ListOrganizationsRequest { user_id: Some(u.id.clone()), ..Default::default() }).await;
    assert_eq!(r.unwrap().total_count, 2);

    let s = app.session(&u.id, Some(&o.id)).await;
    app.template("org", json!({"org": "{{org.id}}", "role": "{{org.role}}", "slug": "{{org.slug}}"})).await;
    let before = crate::tokens::verify_with_jwks(&app, &app.session_token(&s.id, None).await.unwrap().jwt).await;
    assert_eq!(before["o"], json!({"id": o.id, "rol": "admin", "slg": "renamed"}));
    let c = crate::tokens::verify_with_jwks(&app, &app.template_token(&s.id, "org", None).await.unwrap().jwt).await;
    assert_eq!((&c["org"], &c["role"]), (&json!(o.id), &json!("org:admin")));
    let d = orgs.delete(&o.id).await.unwrap();
    assert_eq!((d.object.as_str(), d.deleted), ("organization", true));
    assert_api_err(orgs.get(&o.id).await, 404, "resource_not_found");
    let mine = app
        .sdk
        .users()
        .get_organization_memberships(UsersGetOrganizationMembershipsRequest {
            user_id: u.id.clone(),
            limit: None,
            offset: None,
        })
        .await
        .unwrap();
    assert_eq!(mine.total_count, 1);
    // The session keeps working without its organization: its tokens verify against the JWKS, the
    // session token has no `o` claim, and a template's org shortcodes render null.
    let t = app
        .sdk
        .sessions()
        .create_session_token(CreateSessionTokenRequest { session_id: s.id.clone(), body: Some(Default::default()) })
        .await
        .unwrap();
    let c = crate::tokens::verify_with_jwks(&app, &t.jwt).await;
    assert_eq!(
        (c["sid"].as_str(), c["sub"].as_str(), c["sts"].as_str()),
        (Some(s.id.as_str()), Some(u.id.as_str()), Some("active"))
    );
    assert!(!c.contains_key("o") && !c.contains_key("fea"), "no organization claims: {c:?}");
    let c = crate::tokens::verify_with_jwks(&app, &app.template_token(&s.id, "org", None).await.unwrap().jwt).await;
    assert_eq!((&c["org"], &c["role"], &c["slug"]), (&json!(null), &json!(null), &json!(null)), "{c:?}");
    assert_eq!(c["sub"], json!(u.id));
    app.stop().await;
}

#[tokio::test]
async fn memberships_are_created_updated_listed_and_removed() {
    let app = TestApp::spawn().await;
    let memberships = app.sdk.organization_memberships();
    let owner = app.user("owner@x.io").await;
    let member = app.user("member@x.io").await;
    let o = app.org("Team", &owner.id).await;
    let path = format!("/organizations/{}/memberships", o.id);
    let m = memberships.create(&o.id, membership(&member.id, "org:member")).await.unwrap();
    assert_eq!(
        (m.object.as_str(), m.role.as_str(), m.role_name.as_str()),
        ("organization_membership", "org:member", "Member")
    );
    assert_eq!(m.organization.id, o.id);
    assert!(m.id.starts_with("orgmem_"));
    let r = memberships.create(&o.id, membership(&member.id, "org:member")).await;
    assert_api_err(r, 422, "already_a_member_in_organization");
    // Raw: no `role`, which the SDK's typed body requires.
    app.post(&path, json!({"user_id": member.id})).await.err(422, "form_param_missing");
    let r = memberships.create(&o.id, membership("user_nope", "org:member")).await;
    assert_api_err(r, 404, "resource_not_found");
    let r = memberships.create(&o.id, membership(&member.id, "not a role")).await;
    assert_api_err(r, 422, "form_param_value_invalid");

    // A role must exist, and be in the organization's role set.
    let billing = UpdateOrganizationMembershipRequestBody { role: "org:billing_manager".into() };
    let e = assert_api_err_param(
        memberships.update(&o.id, &member.id, billing.clone()).await,
        422,
        "form_param_value_invalid",
    );
    assert_eq!(e, "role");
    app.sdk
        .organization_roles()
        .create(tessera_client::types::CreateOrganizationRoleRequestBody {
            name: "Billing Manager".into(),
            key: "org:billing_manager".into(),
            include_in_initial_role_set: Some(true),
            ..Default::default()
        })
        .await
        .unwrap();
    let up = memberships.update(&o.id, &member.id, billing).await.unwrap();
    assert_eq!((up.role.as_str(), up.role_name.as_str()), ("org:billing_manager", "Billing Manager"));
    let md = memberships
        .update_metadata(
            &o.id,
            &member.id,
            UpdateOrganizationMembershipMetadataRequestBody {
                public_metadata: Some(obj(json!({"team": "red"}))),
                private_metadata: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(md.public_metadata, obj(json!({"team": "red"})));
    let count =
        || async { memberships.list(ListOrganizationMembershipsRequest::new(&o.id)).await.unwrap().total_count };
    assert_eq!(count().await, 2);
    let gone = memberships.delete(&o.id, &member.id).await.unwrap();
    assert_eq!(gone.role, "org:billing_manager");
    assert_api_err(memberships.delete(&o.id, &member.id).await, 404, "resource_not_found");
    assert_eq!(count().await, 1);

    // Deleting a user removes their memberships.
    memberships.create(&o.id, membership(&member.id, "org:member")).await.unwrap();
    app.sdk.users().delete(&member.id).await.unwrap();
    assert_eq!(count().await, 1);
    app.stop().await;
}
