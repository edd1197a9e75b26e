//! Beyond the notes: `asyncio`'s basics beside tokio's — `asyncio.run` is a runtime's `block_on`,
//! `async def` is `async fn`, `await` is `.await`, `asyncio.create_task` is `tokio::spawn`, and
//! `asyncio.gather` is awaiting the tasks' handles in order.
//!
//! Tasks that sleep 3, 1 and 2 units are started together; each prints when it finishes, then
//! `main` prints their results in the order they were started, and checks that one thread ran
//! them all. As in `as-completed`, the finishing order is made certain, not left to the timers:
//! after its sleep, each task waits for its turn (every shorter task has printed).
//!
//! Where Rust differs: a Rust `async fn` does nothing until it is awaited or spawned (a Python
//! coroutine object is the same, but `create_task` schedules it at once, as `spawn` does). This
//! program builds a *current-thread* runtime, one thread as asyncio's loop is;
//! `#[tokio::main]`'s default runtime has a worker per CPU, and a spawned task may run on any of
//! them (so it must be `Send`).
//!
//! Run: `cargo run -p async-basics` (one unit is 100 ms; `-- --unit-ms 10` to hurry, `-- 5 4` for other lengths).

use std::thread;
use std::time::Duration;

use clap::Parser;
use common::cli::{self, Millis};
use common::pyfmt::Py;
use tokio::sync::watch;

/// Start sleeping tasks together on one thread; print as each finishes, then all results.
#[derive(Parser)]
#[command(
    version,
    after_help = "Beyond the notes: asyncio basics. Source: examples-async/async-basics/src/main.rs; Python twin: examples-async/async-basics/async_basics.py."
)]
struct Args {
    /// How many units each task sleeps; also what it returns.
    #[arg(value_parser = cli::whole(0u32, u32::MAX), allow_negative_numbers = true, default_values_t = [3, 1, 2], num_args = 0..=1000)]
    lengths: Vec<u32>,
    /// The length of one unit, in milliseconds.
    #[arg(allow_negative_numbers = true, long, default_value = "100")]
    unit_ms: Millis,
}

/// One task: sleeps, waits for its turn, says so, and lets the next one go.
async fn task(
    units: u32,
    unit: Duration,
    rank: usize,
    finished: watch::Sender<usize>,
) -> (u32, thread::ThreadId) {
    tokio::time::sleep(unit * units).await; // Yields to the runtime; a thread sleep would not.
    let mut turns = finished.subscribe();
    turns
        .wait_for(|&done| done >= rank)
        .await
        .expect("main holds a sender");
    println!("finished: {units} unit(s)");
    finished.send_modify(|done| *done += 1);
    (units, thread::current().id())
}

fn main() -> std::process::ExitCode {
    let args = cli::parse::<Args>();
    cli::run(|| {
        // `asyncio.run(main())`: a runtime, then block until the outermost future is done.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()?;
        runtime.block_on(async {
            let unit = args.unit_ms.duration();
            let (finished, _) = watch::channel(0);
            let handles: Vec<_> = args
                .lengths
                .iter()
                .enumerate()
                .map(|(position, &units)| {
                    // Its turn comes after every shorter task's, and every equal one before it.
                    let rank = args.lengths.iter().enumerate().filter(|&(other, &length)| {
                        length < units || (length == units && other < position)
                    });
                    tokio::spawn(task(units, unit, rank.count(), finished.clone()))
                })
                .collect();
            // `gather`: every result, in the order the tasks were started.
            let mut results = Vec::new();
            for handle in handles {
                results.push(handle.await?);
            }
            let main_thread = thread::current().id();
            let lengths: Vec<u32> = results.iter().map(|&(units, _)| units).collect();
            println!("gather, in start order: {}", Py(lengths));
            let one_thread = results.iter().all(|&(_, id)| id == main_thread);
            println!("one thread ran every task: {}", Py(one_thread));
            Ok(())
        })
    })
}
