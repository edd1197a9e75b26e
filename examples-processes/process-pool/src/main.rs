//! Notes § *Using a Process Pool*.
//!
//! `ProcessPool` (in `common::pool`) starts worker processes once and `map` sends them chunks of
//! the list, serialized with postcard as Python pickles them; results come back in input order.
//! `square` is a declared `Target`: each chunk names it, and every worker finds it by that name in
//! the table `main` gives `run_if_child`, whatever the `--start-method` (`fork` by default).
//!
//! Run: `cargo run -p process-pool` prints `[1, 4, 9, 16, 25]`; `cargo run -p process-pool -- 3 4 -v`.

use clap::Parser;
use common::cli;
use common::pool::ProcessPool;
use common::process::StartMethod;
use common::pyfmt::Py;
use common::target::Target;

/// Square numbers in a pool of worker processes.
#[derive(Parser)]
#[command(
    version,
    after_help = "Notes § Using a Process Pool. Source: examples-processes/process-pool/src/main.rs; Python twin: examples-processes/process-pool/process_pool.py."
)]
struct Args {
    /// The numbers to square (each an i64; squared exactly, as i128) [default: 1 2 3 4 5; a
    /// bare `--`: none]
    #[arg(allow_negative_numbers = true, value_parser = cli::int64)]
    numbers: Vec<i64>,
    /// How many worker processes (1 to 256).
    #[arg(allow_negative_numbers = true, long, default_value_t = 4, value_parser = cli::worker_count())]
    workers: usize,
    /// How the worker processes are started.
    #[arg(long, value_enum, default_value_t = StartMethod::Fork)]
    start_method: StartMethod,
    /// Report on stderr which worker process handled which items.
    #[arg(short, long)]
    verbose: bool,
}

fn square(x: i64) -> i128 {
    cli::square(x) // In i128: Python's ints do not overflow, and neither does this.
}
const SQUARE: Target<i64, i128> = common::target!(square);

fn main() -> std::process::ExitCode {
    common::roles::run_if_child(&[&SQUARE]); // Rust's `if __name__ == '__main__':`

    let args = cli::parse::<Args>();
    let numbers = cli::numbers_or(args.numbers, &[1, 2, 3, 4, 5]);
    cli::run(|| {
        let mut pool = ProcessPool::new(args.workers, args.start_method)?;
        if args.verbose {
            eprintln!("parent pid {}", std::process::id());
            pool.log_to_stderr(true);
        }
        let results = pool.map(&SQUARE, numbers)?;
        println!("{}", Py(&results));
        Ok(())
    }) // `pool` was dropped at the end of the closure: workers stopped and reaped, like `with`.
}
