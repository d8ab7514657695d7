//! The event log's records and its sub-trait of [`Store`](super::Store). Writes append events
//! themselves (in their own transactions); this trait only reads and prunes the log, and opens the
//! [`EventListener`] through which a database that can push (PostgreSQL's LISTEN/NOTIFY) says that the
//! log has grown.

use async_trait::async_trait;
use serde_json::Value;

use super::StoreResult;

/// One event as stored in the log.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRecord {
    /// Position in the log: gapless, in commit order.
    pub seq: i64,
    /// `msg_…`: the event's stable id (the `svix-id` of its deliveries).
    pub id: String,
    /// Clerk's event type (`user.created`, …) or an internal `tessera.*` change.
    pub event_type: String,
    /// The object the API returned for it when it was written.
    pub data: Value,
    /// Epoch ms of the write.
    pub created_at: i64,
}

/// Reading the event log.
#[async_trait]
pub trait EventStore: Send + Sync {
    /// Up to `limit` events with `seq > after_seq`, in `seq` order.
    async fn events_after(&self, after_seq: i64, limit: u32) -> StoreResult<Vec<EventRecord>>;
    /// The `seq` of the newest event (0 when the log is empty).
    async fn last_event_seq(&self) -> StoreResult<i64>;
    /// Deletes the events with `seq <= upto_seq` written before `before_ms`; returns how many.
    async fn prune_events(&self, upto_seq: i64, before_ms: i64) -> StoreResult<u64>;
    /// Starts listening for appends: once this returns, every write that commits events afterwards
    /// wakes the listener (a write committed before is found by reading the log, which a follower
    /// does right after listening). `Ok(None)` when the database cannot push (SQLite: followers
    /// poll, a cheap local read). The listener holds its own connection, outside any pool.
    async fn listen_events(&self) -> StoreResult<Option<Box<dyn EventListener>>> {
        Ok(None)
    }
}

/// Wake-ups pushed by the database when a write that appended events commits
/// ([`EventStore::listen_events`]). A wake-up only says "read the log": the events themselves are
/// read with [`EventStore::events_after`], so a lost or merged wake-up loses nothing but time.
#[async_trait]
pub trait EventListener: Send {
    /// Waits for the next commit that appended events and returns the `seq` of its last event
    /// (`i64::MAX` when the database did not say: read anyway). An error means the listener is
    /// gone (its connection lost or closed), and wake-ups may have been missed meanwhile: drop it,
    /// read the log, and listen again.
    async fn next(&mut self) -> StoreResult<i64>;
}
