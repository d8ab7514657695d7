//! JOSE for Tessera over aws-lc-rs only: key generation and import, compact JWS sign and verify,
//! JWK/JWKS, RFC 7638 thumbprints, AES-256-GCM sealing of key material, hashing helpers, and the
//! PBKDF2/SHA primitives imported password digests are checked with ([`pbkdf2_verify`], [`sha_digest`]).
//!
//! Pure: never reads the clock, no IO. Keys are parsed once and held in memory: a [`SigningKey`]
//! or [`VerifyingKey`] is built once (from PEM, PKCS#8, a JWK or a secret) and then signs or
//! verifies any number of tokens without re-parsing anything.
//!
//! What this crate deliberately does not do:
//! - time checks (`exp`, `nbf`, `iat`): [`verify`] checks structure, algorithm and signature only;
//!   callers compare claims with their own clock;
//! - key selection by `kid`: callers hold a map of keys and pick one before calling [`verify`];
//! - storage: [`SigningKey::to_storage_bytes`] and [`seal`] produce bytes and text, the caller
//!   stores them.
//!
//! Errors never contain key material: [`KeyError`] messages are safe to show a user.

mod algorithm;
mod der;
mod jws;
mod keys;
mod legacy;
mod pem;
mod seal;
mod util;
mod webhook;

pub use algorithm::Algorithm;
pub use jws::{
    Decoded, JwtError, SignError, compact_len, decode_unverified, encode, encode_header, encode_with_header, verify,
};
pub use keys::{KeyError, SigningKey, VerifyingKey, jwk_thumbprint};
pub use legacy::{Sha, pbkdf2_verify, sha_digest};
pub use seal::{SealError, open, seal};
pub use util::{b64url, b64url_decode, constant_time_eq, hex_lower, random_bytes, random_hex, sha256, sha256_hex};
pub use webhook::{WEBHOOK_SECRET_PREFIX, new_webhook_secret, webhook_secret_key, webhook_signature};
