//! In-memory token buckets, per node: per secret key on `/v1`, per client address on
//! `/.well-known/*`, and per client address for failed authentication. Over the limit a request gets
//! 429 `too_many_requests` with `Retry-After` (seconds). Limits are per node: N nodes behind a load
//! balancer allow N times the rate (documented in docs/security.md).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use tessera_core::{ApiError, ErrorKind};

/// A sustained rate with a burst; `per_sec == 0` disables the limit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub per_sec: f64,
    pub burst: f64,
}

impl Rate {
    pub const OFF: Rate = Rate { per_sec: 0.0, burst: 0.0 };

    pub fn per_second(n: u32) -> Rate {
        Rate { per_sec: f64::from(n), burst: f64::from(n.max(1)) * 2.0 }
    }

    pub fn per_minute(n: u32) -> Rate {
        Rate { per_sec: f64::from(n) / 60.0, burst: f64::from(n.max(1)) }
    }

    pub fn is_off(&self) -> bool {
        self.per_sec <= 0.0
    }
}

/// Buckets are dropped once full again, and the table is pruned when it grows past this size.
const MAX_BUCKETS: usize = 100_000;

#[derive(Debug)]
pub struct Limiter {
    rate: Rate,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl Limiter {
    pub fn new(rate: Rate) -> Self {
        Limiter { rate, buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes one token for `key`; `Err(seconds)` tells how long until one is available.
    pub fn take(&self, key: &str) -> Result<(), u64> {
        self.take_at(key, Instant::now())
    }

    /// True if `key` has no token left (without taking one).
    pub fn exhausted(&self, key: &str) -> bool {
        if self.rate.is_off() {
            return false;
        }
        let now = Instant::now();
        let Ok(buckets) = self.buckets.lock() else { return false };
        buckets.get(key).is_some_and(|(tokens, at)| self.refill(*tokens, *at, now) < 1.0)
    }

    fn refill(&self, tokens: f64, at: Instant, now: Instant) -> f64 {
        (tokens + now.saturating_duration_since(at).as_secs_f64() * self.rate.per_sec).min(self.rate.burst)
    }

    pub fn take_at(&self, key: &str, now: Instant) -> Result<(), u64> {
        if self.rate.is_off() {
            return Ok(());
        }
        let Ok(mut buckets) = self.buckets.lock() else { return Ok(()) };
        if buckets.len() >= MAX_BUCKETS {
            let rate = self.rate;
            buckets.retain(|_, (t, at)| {
                (*t + now.saturating_duration_since(*at).as_secs_f64() * rate.per_sec) < rate.burst
            });
        }
        let (tokens, at) = buckets.get(key).copied().unwrap_or((self.rate.burst, now));
        let available = self.refill(tokens, at, now);
        if available >= 1.0 {
            buckets.insert(key.to_owned(), (available - 1.0, now));
            Ok(())
        } else {
            buckets.insert(key.to_owned(), (available, now));
            let wait = (1.0 - available) / self.rate.per_sec;
            Err(wait.ceil().max(1.0) as u64)
        }
    }
}

/// The 429 answer.
pub fn too_many(retry_after: u64) -> ApiError {
    ApiError::new(
        ErrorKind::TooManyRequests,
        "too_many_requests",
        "Too many requests",
        "Too many requests, retry later",
    )
    .with_meta("retry_after", retry_after)
    .with_meta("ResetsIn", retry_after)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_bucket_allows_its_burst_then_refills_at_its_rate() {
        let l = Limiter::new(Rate { per_sec: 2.0, burst: 3.0 });
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(l.take_at("k", t0).is_ok());
        }
        assert_eq!(l.take_at("k", t0), Err(1));
        assert!(l.take_at("other", t0).is_ok(), "keys are independent");
        assert!(l.take_at("k", t0 + Duration::from_millis(600)).is_ok());
        assert!(l.take_at("k", t0 + Duration::from_millis(600)).is_err());
    }

    #[test]
    fn off_never_limits() {
        let l = Limiter::new(Rate::OFF);
        for _ in 0..10_000 {
            assert!(l.take("k").is_ok());
        }
    }
}
