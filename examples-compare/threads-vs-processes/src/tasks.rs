//! The async-tasks column (beyond the notes), where the notes' rows apply to tasks: what an idle
//! task adds to memory, what a task's start + join costs, and the I/O-bound waits as tasks. All on
//! a tokio current-thread runtime: one thread, as asyncio's event loop is.
//!
//! A task is a future the runtime polls: it has no stack of its own, only its state between two
//! `.await`s, so an idle one costs what that state and the runtime's bookkeeping take.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use tokio::runtime::{Builder, Runtime};
use tokio::sync::{Notify, Semaphore};

fn runtime() -> Result<Runtime> {
    Builder::new_current_thread()
        .enable_time()
        .build()
        .context("starting a tokio runtime")
}

/// KiB of resident memory one idle task adds, over `n` tasks that have all started and wait.
pub fn memory_per_idle_task(n: usize, resident_kib: impl Fn() -> Result<i64>) -> Result<f64> {
    runtime()?.block_on(async {
        let before = resident_kib()?;
        let (started, all_started) = (Arc::new(AtomicUsize::new(0)), Arc::new(Notify::new()));
        let stop = Arc::new(Semaphore::new(0)); // No permits: every task waits for one.
        let tasks: Vec<_> = (0..n)
            .map(|_| {
                let (started, all_started, stop) = (
                    Arc::clone(&started),
                    Arc::clone(&all_started),
                    Arc::clone(&stop),
                );
                tokio::spawn(async move {
                    if started.fetch_add(1, Ordering::SeqCst) + 1 == n {
                        all_started.notify_one(); // Kept as a permit if main is not waiting yet.
                    }
                    _ = stop.acquire().await; // Idle until main has measured.
                })
            })
            .collect();
        all_started.notified().await;
        let after = resident_kib()?;
        stop.add_permits(n);
        for task in tasks {
            task.await?;
        }
        Ok((after - before) as f64 / n as f64)
    })
}

/// Microseconds to spawn a task that does nothing and await it, averaged over `n`.
pub fn start_and_join(n: usize) -> Result<f64> {
    runtime()?.block_on(async {
        let started = Instant::now();
        for _ in 0..n {
            tokio::spawn(async {}).await?;
        }
        Ok(started.elapsed().as_secs_f64() * 1e6 / n as f64)
    })
}

/// `waits` waits of `wait`, a task each, at most `at_once` waiting together (as many as the
/// threads have workers); returns how many waited.
pub fn io_waits(waits: usize, wait: Duration, at_once: usize) -> Result<u64> {
    runtime()?.block_on(async {
        let limit = Arc::new(Semaphore::new(at_once));
        let tasks: Vec<_> = (0..waits)
            .map(|_| {
                let limit = Arc::clone(&limit);
                tokio::spawn(async move {
                    let _turn = limit.acquire().await;
                    tokio::time::sleep(wait).await; // Waiting, not blocking: the thread is free.
                    1u64
                })
            })
            .collect();
        let mut total = 0;
        for task in tasks {
            total += task.await?;
        }
        Ok(total)
    })
}
