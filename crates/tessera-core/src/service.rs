//! [`Tessera`]: the application. It owns the store, the clock, the instance's keys (parsed once) and
//! the caches that make minting cost little more than a signature. Every operation of the API is a
//! method on it (split across `users.rs`, `sessions.rs`, `orgs.rs`, `templates.rs`, `mint.rs`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use serde_json::{Value, json};
use tessera_jwt::SigningKey;
use tessera_types::{Jwk, Jwks};

use crate::clock::Clock;
use crate::error::{ApiError, ApiResult};
use crate::ids;
use crate::store::{InstanceRecord, SecretKeyRecord, SigningKeyRecord, Store, StoreError};

/// Settings the core needs; built by the server from its configuration.
#[derive(Debug, Clone)]
pub struct CoreConfig {
    /// `iss` of every token. `None` keeps the issuer recorded when the instance was created.
    pub issuer: Option<String>,
    /// Issuer recorded at first start when `issuer` is not set.
    pub default_issuer: String,
    /// Maximum session lifetime (`expire_at = created + this`), ms. Default 7 days.
    pub session_lifetime_ms: i64,
    /// `abandon_at = created + this`, ms. Default 30 days.
    pub session_abandon_ms: i64,
    /// 2 (default) or 1: which session-token claim set to emit.
    pub session_token_version: u8,
    /// Largest rendered token accepted, bytes (`jwt_token_too_large` beyond).
    pub max_token_bytes: usize,
    /// Largest template `claims` JSON accepted, bytes.
    pub max_claims_bytes: usize,
    /// Largest session token accepted, bytes (`session_token_too_large` beyond): session tokens
    /// travel in a cookie, which browsers cap at 4 KB. 0 leaves only `max_token_bytes`.
    pub max_session_token_bytes: usize,
    /// How long a new instance key is published before it signs, ms: at least the JWKS `max-age`
    /// plus the nodes' key reload interval. Default 6 minutes.
    pub key_publish_delay_ms: i64,
    /// Webhook URL policy and retry schedule.
    pub webhooks: crate::webhooks::WebhookSettings,
    /// Records of each kind (sessions, users, memberships) the mint cache holds; 0 turns it off
    /// (every mint reads the store). Default 20,000.
    pub mint_cache_entries: usize,
    /// The staleness bound, ms: cached records are served only while the change feed was read
    /// successfully less than this long ago (`mint_cache.rs`). Default 1 s.
    pub change_feed_bound_ms: i64,
}

impl Default for CoreConfig {
    fn default() -> Self {
        CoreConfig {
            issuer: None,
            default_issuer: "http://127.0.0.1:8080".to_owned(),
            session_lifetime_ms: 7 * 24 * 3600 * 1000,
            session_abandon_ms: 30 * 24 * 3600 * 1000,
            session_token_version: 2,
            max_token_bytes: 16 * 1024,
            max_claims_bytes: 16 * 1024,
            max_session_token_bytes: crate::session_claims::DEFAULT_MAX_SESSION_TOKEN_BYTES,
            key_publish_delay_ms: 6 * 60 * 1000,
            webhooks: crate::webhooks::WebhookSettings::default(),
            mint_cache_entries: 20_000,
            change_feed_bound_ms: 1_000,
        }
    }
}

/// The 32-byte AES-256-GCM key that seals private keys at rest. `Debug` never shows it.
#[derive(Clone)]
pub struct MasterKey(pub [u8; 32]);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

/// The application. Cheap to share behind an `Arc`.
pub struct Tessera {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) config: CoreConfig,
    pub(crate) master: MasterKey,
    pub(crate) instance: InstanceRecord,
    pub(crate) issuer: String,
    pub(crate) keyring: RwLock<crate::keyring::Keyring>,
    /// SHA-256 hex of secret keys found valid, with when (ms) they were last checked in the store.
    /// Entries older than [`SECRET_KEY_RECHECK_MS`] are checked again, so a key revoked on any node
    /// stops working everywhere within that time.
    known_secret_hashes: RwLock<Vec<(String, i64)>>,
    /// The same for keys as presented (see [`Tessera::authenticate_secret`]).
    known_secret_keys: RwLock<Vec<KnownKey>>,
    pub(crate) template_cache: RwLock<HashMap<String, Arc<crate::mint::CachedTemplate>>>,
    /// The public JWK of each custom asymmetric template key, with the sealed key it was derived
    /// from (the JWKS re-reads templates but decrypts a key only when its sealed form changed).
    pub(crate) template_jwk_cache: Mutex<HashMap<String, TemplateJwk>>,
    /// The compiled custom session claims, valid while the stored record is unchanged.
    pub(crate) session_claims_cache: Mutex<Option<Arc<crate::session_claims::CachedSessionClaims>>>,
    /// Where password hashing runs ([`crate::cpu`]); inline until [`Tessera::with_cpu_pool`].
    pub(crate) cpu: Arc<dyn crate::cpu::CpuPool>,
    /// What mints read, kept coherent by following the event log ([`crate::mint_cache`]).
    pub(crate) mint_cache: crate::mint_cache::MintCache,
}

/// A template's sealed key and the public JWK derived from it.
pub(crate) type TemplateJwk = (Option<String>, Option<Jwk>);

/// What `open` reports beside the app.
#[derive(Debug)]
pub struct Opened {
    pub app: Tessera,
    /// True when this start created the instance.
    pub created_instance: bool,
}

/// How long a node trusts its memory that a secret key is valid before asking the store again.
pub const SECRET_KEY_RECHECK_MS: i64 = 30_000;

/// A secret key as presented, found valid at `checked_at` (clock ms), with its SHA-256 digest (what
/// rate limits are keyed by). Its bytes are zeroed when it is dropped.
struct KnownKey {
    key: zeroize::Zeroizing<Vec<u8>>,
    digest: [u8; 32],
    checked_at: i64,
}

pub(crate) fn seal_aad(kid: &str) -> Vec<u8> {
    format!("tessera:signing-key:{kid}").into_bytes()
}

impl std::fmt::Debug for Tessera {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tessera").field("instance", &self.instance.id).field("issuer", &self.issuer).finish()
    }
}

impl Tessera {
    /// Opens the instance stored in `store`, creating it (id, issuer, RSA-2048 key) on first start.
    /// Fails with a clear message if the master key cannot open the stored keys.
    pub async fn open(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        config: CoreConfig,
        master: MasterKey,
    ) -> Result<Opened, String> {
        Self::open_with_key(store, clock, config, master, None).await
    }

    /// Like [`Tessera::open`]; `pinned_key` (RS256, from a PEM) becomes the instance key instead of a
    /// generated one when the instance is created, or is added as the active key if it is not stored yet.
    pub async fn open_with_key(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        config: CoreConfig,
        master: MasterKey,
        pinned_key: Option<SigningKey>,
    ) -> Result<Opened, String> {
        let now = clock.now_ms();
        let existing = store.get_instance().await.map_err(|e| format!("reading the instance: {e}"))?;
        let mut created_instance = false;
        let instance = match existing {
            Some(i) => i,
            None => {
                let id = ids::new_id(ids::INSTANCE, now);
                let key = match &pinned_key {
                    Some(_) => None,
                    None => {
                        Some(SigningKey::generate_rsa2048().map_err(|e| format!("generating the instance key: {e}"))?)
                    }
                };
                let key_ref = pinned_key.as_ref().or(key.as_ref()).ok_or("no key")?;
                let kid = match &pinned_key {
                    Some(k) => k.thumbprint().unwrap_or_else(|| id.clone()),
                    None => id.clone(),
                };
                let record = InstanceRecord {
                    id: id.clone(),
                    issuer: config.issuer.clone().unwrap_or_else(|| config.default_issuer.clone()),
                    created_at: now,
                    settings: json!({}),
                };
                let key_record = SigningKeyRecord {
                    kid: kid.clone(),
                    alg: key_ref.algorithm().as_str().to_owned(),
                    private_key_sealed: tessera_jwt::seal(&master.0, &key_ref.to_storage_bytes(), &seal_aad(&kid)),
                    active: true,
                    created_at: now,
                    sign_after: None,
                    retired_at: None,
                    max_token_lifetime: None,
                };
                let stored = store
                    .create_instance(&record, &key_record)
                    .await
                    .map_err(|e| format!("creating the instance: {e}"))?;
                created_instance = stored.id == record.id;
                stored
            }
        };
        crate::roles::bootstrap(&*store, now).await.map_err(|e| format!("creating the default roles: {e}"))?;
        let mut records = store.list_signing_keys().await.map_err(|e| format!("reading signing keys: {e}"))?;
        if let Some(pinned) = &pinned_key {
            let kid = pinned.thumbprint().ok_or("the pinned signing key must be asymmetric")?;
            if !records.iter().any(|r| r.kid == kid) {
                for r in records.iter().filter(|r| r.active) {
                    store.retire_signing_key(&r.kid, now).await.map_err(|e| e.to_string())?;
                }
                store
                    .insert_signing_key(&SigningKeyRecord {
                        kid: kid.clone(),
                        alg: pinned.algorithm().as_str().to_owned(),
                        private_key_sealed: tessera_jwt::seal(&master.0, &pinned.to_storage_bytes(), &seal_aad(&kid)),
                        active: true,
                        created_at: now,
                        sign_after: None,
                        retired_at: None,
                        max_token_lifetime: None,
                    })
                    .await
                    .map_err(|e| format!("storing the pinned key: {e}"))?;
                records = store.list_signing_keys().await.map_err(|e| e.to_string())?;
            }
        }
        let keyring = crate::keyring::load_keyring(&records, &master, now, config.key_publish_delay_ms, None)?;
        // The cache starts empty, following the log from its end; nothing is served from it until
        // the change feed has been read once (`follow_changes`).
        let mint_cache = crate::mint_cache::MintCache::new(config.mint_cache_entries);
        mint_cache.start_at(store.last_event_seq().await.map_err(|e| format!("reading the event log: {e}"))?);
        let issuer = config.issuer.clone().unwrap_or_else(|| instance.issuer.clone());
        Ok(Opened {
            app: Tessera {
                store,
                clock,
                config,
                master,
                instance,
                issuer,
                keyring: RwLock::new(keyring),
                known_secret_hashes: RwLock::new(Vec::new()),
                known_secret_keys: RwLock::new(Vec::new()),
                template_cache: RwLock::new(HashMap::new()),
                template_jwk_cache: Mutex::new(HashMap::new()),
                session_claims_cache: Mutex::new(None),
                cpu: Arc::new(crate::cpu::Inline),
                mint_cache,
            },
            created_instance,
        })
    }

    pub fn instance_id(&self) -> &str {
        &self.instance.id
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub fn config(&self) -> &CoreConfig {
        &self.config
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Reads the event log past the mint cache's cursor and applies it (removing what changed);
    /// returns how many events were applied. On success the cache may serve records until the
    /// staleness bound after this call started; on failure it stops serving them (mints read the
    /// store) until a later call succeeds. Called by the server's change-feed follower on a timer and
    /// when the database says the log grew, and after every write request, so that the node that
    /// wrote sees its change at once.
    pub async fn follow_changes(&self) -> ApiResult<u64> {
        const BATCH: u32 = 1_000;
        let cache = &self.mint_cache;
        let started = self.now_ms();
        let mut applied = 0;
        loop {
            let cursor = cache.cursor();
            let batch = match self.store.events_after(cursor, BATCH).await {
                Ok(b) => b,
                Err(e) => {
                    cache.set_fresh_until(0);
                    return Err(e.into());
                }
            };
            if batch.first().is_some_and(|e| e.seq != cursor + 1) {
                // Events this node never read were pruned: what it holds may be stale.
                tracing::warn!(cursor, next = batch[0].seq, "event log gap: the mint cache starts over");
                cache.clear();
            }
            cache.apply(&batch);
            applied += batch.len() as u64;
            if batch.len() < BATCH as usize {
                break;
            }
        }
        cache.set_fresh_until(started + self.config.change_feed_bound_ms);
        Ok(applied)
    }

    /// Whether mints are kept in memory (`CoreConfig::mint_cache_entries` > 0).
    pub fn mint_cache_enabled(&self) -> bool {
        self.mint_cache.enabled()
    }

    /// The mint cache's counters (for metrics).
    pub fn mint_cache_stats(&self) -> crate::mint_cache::MintCacheStats {
        self.mint_cache.stats()
    }

    /// The `seq` of the last event the mint cache applied.
    pub fn change_feed_cursor(&self) -> i64 {
        self.mint_cache.cursor()
    }

    /// Whether the change feed is fresh at this moment (cached records may be served).
    pub fn change_feed_fresh(&self) -> bool {
        self.now_ms() < self.mint_cache.fresh_until()
    }

    /// The public keys: every published instance key (staged, signing, or ended less than its
    /// longest token's lifetime plus the publish delay ago; `keyring.rs`) and every asymmetric custom template
    /// key. HMAC keys are never published.
    pub async fn jwks(&self) -> ApiResult<Jwks> {
        Ok(self.published_keys().await?.0)
    }

    /// Every algorithm a published key signs with (instance keys and asymmetric custom template
    /// keys), sorted: `id_token_signing_alg_values_supported` of the OpenID configuration.
    pub async fn algorithms_in_use(&self) -> ApiResult<Vec<String>> {
        Ok(self.published_keys().await?.1)
    }

    async fn published_keys(&self) -> ApiResult<(Jwks, Vec<String>)> {
        let mut keys = Vec::new();
        let mut algs = std::collections::BTreeSet::new();
        {
            let ring = self.keyring.read().map_err(|e| ApiError::internal_logged("keyring lock", e))?;
            for k in ring.published() {
                if let Some(jwk) = &k.jwk {
                    algs.insert(k.key.algorithm().as_str().to_owned());
                    keys.push(jwk.clone());
                }
            }
        }
        for (alg, jwk) in self.template_jwks().await? {
            algs.insert(alg.as_str().to_owned());
            keys.push(jwk);
        }
        Ok((Jwks { keys: merge_same_kid(keys) }, algs.into_iter().collect()))
    }

    /// The instance's current public key as SPKI PEM (what Clerk calls the JWKS Public Key /
    /// `CLERK_JWT_KEY`).
    pub fn public_key_pem(&self) -> ApiResult<String> {
        let ring = self.keyring.read().map_err(|e| ApiError::internal_logged("keyring lock", e))?;
        ring.signer().and_then(|k| k.key.public_key_pem()).ok_or_else(ApiError::internal)
    }

    // ---- secret keys ------------------------------------------------------------------------------

    /// Makes sure a secret key exists. With `pinned`, that key is registered (idempotent) and `None`
    /// returned. Without, a new `sk_test_…` key is created and returned (to be printed once) if the
    /// instance has none.
    pub async fn ensure_secret_key(&self, pinned: Option<&str>) -> ApiResult<Option<String>> {
        let now = self.now_ms();
        if let Some(key) = pinned {
            let hash = tessera_jwt::sha256_hex(key.as_bytes());
            if self.store.find_secret_key(&hash).await?.is_none() {
                self.insert_secret(&hash, now).await?;
            }
            return Ok(None);
        }
        if self.store.count_secret_keys().await? > 0 {
            return Ok(None);
        }
        let key = format!("sk_test_{}", tessera_jwt::random_hex(24));
        self.insert_secret(&tessera_jwt::sha256_hex(key.as_bytes()), now).await?;
        Ok(Some(key))
    }

    /// Creates an additional secret key and returns it (shown once).
    pub async fn create_secret_key(&self) -> ApiResult<String> {
        let key = format!("sk_test_{}", tessera_jwt::random_hex(24));
        self.insert_secret(&tessera_jwt::sha256_hex(key.as_bytes()), self.now_ms()).await?;
        Ok(key)
    }

    async fn insert_secret(&self, hash: &str, now: i64) -> ApiResult<()> {
        let rec = SecretKeyRecord { id: ids::new_id(ids::SECRET_KEY, now), key_hash: hash.to_owned(), created_at: now };
        match self.store.insert_secret_key(&rec).await {
            Ok(()) | Err(StoreError::Conflict(_)) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// True if `key` is a valid secret key. Hashes are compared in constant time; keys created by
    /// other nodes are found in the store and remembered.
    pub async fn authenticate(&self, key: &str) -> ApiResult<bool> {
        Ok(self.authenticate_secret(key).await?.is_some())
    }

    /// The SHA-256 digest of `key` if it is a valid secret key, else None. A key this node checked
    /// less than [`SECRET_KEY_RECHECK_MS`] ago is recognised by comparing it in constant time with
    /// the keys it remembers (no hashing: this runs on every request); any other is hashed and
    /// checked as [`Tessera::authenticate_hash`] does. Remembered keys are wiped from memory when
    /// they are dropped.
    pub async fn authenticate_secret(&self, key: &str) -> ApiResult<Option<[u8; 32]>> {
        fn lock_err<T>(e: std::sync::PoisonError<T>) -> ApiError {
            ApiError::internal_logged("secret-key cache lock", e)
        }
        let now = self.now_ms();
        {
            let known = self.known_secret_keys.read().map_err(lock_err)?;
            let mut found = None;
            for k in known.iter() {
                let hit = tessera_jwt::constant_time_eq(&k.key, key.as_bytes())
                    & (now - k.checked_at < SECRET_KEY_RECHECK_MS);
                if hit {
                    found = Some(k.digest);
                }
            }
            if found.is_some() {
                return Ok(found);
            }
        }
        let digest = tessera_jwt::sha256(key.as_bytes());
        let checked_at = self.check_hash(&tessera_jwt::hex_lower(&digest)).await?;
        let mut known = self.known_secret_keys.write().map_err(lock_err)?;
        known.retain(|k| {
            now - k.checked_at < SECRET_KEY_RECHECK_MS && !tessera_jwt::constant_time_eq(&k.key, key.as_bytes())
        });
        Ok(checked_at.map(|checked_at| {
            known.push(KnownKey { key: zeroize::Zeroizing::new(key.as_bytes().to_vec()), digest, checked_at });
            digest
        }))
    }

    /// [`Tessera::authenticate`] for a key already hashed (lowercase hex SHA-256), so callers that
    /// also key other state by the hash compute it once.
    pub async fn authenticate_hash(&self, hash: &str) -> ApiResult<bool> {
        Ok(self.check_hash(hash).await?.is_some())
    }

    /// When the secret key hashed `hash` was last found valid in the store (clock ms), if it is.
    async fn check_hash(&self, hash: &str) -> ApiResult<Option<i64>> {
        {
            let known =
                self.known_secret_hashes.read().map_err(|e| ApiError::internal_logged("secret-key cache lock", e))?;
            let now = self.now_ms();
            let mut hit = None;
            for (h, checked_at) in known.iter() {
                let fresh = now - *checked_at < SECRET_KEY_RECHECK_MS;
                if tessera_jwt::constant_time_eq(h.as_bytes(), hash.as_bytes()) & fresh {
                    hit = Some(*checked_at);
                }
            }
            if hit.is_some() {
                return Ok(hit);
            }
        }
        let found = self.store.find_secret_key(hash).await?;
        let mut known =
            self.known_secret_hashes.write().map_err(|e| ApiError::internal_logged("secret-key cache lock", e))?;
        known.retain(|(h, _)| h != hash);
        match found {
            Some(rec) if tessera_jwt::constant_time_eq(rec.key_hash.as_bytes(), hash.as_bytes()) => {
                let now = self.now_ms();
                known.push((hash.to_owned(), now));
                Ok(Some(now))
            }
            _ => Ok(None),
        }
    }

    /// The secret keys (ids and creation times; the hashes stay inside).
    pub async fn secret_keys(&self) -> ApiResult<Vec<SecretKeyRecord>> {
        Ok(self.store.list_secret_keys().await?)
    }

    /// Deletes a secret key. Every node stops accepting it within [`SECRET_KEY_RECHECK_MS`].
    /// Refused for the last key (the instance would be unreachable).
    pub async fn revoke_secret_key(&self, id: &str) -> ApiResult<()> {
        let keys = self.store.list_secret_keys().await?;
        if !keys.iter().any(|k| k.id == id) {
            return Err(ApiError::not_found("not found", format!("No secret key exists with id: {id}")));
        }
        if keys.len() == 1 {
            return Err(ApiError::new(
                crate::error::ErrorKind::BadRequest,
                "last_secret_key",
                "Cannot revoke the last secret key",
                "Create another secret key first: the instance would be unreachable.",
            ));
        }
        self.store.delete_secret_key(id).await?;
        Ok(())
    }

    /// Re-seals every private key (instance keys and custom template keys) under `new`, in one
    /// transaction. Nodes still running with the old master key must be restarted with the new one.
    /// Returns how many instance and template keys were re-sealed.
    pub async fn rotate_master_key(&self, new: &MasterKey) -> ApiResult<(usize, usize)> {
        let open_err = |what: String| {
            ApiError::new(
                crate::error::ErrorKind::Internal,
                "internal_clerk_error",
                "key cannot be decrypted",
                format!("{what} cannot be decrypted with the current master key; nothing was changed"),
            )
        };
        let mut signing = Vec::new();
        for r in self.store.list_signing_keys().await? {
            let plain = tessera_jwt::open(&self.master.0, &r.private_key_sealed, &seal_aad(&r.kid))
                .map_err(|_| open_err(format!("signing key {}", r.kid)))?;
            signing.push((r.kid.clone(), tessera_jwt::seal(&new.0, &plain, &seal_aad(&r.kid))));
        }
        let mut templates = Vec::new();
        let mut offset = 0;
        loop {
            let (rows, total) = self.store.list_templates(crate::store::Page { limit: 500, offset }).await?;
            for r in &rows {
                if let Some(sealed) = &r.signing_key_sealed {
                    let aad = crate::templates::template_key_aad(&r.template.id);
                    let plain = tessera_jwt::open(&self.master.0, sealed, &aad)
                        .map_err(|_| open_err(format!("the key of template {}", r.template.id)))?;
                    templates.push((r.template.id.clone(), tessera_jwt::seal(&new.0, &plain, &aad)));
                }
            }
            offset += rows.len() as i64;
            if rows.is_empty() || offset >= total {
                break;
            }
        }
        // The sealed secrets of machines and API keys (Clerk's reveal routes), opened before anything
        // is written, resealed after the keys.
        let (machines, api_keys) = self.store.sealed_machine_secrets().await?;
        let machines = crate::machines::reseal(&self.master, new, &machines, crate::machines::seal_aad)
            .map_err(|id| open_err(format!("the secret key of machine {id}")))?;
        let api_keys = crate::machines::reseal(&self.master, new, &api_keys, crate::api_keys::seal_aad)
            .map_err(|id| open_err(format!("the secret of API key {id}")))?;
        let webhooks = crate::webhooks::reseal_secrets(self, new).await?;
        self.store.reseal_keys(&signing, &templates).await?;
        // Its own transaction, right after the keys' (docs/webhooks.md).
        self.store.reseal_webhook_secrets(&webhooks).await?;
        self.store.reseal_machine_secrets(&machines, &api_keys).await?;
        Ok((signing.len(), templates.len()))
    }

    /// The instance settings object (JSON).
    pub fn settings(&self) -> &Value {
        &self.instance.settings
    }
}

/// One JWK per `kid`. One key can sign with several algorithms (an RSA key pinned as the instance
/// key and also used by a PS256 template, or two templates sharing a key) and its `kid`, the RFC 7638
/// thumbprint, is the same each time: it is published once, and without `alg` when the algorithms
/// differ, so that a verifier picking the key by `kid` accepts every algorithm it signs with.
fn merge_same_kid(keys: Vec<Jwk>) -> Vec<Jwk> {
    let mut out: Vec<Jwk> = Vec::with_capacity(keys.len());
    for jwk in keys {
        match out.iter_mut().find(|j| j.kid == jwk.kid) {
            Some(seen) if seen.alg != jwk.alg => seen.alg = None,
            Some(_) => {}
            None => out.push(jwk),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwk(kid: &str, alg: &str) -> Jwk {
        Jwk {
            kty: "RSA".to_owned(),
            kid: Some(kid.to_owned()),
            alg: Some(alg.to_owned()),
            n: Some("n".to_owned()),
            e: Some("AQAB".to_owned()),
            ..Jwk::default()
        }
    }

    /// Found by the request_bodies fuzz target: the pinned RSA instance key (kid = thumbprint,
    /// alg RS256) also used by a PS256 template was published twice under one kid, and verifiers
    /// that pick the first JWK with the token's kid rejected the template's tokens.
    #[test]
    fn a_key_used_with_several_algorithms_is_published_once_without_alg() {
        let keys = merge_same_kid(vec![
            jwk("thumb", "RS256"),
            jwk("ins_1", "RS256"),
            jwk("thumb", "PS256"),
            jwk("thumb", "RS512"),
            jwk("ins_1", "RS256"),
        ]);
        assert_eq!(keys.len(), 2);
        assert_eq!((keys[0].kid.as_deref(), keys[0].alg.as_deref()), (Some("thumb"), None));
        assert_eq!((keys[1].kid.as_deref(), keys[1].alg.as_deref()), (Some("ins_1"), Some("RS256")));
        let keys = merge_same_kid(vec![jwk("a", "ES256"), jwk("b", "ES256")]);
        assert!(keys.iter().all(|k| k.alg.as_deref() == Some("ES256")));
    }
}
