//! Beyond the notes: `concurrent.futures.as_completed`, the next thing a learner meets.
//!
//! Tasks that sleep 3, 1 and 2 units are submitted together to a `ThreadPoolExecutor`;
//! `as_completed` hands their futures back in the order they finish, so the results print as
//! `1`, `2`, `3`. The last line lists the same results in submission order: `[3, 1, 2]`.
//! The lengths are a whole unit apart, so the finishing order is certain.
//!
//! Run: `cargo run -p as-completed` (one unit is 1 s; `-- --unit-ms 100` to hurry, `-- 5 4` for other lengths).

use std::thread;
use std::time::Duration;

use clap::Parser;
use common::cli::{self, Millis};
use common::futures::{ThreadPoolExecutor, as_completed};
use common::pyfmt::Py;

/// Print task results in the order the tasks finish.
#[derive(Parser)]
struct Args {
    /// How many units each task sleeps; also what it returns (at most 256 tasks: one thread each).
    #[arg(default_values_t = [3, 1, 2], num_args = 0..=256)]
    lengths: Vec<u32>,
    /// The length of one unit, in milliseconds.
    #[arg(long, default_value = "1000")]
    unit_ms: Millis,
}

fn task(units: u32, unit: Duration) -> u32 {
    thread::sleep(unit * units);
    units
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    cli::run(|| {
        let unit = args.unit_ms.duration();
        let longest = args.lengths.iter().copied().max().unwrap_or(0);
        anyhow::ensure!(
            unit.checked_mul(longest).is_some(),
            "{longest} units of {} ms is too long a sleep",
            args.unit_ms
        );
        // One worker per task, so that they all run at once and only their lengths decide the order.
        let executor = ThreadPoolExecutor::new(args.lengths.len().max(1))?;
        let futures = args
            .lengths
            .iter()
            .map(|&units| executor.submit(move |u| task(u, unit), units));
        let mut in_submission_order = vec![0; args.lengths.len()];
        for (position, future) in as_completed(futures) {
            let result = future.result()?;
            println!("{result}");
            in_submission_order[position] = result;
        }
        println!("{}", Py(in_submission_order));
        Ok(())
    })
}
