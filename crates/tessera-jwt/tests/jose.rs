//! End-to-end checks of tessera-jwt, with jsonwebtoken (aws-lc backend) as an independent
//! verifier and signer, and openssl-made key files under `tests/fixtures/`.

use std::str::FromStr;

use serde_json::{Map, Value, json};
use tessera_jwt::{
    Algorithm, JwtError, KeyError, SealError, SignError, SigningKey, VerifyingKey, decode_unverified, encode,
    encode_header, encode_with_header, jwk_thumbprint, open, seal, verify,
};
use tessera_types::Jwk;

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

fn claims() -> Map<String, Value> {
    object(json!({
        "sub": "user_2abc",
        "iss": "https://tessera.test",
        "iat": 1_700_000_000,
        "nbf": 1_699_999_990,
        "exp": 4_000_000_000u64,
        "o": {"id": "org_1", "rol": "admin", "per": ["read", "write"]},
        "unicode": "žluťoučký kůň 🐎",
        "v": 2,
    }))
}

fn header(kid: &str) -> Map<String, Value> {
    object(json!({"typ": "JWT", "kid": kid, "cat": "cl_B7d4PD111AAA"}))
}

fn jwt_alg(alg: Algorithm) -> jsonwebtoken::Algorithm {
    jsonwebtoken::Algorithm::from_str(alg.as_str()).expect("jsonwebtoken knows every alg")
}

fn jwt_validation(alg: Algorithm) -> jsonwebtoken::Validation {
    let mut validation = jsonwebtoken::Validation::new(jwt_alg(alg));
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    validation
}

/// Verifies `token` with jsonwebtoken and returns its claims.
fn jsonwebtoken_verify(token: &str, alg: Algorithm, key: &jsonwebtoken::DecodingKey) -> Map<String, Value> {
    jsonwebtoken::decode::<Map<String, Value>>(token, key, &jwt_validation(alg))
        .unwrap_or_else(|e| panic!("jsonwebtoken rejected a {alg} token: {e:?}"))
        .claims
}

/// jsonwebtoken's DecodingKey from our public JWK (asymmetric) or the raw secret (HMAC).
fn jsonwebtoken_key_from_jwk(key: &SigningKey) -> jsonwebtoken::DecodingKey {
    match key.public_jwk(Some("k1")) {
        None => jsonwebtoken::DecodingKey::from_secret(&key.to_storage_bytes()),
        Some(jwk) => {
            let theirs: jsonwebtoken::jwk::Jwk = serde_json::from_value(serde_json::to_value(&jwk).unwrap()).unwrap();
            jsonwebtoken::DecodingKey::from_jwk(&theirs).unwrap()
        }
    }
}

/// jsonwebtoken's DecodingKey from our SPKI PEM (asymmetric only).
fn jsonwebtoken_key_from_pem(alg: Algorithm, pem: &str) -> jsonwebtoken::DecodingKey {
    let pem = pem.as_bytes();
    match alg {
        Algorithm::ES256 | Algorithm::ES384 => jsonwebtoken::DecodingKey::from_ec_pem(pem),
        Algorithm::EdDSA => jsonwebtoken::DecodingKey::from_ed_pem(pem),
        _ => jsonwebtoken::DecodingKey::from_rsa_pem(pem),
    }
    .unwrap()
}

fn signature_len(alg: Algorithm) -> usize {
    match alg {
        Algorithm::HS256 => 32,
        Algorithm::HS384 => 48,
        Algorithm::HS512 => 64,
        Algorithm::ES256 => 64,
        Algorithm::ES384 => 96,
        Algorithm::EdDSA => 64,
        _ => 256, // RSA-2048
    }
}

#[test]
fn every_algorithm_signs_tokens_that_we_and_jsonwebtoken_verify() {
    for alg in Algorithm::ALL {
        let key = SigningKey::generate(alg).unwrap();
        assert_eq!(key.algorithm(), alg);
        let token = encode(&header("k1"), &claims(), &key).unwrap();

        // Ours, through every way of building a verifying key.
        let mut verifiers = vec![key.verifying_key().unwrap()];
        if let Some(jwk) = key.public_jwk(Some("k1")) {
            verifiers.push(VerifyingKey::from_jwk(&jwk).unwrap());
            verifiers.push(VerifyingKey::from_public_pem(&key.public_key_pem().unwrap()).unwrap());
        } else {
            verifiers.push(VerifyingKey::from_hmac_secret(alg, &key.to_storage_bytes()).unwrap());
        }
        for verifier in &verifiers {
            let decoded = verify(&token, verifier).unwrap_or_else(|e| panic!("{alg}: {e}"));
            assert_eq!(decoded.claims, claims(), "{alg}");
            assert_eq!(decoded.alg, Some(alg));
            assert_eq!(decoded.kid.as_deref(), Some("k1"));
            assert_eq!(decoded.header["typ"], "JWT");
            assert_eq!(decoded.header["cat"], "cl_B7d4PD111AAA");
            assert_eq!(decoded.header["alg"], alg.as_str());
        }

        // jsonwebtoken, independently.
        assert_eq!(jsonwebtoken_verify(&token, alg, &jsonwebtoken_key_from_jwk(&key)), claims(), "{alg}");
        if let Some(pem) = key.public_key_pem() {
            let from_pem = jsonwebtoken_key_from_pem(alg, &pem);
            assert_eq!(jsonwebtoken_verify(&token, alg, &from_pem), claims());
        }

        // Signature shape (ECDSA in fixed r||s form, not DER).
        let signature = token.rsplit('.').next().unwrap();
        assert_eq!(tessera_jwt::b64url_decode(signature).unwrap().len(), signature_len(alg), "{alg}");
    }
}

#[test]
fn jsonwebtoken_signed_tokens_verify_with_our_keys() {
    let cases = [
        (Algorithm::RS256, "rsa2048_pkcs8.pem", "rsa2048_pkcs8.pub.pem"),
        (Algorithm::PS384, "rsa2048_pkcs1.pem", "rsa2048_pkcs1.pub.pem"),
        (Algorithm::RS512, "rsa2048_pkcs1.pem", "rsa2048_pkcs1.rsapub.pem"),
        (Algorithm::ES256, "p256_pkcs8.pem", "p256_pkcs8.pub.pem"),
        (Algorithm::ES384, "p384_pkcs8.pem", "p384_pkcs8.pub.pem"),
        (Algorithm::EdDSA, "ed25519_pkcs8.pem", "ed25519_pkcs8.pub.pem"),
    ];
    for (alg, private, public) in cases {
        let private_pem = fixture(private);
        let encoding_key = match alg {
            Algorithm::ES256 | Algorithm::ES384 => jsonwebtoken::EncodingKey::from_ec_pem(private_pem.as_bytes()),
            Algorithm::EdDSA => jsonwebtoken::EncodingKey::from_ed_pem(private_pem.as_bytes()),
            _ => jsonwebtoken::EncodingKey::from_rsa_pem(private_pem.as_bytes()),
        }
        .unwrap();
        let mut jheader = jsonwebtoken::Header::new(jwt_alg(alg));
        jheader.kid = Some("theirs".to_owned());
        let token = jsonwebtoken::encode(&jheader, &claims(), &encoding_key).unwrap();

        let verifier = VerifyingKey::from_public_pem(&fixture(public)).unwrap();
        let decoded = verify(&token, &verifier).unwrap_or_else(|e| panic!("{alg}: {e}"));
        assert_eq!(decoded.claims, claims());
        assert_eq!(decoded.kid.as_deref(), Some("theirs"));

        // And our own key from the same private PEM verifies it too.
        let ours = SigningKey::from_pem(alg, &private_pem).unwrap();
        verify(&token, &ours.verifying_key().unwrap()).unwrap();
    }

    let secret = b"a shared secret of reasonable length!";
    let token = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS384),
        &claims(),
        &jsonwebtoken::EncodingKey::from_secret(secret),
    )
    .unwrap();
    let verifier = VerifyingKey::from_hmac_secret(Algorithm::HS384, secret).unwrap();
    assert_eq!(verify(&token, &verifier).unwrap().claims, claims());
}

#[test]
fn pem_imports_match_openssl_public_keys() {
    let cases = [
        (Algorithm::RS256, "rsa2048_pkcs8.pem", "rsa2048_pkcs8.pub.pem"),
        (Algorithm::PS256, "rsa2048_pkcs1.pem", "rsa2048_pkcs1.pub.pem"),
        (Algorithm::ES256, "p256_sec1.pem", "p256_sec1.pub.pem"),
        (Algorithm::ES256, "p256_pkcs8.pem", "p256_pkcs8.pub.pem"),
        (Algorithm::ES384, "p384_sec1.pem", "p384_sec1.pub.pem"),
        (Algorithm::ES384, "p384_pkcs8.pem", "p384_pkcs8.pub.pem"),
        (Algorithm::EdDSA, "ed25519_pkcs8.pem", "ed25519_pkcs8.pub.pem"),
    ];
    for (alg, private, public) in cases {
        let key = SigningKey::from_pem(alg, &fixture(private)).unwrap_or_else(|e| panic!("{private}: {e}"));
        assert_eq!(key.algorithm(), alg);
        assert_eq!(key.public_key_pem().unwrap(), fixture(public), "{private}");

        // Storage is PKCS#8 DER and round-trips to the same key.
        let stored = key.to_storage_bytes();
        let restored = SigningKey::from_storage_bytes(alg, &stored).unwrap();
        assert_eq!(restored.public_jwk(Some("x")), key.public_jwk(Some("x")));
        assert_eq!(restored.to_storage_bytes(), stored);
        assert_eq!(SigningKey::from_pkcs8_der(alg, &stored).unwrap().thumbprint(), key.thumbprint());
        let token = encode(&Map::new(), &claims(), &restored).unwrap();
        verify(&token, &VerifyingKey::from_public_pem(&fixture(public)).unwrap()).unwrap();
    }
}

#[test]
fn pkcs1_rsa_public_keys_are_accepted_for_verification() {
    let key = SigningKey::from_pem(Algorithm::RS256, &fixture("rsa2048_pkcs1.pem")).unwrap();
    let from_pkcs1 = VerifyingKey::from_public_pem(&fixture("rsa2048_pkcs1.rsapub.pem")).unwrap();
    let from_spki = VerifyingKey::from_public_pem(&fixture("rsa2048_pkcs1.pub.pem")).unwrap();
    let token = encode(&Map::new(), &claims(), &key).unwrap();
    verify(&token, &from_pkcs1).unwrap();
    verify(&token, &from_spki).unwrap();
}

#[test]
fn a_key_that_does_not_match_the_algorithm_is_refused() {
    let rsa = fixture("rsa2048_pkcs8.pem");
    let p256 = fixture("p256_pkcs8.pem");
    let p256_sec1 = fixture("p256_sec1.pem");
    let ed = fixture("ed25519_pkcs8.pem");
    let cases = [
        (Algorithm::ES256, &rsa, "RSA"),
        (Algorithm::ES256, &fixture("rsa2048_pkcs1.pem"), "RSA"),
        (Algorithm::EdDSA, &rsa, "RSA"),
        (Algorithm::RS256, &p256, "EC P-256"),
        (Algorithm::PS256, &p256_sec1, "EC P-256"),
        (Algorithm::ES384, &p256, "EC P-256"),
        (Algorithm::ES384, &p256_sec1, "EC P-256"),
        (Algorithm::ES256, &fixture("p384_sec1.pem"), "EC P-384"),
        (Algorithm::ES256, &ed, "Ed25519"),
        (Algorithm::RS256, &ed, "Ed25519"),
        (Algorithm::EdDSA, &p256, "EC P-256"),
        (Algorithm::ES256, &fixture("secp256k1_sec1.pem"), "EC secp256k1"),
        (Algorithm::EdDSA, &fixture("ed448_pkcs8.pem"), "Ed448"),
        // A 1024-bit RSA key under an EC algorithm is a mismatch first.
        (Algorithm::ES256, &fixture("rsa1024_pkcs8.pem"), "RSA"),
    ];
    for (alg, pem, found_kind) in cases {
        match SigningKey::from_pem(alg, pem) {
            Err(KeyError::AlgorithmMismatch { alg: a, expected: _, found }) => {
                assert_eq!(a, alg);
                assert_eq!(found, found_kind);
            }
            other => panic!("{alg} with a {found_kind} key: {other:?}"),
        }
    }
    let err = SigningKey::from_pem(Algorithm::ES256, &rsa).unwrap_err();
    assert_eq!(err.to_string(), "algorithm ES256 needs a key of type EC P-256, but this key is RSA");

    // HMAC algorithms take secrets, not PEM; asymmetric algorithms do not take secrets.
    assert!(matches!(SigningKey::from_pem(Algorithm::HS256, &rsa), Err(KeyError::Unsupported(_))));
    assert!(matches!(
        SigningKey::from_hmac_secret(Algorithm::RS256, b"secret"),
        Err(KeyError::AlgorithmMismatch { .. })
    ));
    assert!(matches!(
        VerifyingKey::from_hmac_secret(Algorithm::EdDSA, b"secret"),
        Err(KeyError::AlgorithmMismatch { .. })
    ));
    assert_eq!(SigningKey::from_hmac_secret(Algorithm::HS256, b"").unwrap_err(), KeyError::EmptySecret);
    assert_eq!(VerifyingKey::from_hmac_secret(Algorithm::HS512, b"").unwrap_err(), KeyError::EmptySecret);
    assert!(matches!(SigningKey::from_storage_bytes(Algorithm::RS256, b"not der"), Err(KeyError::Unparseable(_))));
}

#[test]
fn rsa_keys_under_2048_bits_are_refused() {
    for name in ["rsa1024_pkcs1.pem", "rsa1024_pkcs8.pem"] {
        assert_eq!(
            SigningKey::from_pem(Algorithm::RS256, &fixture(name)).unwrap_err(),
            KeyError::RsaTooSmall { bits: 1024 },
            "{name}"
        );
    }
    assert_eq!(
        VerifyingKey::from_public_pem(&fixture("rsa1024.pub.pem")).unwrap_err(),
        KeyError::RsaTooSmall { bits: 1024 }
    );
    let big = SigningKey::generate_rsa2048().unwrap().public_jwk(None).unwrap();
    let n = tessera_jwt::b64url_decode(big.n.as_deref().unwrap()).unwrap();
    let small = Jwk { n: Some(tessera_jwt::b64url(&n[..128])), ..big };
    assert_eq!(VerifyingKey::from_jwk(&small).unwrap_err(), KeyError::RsaTooSmall { bits: 1024 });
}

#[test]
fn generated_rsa_keys_are_2048_bit_with_exponent_65537() {
    let key = SigningKey::generate_rsa2048().unwrap();
    assert_eq!(key.algorithm(), Algorithm::RS256);
    let jwk = key.public_jwk(Some("ins_2abc")).unwrap();
    assert_eq!(jwk.kty, "RSA");
    assert_eq!(jwk.use_.as_deref(), Some("sig"));
    assert_eq!(jwk.alg.as_deref(), Some("RS256"));
    assert_eq!(jwk.kid.as_deref(), Some("ins_2abc"));
    assert_eq!(jwk.e.as_deref(), Some("AQAB"));
    let n = tessera_jwt::b64url_decode(jwk.n.as_deref().unwrap()).unwrap();
    assert_eq!(n.len(), 256);
    assert!(n[0] & 0x80 != 0, "a full 2048-bit modulus");
    assert_eq!((jwk.crv.as_ref(), jwk.x.as_ref(), jwk.y.as_ref()), (None, None, None));
    assert!(key.public_key_pem().unwrap().starts_with("-----BEGIN PUBLIC KEY-----\n"));
    // The SPKI PEM is what openssl reads too.
    let json = serde_json::to_value(&jwk).unwrap();
    assert_eq!(json.as_object().unwrap().keys().collect::<Vec<_>>(), ["alg", "e", "kid", "kty", "n", "use"]);
    assert_ne!(SigningKey::generate_rsa2048().unwrap().public_jwk(None).unwrap().n, jwk.n, "keys are random");
}

#[test]
fn public_jwks_have_the_right_members_per_key_type() {
    let es256 = SigningKey::generate(Algorithm::ES256).unwrap().public_jwk(None).unwrap();
    assert_eq!((es256.kty.as_str(), es256.crv.as_deref()), ("EC", Some("P-256")));
    assert_eq!(tessera_jwt::b64url_decode(es256.x.as_deref().unwrap()).unwrap().len(), 32);
    assert_eq!(tessera_jwt::b64url_decode(es256.y.as_deref().unwrap()).unwrap().len(), 32);
    assert_eq!((es256.n, es256.e, es256.kid), (None, None, None));

    let es384 = SigningKey::generate(Algorithm::ES384).unwrap().public_jwk(None).unwrap();
    assert_eq!(es384.crv.as_deref(), Some("P-384"));
    assert_eq!(tessera_jwt::b64url_decode(es384.y.as_deref().unwrap()).unwrap().len(), 48);

    let ed = SigningKey::generate(Algorithm::EdDSA).unwrap().public_jwk(Some("e")).unwrap();
    assert_eq!((ed.kty.as_str(), ed.crv.as_deref()), ("OKP", Some("Ed25519")));
    assert_eq!(ed.alg.as_deref(), Some("EdDSA"));
    assert_eq!(tessera_jwt::b64url_decode(ed.x.as_deref().unwrap()).unwrap().len(), 32);
    assert_eq!(ed.y, None);

    for alg in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
        let key = SigningKey::generate(alg).unwrap();
        assert_eq!(key.public_jwk(Some("k")), None);
        assert_eq!(key.thumbprint(), None);
        assert_eq!(key.public_key_pem(), None);
        assert_eq!(key.to_storage_bytes().len(), signature_len(alg));
    }
}

#[test]
fn thumbprint_matches_rfc_7638_example() {
    // RFC 7638 §3.1.
    let jwk: Jwk = serde_json::from_value(json!({
        "kty": "RSA",
        "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
        "e": "AQAB",
        "alg": "RS256",
        "kid": "2011-04-29",
    }))
    .unwrap();
    assert_eq!(jwk_thumbprint(&jwk).unwrap(), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    // Optional members do not change it.
    let bare = Jwk { alg: None, kid: None, use_: Some("sig".to_owned()), ..jwk.clone() };
    assert_eq!(jwk_thumbprint(&bare).unwrap(), jwk_thumbprint(&jwk).unwrap());
    // The RFC key also works as a verifying key (it is 2048 bits).
    let verifier = VerifyingKey::from_jwk(&jwk).unwrap();
    assert_eq!(verifier.kid(), Some("2011-04-29"));
    assert_eq!(verifier.algorithms(), [Algorithm::RS256]);
}

#[test]
fn thumbprints_of_generated_keys_agree_with_jsonwebtoken() {
    for alg in [Algorithm::RS256, Algorithm::ES256, Algorithm::ES384, Algorithm::EdDSA] {
        let key = SigningKey::generate(alg).unwrap();
        let jwk = key.public_jwk(Some("k")).unwrap();
        let ours = key.thumbprint().unwrap();
        assert_eq!(ours, jwk_thumbprint(&jwk).unwrap());
        let theirs: jsonwebtoken::jwk::Jwk = serde_json::from_value(serde_json::to_value(&jwk).unwrap()).unwrap();
        assert_eq!(theirs.thumbprint(jsonwebtoken::jwk::ThumbprintHash::SHA256), ours, "{alg}");
        assert_eq!(ours.len(), 43);
    }
}

#[test]
fn jwk_imports_respect_alg_use_and_key_type() {
    let rsa = SigningKey::generate(Algorithm::RS256).unwrap();
    let pinned = VerifyingKey::from_jwk(&rsa.public_jwk(Some("a")).unwrap()).unwrap();
    assert_eq!(pinned.kid(), Some("a"));
    assert_eq!(pinned.algorithms(), [Algorithm::RS256]);
    let unpinned = VerifyingKey::from_jwk(&Jwk { alg: None, ..rsa.public_jwk(None).unwrap() }).unwrap();
    assert_eq!(
        unpinned.algorithms(),
        [Algorithm::RS256, Algorithm::RS384, Algorithm::RS512, Algorithm::PS256, Algorithm::PS384, Algorithm::PS512]
    );
    assert_eq!(unpinned.kid(), None);
    assert_eq!(unpinned.with_kid("b").kid(), Some("b"));

    // An RSA key signing PS512 verifies under an unpinned JWK but not under an RS256-pinned one.
    let ps512 = SigningKey::from_storage_bytes(Algorithm::PS512, &rsa.to_storage_bytes()).unwrap();
    let token = encode(&Map::new(), &claims(), &ps512).unwrap();
    let unpinned = VerifyingKey::from_jwk(&Jwk { alg: None, ..rsa.public_jwk(None).unwrap() }).unwrap();
    verify(&token, &unpinned).unwrap();
    assert_eq!(verify(&token, &pinned), Err(JwtError::AlgorithmNotAllowed));

    let ec = SigningKey::generate(Algorithm::ES256).unwrap().public_jwk(None).unwrap();
    let inferred = VerifyingKey::from_jwk(&Jwk { alg: None, ..ec.clone() }).unwrap();
    assert_eq!(inferred.algorithms(), [Algorithm::ES256]);
    let ed = SigningKey::generate(Algorithm::EdDSA).unwrap().public_jwk(None).unwrap();
    let inferred = VerifyingKey::from_jwk(&Jwk { alg: None, ..ed.clone() }).unwrap();
    assert_eq!(inferred.algorithms(), [Algorithm::EdDSA]);

    let bad = [
        (Jwk { use_: Some("enc".into()), ..ec.clone() }, "use"),
        (Jwk { alg: Some("ES384".into()), ..ec.clone() }, "alg/curve"),
        (Jwk { alg: Some("RS256".into()), ..ec.clone() }, "alg/kty"),
        (Jwk { alg: Some("none".into()), ..ec.clone() }, "alg none"),
        (Jwk { crv: Some("P-521".into()), ..ec.clone() }, "curve"),
        (Jwk { crv: None, ..ec.clone() }, "no crv"),
        (Jwk { y: None, ..ec.clone() }, "no y"),
        (Jwk { x: Some("AAAA".into()), ..ec.clone() }, "short x"),
        (Jwk { x: ec.y.clone(), ..ec.clone() }, "point off the curve"),
        (Jwk { x: Some("***".into()), ..ec.clone() }, "bad base64"),
        (Jwk { kty: "oct".into(), ..ec.clone() }, "oct"),
        (Jwk { kty: "XYZ".into(), ..ec.clone() }, "kty"),
        (Jwk { alg: Some("ES256".into()), ..ed.clone() }, "OKP alg"),
        (Jwk { crv: Some("Ed448".into()), ..ed.clone() }, "OKP curve"),
        (Jwk { x: Some("AAAA".into()), ..ed.clone() }, "OKP short x"),
        (Jwk { alg: Some("ES256".into()), ..rsa.public_jwk(None).unwrap() }, "RSA alg"),
        (Jwk { e: None, ..rsa.public_jwk(None).unwrap() }, "RSA no e"),
    ];
    for (jwk, what) in bad {
        assert!(VerifyingKey::from_jwk(&jwk).is_err(), "{what} should be refused");
    }
}

#[test]
fn verify_refuses_alg_none_and_unknown_algorithms() {
    let key = SigningKey::generate(Algorithm::HS256).unwrap();
    let verifier = key.verifying_key().unwrap();
    let payload = tessera_jwt::b64url(br#"{"sub":"admin"}"#);
    for alg in ["none", "None", "NONE", "nOnE", "HS1", "hs256", "RS1", ""] {
        let header = tessera_jwt::b64url(format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#).as_bytes());
        for signature in ["", "c2ln"] {
            let token = format!("{header}.{payload}.{signature}");
            assert_eq!(verify(&token, &verifier), Err(JwtError::UnsupportedAlgorithm(alg.to_owned())), "{token}");
            // Decoding without verification still works and reports no known alg.
            assert_eq!(decode_unverified(&token).unwrap().alg, None);
        }
    }
    let no_alg = format!("{}.{payload}.", tessera_jwt::b64url(br#"{"typ":"JWT"}"#));
    assert!(matches!(verify(&no_alg, &verifier), Err(JwtError::Malformed(_))));
    let numeric_alg = format!("{}.{payload}.", tessera_jwt::b64url(br#"{"alg":1}"#));
    assert!(matches!(verify(&numeric_alg, &verifier), Err(JwtError::Malformed(_))));
}

#[test]
fn verify_refuses_hmac_tokens_signed_with_an_rsa_public_key() {
    // Algorithm confusion: an attacker signs HS256 with the (public) RSA PEM as the secret.
    let rsa = SigningKey::from_pem(Algorithm::RS256, &fixture("rsa2048_pkcs8.pem")).unwrap();
    let public_pem = rsa.public_key_pem().unwrap();
    let attacker = SigningKey::from_hmac_secret(Algorithm::HS256, public_pem.as_bytes()).unwrap();
    let forged = encode(&header("k1"), &claims(), &attacker).unwrap();

    for verifier in [
        VerifyingKey::from_public_pem(&public_pem).unwrap(),
        VerifyingKey::from_jwk(&rsa.public_jwk(Some("k1")).unwrap()).unwrap(),
        VerifyingKey::from_jwk(&Jwk { alg: None, ..rsa.public_jwk(Some("k1")).unwrap() }).unwrap(),
        rsa.verifying_key().unwrap(),
    ] {
        assert!(!verifier.allows(Algorithm::HS256));
        assert_eq!(verify(&forged, &verifier), Err(JwtError::AlgorithmNotAllowed));
    }
    // The same holds for EC and OKP keys, and between HMAC strengths.
    for alg in [Algorithm::ES256, Algorithm::EdDSA] {
        let verifier = SigningKey::generate(alg).unwrap().verifying_key().unwrap();
        assert_eq!(verify(&forged, &verifier), Err(JwtError::AlgorithmNotAllowed));
    }
    let hs512 = VerifyingKey::from_hmac_secret(Algorithm::HS512, public_pem.as_bytes()).unwrap();
    assert_eq!(verify(&forged, &hs512), Err(JwtError::AlgorithmNotAllowed));
    let es384 = SigningKey::generate(Algorithm::ES384).unwrap();
    let es384_token = encode(&Map::new(), &claims(), &es384).unwrap();
    let p256_verifier = SigningKey::generate(Algorithm::ES256).unwrap().verifying_key().unwrap();
    assert_eq!(verify(&es384_token, &p256_verifier), Err(JwtError::AlgorithmNotAllowed));
}

#[test]
fn verify_refuses_tampered_tokens_and_wrong_keys() {
    for alg in [Algorithm::HS256, Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA] {
        let key = SigningKey::generate(alg).unwrap();
        let verifier = key.verifying_key().unwrap();
        let token = encode(&header("k1"), &claims(), &key).unwrap();
        let [h, _, s]: [&str; 3] = token.split('.').collect::<Vec<_>>().try_into().unwrap();

        let mut evil = claims();
        evil.insert("sub".into(), json!("user_admin"));
        let tampered = format!("{h}.{}.{s}", tessera_jwt::b64url(&serde_json::to_vec(&evil).unwrap()));
        assert_eq!(verify(&tampered, &verifier), Err(JwtError::BadSignature), "{alg}");

        let mut evil_header = header("k2");
        evil_header.insert("alg".into(), json!(alg.as_str()));
        let swapped = token.replacen(h, &encode_header(&evil_header), 1);
        assert_eq!(verify(&swapped, &verifier), Err(JwtError::BadSignature), "{alg}");

        let other = SigningKey::generate(alg).unwrap().verifying_key().unwrap();
        assert_eq!(verify(&token, &other), Err(JwtError::BadSignature), "{alg}");

        let truncated = &token[..token.len() - 4];
        assert!(verify(truncated, &verifier).is_err());
        let no_signature = format!("{}.", &token[..token.rfind('.').unwrap()]);
        assert_eq!(verify(&no_signature, &verifier), Err(JwtError::BadSignature));

        // Every single-character change anywhere in the token is caught.
        let bytes = token.as_bytes();
        for i in (0..bytes.len()).step_by(3) {
            for replacement in [b'A', b'-', b'.', b'='] {
                if bytes[i] == replacement {
                    continue;
                }
                let mut changed = bytes.to_vec();
                changed[i] = replacement;
                let changed = String::from_utf8(changed).unwrap();
                assert!(verify(&changed, &verifier).is_err(), "{alg}: {changed}");
            }
        }
    }
}

#[test]
fn verify_refuses_crit_headers() {
    let key = SigningKey::generate(Algorithm::HS256).unwrap();
    let mut h = header("k");
    h.insert("crit".into(), json!(["b64"]));
    h.insert("b64".into(), json!(false));
    let token = encode(&h, &claims(), &key).unwrap();
    assert!(matches!(verify(&token, &key.verifying_key().unwrap()), Err(JwtError::Malformed(_))));
}

/// A small deterministic generator for garbage inputs.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn malformed_input_is_an_error_never_a_panic() {
    let key = SigningKey::generate(Algorithm::ES256).unwrap();
    let verifier = key.verifying_key().unwrap();
    let good = encode(&header("k"), &claims(), &key).unwrap();
    let parts: Vec<&str> = good.split('.').collect();
    let object = tessera_jwt::b64url(b"{}");
    let array = tessera_jwt::b64url(b"[1,2]");
    let fixed = [
        String::new(),
        ".".into(),
        "..".into(),
        "...".into(),
        "a.b".into(),
        "a.b.c.d".into(),
        format!("{}.{}", parts[0], parts[1]),
        format!("{good}.{}", parts[2]),
        format!("{}.{}.!!!", parts[0], parts[1]),
        format!("{}=.{}.{}", parts[0], parts[1], parts[2]),
        format!("{}.{}.{}", parts[0], "%%%", parts[2]),
        format!("{object}.{array}.{}", parts[2]),
        format!("{array}.{object}.{}", parts[2]),
        format!("{}.{}.{}", tessera_jwt::b64url(b"not json"), parts[1], parts[2]),
        format!("{}.{}.{}", tessera_jwt::b64url(&[0xff, 0xfe, 0x00]), parts[1], parts[2]),
        format!("{}.{}.{}", tessera_jwt::b64url(&"[".repeat(10_000).into_bytes()), parts[1], parts[2]),
        "é.é.é".into(),
        "🐎.🐎.🐎".into(),
        format!(" {good}"),
        format!("{good}\n"),
    ];
    for input in &fixed {
        assert!(matches!(decode_unverified(input), Err(JwtError::Malformed(_))), "{input:?}");
        assert!(verify(input, &verifier).is_err(), "{input:?}");
    }

    let alphabet = b"ABCxyz019-_.=+/ {}\":,\x00\xff";
    let mut rng = XorShift(0x5eed_1234_abcd_ef01);
    for _ in 0..3000 {
        let len = (rng.next() % 120) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| alphabet[(rng.next() % alphabet.len() as u64) as usize]).collect();
        let input = String::from_utf8_lossy(&bytes);
        let _ = decode_unverified(&input);
        assert!(verify(&input, &verifier).is_err());
    }
    // Valid base64url of random bytes in each position.
    for _ in 0..500 {
        let random: Vec<u8> = (0..(rng.next() % 64)).map(|_| rng.next() as u8).collect();
        let segment = tessera_jwt::b64url(&random);
        for input in [
            format!("{segment}.{}.{}", parts[1], parts[2]),
            format!("{}.{segment}.{}", parts[0], parts[2]),
            format!("{}.{}.{segment}", parts[0], parts[1]),
        ] {
            let _ = decode_unverified(&input);
            assert!(verify(&input, &verifier).is_err());
        }
    }
}

#[test]
fn malformed_key_input_is_an_error_never_a_panic() {
    let mut rng = XorShift(42);
    let labels = ["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "PUBLIC KEY", "RSA PUBLIC KEY"];
    let real: Vec<Vec<u8>> = ["rsa2048_pkcs8.pem", "p384_sec1.pem", "ed25519_pkcs8.pub.pem"]
        .iter()
        .map(|name| {
            let pem = fixture(name);
            let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
            base64_standard_decode(&body)
        })
        .collect();
    for round in 0..400 {
        let label = labels[round % labels.len()];
        // Random bytes, or a real key with bytes flipped or cut short.
        let der: Vec<u8> = match round % 3 {
            0 => (0..(rng.next() % 300)).map(|_| rng.next() as u8).collect(),
            1 => {
                let mut der = real[round % real.len()].clone();
                let i = (rng.next() as usize) % der.len();
                der[i] ^= 1 << (rng.next() % 8);
                der
            }
            _ => {
                let der = &real[round % real.len()];
                der[..(rng.next() as usize) % der.len()].to_vec()
            }
        };
        let pem = format!("-----BEGIN {label}-----\n{}\n-----END {label}-----\n", base64_standard_encode(&der));
        for alg in Algorithm::ALL {
            let _ = SigningKey::from_pem(alg, &pem);
            let _ = SigningKey::from_pkcs8_der(alg, &der);
        }
        let _ = VerifyingKey::from_public_pem(&pem);
        let _ = VerifyingKey::from_spki_der(&der);
    }
}

fn base64_standard_decode(s: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}

fn base64_standard_encode(data: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(data)
}

#[test]
fn encode_checks_the_header_alg_and_reuses_prebuilt_headers() {
    let key = SigningKey::from_hmac_secret(Algorithm::HS256, b"deterministic secret").unwrap();
    let mut h = header("k1");
    h.insert("alg".into(), json!("HS256"));
    let prebuilt = encode_header(&h);
    let a = encode(&h, &claims(), &key).unwrap();
    let b = encode_with_header(&prebuilt, &claims(), &key).unwrap();
    assert_eq!(a, b, "HMAC is deterministic, so both paths give the same token");
    assert!(a.starts_with(&format!("{prebuilt}.")));
    // A header without alg gets the key's.
    let c = encode(&header("k1"), &claims(), &key).unwrap();
    assert_eq!(decode_unverified(&c).unwrap().alg, Some(Algorithm::HS256));
    assert_eq!(a, c);

    h.insert("alg".into(), json!("RS256"));
    assert_eq!(
        encode(&h, &claims(), &key),
        Err(SignError::HeaderAlgorithmMismatch { header: "\"RS256\"".into(), key: Algorithm::HS256 })
    );
    h.insert("alg".into(), json!(null));
    assert!(encode(&h, &claims(), &key).is_err());
}

#[test]
fn decode_unverified_reads_header_and_claims() {
    let key = SigningKey::generate(Algorithm::EdDSA).unwrap();
    let token = encode(&header("ins_1"), &claims(), &key).unwrap();
    let decoded = decode_unverified(&token).unwrap();
    assert_eq!(decoded.alg, Some(Algorithm::EdDSA));
    assert_eq!(decoded.kid.as_deref(), Some("ins_1"));
    assert_eq!(decoded.claims, claims());
    assert_eq!(decoded, verify(&token, &key.verifying_key().unwrap()).unwrap());

    let mut numeric_kid = header("x");
    numeric_kid.insert("kid".into(), json!(7));
    let token = encode(&numeric_kid, &claims(), &key).unwrap();
    assert_eq!(decode_unverified(&token).unwrap().kid, None);
}

#[test]
fn debug_output_never_shows_key_material() {
    let secret = b"do-not-print-this-secret";
    let key = SigningKey::from_hmac_secret(Algorithm::HS512, secret).unwrap();
    let debug = format!("{key:?}");
    assert_eq!(debug, r#"SigningKey { alg: HS512, kind: "oct" }"#);
    let verifier = VerifyingKey::from_hmac_secret(Algorithm::HS512, secret).unwrap();
    let debug = format!("{verifier:?}");
    assert!(!debug.contains("do-not-print"), "{debug}");
    assert!(debug.contains("HS512"));

    let rsa = SigningKey::from_pem(Algorithm::RS256, &fixture("rsa2048_pkcs8.pem")).unwrap();
    assert_eq!(format!("{rsa:?}"), r#"SigningKey { alg: RS256, kind: "RSA" }"#);
    for alg in [Algorithm::ES256, Algorithm::EdDSA] {
        let key = SigningKey::generate(alg).unwrap();
        let debug = format!("{key:?}");
        assert!(debug.len() < 60, "{debug}");
    }
    // Error messages carry no key bytes either.
    let err = SigningKey::from_pem(Algorithm::ES256, &fixture("rsa2048_pkcs1.pem")).unwrap_err();
    assert!(!format!("{err} {err:?}").contains("MII"));
}

#[test]
fn keys_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<SigningKey>();
    assert_send_sync::<VerifyingKey>();
    assert_send_sync::<tessera_jwt::Decoded>();

    // And actually usable from several threads at once.
    let key = std::sync::Arc::new(SigningKey::generate(Algorithm::ES256).unwrap());
    let verifier = std::sync::Arc::new(key.verifying_key().unwrap());
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let key = key.clone();
            let verifier = verifier.clone();
            std::thread::spawn(move || {
                let mut c = claims();
                c.insert("n".into(), json!(i));
                let token = encode(&Map::new(), &c, &key).unwrap();
                verify(&token, &verifier).unwrap().claims["n"] == json!(i)
            })
        })
        .collect();
    for h in handles {
        assert!(h.join().unwrap());
    }
}

#[test]
fn algorithm_names_are_exact() {
    for alg in Algorithm::ALL {
        assert_eq!(Algorithm::parse(alg.as_str()), Some(alg));
        assert_eq!(alg.to_string(), alg.as_str());
        assert_eq!(alg.is_hmac(), alg.as_str().starts_with("HS"));
    }
    for name in ["none", "rs256", "Rs256", "EDDSA", "ES512", "HS256 ", ""] {
        assert_eq!(Algorithm::parse(name), None, "{name}");
    }
    let unique: std::collections::HashSet<_> = Algorithm::ALL.iter().collect();
    assert_eq!(unique.len(), 12);
}

const MASTER: [u8; 32] = [7; 32];

#[test]
fn sealed_values_round_trip() {
    let key = SigningKey::generate(Algorithm::ES256).unwrap();
    let material = key.to_storage_bytes();
    let sealed = seal(&MASTER, &material, b"ins_1");
    assert_eq!(open(&MASTER, &sealed, b"ins_1").unwrap(), material);
    assert!(!sealed.contains('='), "unpadded base64");
    assert_ne!(seal(&MASTER, &material, b"ins_1"), sealed, "random nonces");
    let restored =
        SigningKey::from_storage_bytes(Algorithm::ES256, &open(&MASTER, &sealed, b"ins_1").unwrap()).unwrap();
    assert_eq!(restored.thumbprint(), key.thumbprint());

    assert_eq!(open(&MASTER, &seal(&MASTER, b"", b""), b"").unwrap(), b"");
}

#[test]
fn sealed_values_detect_tampering_wrong_aad_and_wrong_key() {
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::STANDARD_NO_PAD;
    let sealed = seal(&MASTER, b"private key bytes", b"ins_1");

    assert_eq!(open(&MASTER, &sealed, b"ins_2"), Err(SealError::Tampered));
    assert_eq!(open(&MASTER, &sealed, b""), Err(SealError::Tampered));
    assert_eq!(open(&[8; 32], &sealed, b"ins_1"), Err(SealError::Tampered));

    let raw = engine.decode(&sealed).unwrap();
    for i in 1..raw.len() {
        let mut edited = raw.clone();
        edited[i] ^= 0x01;
        assert_eq!(open(&MASTER, &engine.encode(&edited), b"ins_1"), Err(SealError::Tampered), "byte {i}");
    }
    let mut wrong_version = raw.clone();
    wrong_version[0] = 2;
    assert_eq!(open(&MASTER, &engine.encode(&wrong_version), b"ins_1"), Err(SealError::Malformed));
    assert_eq!(open(&MASTER, &engine.encode(&raw[..raw.len() - 1]), b"ins_1"), Err(SealError::Tampered));
    for malformed in ["", "!!!", "AQ", &engine.encode([1u8; 28]), &format!("{sealed}=")] {
        assert_eq!(open(&MASTER, malformed, b"ins_1"), Err(SealError::Malformed), "{malformed}");
    }
}
