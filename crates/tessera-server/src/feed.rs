//! The change feed: this node follows the event log so that its mint cache stays coherent
//! (`tessera_core::mint_cache`). A background task reads the log every `poll` interval; and every
//! successful write request is followed by a read of the log before its answer leaves, so the node
//! that made a change sees it on its very next request.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;

use crate::state::AppState;

/// Reads the event log every `poll` until the task is aborted. Failures are logged when the feed
/// goes down and when it comes back, not at every attempt; while it is down mints read the store.
pub async fn follow(state: Arc<AppState>, poll: Duration) {
    if !state.app.mint_cache_enabled() {
        return;
    }
    let mut tick = tokio::time::interval(poll.max(Duration::from_millis(1)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut down = false;
    loop {
        tick.tick().await;
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
    }
}

/// Whether a request may write: anything but reads, the two mint routes and password checks (which
/// write nothing an event describes). Shared by the change feed and the webhook worker's wake-up.
pub(crate) fn may_write(method: &Method, path: &str) -> bool {
    !(method == Method::GET
        || method == Method::HEAD
        || method == Method::OPTIONS
        || path.contains("/tokens")
        || path.ends_with("/verify_password"))
}

/// After a successful write request, applies the event log before answering.
pub async fn follow_after_write(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let write = may_write(req.method(), req.uri().path());
    let response = next.run(req).await;
    if write && response.status().is_success() && state.app.mint_cache_enabled() {
        // On failure the cache stops serving (follow_changes saw to it): nothing stale is minted.
        let _ = state.app.follow_changes().await;
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_mints_are_not_writes() {
        assert!(!may_write(&Method::GET, "/users"));
        assert!(!may_write(&Method::POST, "/sessions/sess_1/tokens"));
        assert!(!may_write(&Method::POST, "/sessions/sess_1/tokens/hasura"));
        assert!(may_write(&Method::POST, "/users"));
        assert!(may_write(&Method::PATCH, "/jwt_templates/jtmp_1"));
        assert!(may_write(&Method::DELETE, "/sessions/sess_1"));
    }
}
