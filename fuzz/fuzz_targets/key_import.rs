//! Fuzzes key import: `SigningKey::from_pem` / `from_pkcs8_der` / `from_storage_bytes` /
//! `from_hmac_secret` for an algorithm picked by the first byte, `VerifyingKey::from_public_pem` /
//! `from_spki_der` / `from_jwk` (the rest parsed as a JWK), `jwk_thumbprint`, and the template
//! body's `parse_custom_key`.
//!
//! Checked: no panic; errors never repeat key text (a base64 run of the input);
//! every key that imports signs a token that verifies with its own verifying key, with its public
//! JWK, with its SPKI PEM and with its SPKI DER; its thumbprint is the RFC 7638 thumbprint of its
//! public JWK; its storage bytes re-import to the same key, and survive sealing; public keys never
//! verify HMAC algorithms.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::{json, Map};
use tessera_jwt::{Algorithm, KeyError, SigningKey, VerifyingKey};
use tessera_types::Jwk;

/// Fails if `message` repeats key material from `input`: a run of 24 or more base64 characters
/// (what PEM bodies and secrets are made of; no word of an error message is that long) that also
/// occurs in the input.
fn assert_no_echo(message: &str, input: &str, what: &str) {
    let is_b64 = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '-' | '_');
    for run in message.split(|c: char| !is_b64(c)).filter(|r| r.len() >= 24) {
        assert!(!input.contains(run), "{what}: the error repeats the input: {message}");
    }
}

fn check_error(e: &KeyError, input: &str, what: &str) {
    assert_no_echo(&e.to_string(), input, what);
}

fn token_for(key: &SigningKey) -> String {
    let claims = json!({"sub": "user_1", "exp": 2_000_000_000_i64});
    tessera_jwt::encode(&Map::new(), claims.as_object().unwrap(), key).expect("an imported key signs")
}

fn check_signing_key(key: &SigningKey, what: &str) {
    let alg = key.algorithm();
    let token = token_for(key);
    let own = key.verifying_key().expect("an imported key has a verifying key");
    tessera_jwt::verify(&token, &own).unwrap_or_else(|e| panic!("{what}: own key: {e}"));
    assert!(own.allows(alg));
    let debug = format!("{key:?}");
    assert!(debug.len() < 80, "{what}: Debug shows more than the algorithm: {debug}");

    // Storage bytes re-import to the same key, also after sealing.
    let bytes = key.to_storage_bytes();
    let master = [42u8; 32];
    let sealed = tessera_jwt::seal(&master, &bytes, b"tessera:fuzz");
    assert_eq!(tessera_jwt::open(&master, &sealed, b"tessera:fuzz").unwrap(), bytes);
    assert!(tessera_jwt::open(&master, &sealed, b"tessera:other").is_err(), "AAD is bound");
    let again = SigningKey::from_storage_bytes(alg, &bytes)
        .unwrap_or_else(|e| panic!("{what}: storage bytes do not re-import: {e}"));
    assert_eq!(again.thumbprint(), key.thumbprint());
    tessera_jwt::verify(&token_for(&again), &own).expect("the re-imported key is the same key");

    if alg.is_hmac() {
        assert!(key.public_jwk(None).is_none() && key.thumbprint().is_none());
        assert!(key.public_key_pem().is_none(), "HMAC secrets have no public form");
        return;
    }
    let jwk = key.public_jwk(Some("kid-1")).expect("asymmetric keys have a JWK");
    assert_eq!(key.thumbprint().unwrap(), tessera_jwt::jwk_thumbprint(&jwk).unwrap(), "{what}: thumbprint");
    let from_jwk = VerifyingKey::from_jwk(&jwk).expect("the public JWK imports");
    assert_eq!(from_jwk.kid(), Some("kid-1"));
    tessera_jwt::verify(&token, &from_jwk).unwrap_or_else(|e| panic!("{what}: via JWK: {e}"));
    let pem = key.public_key_pem().unwrap();
    let from_pem = VerifyingKey::from_public_pem(&pem).expect("the public PEM imports");
    tessera_jwt::verify(&token, &from_pem).unwrap_or_else(|e| panic!("{what}: via PEM: {e}"));
    let from_der = VerifyingKey::from_spki_der(key.public_key_der().unwrap()).unwrap();
    tessera_jwt::verify(&token, &from_der).unwrap_or_else(|e| panic!("{what}: via DER: {e}"));
    for k in [&from_jwk, &from_pem, &from_der] {
        assert!(!k.algorithms().iter().any(|a| a.is_hmac()), "{what}: public key allows HMAC");
    }
}

fn check_verifying_key(key: &VerifyingKey, what: &str) {
    let algs = key.algorithms();
    assert!(!algs.is_empty(), "{what}: a key that allows nothing");
    assert!(!algs.iter().any(|a| a.is_hmac()), "{what}: a public key allows HMAC");
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, payload)) = data.split_first() else {
        return;
    };
    let alg = Algorithm::ALL[selector as usize % Algorithm::ALL.len()];
    let text = String::from_utf8_lossy(payload);
    let text = text.as_ref();

    match SigningKey::from_pem(alg, text) {
        Ok(key) => check_signing_key(&key, "from_pem"),
        Err(e) => check_error(&e, text, "from_pem"),
    }
    match SigningKey::from_pkcs8_der(alg, payload) {
        Ok(key) => check_signing_key(&key, "from_pkcs8_der"),
        Err(e) => check_error(&e, text, "from_pkcs8_der"),
    }
    match SigningKey::from_storage_bytes(alg, payload) {
        Ok(key) => check_signing_key(&key, "from_storage_bytes"),
        Err(e) => check_error(&e, text, "from_storage_bytes"),
    }
    if alg.is_hmac() {
        match SigningKey::from_hmac_secret(alg, payload) {
            Ok(key) => check_signing_key(&key, "from_hmac_secret"),
            Err(e) => assert_eq!(e, KeyError::EmptySecret),
        }
    }
    match tessera_core::templates::parse_custom_key(alg, text) {
        Ok(key) => assert_eq!(key.algorithm(), alg),
        Err(e) => {
            assert_eq!(e.kind.status(), 422, "{e:?}");
            assert_no_echo(&e.long_message, text, "parse_custom_key");
        }
    }
    match VerifyingKey::from_public_pem(text) {
        Ok(key) => check_verifying_key(&key, "from_public_pem"),
        Err(e) => check_error(&e, text, "from_public_pem"),
    }
    match VerifyingKey::from_spki_der(payload) {
        Ok(key) => check_verifying_key(&key, "from_spki_der"),
        Err(e) => check_error(&e, text, "from_spki_der"),
    }
    if let Ok(jwk) = serde_json::from_slice::<Jwk>(payload) {
        let thumb = tessera_jwt::jwk_thumbprint(&jwk);
        match VerifyingKey::from_jwk(&jwk) {
            Ok(key) => {
                check_verifying_key(&key, "from_jwk");
                assert!(thumb.is_ok(), "a JWK that imports has a thumbprint");
                assert_eq!(key.kid(), jwk.kid.as_deref());
                if let Some(pinned) = jwk.alg.as_deref().and_then(Algorithm::parse) {
                    assert_eq!(key.algorithms(), vec![pinned], "the JWK's alg pins the key");
                }
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
});
