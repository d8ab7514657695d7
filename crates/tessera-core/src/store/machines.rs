//! The machine authentication records (machines, their scopes, opaque M2M tokens, API keys) and
//! their sub-trait of [`Store`](super::Store).
//!
//! Secrets are stored as SHA-256 (lowercase hex) only, plus, where Clerk answers a secret again (a
//! machine's secret key, an API key's secret), a copy sealed with the master key. Revocation and
//! expiry are read from the store at every verify, so every node sees them on its next verify.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Page, StoreResult};

/// A machine as stored.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct MachineRecord {
    /// `mch_…`.
    pub id: String,
    pub name: String,
    /// Seconds.
    pub default_token_ttl: i64,
    /// SHA-256 (hex) of the current secret key.
    pub secret_hash: String,
    /// The current secret key sealed with the master key (associated data: the machine id).
    pub secret_sealed: String,
    /// SHA-256 of the key before the last rotation, valid until `previous_secret_expires_at`.
    pub previous_secret_hash: Option<String>,
    pub previous_secret_expires_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl std::fmt::Debug for MachineRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MachineRecord")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("default_token_ttl", &self.default_token_ttl)
            .field("secret_hash", &"<redacted>")
            .field("secret_sealed", &"<redacted>")
            .field("previous_secret_expires_at", &self.previous_secret_expires_at)
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .finish()
    }
}

/// A machine with the machines it may call (oldest scope first).
#[derive(Debug, Clone, PartialEq)]
pub struct MachineView {
    pub machine: MachineRecord,
    pub scoped: Vec<MachineRecord>,
}

/// Sort field of `GET /machines`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MachineOrder {
    CreatedAt,
    Name,
}

/// `GET /machines` filters: `query` is an exact id or part of the name (case-insensitive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineFilter {
    pub query: Option<String>,
    pub order: MachineOrder,
    pub descending: bool,
}

/// An opaque M2M token as stored (JWT-format tokens are not stored).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct M2MTokenRecord {
    /// `mt_` + 32 hex.
    pub id: String,
    /// The machine that made it.
    pub machine_id: String,
    pub token_hash: String,
    pub claims: Option<Value>,
    /// The machines it may call.
    pub scopes: Vec<String>,
    pub revoked: bool,
    pub revocation_reason: Option<String>,
    /// Epoch ms.
    pub expiration: Option<i64>,
    pub last_used_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl std::fmt::Debug for M2MTokenRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("M2MTokenRecord")
            .field("id", &self.id)
            .field("machine_id", &self.machine_id)
            .field("token_hash", &"<redacted>")
            .field("scopes", &self.scopes)
            .field("revoked", &self.revoked)
            .field("expiration", &self.expiration)
            .finish()
    }
}

/// An API key as stored.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiKeyRecord {
    /// `ak_` + 32 hex.
    pub id: String,
    pub key_type: String,
    pub name: String,
    pub description: Option<String>,
    pub subject: String,
    pub claims: Option<Value>,
    pub scopes: Vec<String>,
    pub secret_hash: String,
    /// The secret sealed with the master key (associated data: the key id).
    pub secret_sealed: String,
    pub revoked: bool,
    pub revocation_reason: Option<String>,
    pub expiration: Option<i64>,
    pub created_by: Option<String>,
    pub last_used_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl std::fmt::Debug for ApiKeyRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKeyRecord")
            .field("id", &self.id)
            .field("key_type", &self.key_type)
            .field("name", &self.name)
            .field("subject", &self.subject)
            .field("scopes", &self.scopes)
            .field("secret_hash", &"<redacted>")
            .field("secret_sealed", &"<redacted>")
            .field("revoked", &self.revoked)
            .field("expiration", &self.expiration)
            .finish()
    }
}

/// `GET /api_keys` filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyFilter {
    pub subject: String,
    pub key_type: String,
    /// Also revoked and expired keys.
    pub include_invalid: bool,
    /// Part of the name (case-insensitive).
    pub query: Option<String>,
}

/// Machines, machine scopes, opaque M2M tokens and API keys.
#[async_trait]
pub trait MachineStore: Send + Sync {
    /// Inserts the machine and its scopes (each to an existing machine) in one transaction.
    /// `Conflict("id")` on a duplicate id.
    async fn insert_machine(&self, machine: &MachineRecord, scoped_machine_ids: &[String]) -> StoreResult<()>;
    async fn get_machine(&self, id: &str) -> StoreResult<Option<MachineView>>;
    /// Which of `ids` are machines.
    async fn existing_machine_ids(&self, ids: &[String]) -> StoreResult<Vec<String>>;
    async fn list_machines(&self, filter: &MachineFilter, page: Page) -> StoreResult<(Vec<MachineView>, i64)>;
    /// Stores name, TTL and `updated_at` of an existing machine; false if unknown.
    async fn update_machine(&self, machine: &MachineRecord) -> StoreResult<bool>;
    /// Deletes the machine, its scopes (both ways) and its M2M tokens; false if unknown.
    async fn delete_machine(&self, id: &str) -> StoreResult<bool>;
    /// Makes `secret_hash`/`secret_sealed` the machine's key; the key it replaces stays valid until
    /// `previous_expires_at` (None: at once). False if unknown.
    async fn rotate_machine_secret(
        &self,
        id: &str,
        secret_hash: &str,
        secret_sealed: &str,
        previous_expires_at: Option<i64>,
        now: i64,
    ) -> StoreResult<bool>;
    /// The machine whose current key, or previous key still valid at `now`, hashes to `hash`.
    async fn find_machine_by_secret(&self, hash: &str, now: i64) -> StoreResult<Option<MachineRecord>>;
    /// `Conflict("machine_scope")` when it exists already.
    async fn insert_machine_scope(&self, from: &str, to: &str, now: i64) -> StoreResult<()>;
    /// False if there was no such scope.
    async fn delete_machine_scope(&self, from: &str, to: &str) -> StoreResult<bool>;

    async fn insert_m2m_token(&self, token: &M2MTokenRecord) -> StoreResult<()>;
    async fn get_m2m_token(&self, id: &str) -> StoreResult<Option<M2MTokenRecord>>;
    async fn find_m2m_token(&self, hash: &str) -> StoreResult<Option<M2MTokenRecord>>;
    /// A machine's tokens, newest first; revoked ones only with `revoked`, expired ones (at `now`)
    /// only with `expired`.
    async fn list_m2m_tokens(
        &self,
        machine_id: &str,
        revoked: bool,
        expired: bool,
        now: i64,
        page: Page,
    ) -> StoreResult<(Vec<M2MTokenRecord>, i64)>;
    /// Marks the token revoked (keeping the first reason) and returns it afterwards.
    async fn revoke_m2m_token(&self, id: &str, reason: Option<&str>, now: i64) -> StoreResult<Option<M2MTokenRecord>>;
    /// Sets `last_used_at`.
    async fn touch_m2m_token(&self, id: &str, now: i64) -> StoreResult<()>;

    /// `Conflict("id")` on a duplicate id.
    async fn insert_api_key(&self, key: &ApiKeyRecord) -> StoreResult<()>;
    async fn get_api_key(&self, id: &str) -> StoreResult<Option<ApiKeyRecord>>;
    async fn find_api_key(&self, hash: &str) -> StoreResult<Option<ApiKeyRecord>>;
    /// Newest first; revoked and expired (at `now`) keys only with `include_invalid`.
    async fn list_api_keys(&self, filter: &ApiKeyFilter, now: i64, page: Page)
    -> StoreResult<(Vec<ApiKeyRecord>, i64)>;
    /// Stores description, subject, claims, scopes, expiration and `updated_at`; false if unknown.
    async fn update_api_key(&self, key: &ApiKeyRecord) -> StoreResult<bool>;
    async fn delete_api_key(&self, id: &str) -> StoreResult<bool>;
    /// Marks the key revoked (keeping the first reason) and returns it afterwards.
    async fn revoke_api_key(&self, id: &str, reason: Option<&str>, now: i64) -> StoreResult<Option<ApiKeyRecord>>;
    /// Sets `last_used_at`.
    async fn touch_api_key(&self, id: &str, now: i64) -> StoreResult<()>;

    /// Every sealed secret: `(machine id, sealed)` and `(API key id, sealed)`, for a master key rotation.
    async fn sealed_machine_secrets(&self) -> StoreResult<(Vec<(String, String)>, Vec<(String, String)>)>;
    /// Replaces the sealed secrets of machines and API keys, in one transaction.
    async fn reseal_machine_secrets(
        &self,
        machines: &[(String, String)],
        api_keys: &[(String, String)],
    ) -> StoreResult<()>;
}
