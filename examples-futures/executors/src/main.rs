//! Notes § *Using concurrent.futures*, *High-Level Abstraction for Threading & Processing*.
//!
//! The same `map` on two executors from `common::futures`: `ThreadPoolExecutor` (threads fed by a
//! crossbeam channel) and `ProcessPoolExecutor` (worker processes, postcard messages, `task` found
//! by name). Each `with` block becomes a scope: dropping the executor at its end waits for it.
//!
//! `--overlap` keeps the thread pool running while the process pool starts: then `fork` is unsafe
//! (it would copy one thread of several) and fails with a clear error, while `forkserver`, Python
//! 3.14's default on Linux, and `spawn` work. `fork` is the default, as in Python up to 3.13.
//!
//! Run: `cargo run -p executors` prints `[1, 4, 9, 16]` twice; `cargo run -p executors -- 5 6 --workers 2`;
//! `cargo run -p executors -- --overlap --start-method forkserver`.

use clap::Parser;
use common::cli;
use common::futures::{ProcessPoolExecutor, ThreadPoolExecutor};
use common::process::StartMethod;
use common::pyfmt::Py;
use common::target::Target;

/// Square numbers with a thread-pool executor, then with a process-pool executor.
#[derive(Parser)]
#[command(
    version,
    after_help = "Notes § Using concurrent.futures. Source: examples-futures/executors/src/main.rs; Python twin: examples-futures/executors/executors.py."
)]
struct Args {
    /// The numbers to square (each an i64; squared exactly, as i128) [default: 1 2 3 4; a bare
    /// `--`: none]
    #[arg(allow_negative_numbers = true, value_parser = cli::int64)]
    numbers: Vec<i64>,
    /// Workers in each executor (1 to 256).
    #[arg(allow_negative_numbers = true, long, default_value_t = 3, value_parser = cli::worker_count())]
    workers: usize,
    /// How the process pool's workers are started.
    #[arg(long, value_enum, default_value_t = StartMethod::Fork)]
    start_method: StartMethod,
    /// Keep the thread pool running while the process pool starts.
    #[arg(long)]
    overlap: bool,
}

fn task(n: i64) -> i128 {
    cli::square(n) // In i128: Python's ints do not overflow, and neither does this.
}
const TASK: Target<i64, i128> = common::target!(task);

fn main() -> std::process::ExitCode {
    common::roles::run_if_child(&[&TASK]); // Rust's `if __name__ == '__main__':`

    let args = cli::parse::<Args>();
    let numbers = cli::numbers_or(args.numbers, &[1, 2, 3, 4]);
    cli::run(|| {
        // Thread Pool
        let threads = ThreadPoolExecutor::new(args.workers)?;
        let results = threads.map(task, numbers.clone());
        println!("{}", Py(results.collect::<Result<Vec<_>, _>>()?));
        if !args.overlap {
            drop(threads); // The end of the `with` block: its threads are joined.
        }
        // Process Pool. With `fork`, safe only once the thread pool's threads are gone.
        let processes = ProcessPoolExecutor::new(args.workers, args.start_method)?;
        let results = processes.map(&TASK, numbers, 1); // chunksize=1, Python's default
        println!("{}", Py(results.collect::<Result<Vec<_>, _>>()?));
        Ok(())
    })
}
