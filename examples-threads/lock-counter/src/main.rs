//! Notes § *Synchronization Using Lock*.
//!
//! Several threads increment one counter the notes' way: read a local copy, add one, write it
//! back. With a `Mutex` (Python's `with lock:`) no update is lost. Without one, safe Rust will not
//! even compile `counter += 1` on shared data (see this crate's library docs for the doc test);
//! the closest legal mistake is an atomic load followed by a separate store, which loses updates.
//! How many it loses depends on the scheduler (on one CPU, often none), so the unlocked run makes
//! one loss certain: every thread's first read happens before any thread's first write (a
//! `Barrier` between them), so those reads all see 0 and at most one of them can count. The
//! total is then at most threads × increments − (threads − 1), on any machine, under any load.
//!
//! Run: `cargo run -p lock-counter` (`-- --threads 4 --increments 1000` to change the work).

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Barrier, Mutex};
use std::thread;

use clap::Parser;
use common::cli;

/// Count to threads × increments with and without a lock.
#[derive(Parser)]
#[command(
    version,
    after_help = "Notes § Synchronization Using Lock. Source: examples-threads/lock-counter/src/main.rs; Python twin: examples-threads/lock-counter/lock_counter.py."
)]
struct Args {
    /// How many threads increment the counter (1 to 256).
    #[arg(allow_negative_numbers = true, long, default_value_t = 8, value_parser = cli::whole(1u64, 256))]
    threads: u64,
    /// How many increments each thread does (up to 10 000 000).
    #[arg(allow_negative_numbers = true, long, default_value_t = 100_000, value_parser = cli::whole(0u64, 10_000_000))]
    increments: u64,
}

fn increment_with_lock(counter: &Mutex<u64>) {
    let mut counter = counter
        .lock()
        .expect("no thread panics while holding the lock");
    let local_copy = *counter;
    *counter = local_copy + 1;
} // The guard drops here and unlocks, like leaving the `with` block.

fn increment_without_lock(counter: &AtomicU64, first_round: Option<&Barrier>) {
    // Each access is atomic, but the pair is not: another thread may store between them.
    let local_copy = counter.load(Relaxed);
    if let Some(everyone_has_read) = first_round {
        everyone_has_read.wait(); // Widen the window, once, so that the race is certain.
    }
    counter.store(local_copy + 1, Relaxed);
}

/// Runs `increment` on `counter` from `threads` threads, `increments` times each.
fn hammer<C: Sync>(counter: &C, args: &Args, increment: impl Fn(&C, u64) + Sync) {
    // Scoped threads may borrow `counter`: the scope joins them all before it returns.
    thread::scope(|s| {
        for _ in 0..args.threads {
            s.spawn(|| (0..args.increments).for_each(|round| increment(counter, round)));
        }
    });
}

fn main() -> std::process::ExitCode {
    let args = cli::parse::<Args>();
    cli::run(|| {
        let locked = Mutex::new(0);
        hammer(&locked, &args, |counter, _| increment_with_lock(counter));
        println!("with lock: {}", locked.into_inner().expect("not poisoned"));

        let unlocked = AtomicU64::new(0);
        let everyone_has_read = Barrier::new(args.threads as usize);
        hammer(&unlocked, &args, |counter, round| {
            increment_without_lock(counter, (round == 0).then_some(&everyone_has_read))
        });
        println!("without lock: {}", unlocked.into_inner());
        Ok(())
    })
}
