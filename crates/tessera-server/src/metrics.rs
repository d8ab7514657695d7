//! `GET /metrics`: Prometheus text format, through `prometheus-client` with one registry per server
//! (no process-global recorder, so tests running several servers in one process each read their own).
//!
//! What is measured, and where:
//! - requests and their latency, by route *template* (`/v1/users/:user_id`, never the raw path, so
//!   no id becomes a label), method and status: [`track`] and the other route groups' one layer
//!   each (`auth::SecretKeyLayer`, `auth::limit_well_known`);
//! - mints, by kind (`session`/`template`), template name and algorithm: the token handlers;
//! - rate-limit rejections, by limiter: `auth.rs`;
//! - database statements (the store counts every statement it builds) and connection pool use: read
//!   at scrape time by [`StoreProbe`];
//! - the mint cache (hits, misses, bypassed, entries) and the change feed (cursor, fresh): read from
//!   the core at each scrape (`CoreProbe`); the change feed's listener (up, wake-ups received):
//!   `feed.rs`.
//!
//! Adding a metric: a field here registered in [`Metrics::new`] for something counted as it happens
//! (e.g. cache hits and misses: a `Family<CacheLabels, Counter>` incremented by the cache), or a
//! [`Collector`] registered with [`Metrics::register_collector`] for a value read at scrape time
//! (e.g. change-feed lag, webhook outbox depth). Labels must stay bounded and never carry secrets or
//! object ids. A value that every request updates (request counts and latency, mints) is a
//! [`StripedCounter`] or [`StripedHistogram`] (`striped.rs`): one set of values per thread, summed
//! when scraped, so the cores do not contend for one cache line or a histogram's lock.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use arc_swap::ArcSwap;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::histogram::exponential_buckets;
use prometheus_client::registry::Registry;

use crate::state::AppState;
use crate::striped::{StripedCounter, StripedHistogram};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MintLabels {
    kind: &'static str,
    template: String,
    alg: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LimiterLabels {
    limiter: &'static str,
}

type Latency = Family<RequestLabels, StripedHistogram, fn() -> StripedHistogram>;

fn latency_histogram() -> StripedHistogram {
    // 0.25 ms … about 4 s.
    StripedHistogram::new(exponential_buckets(0.000_25, 2.0, 15))
}

/// One route's request counter and latency histogram for one method and status: handles that share
/// their values with the families' entries.
#[derive(Clone)]
struct RequestHandles {
    method: axum::http::Method,
    status: u16,
    count: StripedCounter,
    latency: StripedHistogram,
}

/// One template's mint counter for one kind and algorithm.
#[derive(Clone)]
struct MintHandles {
    kind: &'static str,
    alg: &'static str,
    count: StripedCounter,
}

type ByName<T> = HashMap<Box<str>, Vec<T>, foldhash::fast::RandomState>;

/// Handles found by the route template (or template name) as axum gives it, so that a request pays
/// for one short string hash and a scan of a few entries, not for building label sets (two string
/// allocations) and hashing them with SipHash in two families. The families stay the source of
/// truth for the exposition; these hold handles sharing their entries' values.
///
/// Read without a lock: the map is replaced whole (copied, with the new handles) the few times a
/// route, method and status are first seen, and `ArcSwap::load` reads it without writing to any
/// line another core reads (a lock's reader count would be one line written by every request).
struct Handles<T> {
    by_name: ArcSwap<ByName<T>>,
    /// Serializes the replacements.
    adding: Mutex<()>,
}

impl<T: Clone> Handles<T> {
    fn new() -> Self {
        Handles { by_name: ArcSwap::from_pointee(HashMap::default()), adding: Mutex::new(()) }
    }

    /// Applies `record` to the handles under `name` that `matches`, created with `create` the first
    /// time. Found handles are used in place: cloning them would move their reference counts'
    /// cache lines between cores on every request.
    fn with(&self, name: &str, matches: impl Fn(&T) -> bool, create: impl FnOnce() -> T, record: impl Fn(&T)) {
        if let Some(found) = self.by_name.load().get(name).and_then(|list| list.iter().find(|h| matches(h))) {
            record(found);
            return;
        }
        // New handles share their values with the families' entries: what is recorded on them
        // counts even if another request added the same handles first.
        let made = create();
        record(&made);
        let _adding = self.adding.lock().unwrap_or_else(|e| e.into_inner());
        let current = self.by_name.load_full();
        if current.get(name).is_some_and(|list| list.iter().any(&matches)) {
            return;
        }
        let mut next = ByName::clone(&current);
        next.entry(name.into()).or_default().push(made);
        self.by_name.store(Arc::new(next));
    }
}

/// The server's metrics. Cheap to share (held in `AppState`).
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, StripedCounter>,
    latency: Latency,
    mints: Family<MintLabels, StripedCounter>,
    rate_limited: Family<LimiterLabels, Counter>,
    feed_listening: Gauge,
    feed_wakeups: Counter,
    request_handles: Handles<RequestHandles>,
    mint_handles: Handles<MintHandles>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("tessera");
        let requests = Family::<RequestLabels, StripedCounter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route template, method and status",
            requests.clone(),
        );
        let latency: Latency = Family::new_with_constructor(latency_histogram);
        registry.register(
            "http_request_duration_seconds",
            "Time to answer HTTP requests, by route template, method and status",
            latency.clone(),
        );
        let mints = Family::<MintLabels, StripedCounter>::default();
        registry.register(
            "mints",
            "Tokens minted, by kind (session or template), template name and algorithm",
            mints.clone(),
        );
        let rate_limited = Family::<LimiterLabels, Counter>::default();
        registry.register(
            "rate_limited",
            "Requests refused with 429, by limiter (per_key, well_known, failed_auth)",
            rate_limited.clone(),
        );
        let feed_listening = Gauge::default();
        registry.register(
            "change_feed_listening",
            "1 while this node hears the database's wake-ups for the event log (PostgreSQL LISTEN)",
            feed_listening.clone(),
        );
        let feed_wakeups = Counter::default();
        registry.register(
            "change_feed_wakeups",
            "Wake-ups received from the database for the event log (PostgreSQL NOTIFY)",
            feed_wakeups.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            mints,
            rate_limited,
            feed_listening,
            feed_wakeups,
            request_handles: Handles::new(),
            mint_handles: Handles::new(),
        }
    }

    /// Adds a source of values read at each scrape (see the module documentation).
    pub fn register_collector(&mut self, collector: Box<dyn Collector>) {
        self.registry.register_collector(collector);
    }

    /// A token was minted (with the template `template`, signed with `alg`).
    pub fn minted(&self, template: Option<&str>, alg: &'static str) {
        let kind = if template.is_some() { "template" } else { "session" };
        let name = template.unwrap_or("");
        self.mint_handles.with(
            name,
            |h| h.kind == kind && h.alg == alg,
            || {
                let labels = MintLabels { kind, template: name.to_owned(), alg };
                MintHandles { kind, alg, count: self.mints.get_or_create(&labels).clone() }
            },
            |h| {
                h.count.inc();
            },
        );
    }

    /// A request to `route` (a route template, `None` when no route matched) was answered.
    fn answered(&self, route: Option<&str>, method: &axum::http::Method, status: u16, seconds: f64) {
        let name = route.unwrap_or("");
        self.request_handles.with(
            name,
            |h| h.status == status && h.method == method,
            || {
                // `{param}` is written `:param`: braces inside label values trip simple exposition parsers.
                let labels = RequestLabels {
                    route: route.map_or_else(|| "unmatched".to_owned(), route_label),
                    method: method.as_str().to_owned(),
                    status,
                };
                RequestHandles {
                    method: method.clone(),
                    status,
                    count: self.requests.get_or_create(&labels).clone(),
                    latency: self.latency.get_or_create(&labels).clone(),
                }
            },
            |h| {
                h.latency.observe(seconds);
                h.count.inc();
            },
        );
    }

    /// A request was refused by `limiter`.
    pub fn rate_limited(&self, limiter: &'static str) {
        self.rate_limited.get_or_create(&LimiterLabels { limiter }).inc();
    }

    /// The change feed's listener started (`true`) or was lost (`false`).
    pub fn change_feed_listening(&self, up: bool) {
        self.feed_listening.set(i64::from(up));
    }

    /// The database woke the change feed.
    pub fn change_feed_woken(&self) {
        self.feed_wakeups.inc();
    }

    /// The text exposition.
    pub fn render(&self) -> Result<String, std::fmt::Error> {
        let mut out = String::new();
        prometheus_client::encoding::text::encode_registry(&mut out, &self.registry)?;
        Ok(out)
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

/// `/v1/users/{user_id}` → `/v1/users/:user_id`, in one pass.
fn route_label(template: &str) -> String {
    let mut out = String::with_capacity(template.len());
    for part in template.split_inclusive(['{', '}']) {
        match part.as_bytes().last() {
            Some(b'{') => {
                out.push_str(&part[..part.len() - 1]);
                out.push(':');
            }
            Some(b'}') => out.push_str(&part[..part.len() - 1]),
            _ => out.push_str(part),
        }
    }
    out
}

/// A request being counted and timed: its route template (none when no route matched), method and
/// start. [`Timer::finish`] records it once its answer is known.
pub(crate) struct Timer {
    route: Option<MatchedPath>,
    method: axum::http::Method,
    started: Instant,
}

impl Timer {
    pub(crate) fn start(req: &Request) -> Timer {
        Timer {
            route: req
                .extensions()
                .get::<MatchedPath>()
                .filter(|p| !crate::routes::V1_UNKNOWN.contains(&p.as_str()))
                .cloned(),
            method: req.method().clone(),
            started: Instant::now(),
        }
    }

    pub(crate) fn finish(self, metrics: &Metrics, resp: &Response) {
        let seconds = self.started.elapsed().as_secs_f64();
        metrics.answered(self.route.as_ref().map(MatchedPath::as_str), &self.method, resp.status().as_u16(), seconds);
    }
}

/// Counts and times every request by its matched route template (`unmatched` when none matched):
/// the layer of the routes that have no other (the secret-key routes and `/.well-known` time
/// themselves in their own layer: one layer less per request).
pub async fn track(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let timer = Timer::start(&req);
    let resp = next.run(req).await;
    timer.finish(&state.metrics, &resp);
    resp
}

/// `GET /metrics` (public, unless disabled: then 404 like any unknown path).
#[utoipa::path(get, path = "/metrics", tag = "Meta", operation_id = "Metrics",
    responses(
        (status = 200, description = "Prometheus text format (version 0.0.4): requests, latency, mints, rate-limit rejections, database statements and pool use.", content_type = "text/plain", body = String),
        (status = 404, description = "Metrics are disabled on this server (`--metrics false`).", body = tessera_types::ClerkErrors),
    ))]
pub async fn serve(State(state): State<Arc<AppState>>) -> Response {
    if !state.metrics_enabled {
        return crate::handlers::not_found().await.into_response();
    }
    let core = CoreProbe {
        cache: state.app.mint_cache_enabled().then(|| state.app.mint_cache_stats()),
        feed_fresh: state.app.change_feed_fresh(),
    };
    match state.metrics.render().and_then(|mut text| {
        let mut scrape = Registry::with_prefix("tessera");
        scrape.register_collector(Box::new(core));
        prometheus_client::encoding::text::encode_registry(&mut text, &scrape)?;
        Ok(text)
    }) {
        Ok(text) => {
            let mut resp = text.into_response();
            resp.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
            resp
        }
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// The core's figures at scrape time: the mint cache's counters and the change feed's state.
#[derive(Debug)]
struct CoreProbe {
    /// `None` when the mint cache is off.
    cache: Option<tessera_core::mint_cache::MintCacheStats>,
    feed_fresh: bool,
}

impl Collector for CoreProbe {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let Some(c) = &self.cache else { return Ok(()) };
        for (name, help, value) in [
            ("mint_cache_hits", "Mints served from memory", c.hits),
            ("mint_cache_misses", "Mints that read the store because something was not cached", c.misses),
            ("mint_cache_bypassed", "Mints that read the store because the change feed was not fresh", c.bypassed),
        ] {
            let counter = ConstCounter::new(value);
            counter.encode(encoder.encode_descriptor(name, help, None, counter.metric_type())?)?;
        }
        for (name, help, value) in [
            ("mint_cache_entries", "Records held by the mint cache, all kinds together", c.entries as i64),
            ("change_feed_cursor", "The sequence number of the last event this node applied", c.cursor),
            (
                "change_feed_fresh",
                "1 while the change feed was read within the staleness bound",
                i64::from(self.feed_fresh),
            ),
        ] {
            let g = ConstGauge::new(value);
            g.encode(encoder.encode_descriptor(name, help, None, g.metric_type())?)?;
        }
        Ok(())
    }
}

/// Database figures read at scrape time: statements sent (counted by tessera-store) and the
/// connection pool's size, idle connections and limit.
#[derive(Debug)]
pub struct StoreProbe(pub tessera_store::SqlStore);

impl Collector for StoreProbe {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let statements = ConstCounter::new(tessera_store::statements_sent());
        statements.encode(encoder.encode_descriptor(
            "db_statements",
            "Database statements sent by the store",
            None,
            statements.metric_type(),
        )?)?;
        let stats = self.0.pool_stats();
        for (name, help, value) in [
            ("db_pool_connections", "Connections open in the pool (idle or in use)", i64::from(stats.size)),
            ("db_pool_idle_connections", "Idle connections in the pool", stats.idle as i64),
            ("db_pool_max_connections", "The most connections the pool opens", i64::from(stats.max)),
            ("db_kept_connections", "Connections kept aside for the mint read", stats.kept as i64),
        ] {
            let g = ConstGauge::new(value);
            g.encode(encoder.encode_descriptor(name, help, None, g.metric_type())?)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_templates_become_colon_labels() {
        assert_eq!(
            route_label("/v1/sessions/{session_id}/tokens/{template_name}"),
            "/v1/sessions/:session_id/tokens/:template_name"
        );
        assert_eq!(route_label("/healthz"), "/healthz");
    }
}
