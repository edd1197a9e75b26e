//! Beyond the notes: the process twin of *Synchronization Using Lock*. Several processes add to
//! one `SharedValue`, first each increment under the value's lock (`with v.get_lock():`), then
//! without it.
//!
//! Without the lock an increment is a read and a later write, and another process's write in
//! between is lost. To make the loss certain rather than likely, each process reads once, then
//! waits until every process has read before it writes: all of them read the same value, so at
//! least `processes − 1` updates are lost on any machine. The parent is the barrier: each worker
//! tells it "read" and waits for "go" on its own `common::pipe` (Python's twin uses
//! `multiprocessing.Barrier`). With the lock nothing is lost, whatever the scheduling.
//!
//! Run: `cargo run -p process-lock` prints `with lock: 4000`, then `without lock: M` with M at
//! most 3997. Only the first line is Python's too; M varies from run to run.

use clap::Parser;
use common::pipe::{self, Connection};
use common::process::{self, StartMethod};
use common::shared::SharedValue;
use common::{cli, target::Target};

/// Increment a shared value from several processes, with and without its lock.
#[derive(Parser)]
#[command(
    version,
    after_help = "Beyond the notes: multiprocessing.Value's lock. Source: examples-processes/process-lock/src/main.rs; Python twin: examples-processes/process-lock/process_lock.py."
)]
struct Args {
    /// Worker processes (2 to 64).
    #[arg(allow_negative_numbers = true, long, default_value_t = 4, value_parser = cli::whole(2u64, 64))]
    processes: u64,
    /// Increments per process (1 to 1000000).
    #[arg(allow_negative_numbers = true, long, default_value_t = 1000, value_parser = cli::whole(1u64, 1_000_000))]
    increments: u64,
    /// How the worker processes are started.
    #[arg(long, value_enum, default_value_t = StartMethod::Fork)]
    start_method: StartMethod,
}

fn add_locked((counter, n): (SharedValue<i64>, u64)) -> anyhow::Result<()> {
    for _ in 0..n {
        let _held = counter.lock()?; // Released at the end of each turn of the loop.
        counter.set(counter.get() + 1);
    }
    Ok(())
}

fn add_unlocked(
    (counter, n, barrier): (SharedValue<i64>, u64, Connection<()>),
) -> anyhow::Result<()> {
    let first = counter.get();
    barrier.send(&())?; // "I have read."
    barrier.recv()?; // "Everyone has read": only now write.
    counter.set(first + 1);
    for _ in 1..n {
        counter.set(counter.get() + 1);
    }
    Ok(())
}

const ADD_LOCKED: Target<(SharedValue<i64>, u64), anyhow::Result<()>> = common::target!(add_locked);
type Unlocked = (SharedValue<i64>, u64, Connection<()>);
const ADD_UNLOCKED: Target<Unlocked, anyhow::Result<()>> = common::target!(add_unlocked);

fn main() -> std::process::ExitCode {
    common::roles::run_if_child(&[&ADD_LOCKED, &ADD_UNLOCKED]); // Rust's `if __name__ == '__main__':`
    let Args {
        processes,
        increments: n,
        start_method: method,
    } = cli::parse::<Args>();
    cli::run(|| {
        let counter = SharedValue::new(0i64)?;
        let workers = (0..processes)
            .map(|_| process::start(method, &ADD_LOCKED, (counter.clone(), n)))
            .collect::<common::Result<Vec<_>>>()?;
        workers.into_iter().try_for_each(process::Child::join)?;
        println!("with lock: {}", counter.get());

        let counter = SharedValue::new(0i64)?;
        let mut barriers = Vec::new();
        let mut workers = Vec::new();
        for _ in 0..processes {
            let (ours, theirs) = pipe::pipe()?;
            workers.push(process::start(
                method,
                &ADD_UNLOCKED,
                (counter.clone(), n, theirs),
            )?);
            barriers.push(ours);
        }
        barriers.iter().try_for_each(|b| b.recv())?; // Every worker has read...
        barriers.iter().try_for_each(|b| b.send(&()))?; // ...so every worker may write.
        workers.into_iter().try_for_each(process::Child::join)?;
        println!("without lock: {}", counter.get());
        Ok(())
    })
}
