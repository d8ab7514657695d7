//! Invitations to the instance and to organizations through HTTP: Clerk's rules and shapes, expiry
//! at read, acceptance (user creation; Tessera's accept route), and what they do to organizations and
//! roles.

use serde_json::{Value, json};
use tessera_client::types::{
    AcceptOrganizationInvitationRequestBody, CreateInvitationRequestBody, CreateOrganizationInvitationRequestBody,
    CreateOrganizationRoleRequestBody, CreateUserRequestBody, InstanceOrganizationInvitationListQuery,
    InvitationStatus, OrganizationInvitationListQuery, RevokeOrganizationInvitationRequestBody,
    UpdateOrganizationRequestBody, UpdateOrganizationRoleRequestBody, UserOrganizationInvitationListQuery,
};
use tessera_client::{
    ListInvitationsRequest, ListOrganizationInvitationsRequest, ListPendingOrganizationInvitationsRequest,
    UsersGetOrganizationInvitationsRequest,
};

use crate::clerk_schema::Oracle;
use crate::helpers::*;

const DAY_SECS: i64 = 86_400;

fn invite(email: &str) -> CreateInvitationRequestBody {
    CreateInvitationRequestBody { email_address: email.to_owned(), ..Default::default() }
}

fn org_invite(email: &str, role: &str) -> CreateOrganizationInvitationRequestBody {
    CreateOrganizationInvitationRequestBody {
        email_address: email.to_owned(),
        role: role.to_owned(),
        ..Default::default()
    }
}

fn statuses(list: &[Value]) -> Vec<&str> {
    list.iter().map(|i| i["status"].as_str().unwrap()).collect()
}

async fn accept(app: &TestApp, org: &str, invitation: &str, user: Option<&str>) -> tessera_client::Result<Value> {
    let body = AcceptOrganizationInvitationRequestBody { user_id: user.map(str::to_owned) };
    let m = app.sdk.tessera().organization_invitations().accept(org, invitation, body).await?;
    Ok(serde_json::to_value(m).unwrap())
}

async fn org_list(app: &TestApp, org: &str, filter: OrganizationInvitationListQuery) -> Vec<Value> {
    let request = ListOrganizationInvitationsRequest { organization_id: org.to_owned(), filter };
    let page = app.sdk.organization_invitations().list(request).await.unwrap();
    assert!(page.total_count as usize >= page.data.len());
    serde_json::to_value(page.data).unwrap().as_array().unwrap().clone()
}

#[tokio::test]
async fn instance_invitations_are_created_listed_and_revoked_with_clerks_shapes() {
    let app = TestApp::spawn().await;
    let api = app.sdk.invitations();
    let body = CreateInvitationRequestBody {
        email_address: "  Ada@Example.com ".into(),
        public_metadata: Some(obj(json!({"plan": "pro"}))),
        redirect_url: Some("https://example.com/welcome".into()),
        notify: Some(true),
        template_slug: Some("invitation".into()),
        ..Default::default()
    };
    let ada = api.create(body).await.unwrap();
    assert!(ada.id.starts_with("inv_") && ada.object == "invitation", "{ada:?}");
    assert_eq!(
        (ada.email_address.as_str(), ada.status, ada.revoked),
        ("ada@example.com", InvitationStatus::Pending, false)
    );
    assert_eq!(ada.public_metadata, obj(json!({"plan": "pro"})));
    assert_eq!(ada.expires_at, Some(T0 + 30 * DAY_SECS * 1000));
    assert_eq!((ada.created_at, ada.updated_at, ada.url.as_deref()), (T0, T0, None));
    app.advance_secs(1);
    let bob = api.create(invite("bob@example.com")).await.unwrap();

    // The SDK asks for pages; without `paginated` the answer is a bare array (Clerk's Python SDK).
    let page = api.list(ListInvitationsRequest::default()).await.unwrap();
    assert_eq!(page.total_count, 2);
    assert_eq!(page.data.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(), [bob.id.as_str(), ada.id.as_str()]);
    let bare = app.get("/invitations").await;
    assert_eq!(bare.ok().as_array().unwrap().len(), 2);
    let paged = app.get("/invitations?paginated=true&limit=1&offset=1").await;
    assert_eq!(
        (paged.ok()["total_count"].as_i64(), paged.body["data"][0]["id"].as_str()),
        (Some(2), Some(ada.id.as_str()))
    );
    let by_email = app.get("/invitations?order_by=email_address").await;
    assert_eq!(by_email.ok()[0]["email_address"], "ada@example.com");
    let found = app.get("/invitations?query=BOB").await;
    assert_eq!(found.ok().as_array().unwrap().len(), 1);
    let found = app.get(&format!("/invitations?query={}", ada.id)).await;
    assert_eq!(found.ok()[0]["id"], ada.id.as_str());

    // Revoked: `revoked: true`, left out of the default list, listed when asked for.
    app.advance_secs(1);
    let revoked = api.revoke(&ada.id).await.unwrap();
    assert_eq!((revoked.status, revoked.revoked, revoked.updated_at), (InvitationStatus::Revoked, true, T0 + 2000));
    assert_api_err(api.revoke(&ada.id).await, 400, "invitation_already_revoked");
    assert_api_err(api.revoke("inv_nope").await, 404, "resource_not_found");
    let page = api.list(ListInvitationsRequest::default()).await.unwrap();
    assert_eq!(page.data.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(), [bob.id.as_str()]);
    let only_revoked = app.get("/invitations?status=revoked").await;
    assert_eq!(statuses(only_revoked.ok().as_array().unwrap()), ["revoked"]);
    let both = app.get("/invitations?status=revoked&status=pending").await;
    assert_eq!(both.ok().as_array().unwrap().len(), 2);

    // Bad input is Clerk's envelope naming the parameter.
    let r = app.post("/invitations", json!({"email_address": "not-an-email"})).await;
    assert_eq!(r.err(422, "form_param_format_invalid").param(), "email_address");
    let r = app.post("/invitations", json!({"email_address": "x@example.com", "expires_in_days": 366})).await;
    assert_eq!(r.err(422, "form_param_value_invalid").param(), "expires_in_days");
    let r = app.post("/invitations", json!({"email_address": "x@example.com", "template_slug": "other"})).await;
    assert_eq!(r.err(422, "form_param_value_invalid").param(), "template_slug");
    let r = app.post("/invitations", json!({"email_address": "x@example.com", "notify": "yes"})).await;
    assert_eq!(r.err(422, "form_param_type_invalid").param(), "notify");
    let r = app.post("/invitations", json!({"email_address": "x@example.com", "role": "org:admin"})).await;
    assert_eq!(r.err(422, "form_param_unknown").param(), "role");
    let r = app.post("/invitations", json!({})).await;
    assert_eq!(r.err(422, "form_param_missing").param(), "email_address");
    let r = app.get("/invitations?status=sent").await;
    assert_eq!(r.err(422, "form_param_value_invalid").param(), "status");
    let r = app.get("/invitations?order_by=-name").await;
    assert_eq!(r.err(422, "form_param_value_invalid").param(), "order_by");
    app.stop().await;
}

#[tokio::test]
async fn one_invitation_per_address_is_pending_and_ignore_existing_replaces_it() {
    let app = TestApp::spawn().await;
    let api = app.sdk.invitations();
    let first = api.create(invite("ada@example.com")).await.unwrap();
    let e = assert_api_err(api.create(invite("ADA@example.com")).await, 400, "duplicate_record");
    assert!(e.to_string().contains("ada@example.com"), "{e}");
    // `ignore_existing` revokes the pending one and creates the new one (a second later, so that
    // `order_by=created_at` does not fall back on the ids' random order).
    app.advance_secs(1);
    let second = api
        .create(CreateInvitationRequestBody { ignore_existing: Some(true), ..invite("ada@example.com") })
        .await
        .unwrap();
    let all = app.get("/invitations?status=pending&status=revoked&order_by=created_at").await;
    let all = all.ok().as_array().unwrap().clone();
    assert_eq!(
        all.iter().map(|i| (i["id"].as_str().unwrap(), i["status"].as_str().unwrap())).collect::<Vec<_>>(),
        [(first.id.as_str(), "revoked"), (second.id.as_str(), "pending")]
    );

    // An address a user has: refused, unless `ignore_existing` (one at a time; never in bulk).
    app.user("grace@example.com").await;
    let e = assert_api_err(api.create(invite("Grace@example.com")).await, 422, "form_identifier_exists");
    assert_eq!(e.param_name(), Some("email_address"));
    let forced = CreateInvitationRequestBody { ignore_existing: Some(true), ..invite("grace@example.com") };
    assert_eq!(api.create(forced.clone()).await.unwrap().status, InvitationStatus::Pending);
    assert_api_err(api.bulk_create(vec![forced]).await, 422, "form_identifier_exists");
    app.stop().await;
}

#[tokio::test]
async fn bulk_invitations_are_all_created_or_none() {
    let app = TestApp::spawn().await;
    let api = app.sdk.invitations();
    let made = api.bulk_create(vec![invite("a@example.com"), invite("b@example.com")]).await.unwrap();
    assert_eq!(made.iter().map(|i| i.email_address.as_str()).collect::<Vec<_>>(), ["a@example.com", "b@example.com"]);
    // One address already invited: none of the others is created.
    let e = assert_api_err(
        api.bulk_create(vec![invite("c@example.com"), invite("b@example.com")]).await,
        400,
        "duplicate_record",
    );
    assert!(e.to_string().contains("b@example.com"));
    let e = assert_api_err(
        api.bulk_create(vec![invite("d@example.com"), invite("D@example.com")]).await,
        400,
        "duplicate_record",
    );
    assert!(e.to_string().contains("d@example.com"));
    assert_eq!(app.get("/invitations").await.ok().as_array().unwrap().len(), 2);

    // The body is an array of 1 to 10 objects; an item's error says which item.
    app.post("/invitations/bulk", json!([])).await.err(400, "request_body_invalid");
    app.post("/invitations/bulk", json!({"email_address": "x@example.com"})).await.err(400, "request_body_invalid");
    app.post("/invitations/bulk", json!(["x@example.com"])).await.err(400, "request_body_invalid");
    let r = app.raw(reqwest::Method::POST, "/v1/invitations/bulk", Some(&format!("Bearer {SECRET}")), None).await;
    r.err(400, "request_body_invalid");
    let eleven: Vec<Value> = (0..11).map(|i| json!({"email_address": format!("n{i}@example.com")})).collect();
    app.post("/invitations/bulk", Value::Array(eleven)).await.err(400, "bulk_size_exceeded");
    let r = app
        .post(
            "/invitations/bulk",
            json!([{"email_address": "ok@example.com"}, {"email_address": "x@example.com", "bogus": 1}]),
        )
        .await;
    assert_eq!(r.err(422, "form_param_unknown").param(), "bogus");
    assert_eq!(r.body["errors"][0]["meta"]["index"], 1);
    assert_eq!(app.get("/invitations").await.ok().as_array().unwrap().len(), 2);
    app.stop().await;
}

#[tokio::test]
async fn creating_a_user_with_an_invited_address_accepts_the_invitation() {
    let app = TestApp::spawn().await;
    let api = app.sdk.invitations();
    let body = CreateInvitationRequestBody {
        public_metadata: Some(obj(json!({"plan": "pro", "seats": 3}))),
        ..invite("ada@example.com")
    };
    let inv = api.create(body).await.unwrap();
    app.advance_secs(5);
    let user = app
        .sdk
        .users()
        .create(CreateUserRequestBody {
            email_address: Some(vec!["Ada@Example.com".into()]),
            public_metadata: Some(obj(json!({"seats": 5, "team": "red"}))),
            ..Default::default()
        })
        .await
        .unwrap();
    // The invitation's metadata, under the user's own keys.
    assert_eq!(user.public_metadata, obj(json!({"plan": "pro", "seats": 5, "team": "red"})));
    let accepted = app.get("/invitations?status=accepted").await;
    let accepted = &accepted.ok()[0];
    assert_eq!((accepted["id"].as_str(), accepted["updated_at"].as_i64()), (Some(inv.id.as_str()), Some(T0 + 5000)));
    assert_api_err(api.revoke(&inv.id).await, 400, "invitation_already_accepted");
    // A new invitation for the address is refused: a user has it.
    assert_api_err(api.create(invite("ada@example.com")).await, 422, "form_identifier_exists");

    // A revoked invitation gives nothing.
    let revoked = api
        .create(CreateInvitationRequestBody {
            public_metadata: Some(obj(json!({"x": 1}))),
            ..invite("bob@example.com")
        })
        .await
        .unwrap();
    api.revoke(&revoked.id).await.unwrap();
    let bob = app.user("bob@example.com").await;
    assert!(bob.public_metadata.is_empty());
    // A user who cannot be created accepts nothing.
    let grace = api.create(invite("grace@example.com")).await.unwrap();
    let r = app.post("/users", json!({"email_address": ["grace@example.com", "bob@example.com"]})).await;
    r.err(422, "form_identifier_exists");
    let pending = app.get("/invitations?status=pending").await;
    assert_eq!(pending.ok()[0]["id"], grace.id.as_str());
    app.stop().await;
}

#[tokio::test]
async fn invitations_expire_at_read_and_an_expired_one_blocks_nothing() {
    let app = TestApp::spawn().await;
    let api = app.sdk.invitations();
    let inv = api
        .create(CreateInvitationRequestBody { expires_in_days: Some(1), ..invite("ada@example.com") })
        .await
        .unwrap();
    assert_eq!(inv.expires_at, Some(T0 + DAY_SECS * 1000));
    app.advance_secs(DAY_SECS - 1);
    assert_eq!(statuses(app.get("/invitations?status=pending").await.ok().as_array().unwrap()), ["pending"]);
    app.advance_secs(1);
    assert!(app.get("/invitations?status=pending").await.ok().as_array().unwrap().is_empty());
    let expired = app.get("/invitations?status=expired").await;
    assert_eq!(
        (expired.ok()[0]["id"].as_str(), expired.body[0]["updated_at"].as_i64()),
        (Some(inv.id.as_str()), Some(T0))
    );
    // Expired invitations are listed by default (only revoked ones are not).
    assert_eq!(statuses(app.get("/invitations").await.ok().as_array().unwrap()), ["expired"]);

    // A user with the address accepts nothing; a new invitation is allowed.
    let again = api.create(invite("ada@example.com")).await.unwrap();
    assert_eq!(again.status, InvitationStatus::Pending);
    let all = app.get("/invitations?order_by=created_at").await;
    assert_eq!(statuses(all.ok().as_array().unwrap()), ["expired", "pending"]);
    // An expired invitation can still be revoked (it is not revoked yet).
    assert_eq!(api.revoke(&inv.id).await.unwrap().status, InvitationStatus::Revoked);
    app.stop().await;
}

/// An organization created by a fresh admin, and that admin's id.
async fn org_with_admin(app: &TestApp, name: &str) -> (String, String) {
    let admin = app.user(&format!("admin@{name}.example.com")).await;
    let org = app.org(name, &admin.id).await;
    (org.id, admin.id)
}

#[tokio::test]
async fn organization_invitations_follow_the_role_set_and_membership_rules() {
    let app = TestApp::spawn().await;
    let api = app.sdk.organization_invitations();
    let (org, admin) = org_with_admin(&app, "acme").await;
    let member = app.user("member@example.com").await;
    app.post(&format!("/organizations/{org}/memberships"), json!({"user_id": member.id, "role": "org:member"}))
        .await
        .ok();

    let body = CreateOrganizationInvitationRequestBody {
        inviter_user_id: Some(admin.clone()),
        public_metadata: Some(obj(json!({"team": "red"}))),
        private_metadata: Some(obj(json!({"source": "crm"}))),
        redirect_url: Some("https://example.com/join".into()),
        notify: Some(false),
        expires_in_days: Some(7),
        ..org_invite("Bob@Example.com", "org:member")
    };
    let inv = api.create(&org, body).await.unwrap();
    assert!(inv.id.starts_with("orginv_"), "{inv:?}");
    assert_eq!(
        (inv.email_address.as_str(), inv.role.as_str(), inv.role_name.as_str()),
        ("bob@example.com", "org:member", "Member")
    );
    assert_eq!(
        (inv.organization_id.as_str(), inv.status, inv.url.as_deref()),
        (org.as_str(), InvitationStatus::Pending, None)
    );
    assert_eq!(inv.inviter_id.as_deref(), Some(admin.as_str()));
    let inviter = inv.public_inviter_data.as_ref().unwrap();
    assert_eq!((inviter.user_id.as_str(), inviter.identifier.as_str()), (admin.as_str(), "admin@acme.example.com"));
    assert_eq!(inv.private_metadata, obj(json!({"source": "crm"})));
    assert_eq!(inv.expires_at, Some(T0 + 7 * DAY_SECS * 1000));
    assert!(inv.public_organization_data.is_none());
    assert_eq!(
        serde_json::to_value(api.get(&org, &inv.id).await.unwrap()).unwrap(),
        serde_json::to_value(&inv).unwrap()
    );
    // By slug too.
    assert_eq!(api.get("acme", &inv.id).await.unwrap().id, inv.id);

    let role_param = |r| assert_api_err_param(r, 422, "form_param_value_invalid");
    assert_eq!(role_param(api.create(&org, org_invite("x@example.com", "org:nope")).await), "role");
    // A role of the instance that is not in the organization's role set.
    let custom =
        CreateOrganizationRoleRequestBody { name: "Auditor".into(), key: "org:auditor".into(), ..Default::default() };
    app.sdk.organization_roles().create(custom).await.unwrap();
    assert_eq!(role_param(api.create(&org, org_invite("x@example.com", "org:auditor")).await), "role");
    // The inviter must be an administrator of the organization.
    let not_admin = CreateOrganizationInvitationRequestBody {
        inviter_user_id: Some(member.id.clone()),
        ..org_invite("x@example.com", "org:member")
    };
    let e = assert_api_err(api.create(&org, not_admin).await, 403, "not_an_admin_in_organization");
    assert_eq!(e.param_name(), Some("inviter_user_id"));
    let unknown = CreateOrganizationInvitationRequestBody {
        inviter_user_id: Some("user_nope".into()),
        ..org_invite("x@example.com", "org:member")
    };
    assert_eq!(assert_api_err_param(api.create(&org, unknown).await, 404, "resource_not_found"), "inviter_user_id");
    // Members and pending invitations.
    assert_api_err(
        api.create(&org, org_invite("MEMBER@example.com", "org:admin")).await,
        400,
        "already_a_member_in_organization",
    );
    assert_api_err(
        api.create(&org, org_invite("bob@example.com", "org:admin")).await,
        400,
        "organization_invitation_not_unique",
    );
    assert_api_err(api.create("org_nope", org_invite("x@example.com", "org:member")).await, 404, "resource_not_found");
    let r = app.post(&format!("/organizations/{org}/invitations"), json!({"email_address": "x@example.com"})).await;
    assert_eq!(r.err(422, "form_param_missing").param(), "role");
    // The same address may be invited to another organization.
    let (other, _) = org_with_admin(&app, "globex").await;
    api.create(&other, org_invite("bob@example.com", "org:admin")).await.unwrap();

    // Pending invitations count against `max_allowed_memberships` (2 members + 1 invitation here).
    let update = UpdateOrganizationRequestBody { max_allowed_memberships: Some(4), ..Default::default() };
    app.sdk.organizations().update(&org, update).await.unwrap();
    assert_api_err(
        api.bulk_create(
            &org,
            vec![org_invite("c@example.com", "org:member"), org_invite("d@example.com", "org:member")],
        )
        .await,
        403,
        "organization_membership_quota_exceeded",
    );
    let made = api.bulk_create(&org, vec![org_invite("c@example.com", "org:member")]).await.unwrap();
    assert_eq!((made.total_count, made.data[0].email_address.as_str()), (1, "c@example.com"));
    assert_api_err(
        api.create(&org, org_invite("d@example.com", "org:member")).await,
        403,
        "organization_membership_quota_exceeded",
    );
    app.stop().await;
}

#[tokio::test]
async fn accepting_an_organization_invitation_makes_the_member_in_one_step() {
    let app = TestApp::spawn().await;
    let api = app.sdk.organization_invitations();
    let (org, admin) = org_with_admin(&app, "acme").await;
    let body = CreateOrganizationInvitationRequestBody {
        public_metadata: Some(obj(json!({"team": "red"}))),
        private_metadata: Some(obj(json!({"source": "crm"}))),
        inviter_user_id: Some(admin),
        ..org_invite("bob@example.com", "org:admin")
    };
    let inv = api.create(&org, body).await.unwrap();
    assert_eq!(app.sdk.organizations().get(&org).await.unwrap().pending_invitations_count, Some(1));
    // Nobody has the address yet.
    assert_api_err(accept(&app, &org, &inv.id, None).await, 400, "organization_invitation_identification_not_exist");
    let bob = app.user("bob@example.com").await;
    let other = app.user("other@example.com").await;
    assert_eq!(
        assert_api_err_param(accept(&app, &org, &inv.id, Some(&other.id)).await, 422, "form_param_value_invalid"),
        "user_id"
    );
    assert_api_err(accept(&app, &org, "orginv_nope", None).await, 404, "resource_not_found");
    assert_api_err(accept(&app, "org_nope", &inv.id, None).await, 404, "resource_not_found");

    app.advance_secs(3);
    let m = accept(&app, &org, &inv.id, None).await.unwrap();
    assert_eq!(
        (m["role"].as_str(), m["public_user_data"]["user_id"].as_str()),
        (Some("org:admin"), Some(bob.id.as_str()))
    );
    assert_eq!((&m["public_metadata"], &m["private_metadata"]), (&json!({"team": "red"}), &json!({"source": "crm"})));
    assert_eq!(
        (m["organization"]["members_count"].as_i64(), m["organization"]["pending_invitations_count"].as_i64()),
        (Some(2), Some(0))
    );
    let got = api.get(&org, &inv.id).await.unwrap();
    assert_eq!((got.status, got.updated_at), (InvitationStatus::Accepted, T0 + 3000));
    assert_api_err(accept(&app, &org, &inv.id, None).await, 400, "organization_invitation_already_accepted");
    assert_api_err(api.revoke(&org, &inv.id, Default::default()).await, 404, "organization_invitation_not_pending");
    // The new member's session token carries the organization and the invited role.
    let s = app.session(&bob.id, Some(&org)).await;
    let claims = crate::tokens::verify_with_jwks(&app, &app.session_token(&s.id, None).await.unwrap().jwt).await;
    assert_eq!(claims["o"]["rol"], "admin");

    // A revoked invitation cannot be accepted; an expired one neither.
    let carol = app.user("carol@example.com").await;
    let inv = api.create(&org, org_invite("carol@example.com", "org:member")).await.unwrap();
    let revoked = api.revoke(&org, &inv.id, RevokeOrganizationInvitationRequestBody::default()).await.unwrap();
    assert_eq!(revoked.status, InvitationStatus::Revoked);
    assert_api_err(accept(&app, &org, &inv.id, Some(&carol.id)).await, 400, "organization_invitation_revoked_code");
    let inv = api
        .create(
            &org,
            CreateOrganizationInvitationRequestBody {
                expires_in_days: Some(1),
                ..org_invite("carol@example.com", "org:member")
            },
        )
        .await
        .unwrap();
    app.advance_secs(DAY_SECS);
    assert_api_err(accept(&app, &org, &inv.id, None).await, 404, "organization_invitation_not_pending");
    assert_eq!(api.get(&org, &inv.id).await.unwrap().status, InvitationStatus::Expired);
    // A user who is already a member: nothing is written.
    let inv = api.create(&org, org_invite("carol@example.com", "org:member")).await.unwrap();
    app.post(&format!("/organizations/{org}/memberships"), json!({"user_id": carol.id, "role": "org:admin"}))
        .await
        .ok();
    assert_api_err(accept(&app, &org, &inv.id, None).await, 400, "already_a_member_in_organization");
    assert_eq!(api.get(&org, &inv.id).await.unwrap().status, InvitationStatus::Pending);
    // A role that left the organization's role set cannot be given.
    let dave = app.user("dave@example.com").await;
    let auditor = CreateOrganizationRoleRequestBody {
        name: "Auditor".into(),
        key: "org:auditor".into(),
        include_in_initial_role_set: Some(true),
        ..Default::default()
    };
    app.sdk.organization_roles().create(auditor).await.unwrap();
    let inv = api.create(&org, org_invite("dave@example.com", "org:auditor")).await.unwrap();
    let r = app
        .post(
            "/role_sets/role_set:default/roles/replace",
            json!({"role_key": "org:auditor", "to_role_key": "org:member"}),
        )
        .await;
    r.ok();
    // … the pending invitation moved with the role set's members.
    assert_eq!(api.get(&org, &inv.id).await.unwrap().role, "org:member");
    let m = accept(&app, &org, &inv.id, Some(&dave.id)).await.unwrap();
    assert_eq!(m["role"], "org:member");
    app.stop().await;
}

#[tokio::test]
async fn organization_invitation_lists_filter_by_status_address_and_order() {
    let app = TestApp::spawn().await;
    let api = app.sdk.organization_invitations();
    let (org, _) = org_with_admin(&app, "acme").await;
    let (globex, _) = org_with_admin(&app, "globex").await;
    let a = api.create(&org, org_invite("b-ann@example.com", "org:member")).await.unwrap();
    app.advance_secs(1);
    let b = api.create(&org, org_invite("a-bea@example.com", "org:admin")).await.unwrap();
    app.advance_secs(1);
    let c = api.create(&org, org_invite("c-cy@example.com", "org:member")).await.unwrap();
    api.revoke(&org, &c.id, Default::default()).await.unwrap();
    app.advance_secs(1);
    let g = api.create(&globex, org_invite("b-ann@example.com", "org:member")).await.unwrap();

    let ids = |v: Vec<Value>| v.iter().map(|i| i["id"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
    let all = org_list(&app, &org, Default::default()).await;
    assert_eq!(ids(all), [c.id.clone(), b.id.clone(), a.id.clone()]);
    // Node sends `status` once per value, Python once.
    let pending_or_revoked = app.get(&format!("/organizations/{org}/invitations?status=pending&status=revoked")).await;
    assert_eq!(pending_or_revoked.ok()["total_count"], 3);
    let revoked = app.get(&format!("/organizations/{org}/invitations?status=revoked")).await;
    assert_eq!(
        (revoked.ok()["total_count"].as_i64(), revoked.body["data"][0]["id"].as_str()),
        (Some(1), Some(c.id.as_str()))
    );
    let filter =
        OrganizationInvitationListQuery { email_address: Some("B-ANN@example.com".into()), ..Default::default() };
    assert_eq!(ids(org_list(&app, &org, filter).await), std::slice::from_ref(&a.id));
    let filter = OrganizationInvitationListQuery {
        order_by: Some("email_address".into()),
        limit: Some(2),
        ..Default::default()
    };
    assert_eq!(ids(org_list(&app, &org, filter).await), [b.id.clone(), a.id.clone()]);
    let r = app.get(&format!("/organizations/{org}/invitations?order_by=role")).await;
    assert_eq!(r.err(422, "form_param_value_invalid").param(), "order_by");
    // The deprecated pending list.
    let request = ListPendingOrganizationInvitationsRequest { organization_id: org.clone(), page: Default::default() };
    let pending = api.list_pending(request).await.unwrap();
    assert_eq!(pending.data.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(), [b.id.as_str(), a.id.as_str()]);

    // Instance-wide, with each organization's public data.
    let request = InstanceOrganizationInvitationListQuery { query: Some("ann@".into()), ..Default::default() };
    let page = api.get_all(request).await.unwrap();
    assert_eq!(page.data.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(), [g.id.as_str(), a.id.as_str()]);
    let orgs: Vec<&str> =
        page.data.iter().map(|i| i.public_organization_data.as_ref().unwrap().slug.as_str()).collect();
    assert_eq!(orgs, ["globex", "acme"]);
    let request =
        InstanceOrganizationInvitationListQuery { status: vec![InvitationStatus::Revoked], ..Default::default() };
    assert_eq!(api.get_all(request).await.unwrap().total_count, 1);
    assert_eq!(
        app.get("/organization_invitations?order_by=-email_address&limit=1").await.ok()["data"][0]["id"],
        c.id.as_str()
    );

    // A user's: the invitations of their email addresses.
    let ann = app.user("b-ann@example.com").await;
    let request = UsersGetOrganizationInvitationsRequest { user_id: ann.id.clone(), filter: Default::default() };
    let mine = app.sdk.users().get_organization_invitations(request).await.unwrap();
    assert_eq!(mine.data.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(), [g.id.as_str(), a.id.as_str()]);
    assert!(mine.data.iter().all(|i| i.public_organization_data.is_some()));
    accept(&app, &org, &a.id, None).await.unwrap();
    let request = UsersGetOrganizationInvitationsRequest {
        user_id: ann.id.clone(),
        filter: UserOrganizationInvitationListQuery { status: vec![InvitationStatus::Accepted], ..Default::default() },
    };
    let mine = app.sdk.users().get_organization_invitations(request).await.unwrap();
    assert_eq!((mine.total_count, mine.data[0].id.as_str()), (1, a.id.as_str()));
    app.get("/users/user_nope/organization_invitations").await.err(404, "resource_not_found");
    app.stop().await;
}

#[tokio::test]
async fn pending_invitations_count_is_counted_when_read() {
    let app = TestApp::spawn().await;
    let api = app.sdk.organization_invitations();
    let (org, _) = org_with_admin(&app, "acme").await;
    let count = |v: Value| (v["members_count"].as_i64(), v["pending_invitations_count"].as_i64());
    assert_eq!(count(app.get(&format!("/organizations/{org}")).await.ok().clone()), (Some(1), Some(0)));
    api.create(&org, org_invite("a@example.com", "org:member")).await.unwrap();
    let short = CreateOrganizationInvitationRequestBody {
        expires_in_days: Some(1),
        ..org_invite("b@example.com", "org:member")
    };
    api.create(&org, short).await.unwrap();
    let c = api.create(&org, org_invite("c@example.com", "org:member")).await.unwrap();
    assert_eq!(count(app.get(&format!("/organizations/{org}")).await.ok().clone()), (Some(1), Some(3)));
    api.revoke(&org, &c.id, Default::default()).await.unwrap();
    assert_eq!(count(app.get("/organizations").await.ok()["data"][0].clone()), (Some(1), Some(2)));
    app.advance_secs(DAY_SECS);
    assert_eq!(count(app.get("/organizations/acme").await.ok().clone()), (Some(1), Some(1)));
    let list = app.get("/organizations?include_members_count=false").await;
    assert_eq!(count(list.ok()["data"][0].clone()), (None, Some(1)));
    app.stop().await;
}

#[tokio::test]
async fn a_role_held_by_pending_invitations_is_not_deleted_and_its_new_key_reaches_them() {
    let app = TestApp::spawn().await;
    let api = app.sdk.organization_invitations();
    let (org, _) = org_with_admin(&app, "acme").await;
    let body = CreateOrganizationRoleRequestBody {
        name: "Auditor".into(),
        key: "org:auditor".into(),
        include_in_initial_role_set: Some(true),
        ..Default::default()
    };
    let role = app.sdk.organization_roles().create(body).await.unwrap();
    let inv = api.create(&org, org_invite("a@example.com", "org:auditor")).await.unwrap();
    assert_eq!(inv.role_name, "Auditor");
    assert_api_err(app.sdk.organization_roles().delete(&role.id).await, 422, "organization_role_exists_in_invitations");

    let rename = UpdateOrganizationRoleRequestBody {
        key: Some("org:reviewer".into()),
        name: Some("Reviewer".into()),
        ..Default::default()
    };
    app.sdk.organization_roles().update(&role.id, rename).await.unwrap();
    let got = api.get(&org, &inv.id).await.unwrap();
    assert_eq!((got.role.as_str(), got.role_name.as_str()), ("org:reviewer", "Reviewer"));

    // Revoked (or expired) invitations do not hold the role.
    api.revoke(&org, &inv.id, Default::default()).await.unwrap();
    app.sdk.organization_roles().delete(&role.id).await.unwrap();
    let got = api.get(&org, &inv.id).await.unwrap();
    assert_eq!((got.role.as_str(), got.role_name.as_str()), ("org:reviewer", "Reviewer"));
    app.stop().await;
}

#[tokio::test]
async fn deleting_an_organization_deletes_its_invitations() {
    let app = TestApp::spawn().await;
    let api = app.sdk.organization_invitations();
    let (org, _) = org_with_admin(&app, "acme").await;
    let inv = api.create(&org, org_invite("a@example.com", "org:member")).await.unwrap();
    app.sdk.organizations().delete(&org).await.unwrap();
    assert_eq!(app.get("/organization_invitations").await.ok()["total_count"], 0);
    app.get(&format!("/organizations/{org}/invitations/{}", inv.id)).await.err(404, "resource_not_found");
    app.stop().await;
}

async fn invitations_fit_clerks_schemas(app: &TestApp) {
    let mut o = Oracle::new();
    let (org, admin) = org_with_admin(app, "acme").await;
    let inv = o.check(
        "post",
        "/invitations",
        &app.post("/invitations", json!({"email_address": "a@example.com", "public_metadata": {"p": 1}})).await,
    );
    o.check("post", "/invitations", &app.post("/invitations", json!({"email_address": "a@example.com"})).await);
    o.check("post", "/invitations", &app.post("/invitations", json!({"email_address": 1})).await);
    o.check(
        "post",
        "/invitations/bulk",
        &app.post(
            "/invitations/bulk",
            json!([{"email_address": "b@example.com"}, {"email_address": "c@example.com", "expires_in_days": 2}]),
        )
        .await,
    );
    o.check("post", "/invitations/bulk", &app.post("/invitations/bulk", json!([])).await);
    o.check("get", "/invitations", &app.get("/invitations").await);
    o.check("get", "/invitations", &app.get("/invitations?status=pending&order_by=expires_at").await);
    o.check_paginated("get", "/invitations", &app.get("/invitations?paginated=true").await);
    let id = inv["id"].as_str().unwrap();
    o.check(
        "post",
        "/invitations/{invitation_id}/revoke",
        &app.post(&format!("/invitations/{id}/revoke"), json!({})).await,
    );
    o.check(
        "post",
        "/invitations/{invitation_id}/revoke",
        &app.post(&format!("/invitations/{id}/revoke"), json!({})).await,
    );
    o.check("post", "/invitations/{invitation_id}/revoke", &app.post("/invitations/inv_nope/revoke", json!({})).await);
    app.user("b@example.com").await;

    let base = format!("/organizations/{org}/invitations");
    let oi = o.check("post", "/organizations/{organization_id}/invitations", &app.post(&base, json!({"email_address": "d@example.com", "role": "org:member", "inviter_user_id": admin, "public_metadata": {"t": 1}})).await);
    o.check(
        "post",
        "/organizations/{organization_id}/invitations",
        &app.post(&base, json!({"email_address": "d@example.com", "role": "org:member"})).await,
    );
    o.check(
        "post",
        "/organizations/{organization_id}/invitations",
        &app.post(&base, json!({"email_address": "e@example.com", "role": "org:nope"})).await,
    );
    o.check("post", "/organizations/{organization_id}/invitations/bulk", &app.post(&format!("{base}/bulk"), json!([{"email_address": "e@example.com", "role": "org:admin"}, {"email_address": "b@example.com", "role": "org:member"}])).await);
    o.check("get", "/organizations/{organization_id}/invitations", &app.get(&base).await);
    o.check(
        "get",
        "/organizations/{organization_id}/invitations",
        &app.get(&format!("{base}?status=pending&status=accepted")).await,
    );
    o.check("get", "/organizations/{organization_id}/invitations/pending", &app.get(&format!("{base}/pending")).await);
    let oid = oi["id"].as_str().unwrap();
    o.check(
        "get",
        "/organizations/{organization_id}/invitations/{invitation_id}",
        &app.get(&format!("{base}/{oid}")).await,
    );
    o.check(
        "get",
        "/organizations/{organization_id}/invitations/{invitation_id}",
        &app.get(&format!("{base}/orginv_nope")).await,
    );
    o.check("get", "/organization_invitations", &app.get("/organization_invitations").await);
    let b = app.get("/users?email_address=b@example.com").await;
    let b = b.ok()[0]["id"].as_str().unwrap().to_owned();
    o.check(
        "get",
        "/users/{user_id}/organization_invitations",
        &app.get(&format!("/users/{b}/organization_invitations")).await,
    );
    o.check(
        "get",
        "/users/{user_id}/organization_invitations",
        &app.get(&format!("/users/{b}/organization_invitations?status=pending")).await,
    );
    let r = app
        .post(
            &format!(
                "/tessera/organizations/{org}/invitations/{}/accept",
                app.get(&format!("{base}?email_address=b@example.com")).await.body["data"][0]["id"].as_str().unwrap()
            ),
            json!({}),
        )
        .await;
    r.ok();
    o.check(
        "get",
        "/users/{user_id}/organization_invitations",
        &app.get(&format!("/users/{b}/organization_invitations?status=accepted")).await,
    );
    o.check(
        "post",
        "/organizations/{organization_id}/invitations/{invitation_id}/revoke",
        &app.post(&format!("{base}/{oid}/revoke"), json!({"requesting_user_id": admin})).await,
    );
    o.check(
        "post",
        "/organizations/{organization_id}/invitations/{invitation_id}/revoke",
        &app.post(&format!("{base}/{oid}/revoke"), json!({})).await,
    );
    o.check("get", "/organizations/{organization_id}", &app.get(&format!("/organizations/{org}")).await);
    o.finish(27);
}

#[tokio::test]
async fn invitation_operations_answer_in_clerks_published_shapes() {
    let app = TestApp::spawn().await;
    invitations_fit_clerks_schemas(&app).await;
    app.stop().await;
}

#[tokio::test]
async fn on_postgresql_invitation_operations_answer_in_clerks_published_shapes() {
    let Some(app) = TestApp::spawn_postgres().await else {
        eprintln!("TESSERA_TEST_DATABASE_URL not set: skipping the PostgreSQL run (outside CI)");
        return;
    };
    invitations_fit_clerks_schemas(&app).await;
    app.stop().await;
}

/// Every error the invitation operations answered above is one their entry in Tessera's own OpenAPI
/// document lists, with its schema.
#[tokio::test]
async fn invitation_errors_are_documented() {
    use crate::openapi::{assert_documented, document};
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let d = |method: &str, path: &str, r: &Resp| assert_documented(&doc, method, path, r);
    let (org, _) = org_with_admin(&app, "acme").await;
    let member = app.user("m@example.com").await;
    app.post(&format!("/organizations/{org}/memberships"), json!({"user_id": member.id, "role": "org:member"}))
        .await
        .ok();

    let r = app.post("/invitations", json!({"email_address": "a@example.com"})).await;
    d("POST", "/v1/invitations", &r);
    let id = r.body["id"].as_str().unwrap().to_owned();
    d("POST", "/v1/invitations", &app.post("/invitations", json!({"email_address": "a@example.com"})).await);
    d("POST", "/v1/invitations", &app.post("/invitations", json!({"email_address": "m@example.com"})).await);
    d(
        "POST",
        "/v1/invitations/bulk",
        &app.post("/invitations/bulk", json!([{"email_address": "m@example.com"}])).await,
    );
    let eleven: Vec<Value> = (0..11).map(|i| json!({"email_address": format!("n{i}@example.com")})).collect();
    d("POST", "/v1/invitations/bulk", &app.post("/invitations/bulk", Value::Array(eleven)).await);
    d("GET", "/v1/invitations", &app.get("/invitations?paginated=true").await);
    d(
        "POST",
        "/v1/invitations/{invitation_id}/revoke",
        &app.post(&format!("/invitations/{id}/revoke"), json!({})).await,
    );
    d(
        "POST",
        "/v1/invitations/{invitation_id}/revoke",
        &app.post(&format!("/invitations/{id}/revoke"), json!({})).await,
    );

    let base = format!("/organizations/{org}/invitations");
    let r = app.post(&base, json!({"email_address": "b@example.com", "role": "org:member"})).await;
    d("POST", "/v1/organizations/{org_id}/invitations", &r);
    let oid = r.body["id"].as_str().unwrap().to_owned();
    for body in [
        json!({"email_address": "b@example.com", "role": "org:member"}),
        json!({"email_address": "m@example.com", "role": "org:member"}),
        json!({"email_address": "c@example.com", "role": "org:member", "inviter_user_id": member.id}),
        json!({"email_address": "c@example.com", "role": "org:member", "inviter_user_id": "user_nope"}),
        json!({"email_address": "c@example.com", "role": "org:nope"}),
    ] {
        d("POST", "/v1/organizations/{org_id}/invitations", &app.post(&base, body).await);
    }
    d(
        "POST",
        "/v1/organizations/{org_id}/invitations/bulk",
        &app.post(&format!("{base}/bulk"), json!([{"email_address": "c@example.com", "role": "org:member"}])).await,
    );
    d("GET", "/v1/organizations/{org_id}/invitations", &app.get(&base).await);
    d("GET", "/v1/organizations/{org_id}/invitations/pending", &app.get(&format!("{base}/pending")).await);
    d("GET", "/v1/organizations/{org_id}/invitations/{invitation_id}", &app.get(&format!("{base}/{oid}")).await);
    d("GET", "/v1/organization_invitations", &app.get("/organization_invitations").await);
    d(
        "GET",
        "/v1/users/{user_id}/organization_invitations",
        &app.get(&format!("/users/{}/organization_invitations", member.id)).await,
    );
    let accept = format!("/tessera/organizations/{org}/invitations/{oid}/accept");
    d(
        "POST",
        "/v1/tessera/organizations/{org_id}/invitations/{invitation_id}/accept",
        &app.post(&accept, json!({})).await,
    );
    d(
        "POST",
        "/v1/tessera/organizations/{org_id}/invitations/{invitation_id}/accept",
        &app.post(&accept, json!({"user_id": member.id})).await,
    );
    app.user("b@example.com").await;
    d(
        "POST",
        "/v1/tessera/organizations/{org_id}/invitations/{invitation_id}/accept",
        &app.post(&accept, json!({})).await,
    );
    d(
        "POST",
        "/v1/tessera/organizations/{org_id}/invitations/{invitation_id}/accept",
        &app.post(&accept, json!({})).await,
    );
    let revoke = format!("{base}/{oid}/revoke");
    d(
        "POST",
        "/v1/organizations/{org_id}/invitations/{invitation_id}/revoke",
        &app.post(&revoke, json!({"requesting_user_id": member.id})).await,
    );
    d("POST", "/v1/organizations/{org_id}/invitations/{invitation_id}/revoke", &app.post(&revoke, json!({})).await);
    let role = app
        .post("/organization_roles", json!({"name": "X", "key": "org:x", "include_in_initial_role_set": true}))
        .await;
    let role_id = role.ok()["id"].as_str().unwrap().to_owned();
    app.post(&base, json!({"email_address": "x@example.com", "role": "org:x"})).await.ok();
    let r = app.delete(&format!("/organization_roles/{role_id}")).await;
    r.err(422, "organization_role_exists_in_invitations");
    d("DELETE", "/v1/organization_roles/{organization_role_id}", &r);
    app.stop().await;
}

/// Every query parameter Clerk's document gives the invitation lists is one Tessera's document lists
/// for the same operation (and reads: the tests above use each), so none is silently ignored.
#[tokio::test]
async fn the_invitation_lists_take_every_parameter_clerk_documents() {
    let app = TestApp::spawn().await;
    let ours = crate::openapi::document(&app).await;
    let clerk = crate::clerk_schema::clerk_doc();
    let names = |params: &Value| -> Vec<String> {
        let mut v: Vec<String> = params
            .as_array()
            .into_iter()
            .flatten()
            .map(crate::clerk_schema::resolve)
            .filter(|p| p["in"] == "query")
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect();
        v.sort();
        v
    };
    for (clerk_path, path) in [
        ("/invitations", "/v1/invitations"),
        ("/organization_invitations", "/v1/organization_invitations"),
        ("/organizations/{organization_id}/invitations", "/v1/organizations/{org_id}/invitations"),
        ("/organizations/{organization_id}/invitations/pending", "/v1/organizations/{org_id}/invitations/pending"),
        ("/users/{user_id}/organization_invitations", "/v1/users/{user_id}/organization_invitations"),
    ] {
        let theirs = names(&clerk["paths"][clerk_path]["get"]["parameters"]);
        assert!(!theirs.is_empty() || clerk_path.ends_with("pending"), "{clerk_path}: {theirs:?}");
        let mine = names(&ours["paths"][path]["get"]["parameters"]);
        let missing: Vec<&String> = theirs.iter().filter(|n| !mine.contains(n)).collect();
        assert!(missing.is_empty(), "GET {path} does not take {missing:?} (Clerk: {theirs:?}, Tessera: {mine:?})");
        assert_eq!(
            ours["paths"][path]["get"]["operationId"], clerk["paths"][clerk_path]["get"]["operationId"],
            "{path}: Clerk's operation id"
        );
    }
    app.stop().await;
}

/// A user created with a password and an invited address: the user, the password and the accepted
/// invitation are written together.
#[tokio::test]
async fn a_user_created_with_a_password_accepts_the_invitation_and_keeps_the_password() {
    let app = TestApp::spawn().await;
    let inv = app.sdk.invitations().create(invite("ada@example.com")).await.unwrap();
    let r =
        app.post("/users", json!({"email_address": ["ada@example.com"], "password": "a long enough password"})).await;
    let user = r.ok()["id"].as_str().unwrap().to_owned();
    assert_eq!(r.body["password_enabled"], true);
    let v = app.post(&format!("/users/{user}/verify_password"), json!({"password": "a long enough password"})).await;
    assert_eq!(v.ok()["verified"], true);
    let accepted = app.get("/invitations?status=accepted").await;
    assert_eq!(accepted.ok()[0]["id"], inv.id.as_str());
    app.stop().await;
}
