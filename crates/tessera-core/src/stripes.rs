//! Counters that every request bumps, without making the cores fight over one cache line.
//!
//! A plain `AtomicU64` bumped on every mint is one cache line written by every core: each increment
//! has to fetch the line from the core that wrote it last, and everything else on that line (a
//! freshness deadline read by every mint, say) is evicted with it. A [`StripedU64`] keeps one
//! counter per *stripe*, each on its own cache line; a thread always bumps the same stripe (given out
//! round-robin the first time it counts), so with no more threads than stripes a core only ever
//! writes a line it already owns. Reading sums the stripes: exact once writers have stopped, and
//! never less than any earlier read (each stripe only grows).

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Stripes per counter: more than the worker threads of any machine Tessera is sized for; beyond
/// that, threads share stripes (still correct, only less spread).
pub const STRIPES: usize = 16;

/// One counter on a cache line of its own (128 bytes: adjacent-line prefetchers fetch lines in pairs).
#[derive(Default)]
#[repr(align(128))]
struct Padded(AtomicU64);

/// A monotonic counter spread over [`STRIPES`] cache lines.
#[derive(Default)]
pub struct StripedU64 {
    stripes: [Padded; STRIPES],
}

impl std::fmt::Debug for StripedU64 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("StripedU64").field(&self.get()).finish()
    }
}

/// The stripe of the calling thread: fixed for the thread's life, given out round-robin.
pub fn stripe() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static MINE: usize = NEXT.fetch_add(1, Ordering::Relaxed) % STRIPES;
    }
    MINE.with(|s| *s)
}

impl StripedU64 {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `n` on the calling thread's stripe.
    pub fn add(&self, n: u64) {
        self.stripes[stripe()].0.fetch_add(n, Ordering::Relaxed);
    }

    pub fn inc(&self) {
        self.add(1);
    }

    /// The sum of all stripes.
    pub fn get(&self) -> u64 {
        self.stripes.iter().map(|s| s.0.load(Ordering::Relaxed)).fold(0u64, u64::wrapping_add)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn counts_from_many_threads_add_up() {
        let c = Arc::new(StripedU64::new());
        let threads: Vec<_> = (0..STRIPES + 3)
            .map(|_| {
                let c = c.clone();
                std::thread::spawn(move || {
                    for _ in 0..1000 {
                        c.inc();
                    }
                    c.add(5);
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(c.get(), (STRIPES as u64 + 3) * 1005);
    }

    #[test]
    fn a_thread_keeps_its_stripe_and_stripes_do_not_share_lines() {
        assert_eq!(stripe(), stripe());
        assert!(stripe() < STRIPES);
        assert_eq!(std::mem::align_of::<Padded>(), 128);
        assert_eq!(std::mem::size_of::<StripedU64>(), 128 * STRIPES);
    }
}
