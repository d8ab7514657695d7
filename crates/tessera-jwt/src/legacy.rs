//! The hash primitives that imported password digests are verified with (PBKDF2-HMAC and plain SHA
//! digests), over aws-lc-rs like the rest of this crate. New passwords are never hashed with these:
//! Tessera hashes with Argon2id (in `tessera-core`); these only check digests made elsewhere.

use std::num::NonZeroU32;

use aws_lc_rs::{digest, pbkdf2};

/// The SHA functions imported digests use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sha {
    /// SHA-1, for legacy digests only (`pbkdf2_sha1`, `ldap_ssha`).
    Sha1,
    Sha256,
    Sha512,
}

impl Sha {
    /// Output length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            Sha::Sha1 => 20,
            Sha::Sha256 => 32,
            Sha::Sha512 => 64,
        }
    }

    fn digest(self) -> &'static digest::Algorithm {
        match self {
            Sha::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
            Sha::Sha256 => &digest::SHA256,
            Sha::Sha512 => &digest::SHA512,
        }
    }

    fn pbkdf2(self) -> pbkdf2::Algorithm {
        match self {
            Sha::Sha1 => pbkdf2::PBKDF2_HMAC_SHA1,
            Sha::Sha256 => pbkdf2::PBKDF2_HMAC_SHA256,
            Sha::Sha512 => pbkdf2::PBKDF2_HMAC_SHA512,
        }
    }
}

/// The digest of the concatenation of `parts`.
pub fn sha_digest(alg: Sha, parts: &[&[u8]]) -> Vec<u8> {
    let mut ctx = digest::Context::new(alg.digest());
    for p in parts {
        ctx.update(p);
    }
    ctx.finish().as_ref().to_vec()
}

/// True when PBKDF2-HMAC-`alg` of `password` with `salt` and `iterations` is `expected` (compared in
/// constant time; the derived length is `expected`'s). False for zero iterations, an empty
/// `expected`, or one longer than 1,024 bytes.
pub fn pbkdf2_verify(alg: Sha, iterations: u32, salt: &[u8], password: &[u8], expected: &[u8]) -> bool {
    let Some(iterations) = NonZeroU32::new(iterations) else {
        return false;
    };
    if expected.is_empty() || expected.len() > 1024 {
        return false;
    }
    pbkdf2::verify(alg.pbkdf2(), iterations, salt, password, expected).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_of_concatenated_parts() {
        assert_eq!(hex::encode(sha_digest(Sha::Sha1, &[b"a", b"bc"])), "a9993e364706816aba3e25717850c26c9cd0d89d");
        assert_eq!(
            hex::encode(sha_digest(Sha::Sha256, &[b"abc"])),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(sha_digest(Sha::Sha512, &[]).len(), Sha::Sha512.output_len());
    }

    /// RFC 6070 (PBKDF2-HMAC-SHA1) and RFC 7914 §11 (PBKDF2-HMAC-SHA256) test vectors.
    #[test]
    fn pbkdf2_test_vectors() {
        let sha1 = hex::decode("4b007901b765489abead49d926f721d065a429c1").unwrap();
        assert!(pbkdf2_verify(Sha::Sha1, 4096, b"salt", b"password", &sha1));
        assert!(!pbkdf2_verify(Sha::Sha1, 4095, b"salt", b"password", &sha1));
        assert!(!pbkdf2_verify(Sha::Sha1, 4096, b"salt", b"passwore", &sha1));
        let sha256 = hex::decode(
            "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc\
             49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783",
        )
        .unwrap();
        assert!(pbkdf2_verify(Sha::Sha256, 1, b"salt", b"passwd", &sha256));
        assert!(!pbkdf2_verify(Sha::Sha256, 0, b"salt", b"passwd", &sha256));
        assert!(!pbkdf2_verify(Sha::Sha256, 1, b"salt", b"passwd", &[]));
    }
}
