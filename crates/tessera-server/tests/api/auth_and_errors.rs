use reqwest::Method;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn every_v1_route_needs_the_secret_key() {
    let app = TestApp::spawn().await;
    for path in ["/v1/users", "/v1/jwks", "/v1/nope"] {
        let r = app.raw(Method::GET, path, None, None).await;
        r.err(401, "authorization_header_format_invalid");
        let r = app.raw(Method::GET, path, Some("Basic abc"), None).await;
        r.err(401, "authorization_header_format_invalid");
        let r = app.raw(Method::GET, path, Some("Bearer sk_test_wrong"), None).await;
        r.err(401, "clerk_key_invalid");
    }
    app.get("/nope").await.err(404, "resource_not_found");
    app.stop().await;
}

#[tokio::test]
async fn public_endpoints_serve_keys_discovery_and_health() {
    let app = TestApp::spawn().await;
    let r = app.raw(Method::GET, "/.well-known/jwks.json", None, None).await;
    assert_eq!(r.headers["content-type"], "application/json");
    assert_eq!(r.headers["cache-control"], "public, max-age=300");
    let k = &r.body["keys"][0];
    assert_eq!(
        (k["kty"].as_str(), k["alg"].as_str(), k["use"].as_str(), k["e"].as_str()),
        (Some("RSA"), Some("RS256"), Some("sig"), Some("AQAB"))
    );
    // The SDK reads /v1/jwks as exactly the public document (nothing lost in its typed `Jwks`).
    let jwks = app.sdk.jwks().get().await.unwrap();
    assert_eq!(serde_json::to_value(&jwks).unwrap(), r.body);
    let oidc = app.raw(Method::GET, "/.well-known/openid-configuration", None, None).await;
    assert_eq!(oidc.body["issuer"], json!(app.base));
    assert_eq!(oidc.body["jwks_uri"], json!(format!("{}/.well-known/jwks.json", app.base)));
    let h = app.raw(Method::GET, "/healthz", None, None).await;
    assert_eq!(h.status, 200);
    app.stop().await;
}

#[tokio::test]
async fn api_versions_are_checked_and_bodies_of_other_types_refused() {
    let app = TestApp::spawn().await;
    let r = app
        .http
        .get(format!("{}/v1/users", app.base))
        .header("Authorization", format!("Bearer {SECRET}"))
        .header("Clerk-API-Version", "2025-11-10")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = app
        .http
        .get(format!("{}/v1/users", app.base))
        .header("Authorization", format!("Bearer {SECRET}"))
        .header("Clerk-API-Version", "yesterday")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = app
        .http
        .post(format!("{}/v1/users", app.base))
        .header("Authorization", format!("Bearer {SECRET}"))
        .header("Content-Type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    // Form bodies work as in Clerk's API.
    let r = app
        .http
        .post(format!("{}/v1/users", app.base))
        .header("Authorization", format!("Bearer {SECRET}"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("first_name=Form&email_address=form@x.io")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    app.stop().await;
}
