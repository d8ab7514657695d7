//! Rate limits, per node: per secret key on `/v1`, per client address on `/.well-known/*`, and per
//! client address for failed authentication. Over the limit a request gets 429 `too_many_requests`
//! with `Retry-After` (seconds). Limits are per node: N nodes behind a load balancer allow N times
//! the rate (documented in docs/security.md).
//!
//! Each limit is a keyed GCRA limiter from `governor` over a sharded `DashMap` (no global lock; a
//! shard's lock cannot be poisoned, so there is nothing to fail open on). Memory is bounded:
//! [`Limiter::sweep`] drops keys whose bucket is full again (the server runs it every
//! [`SWEEP_SECS`]), and a limiter never holds more than [`MAX_KEYS`] keys: a new key arriving at a
//! full table first triggers a sweep (at most one per second), and if the table is still full the
//! request is refused (fail closed) until entries expire. Time comes from a [`LimiterClock`], real
//! or manual (tests advance it by hand).

use std::convert::Infallible;
use std::hash::Hash;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use governor::clock::{Clock, FakeRelativeClock};
use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::keyed::{DashMapStateStore, ShrinkableKeyedStateStore};
use governor::state::{NotKeyed, StateStore};
use governor::{NotUntil, Quota, RateLimiter};
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

    /// The GCRA quota: one cell every `1 / per_sec`, `burst` cells at once (at least one).
    fn quota(&self) -> Option<Quota> {
        if self.is_off() || !self.per_sec.is_finite() {
            return None;
        }
        let period = Duration::from_secs_f64(1.0 / self.per_sec).max(Duration::from_nanos(1));
        let burst = NonZeroU32::new(self.burst.clamp(1.0, f64::from(u32::MAX)) as u32).unwrap_or(NonZeroU32::MIN);
        Quota::with_period(period).map(|q| q.allow_burst(burst))
    }
}

/// Most keys one limiter holds (about 64 bytes each); see the module comment.
pub const MAX_KEYS: usize = 100_000;

/// How often the server drops keys whose bucket is full again.
pub const SWEEP_SECS: u64 = 10;

/// The limiters' time source: the monotonic clock, or a manual one that only moves when told to
/// (clones share the same time).
#[derive(Debug, Clone)]
pub struct LimiterClock {
    origin: Instant,
    manual: Option<FakeRelativeClock>,
}

impl Default for LimiterClock {
    fn default() -> Self {
        LimiterClock { origin: Instant::now(), manual: None }
    }
}

impl LimiterClock {
    /// A clock that stands still until [`LimiterClock::advance`].
    pub fn manual() -> Self {
        LimiterClock { origin: Instant::now(), manual: Some(FakeRelativeClock::default()) }
    }

    /// Moves a manual clock forward; does nothing to the real clock.
    pub fn advance(&self, by: Duration) {
        if let Some(m) = &self.manual {
            m.advance(by);
        }
    }
}

impl Clock for LimiterClock {
    type Instant = Nanos;

    fn now(&self) -> Nanos {
        match &self.manual {
            Some(m) => m.now(),
            None => Nanos::from(self.origin.elapsed()),
        }
    }
}

/// A key plus whether the request only looks at its bucket (see [`Limiter::blocked`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Probe<K> {
    key: K,
    look_only: bool,
}

/// The shared key table: governor's `DashMap` store and an approximate key count (exact after a
/// sweep, counting inserts in between) so the fast path never sums the shards.
struct Table<K: Hash + Eq + Clone> {
    map: DashMapStateStore<K>,
    keys: AtomicUsize,
}

/// governor's state store over [`Table`]; a look-only probe reads a bucket without updating it and
/// never inserts.
struct Store<K: Hash + Eq + Clone>(Arc<Table<K>>);

impl<K: Hash + Eq + Clone> StateStore for Store<K> {
    type Key = Probe<K>;

    fn measure_and_replace<T, F, E>(&self, probe: &Probe<K>, f: F) -> Result<T, E>
    where
        F: Fn(Option<Nanos>) -> Result<(T, Nanos), E>,
    {
        let table = &self.0;
        if probe.look_only {
            let Some(state) = table.map.get(&probe.key) else { return f(None).map(|(t, _)| t) };
            // Hand the decision out as the "error" so the state is never swapped.
            return match state.measure_and_replace(&NotKeyed::NonKey, |tat| Err::<(Infallible, Nanos), _>(f(tat))) {
                Ok(never) => match never {},
                Err(decision) => decision.map(|(t, _)| t),
            };
        }
        if let Some(state) = table.map.get(&probe.key) {
            return state.measure_and_replace(&NotKeyed::NonKey, f);
        }
        let state = table.map.entry(probe.key.clone()).or_insert_with(|| {
            table.keys.fetch_add(1, Ordering::Relaxed);
            Default::default()
        });
        state.measure_and_replace(&NotKeyed::NonKey, f)
    }
}

impl<K: Hash + Eq + Clone> ShrinkableKeyedStateStore<Probe<K>> for Store<K> {
    fn retain_recent(&self, drop_below: Nanos) {
        ShrinkableKeyedStateStore::retain_recent(&self.0.map, drop_below);
        self.0.keys.store(self.0.map.len(), Ordering::Relaxed);
    }

    fn shrink_to_fit(&self) {
        self.0.map.shrink_to_fit();
    }

    fn len(&self) -> usize {
        self.0.map.len()
    }

    fn is_empty(&self) -> bool {
        self.0.map.is_empty()
    }
}

type Gcra<K> = RateLimiter<Probe<K>, Store<K>, LimiterClock, NoOpMiddleware<Nanos>>;

/// One limit, keyed by `K` (a digest or an address: `Copy`, so checking allocates nothing).
pub struct Limiter<K: Hash + Eq + Copy> {
    /// `None`: the limit is off.
    gcra: Option<Gcra<K>>,
    table: Arc<Table<K>>,
    clock: LimiterClock,
    max_keys: usize,
    /// When the last sweep forced by a full table ran (clock nanoseconds).
    last_forced_sweep: AtomicU64,
}

impl<K: Hash + Eq + Copy> std::fmt::Debug for Limiter<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limiter").field("on", &self.gcra.is_some()).field("keys", &self.table.map.len()).finish()
    }
}

impl<K: Hash + Eq + Copy> Limiter<K> {
    pub fn new(rate: Rate, clock: LimiterClock) -> Self {
        Self::with_max_keys(rate, clock, MAX_KEYS)
    }

    pub fn with_max_keys(rate: Rate, clock: LimiterClock, max_keys: usize) -> Self {
        let table = Arc::new(Table { map: DashMapStateStore::default(), keys: AtomicUsize::new(0) });
        let gcra = rate.quota().map(|q| RateLimiter::new(q, Store(table.clone()), clock.clone()));
        Limiter { gcra, table, clock, max_keys, last_forced_sweep: AtomicU64::new(0) }
    }

    /// Takes one token for `key`; `Err(seconds)` tells how long until one is available.
    pub fn take(&self, key: K) -> Result<(), u64> {
        let Some(gcra) = &self.gcra else { return Ok(()) };
        if self.table.keys.load(Ordering::Relaxed) >= self.max_keys && !self.table.map.contains_key(&key) {
            self.forced_sweep(gcra);
            if self.table.keys.load(Ordering::Relaxed) >= self.max_keys {
                // Full of live buckets: refuse new keys rather than let them through unlimited.
                return Err(1);
            }
        }
        gcra.check_key(&Probe { key, look_only: false }).map_err(|n| self.retry_after(&n))
    }

    /// `Some(seconds)` if `key` has no token left, without taking one.
    pub fn blocked(&self, key: K) -> Option<u64> {
        let gcra = self.gcra.as_ref()?;
        // No bucket at all (the count only ever over-counts between sweeps): nobody is blocked, and
        // the common case (no failed attempts lately) costs one load instead of a table lookup.
        if self.table.keys.load(Ordering::Relaxed) == 0 {
            return None;
        }
        gcra.check_key(&Probe { key, look_only: true }).err().map(|n| self.retry_after(&n))
    }

    /// Whole seconds until the next token, at least one.
    fn retry_after(&self, n: &NotUntil<Nanos>) -> u64 {
        let wait = n.wait_time_from(self.clock.now());
        wait.as_secs() + u64::from(wait.subsec_nanos() > 0 || wait.is_zero())
    }

    /// Drops the keys whose bucket is full again (they are the same as absent) and releases memory.
    pub fn sweep(&self) {
        if let Some(gcra) = &self.gcra {
            gcra.retain_recent();
            gcra.shrink_to_fit();
        }
    }

    fn forced_sweep(&self, gcra: &Gcra<K>) {
        let now = self.clock.now().as_u64();
        let last = self.last_forced_sweep.load(Ordering::Relaxed);
        let second = Duration::from_secs(1).as_nanos() as u64;
        if (last == 0 || now.saturating_sub(last) >= second)
            && self.last_forced_sweep.compare_exchange(last, now.max(1), Ordering::Relaxed, Ordering::Relaxed).is_ok()
        {
            gcra.retain_recent();
        }
    }

    /// Keys held now.
    pub fn len(&self) -> usize {
        self.table.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.table.map.is_empty()
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
    use super::*;

    fn limiter(per_sec: f64, burst: f64) -> (Limiter<u32>, LimiterClock) {
        let clock = LimiterClock::manual();
        (Limiter::new(Rate { per_sec, burst }, clock.clone()), clock)
    }

    #[test]
    fn a_bucket_allows_its_burst_then_refills_at_its_rate() {
        let (l, clock) = limiter(2.0, 3.0);
        for _ in 0..3 {
            assert_eq!(l.take(1), Ok(()));
        }
        assert_eq!(l.take(1), Err(1));
        assert_eq!(l.take(2), Ok(()), "keys are independent");
        clock.advance(Duration::from_millis(600));
        assert_eq!(l.take(1), Ok(()));
        assert_eq!(l.take(1), Err(1));
    }

    #[test]
    fn retry_after_is_the_wait_for_the_next_token_rounded_up() {
        // One token every 20 s, three at once.
        let (l, clock) = limiter(3.0 / 60.0, 3.0);
        for _ in 0..3 {
            assert_eq!(l.take(7), Ok(()));
        }
        assert_eq!(l.take(7), Err(20));
        assert_eq!(l.blocked(7), Some(20));
        clock.advance(Duration::from_millis(500));
        assert_eq!(l.take(7), Err(20), "19.5 s rounds up");
        clock.advance(Duration::from_millis(18_500));
        assert_eq!(l.take(7), Err(1));
        clock.advance(Duration::from_secs(1));
        assert_eq!(l.blocked(7), None);
        assert_eq!(l.take(7), Ok(()));
        assert_eq!(l.take(7), Err(20));
    }

    #[test]
    fn looking_takes_no_token_and_adds_no_key() {
        let (l, _clock) = limiter(1.0, 2.0);
        for _ in 0..10 {
            assert_eq!(l.blocked(1), None);
        }
        assert!(l.is_empty(), "a look does not insert");
        assert_eq!(l.take(1), Ok(()));
        assert_eq!(l.blocked(1), None);
        assert_eq!(l.take(1), Ok(()));
        assert_eq!(l.blocked(1), Some(1));
        assert_eq!(l.blocked(1), Some(1));
    }

    #[test]
    fn sweeping_drops_only_full_buckets() {
        let (l, clock) = limiter(1.0, 2.0);
        for k in 0..100 {
            l.take(k).unwrap();
        }
        assert_eq!(l.len(), 100);
        clock.advance(Duration::from_millis(500));
        l.take(5).unwrap();
        // governor keeps a key until its bucket has been full for one emission interval (1 s).
        clock.advance(Duration::from_millis(1_499));
        l.sweep();
        assert_eq!(l.len(), 100, "every bucket was full for less than 1 s");
        clock.advance(Duration::from_millis(1));
        l.sweep();
        assert_eq!(l.len(), 1, "only key 5 spent a token that has not been full for 1 s");
        clock.advance(Duration::from_secs(1));
        l.sweep();
        assert!(l.is_empty());
    }

    #[test]
    fn a_full_table_refuses_new_keys_until_a_sweep_frees_room() {
        let clock = LimiterClock::manual();
        let l = Limiter::with_max_keys(Rate { per_sec: 1.0, burst: 2.0 }, clock.clone(), 3);
        for k in 0..3 {
            l.take(k).unwrap();
        }
        assert_eq!(l.take(3), Err(1), "no room for a fourth key: fail closed");
        assert_eq!(l.take(0), Ok(()), "known keys keep their own limit");
        assert_eq!(l.len(), 3);
        clock.advance(Duration::from_millis(500));
        assert_eq!(l.take(3), Err(1), "nothing to sweep yet, and at most one forced sweep a second");
        clock.advance(Duration::from_millis(1_500));
        assert_eq!(l.take(3), Ok(()), "the forced sweep dropped keys 1 and 2");
        assert_eq!(l.len(), 2, "key 0 spent its second token later and stays");
    }

    #[test]
    fn off_never_limits_and_holds_nothing() {
        let l = Limiter::new(Rate::OFF, LimiterClock::manual());
        for k in 0..10_000u32 {
            assert!(l.take(k % 3).is_ok());
        }
        assert_eq!(l.blocked(1), None);
        assert!(l.is_empty());
    }

    #[test]
    fn the_real_clock_moves_and_the_manual_one_only_when_told() {
        let real = LimiterClock::default();
        let a = real.now();
        while real.now() == a {}
        let manual = LimiterClock::manual();
        let twin = manual.clone();
        assert_eq!(manual.now(), manual.now());
        twin.advance(Duration::from_secs(3));
        assert_eq!(manual.now(), Nanos::from(Duration::from_secs(3)));
    }

    #[test]
    fn standard_rates_have_their_burst() {
        let (l, _clock) = {
            let clock = LimiterClock::manual();
            (Limiter::new(Rate::per_second(2_000), clock.clone()), clock)
        };
        for _ in 0..4_000 {
            assert_eq!(l.take(1), Ok(()));
        }
        assert_eq!(l.take(1), Err(1));
    }
}
