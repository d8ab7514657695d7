//! Networkless verification with static keys: one test per `VerifyError` reason, and the claims.

use std::time::Duration;

use serde_json::json;
use tessera_client::{Algorithm, KeySource, Verifier, VerifyError, VerifyOptions, verify_token};
use tessera_jwt::SigningKey;

use crate::support::{NOW, TestClock, claims, claims_with, jwks_of, rsa, sign};

fn at(now: i64) -> VerifyOptions {
    VerifyOptions { now: Some(now), ..Default::default() }
}

fn pem_verifier(key: &SigningKey) -> Verifier {
    Verifier::new(KeySource::PublicKeyPem(key.public_key_pem().unwrap())).unwrap()
}

async fn check(
    key: &SigningKey,
    jwt: &str,
    options: &VerifyOptions,
) -> Result<tessera_client::VerifiedToken, VerifyError> {
    pem_verifier(key).verify_token(jwt, options).await
}

#[tokio::test]
async fn every_asymmetric_algorithm_verifies_through_pem_and_jwks() {
    for alg in
        [Algorithm::RS256, Algorithm::RS512, Algorithm::PS256, Algorithm::ES256, Algorithm::ES384, Algorithm::EdDSA]
    {
        let key = SigningKey::generate(alg).unwrap();
        let jwt = sign(&key, Some("k1"), claims());
        let by_pem = check(&key, &jwt, &at(NOW)).await.unwrap();
        assert_eq!(by_pem.claims.sub, "user_1", "{alg}");
        assert_eq!(by_pem.alg(), Some(alg));
        let by_jwks = verify_token(&jwt, &KeySource::Jwks(jwks_of(&[(&key, "k1")])), &at(NOW)).await.unwrap();
        assert_eq!(by_jwks.kid(), Some("k1"));
        assert_eq!(by_jwks.claims, by_pem.claims);
    }
}

#[tokio::test]
async fn hmac_secrets_verify_their_own_algorithm_only() {
    let secret = b"0123456789abcdef0123456789abcdef".to_vec();
    let key = SigningKey::from_hmac_secret(Algorithm::HS256, &secret).unwrap();
    let jwt = sign(&key, None, claims());
    let ok = verify_token(&jwt, &KeySource::HmacSecret { alg: Algorithm::HS256, secret: secret.clone() }, &at(NOW))
        .await
        .unwrap();
    assert_eq!(ok.claims.sid.as_deref(), Some("sess_1"));
    let wrong_alg = verify_token(&jwt, &KeySource::HmacSecret { alg: Algorithm::HS512, secret }, &at(NOW)).await;
    assert_eq!(wrong_alg.unwrap_err(), VerifyError::AlgorithmNotAllowed);
}

#[tokio::test]
async fn malformed_tokens_are_rejected_as_malformed() {
    let key = rsa();
    let good = sign(&key, None, claims());
    let (head, rest) = good.split_once('.').unwrap();
    let typ_at = {
        let h = tessera_jwt::b64url(br#"{"alg":"RS256","typ":"at+jwt"}"#);
        format!("{h}.{rest}")
    };
    for bad in [
        "".to_owned(),
        "abc".to_owned(),
        "a.b".to_owned(),
        format!("{head}.{rest}.extra"),
        format!("!!!.{rest}"),
        format!("{}.{rest}", tessera_jwt::b64url(b"[1,2]")),
        format!("{}.{rest}", tessera_jwt::b64url(br#"{"typ":"JWT"}"#)),
        typ_at,
    ] {
        let e = check(&key, &bad, &at(NOW)).await.unwrap_err();
        assert!(matches!(e, VerifyError::Malformed(_)), "{bad:?}: {e:?}");
    }
}

#[tokio::test]
async fn alg_none_and_unknown_algorithms_are_unsupported() {
    let key = rsa();
    let payload = tessera_jwt::b64url(serde_json::to_string(&claims()).unwrap().as_bytes());
    for alg in ["none", "None", "HS999", "RSA-OAEP"] {
        let header = tessera_jwt::b64url(format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#).as_bytes());
        let jwt = format!("{header}.{payload}.");
        let e = check(&key, &jwt, &at(NOW)).await.unwrap_err();
        assert_eq!(e, VerifyError::UnsupportedAlgorithm(alg.to_owned()));
        assert!(e.to_string().contains(alg));
    }
}

#[tokio::test]
async fn hmac_signed_with_the_public_key_is_algorithm_confusion() {
    let key = rsa();
    let pem = key.public_key_pem().unwrap();
    // The classic attack: HS256 keyed with the bytes of the public key.
    let forged_key = SigningKey::from_hmac_secret(Algorithm::HS256, pem.as_bytes()).unwrap();
    let forged = sign(&forged_key, None, claims());
    assert_eq!(check(&key, &forged, &at(NOW)).await.unwrap_err(), VerifyError::AlgorithmNotAllowed);
    // Also through a JWKS whose key is pinned to RS256.
    let forged_kid = sign(&forged_key, Some("k1"), claims());
    let e = verify_token(&forged_kid, &KeySource::Jwks(jwks_of(&[(&key, "k1")])), &at(NOW)).await.unwrap_err();
    assert_eq!(e, VerifyError::AlgorithmNotAllowed);
}

#[tokio::test]
async fn an_algorithm_outside_the_allowed_list_is_not_allowed() {
    let key = SigningKey::generate(Algorithm::ES256).unwrap();
    let jwt = sign(&key, None, claims());
    let options = VerifyOptions { algorithms: vec![Algorithm::RS256], ..at(NOW) };
    assert_eq!(check(&key, &jwt, &options).await.unwrap_err(), VerifyError::AlgorithmNotAllowed);
}

#[tokio::test]
async fn a_kid_missing_from_a_static_jwks_is_unknown() {
    let key = rsa();
    let jwt = sign(&key, Some("other"), claims());
    let e = verify_token(&jwt, &KeySource::Jwks(jwks_of(&[(&key, "k1")])), &at(NOW)).await.unwrap_err();
    assert_eq!(e, VerifyError::UnknownKid("other".into()));
}

#[tokio::test]
async fn a_token_without_kid_is_tried_against_every_key_of_the_set() {
    let a = rsa();
    let b = SigningKey::generate(Algorithm::ES256).unwrap();
    let source = KeySource::Jwks(jwks_of(&[(&a, "a"), (&b, "b")]));
    let jwt = sign(&b, None, claims());
    assert!(verify_token(&jwt, &source, &at(NOW)).await.is_ok());
    let stranger = sign(&rsa(), None, claims());
    assert_eq!(verify_token(&stranger, &source, &at(NOW)).await.unwrap_err(), VerifyError::BadSignature);
}

#[tokio::test]
async fn unusable_keys_are_invalid_keys() {
    for source in [
        KeySource::PublicKeyPem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n".into()),
        KeySource::PublicKeyPem("not a pem".into()),
        KeySource::HmacSecret { alg: Algorithm::HS256, secret: vec![] },
        KeySource::HmacSecret { alg: Algorithm::RS256, secret: b"x".to_vec() },
        KeySource::Jwks(Default::default()),
    ] {
        let e = Verifier::new(source.clone()).unwrap_err();
        assert!(matches!(e, VerifyError::InvalidKey(_)), "{source:?}: {e:?}");
    }
}

#[tokio::test]
async fn a_tampered_payload_or_a_foreign_key_is_a_bad_signature() {
    let key = rsa();
    let jwt = sign(&key, None, claims());
    let mut parts: Vec<String> = jwt.split('.').map(str::to_owned).collect();
    parts[1] =
        tessera_jwt::b64url(serde_json::to_string(&claims_with(json!({"sub": "user_admin"}))).unwrap().as_bytes());
    let tampered = parts.join(".");
    assert_eq!(check(&key, &tampered, &at(NOW)).await.unwrap_err(), VerifyError::BadSignature);

    let foreign = sign(&rsa(), None, claims());
    assert_eq!(check(&key, &foreign, &at(NOW)).await.unwrap_err(), VerifyError::BadSignature);
}

#[tokio::test]
async fn expiry_is_checked_with_the_clock_skew() {
    let key = rsa();
    let jwt = sign(&key, None, claims()); // exp = NOW + 60
    let exp = NOW + 60;
    // Default skew 5 s: valid while exp > now - 5.
    assert!(check(&key, &jwt, &at(exp + 4)).await.is_ok());
    assert_eq!(check(&key, &jwt, &at(exp + 5)).await.unwrap_err(), VerifyError::Expired { exp, now: exp + 5 });
    let no_skew = VerifyOptions { clock_skew: Duration::ZERO, ..at(exp) };
    assert!(matches!(check(&key, &jwt, &no_skew).await, Err(VerifyError::Expired { .. })));
    let wide = VerifyOptions { clock_skew: Duration::from_secs(120), ..at(exp + 100) };
    assert!(check(&key, &jwt, &wide).await.is_ok());
}

#[tokio::test]
async fn not_before_is_checked_with_the_clock_skew() {
    let key = rsa();
    let jwt = sign(&key, None, claims_with(json!({"nbf": NOW + 100, "iat": null, "exp": NOW + 1000})));
    assert!(check(&key, &jwt, &at(NOW + 95)).await.is_ok());
    assert_eq!(
        check(&key, &jwt, &at(NOW + 94)).await.unwrap_err(),
        VerifyError::NotYetValid { nbf: NOW + 100, now: NOW + 94 }
    );
}

#[tokio::test]
async fn issued_at_in_the_future_is_rejected() {
    let key = rsa();
    let jwt = sign(&key, None, claims_with(json!({"iat": NOW + 30, "nbf": null})));
    assert!(check(&key, &jwt, &at(NOW + 25)).await.is_ok());
    assert_eq!(
        check(&key, &jwt, &at(NOW + 24)).await.unwrap_err(),
        VerifyError::IssuedInFuture { iat: NOW + 30, now: NOW + 24 }
    );
}

#[tokio::test]
async fn the_issuer_is_checked_only_when_configured() {
    let key = rsa();
    let jwt = sign(&key, None, claims());
    assert!(check(&key, &jwt, &at(NOW)).await.is_ok());
    let right = VerifyOptions { issuer: Some("https://issuer.example".into()), ..at(NOW) };
    assert!(check(&key, &jwt, &right).await.is_ok());
    let wrong = VerifyOptions { issuer: Some("https://other.example".into()), ..at(NOW) };
    assert_eq!(
        check(&key, &jwt, &wrong).await.unwrap_err(),
        VerifyError::IssuerMismatch {
            expected: "https://other.example".into(),
            found: Some("https://issuer.example".into())
        }
    );
    let no_iss = sign(&key, None, claims_with(json!({"iss": null})));
    assert!(matches!(check(&key, &no_iss, &right).await, Err(VerifyError::IssuerMismatch { found: None, .. })));
}

#[tokio::test]
async fn the_audience_may_be_a_string_or_an_array() {
    let key = rsa();
    let options = VerifyOptions { audience: vec!["api".into(), "web".into()], ..at(NOW) };
    let string = sign(&key, None, claims_with(json!({"aud": "web"})));
    let array = sign(&key, None, claims_with(json!({"aud": ["x", "api"]})));
    assert!(check(&key, &string, &options).await.is_ok());
    assert!(check(&key, &array, &options).await.is_ok());
    let verified = check(&key, &array, &at(NOW)).await.unwrap();
    assert_eq!(verified.claims.audiences(), vec!["x", "api"]);

    let other = sign(&key, None, claims_with(json!({"aud": ["x", "y"]})));
    assert_eq!(
        check(&key, &other, &options).await.unwrap_err(),
        VerifyError::AudienceMismatch {
            expected: vec!["api".into(), "web".into()],
            found: vec!["x".into(), "y".into()]
        }
    );
    let none = sign(&key, None, claims());
    assert!(matches!(check(&key, &none, &options).await, Err(VerifyError::AudienceMismatch { .. })));
    // Not configured: any aud passes.
    assert!(check(&key, &other, &at(NOW)).await.is_ok());
}

#[tokio::test]
async fn authorized_parties_require_a_listed_azp() {
    let key = rsa();
    let options = VerifyOptions { authorized_parties: vec!["https://app.example".into()], ..at(NOW) };
    let good = sign(&key, None, claims_with(json!({"azp": "https://app.example"})));
    assert!(check(&key, &good, &options).await.is_ok());
    let bad = sign(&key, None, claims_with(json!({"azp": "https://evil.example"})));
    assert_eq!(
        check(&key, &bad, &options).await.unwrap_err(),
        VerifyError::AuthorizedPartyMismatch { found: Some("https://evil.example".into()) }
    );
    let missing = sign(&key, None, claims());
    assert_eq!(
        check(&key, &missing, &options).await.unwrap_err(),
        VerifyError::AuthorizedPartyMismatch { found: None }
    );
    assert!(check(&key, &missing, &at(NOW)).await.is_ok());
}

#[tokio::test]
async fn exp_and_sub_are_required_and_typed() {
    let key = rsa();
    let cases = [
        (claims_with(json!({"exp": null})), VerifyError::MissingClaim("exp")),
        (claims_with(json!({"sub": null})), VerifyError::MissingClaim("sub")),
        (claims_with(json!({"exp": "soon"})), VerifyError::InvalidClaim("exp")),
        (claims_with(json!({"sub": 42})), VerifyError::InvalidClaim("sub")),
        (claims_with(json!({"o": "acme"})), VerifyError::InvalidClaim("o")),
        (claims_with(json!({"iat": "now"})), VerifyError::InvalidClaim("iat")),
    ];
    for (c, want) in cases {
        let jwt = sign(&key, None, c.clone());
        assert_eq!(check(&key, &jwt, &at(NOW)).await.unwrap_err(), want, "{c}");
    }
}

#[tokio::test]
async fn a_clock_function_drives_the_time_checks() {
    let key = rsa();
    let jwt = sign(&key, None, claims());
    let clock = TestClock::at(NOW);
    let options = VerifyOptions { clock: Some(clock.clock()), ..Default::default() };
    let verifier = pem_verifier(&key);
    assert!(verifier.verify_token(&jwt, &options).await.is_ok());
    clock.advance(65);
    assert!(matches!(
        verifier.verify_token(&jwt, &options).await,
        Err(VerifyError::Expired { now, .. }) if now == NOW + 65
    ));
}

#[tokio::test]
async fn session_token_claims_are_typed_and_the_rest_is_kept() {
    let key = rsa();
    let jwt = sign(
        &key,
        Some("ins_1"),
        claims_with(json!({
            "v": 2, "sts": "active", "fea": "o:dashboard",
            "o": {"id": "org_1", "slg": "acme", "rol": "admin", "per": "manage,read", "fpm": "3"},
            "act": {"sub": "user_admin"}, "custom": [1, 2]
        })),
    );
    let t = check(&key, &jwt, &at(NOW)).await.unwrap();
    let c = &t.claims;
    assert_eq!((c.sub.as_str(), c.sid.as_deref()), ("user_1", Some("sess_1")));
    assert_eq!((c.iat, c.nbf, c.exp), (Some(NOW), Some(NOW - 10), NOW + 60));
    assert_eq!((c.v, c.sts.as_deref()), (Some(2), Some("active")));
    let o = c.o.as_ref().unwrap();
    assert_eq!((o.id.as_str(), o.slg.as_deref(), o.rol.as_deref()), ("org_1", Some("acme"), Some("admin")));
    assert_eq!((o.per.as_deref(), o.fpm.as_deref()), (Some("manage,read"), Some("3")));
    assert_eq!(c.act, Some(json!({"sub": "user_admin"})));
    assert_eq!(c.extra.keys().collect::<Vec<_>>(), vec!["custom", "fea"]);
    assert_eq!(t.header["typ"], json!("JWT"));
    assert_eq!(t.kid(), Some("ins_1"));
    // Claims serialize back to the flat object.
    let back = serde_json::to_value(c).unwrap();
    assert_eq!(back["o"]["per"], json!("manage,read"));
    assert_eq!(back["custom"], json!([1, 2]));
}

#[tokio::test]
async fn errors_have_readable_messages() {
    let msgs = [
        (VerifyError::Expired { exp: 1, now: 2 }, "expired"),
        (VerifyError::BadSignature, "signature"),
        (VerifyError::MissingClaim("exp"), "exp"),
        (VerifyError::UnknownKid("k9".into()), "k9"),
        (VerifyError::AuthorizedPartyMismatch { found: None }, "authorized party"),
    ];
    for (e, needle) in msgs {
        assert!(e.to_string().contains(needle), "{e}");
    }
    // Debug of a key source never shows a secret.
    let s = format!("{:?}", KeySource::HmacSecret { alg: Algorithm::HS256, secret: b"topsecret".to_vec() });
    assert!(!s.contains("topsecret"));
    let s =
        format!("{:?}", KeySource::JwksUrl { url: "http://x".into(), secret_key: Some("sk_test_topsecret".into()) });
    assert!(!s.contains("topsecret"), "{s}");
}
