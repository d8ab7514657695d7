//! The JWT template records and their sub-trait of [`Store`](super::Store), with the public keys a
//! template's custom key rotation keeps published (`template_keys.rs`).
//!
//! A custom asymmetric key records the longest lifetime of a token it signed
//! ([`TemplateRecord::key_max_token_lifetime`]) before such a token is signed, as instance keys do;
//! when the key is rotated, only its public JWK is kept, until that lifetime plus the publish delay
//! has passed ([`RetiredTemplateKey`]). The private key of a rotated key is never kept.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tessera_types::{Jwk, JwtTemplate};

use super::{Page, StoreResult};

/// A JWT template plus its write-only custom signing key (sealed).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateRecord {
    pub template: JwtTemplate,
    /// Sealed signing key material (`tessera_jwt::seal` output), when `custom_signing_key` is true.
    pub signing_key_sealed: Option<String>,
    /// The longest lifetime (seconds) of a token the current custom key signed, recorded before such
    /// a token is signed ([`TemplateStore::note_template_key_lifetime`]); `None`: it never signed one.
    /// The store keeps it across writes that keep the key and clears it when the key changes.
    #[serde(default)]
    pub key_max_token_lifetime: Option<i64>,
}

impl std::fmt::Debug for TemplateRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TemplateRecord")
            .field("template", &self.template)
            .field("signing_key_sealed", &self.signing_key_sealed.as_ref().map(|_| "<redacted>"))
            .field("key_max_token_lifetime", &self.key_max_token_lifetime)
            .finish()
    }
}

/// The public half of a custom template key that a rotation replaced: in the JWKS until
/// `unpublish_at`, so that the tokens it signed keep verifying. No private key material.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetiredTemplateKey {
    pub template_id: String,
    /// RFC 7638 thumbprint (the `kid` its tokens carry).
    pub kid: String,
    /// The algorithm it signed with.
    pub alg: String,
    /// Its public JWK as published (`kid` and `alg` set).
    pub public_jwk: Jwk,
    /// When it stopped signing, epoch ms.
    pub retired_at: i64,
    /// When it leaves the JWKS, epoch ms.
    pub unpublish_at: i64,
}

/// JWT templates.
#[async_trait]
pub trait TemplateStore: Send + Sync {
    /// `Conflict("name")` on a duplicate name. Stores every field of `t` as given.
    async fn insert_template(&self, t: &TemplateRecord) -> StoreResult<()>;
    /// Replaces the template (`Conflict("name")` on a duplicate name); false if it does not exist.
    /// `t.key_max_token_lifetime` is not written: the stored one is kept when the sealed key is
    /// unchanged and cleared when it changes, in which case the template's retired keys are dropped
    /// from the JWKS too (replacing a key over `PATCH` withdraws every older key at once).
    async fn update_template(&self, t: &TemplateRecord) -> StoreResult<bool>;
    async fn get_template(&self, id: &str) -> StoreResult<Option<TemplateRecord>>;
    async fn get_template_by_name(&self, name: &str) -> StoreResult<Option<TemplateRecord>>;
    /// Deletes the template and its retired keys.
    async fn delete_template(&self, id: &str) -> StoreResult<bool>;
    /// Newest first; page and total.
    async fn list_templates(&self, page: Page) -> StoreResult<(Vec<TemplateRecord>, i64)>;
    /// Raises the recorded `key_max_token_lifetime` of template `id` to `seconds` if it is lower
    /// (never lowers it), provided the template's key is still `sealed`. False when the template is
    /// gone or holds another key (rotated or replaced): that key must not sign.
    async fn note_template_key_lifetime(&self, id: &str, sealed: &str, seconds: i64) -> StoreResult<bool>;
    /// Replaces the stored template by `new` (its key cleared of any recorded lifetime) only if it is
    /// still the version `expected` (same `updated_at`, sealed key and recorded lifetime), and in the
    /// same transaction drops the template's retired keys past `now`, keeps `retired` (one row per
    /// template and `kid`: the later `unpublish_at` wins) and appends the template's event. False,
    /// with nothing written, when the template changed in between or is gone.
    async fn rotate_template_key(
        &self,
        expected: &TemplateRecord,
        new: &TemplateRecord,
        retired: Option<&RetiredTemplateKey>,
        now: i64,
    ) -> StoreResult<bool>;
    /// Retired template keys still published at `now` (`unpublish_at > now`), newest first.
    async fn published_retired_template_keys(&self, now: i64) -> StoreResult<Vec<RetiredTemplateKey>>;
}
