use serde_json::json;
use tessera_client::types::CreateSessionRequestBody;
use tessera_client::{CreateSessionTokenRequest, GetSessionListRequest, SessionStatus};

use crate::helpers::*;

fn for_user(user_id: &str, org: Option<&str>) -> CreateSessionRequestBody {
    CreateSessionRequestBody { user_id: user_id.to_owned(), active_organization_id: org.map(str::to_owned) }
}

#[tokio::test]
async fn a_session_is_active_with_clerk_lifetimes_and_its_own_client() {
    let app = TestApp::spawn().await;
    let u = app.user("s@x.io").await;
    let s = app.session(&u.id, None).await;
    assert_eq!(s.object, "session");
    assert!(s.id.starts_with("sess_"));
    assert!(s.client_id.starts_with("client_"));
    assert_eq!(s.status, SessionStatus::Active);
    assert_eq!(s.expire_at - s.created_at, 604_800_000);
    assert_eq!(s.abandon_at - s.created_at, 2_592_000_000);
    assert_eq!(s.last_active_organization_id, None);
    app.stop().await;
}

#[tokio::test]
async fn session_creation_rejects_bad_input() {
    let app = TestApp::spawn().await;
    let u = app.user("s@x.io").await;
    let other = app.user("o@x.io").await;
    let org = app.org("Theirs", &other.id).await;
    // Raw: a missing `user_id` and a number for it; the SDK's typed body cannot send either.
    app.post("/sessions", json!({})).await.err(422, "form_param_missing");
    app.post("/sessions", json!({"user_id": 7})).await.err(422, "form_param_type_invalid");
    let sessions = app.sdk.sessions();
    assert_api_err(sessions.create(for_user("user_missing", None)).await, 404, "resource_not_found");
    let r = sessions.create(for_user(&u.id, Some(&org.id))).await;
    assert_eq!(assert_api_err_param(r, 422, "form_param_value_invalid"), "active_organization_id");
    let r = sessions.create(for_user(&u.id, Some("org_nope"))).await;
    assert_api_err(r, 404, "resource_not_found");
    app.stop().await;
}

#[tokio::test]
async fn sessions_expire_on_read_and_terminal_statuses_never_return() {
    let app = TestApp::spawn().await;
    let sessions = app.sdk.sessions();
    let u = app.user("s@x.io").await;
    let s = app.session(&u.id, None).await;
    app.advance_secs(7 * 24 * 3600);
    assert_eq!(sessions.get(&s.id).await.unwrap().status, SessionStatus::Expired);
    let of_user =
        |status| GetSessionListRequest { user_id: Some(u.id.clone()), status: Some(status), ..Default::default() };
    let listed = sessions.list(of_user(SessionStatus::Expired)).await.unwrap();
    assert_eq!(listed.data.len(), 1);
    let listed = sessions.list(of_user(SessionStatus::Active)).await.unwrap();
    assert_eq!(listed.data.len(), 0);
    let r = sessions.revoke(&s.id).await.unwrap();
    assert_eq!(r.status, SessionStatus::Expired, "an expired session cannot be revoked back to anything else");
    let r = sessions
        .create_session_token(CreateSessionTokenRequest { session_id: s.id.clone(), body: Some(Default::default()) })
        .await;
    assert_api_err(r, 404, "resource_not_found");
    app.stop().await;
}

#[tokio::test]
async fn revoking_ends_a_session_and_lists_filter_and_page_newest_first() {
    let app = TestApp::spawn().await;
    let sessions = app.sdk.sessions();
    let u = app.user("s@x.io").await;
    let s1 = app.session(&u.id, None).await;
    app.advance_secs(1);
    let s2 = app.session(&u.id, None).await;
    assert_eq!(sessions.revoke(&s1.id).await.unwrap().status, SessionStatus::Revoked);
    assert_api_err(sessions.revoke("sess_nope").await, 404, "resource_not_found");

    let of_user = GetSessionListRequest { user_id: Some(u.id.clone()), ..Default::default() };
    let page = sessions.list(of_user.clone()).await.unwrap();
    assert_eq!(page.total_count, 2);
    assert_eq!(page.data[0].id, s2.id, "newest first");
    // Raw: the SDK always asks for pages; this is the bare-array form of the list.
    let revoked = app.get(&format!("/sessions?user_id={}&status=revoked", u.id)).await.ok().clone();
    assert_eq!(revoked.as_array().unwrap().len(), 1);
    let by_client =
        sessions.list(GetSessionListRequest { client_id: Some(s2.client_id.clone()), ..Default::default() });
    assert_eq!(by_client.await.unwrap().data[0].id, s2.id);
    let paged =
        sessions.list(GetSessionListRequest { limit: Some(1), offset: Some(1), ..of_user.clone() }).await.unwrap();
    assert_eq!((paged.total_count, paged.data[0].id.as_str()), (2, s1.id.as_str()));

    assert_api_err(sessions.list(Default::default()).await, 400, "missing_query_parameter");
    // Raw: a status outside the SDK's `SessionStatus` enum.
    app.get(&format!("/sessions?user_id={}&status=bogus", u.id)).await.err(422, "form_param_value_invalid");
    assert_api_err(sessions.get("sess_nope").await, 404, "resource_not_found");
    app.stop().await;
}
