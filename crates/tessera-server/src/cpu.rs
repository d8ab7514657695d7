//! The server's CPU pool ([`tessera_core::cpu::CpuPool`]): password hashing runs on tokio's blocking
//! threads, never on an executor thread, and at most one job per core runs at a time (Argon2id holds
//! 19 MiB while it runs, so the bound also bounds that memory); further jobs wait their turn.

use std::sync::Arc;

use tessera_core::cpu::{CpuPool, Done, Job};
use tokio::sync::Semaphore;

#[derive(Debug, Clone)]
pub struct BlockingPool {
    permits: Arc<Semaphore>,
}

impl BlockingPool {
    /// A pool running at most `max` jobs at once (at least one).
    pub fn new(max: usize) -> Self {
        BlockingPool { permits: Arc::new(Semaphore::new(max.max(1))) }
    }

    /// One job per available core.
    pub fn per_core() -> Self {
        Self::new(std::thread::available_parallelism().map(usize::from).unwrap_or(1))
    }
}

impl CpuPool for BlockingPool {
    fn run(&self, job: Job) -> Done {
        let permits = self.permits.clone();
        Box::pin(async move {
            let Ok(_permit) = permits.acquire_owned().await else {
                return;
            };
            // A panic in the job ends here; the core sees that no result came back.
            let _ = tokio::task::spawn_blocking(job).await;
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn jobs_run_off_the_executor_and_at_most_max_at_once() {
        let pool = BlockingPool::new(2);
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let ran = Arc::new(AtomicUsize::new(0));
        let executor = std::thread::current().id();
        let mut tasks = Vec::new();
        for _ in 0..6 {
            let (running, peak, ran) = (running.clone(), peak.clone(), ran.clone());
            tasks.push(tokio::spawn(pool.run(Box::new(move || {
                assert_ne!(std::thread::current().id(), executor, "the job runs on a blocking thread");
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(20));
                running.fetch_sub(1, Ordering::SeqCst);
                ran.fetch_add(1, Ordering::SeqCst);
            }))));
        }
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(ran.load(Ordering::SeqCst), 6);
        assert!((1..=2).contains(&peak.load(Ordering::SeqCst)), "{peak:?}");
        // A panicking job resolves too.
        pool.run(Box::new(|| panic!("boom"))).await;
    }
}
