//! Key selection: static key sets, and the JWKS-URL cache (TTL, refetch on unknown `kid` at most
//! once per interval, stale keys kept while a refresh fails).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header;
use tessera_jwt::VerifyingKey;
use tessera_types::{ClerkErrors, Jwks};
use tokio::sync::RwLock;

use super::VerifyError;

/// Parsed keys, by `kid`, plus those without one.
#[derive(Debug, Default)]
pub(crate) struct KeySet {
    by_kid: HashMap<String, Arc<VerifyingKey>>,
    unnamed: Vec<Arc<VerifyingKey>>,
}

impl KeySet {
    pub(crate) fn single(key: VerifyingKey) -> KeySet {
        KeySet { by_kid: HashMap::new(), unnamed: vec![Arc::new(key)] }
    }

    /// Parses every usable key of `jwks`. Keys that cannot be used for signatures (`use: enc`,
    /// unknown `kty`, symmetric) are skipped; a set with no usable key is an error.
    pub(crate) fn from_jwks(jwks: &Jwks) -> Result<KeySet, String> {
        if jwks.keys.is_empty() {
            return Err("the JWKS has no keys".to_owned());
        }
        let mut set = KeySet::default();
        let mut first_error = None;
        for jwk in &jwks.keys {
            match VerifyingKey::from_jwk(jwk) {
                Ok(key) => {
                    let key = Arc::new(key);
                    match &jwk.kid {
                        Some(kid) => {
                            set.by_kid.insert(kid.clone(), key);
                        }
                        None => set.unnamed.push(key),
                    }
                }
                Err(e) => {
                    first_error.get_or_insert_with(|| e.to_string());
                }
            }
        }
        if set.is_empty() {
            return Err(format!(
                "none of the {} keys of the JWKS is usable ({})",
                jwks.keys.len(),
                first_error.unwrap_or_default()
            ));
        }
        Ok(set)
    }

    fn is_empty(&self) -> bool {
        self.by_kid.is_empty() && self.unnamed.is_empty()
    }

    /// The keys to try for a token: the one named by `kid`, else the keys without a `kid`; every
    /// key when the token names none. `None` when the token's `kid` matches nothing.
    pub(crate) fn candidates(&self, kid: Option<&str>) -> Option<Vec<Arc<VerifyingKey>>> {
        match kid {
            Some(kid) => match self.by_kid.get(kid) {
                Some(k) => Some(vec![k.clone()]),
                None if !self.unnamed.is_empty() => Some(self.unnamed.clone()),
                None => None,
            },
            None => Some(self.unnamed.iter().chain(self.by_kid.values()).cloned().collect()),
        }
    }
}

/// Keys fetched from a JWKS URL.
pub(crate) struct Remote {
    pub(crate) url: String,
    pub(crate) secret_key: Option<String>,
    pub(crate) http: reqwest::Client,
    pub(crate) ttl: Duration,
    pub(crate) min_refetch_interval: Duration,
    pub(crate) cache: RwLock<Cache>,
}

#[derive(Default)]
pub(crate) struct Cache {
    set: Option<Arc<KeySet>>,
    /// When `set` was fetched (cache-clock seconds).
    fetched_at: i64,
    /// When the last fetch, successful or not, was made.
    last_attempt: Option<i64>,
    /// Why the last fetch failed, while it is the latest attempt.
    last_error: Option<String>,
    /// Completed fetches (for tests and metrics).
    fetches: u64,
}

impl Remote {
    fn secs(d: Duration) -> i64 {
        i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
    }

    fn is_fresh(&self, cache: &Cache, now: i64) -> bool {
        cache.set.is_some() && now < cache.fetched_at.saturating_add(Self::secs(self.ttl))
    }

    fn may_fetch(&self, cache: &Cache, now: i64) -> bool {
        cache.last_attempt.is_none_or(|t| now >= t.saturating_add(Self::secs(self.min_refetch_interval)) || now < t)
    }

    /// How many fetches were made so far.
    pub(crate) async fn fetch_count(&self) -> u64 {
        self.cache.read().await.fetches
    }

    /// Drops the cached keys so the next verification fetches.
    pub(crate) async fn clear(&self) {
        let mut cache = self.cache.write().await;
        cache.set = None;
        cache.last_attempt = None;
        cache.last_error = None;
    }

    /// The keys to try for a token with `kid`, fetching when the cache is empty or stale, or when
    /// `kid` is unknown and the last fetch is at least `min_refetch_interval` old.
    pub(crate) async fn candidates(&self, kid: Option<&str>, now: i64) -> Result<Vec<Arc<VerifyingKey>>, VerifyError> {
        {
            let cache = self.cache.read().await;
            if self.is_fresh(&cache, now)
                && let Some(set) = &cache.set
                && let Some(keys) = set.candidates(kid)
            {
                return Ok(keys);
            }
        }
        let mut cache = self.cache.write().await;
        // Another task may have fetched while we waited for the lock.
        let fresh = self.is_fresh(&cache, now);
        if fresh
            && let Some(set) = &cache.set
            && let Some(keys) = set.candidates(kid)
        {
            return Ok(keys);
        }
        if self.may_fetch(&cache, now) {
            cache.last_attempt = Some(now);
            match self.fetch().await {
                Ok(set) => {
                    cache.set = Some(Arc::new(set));
                    cache.fetched_at = now;
                    cache.last_error = None;
                    cache.fetches += 1;
                }
                Err(e) => cache.last_error = Some(e),
            }
        }
        // Stale keys keep serving while refreshes fail; a key they do not have is an error.
        if let Some(set) = &cache.set
            && let Some(keys) = set.candidates(kid)
        {
            return Ok(keys);
        }
        match &cache.last_error {
            Some(e) => Err(VerifyError::KeyFetch(e.clone())),
            None => Err(VerifyError::UnknownKid(kid.unwrap_or_default().to_owned())),
        }
    }

    async fn fetch(&self) -> Result<KeySet, String> {
        let mut req = self.http.get(&self.url).header(header::ACCEPT, "application/json");
        if let Some(sk) = &self.secret_key {
            req = req.bearer_auth(sk);
        }
        let resp = req.send().await.map_err(|e| format!("GET {}: {e}", self.url))?;
        let status = resp.status();
        let body = resp.bytes().await.map_err(|e| format!("GET {}: reading the body: {e}", self.url))?;
        if !status.is_success() {
            let detail = match serde_json::from_slice::<ClerkErrors>(&body) {
                Ok(env) => env.errors.first().map(|e| format!("{}: {}", e.code, e.long_message)).unwrap_or_default(),
                Err(_) => crate::error::excerpt(&body),
            };
            return Err(format!("GET {} answered {status}: {detail}", self.url));
        }
        let jwks: Jwks = serde_json::from_slice(&body).map_err(|e| format!("GET {}: not a JWKS: {e}", self.url))?;
        KeySet::from_jwks(&jwks).map_err(|e| format!("GET {}: {e}", self.url))
    }
}
