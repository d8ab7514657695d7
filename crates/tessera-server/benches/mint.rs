//! In-process minting end to end: `Tessera::mint_template_token` over the real `SqlStore` (a SQLite
//! file in a temp dir), per algorithm — RS256 with the instance key, ES256 and EdDSA with custom
//! keys, HS256 — plus the default session token. The session has an active organization, so every
//! mint reads session, user, template, organization and membership. Compare with `tessera-jwt`'s
//! `jws/jwt/*` bench: the difference is the store and the claims rendering.
//!
//! `cargo bench -p tessera-server --bench mint`
//! With `TESSERA_BENCH_DATABASE_URL=postgres://…/db` (an existing, empty database) it runs on
//! PostgreSQL instead.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};
use tessera_core::Tessera;
use tessera_core::fields::Fields;
use tessera_jwt::{Algorithm, SigningKey};
use tessera_server::{Config, Secret, SystemClock};

fn fields(v: Value) -> Fields {
    Fields::from_value(Some(v)).expect("valid body")
}

fn pem(alg: Algorithm) -> String {
    // A PKCS#8 PEM of a fresh key, as a client would send it.
    let key = SigningKey::generate(alg).expect("key generation");
    let der = key.to_storage_bytes();
    let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, der);
    let lines: Vec<&str> = b64.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).expect("ascii")).collect();
    format!("-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n", lines.join("\n"))
}

/// Creates a user, an organization they are admin of, a session with it active and one template per
/// algorithm; returns the session id.
async fn seed(app: &Tessera) -> String {
    let user = app
        .create_user(fields(json!({
            "email_address": ["ada@example.com"], "first_name": "Ada", "last_name": "Lovelace",
            "public_metadata": {"role": "admin"}
        })))
        .await
        .expect("user");
    let org = app.create_organization(fields(json!({"name": "Acme", "created_by": user.id}))).await.expect("org");
    let session = app
        .create_session(fields(json!({"user_id": user.id, "active_organization_id": org.id})))
        .await
        .expect("session");
    let claims = json!({"aud": "convex", "name": "{{user.full_name}}", "email": "{{user.primary_email_address}}"});
    app.create_template(fields(json!({"name": "bench_rs256", "claims": claims}))).await.expect("rs256 template");
    for (name, alg, key) in [
        ("bench_es256", "ES256", pem(Algorithm::ES256)),
        ("bench_eddsa", "EdDSA", pem(Algorithm::EdDSA)),
        ("bench_hs256", "HS256", "a-bench-secret-of-32-bytes-long!".to_owned()),
    ] {
        app.create_template(fields(json!({
            "name": name, "claims": claims, "custom_signing_key": true,
            "signing_algorithm": alg, "signing_key": key
        })))
        .await
        .expect("custom template");
    }
    session.id
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let config = Config {
        listen: "127.0.0.1:0".parse().expect("addr"),
        data_dir: dir.path().join("data"),
        database_url: std::env::var("TESSERA_BENCH_DATABASE_URL").ok().filter(|u| !u.is_empty()),
        master_key: Some(Secret("b".repeat(64))),
        secret_key: Some(Secret("sk_test_bench".into())),
        ..Config::default()
    };
    let (state, _) = rt.block_on(tessera_server::prepare(&config, Arc::new(SystemClock))).expect("prepare");
    let app = &state.app;
    let session = rt.block_on(seed(app));
    let mut g = c.benchmark_group("mint");
    for (label, template) in [
        ("template/RS256", "bench_rs256"),
        ("template/ES256", "bench_es256"),
        ("template/EdDSA", "bench_eddsa"),
        ("template/HS256", "bench_hs256"),
    ] {
        g.bench_function(label, |b| {
            b.iter(|| {
                rt.block_on(app.mint_template_token(
                    black_box(&session),
                    template,
                    Fields::from_value(None).expect("empty body"),
                ))
                .expect("mint")
            })
        });
    }
    g.bench_function("session/RS256", |b| {
        b.iter(|| {
            rt.block_on(app.mint_session_token(black_box(&session), Fields::from_value(None).expect("empty body")))
                .expect("mint")
        })
    });
    g.finish();
}

criterion_group!(mint, benches);
criterion_main!(mint);
