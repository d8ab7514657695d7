//! Prometheus metric types for values that every request updates, striped per thread
//! (`tessera_core::stripes`): `prometheus-client`'s own counter is one atomic that every core writes,
//! and its histogram takes a write lock for each observation, so on a busy node the cores pass those
//! cache lines (and the lock) back and forth on every request. These keep one set of values per
//! stripe, each on its own cache lines, and add the stripes up only when `/metrics` is scraped.
//! They encode exactly as `Counter` and `Histogram` do.
//!
//! The price is memory: a counter takes 2 KiB and a latency histogram 4 KiB (16 stripes of 128-byte
//! lines), per label set, that is per route template, method and status seen; a few hundred label
//! sets are a few MiB at most.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use prometheus_client::encoding::{EncodeMetric, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::{MetricType, TypedMetric};
use tessera_core::stripes::{STRIPES, StripedU64, stripe};

/// A monotonic counter; clones share the value (as `Counter`'s do).
#[derive(Clone, Default)]
pub struct StripedCounter(Arc<StripedU64>);

impl std::fmt::Debug for StripedCounter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl StripedCounter {
    pub fn inc(&self) {
        self.0.inc();
    }

    pub fn get(&self) -> u64 {
        self.0.get()
    }
}

impl TypedMetric for StripedCounter {
    const TYPE: MetricType = MetricType::Counter;
}

impl EncodeMetric for StripedCounter {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        encoder.encode_counter::<NoLabelSet, _, u64>(&self.get(), None)
    }

    fn metric_type(&self) -> MetricType {
        Self::TYPE
    }
}

/// Sixteen values on one cache line pair (128 bytes: adjacent-line prefetchers fetch lines in pairs).
#[repr(align(128))]
#[derive(Default)]
struct Line([AtomicU64; 16]);

struct HistogramInner {
    /// Upper bounds, ascending; `+Inf` is implied after the last.
    bounds: Box<[f64]>,
    /// Lines per stripe: each stripe holds count, sum (f64 bits), then one count per bucket (the
    /// last one `+Inf`), on lines of its own.
    width: usize,
    lines: Box<[Line]>,
}

const COUNT: usize = 0;
const SUM: usize = 1;
const FIRST_BUCKET: usize = 2;

impl HistogramInner {
    fn value(&self, stripe: usize, i: usize) -> &AtomicU64 {
        &self.lines[stripe * self.width + i / 16].0[i % 16]
    }
}

/// A histogram with fixed bucket bounds; clones share the values (as `Histogram`'s do).
#[derive(Clone)]
pub struct StripedHistogram(Arc<HistogramInner>);

impl std::fmt::Debug for StripedHistogram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (sum, count, _) = self.snapshot();
        f.debug_struct("StripedHistogram").field("count", &count).field("sum", &sum).finish()
    }
}

impl StripedHistogram {
    /// A histogram with these upper bounds (ascending) and a `+Inf` bucket after them.
    pub fn new(bounds: impl Iterator<Item = f64>) -> Self {
        let bounds: Box<[f64]> = bounds.collect();
        let width = (FIRST_BUCKET + bounds.len() + 1).div_ceil(16);
        let lines = (0..STRIPES * width).map(|_| Line::default()).collect();
        StripedHistogram(Arc::new(HistogramInner { bounds, width, lines }))
    }

    /// Records `v` on the calling thread's stripe (in the first bucket whose bound is ≥ `v`).
    pub fn observe(&self, v: f64) {
        let inner = &*self.0;
        let s = stripe();
        let bucket = inner.bounds.iter().position(|&b| v <= b).unwrap_or(inner.bounds.len());
        inner.value(s, FIRST_BUCKET + bucket).fetch_add(1, Ordering::Relaxed);
        // The stripe's lines are this thread's: the loop succeeds at once unless threads share stripes.
        let _ = inner
            .value(s, SUM)
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |bits| Some((f64::from_bits(bits) + v).to_bits()));
        inner.value(s, COUNT).fetch_add(1, Ordering::Relaxed);
    }

    /// Sum, count and the per-bucket counts (not cumulative) with their bounds, `+Inf` last (as
    /// `prometheus-client` gives them to its encoder).
    fn snapshot(&self) -> (f64, u64, Vec<(f64, u64)>) {
        let inner = &*self.0;
        let mut buckets: Vec<(f64, u64)> =
            inner.bounds.iter().copied().chain([f64::INFINITY]).map(|b| (b, 0)).collect();
        let (mut sum, mut count) = (0.0, 0u64);
        for s in 0..STRIPES {
            sum += f64::from_bits(inner.value(s, SUM).load(Ordering::Relaxed));
            count += inner.value(s, COUNT).load(Ordering::Relaxed);
            for (i, b) in buckets.iter_mut().enumerate() {
                b.1 += inner.value(s, FIRST_BUCKET + i).load(Ordering::Relaxed);
            }
        }
        (sum, count, buckets)
    }
}

impl TypedMetric for StripedHistogram {
    const TYPE: MetricType = MetricType::Histogram;
}

impl EncodeMetric for StripedHistogram {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        let (sum, count, buckets) = self.snapshot();
        encoder.encode_histogram::<NoLabelSet>(sum, count, &buckets, None)
    }

    fn metric_type(&self) -> MetricType {
        Self::TYPE
    }
}

#[cfg(test)]
mod tests {
    use prometheus_client::metrics::counter::Counter;
    use prometheus_client::metrics::histogram::Histogram;
    use prometheus_client::registry::Registry;

    use super::*;

    fn text(registry: &Registry) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode_registry(&mut out, registry).unwrap();
        out
    }

    /// The same observations, from several threads, encode to the very text `prometheus-client`'s
    /// own types give.
    #[test]
    fn encodes_as_the_crates_own_counter_and_histogram() {
        let bounds = || prometheus_client::metrics::histogram::exponential_buckets(0.5, 2.0, 4);
        let (ours_c, ours_h) = (StripedCounter::default(), StripedHistogram::new(bounds()));
        let (theirs_c, theirs_h) = (Counter::<u64>::default(), Histogram::new(bounds()));
        let values = [0.1, 0.5, 0.75, 1.0, 3.0, 4.0, 9.0, 100.0];
        std::thread::scope(|scope| {
            for chunk in values.chunks(3) {
                let (c, h) = (ours_c.clone(), ours_h.clone());
                scope.spawn(move || {
                    for &v in chunk {
                        c.inc();
                        h.observe(v);
                    }
                });
            }
        });
        for &v in &values {
            theirs_c.inc();
            theirs_h.observe(v);
        }
        let (mut ours, mut theirs) = (Registry::default(), Registry::default());
        ours.register("c", "a counter", ours_c.clone());
        ours.register("h", "a histogram", ours_h);
        theirs.register("c", "a counter", theirs_c);
        theirs.register("h", "a histogram", theirs_h);
        assert_eq!(text(&ours), text(&theirs));
        assert_eq!(ours_c.get(), values.len() as u64);
        assert!(text(&ours).contains("h_bucket{le=\"+Inf\"} 8"));
    }
}
