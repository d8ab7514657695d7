use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn a_session_is_active_with_clerk_lifetimes_and_its_own_client() {
    let app = TestApp::spawn().await;
    let u = app.user("s@x.io").await;
    let s = app.session(&id(&u), None).await;
    assert_eq!(s["object"], "session");
    assert!(s["id"].as_str().unwrap().starts_with("sess_"));
    assert!(s["client_id"].as_str().unwrap().starts_with("client_"));
    assert_eq!(s["status"], "active");
    assert_eq!(
        s["expire_at"].as_i64().unwrap() - s["created_at"].as_i64().unwrap(),
        604_800_000
    );
    assert_eq!(
        s["abandon_at"].as_i64().unwrap() - s["created_at"].as_i64().unwrap(),
        2_592_000_000
    );
    assert_eq!(s["last_active_organization_id"], json!(null));
    app.stop().await;
}

#[tokio::test]
async fn session_creation_rejects_bad_input() {
    let app = TestApp::spawn().await;
    let u = app.user("s@x.io").await;
    let other = app.user("o@x.io").await;
    let org = app.org("Theirs", &id(&other)).await;
    app.post("/sessions", json!({}))
        .await
        .err(422, "form_param_missing");
    app.post("/sessions", json!({"user_id": 7}))
        .await
        .err(422, "form_param_type_invalid");
    app.post("/sessions", json!({"user_id": "user_missing"}))
        .await
        .err(404, "resource_not_found");
    let r = app
        .post(
            "/sessions",
            json!({"user_id": id(&u), "active_organization_id": id(&org)}),
        )
        .await;
    r.err(422, "form_param_value_invalid");
    assert_eq!(r.param(), "active_organization_id");
    app.post(
        "/sessions",
        json!({"user_id": id(&u), "active_organization_id": "org_nope"}),
    )
    .await
    .err(404, "resource_not_found");
    app.stop().await;
}

#[tokio::test]
async fn sessions_expire_on_read_and_terminal_statuses_never_return() {
    let app = TestApp::spawn().await;
    let u = app.user("s@x.io").await;
    let s = app.session(&id(&u), None).await;
    let path = format!("/sessions/{}", id(&s));
    app.advance_secs(7 * 24 * 3600);
    assert_eq!(app.get(&path).await.ok()["status"], "expired");
    let listed = app
        .get(&format!("/sessions?user_id={}&status=expired", id(&u)))
        .await
        .ok()
        .clone();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let listed = app
        .get(&format!("/sessions?user_id={}&status=active", id(&u)))
        .await
        .ok()
        .clone();
    assert_eq!(listed.as_array().unwrap().len(), 0);
    let r = app.post(&format!("{path}/revoke"), json!({})).await;
    assert_eq!(
        r.ok()["status"],
        "expired",
        "an expired session cannot be revoked back to anything else"
    );
    app.post(&format!("{path}/tokens"), json!({}))
        .await
        .err(404, "resource_not_found");
    app.stop().await;
}

#[tokio::test]
async fn revoking_ends_a_session_and_lists_filter_and_page_newest_first() {
    let app = TestApp::spawn().await;
    let u = app.user("s@x.io").await;
    let s1 = app.session(&id(&u), None).await;
    app.advance_secs(1);
    let s2 = app.session(&id(&u), None).await;
    let r = app
        .post(&format!("/sessions/{}/revoke", id(&s1)), json!({}))
        .await;
    assert_eq!(r.ok()["status"], "revoked");
    app.post("/sessions/sess_nope/revoke", json!({}))
        .await
        .err(404, "resource_not_found");

    let page = app
        .get(&format!("/sessions?user_id={}&paginated=true", id(&u)))
        .await
        .ok()
        .clone();
    assert_eq!(page["total_count"], 2);
    assert_eq!(page["data"][0]["id"], s2["id"], "newest first");
    let revoked = app
        .get(&format!("/sessions?user_id={}&status=revoked", id(&u)))
        .await
        .ok()
        .clone();
    assert_eq!(revoked.as_array().unwrap().len(), 1);
    let by_client = app
        .get(&format!(
            "/sessions?client_id={}",
            s2["client_id"].as_str().unwrap()
        ))
        .await
        .ok()
        .clone();
    assert_eq!(by_client[0]["id"], s2["id"]);
    let paged = app
        .get(&format!(
            "/sessions?user_id={}&paginated=true&limit=1&offset=1",
            id(&u)
        ))
        .await
        .ok()
        .clone();
    assert_eq!(
        (
            paged["total_count"].as_i64(),
            paged["data"][0]["id"].as_str()
        ),
        (Some(2), s1["id"].as_str())
    );

    app.get("/sessions")
        .await
        .err(400, "missing_query_parameter");
    app.get(&format!("/sessions?user_id={}&status=bogus", id(&u)))
        .await
        .err(422, "form_param_value_invalid");
    app.get("/sessions/sess_nope")
        .await
        .err(404, "resource_not_found");
    app.stop().await;
}
