//! The webhook delivery worker, started by `tessera serve` on every node: it follows the event log
//! into messages (one node at a time), claims due messages with a lease, POSTs them signed (the
//! core signs; this sends) with its own HTTP client, records each attempt, and prunes old messages
//! and events. Nothing here runs on the request path: requests only poke [`AppState::webhook_wake`]
//! after a write, so a slow or dead receiver never slows an API request or a mint.
//!
//! Addresses: the client resolves names through [`PolicyResolver`], which drops every address the
//! URL policy refuses (loopback, private, link-local, … unless allowed), at every attempt, so a name
//! that resolves to a private address (DNS rebinding) is refused when it matters. Literal addresses
//! are checked by the core before each attempt. Redirects are not followed and no proxy is used.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use tessera_core::webhooks::{AttemptOutcome, PreparedDelivery, UrlPolicy, ip_allowed};
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

use crate::config::WebhookConfig;
use crate::state::AppState;

/// Events read per fan-out transaction.
const FAN_OUT_BATCH: u32 = 500;
/// How often retention runs.
const RETENTION_EVERY: Duration = Duration::from_secs(60);
/// A lease outlasts the attempt's timeout by this much, so a slow attempt is never taken twice.
const LEASE_MARGIN_MS: i64 = 30_000;

/// Resolves names and keeps only the addresses the policy allows.
#[derive(Debug, Clone, Copy)]
pub struct PolicyResolver(pub UrlPolicy);

impl Resolve for PolicyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.0;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let all: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = all.iter().copied().filter(|a| ip_allowed(a.ip(), policy)).collect();
            if allowed.is_empty() {
                let why = if all.is_empty() {
                    format!("{host} has no address")
                } else {
                    format!(
                        "{host} resolves only to loopback, private or link-local addresses, which this server does not deliver to (--webhooks-allow-private)"
                    )
                };
                return Err(why.into());
            }
            let addrs: Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

/// The worker's HTTP client: its own connection pool, the policy resolver, no redirects, no proxy,
/// rustls with the webpki roots.
pub fn http_client(config: &WebhookConfig) -> Result<reqwest::Client, String> {
    let policy = UrlPolicy { allow_private: config.allow_private, allow_loopback: config.allow_loopback };
    let timeout = Duration::from_millis(config.attempt_timeout_ms.max(1));
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .user_agent(concat!("Tessera-Webhooks/", env!("CARGO_PKG_VERSION")))
        .dns_resolver(Arc::new(PolicyResolver(policy)))
        .use_preconfigured_tls(tls_config()?)
        .build()
        .map_err(|e| format!("building the webhook HTTP client: {e}"))
}

fn tls_config() -> Result<rustls::ClientConfig, String> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("configuring TLS: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// Sends one attempt and says how it went. The error text names the failure, never a header.
pub async fn send(client: &reqwest::Client, d: &PreparedDelivery) -> AttemptOutcome {
    let started = Instant::now();
    let mut req = client.post(&d.url).body(d.body.clone());
    for (name, value) in &d.headers {
        req = req.header(*name, value.as_str());
    }
    let result = req.send().await;
    let latency_ms = started.elapsed().as_millis() as i64;
    match result {
        Ok(resp) => {
            let status = resp.status().as_u16();
            // Read (and drop) a little of the answer so the connection can be reused.
            let _ = tokio::time::timeout(Duration::from_secs(1), resp.bytes()).await;
            AttemptOutcome { status_code: Some(status), latency_ms, error: None }
        }
        Err(e) => AttemptOutcome { status_code: None, latency_ms, error: Some(describe(&e)) },
    }
}

/// A short description of a failed request, with its causes (the resolver's refusal included).
fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    let mut text = kind.to_owned();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// Starts the worker on the current runtime.
pub fn spawn_worker(state: Arc<AppState>, config: &WebhookConfig) -> Result<JoinHandle<()>, String> {
    let client = http_client(config)?;
    let config = config.clone();
    Ok(tokio::spawn(async move { run(state, client, config).await }))
}

async fn run(state: Arc<AppState>, client: reqwest::Client, config: WebhookConfig) {
    let slots = Arc::new(Semaphore::new(config.max_in_flight.max(1)));
    let lease_ms = config.attempt_timeout_ms as i64 + LEASE_MARGIN_MS;
    let poll = Duration::from_millis(config.poll_interval_ms.max(10));
    let mut last_prune: Option<Instant> = None;
    loop {
        tokio::select! {
            _ = state.webhook_wake.notified() => {}
            _ = tokio::time::sleep(poll) => {}
        }
        // One read says whether there is anything to do, so an idle worker never takes a write lock.
        let (events, due) = match state.app.webhook_work().await {
            Ok(w) => w,
            Err(e) => {
                tracing::warn!(error = %e.long_message, "reading the webhook outbox failed");
                (false, false)
            }
        };
        if events {
            fan_out(&state).await;
        }
        if events || due {
            dispatch(&state, &client, &slots, lease_ms).await;
        }
        if last_prune.is_none_or(|t| t.elapsed() >= RETENTION_EVERY) {
            last_prune = Some(Instant::now());
            match state.app.prune_webhooks(config.retention_ms).await {
                Ok((0, 0)) => {}
                Ok((messages, events)) => tracing::debug!(messages, events, "webhook retention pruned"),
                Err(e) => tracing::warn!(error = %e.long_message, "webhook retention failed"),
            }
        }
    }
}

/// Follows the log until it is caught up (or another node holds the cursor).
async fn fan_out(state: &AppState) {
    for _ in 0..100 {
        match state.app.fan_out_webhooks(FAN_OUT_BATCH).await {
            Ok(Some(n)) if n as u32 == FAN_OUT_BATCH => continue,
            Ok(_) => return,
            Err(e) => {
                tracing::warn!(error = %e.long_message, "webhook fan-out failed; retrying");
                return;
            }
        }
    }
}

/// Claims as many due messages as there are free slots and sends each in its own task.
async fn dispatch(state: &Arc<AppState>, client: &reqwest::Client, slots: &Arc<Semaphore>, lease_ms: i64) {
    let free = slots.available_permits();
    if free == 0 {
        return;
    }
    let claimed = match state.app.claim_webhook_messages(free as u32, lease_ms).await {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e.long_message, "claiming webhook messages failed");
            return;
        }
    };
    for c in claimed {
        let Ok(permit) = slots.clone().acquire_owned().await else {
            return;
        };
        let state = state.clone();
        let client = client.clone();
        tokio::spawn(async move {
            let outcome = match state.app.prepare_webhook_delivery(&c) {
                Ok(d) => send(&client, &d).await,
                Err(why) => AttemptOutcome { status_code: None, latency_ms: 0, error: Some(why) },
            };
            let (id, endpoint, attempt) = (&c.message.id, &c.endpoint.id, c.message.attempts);
            if !outcome.succeeded() {
                tracing::debug!(message = %id, endpoint = %endpoint, attempt, status = ?outcome.status_code,
                    error = ?outcome.error, "webhook attempt failed");
            }
            if let Err(e) = state.app.record_webhook_attempt(id, endpoint, attempt, &outcome).await {
                tracing::warn!(message = %id, error = %e.long_message, "recording a webhook attempt failed");
            }
            drop(permit);
            // A retry may be due at once (a schedule with 0 s delays); look again.
            state.webhook_wake.notify_one();
        });
    }
}
