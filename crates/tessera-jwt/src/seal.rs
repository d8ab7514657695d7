//! AES-256-GCM sealing of key material at rest.
//!
//! Format: standard base64 without padding of `version (1 byte) || nonce (12 bytes) ||
//! ciphertext || tag (16 bytes)`. The nonce is random per seal; `aad` binds a ciphertext to its
//! purpose (for example the key id), so a ciphertext moved to another row fails to open.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;

use crate::util::random_bytes;

const VERSION: u8 = 1;
const TAG_LEN: usize = 16;

/// Why a sealed value could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// Not base64, too short, or an unknown format version.
    #[error("the sealed value is malformed")]
    Malformed,
    /// Authentication failed: wrong master key, edited ciphertext, or different `aad`.
    #[error("the sealed value failed authentication")]
    Tampered,
}

fn cipher(master_key: &[u8; 32]) -> LessSafeKey {
    LessSafeKey::new(
        UnboundKey::new(&AES_256_GCM, master_key).expect("a 32-byte key is always a valid AES-256-GCM key"),
    )
}

/// Encrypts and authenticates `plaintext` under `master_key`, bound to `aad`.
///
/// Plaintexts are key material (a few kilobytes); AES-GCM's limit is 64 GiB per message.
pub fn seal(master_key: &[u8; 32], plaintext: &[u8], aad: &[u8]) -> String {
    let nonce: [u8; NONCE_LEN] = random_bytes();
    let mut out = Vec::with_capacity(1 + NONCE_LEN + plaintext.len() + TAG_LEN);
    out.push(VERSION);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(plaintext);
    let tag = cipher(master_key)
        .seal_in_place_separate_tag(Nonce::assume_unique_for_key(nonce), Aad::from(aad), &mut out[1 + NONCE_LEN..])
        .expect("AES-256-GCM sealing only fails above 64 GiB");
    out.extend_from_slice(tag.as_ref());
    STANDARD_NO_PAD.encode(out)
}

/// Decrypts a value made by [`seal`] with the same `master_key` and `aad`.
pub fn open(master_key: &[u8; 32], sealed: &str, aad: &[u8]) -> Result<Vec<u8>, SealError> {
    let bytes = STANDARD_NO_PAD.decode(sealed).map_err(|_| SealError::Malformed)?;
    let Some((&VERSION, rest)) = bytes.split_first() else {
        return Err(SealError::Malformed);
    };
    if rest.len() < NONCE_LEN + TAG_LEN {
        return Err(SealError::Malformed);
    }
    let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SealError::Malformed)?;
    let mut in_out = ciphertext.to_vec();
    let plaintext =
        cipher(master_key).open_in_place(nonce, Aad::from(aad), &mut in_out).map_err(|_| SealError::Tampered)?;
    Ok(plaintext.to_vec())
}
