//! End to end against the real server, started in-process on port 0: every resource group, token
//! minting with and without a body, and verification of what the server minted.

use std::sync::Arc;

use serde_json::json;
use tessera_client::types::{
    CreateJwtTemplateRequestBody, CreateOrganizationMembershipRequestBody, CreateOrganizationRequestBody,
    CreateSessionRequestBody, CreateSessionTokenRequestBody, CreateUserRequestBody, UpdateMetadataRequestBody,
    UpdateOrganizationMembershipRequestBody, UpdateOrganizationRequestBody, UpdateUserRequestBody,
};
use tessera_client::{
    Client, CreateSessionTokenFromTemplateRequest, CreateSessionTokenFromTemplateRequestBody,
    CreateSessionTokenRequest, Error, GetSessionListRequest, GetUserListRequest, GetUsersCountRequest, KeySource,
    ListJwtTemplatesRequest, ListOrganizationMembershipsRequest, ListOrganizationsRequest, SessionStatus,
    UpdateOrganizationMembershipMetadataRequestBody, UpdateOrganizationMetadataRequestBody,
    UsersGetOrganizationMembershipsRequest, Verifier, VerifyError, VerifyOptions,
};
use tessera_server::{Config, Running, Secret};

use crate::support::obj;

const SECRET: &str = "sk_test_x";

async fn start_server() -> Running {
    let config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        ephemeral: true,
        secret_key: Some(Secret(SECRET.into())),
        ..Default::default()
    };
    tessera_server::start(config, Arc::new(tessera_server::SystemClock)).await.expect("the server starts")
}

fn metadata(v: serde_json::Value) -> Option<tessera_client::types::JsonObject> {
    Some(obj(v))
}

#[tokio::test]
async fn users_sessions_organizations_and_templates_round_trip_through_the_real_server() {
    let server = start_server().await;
    let client = Client::new(server.base_url(), SECRET).unwrap();

    // ---- users
    let users = client.users();
    let ada = users
        .create(CreateUserRequestBody {
            email_address: Some(vec!["ada@example.com".into()]),
            username: Some("ada_l".into()),
            external_id: Some("ext-ada".into()),
            first_name: Some("Ada".into()),
            public_metadata: metadata(json!({"plan": "pro", "keep": 1})),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(ada.object, "user");
    assert_eq!(ada.email_addresses[0].email_address, "ada@example.com");
    let bob = users
        .create(CreateUserRequestBody { email_address: Some(vec!["bob@example.com".into()]), ..Default::default() })
        .await
        .unwrap();

    let dup = users
        .create(CreateUserRequestBody { email_address: Some(vec!["ada@example.com".into()]), ..Default::default() })
        .await
        .unwrap_err();
    assert_eq!(dup.status(), Some(422));
    assert_eq!(dup.code(), Some("form_identifier_exists"));
    assert_eq!(dup.param_name(), Some("email_address"));
    assert!(dup.clerk_trace_id().is_some());

    assert_eq!(users.get(&ada.id).await.unwrap(), ada);
    let found = users
        .list(GetUserListRequest {
            email_address: vec!["ada@example.com".into(), "nobody@example.com".into()],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(found.iter().map(|u| u.id.as_str()).collect::<Vec<_>>(), vec![ada.id.as_str()]);
    let by_two_ids = users
        .list(GetUserListRequest {
            user_id: vec![ada.id.clone(), bob.id.clone()],
            order_by: Some("-created_at".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(by_two_ids.len(), 2);
    assert_eq!(users.count(GetUsersCountRequest::default()).await.unwrap().total_count, 2);
    assert_eq!(
        users
            .count(GetUsersCountRequest { username: vec!["ada_l".into()], ..Default::default() })
            .await
            .unwrap()
            .total_count,
        1
    );

    let ada = users
        .update(&ada.id, UpdateUserRequestBody { last_name: Some("Lovelace".into()), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(ada.last_name.as_deref(), Some("Lovelace"));
    let ada = users
        .update_metadata(
            &ada.id,
            UpdateMetadataRequestBody {
                public_metadata: metadata(json!({"plan": null, "tier": "gold"})),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(serde_json::Value::Object(ada.public_metadata.clone()), json!({"keep": 1, "tier": "gold"}));
    let ada = users
        .replace_metadata(
            &ada.id,
            UpdateMetadataRequestBody { public_metadata: metadata(json!({"only": true})), ..Default::default() },
        )
        .await
        .unwrap();
    assert_eq!(serde_json::Value::Object(ada.public_metadata.clone()), json!({"only": true}));
    assert!(users.ban(&bob.id).await.unwrap().banned);
    assert!(!users.unban(&bob.id).await.unwrap().banned);

    let missing = users.get("user_doesnotexist").await.unwrap_err();
    assert!(missing.is_not_found());
    assert_eq!(missing.code(), Some("resource_not_found"));

    // ---- organizations and memberships
    let orgs = client.organizations();
    let acme = orgs
        .create(CreateOrganizationRequestBody {
            name: "Acme".into(),
            slug: Some("acme".into()),
            created_by: Some(ada.id.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(acme.slug, "acme");
    let page = orgs.list(ListOrganizationsRequest::default()).await.unwrap();
    assert_eq!(page.total_count, 1);
    assert_eq!(orgs.get(&acme.id).await.unwrap().id, acme.id);
    let acme = orgs
        .update(&acme.id, UpdateOrganizationRequestBody { name: Some("Acme Inc".into()), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(acme.name, "Acme Inc");
    let acme = orgs
        .update_metadata(
            &acme.id,
            UpdateOrganizationMetadataRequestBody {
                public_metadata: metadata(json!({"region": "eu"})),
                private_metadata: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(acme.public_metadata["region"], json!("eu"));

    let memberships = client.organization_memberships();
    let bob_member = memberships
        .create(
            &acme.id,
            CreateOrganizationMembershipRequestBody {
                user_id: bob.id.clone(),
                role: "org:member".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(bob_member.role, "org:member");
    let listed = memberships.list(ListOrganizationMembershipsRequest::new(&acme.id)).await.unwrap();
    assert_eq!(listed.total_count, 2, "the creator is an admin member");
    let bob_member = memberships
        .update(&acme.id, &bob.id, UpdateOrganizationMembershipRequestBody { role: "org:admin".into() })
        .await
        .unwrap();
    assert_eq!(bob_member.role, "org:admin");
    let bob_member = memberships
        .update_metadata(
            &acme.id,
            &bob.id,
            UpdateOrganizationMembershipMetadataRequestBody {
                public_metadata: metadata(json!({"team": "red"})),
                private_metadata: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(bob_member.public_metadata["team"], json!("red"));
    let of_ada = users
        .get_organization_memberships(UsersGetOrganizationMembershipsRequest {
            user_id: ada.id.clone(),
            limit: None,
            offset: None,
        })
        .await
        .unwrap();
    assert_eq!(of_ada.data.len(), 1);
    assert_eq!(of_ada.data[0].role, "org:admin");
    let removed = memberships.delete(&acme.id, &bob.id).await.unwrap();
    assert_eq!(removed.id, bob_member.id);

    // ---- sessions
    let sessions = client.sessions();
    let session = sessions
        .create(CreateSessionRequestBody { user_id: ada.id.clone(), active_organization_id: Some(acme.id.clone()) })
        .await
        .unwrap();
    assert_eq!(session.status, SessionStatus::Active);
    let listed =
        sessions.list(GetSessionListRequest { user_id: Some(ada.id.clone()), ..Default::default() }).await.unwrap();
    assert_eq!((listed.total_count, listed.data[0].id.as_str()), (1, session.id.as_str()));
    assert_eq!(sessions.get(&session.id).await.unwrap().id, session.id);
    let missing_filter = sessions.list(GetSessionListRequest::default()).await.unwrap_err();
    assert_eq!(missing_filter.status(), Some(400));

    // ---- templates
    let templates = client.jwt_templates();
    let template = templates
        .create(CreateJwtTemplateRequestBody {
            name: "e2e".into(),
            claims: obj(json!({"aud": "e2e-aud", "email": "{{user.primary_email_address}}", "org": "{{org.slug}}"})),
            lifetime: Some(120),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((template.object.as_str(), template.lifetime), ("jwt_template", 120));
    let listed = templates.list(ListJwtTemplatesRequest::default()).await.unwrap();
    assert_eq!(listed.total_count, 1);
    assert_eq!(templates.get(&template.id).await.unwrap().name, "e2e");
    let template = templates
        .update(
            &template.id,
            CreateJwtTemplateRequestBody {
                name: "e2e".into(),
                claims: template.claims.clone(),
                lifetime: Some(600),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(template.lifetime, 600);
    let reserved = templates
        .create(CreateJwtTemplateRequestBody {
            name: "bad".into(),
            claims: obj(json!({"sub": "x"})),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(reserved.code(), Some("jwt_template_reserved_claim"));

    // ---- minting and verification
    let default_lifetime = sessions
        .create_token_from_template(CreateSessionTokenFromTemplateRequest {
            session_id: session.id.clone(),
            template_name: "e2e".into(),
            body: None,
        })
        .await
        .unwrap();
    let short = sessions
        .create_token_from_template(CreateSessionTokenFromTemplateRequest {
            session_id: session.id.clone(),
            template_name: "e2e".into(),
            body: Some(CreateSessionTokenFromTemplateRequestBody { expires_in_seconds: Some(300) }),
        })
        .await
        .unwrap();
    let session_token = sessions
        .create_session_token(CreateSessionTokenRequest { session_id: session.id.clone(), body: None })
        .await
        .unwrap();
    let long_session_token = sessions
        .create_session_token(CreateSessionTokenRequest {
            session_id: session.id.clone(),
            body: Some(CreateSessionTokenRequestBody { expires_in_seconds: Some(3600) }),
        })
        .await
        .unwrap();

    let jwks = client.jwks().get().await.unwrap();
    assert_eq!(jwks.keys.len(), 1);
    assert_eq!(jwks.keys[0].kty, "RSA");
    let kid = jwks.keys[0].kid.clone().unwrap();

    let options = VerifyOptions { audience: vec!["e2e-aud".into()], ..Default::default() };
    let t = client.verify_token(&default_lifetime.jwt, &options).await.unwrap();
    assert_eq!(t.kid(), Some(kid.as_str()));
    assert_eq!(t.cat(), Some("cl_B7d4PD222AAA"));
    let c = &t.claims;
    assert_eq!(c.sub, ada.id);
    assert_eq!(c.exp - c.iat.unwrap(), 600, "the template's lifetime");
    assert_eq!(c.sid, None, "template tokens carry no sid");
    assert_eq!(c.extra["email"], json!("ada@example.com"));
    assert_eq!(c.extra["org"], json!("acme"));
    assert_eq!(c.jti.as_ref().map(String::len), Some(20));
    let t = client.verify_token(&short.jwt, &options).await.unwrap();
    assert_eq!(t.claims.exp - t.claims.iat.unwrap(), 300, "expires_in_seconds wins");

    let issuer = server.state.app.issuer().to_owned();
    let strict = VerifyOptions { issuer: Some(issuer.clone()), ..Default::default() };
    let t = client.verify_token(&session_token.jwt, &strict).await.unwrap();
    let c = &t.claims;
    assert_eq!(t.cat(), Some("cl_B7d4PD111AAA"));
    assert_eq!((c.sid.as_deref(), c.sub.as_str()), (Some(session.id.as_str()), ada.id.as_str()));
    assert_eq!((c.v, c.sts.as_deref()), (Some(2), Some("active")));
    assert_eq!(c.exp - c.iat.unwrap(), 60);
    assert_eq!(c.nbf, Some(c.iat.unwrap() - 10));
    let o = c.o.as_ref().expect("the active organization");
    assert_eq!((o.id.as_str(), o.slg.as_deref(), o.rol.as_deref()), (acme.id.as_str(), Some("acme"), Some("admin")));
    let t = client.verify_token(&long_session_token.jwt, &strict).await.unwrap();
    assert_eq!(t.claims.exp - t.claims.iat.unwrap(), 3600);
    assert_eq!(client.verifier().jwks_fetch_count().await, 1, "one fetch, then the cache");

    // Tampering with any claim breaks the signature.
    let mut parts: Vec<String> = session_token.jwt.split('.').map(str::to_owned).collect();
    let mut payload: serde_json::Value =
        serde_json::from_slice(&tessera_jwt::b64url_decode(&parts[1]).unwrap()).unwrap();
    payload["sub"] = json!(bob.id);
    parts[1] = tessera_jwt::b64url(payload.to_string().as_bytes());
    let tampered = parts.join(".");
    assert_eq!(client.verify_token(&tampered, &VerifyOptions::default()).await.unwrap_err(), VerifyError::BadSignature);
    let as_error: Error = client.verify_token(&tampered, &VerifyOptions::default()).await.unwrap_err().into();
    assert!(matches!(as_error, Error::Verify(VerifyError::BadSignature)));
    // Other checks apply to server tokens too.
    let wrong_aud = client
        .verify_token(&session_token.jwt, &VerifyOptions { audience: vec!["x".into()], ..Default::default() })
        .await
        .unwrap_err();
    assert!(matches!(wrong_aud, VerifyError::AudienceMismatch { .. }));
    let azp = client
        .verify_token(
            &session_token.jwt,
            &VerifyOptions { authorized_parties: vec!["https://app".into()], ..Default::default() },
        )
        .await
        .unwrap_err();
    assert_eq!(azp, VerifyError::AuthorizedPartyMismatch { found: None });
    let later = client
        .verify_token(&session_token.jwt, &VerifyOptions { now: Some(c.exp + 5), ..Default::default() })
        .await
        .unwrap_err();
    assert!(matches!(later, VerifyError::Expired { .. }));

    // The same keys work as a static JWKS, and from the public well-known URL without a key.
    let offline = Verifier::new(KeySource::Jwks(jwks.clone())).unwrap();
    offline.verify_token(&session_token.jwt, &VerifyOptions::default()).await.unwrap();
    let public = Verifier::new(KeySource::JwksUrl {
        url: format!("{}/.well-known/jwks.json", server.base_url()),
        secret_key: None,
    })
    .unwrap();
    public.verify_token(&short.jwt, &options).await.unwrap();
    let pem = server.state.app.public_key_pem().unwrap();
    let by_pem = Verifier::new(KeySource::PublicKeyPem(pem)).unwrap();
    by_pem.verify_token(&default_lifetime.jwt, &options).await.unwrap();

    // A wrong secret key: the API and the JWKS fetch both say so.
    let intruder = Client::new(format!("{}/v1", server.base_url()), "sk_test_wrong").unwrap();
    let e = intruder.jwks().get().await.unwrap_err();
    assert_eq!((e.status(), e.code()), (Some(401), Some("clerk_key_invalid")));
    let e = intruder.verify_token(&session_token.jwt, &VerifyOptions::default()).await.unwrap_err();
    assert!(matches!(&e, VerifyError::KeyFetch(m) if m.contains("clerk_key_invalid")), "{e:?}");

    // Revoked sessions mint nothing.
    let revoked = sessions.revoke(&session.id).await.unwrap();
    assert_eq!(revoked.status, SessionStatus::Revoked);
    let e = sessions
        .create_session_token(CreateSessionTokenRequest { session_id: session.id.clone(), body: None })
        .await
        .unwrap_err();
    assert_eq!((e.status(), e.code()), (Some(404), Some("resource_not_found")));
    let e = sessions
        .create_token_from_template(CreateSessionTokenFromTemplateRequest {
            session_id: session.id.clone(),
            template_name: "e2e".into(),
            body: Some(CreateSessionTokenFromTemplateRequestBody { expires_in_seconds: Some(1) }),
        })
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(422), "{e}");
    assert_eq!(e.param_name(), Some("expires_in_seconds"));

    // ---- deletes
    assert!(templates.delete(&template.id).await.unwrap().deleted);
    assert!(orgs.delete(&acme.id).await.unwrap().deleted);
    let deleted = users.delete(&bob.id).await.unwrap();
    assert_eq!((deleted.object.as_str(), deleted.deleted), ("user", true));
    assert!(users.get(&bob.id).await.unwrap_err().is_not_found());

    server.stop().await;
}
