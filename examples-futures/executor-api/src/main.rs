//! Beyond the notes: the rest of `concurrent.futures`: `wait` with `FIRST_COMPLETED`,
//! `FIRST_EXCEPTION` and `ALL_COMPLETED`, `add_done_callback`, `exception()` and `map` with a
//! timeout, on `common::futures::ThreadPoolExecutor`.
//!
//! Each line is certain by construction: a task that must not be done yet when a line is
//! printed waits for an `Event` that `main` sets only after printing it. `--rust-way` adds what a Rust programmer would write
//! instead of an executor: a channel fan-in, scoped threads and rayon (`src/rust_way.rs`).
//!
//! Run: `cargo run -p executor-api` prints six lines, `wait(FIRST_COMPLETED): …` to
//! `map(timeout=0.05): TimeoutError; ran [1], cancelled [2, 3]; without a timeout: [1, 4, 9]`.

mod rust_way;
mod steps;

use clap::Parser;
use common::cli;

/// Show wait, add_done_callback, exception() and map's timeout.
#[derive(Parser)]
#[command(
    version,
    after_help = "Beyond the notes: concurrent.futures. Source: examples-futures/executor-api/src/main.rs; Python twin: examples-futures/executor-api/executor_api.py."
)]
struct Args {
    /// `map`'s timeout; every item waits until it has passed.
    #[arg(allow_negative_numbers = true, long, default_value = "50")]
    timeout_ms: cli::Millis,
    /// Also show the Rust way: a channel fan-in, scoped threads and rayon.
    #[arg(long)]
    rust_way: bool,
}

fn main() -> std::process::ExitCode {
    let args = cli::parse::<Args>();
    cli::run(|| {
        steps::wait_and_callbacks()?;
        steps::exception()?;
        steps::map_with_timeout(args.timeout_ms)?;
        if args.rust_way {
            rust_way::show();
        }
        Ok(())
    })
}
