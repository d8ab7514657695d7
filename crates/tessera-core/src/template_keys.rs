//! Rotating a JWT template's custom signing key (`POST /v1/tessera/jwt_templates/{id}/rotate_key`):
//! the graceful counterpart of replacing it with `PATCH /jwt_templates/{id}`.
//!
//! - The new key (given, and checked exactly as `PATCH` checks `signing_key`, or generated for the
//!   algorithm) signs the template's next token, on this node at once and on every other node
//!   within the change feed's staleness bound (the write carries the template's event).
//! - An asymmetric key it replaces stays in the JWKS, as its public JWK only, until the longest token
//!   it signed has expired plus [`crate::CoreConfig::key_publish_delay_ms`] (the JWKS max-age plus the
//!   key reload interval, as for instance keys): that lifetime is recorded before such a token is
//!   signed (`mint.rs`), and `expires_in_seconds` can make it longer than the template's `lifetime`.
//!   A key that never signed leaves at once. Each rotation adds one replaced key; earlier ones stay
//!   until their own time (a list, not one slot), and `PATCH` with a new key withdraws them all.
//! - An HMAC key is never published: the new secret replaces the old one at once. A secret Tessera
//!   generated is answered once; a given one is never echoed.

use tessera_jwt::{Algorithm, SigningKey};
use tessera_types::{JwtTemplateKey, object};

use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::fields::{Body, Fields};
use crate::service::Tessera;
use crate::store::{RetiredTemplateKey, TemplateRecord};
use crate::templates::{SIGNING_ALGORITHM, SIGNING_KEY, parse_alg, parse_custom_key, template_key_aad};

/// `POST /v1/tessera/jwt_templates/{template_id}/rotate_key` (optional as a whole).
pub const ROTATE_TEMPLATE_KEY: Body =
    Body { schema: "RotateJwtTemplateKeyRequestBody", groups: &[&[SIGNING_KEY, SIGNING_ALGORITHM]] };

/// How many times a rotation is tried again when the template changed between its read and its write.
const ATTEMPTS: usize = 3;

/// A new key for `alg`, and for HMAC the secret to answer once. The secret is the base64url text of
/// 32, 48 or 64 random bytes (the hash's output length), and its UTF-8 bytes are the HMAC key, as for
/// a secret given as `signing_key`.
fn generate_key(alg: Algorithm) -> ApiResult<(SigningKey, Option<String>)> {
    if alg.is_hmac() {
        let bytes: [u8; 64] = tessera_jwt::random_bytes();
        let len = match alg {
            Algorithm::HS256 => 32,
            Algorithm::HS384 => 48,
            _ => 64,
        };
        let secret = tessera_jwt::b64url(&bytes[..len]);
        let key = SigningKey::from_hmac_secret(alg, secret.as_bytes())
            .map_err(|e| ApiError::internal_logged("making an HMAC key", e))?;
        return Ok((key, Some(secret)));
    }
    let key = SigningKey::generate(alg).map_err(|e| ApiError::internal_logged("generating a template key", e))?;
    Ok((key, None))
}

fn no_custom_key(id: &str) -> ApiError {
    ApiError::new(
        ErrorKind::BadRequest,
        "jwt_template_custom_signing_key_required",
        "template has no custom signing key",
        format!(
            "The JWT template {id} is signed by the instance key (custom_signing_key: false), which rotates with POST /v1/tessera/keys/rotate. Give the template a key of its own with PATCH /v1/jwt_templates/{id} first."
        ),
    )
    .with_param("custom_signing_key")
}

impl Tessera {
    /// `POST /v1/tessera/jwt_templates/{template_id}/rotate_key` (see the module docs).
    pub async fn rotate_template_key(&self, id: &str, mut f: Fields) -> ApiResult<JwtTemplateKey> {
        let given_key = f.opt_string(SIGNING_KEY.name)?;
        let given_alg = f.opt_string(SIGNING_ALGORITHM.name)?;
        f.finish()?;
        let mut existing = self.template_record(id).await?;
        if !existing.template.custom_signing_key {
            return Err(no_custom_key(id));
        }
        let alg = parse_alg(given_alg.as_deref().unwrap_or(&existing.template.signing_algorithm))?;
        let (key, shown_secret) = match &given_key {
            Some(k) => (parse_custom_key(alg, k)?, None),
            None => generate_key(alg)?,
        };
        let kid = key.thumbprint();
        for _ in 0..ATTEMPTS {
            let old_alg = parse_alg(&existing.template.signing_algorithm)?;
            let old = self.open_template_key(&existing, old_alg)?;
            if old_alg == alg && tessera_jwt::constant_time_eq(&old.to_storage_bytes(), &key.to_storage_bytes()) {
                return Err(ApiError::param_value(
                    "signing_key",
                    "signing_key is the template's current key: a rotation needs a new one.",
                ));
            }
            let now = self.now_ms();
            let mut template = existing.template.clone();
            template.signing_algorithm = alg.as_str().to_owned();
            template.updated_at = now.max(existing.template.updated_at + 1);
            let new = TemplateRecord {
                template,
                signing_key_sealed: Some(tessera_jwt::seal(
                    &self.master.0,
                    &key.to_storage_bytes(),
                    &template_key_aad(id),
                )),
                key_max_token_lifetime: None,
            };
            let previous_kid = old.thumbprint();
            // A key that never signed has no token to verify: it leaves the JWKS now.
            let retired = match (&previous_kid, existing.key_max_token_lifetime) {
                (Some(kid), Some(secs)) => old.public_jwk(Some(kid)).map(|public_jwk| RetiredTemplateKey {
                    template_id: id.to_owned(),
                    kid: kid.clone(),
                    alg: old_alg.as_str().to_owned(),
                    public_jwk,
                    retired_at: now,
                    unpublish_at: now + self.config.key_publish_delay_ms + secs.max(0) * 1000,
                }),
                _ => None,
            };
            if self.store.rotate_template_key(&existing, &new, retired.as_ref(), now).await? {
                self.forget_template(id);
                tracing::info!(template = %id, alg = alg.as_str(), kid = ?kid, previous_kid = ?previous_kid, "template key rotated");
                return Ok(JwtTemplateKey {
                    object: object::JWT_TEMPLATE_KEY.to_owned(),
                    template_id: id.to_owned(),
                    signing_algorithm: alg.as_str().to_owned(),
                    kid,
                    public_key: key.public_key_pem(),
                    signing_key: shown_secret,
                    previous_unpublish_at: previous_kid.as_ref().map(|_| retired.map_or(now, |r| r.unpublish_at)),
                    previous_kid,
                    created_at: now,
                });
            }
            // Changed in between (another write, or a mint recorded a longer lifetime): read it again.
            existing = self.template_record(id).await?;
            if !existing.template.custom_signing_key {
                return Err(no_custom_key(id));
            }
        }
        Err(ApiError::new(
            ErrorKind::Conflict,
            "conflict",
            "conflict",
            format!("The JWT template {id} kept changing while its key was rotated; try again."),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_suit_their_algorithm_and_only_hmac_secrets_are_shown() {
        for alg in Algorithm::ALL {
            let (key, secret) = generate_key(alg).unwrap();
            assert_eq!(key.algorithm(), alg);
            assert_eq!(secret.is_some(), alg.is_hmac(), "{}", alg.as_str());
            if let Some(s) = secret {
                let bytes = tessera_jwt::b64url_decode(&s).unwrap();
                assert_eq!(bytes.len(), key.signature_len(), "{}: as long as the hash output", alg.as_str());
                // The secret as text is the key, as a given `signing_key` is.
                let again = parse_custom_key(alg, &s).unwrap();
                assert_eq!(again.to_storage_bytes(), key.to_storage_bytes());
            } else {
                assert!(key.thumbprint().is_some() && key.public_key_pem().is_some());
            }
        }
    }
}
