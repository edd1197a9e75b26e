//! Beyond the notes: giving up and cancelling in `asyncio` — `wait_for`, `asyncio.timeout`,
//! `task.cancel()` with `CancelledError`, and `TaskGroup` (Python 3.11) — beside tokio's
//! `time::timeout`, `JoinHandle::abort` and `JoinSet`.
//!
//! Four short scenes, each ending in one line: a timeout around one await, a timeout around a
//! block of awaits, a task cancelled while it waits, and a group of two tasks where one fails and
//! the other, still waiting, is cancelled. Nothing depends on timing: the awaited work never
//! finishes on its own, and each cancel comes after the task has said it started.
//!
//! Where Rust differs: Python cancels by raising `CancelledError` inside the task at its next
//! `await`, and the task may catch it to clean up (or even refuse). A Rust future is cancelled by
//! being *dropped*: `timeout` drops the future it gave up on, and `abort` has the runtime drop the
//! task's future. Nothing runs in the task after its last `.await`; its cleanup is `Drop`, as
//! here (`cleanup.rs`), which runs however the future ends. `JoinSet` plays `TaskGroup`
//! (`group.rs`): on the first error this program calls `abort_all`, which `TaskGroup` does by
//! itself (and dropping a `JoinSet` aborts whatever it still holds).
//!
//! A timeout of 0 ms is refused in both programs: Python 3.11's `wait_for` then cancels the
//! coroutine before it has started (`asyncio/tasks.py`, the `timeout <= 0` branch), so its cleanup
//! never runs, while tokio's `timeout` polls the future once before it looks at the clock. From
//! 1 ms on both start the work first, then cancel it.
//!
//! Run: `cargo run -p async-timeouts [-- --timeout-ms 50]`.

use std::time::Duration;

use clap::Parser;

mod cleanup;
mod group;
use cleanup::{Cleaned, never};
use common::cli::{self, Millis};
use common::pyfmt::Py;
use tokio::sync::oneshot;

/// Time out, cancel, and fail in a group, on one thread.
#[derive(Parser)]
#[command(
    version,
    after_help = "Beyond the notes: asyncio timeouts and cancellation. Source: examples-async/async-timeouts/src/main.rs; Python twin: examples-async/async-timeouts/async_timeouts.py."
)]
struct Args {
    /// How long each timeout waits, in milliseconds (at least 1: see the header).
    #[arg(allow_negative_numbers = true, long, default_value = "50", value_parser = Millis::positive)]
    timeout_ms: Millis,
}

fn main() -> std::process::ExitCode {
    let args = cli::parse::<Args>();
    cli::run(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()?;
        runtime.block_on(scenes(args.timeout_ms.duration()))
    })
}

async fn scenes(limit: Duration) -> Result<(), common::error::BoxError> {
    let ms = limit.as_millis();

    // `asyncio.wait_for(never(), timeout)`: on time-out the inner work is cancelled.
    let cleaned = Cleaned::default();
    let gave_up = tokio::time::timeout(limit, never(cleaned.clone()))
        .await
        .is_err();
    println!(
        "a timeout around one await: gave up after {ms} ms: {}; the work was cancelled: {}",
        Py(gave_up),
        Py(cleaned.seen())
    );

    // `async with asyncio.timeout(t):` around several awaits: one deadline for the whole block.
    let cleaned = Cleaned::default();
    let block = async {
        tokio::task::yield_now().await;
        never(cleaned.clone()).await;
    };
    let gave_up = tokio::time::timeout(limit, block).await.is_err();
    println!(
        "a timeout around a block: gave up after {ms} ms: {}; the work was cancelled: {}",
        Py(gave_up),
        Py(cleaned.seen())
    );

    // `task.cancel()`, then awaiting the task.
    let cleaned = Cleaned::default();
    let (started, has_started) = oneshot::channel();
    let worker = {
        let cleaned = cleaned.clone();
        tokio::spawn(async move {
            _ = started.send(());
            never(cleaned).await;
        })
    };
    has_started.await?;
    worker.abort();
    let seen_cancelled = worker.await.is_err_and(|e| e.is_cancelled());
    println!(
        "a cancelled task: its cleanup ran: {}; awaiting it reported the cancellation: {}",
        Py(cleaned.seen()),
        Py(seen_cancelled)
    );

    group::one_fails().await
}
