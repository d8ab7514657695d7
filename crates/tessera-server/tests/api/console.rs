//! The console at `/console`, over plain HTTP (scripts/browser.sh drives it in a real browser): off
//! unless configured; its headers; sign-in into a cookie that is not the key; CSRF on writes; user
//! data escaped; the playground's JSON endpoints.

use std::sync::Arc;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::{Value, json};
use tessera_server::{Config, Secret};

use crate::helpers::*;

fn no_redirects() -> reqwest::Client {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client")
}

async fn console_app() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().join("data"),
        secret_key: Some(Secret(SECRET.into())),
        console: true,
        ..Config::default()
    };
    TestApp::spawn_with(config, Some(dir)).await
}

/// The value of `name` in the response's `Set-Cookie` headers, with the whole header.
fn set_cookie(h: &HeaderMap, name: &str) -> Option<(String, String)> {
    h.get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).find_map(|v| {
        let (kv, _) = v.split_once(';')?;
        let (k, val) = kv.split_once('=')?;
        (k == name).then(|| (val.to_owned(), v.to_owned()))
    })
}

/// The value of `<input name="csrf" value="…">` or `<meta name="csrf-token" content="…">`.
fn token_in(html: &str, marker: &str) -> String {
    let at = html.find(marker).unwrap_or_else(|| panic!("no {marker} in {html}"));
    let rest = &html[at + marker.len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}

/// Signs in; answers the session cookie header value and the session's CSRF token.
async fn sign_in(app: &TestApp, http: &reqwest::Client) -> (String, String) {
    let form = http.get(format!("{}/console/login", app.base)).send().await.unwrap();
    let (login, _) = set_cookie(form.headers(), "tessera_console_login").unwrap();
    let token = token_in(&form.text().await.unwrap(), r#"name="csrf" value=""#);
    let resp = http
        .post(format!("{}/console/login", app.base))
        .header("cookie", format!("tessera_console_login={login}"))
        .form(&[("csrf", token.as_str()), ("secret_key", SECRET)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (id, header) = set_cookie(resp.headers(), "tessera_console").unwrap();
    assert!(header.contains("HttpOnly") && header.contains("SameSite=Strict"), "{header}");
    assert!(!id.contains(SECRET) && id.len() == 64);
    let cookie = format!("tessera_console={id}");
    let page = http.get(format!("{}/console/users", app.base)).header("cookie", &cookie).send().await.unwrap();
    let csrf = token_in(&page.text().await.unwrap(), r#"name="csrf-token" content=""#);
    (cookie, csrf)
}

#[tokio::test]
async fn the_console_is_off_unless_configured() {
    let app = TestApp::spawn().await;
    let r = no_redirects().get(format!("{}/console/login", app.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn console_pages_forbid_framing_and_inline_script_and_need_a_session() {
    let app = console_app().await;
    let http = no_redirects();
    let r = http.get(format!("{}/console/users", app.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/console/login");
    let csp = r.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe"));
    assert_eq!(r.headers()["x-frame-options"], HeaderValue::from_static("DENY"));
    // Sign-in without the form's double-submit token, or with a wrong key.
    let r = http.post(format!("{}/console/login", app.base)).form(&[("secret_key", SECRET)]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let form = http.get(format!("{}/console/login", app.base)).send().await.unwrap();
    let (login, _) = set_cookie(form.headers(), "tessera_console_login").unwrap();
    let token = token_in(&form.text().await.unwrap(), r#"name="csrf" value=""#);
    let r = http
        .post(format!("{}/console/login", app.base))
        .header("cookie", format!("tessera_console_login={login}"))
        .form(&[("csrf", token.as_str()), ("secret_key", "sk_test_wrong")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(set_cookie(r.headers(), "tessera_console").is_none());
}

#[tokio::test]
async fn a_signed_in_console_escapes_user_data_and_refuses_writes_without_the_csrf_token() {
    let app = console_app().await;
    let http = no_redirects();
    let u = app
        .sdk
        .users()
        .create(tessera_client::types::CreateUserRequestBody {
            first_name: Some("<script>alert(1)</script>".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let s = app.session(&u.id, None).await;
    let (cookie, csrf) = sign_in(&app, &http).await;
    let page = http.get(format!("{}/console/users/{}", app.base, u.id)).header("cookie", &cookie).send().await.unwrap();
    let html = page.text().await.unwrap();
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !html.contains("<script>alert"));
    assert!(!html.contains(SECRET));

    let revoke = format!("{}/console/sessions/{}/revoke", app.base, s.id);
    for body in [vec![], vec![("csrf", "0".repeat(64))]] {
        let r = http.post(&revoke).header("cookie", &cookie).form(&body).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
    assert_eq!(app.get(&format!("/sessions/{}", s.id)).await.ok()["status"], "active");
    let r = http.post(&revoke).header("cookie", &cookie).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.get(&format!("/sessions/{}", s.id)).await.ok()["status"], "revoked");

    // The playground's preview endpoint: the core's preview, behind the CSRF header.
    let body = json!({"claims": "{\"name\": \"{{user.first_name}}\"}", "subject": format!("user:{}", u.id)});
    let url = format!("{}/console/api/preview", app.base);
    let r = http.post(&url).header("cookie", &cookie).json(&body).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = http.post(&url).header("cookie", &cookie).header("x-csrf-token", &csrf).json(&body).send().await.unwrap();
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["object"], "jwt_template_preview");
    assert_eq!(p["claims"]["name"], "<script>alert(1)</script>");
    assert_eq!(p["claims"]["sub"], json!(u.id));

    // An unknown template is a console page, with the console's headers like every other answer.
    for path in ["/console/templates/jtmp_nope", "/console/no/such/page"] {
        let r = http.get(format!("{}{path}", app.base)).header("cookie", &cookie).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(r.headers()["x-frame-options"], HeaderValue::from_static("DENY"));
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    }
}
