//! Signing and verifying keys: generation, import (PEM, PKCS#8, PKCS#1, SEC1, SPKI, JWK, HMAC
//! secrets), export (storage bytes, public JWK, SPKI PEM) and RFC 7638 thumbprints.
//!
//! Everything fallible happens when a key is built; signing and verifying afterwards only use the
//! already-parsed aws-lc-rs key objects.

use std::fmt;

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
use aws_lc_rs::hmac;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    self, EcdsaKeyPair, EcdsaSigningAlgorithm, EcdsaVerificationAlgorithm, Ed25519KeyPair, KeyPair as _,
    ParsedPublicKey, RsaEncoding, RsaKeyPair, RsaParameters, RsaPublicKeyComponents,
};
use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use tessera_types::Jwk;

use crate::algorithm::{Algorithm, Family};
use crate::der::{self, Curve, KeyKind};
use crate::jws::SignError;
use crate::pem;
use crate::util::{b64url, sha256};

/// Why a key could not be built. Messages are safe to show a user: they never contain key bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("invalid PEM: {0}")]
    InvalidPem(&'static str),
    #[error("could not parse the key: {0}")]
    Unparseable(&'static str),
    #[error("algorithm {alg} needs a key of type {expected}, but this key is {found}")]
    AlgorithmMismatch { alg: Algorithm, expected: &'static str, found: &'static str },
    #[error("the RSA key has {bits} bits; at least 2048 are required")]
    RsaTooSmall { bits: usize },
    #[error("the HMAC secret is empty")]
    EmptySecret,
    #[error("unsupported: {0}")]
    Unsupported(String),
    #[error("invalid JWK: {0}")]
    InvalidJwk(String),
    #[error("cryptographic failure: {0}")]
    Crypto(&'static str),
}

const RSA_MIN_BITS: usize = 2048;
const RSA_MAX_BITS: usize = 8192;

/// Lenient base64url for JWK members: padding tolerated on input.
const JWK_BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

fn rsa_signing(alg: Algorithm) -> Option<&'static dyn RsaEncoding> {
    Some(match alg {
        Algorithm::RS256 => &signature::RSA_PKCS1_SHA256,
        Algorithm::RS384 => &signature::RSA_PKCS1_SHA384,
        Algorithm::RS512 => &signature::RSA_PKCS1_SHA512,
        Algorithm::PS256 => &signature::RSA_PSS_SHA256,
        Algorithm::PS384 => &signature::RSA_PSS_SHA384,
        Algorithm::PS512 => &signature::RSA_PSS_SHA512,
        _ => return None,
    })
}

fn rsa_verification(alg: Algorithm) -> Option<&'static RsaParameters> {
    Some(match alg {
        Algorithm::RS256 => &signature::RSA_PKCS1_2048_8192_SHA256,
        Algorithm::RS384 => &signature::RSA_PKCS1_2048_8192_SHA384,
        Algorithm::RS512 => &signature::RSA_PKCS1_2048_8192_SHA512,
        Algorithm::PS256 => &signature::RSA_PSS_2048_8192_SHA256,
        Algorithm::PS384 => &signature::RSA_PSS_2048_8192_SHA384,
        Algorithm::PS512 => &signature::RSA_PSS_2048_8192_SHA512,
        _ => return None,
    })
}

fn ecdsa_signing(alg: Algorithm) -> Option<&'static EcdsaSigningAlgorithm> {
    match alg {
        Algorithm::ES256 => Some(&signature::ECDSA_P256_SHA256_FIXED_SIGNING),
        Algorithm::ES384 => Some(&signature::ECDSA_P384_SHA384_FIXED_SIGNING),
        _ => None,
    }
}

fn ecdsa_verification(alg: Algorithm) -> Option<&'static EcdsaVerificationAlgorithm> {
    match alg {
        Algorithm::ES256 => Some(&signature::ECDSA_P256_SHA256_FIXED),
        Algorithm::ES384 => Some(&signature::ECDSA_P384_SHA384_FIXED),
        _ => None,
    }
}

fn hmac_algorithm(alg: Algorithm) -> Option<hmac::Algorithm> {
    match alg {
        Algorithm::HS256 => Some(hmac::HMAC_SHA256),
        Algorithm::HS384 => Some(hmac::HMAC_SHA384),
        Algorithm::HS512 => Some(hmac::HMAC_SHA512),
        _ => None,
    }
}

/// The coordinate size in bytes and JWK `crv` name of an EC algorithm's curve.
fn ec_curve(alg: Algorithm) -> Option<(usize, &'static str)> {
    match alg {
        Algorithm::ES256 => Some((32, "P-256")),
        Algorithm::ES384 => Some((48, "P-384")),
        _ => None,
    }
}

fn family_kind(family: Family) -> Option<KeyKind> {
    match family {
        Family::Hmac => None,
        Family::Rsa => Some(KeyKind::Rsa),
        Family::EcP256 => Some(KeyKind::Ec(Curve::P256)),
        Family::EcP384 => Some(KeyKind::Ec(Curve::P384)),
        Family::Ed25519 => Some(KeyKind::Ed25519),
    }
}

fn mismatch(alg: Algorithm, found: &'static str) -> KeyError {
    KeyError::AlgorithmMismatch { alg, expected: alg.family().describe(), found }
}

/// Fails unless a key of `kind` can be used with `alg`.
fn check_kind(alg: Algorithm, kind: KeyKind) -> Result<(), KeyError> {
    if family_kind(alg.family()) == Some(kind) { Ok(()) } else { Err(mismatch(alg, kind.describe())) }
}

fn check_rsa_bits(bits: usize) -> Result<(), KeyError> {
    if bits < RSA_MIN_BITS {
        Err(KeyError::RsaTooSmall { bits })
    } else if bits > RSA_MAX_BITS {
        Err(KeyError::Unsupported("RSA keys larger than 8192 bits".to_owned()))
    } else {
        Ok(())
    }
}

/// Short, printable excerpt of untrusted text for error messages.
fn excerpt(s: &str) -> String {
    s.chars().take(32).collect()
}

/// Bytes that are wiped (best effort) when dropped and never printed.
struct SecretBytes(Vec<u8>);

impl Drop for SecretBytes {
    fn drop(&mut self) {
        self.0.fill(0);
        std::hint::black_box(&self.0);
    }
}

enum Signer {
    Rsa {
        pair: RsaKeyPair,
        padding: &'static dyn RsaEncoding,
    },
    Ecdsa(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
    /// Boxed: aws-lc's precomputed HMAC state is over a kilobyte.
    Hmac(Box<hmac::Key>),
}

/// Everything public about an asymmetric key, computed once when the key is built.
struct PublicParts {
    spki_der: Vec<u8>,
    /// With `use`, `kty`, `alg` and the key members; `kid` is filled in by `public_jwk`.
    jwk: Jwk,
    thumbprint: String,
}

/// A private key (or HMAC secret) bound to one algorithm, parsed once and held in memory.
///
/// `Debug` prints only the algorithm and key kind. `Send + Sync`: share it behind an `Arc`.
pub struct SigningKey {
    alg: Algorithm,
    signer: Signer,
    storage: SecretBytes,
    public: Option<PublicParts>,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey").field("alg", &self.alg).field("kind", &self.kind()).finish()
    }
}

impl SigningKey {
    /// A new RSA-2048 key (e = 65537) for RS256: the instance key shape @clerk/backend accepts.
    pub fn generate_rsa2048() -> Result<SigningKey, KeyError> {
        Self::generate(Algorithm::RS256)
    }

    /// A new random key for `alg`: RSA-2048 for `RS*`/`PS*`, P-256, P-384, Ed25519, or a
    /// 32/48/64-byte HMAC secret.
    pub fn generate(alg: Algorithm) -> Result<SigningKey, KeyError> {
        const FAILED: KeyError = KeyError::Crypto("key generation failed");
        match alg.family() {
            Family::Rsa => {
                let pair = RsaKeyPair::generate(KeySize::Rsa2048).map_err(|_| FAILED)?;
                Self::from_rsa_pair(alg, pair)
            }
            Family::EcP256 | Family::EcP384 => {
                let signing = ecdsa_signing(alg).ok_or(FAILED)?;
                let pair = EcdsaKeyPair::generate(signing).map_err(|_| FAILED)?;
                Self::from_ecdsa_pair(alg, pair)
            }
            Family::Ed25519 => {
                let pair = Ed25519KeyPair::generate().map_err(|_| FAILED)?;
                Self::from_ed25519_pair(pair)
            }
            Family::Hmac => {
                let len = hmac_algorithm(alg).ok_or(FAILED)?.digest_algorithm().output_len;
                let mut secret = SecretBytes(vec![0; len]);
                aws_lc_rs::rand::fill(&mut secret.0).map_err(|_| FAILED)?;
                Self::from_hmac_secret(alg, &secret.0)
            }
        }
    }

    /// Imports a private key from PEM: PKCS#8 (`PRIVATE KEY`), PKCS#1 (`RSA PRIVATE KEY`) or
    /// SEC1 (`EC PRIVATE KEY`, an `EC PARAMETERS` block before it is skipped). The key must suit
    /// `alg`; RSA keys must have at least 2048 bits. HMAC algorithms take
    /// [`SigningKey::from_hmac_secret`] instead.
    pub fn from_pem(alg: Algorithm, pem: &str) -> Result<SigningKey, KeyError> {
        if alg.is_hmac() {
            return Err(KeyError::Unsupported("PEM for HMAC algorithms; use from_hmac_secret".to_owned()));
        }
        let blocks = pem::parse(pem)?;
        let block = blocks
            .iter()
            .find(|b| {
                matches!(
                    b.label.as_str(),
                    "PRIVATE KEY" | "RSA PRIVATE KEY" | "EC PRIVATE KEY" | "ENCRYPTED PRIVATE KEY"
                )
            })
            .ok_or(KeyError::InvalidPem("no PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY block"))?;
        match block.label.as_str() {
            "PRIVATE KEY" => Self::from_pkcs8_der(alg, &block.der),
            "RSA PRIVATE KEY" => Self::from_pkcs1_der(alg, &block.der),
            "EC PRIVATE KEY" => Self::from_sec1_der(alg, &block.der),
            _ => Err(KeyError::Unsupported("encrypted private keys".to_owned())),
        }
    }

    /// A symmetric key for `HS256`/`HS384`/`HS512`. Any non-empty secret is accepted.
    pub fn from_hmac_secret(alg: Algorithm, secret: &[u8]) -> Result<SigningKey, KeyError> {
        let algorithm = hmac_algorithm(alg).ok_or_else(|| mismatch(alg, "HMAC secret"))?;
        if secret.is_empty() {
            return Err(KeyError::EmptySecret);
        }
        Ok(SigningKey {
            alg,
            signer: Signer::Hmac(Box::new(hmac::Key::new(algorithm, secret))),
            storage: SecretBytes(secret.to_vec()),
            public: None,
        })
    }

    /// Imports an unencrypted PKCS#8 (v1 or v2) DER private key for an asymmetric `alg`.
    pub fn from_pkcs8_der(alg: Algorithm, der: &[u8]) -> Result<SigningKey, KeyError> {
        if alg.is_hmac() {
            return Err(KeyError::Unsupported("PKCS#8 for HMAC algorithms; use from_hmac_secret".to_owned()));
        }
        let (kind, private_key) = der::pkcs8(der).ok_or(KeyError::Unparseable("not a PKCS#8 private key"))?;
        check_kind(alg, kind)?;
        match alg.family() {
            Family::Rsa => {
                let n =
                    der::rsa_private_modulus(private_key).ok_or(KeyError::Unparseable("invalid RSA private key"))?;
                check_rsa_bits(der::bit_len(n))?;
                let pair = RsaKeyPair::from_pkcs8(der).map_err(|_| KeyError::Unparseable("invalid RSA private key"))?;
                Self::from_rsa_pair(alg, pair)
            }
            Family::EcP256 | Family::EcP384 => {
                let signing = ecdsa_signing(alg).ok_or(mismatch(alg, kind.describe()))?;
                let pair = EcdsaKeyPair::from_pkcs8(signing, der)
                    .map_err(|_| KeyError::Unparseable("invalid EC private key"))?;
                Self::from_ecdsa_pair(alg, pair)
            }
            Family::Ed25519 => {
                let pair = Ed25519KeyPair::from_pkcs8(der)
                    .map_err(|_| KeyError::Unparseable("invalid Ed25519 private key"))?;
                Self::from_ed25519_pair(pair)
            }
            Family::Hmac => Err(mismatch(alg, kind.describe())),
        }
    }

    /// Imports a PKCS#1 `RSAPrivateKey` (DER).
    fn from_pkcs1_der(alg: Algorithm, der: &[u8]) -> Result<SigningKey, KeyError> {
        check_kind(alg, KeyKind::Rsa)?;
        let n = der::rsa_private_modulus(der).ok_or(KeyError::Unparseable("invalid PKCS#1 RSA private key"))?;
        check_rsa_bits(der::bit_len(n))?;
        let pair = RsaKeyPair::from_der(der).map_err(|_| KeyError::Unparseable("invalid PKCS#1 RSA private key"))?;
        Self::from_rsa_pair(alg, pair)
    }

    /// Imports a SEC1 `ECPrivateKey` (DER).
    fn from_sec1_der(alg: Algorithm, der: &[u8]) -> Result<SigningKey, KeyError> {
        let curve = der::sec1_curve(der).ok_or(KeyError::Unparseable("invalid SEC1 EC private key"))?;
        match curve {
            Some(curve) => check_kind(alg, KeyKind::Ec(curve))?,
            None if !matches!(alg.family(), Family::EcP256 | Family::EcP384) => {
                return Err(mismatch(alg, "EC"));
            }
            None => {}
        }
        let signing = ecdsa_signing(alg).ok_or(mismatch(alg, "EC"))?;
        let pair = EcdsaKeyPair::from_private_key_der(signing, der)
            .map_err(|_| KeyError::Unparseable("invalid SEC1 EC private key"))?;
        Self::from_ecdsa_pair(alg, pair)
    }

    /// Serialized material for storage: PKCS#8 DER for asymmetric keys, the raw secret for HMAC.
    /// Seal it (see [`crate::seal`]) before it touches a disk.
    pub fn to_storage_bytes(&self) -> Vec<u8> {
        self.storage.0.clone()
    }

    /// The inverse of [`SigningKey::to_storage_bytes`].
    pub fn from_storage_bytes(alg: Algorithm, bytes: &[u8]) -> Result<SigningKey, KeyError> {
        if alg.is_hmac() { Self::from_hmac_secret(alg, bytes) } else { Self::from_pkcs8_der(alg, bytes) }
    }

    pub fn algorithm(&self) -> Algorithm {
        self.alg
    }

    /// `"RSA"`, `"EC"`, `"OKP"` or `"oct"` (the JWK `kty` of the key).
    pub fn kind(&self) -> &'static str {
        match self.signer {
            Signer::Rsa { .. } => "RSA",
            Signer::Ecdsa(_) => "EC",
            Signer::Ed25519(_) => "OKP",
            Signer::Hmac(_) => "oct",
        }
    }

    /// Public JWK with `use: "sig"`, `alg`, and `kid` when given; `None` for HMAC keys.
    /// RSA: `n`, `e`; EC: `crv` P-256/P-384, `x`, `y`; OKP: `crv` Ed25519, `x`.
    pub fn public_jwk(&self, kid: Option<&str>) -> Option<Jwk> {
        let public = self.public.as_ref()?;
        let mut jwk = public.jwk.clone();
        jwk.kid = kid.map(str::to_owned);
        Some(jwk)
    }

    /// RFC 7638 JWK thumbprint (SHA-256, base64url without padding) of the public key; `None`
    /// for HMAC keys.
    pub fn thumbprint(&self) -> Option<String> {
        self.public.as_ref().map(|p| p.thumbprint.clone())
    }

    /// The public key as SPKI PEM (`-----BEGIN PUBLIC KEY-----`), `None` for HMAC keys. This is
    /// the format of Clerk's `CLERK_JWT_KEY`.
    pub fn public_key_pem(&self) -> Option<String> {
        self.public.as_ref().map(|p| pem::encode("PUBLIC KEY", &p.spki_der))
    }

    /// The public key as SPKI DER, `None` for HMAC keys.
    pub fn public_key_der(&self) -> Option<&[u8]> {
        self.public.as_ref().map(|p| p.spki_der.as_slice())
    }

    /// A verifier for tokens this key signs, pinned to this key's algorithm (no `kid`).
    pub fn verifying_key(&self) -> Result<VerifyingKey, KeyError> {
        match &self.public {
            None => VerifyingKey::from_hmac_secret(self.alg, &self.storage.0),
            Some(public) => {
                let mut key = VerifyingKey::from_jwk(&public.jwk)?;
                key.pinned = Some(self.alg);
                Ok(key)
            }
        }
    }

    /// Length in bytes of every signature this key makes (what [`SigningKey::sign`] returns), known
    /// without signing: for RSA the modulus length.
    pub fn signature_len(&self) -> usize {
        match &self.signer {
            Signer::Rsa { pair, .. } => pair.public_modulus_len(),
            _ => self.alg.signature_len(0),
        }
    }

    /// Signs `message` (the JWS signing input). ECDSA signatures are in the JWS fixed-width
    /// `r || s` form; RSA signatures are as long as the modulus.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        match &self.signer {
            Signer::Rsa { pair, padding } => {
                let mut sig = vec![0; pair.public_modulus_len()];
                pair.sign(*padding, &SystemRandom::new(), message, &mut sig).map_err(|_| SignError::Crypto)?;
                Ok(sig)
            }
            Signer::Ecdsa(pair) => {
                pair.sign(&SystemRandom::new(), message).map(|s| s.as_ref().to_vec()).map_err(|_| SignError::Crypto)
            }
            Signer::Ed25519(pair) => pair.try_sign(message).map(|s| s.as_ref().to_vec()).map_err(|_| SignError::Crypto),
            Signer::Hmac(key) => Ok(hmac::sign(key, message).as_ref().to_vec()),
        }
    }

    fn from_rsa_pair(alg: Algorithm, pair: RsaKeyPair) -> Result<SigningKey, KeyError> {
        let padding = rsa_signing(alg).ok_or_else(|| mismatch(alg, "RSA"))?;
        let pkcs8: Pkcs8V1Der<'static> =
            pair.as_der().map_err(|_| KeyError::Crypto("could not serialize the RSA key"))?;
        let public_key = pair.public_key();
        let n = public_key.modulus().big_endian_without_leading_zero();
        let e = public_key.exponent().big_endian_without_leading_zero();
        check_rsa_bits(der::bit_len(n))?;
        let spki = public_key.as_der().map_err(|_| KeyError::Crypto("could not serialize the RSA public key"))?;
        let jwk = Jwk {
            use_: Some("sig".to_owned()),
            kty: "RSA".to_owned(),
            alg: Some(alg.as_str().to_owned()),
            n: Some(b64url(n)),
            e: Some(b64url(e)),
            ..Jwk::default()
        };
        let public = PublicParts::new(spki.as_ref().to_vec(), jwk)?;
        Ok(SigningKey {
            alg,
            storage: SecretBytes(pkcs8.as_ref().to_vec()),
            signer: Signer::Rsa { pair, padding },
            public: Some(public),
        })
    }

    fn from_ecdsa_pair(alg: Algorithm, pair: EcdsaKeyPair) -> Result<SigningKey, KeyError> {
        let (size, crv) = ec_curve(alg).ok_or_else(|| mismatch(alg, "EC"))?;
        let pkcs8 = pair.to_pkcs8v1().map_err(|_| KeyError::Crypto("could not serialize the EC key"))?;
        let public_key = pair.public_key();
        // Uncompressed SEC1 point: 0x04 || x || y.
        let point = public_key.as_ref();
        let (x, y) = match point.split_first() {
            Some((4, xy)) if xy.len() == 2 * size => xy.split_at(size),
            _ => return Err(KeyError::Crypto("unexpected EC public key encoding")),
        };
        let spki = public_key.as_der().map_err(|_| KeyError::Crypto("could not serialize the EC public key"))?;
        let jwk = Jwk {
            use_: Some("sig".to_owned()),
            kty: "EC".to_owned(),
            alg: Some(alg.as_str().to_owned()),
            crv: Some(crv.to_owned()),
            x: Some(b64url(x)),
            y: Some(b64url(y)),
            ..Jwk::default()
        };
        let public = PublicParts::new(spki.as_ref().to_vec(), jwk)?;
        Ok(SigningKey {
            alg,
            storage: SecretBytes(pkcs8.as_ref().to_vec()),
            signer: Signer::Ecdsa(pair),
            public: Some(public),
        })
    }

    fn from_ed25519_pair(pair: Ed25519KeyPair) -> Result<SigningKey, KeyError> {
        let pkcs8 = pair.to_pkcs8v1().map_err(|_| KeyError::Crypto("could not serialize the Ed25519 key"))?;
        let public_key = pair.public_key();
        let spki = public_key.as_der().map_err(|_| KeyError::Crypto("could not serialize the Ed25519 public key"))?;
        let jwk = Jwk {
            use_: Some("sig".to_owned()),
            kty: "OKP".to_owned(),
            alg: Some(Algorithm::EdDSA.as_str().to_owned()),
            crv: Some("Ed25519".to_owned()),
            x: Some(b64url(public_key.as_ref())),
            ..Jwk::default()
        };
        let public = PublicParts::new(spki.as_ref().to_vec(), jwk)?;
        Ok(SigningKey {
            alg: Algorithm::EdDSA,
            storage: SecretBytes(pkcs8.as_ref().to_vec()),
            signer: Signer::Ed25519(pair),
            public: Some(public),
        })
    }
}

impl PublicParts {
    fn new(spki_der: Vec<u8>, jwk: Jwk) -> Result<PublicParts, KeyError> {
        let thumbprint = jwk_thumbprint(&jwk)?;
        Ok(PublicParts { spki_der, jwk, thumbprint })
    }
}

/// A JSON string literal (RFC 8259 escaping).
fn json_string(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

fn required<'a>(member: &'a Option<String>, name: &str) -> Result<&'a str, KeyError> {
    member.as_deref().ok_or_else(|| KeyError::InvalidJwk(format!("missing \"{name}\"")))
}

/// RFC 7638 JWK thumbprint: SHA-256 over the required members in lexicographic order, base64url
/// without padding. RSA (`e`, `kty`, `n`), EC (`crv`, `kty`, `x`, `y`), OKP (`crv`, `kty`, `x`).
pub fn jwk_thumbprint(jwk: &Jwk) -> Result<String, KeyError> {
    let canonical = match jwk.kty.as_str() {
        "RSA" => format!(
            r#"{{"e":{},"kty":"RSA","n":{}}}"#,
            json_string(required(&jwk.e, "e")?),
            json_string(required(&jwk.n, "n")?),
        ),
        "EC" => format!(
            r#"{{"crv":{},"kty":"EC","x":{},"y":{}}}"#,
            json_string(required(&jwk.crv, "crv")?),
            json_string(required(&jwk.x, "x")?),
            json_string(required(&jwk.y, "y")?),
        ),
        "OKP" => format!(
            r#"{{"crv":{},"kty":"OKP","x":{}}}"#,
            json_string(required(&jwk.crv, "crv")?),
            json_string(required(&jwk.x, "x")?),
        ),
        other => {
            return Err(KeyError::Unsupported(format!("thumbprints of kty {}", excerpt(other))));
        }
    };
    Ok(b64url(&sha256(canonical.as_bytes())))
}

enum Verifier {
    /// Boxed: aws-lc's precomputed HMAC state is over a kilobyte.
    Hmac(Algorithm, Box<hmac::Key>),
    /// One parsed key per allowed RSA algorithm (aws-lc-rs binds the algorithm at parse time).
    Rsa(Vec<(Algorithm, ParsedPublicKey)>),
    Ec(Algorithm, ParsedPublicKey),
    Ed25519(ParsedPublicKey),
}

/// A public key (or HMAC secret) to check signatures with, parsed once.
///
/// `Debug` shows the key kind, the allowed algorithms and the `kid`, never an HMAC secret.
pub struct VerifyingKey {
    kid: Option<String>,
    /// Set when the key is bound to exactly one algorithm (a JWK `alg`, or an HMAC secret).
    pinned: Option<Algorithm>,
    verifier: Verifier,
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.verifier {
            Verifier::Hmac(..) => "oct",
            Verifier::Rsa(_) => "RSA",
            Verifier::Ec(..) => "EC",
            Verifier::Ed25519(_) => "OKP",
        };
        f.debug_struct("VerifyingKey")
            .field("kind", &kind)
            .field("algorithms", &self.algorithms())
            .field("kid", &self.kid)
            .finish()
    }
}

impl VerifyingKey {
    /// From a public JWK (RSA, EC P-256/P-384, OKP Ed25519). A JWK `alg` pins the key to that
    /// algorithm; without one, EC and OKP keys get their curve's algorithm and RSA keys allow
    /// RS256/384/512 and PS256/384/512. A `use` other than `"sig"` is rejected.
    pub fn from_jwk(jwk: &Jwk) -> Result<VerifyingKey, KeyError> {
        if let Some(use_) = &jwk.use_
            && use_ != "sig"
        {
            return Err(KeyError::Unsupported(format!("JWK use {} (only \"sig\")", excerpt(use_))));
        }
        let pinned = match &jwk.alg {
            None => None,
            Some(name) => Some(
                Algorithm::parse(name).ok_or_else(|| KeyError::Unsupported(format!("JWK alg {}", excerpt(name))))?,
            ),
        };
        let decode = |member: &Option<String>, name: &str| -> Result<Vec<u8>, KeyError> {
            JWK_BASE64
                .decode(required(member, name)?)
                .map_err(|_| KeyError::InvalidJwk(format!("\"{name}\" is not base64url")))
        };
        let verifier = match jwk.kty.as_str() {
            "RSA" => {
                if let Some(alg) = pinned {
                    check_kind(alg, KeyKind::Rsa)?;
                }
                rsa_verifier(&decode(&jwk.n, "n")?, &decode(&jwk.e, "e")?, pinned)?
            }
            "EC" => {
                let alg = match required(&jwk.crv, "crv")? {
                    "P-256" => Algorithm::ES256,
                    "P-384" => Algorithm::ES384,
                    other => {
                        return Err(KeyError::Unsupported(format!("EC curve {}", excerpt(other))));
                    }
                };
                if let Some(pinned) = pinned
                    && pinned != alg
                {
                    return Err(mismatch(pinned, alg.family().describe()));
                }
                let (size, _) = ec_curve(alg).ok_or_else(|| mismatch(alg, "EC"))?;
                let x = decode(&jwk.x, "x")?;
                let y = decode(&jwk.y, "y")?;
                if x.len() != size || y.len() != size {
                    return Err(KeyError::InvalidJwk(
                        "\"x\" and \"y\" must be as long as the curve's coordinates".to_owned(),
                    ));
                }
                let mut point = Vec::with_capacity(1 + 2 * size);
                point.push(4);
                point.extend_from_slice(&x);
                point.extend_from_slice(&y);
                ec_verifier(alg, &point)?
            }
            "OKP" => {
                let crv = required(&jwk.crv, "crv")?;
                if crv != "Ed25519" {
                    return Err(KeyError::Unsupported(format!("OKP curve {}", excerpt(crv))));
                }
                if let Some(pinned) = pinned
                    && pinned != Algorithm::EdDSA
                {
                    return Err(mismatch(pinned, "Ed25519"));
                }
                ed25519_verifier(&decode(&jwk.x, "x")?)?
            }
            "oct" => {
                return Err(KeyError::Unsupported(
                    "symmetric (oct) JWKs; use VerifyingKey::from_hmac_secret".to_owned(),
                ));
            }
            other => {
                return Err(KeyError::Unsupported(format!("JWK kty {}", excerpt(other))));
            }
        };
        Ok(VerifyingKey { kid: jwk.kid.clone(), pinned, verifier })
    }

    /// From PEM: SPKI `PUBLIC KEY` (RSA, P-256, P-384, Ed25519) or PKCS#1 `RSA PUBLIC KEY`.
    pub fn from_public_pem(pem: &str) -> Result<VerifyingKey, KeyError> {
        let blocks = pem::parse(pem)?;
        let Some(block) = blocks.iter().find(|b| b.label == "PUBLIC KEY" || b.label == "RSA PUBLIC KEY") else {
            return Err(if blocks.iter().any(|b| b.label.ends_with("PRIVATE KEY")) {
                KeyError::InvalidPem("expected a public key, found a private key")
            } else {
                KeyError::InvalidPem("no PUBLIC KEY or RSA PUBLIC KEY block")
            });
        };
        if block.label == "RSA PUBLIC KEY" {
            let (n, e) = der::rsa_public(&block.der).ok_or(KeyError::Unparseable("invalid PKCS#1 RSA public key"))?;
            return Ok(VerifyingKey { kid: None, pinned: None, verifier: rsa_verifier(n, e, None)? });
        }
        Self::from_spki_der(&block.der)
    }

    /// From a DER X.509 `SubjectPublicKeyInfo` (RSA, P-256, P-384, Ed25519).
    pub fn from_spki_der(der: &[u8]) -> Result<VerifyingKey, KeyError> {
        let (kind, key) = der::spki(der).ok_or(KeyError::Unparseable("not a SubjectPublicKeyInfo"))?;
        let verifier = match kind {
            KeyKind::Rsa => {
                let (n, e) = der::rsa_public(key).ok_or(KeyError::Unparseable("invalid RSA public key"))?;
                rsa_verifier(n, e, None)?
            }
            KeyKind::Ec(Curve::P256) => ec_verifier(Algorithm::ES256, key)?,
            KeyKind::Ec(Curve::P384) => ec_verifier(Algorithm::ES384, key)?,
            KeyKind::Ed25519 => ed25519_verifier(key)?,
            other => {
                return Err(KeyError::Unsupported(format!("{} keys", other.describe())));
            }
        };
        Ok(VerifyingKey { kid: None, pinned: None, verifier })
    }

    /// A symmetric key that verifies only `alg` (one of `HS256`/`HS384`/`HS512`).
    pub fn from_hmac_secret(alg: Algorithm, secret: &[u8]) -> Result<VerifyingKey, KeyError> {
        let algorithm = hmac_algorithm(alg).ok_or_else(|| mismatch(alg, "HMAC secret"))?;
        if secret.is_empty() {
            return Err(KeyError::EmptySecret);
        }
        Ok(VerifyingKey {
            kid: None,
            pinned: Some(alg),
            verifier: Verifier::Hmac(alg, Box::new(hmac::Key::new(algorithm, secret))),
        })
    }

    /// Sets the key id (a JWK's own `kid` is kept by [`VerifyingKey::from_jwk`]).
    pub fn with_kid(mut self, kid: impl Into<String>) -> VerifyingKey {
        self.kid = Some(kid.into());
        self
    }

    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// Whether a token signed with `alg` may be checked with this key: HMAC keys only their own
    /// `HS*`, RSA keys only `RS*`/`PS*`, EC keys their curve's `ES*`, OKP keys only `EdDSA`; a key
    /// pinned to one algorithm (JWK `alg`) only that one.
    pub fn allows(&self, alg: Algorithm) -> bool {
        if self.pinned.is_some_and(|pinned| pinned != alg) {
            return false;
        }
        match &self.verifier {
            Verifier::Hmac(a, _) | Verifier::Ec(a, _) => *a == alg,
            Verifier::Rsa(keys) => keys.iter().any(|(a, _)| *a == alg),
            Verifier::Ed25519(_) => alg == Algorithm::EdDSA,
        }
    }

    /// The algorithms [`VerifyingKey::allows`].
    pub fn algorithms(&self) -> Vec<Algorithm> {
        Algorithm::ALL.into_iter().filter(|a| self.allows(*a)).collect()
    }

    /// Checks `signature` over `message` for `alg`; false when `alg` is not allowed.
    pub(crate) fn verify_signature(&self, alg: Algorithm, message: &[u8], signature: &[u8]) -> bool {
        if !self.allows(alg) {
            return false;
        }
        match &self.verifier {
            Verifier::Hmac(_, key) => hmac::verify(key, message, signature).is_ok(),
            Verifier::Rsa(keys) => {
                keys.iter().find(|(a, _)| *a == alg).is_some_and(|(_, key)| key.verify_sig(message, signature).is_ok())
            }
            Verifier::Ec(_, key) | Verifier::Ed25519(key) => key.verify_sig(message, signature).is_ok(),
        }
    }
}

fn rsa_verifier(n: &[u8], e: &[u8], pinned: Option<Algorithm>) -> Result<Verifier, KeyError> {
    let n = der::strip_leading_zeros(n);
    let e = der::strip_leading_zeros(e);
    check_rsa_bits(der::bit_len(n))?;
    let components = RsaPublicKeyComponents { n, e };
    let algorithms: &[Algorithm] = match &pinned {
        Some(alg) => std::slice::from_ref(alg),
        None => &Algorithm::RSA,
    };
    let mut keys = Vec::with_capacity(algorithms.len());
    for &alg in algorithms {
        let params = rsa_verification(alg).ok_or_else(|| mismatch(alg, "RSA"))?;
        let key =
            components.to_parsed_public_key(params).map_err(|_| KeyError::Unparseable("invalid RSA public key"))?;
        keys.push((alg, key));
    }
    Ok(Verifier::Rsa(keys))
}

fn ec_verifier(alg: Algorithm, point: &[u8]) -> Result<Verifier, KeyError> {
    let params = ecdsa_verification(alg).ok_or_else(|| mismatch(alg, "EC"))?;
    let key = ParsedPublicKey::new(params, point).map_err(|_| KeyError::Unparseable("invalid EC public key"))?;
    Ok(Verifier::Ec(alg, key))
}

fn ed25519_verifier(x: &[u8]) -> Result<Verifier, KeyError> {
    if x.len() != signature::ED25519_PUBLIC_KEY_LEN {
        return Err(KeyError::Unparseable("an Ed25519 public key is 32 bytes"));
    }
    let key = ParsedPublicKey::new(&signature::ED25519, x)
        .map_err(|_| KeyError::Unparseable("invalid Ed25519 public key"))?;
    Ok(Verifier::Ed25519(key))
}
