//! Fuzzes token and JWKS parsing and verification: `tessera_jwt::decode_unverified`,
//! `tessera_jwt::verify` with fixed RSA, P-256, Ed25519 and HMAC keys, `VerifyingKey::from_jwk` on
//! arbitrary JWKS documents, and the SDK's verifier (`tessera_client::Verifier`) with a fixed JWKS
//! (`KeySource::Jwks`), a PEM key and an HMAC secret, at a fixed `now`.
//!
//! Input: `token [0xFF jwks-json]` (0xFF never occurs in UTF-8, so it cannot be part of a token).
//! The seeds hold tokens signed by the fixture keys (see `fuzz/make_seeds.py`), so mutations start
//! from tokens that verify.
//!
//! Checked: no panic; a token that verifies decodes to the same header and claims without
//! verification; its `alg` is one the key allows (never `none`, never HMAC with a public key);
//! for deterministic signatures (HS*, RS*, EdDSA) the signature is exactly the one the private key
//! makes, so nothing but the signer's own output verifies; the SDK accepts only tokens whose
//! signature verifies and whose `exp`/`nbf`/`iat` are within the skew of `now`.
#![no_main]

use std::future::Future;
use std::pin::pin;
use std::sync::OnceLock;
use std::task::{Context, Poll, Waker};

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use tessera_client::{KeySource, Verifier, VerifyError, VerifyOptions};
use tessera_jwt::{Algorithm, JwtError, SigningKey, VerifyingKey};
use tessera_types::{Jwk, Jwks};

const RSA_PEM: &str = include_str!("../../crates/tessera-jwt/tests/fixtures/rsa2048_pkcs8.pem");
const P256_PEM: &str = include_str!("../../crates/tessera-jwt/tests/fixtures/p256_pkcs8.pem");
const ED_PEM: &str = include_str!("../../crates/tessera-jwt/tests/fixtures/ed25519_pkcs8.pem");
/// The HS256 secret the seeds are signed with (also in make_seeds.py).
const HS_SECRET: &[u8] = b"fuzz-hmac-secret-0123456789abcdef";
/// The verifier's "now" (also in make_seeds.py): seed tokens have iat = NOW - 10, exp = NOW + 60.
const NOW: i64 = 1_700_000_000;

fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..1_000 {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
    panic!("verification with static keys kept waiting");
}

struct Keys {
    /// (name, signing key, verifying key) for each fixture key.
    pairs: Vec<(&'static str, SigningKey, VerifyingKey)>,
    /// The SDK over the JWKS of the asymmetric keys (kids "rsa", "ec", "ed").
    jwks_verifier: Verifier,
    pem_verifier: Verifier,
    hmac_verifier: Verifier,
}

fn keys() -> &'static Keys {
    static K: OnceLock<Keys> = OnceLock::new();
    K.get_or_init(|| {
        let rsa = SigningKey::from_pem(Algorithm::RS256, RSA_PEM).unwrap();
        let ec = SigningKey::from_pem(Algorithm::ES256, P256_PEM).unwrap();
        let ed = SigningKey::from_pem(Algorithm::EdDSA, ED_PEM).unwrap();
        let hs = SigningKey::from_hmac_secret(Algorithm::HS256, HS_SECRET).unwrap();
        let jwks = Jwks {
            keys: vec![
                rsa.public_jwk(Some("rsa")).unwrap(),
                ec.public_jwk(Some("ec")).unwrap(),
                ed.public_jwk(Some("ed")).unwrap(),
            ],
        };
        let jwks_verifier = Verifier::new(KeySource::Jwks(jwks)).unwrap();
        let pem_verifier = Verifier::new(KeySource::PublicKeyPem(rsa.public_key_pem().unwrap())).unwrap();
        let hmac_verifier =
            Verifier::new(KeySource::HmacSecret { alg: Algorithm::HS256, secret: HS_SECRET.to_vec() }).unwrap();
        let mut pairs = Vec::new();
        for (name, key) in [("rsa", rsa), ("ec", ec), ("ed", ed), ("hs", hs)] {
            let verifying = if name == "hs" {
                VerifyingKey::from_hmac_secret(Algorithm::HS256, HS_SECRET).unwrap()
            } else {
                key.verifying_key().unwrap()
            };
            pairs.push((name, key, verifying));
        }
        // An RSA key pinned to RS256 through its JWK `alg`.
        let pinned = VerifyingKey::from_jwk(&pairs[0].1.public_jwk(Some("rsa")).unwrap()).unwrap();
        let rsa_again = SigningKey::from_pem(Algorithm::RS256, RSA_PEM).unwrap();
        pairs.push(("rsa-jwk", rsa_again, pinned));
        // The same RSA key from its SPKI PEM: not pinned, so it allows RS* and PS*.
        let pem = pairs[0].1.public_key_pem().unwrap();
        let unpinned = VerifyingKey::from_public_pem(&pem).unwrap();
        let rsa_third = SigningKey::from_pem(Algorithm::RS256, RSA_PEM).unwrap();
        pairs.push(("rsa-pem", rsa_third, unpinned));
        Keys { pairs, jwks_verifier, pem_verifier, hmac_verifier }
    })
}

fn options() -> VerifyOptions {
    VerifyOptions { now: Some(NOW), ..VerifyOptions::default() }
}

fn check_tessera_jwt(token: &str) {
    let unverified = tessera_jwt::decode_unverified(token);
    for (name, signing, verifying) in &keys().pairs {
        match tessera_jwt::verify(token, verifying) {
            Ok(decoded) => {
                let alg = decoded.alg.expect("a verified token has a known alg");
                assert!(verifying.allows(alg), "{name}: verified with a disallowed {alg:?}");
                assert_eq!(alg.is_hmac(), *name == "hs", "{name}: HMAC/public key confusion");
                assert!(!name.starts_with("rsa") || alg.is_rsa(), "{name}: {alg:?} with an RSA key");
                let u = unverified.as_ref().expect("a verified token decodes unverified");
                assert_eq!((&u.header, &u.claims), (&decoded.header, &decoded.claims));
                let (input, sig) = token.rsplit_once('.').unwrap();
                let sig = tessera_jwt::b64url_decode(sig).unwrap();
                let deterministic =
                    alg.is_hmac() || alg.is_rsa() && alg.as_str().starts_with("RS") || alg == Algorithm::EdDSA;
                if deterministic && signing.algorithm() == alg {
                    assert_eq!(
                        signing.sign(input.as_bytes()).unwrap(),
                        sig,
                        "{name}: a signature other than the signer's verified"
                    );
                }
            }
            Err(JwtError::AlgorithmNotAllowed) => {
                if let Some(alg) = unverified.as_ref().ok().and_then(|u| u.alg) {
                    assert!(!verifying.allows(alg), "{name}: {alg:?} is allowed yet refused");
                }
            }
            Err(e) => {
                // Error texts describe the input, never the key.
                let text = e.to_string();
                assert!(!text.contains("PRIVATE"), "{text}");
            }
        }
    }
}

fn check_sdk(verifier: &Verifier, token: &str, what: &str) {
    match block_on(verifier.verify_token(token, &options())) {
        Ok(v) => {
            let skew = 5;
            assert!(v.claims.exp > NOW - skew, "{what}: expired token accepted");
            assert!(v.claims.nbf.is_none_or(|nbf| nbf <= NOW + skew), "{what}: nbf");
            assert!(v.claims.iat.is_none_or(|iat| iat <= NOW + skew), "{what}: iat");
            let alg = v.alg().expect("an accepted token has an alg");
            // The same token must verify with one of the fixture keys directly.
            assert!(
                keys().pairs.iter().any(|(_, _, k)| tessera_jwt::verify(token.trim(), k).is_ok()),
                "{what}: the SDK accepted a token no fixture key verifies ({alg:?})"
            );
            serde_json::to_vec(&v).unwrap();
        }
        Err(VerifyError::KeyFetch(e)) => panic!("{what}: static keys never fetch: {e}"),
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

/// Every JWK of an arbitrary document, one by one (a single bad key fails `Jwks` as a whole).
fn check_jwks(doc: &[u8], token: &str) {
    let Ok(value) = serde_json::from_slice::<Value>(doc) else {
        return;
    };
    let items: Vec<Value> = match &value {
        Value::Object(m) => match m.get("keys") {
            Some(Value::Array(a)) => a.clone(),
            _ => vec![value.clone()],
        },
        Value::Array(a) => a.clone(),
        _ => return,
    };
    for item in items.iter().take(8) {
        let Ok(jwk) = serde_json::from_value::<Jwk>(item.clone()) else {
            continue;
        };
        let thumb = tessera_jwt::jwk_thumbprint(&jwk);
        if let Ok(key) = VerifyingKey::from_jwk(&jwk) {
            assert!(thumb.is_ok(), "a usable JWK has a thumbprint");
            assert!(!key.algorithms().is_empty());
            assert!(!key.algorithms().iter().any(|a| a.is_hmac()), "public JWKs never verify HMAC");
            if let Ok(d) = tessera_jwt::verify(token, &key) {
                assert!(key.allows(d.alg.unwrap()));
            }
        }
    }
    if let Ok(jwks) = serde_json::from_value::<Jwks>(value) {
        if let Ok(verifier) = Verifier::new(KeySource::Jwks(jwks)) {
            match block_on(verifier.verify_token(token, &options())) {
                Ok(v) => assert!(v.claims.exp > NOW - 5),
                Err(VerifyError::KeyFetch(e)) => panic!("static keys never fetch: {e}"),
                Err(_) => {}
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let (token_bytes, jwks) = match data.iter().position(|b| *b == 0xFF) {
        Some(i) => (&data[..i], Some(&data[i + 1..])),
        None => (data, None),
    };
    let token = String::from_utf8_lossy(token_bytes);
    let token = token.as_ref();
    check_tessera_jwt(token);
    let k = keys();
    check_sdk(&k.jwks_verifier, token, "jwks");
    check_sdk(&k.pem_verifier, token, "pem");
    check_sdk(&k.hmac_verifier, token, "hmac");
    if let Some(doc) = jwks {
        check_jwks(doc, token);
    }
});
