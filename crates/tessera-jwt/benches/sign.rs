//! Signing per algorithm with keys parsed once: the raw signature (`sign/…`) and a whole compact JWT
//! with a template-sized claims set (`jwt/…`: header encoded once, claims serialized and
//! base64url-encoded, signed). The gap between the two is what JOSE adds to the signature.
//!
//! `cargo bench -p tessera-jwt --bench sign`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Map, json};
use tessera_jwt::{Algorithm, SigningKey};

const ALGS: [Algorithm; 6] =
    [Algorithm::RS256, Algorithm::PS256, Algorithm::ES256, Algorithm::ES384, Algorithm::EdDSA, Algorithm::HS256];

fn benches(c: &mut Criterion) {
    let claims = json!({
        "aud": "convex", "email": "ada@example.com", "exp": 1_767_225_660, "iat": 1_767_225_600,
        "iss": "http://127.0.0.1:8080", "jti": "0123456789abcdef0123", "name": "Ada Lovelace",
        "nbf": 1_767_225_595, "sub": "user_2sY9kKJm3b0RQ2lZ8bJ5xj1tQ7a"
    });
    let claims = claims.as_object().cloned().unwrap_or_default();
    let mut g = c.benchmark_group("jws");
    for alg in ALGS {
        let key = SigningKey::generate(alg).expect("key generation");
        let mut header = Map::new();
        header.insert("alg".into(), json!(alg.as_str()));
        header.insert("kid".into(), json!("ins_2sY9kKJm3b0RQ2lZ8bJ5xj1tQ7a"));
        header.insert("typ".into(), json!("JWT"));
        let header_b64 = tessera_jwt::encode_header(&header);
        let message = [b'x'; 300];
        g.bench_function(format!("sign/{}", alg.as_str()), |b| b.iter(|| key.sign(black_box(&message))));
        g.bench_function(format!("jwt/{}", alg.as_str()), |b| {
            b.iter(|| tessera_jwt::encode_with_header(&header_b64, black_box(&claims), &key))
        });
    }
    g.finish();
}

criterion_group!(jws, benches);
criterion_main!(jws);
