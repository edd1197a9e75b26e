//! Beyond the notes: the rest of `multiprocessing.Pool`, on `common::pool::ProcessPool`:
//! `imap` (lazy, in order), `imap_unordered`, `starmap`, `apply_async`, and the pool's
//! `initializer`/`initargs` and `maxtasksperchild` (`ProcessPool::builder`).
//!
//! `imap` prints each square as it arrives. `imap_unordered`'s order depends on which worker
//! finishes first, so it is printed sorted. An initializer runs once in each worker and sets
//! that process's `OFFSET`, which its tasks then read. With one task per child, every task runs
//! in a process of its own: four tasks, four pids, certainly.
//!
//! Run: `cargo run -p pool-api` prints `imap: 1 4 9 16 25` and five more lines;
//! `cargo run -p pool-api -- 3 4 --start-method spawn`.

mod tasks;

use clap::Parser;
use common::cli;
use common::pool::ProcessPool;
use common::process::StartMethod;
use common::pyfmt::Py;
use tasks::{ADD_OFFSET, POWER, SET_OFFSET, SQUARE, WORKER_PID};

/// Show imap, imap_unordered, starmap, apply_async, initializer and maxtasksperchild.
#[derive(Parser)]
#[command(
    version,
    after_help = "Beyond the notes: multiprocessing.Pool. Source: examples-processes/pool-api/src/main.rs; Python twin: examples-processes/pool-api/pool_api.py."
)]
struct Args {
    /// The numbers to square (each an i64; squared exactly, as i128) [default: 1 2 3 4 5; a bare
    /// `--`: none]
    #[arg(allow_negative_numbers = true, value_parser = cli::int64)]
    numbers: Vec<i64>,
    /// How many worker processes (1 to 256).
    #[arg(allow_negative_numbers = true, long, default_value_t = 2, value_parser = cli::worker_count())]
    workers: usize,
    /// How the worker processes are started.
    #[arg(long, value_enum, default_value_t = StartMethod::Fork)]
    start_method: StartMethod,
}

fn main() -> std::process::ExitCode {
    common::roles::run_if_child(&[&SQUARE, &POWER, &SET_OFFSET, &ADD_OFFSET, &WORKER_PID]);
    let Args {
        numbers,
        workers,
        start_method: method,
    } = cli::parse::<Args>();
    let numbers = cli::numbers_or(numbers, &[1, 2, 3, 4, 5]);
    cli::run(|| {
        let mut pool = ProcessPool::new(workers, method)?;
        print!("imap:");
        for square in pool.imap(&SQUARE, numbers.clone(), 1)? {
            print!(" {}", square?); // Each as soon as it, and those before it, are back.
        }
        println!();
        let mut unordered = pool
            .imap_unordered(&SQUARE, numbers.clone(), 1)?
            .collect::<common::Result<Vec<_>>>()?;
        unordered.sort();
        println!("imap_unordered, sorted: {}", Py(&unordered));
        println!(
            "starmap(pow): {}",
            Py(&pool.starmap(&POWER, [(2, 3), (3, 2)])?)
        );
        let pending = pool.apply_async(&SQUARE, 7)?; // Returns at once; the worker is at it.
        println!("apply_async(square, 7).get(): {}", pending.get(&mut pool)?);

        let mut pool = ProcessPool::builder(workers)
            .method(method)
            .initializer(&SET_OFFSET, 10)
            .start()?;
        println!(
            "initializer sets OFFSET = 10: {}",
            Py(&pool.map(&ADD_OFFSET, numbers)?)
        );
        let mut pool = ProcessPool::builder(workers)
            .method(method)
            .max_tasks_per_child(1)
            .start()?;
        let mut pids = pool.map(&WORKER_PID, 0..4)?;
        pids.sort();
        pids.dedup();
        println!(
            "maxtasksperchild=1: 4 tasks ran in {} different processes",
            pids.len()
        );
        Ok(())
    })
}
