use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn organizations_are_created_with_the_creator_as_admin_and_found_by_id_or_slug() {
    let app = TestApp::spawn().await;
    let u = app.user("o@x.io").await;
    let o = app.post("/organizations", json!({"name": "Acme, Inc.", "created_by": id(&u), "public_metadata": {"tier": "gold"}})).await.ok().clone();
    assert_eq!(
        (
            o["object"].as_str(),
            o["slug"].as_str(),
            o["members_count"].as_i64()
        ),
        (Some("organization"), Some("acme-inc"), Some(1))
    );
    for f in [
        "has_image",
        "max_allowed_memberships",
        "admin_delete_enabled",
        "public_metadata",
        "created_at",
        "updated_at",
    ] {
        assert!(o.get(f).is_some(), "missing {f}");
    }
    assert_eq!(app.get("/organizations/acme-inc").await.ok()["id"], o["id"]);
    assert_eq!(
        app.get(&format!("/organizations/{}", id(&o))).await.ok()["name"],
        "Acme, Inc."
    );
    let members = app
        .get(&format!("/organizations/{}/memberships", id(&o)))
        .await
        .ok()
        .clone();
    assert_eq!(members["total_count"], 1);
    assert_eq!(members["data"][0]["role"], "org:admin");
    assert_eq!(members["data"][0]["public_user_data"]["user_id"], u["id"]);
    assert!(
        members["data"][0]["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p == "org:sys_memberships:manage")
    );

    app.post(
        "/organizations",
        json!({"name": "Other", "slug": "acme-inc"}),
    )
    .await
    .err(422, "form_identifier_exists");
    app.post("/organizations", json!({}))
        .await
        .err(422, "form_param_missing");
    app.post("/organizations", json!({"name": "x", "slug": "Bad Slug"}))
        .await
        .err(422, "form_param_format_invalid");
    app.post(
        "/organizations",
        json!({"name": "x", "created_by": "user_nope"}),
    )
    .await
    .err(404, "resource_not_found");
    app.get("/organizations/nope")
        .await
        .err(404, "resource_not_found");
    app.stop().await;
}

#[tokio::test]
async fn organizations_update_merge_metadata_list_and_delete_with_their_memberships() {
    let app = TestApp::spawn().await;
    let u = app.user("o@x.io").await;
    let o = app.org("First", &id(&u)).await;
    app.advance_secs(1);
    let o2 = app.org("Second", &id(&u)).await;
    let upd = app
        .patch(
            &format!("/organizations/{}", id(&o)),
            json!({"name": "Renamed", "slug": "renamed"}),
        )
        .await
        .ok()
        .clone();
    assert_eq!(
        (upd["name"].as_str(), upd["slug"].as_str()),
        (Some("Renamed"), Some("renamed"))
    );
    let m = app
        .patch(
            &format!("/organizations/{}/metadata", id(&o)),
            json!({"public_metadata": {"a": {"b": 1}}, "private_metadata": {"s": 1}}),
        )
        .await
        .ok()
        .clone();
    assert_eq!(m["public_metadata"], json!({"a": {"b": 1}}));
    let m = app
        .patch(
            &format!("/organizations/{}/metadata", id(&o)),
            json!({"public_metadata": {"a": {"b": null}}}),
        )
        .await
        .ok()
        .clone();
    assert_eq!(m["public_metadata"], json!({"a": {}}));

    let list = app.get("/organizations").await.ok().clone();
    assert_eq!(list["total_count"], 2);
    assert_eq!(list["data"][0]["id"], o2["id"], "newest first");
    assert_eq!(
        app.get("/organizations?query=renam").await.ok()["total_count"],
        1
    );
    assert_eq!(
        app.get(&format!("/organizations?user_id={}", id(&u)))
            .await
            .ok()["total_count"],
        2
    );

    let s = app.session(&id(&u), Some(&id(&o))).await;
    let d = app
        .delete(&format!("/organizations/{}", id(&o)))
        .await
        .ok()
        .clone();
    assert_eq!(
        (d["object"].as_str(), d["deleted"].as_bool()),
        (Some("organization"), Some(true))
    );
    app.get(&format!("/organizations/{}", id(&o)))
        .await
        .err(404, "resource_not_found");
    assert_eq!(
        app.get(&format!("/users/{}/organization_memberships", id(&u)))
            .await
            .ok()["total_count"],
        1
    );
    // The session keeps working without its organization.
    app.post(&format!("/sessions/{}/tokens", id(&s)), json!({}))
        .await
        .ok();
    app.stop().await;
}

#[tokio::test]
async fn memberships_are_created_updated_listed_and_removed() {
    let app = TestApp::spawn().await;
    let owner = app.user("owner@x.io").await;
    let member = app.user("member@x.io").await;
    let o = app.org("Team", &id(&owner)).await;
    let path = format!("/organizations/{}/memberships", id(&o));
    let m = app
        .post(&path, json!({"user_id": id(&member), "role": "org:member"}))
        .await
        .ok()
        .clone();
    assert_eq!(
        (
            m["object"].as_str(),
            m["role"].as_str(),
            m["role_name"].as_str()
        ),
        (
            Some("organization_membership"),
            Some("org:member"),
            Some("Member")
        )
    );
    assert_eq!(m["organization"]["id"], o["id"]);
    assert!(m["id"].as_str().unwrap().starts_with("orgmem_"));
    app.post(&path, json!({"user_id": id(&member), "role": "org:member"}))
        .await
        .err(422, "already_a_member_in_organization");
    app.post(&path, json!({"user_id": id(&member)}))
        .await
        .err(422, "form_param_missing");
    app.post(&path, json!({"user_id": "user_nope", "role": "org:member"}))
        .await
        .err(404, "resource_not_found");
    app.post(&path, json!({"user_id": id(&member), "role": "not a role"}))
        .await
        .err(422, "form_param_value_invalid");

    let up = app
        .patch(
            &format!("{path}/{}", id(&member)),
            json!({"role": "org:billing_manager"}),
        )
        .await
        .ok()
        .clone();
    assert_eq!(
        (up["role"].as_str(), up["role_name"].as_str()),
        (Some("org:billing_manager"), Some("Billing Manager"))
    );
    let md = app
        .patch(
            &format!("{path}/{}/metadata", id(&member)),
            json!({"public_metadata": {"team": "red"}}),
        )
        .await
        .ok()
        .clone();
    assert_eq!(md["public_metadata"], json!({"team": "red"}));
    assert_eq!(app.get(&path).await.ok()["total_count"], 2);
    let gone = app
        .delete(&format!("{path}/{}", id(&member)))
        .await
        .ok()
        .clone();
    assert_eq!(gone["role"], "org:billing_manager");
    app.delete(&format!("{path}/{}", id(&member)))
        .await
        .err(404, "resource_not_found");
    assert_eq!(app.get(&path).await.ok()["total_count"], 1);

    // Deleting a user removes their memberships.
    app.post(&path, json!({"user_id": id(&member), "role": "org:member"}))
        .await
        .ok();
    app.delete(&format!("/users/{}", id(&member))).await.ok();
    assert_eq!(app.get(&path).await.ok()["total_count"], 1);
    app.stop().await;
}
