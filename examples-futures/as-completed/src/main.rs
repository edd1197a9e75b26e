//! Beyond the notes: `concurrent.futures.as_completed`, the next thing a learner meets.
//!
//! Tasks that sleep 3, 1 and 2 units are submitted together to a `ThreadPoolExecutor`;
//! `as_completed` hands their futures back in the order they finish, so the results print as
//! `1`, `2`, `3`. The last line lists the same results in submission order: `[3, 1, 2]`.
//! Sleeping different lengths does not make that order certain (a loaded machine can wake the
//! longer sleeper first), so each task, after its sleep, also waits for its turn: the shorter
//! tasks' results must have reached `main` first. (Ties go by position.)
//!
//! Run: `cargo run -p as-completed` (one unit is 1 s; `-- --unit-ms 100` to hurry, `-- 5 4` for other lengths).

use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::Duration;

use clap::Parser;
use common::cli::{self, Millis};
use common::futures::{ThreadPoolExecutor, as_completed};
use common::pyfmt::Py;

/// Print task results in the order the tasks finish.
#[derive(Parser)]
#[command(
    version,
    after_help = "Beyond the notes: concurrent.futures.as_completed. Source: examples-futures/as-completed/src/main.rs; Python twin: examples-futures/as-completed/as_completed.py."
)]
struct Args {
    /// How many units each task sleeps; also what it returns (at most 256 tasks: one thread each).
    #[arg(value_parser = cli::whole(0u32, u32::MAX), allow_negative_numbers = true, default_values_t = [3, 1, 2], num_args = 0..=256)]
    lengths: Vec<u32>,
    /// The length of one unit, in milliseconds.
    #[arg(allow_negative_numbers = true, long, default_value = "1000")]
    unit_ms: Millis,
}

/// Whose turn it is to finish: tasks finish in order of length, one at a time.
struct Turns {
    finished: Mutex<usize>,
    changed: Condvar,
}

fn task(units: u32, unit: Duration, rank: usize, turns: &Turns) -> u32 {
    thread::sleep(unit * units);
    let finished = turns.finished.lock().expect("no panic holds it");
    drop(turns.changed.wait_while(finished, |done| *done < rank));
    units
}

fn main() -> std::process::ExitCode {
    let args = cli::parse::<Args>();
    cli::run(|| {
        let unit = args.unit_ms.duration();
        // One worker per task, so that they all run at once and only their lengths decide the order.
        let executor = ThreadPoolExecutor::new(args.lengths.len().max(1))?;
        let turns = Arc::new(Turns {
            finished: Mutex::new(0),
            changed: Condvar::new(),
        });
        let futures = args.lengths.iter().enumerate().map(|(position, &units)| {
            // Its turn comes after every shorter task's, and every equal one before it.
            let rank = args.lengths.iter().enumerate().filter(|&(other, &length)| {
                length < units || (length == units && other < position)
            });
            let (rank, turns) = (rank.count(), Arc::clone(&turns));
            executor.submit(move |u| task(u, unit, rank, &turns), units)
        });
        let mut in_submission_order = vec![0; args.lengths.len()];
        for (position, future) in as_completed(futures) {
            let result = future.result()?;
            println!("{result}");
            in_submission_order[position] = result;
            *turns.finished.lock().expect("no panic holds it") += 1;
            turns.changed.notify_all(); // The next task may finish now.
        }
        println!("{}", Py(in_submission_order));
        Ok(())
    })
}
