//! The instance keys in memory, and their lifecycle: staged (published, not signing yet), signing,
//! superseded (a newer key signs), retired, and when each may leave the JWKS.
//!
//! - A new key is published at once and signs only from its `sign_after` (default: its creation plus
//!   [`crate::CoreConfig::key_publish_delay_ms`], the JWKS `max-age` plus the nodes' key reload
//!   interval), so every verifier's cached JWKS has learned it before a token names it.
//! - A key stops signing when it is retired or when a newer active key reaches its `sign_after`
//!   (superseded). From then on it stays published for the longest lifetime of a token it signed
//!   (recorded in the store before such a token is signed) plus the publish delay, then leaves the
//!   JWKS; a key that never signed leaves at once.
//! - Keys are decrypted and parsed once: a reload (every node re-reads the `signing_keys` table at
//!   least once a second, and at once after a change it made) reuses the keys it already holds and
//!   parses only new ones. Keys that will never be published again are not parsed at all.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use tessera_jwt::{Algorithm, SigningKey};

use tessera_types::{InstanceKey, InstanceKeyList, object};

use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::fields::{Body, Field, Fields};
use crate::ids;
use crate::service::{MasterKey, Tessera, seal_aad};
use crate::store::SigningKeyRecord;

/// Where an instance key is in its life at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyStatus {
    /// Published, waiting for its `sign_after`.
    Staged,
    /// The key that signs instance tokens now.
    Signing,
    /// Active, but a newer key signs; published until its tokens have expired.
    Superseded,
    /// Retired by an operator; published until its tokens have expired.
    Retired,
}

impl KeyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyStatus::Staged => "staged",
            KeyStatus::Signing => "signing",
            KeyStatus::Superseded => "superseded",
            KeyStatus::Retired => "retired",
        }
    }
}

/// What is known of an instance key at the time the keyring was loaded (`tessera keys list`,
/// `GET /v1/tessera/keys`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    pub kid: String,
    pub alg: String,
    pub status: KeyStatus,
    /// Not retired (it may sign when no newer key does).
    pub active: bool,
    /// It signs instance tokens now.
    pub signing: bool,
    /// It is in the JWKS.
    pub published: bool,
    pub created_at: i64,
    /// When it starts (or started) signing, ms.
    pub sign_after: i64,
    pub retired_at: Option<i64>,
    /// When it leaves (or left) the JWKS, ms; `None` while it may still sign.
    pub unpublish_at: Option<i64>,
    /// Longest lifetime of a token it signed, seconds.
    pub max_token_lifetime: Option<i64>,
}

/// An instance key, decrypted and parsed once.
pub(crate) struct ParsedKey {
    pub kid: String,
    pub key: Arc<SigningKey>,
    /// Its public JWK, as published.
    pub jwk: Option<tessera_types::Jwk>,
    /// The longest token lifetime (s) known to be recorded in the store for this key; -1: none.
    recorded_lifetime: AtomicI64,
}

/// One key of the ring: what is known of it, and the parsed key while it is published.
pub(crate) struct RingKey {
    pub info: KeyInfo,
    pub parsed: Option<Arc<ParsedKey>>,
}

/// The instance keys, oldest first, and which one signs.
pub(crate) struct Keyring {
    pub keys: Vec<RingKey>,
    signer: Option<usize>,
}

impl Keyring {
    /// The key that signs now (chosen when the ring was loaded).
    pub fn signer(&self) -> Option<&Arc<ParsedKey>> {
        self.signer.and_then(|i| self.keys.get(i)).and_then(|k| k.parsed.as_ref())
    }

    /// The parsed keys in the JWKS: the signer first (clients that take the first RSA key find the
    /// one that signs), then the others newest first.
    pub fn published(&self) -> impl Iterator<Item = &Arc<ParsedKey>> {
        let signer = self.signer.and_then(|i| self.keys.get(i));
        let others = self.keys.iter().enumerate().rev().filter(move |(i, _)| Some(*i) != self.signer).map(|(_, k)| k);
        signer.into_iter().chain(others).filter(|k| k.info.published).filter_map(|k| k.parsed.as_ref())
    }
}

/// A key's dates as the lifecycle rules read them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KeyDates {
    pub active: bool,
    pub sign_after: i64,
    pub retired_at: Option<i64>,
    pub max_token_lifetime: Option<i64>,
}

/// A key's status, whether it is published, and when it leaves (or left) the JWKS.
pub(crate) type KeyState = (KeyStatus, bool, Option<i64>);

/// For each key (oldest first): its status, whether it is published, and when it leaves the JWKS;
/// and which key signs.
///
/// A key ends (stops signing) when retired, or when a newer key that is active, or was retired only
/// after it started signing, reaches its `sign_after`; with several such keys the latest of their
/// `sign_after`s is taken, which can only keep a key published longer. The signer is the newest
/// active key that has not ended and whose `sign_after` has passed; else the newest superseded key
/// still published (verifiers know it); else the oldest staged key (a new instance, or every mature
/// key retired).
pub(crate) fn lifecycle(keys: &[KeyDates], now: i64, delay_ms: i64) -> (Vec<KeyState>, Option<usize>) {
    let mut ended = Vec::with_capacity(keys.len());
    let mut out = Vec::with_capacity(keys.len());
    for (i, k) in keys.iter().enumerate() {
        let superseded_at = keys[i + 1..]
            .iter()
            .filter(|n| n.sign_after <= now && (n.active || n.retired_at.is_some_and(|r| r > n.sign_after)))
            .map(|n| n.sign_after)
            .max();
        let ended_at = if k.active { superseded_at } else { Some(k.retired_at.unwrap_or(k.sign_after)) };
        // A key that never signed (no lifetime recorded, and one is recorded before any signature)
        // has no tokens to verify: it leaves the JWKS as soon as it ends.
        let unpublish_at = ended_at.map(|t| match k.max_token_lifetime {
            Some(secs) => t + delay_ms + secs.max(0) * 1000,
            None => t,
        });
        let published = unpublish_at.is_none_or(|t| now < t);
        let status = match (k.active, ended_at) {
            (false, _) => KeyStatus::Retired,
            (true, Some(_)) => KeyStatus::Superseded,
            (true, None) if k.sign_after > now => KeyStatus::Staged,
            // Mature and not ended: the newest such key is the signer, below.
            (true, None) => KeyStatus::Superseded,
        };
        ended.push(ended_at.is_some());
        out.push((status, published, unpublish_at));
    }
    let n = keys.len();
    let signer = (0..n)
        .rev()
        .find(|&i| keys[i].active && !ended[i] && keys[i].sign_after <= now)
        .or_else(|| (0..n).rev().find(|&i| keys[i].active && ended[i] && out[i].1))
        .or_else(|| (0..n).find(|&i| keys[i].active && out[i].1));
    if let Some(i) = signer {
        out[i].0 = KeyStatus::Signing;
        out[i].1 = true;
        out[i].2 = None;
    }
    (out, signer)
}

/// Builds the ring from the stored records, reusing the keys `previous` already parsed.
pub(crate) fn load_keyring(
    records: &[SigningKeyRecord],
    master: &MasterKey,
    now: i64,
    delay_ms: i64,
    previous: Option<&Keyring>,
) -> Result<Keyring, String> {
    let dates: Vec<KeyDates> = records
        .iter()
        .map(|r| KeyDates {
            active: r.active,
            sign_after: r.sign_after.unwrap_or(r.created_at + delay_ms),
            retired_at: r.retired_at,
            max_token_lifetime: r.max_token_lifetime,
        })
        .collect();
    let (states, signer) = lifecycle(&dates, now, delay_ms);
    let mut keys = Vec::with_capacity(records.len());
    for ((r, d), (status, published, unpublish_at)) in records.iter().zip(&dates).zip(states) {
        let reused = previous.and_then(|p| p.keys.iter().find(|k| k.info.kid == r.kid)).and_then(|k| k.parsed.clone());
        let parsed = match (published, reused) {
            (false, _) => None,
            (true, Some(p)) => Some(p),
            (true, None) => Some(Arc::new(parse(r, master)?)),
        };
        if let Some(p) = &parsed {
            p.recorded_lifetime.fetch_max(r.max_token_lifetime.unwrap_or(-1), Ordering::AcqRel);
        }
        let info = KeyInfo {
            kid: r.kid.clone(),
            alg: r.alg.clone(),
            status,
            active: r.active,
            signing: status == KeyStatus::Signing,
            published,
            created_at: r.created_at,
            sign_after: d.sign_after,
            retired_at: r.retired_at,
            unpublish_at,
            max_token_lifetime: r.max_token_lifetime,
        };
        keys.push(RingKey { info, parsed });
    }
    if signer.is_none() {
        return Err("no active signing key is stored".to_owned());
    }
    Ok(Keyring { keys, signer })
}

fn parse(r: &SigningKeyRecord, master: &MasterKey) -> Result<ParsedKey, String> {
    let alg =
        Algorithm::parse(&r.alg).ok_or_else(|| format!("signing key {} has unknown algorithm {}", r.kid, r.alg))?;
    let bytes = tessera_jwt::open(&master.0, &r.private_key_sealed, &seal_aad(&r.kid)).map_err(|_| {
        format!(
            "signing key {} cannot be decrypted: the master key (TESSERA_MASTER_KEY or the key file) is not the one it was sealed with, or the stored key was altered",
            r.kid
        )
    })?;
    let key = SigningKey::from_storage_bytes(alg, &bytes).map_err(|e| format!("signing key {}: {e}", r.kid))?;
    let jwk = key.public_jwk(Some(&r.kid));
    Ok(ParsedKey { kid: r.kid.clone(), key: Arc::new(key), jwk, recorded_lifetime: AtomicI64::new(-1) })
}

/// Most seconds a rotation may wait before the new key signs (30 days).
const MAX_ACTIVATE_IN: i64 = 30 * 24 * 3600;
const ACTIVATE_IN_SECONDS: Field = Field::int("activate_in_seconds", 0, MAX_ACTIVATE_IN);

/// `POST /v1/tessera/keys/rotate`.
pub const ROTATE_INSTANCE_KEY: Body =
    Body { schema: "RotateInstanceKeyRequestBody", groups: &[&[ACTIVATE_IN_SECONDS]] };

impl KeyInfo {
    /// The wire object.
    pub fn to_wire(&self) -> InstanceKey {
        InstanceKey {
            object: object::INSTANCE_KEY.to_owned(),
            kid: self.kid.clone(),
            alg: self.alg.clone(),
            status: self.status.as_str().to_owned(),
            signing: self.signing,
            published: self.published,
            created_at: self.created_at,
            sign_after: self.sign_after,
            retired_at: self.retired_at,
            unpublish_at: self.unpublish_at,
            max_token_lifetime: self.max_token_lifetime,
        }
    }
}

impl Tessera {
    /// `GET /v1/tessera/keys`: re-reads the keys first, so the answer is the store's.
    pub async fn list_instance_keys(&self) -> ApiResult<InstanceKeyList> {
        self.reload_keys().await?;
        let data: Vec<InstanceKey> = self.signing_keys()?.iter().map(KeyInfo::to_wire).collect();
        Ok(InstanceKeyList { total_count: data.len() as i64, data })
    }

    /// `POST /v1/tessera/keys/rotate`.
    pub async fn rotate_instance_key(&self, mut f: Fields) -> ApiResult<InstanceKey> {
        let activate_in = f.int(&ACTIVATE_IN_SECONDS)?;
        f.finish()?;
        Ok(self.rotate_signing_key(activate_in.map(|s| s * 1000)).await?.to_wire())
    }

    /// Re-reads the signing keys (another node may have rotated or retired one). Keys already parsed
    /// are reused.
    pub async fn reload_keys(&self) -> ApiResult<()> {
        let records = self.store.list_signing_keys().await?;
        let now = self.now_ms();
        let delay = self.config.key_publish_delay_ms;
        let ring = {
            let previous = self.keyring.read().map_err(|e| ApiError::internal_logged("keyring lock", e))?;
            load_keyring(&records, &self.master, now, delay, Some(&previous))
                .map_err(|e| ApiError::internal_logged("reloading signing keys", e))?
        };
        *self.keyring.write().map_err(|e| ApiError::internal_logged("keyring lock", e))? = ring;
        Ok(())
    }

    /// Generates a new RS256 instance key and publishes it at once. It starts signing after
    /// `activate_in_ms` (default: `key_publish_delay_ms`, so that every cached JWKS has learned it;
    /// 0 only for verifiers that fetch the JWKS again on an unknown `kid`, as @clerk/backend does);
    /// until then the previous key signs. Returns the new key.
    pub async fn rotate_signing_key(&self, activate_in_ms: Option<i64>) -> ApiResult<KeyInfo> {
        let now = self.now_ms();
        let record = self.new_instance_key(now, activate_in_ms.map(|d| now + d.max(0)))?;
        self.store.insert_signing_key(&record).await?;
        self.reload_keys().await?;
        self.key_info(&record.kid)
    }

    /// Scheduled rotation: adds a key (with the default publish delay) when the newest active key is
    /// older than `every_ms`. Safe on several nodes at once: the store adds at most one. Returns the
    /// new key's id when this call added it.
    pub async fn rotate_signing_key_if_due(&self, every_ms: i64) -> ApiResult<Option<String>> {
        let now = self.now_ms();
        let record = self.new_instance_key(now, None)?;
        let added = self.store.insert_signing_key_if_due(&record, now - every_ms).await?;
        self.reload_keys().await?;
        Ok(added.then_some(record.kid))
    }

    fn new_instance_key(&self, now: i64, sign_after: Option<i64>) -> ApiResult<SigningKeyRecord> {
        let key = SigningKey::generate_rsa2048().map_err(|e| ApiError::internal_logged("generating an RSA key", e))?;
        let kid = ids::new_id(ids::INSTANCE, now);
        Ok(SigningKeyRecord {
            alg: Algorithm::RS256.as_str().to_owned(),
            private_key_sealed: tessera_jwt::seal(&self.master.0, &key.to_storage_bytes(), &seal_aad(&kid)),
            kid,
            active: true,
            created_at: now,
            sign_after,
            retired_at: None,
            max_token_lifetime: None,
        })
    }

    /// Stops a key from signing; it stays published until the tokens it signed have expired.
    /// Refused for a key that is already retired, and when no other key could sign.
    pub async fn retire_signing_key(&self, kid: &str) -> ApiResult<KeyInfo> {
        self.reload_keys().await?;
        let keys = self.signing_keys()?;
        let Some(k) = keys.iter().find(|k| k.kid == kid) else {
            return Err(ApiError::not_found("not found", format!("No signing key exists with kid: {kid}")));
        };
        if !k.active {
            return Err(ApiError::new(
                ErrorKind::BadRequest,
                "signing_key_already_retired",
                "Signing key already retired",
                format!("The signing key {kid} was already retired."),
            ));
        }
        if !keys.iter().any(|o| o.kid != kid && o.active && o.published) {
            return Err(ApiError::new(
                ErrorKind::BadRequest,
                "last_instance_key",
                "Cannot retire the last key for instance",
                "Rotate first: an instance needs one active signing key.",
            ));
        }
        self.store.retire_signing_key(kid, self.now_ms()).await?;
        self.reload_keys().await?;
        self.key_info(kid)
    }

    fn key_info(&self, kid: &str) -> ApiResult<KeyInfo> {
        self.signing_keys()?
            .into_iter()
            .find(|k| k.kid == kid)
            .ok_or_else(|| ApiError::not_found("not found", format!("No signing key exists with kid: {kid}")))
    }

    /// The instance keys, oldest first, as of the last reload.
    pub fn signing_keys(&self) -> ApiResult<Vec<KeyInfo>> {
        let ring = self.keyring.read().map_err(|e| ApiError::internal_logged("keyring lock", e))?;
        Ok(ring.keys.iter().map(|k| k.info.clone()).collect())
    }

    /// The instance key that signs a token living `lifetime_secs`, with its `kid`. The first time a
    /// key signs a token that long, the lifetime is recorded in the store before the token exists, so
    /// the key stays published for as long as such a token is valid.
    pub(crate) async fn instance_signer(&self, lifetime_secs: i64) -> ApiResult<(Arc<SigningKey>, Option<String>)> {
        let signer = {
            let ring = self.keyring.read().map_err(|e| ApiError::internal_logged("keyring lock", e))?;
            ring.signer().cloned().ok_or_else(ApiError::internal)?
        };
        if signer.recorded_lifetime.load(Ordering::Acquire) < lifetime_secs {
            self.store.note_signing_key_lifetime(&signer.kid, lifetime_secs).await?;
            signer.recorded_lifetime.fetch_max(lifetime_secs, Ordering::AcqRel);
        }
        Ok((signer.key.clone(), Some(signer.kid.clone())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(active: bool, sign_after: i64, retired_at: Option<i64>, lifetime: Option<i64>) -> KeyDates {
        KeyDates { active, sign_after, retired_at, max_token_lifetime: lifetime }
    }

    fn signer(keys: &[KeyDates], now: i64) -> Option<usize> {
        lifecycle(keys, now, 360_000).1
    }

    #[test]
    fn a_new_key_signs_only_once_its_sign_after_has_passed() {
        // One key: it signs even before its sign_after.
        assert_eq!(signer(&[key(true, 361_000, None, None)], 1_000), Some(0));
        // Rotation: the old key keeps signing until the new one matures.
        let keys = [key(true, 0, None, Some(60)), key(true, 1_000_000, None, None)];
        assert_eq!(signer(&keys, 999_999), Some(0));
        assert_eq!(signer(&keys, 1_000_000), Some(1));
        // A retired key never signs.
        assert_eq!(signer(&[key(false, 0, Some(5), None), key(true, 1_000_000, None, None)], 1), Some(1));
        assert_eq!(signer(&[key(false, 0, Some(5), None)], 1), None);
    }

    #[test]
    fn a_key_leaves_the_jwks_once_its_longest_token_and_the_cached_jwks_have_expired() {
        let delay = 360_000;
        // Key 0 signed tokens of up to 3,600 s; key 1 starts signing at 1,000,000.
        let keys = [key(true, 0, None, Some(3_600)), key(true, 1_000_000, None, None)];
        let (states, _) = lifecycle(&keys, 1_000_000, delay);
        assert_eq!(states[0], (KeyStatus::Superseded, true, Some(1_000_000 + delay + 3_600_000)));
        assert_eq!(states[1], (KeyStatus::Signing, true, None));
        let gone = 1_000_000 + delay + 3_600_000;
        assert!(!lifecycle(&keys, gone, delay).0[0].1);
        assert!(lifecycle(&keys, gone - 1, delay).0[0].1);
        // Retired at 50: published until 50 + delay + its longest token.
        let keys = [key(false, 0, Some(50), Some(60)), key(true, 10, None, None)];
        let (states, _) = lifecycle(&keys, 100, delay);
        assert_eq!(states[0], (KeyStatus::Retired, true, Some(50 + delay + 60_000)));
        // A key that never signed leaves as soon as it is retired.
        let keys = [key(true, 0, None, Some(60)), key(false, 500, Some(80), None)];
        assert_eq!(lifecycle(&keys, 100, delay).0[1], (KeyStatus::Retired, false, Some(80)));
        // A staged key is published and does not sign.
        let keys = [key(true, 0, None, None), key(true, 500, None, None)];
        assert_eq!(lifecycle(&keys, 100, delay).0[1], (KeyStatus::Staged, true, None));
    }

    #[test]
    fn an_unpublished_key_never_signs_again() {
        let delay = 360_000;
        // Key 0 was superseded by key 1 at 10 and has left the JWKS; key 1 is retired, key 2 staged:
        // key 2 signs early rather than key 0 coming back unannounced.
        let keys =
            [key(true, 0, None, Some(60)), key(false, 10, Some(20), Some(60)), key(true, 10_000_000, None, None)];
        let (states, s) = lifecycle(&keys, 5_000_000, delay);
        assert_eq!(states[0], (KeyStatus::Superseded, false, Some(10 + delay + 60_000)));
        assert_eq!(s, Some(2));
        // While key 0 is still published, it signs again instead (verifiers know it).
        let (states, s) = lifecycle(&keys, 100_000, delay);
        assert_eq!((s, states[0].0), (Some(0), KeyStatus::Signing));
    }
}
