//! The change feed: this node follows the event log so that its mint cache stays coherent
//! (`tessera_core::mint_cache`). A background task reads the log when the database says it grew
//! (PostgreSQL: every write's transaction NOTIFYs `tessera_events`, heard here through
//! `EventStore::listen_events` on one connection of its own) and at the latest every `poll`
//! interval; and every successful write request is followed by a read of the log before its answer
//! leaves, so the node that made a change sees it on its very next request.
//!
//! Wake-ups only make reads sooner: the staleness bound does not depend on them. The mint cache is
//! served only while the last successful *read* of the log started less than the bound ago, so a
//! node that hears nothing (listener lost, NOTIFY swallowed by a pooler, database cut) still stops
//! serving cached records at the bound. That is also why the poll is only slowed, never stopped,
//! while a listener is up: every `max(poll, bound / 4)`, which keeps the cache fresh (a read well
//! within each bound) and catches a wake-up the database never delivered (a connection dead without
//! a reset) within a quarter of the bound.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use axum::extract::Request;
use axum::http::Method;
use axum::response::Response;
use tokio::sync::Notify;
use tower::Service;

use crate::config::MintCacheConfig;
use crate::state::AppState;

/// After the listener is lost (or cannot start), the first attempt to listen again is made after
/// this long, then after twice as long each time, up to [`RELISTEN_MAX`].
const RELISTEN_MIN: Duration = Duration::from_secs(1);
const RELISTEN_MAX: Duration = Duration::from_secs(30);

/// How the follower runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedSettings {
    /// Read the log at least this often while no listener is up.
    pub poll: Duration,
    /// The staleness bound.
    pub bound: Duration,
    /// Listen for the database's wake-ups, when it has them.
    pub listen: bool,
}

impl From<&MintCacheConfig> for FeedSettings {
    fn from(c: &MintCacheConfig) -> Self {
        FeedSettings {
            poll: Duration::from_millis(c.poll_ms),
            bound: Duration::from_millis(c.bound_ms),
            listen: c.listen,
        }
    }
}

impl FeedSettings {
    /// The poll period: `poll`, or while the listener is up `max(poll, bound / 4)` (see the module
    /// documentation: still a read well within every bound).
    fn period(&self, listening: bool) -> Duration {
        let p = if listening { self.poll.max(self.bound / 4) } else { self.poll };
        p.max(Duration::from_millis(1))
    }
}

/// Reads the event log at start, whenever the listener is woken, and at the latest every poll
/// period, until the task is aborted. Wake-ups that arrive during a read make one more read after
/// it, however many they were. Failures are logged when the feed goes down and when it comes back,
/// not at every attempt; while it is down mints read the store.
pub async fn follow(state: Arc<AppState>, settings: FeedSettings) {
    if !state.app.mint_cache_enabled() {
        return;
    }
    let wake = Arc::new(Notify::new());
    let listening = Arc::new(AtomicBool::new(false));
    let _listener = settings
        .listen
        .then(|| AbortOnDrop(tokio::spawn(listen(state.clone(), settings, wake.clone(), listening.clone()))));
    let mut down = false;
    loop {
        match state.app.follow_changes().await {
            Ok(_) if down => {
                down = false;
                tracing::info!("change feed caught up; the mint cache is served again");
            }
            Ok(_) => {}
            Err(e) if !down => {
                down = true;
                tracing::warn!(error = %e.long_message, "change feed unreadable; mints read the database until it is back");
            }
            Err(_) => {}
        }
        // `notify_one` keeps one permit when nobody waits: the burst is one more read, not many.
        let period = settings.period(listening.load(Ordering::Acquire));
        tokio::select! {
            () = tokio::time::sleep(period) => {}
            () = wake.notified() => {}
        }
    }
}

/// Aborts the listener task when the follower stops.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Holds the store's listener (none on SQLite: returns at once) and wakes the follower for every
/// wake-up past its cursor. A lost listener is logged once (and once more when it is back), the
/// follower reads at once and polls at the full rate, and listening is tried again after a backoff;
/// each new listener is followed by one read, for what was committed while nobody listened.
async fn listen(state: Arc<AppState>, settings: FeedSettings, wake: Arc<Notify>, listening: Arc<AtomicBool>) {
    let mut backoff = RELISTEN_MIN;
    let mut lost = false;
    loop {
        let error = match state.app.store().listen_events().await {
            Ok(None) => return,
            Ok(Some(mut listener)) => {
                listening.store(true, Ordering::Release);
                state.metrics.change_feed_listening(true);
                if lost {
                    lost = false;
                    tracing::info!("change-feed listener back: other nodes' changes are read as they commit");
                }
                wake.notify_one();
                let since = Instant::now();
                let error = loop {
                    match listener.next().await {
                        Ok(seq) => {
                            state.metrics.change_feed_woken();
                            if seq > state.app.change_feed_cursor() {
                                wake.notify_one();
                            }
                        }
                        Err(e) => break e,
                    }
                };
                listening.store(false, Ordering::Release);
                state.metrics.change_feed_listening(false);
                wake.notify_one();
                if since.elapsed() >= RELISTEN_MAX {
                    backoff = RELISTEN_MIN;
                }
                error
            }
            Err(e) => e,
        };
        if !lost {
            lost = true;
            tracing::warn!(
                error = %error,
                poll_ms = settings.poll.as_millis() as u64,
                "change-feed listener down; polling the event log until it is back"
            );
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(RELISTEN_MAX);
    }
}

/// Whether a request may write: anything but reads, the two mint routes and the checks (password
/// checks, M2M token and API key verification: they write nothing an event describes, at most an API
/// key's `last_used_at`). Shared by the change feed and the webhook worker's wake-up.
pub(crate) fn may_write(method: &Method, path: &str) -> bool {
    !(method == Method::GET
        || method == Method::HEAD
        || method == Method::OPTIONS
        || path.contains("/tokens")
        || path.ends_with("/verify_password")
        || path.ends_with("/verify"))
}

/// What runs between authentication and the handlers (in `auth::SecretKeyLayer`, the one layer
/// of those routes):
/// - a path with a NUL byte (`%00`) names nothing: 404 before any handler passes it to the store
///   (PostgreSQL cannot compare text holding one);
/// - after a successful write request, applies the event log before answering (this node's next
///   request sees the write);
/// - after any write request, wakes the webhook worker (its events may be waiting).
pub(crate) async fn around_handlers<S>(state: &AppState, req: Request, mut handler: S) -> Response
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    if req.uri().path().contains("%00") {
        return crate::body::nul_in_path();
    }
    let write = may_write(req.method(), req.uri().path());
    let response = match handler.call(req).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    if write {
        if response.status().is_success() && state.app.mint_cache_enabled() {
            // On failure the cache stops serving (follow_changes saw to it): nothing stale is minted.
            let _ = state.app.follow_changes().await;
        }
        state.webhook_wake.notify_one();
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_poll_slows_to_a_quarter_of_the_bound_only_while_listening() {
        let ms = Duration::from_millis;
        let s = FeedSettings { poll: ms(100), bound: ms(1_000), listen: true };
        assert_eq!((s.period(false), s.period(true)), (ms(100), ms(250)));
        let slow = FeedSettings { poll: ms(600), ..s };
        assert_eq!(slow.period(true), ms(600), "a poll already slower is kept");
        assert!(s.period(true) < s.bound, "a read within every bound keeps the cache fresh");
    }

    #[test]
    fn reads_and_mints_are_not_writes() {
        assert!(!may_write(&Method::GET, "/users"));
        assert!(!may_write(&Method::POST, "/sessions/sess_1/tokens"));
        assert!(!may_write(&Method::POST, "/sessions/sess_1/tokens/hasura"));
        assert!(!may_write(&Method::POST, "/users/user_1/verify_password"));
        assert!(!may_write(&Method::POST, "/m2m_tokens/verify"), "unversioned, as @clerk/backend calls it");
        assert!(!may_write(&Method::POST, "/api_keys/verify"));
        assert!(may_write(&Method::POST, "/m2m_tokens"));
        assert!(may_write(&Method::POST, "/users"));
        assert!(may_write(&Method::PATCH, "/jwt_templates/jtmp_1"));
        assert!(may_write(&Method::DELETE, "/sessions/sess_1"));
    }
}
