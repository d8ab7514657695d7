//! CPU-heavy work off the async executor. Hashing a password takes tens of milliseconds and 19 MiB
//! (Argon2id, `passwords::hashers`); done on an executor thread it would stall every request that
//! thread serves. The core knows no runtime and does no IO, so whoever builds the [`Tessera`] says
//! where such work runs: the server gives a bounded pool of blocking threads
//! (`tessera_server::cpu::BlockingPool`); without one, work runs inline, in the calling task (tests,
//! fuzzing, offline commands).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use crate::error::{ApiError, ApiResult};
use crate::service::Tessera;

/// One piece of CPU-bound work.
pub type Job = Box<dyn FnOnce() + Send + 'static>;
/// Resolves once a [`Job`] has run (or can no longer run).
pub type Done = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// Where CPU-heavy jobs run.
pub trait CpuPool: Send + Sync + 'static {
    /// Runs `job` to completion, away from the caller's executor thread where the pool has other
    /// threads. The future resolves when the job has run; if it cannot run (the pool is shutting
    /// down, the job panicked) it resolves anyway and the caller reports an internal error.
    fn run(&self, job: Job) -> Done;
}

/// Runs each job at once, in the calling task.
#[derive(Debug, Default, Clone, Copy)]
pub struct Inline;

impl CpuPool for Inline {
    fn run(&self, job: Job) -> Done {
        job();
        Box::pin(std::future::ready(()))
    }
}

impl Tessera {
    /// Uses `pool` for CPU-heavy work (password hashing) from now on.
    pub fn with_cpu_pool(mut self, pool: Arc<dyn CpuPool>) -> Self {
        self.cpu = pool;
        self
    }

    /// Runs `work` on the CPU pool and returns what it returned.
    pub(crate) async fn on_cpu<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> ApiResult<T> {
        let slot = Arc::new(Mutex::new(None));
        let out = slot.clone();
        self.cpu
            .run(Box::new(move || {
                let value = work();
                if let Ok(mut s) = out.lock() {
                    *s = Some(value);
                }
            }))
            .await;
        let value = slot.lock().ok().and_then(|mut s| s.take());
        value.ok_or_else(|| ApiError::internal_logged("CPU-bound work", "the job did not run to completion"))
    }
}
