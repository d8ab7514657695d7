//! `/metrics` parsed with a Prometheus text-format parser, `/readyz` and `/healthz`.

use reqwest::Method;
use serde_json::json;

use tessera_server::{Config, Secret};

use crate::helpers::*;

fn parse(text: &str) -> Vec<prometheus_parse::Sample> {
    let lines = text.lines().map(|l| Ok(l.to_owned()));
    prometheus_parse::Scrape::parse(lines).expect("the exposition parses").samples
}

fn value(samples: &[prometheus_parse::Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    samples.iter().find(|s| s.metric == name && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v))).and_then(|s| {
        match s.value {
            prometheus_parse::Value::Counter(v)
            | prometheus_parse::Value::Gauge(v)
            | prometheus_parse::Value::Untyped(v) => Some(v),
            _ => None,
        }
    })
}

async fn scrape(app: &TestApp) -> Vec<prometheus_parse::Sample> {
    let r = app.raw(Method::GET, "/metrics", None, None).await;
    assert_eq!(r.status, 200);
    assert!(r.headers["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    parse(r.body.as_str().expect("text"))
}

#[tokio::test]
async fn metrics_count_mints_by_template_and_algorithm_requests_by_route_and_database_statements() {
    let app = TestApp::spawn().await;
    let u = app.user("m@x.io").await;
    let s = app.session(&u.id, None).await;
    app.template("metered", json!({"a": 1})).await;
    let before = scrape(&app).await;
    let mint = [("kind", "template"), ("template", "metered"), ("alg", "RS256")];
    assert_eq!(value(&before, "tessera_mints_total", &mint), None);
    let statements_before = value(&before, "tessera_db_statements_total", &[]).expect("statements are counted");

    app.template_token(&s.id, "metered", None).await.unwrap();
    app.template_token(&s.id, "metered", None).await.unwrap();
    app.session_token(&s.id, None).await.unwrap();
    let after = scrape(&app).await;
    assert_eq!(value(&after, "tessera_mints_total", &mint), Some(2.0));
    assert_eq!(value(&after, "tessera_mints_total", &[("kind", "session"), ("alg", "RS256")]), Some(1.0));
    // Requests by route template, never by raw path (no session id in a label).
    let route = [("route", "/v1/sessions/:session_id/tokens/:template_name"), ("method", "POST"), ("status", "200")];
    let routes: Vec<_> =
        after.iter().filter(|x| x.metric == "tessera_http_requests_total").map(|x| x.labels.clone()).collect();
    assert_eq!(value(&after, "tessera_http_requests_total", &route), Some(2.0), "{routes:?}");
    assert!(after.iter().all(|x| x.labels.values().all(|v| !v.contains(&s.id) && !v.contains(&u.id))));
    let count = [("route", "/v1/sessions/:session_id/tokens/:template_name"), ("method", "POST")];
    let hist = after.iter().find(|x| {
        x.metric == "tessera_http_request_duration_seconds_count"
            && count.iter().all(|(k, v)| x.labels.get(k) == Some(*v))
    });
    assert!(hist.is_some(), "latency histogram per route");
    // Statements only grow (mints may be served from memory and send none).
    let statements_after = value(&after, "tessera_db_statements_total", &[]).unwrap();
    assert!(statements_after >= statements_before);
    assert!(value(&after, "tessera_db_pool_max_connections", &[]).unwrap() >= 1.0);
    // The mint cache's counters: every mint was a hit, a miss or bypassed it.
    let cache =
        ["tessera_mint_cache_hits_total", "tessera_mint_cache_misses_total", "tessera_mint_cache_bypassed_total"];
    let served: f64 =
        cache.iter().map(|m| value(&after, m, &[]).unwrap_or(0.0) - value(&before, m, &[]).unwrap_or(0.0)).sum();
    assert_eq!(served, 3.0, "three mints went through the cache");
    assert!(value(&after, "tessera_change_feed_cursor", &[]).is_some());
    // An unknown path is `unmatched`, under `/v1` too (behind auth: 401 without a key, 404 with
    // one); a write sends statements.
    app.raw(Method::GET, "/nope/123", None, None).await;
    assert_eq!(app.raw(Method::GET, "/v1/nope/123", None, None).await.status, 401);
    assert_eq!(app.raw(Method::GET, "/v1", None, None).await.status, 401);
    let key = format!("Bearer {SECRET}");
    assert_eq!(app.raw(Method::GET, "/v1/nope/123", Some(&key), None).await.status, 404);
    app.user("m2@x.io").await;
    let later = scrape(&app).await;
    assert!(value(&later, "tessera_db_statements_total", &[]).unwrap() > statements_after);
    assert_eq!(value(&later, "tessera_http_requests_total", &[("route", "unmatched"), ("status", "404")]), Some(2.0));
    assert_eq!(value(&later, "tessera_http_requests_total", &[("route", "unmatched"), ("status", "401")]), Some(2.0));
    app.stop().await;
}

#[tokio::test]
async fn rate_limit_rejections_are_counted_by_limiter() {
    let app = TestApp::spawn().await;
    // The failed-auth limiter allows 30 a minute per address.
    for _ in 0..31 {
        app.raw(Method::GET, "/v1/users", Some("Bearer sk_test_wrong"), None).await;
    }
    let samples = scrape(&app).await;
    assert!(value(&samples, "tessera_rate_limited_total", &[("limiter", "failed_auth")]).unwrap_or(0.0) >= 1.0);
    app.stop().await;
}

#[tokio::test]
async fn readyz_answers_when_the_database_does_and_healthz_touches_nothing() {
    let app = TestApp::spawn().await;
    // Ready once the change feed has been read (its follower starts with the server).
    let mut r = app.raw(Method::GET, "/readyz", None, None).await;
    for _ in 0..100 {
        if r.status == 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        r = app.raw(Method::GET, "/readyz", None, None).await;
    }
    assert_eq!((r.status.as_u16(), r.body["status"].clone()), (200, json!("ok")));
    let h = app.raw(Method::GET, "/healthz", None, None).await;
    assert_eq!(h.status, 200);
    app.stop().await;
}

#[tokio::test]
async fn metrics_can_be_turned_off() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().join("data"),
        secret_key: Some(Secret(SECRET.into())),
        metrics: false,
        ..Config::default()
    };
    let app = TestApp::spawn_with(config, Some(dir)).await;
    let r = app.raw(Method::GET, "/metrics", None, None).await;
    assert_eq!(r.status, 404);
    app.stop().await;
}
