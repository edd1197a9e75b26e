//! Notes § *Using concurrent.futures*, *High-Level Abstraction for Threading & Processing*.
//!
//! The same `map` on two executors from `common::futures`: `ThreadPoolExecutor` (threads fed by a
//! crossbeam channel) and `ProcessPoolExecutor` (forked worker processes, postcard messages).
//! Each `with` block becomes a scope: dropping the executor at its end waits for its workers.
//!
//! Run: `cargo run -p executors` prints `[1, 4, 9, 16]` twice; `cargo run -p executors -- 5 6 --workers 2`.

use clap::Parser;
use common::cli;
use common::futures::{ProcessPoolExecutor, ThreadPoolExecutor};
use common::pyfmt::Py;

/// Square numbers with a thread-pool executor, then with a process-pool executor.
#[derive(Parser)]
struct Args {
    /// The numbers to square.
    #[arg(default_values_t = [1, 2, 3, 4], allow_negative_numbers = true, value_parser = cli::squarable())]
    numbers: Vec<i64>,
    /// Workers in each executor.
    #[arg(long, default_value_t = 3, value_parser = cli::worker_count())]
    workers: usize,
}

fn task(n: i64) -> i64 {
    n * n
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    cli::run(|| {
        // Thread Pool
        {
            let executor = ThreadPoolExecutor::new(args.workers)?;
            let results = executor.map(task, args.numbers.clone());
            println!("{}", Py(results.collect::<Result<Vec<_>, _>>()?));
        }
        // Process Pool. It forks, which is safe only once the thread pool's threads are gone:
        // they are, because the scope above ended by joining them.
        {
            let executor = ProcessPoolExecutor::new(args.workers)?;
            let results = executor.map(task, args.numbers);
            println!("{}", Py(results.collect::<Result<Vec<_>, _>>()?));
        }
        Ok(())
    })
}
