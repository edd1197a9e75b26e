//! Notes § *Creating a Simple Process*.
//!
//! A child process squares a number and prints it; the parent waits and checks how it exited.
//! `square` is declared a `Target`: the name a spawned or forkserver child finds it by, as Python
//! pickles a function by name. `--start-method` picks Python's three methods; `fork` is the default,
//! as in the Python the notes were written for (Linux, up to 3.13; this machine runs 3.11).
//!
//! Run: `cargo run -p simple-process` prints `25`; `cargo run -p simple-process -- 7 --start-method spawn`.

use clap::Parser;
use common::cli;
use common::process::{self, StartMethod};
use common::target::Target;

/// Square a number in a child process.
#[derive(Parser)]
#[command(
    version,
    after_help = "Notes § Creating a Simple Process. Source: examples-processes/simple-process/src/main.rs; Python twin: examples-processes/simple-process/simple_process.py."
)]
struct Args {
    /// The number the child squares (an i64; squared exactly, as i128).
    #[arg(default_value_t = 5, allow_negative_numbers = true, value_parser = cli::int64)]
    n: i64,
    /// How the child process is started.
    #[arg(long, value_enum, default_value_t = StartMethod::Fork)]
    start_method: StartMethod,
}

fn square(n: i64) {
    println!("{}", cli::square(n)); // In i128: Python's ints do not overflow, and neither does this.
}
const SQUARE: Target<i64, ()> = common::target!(square);

fn main() -> std::process::ExitCode {
    // Rust's `if __name__ == '__main__':`. A spawned or forkserver child runs this same binary from
    // the top; this line runs the target its parent named (from this list) and ends it there.
    common::roles::run_if_child(&[&SQUARE]);

    let args = cli::parse::<Args>();
    cli::run(|| {
        let p = process::start(args.start_method, &SQUARE, args.n)?;
        Ok(p.join()?) // Fails unless the child exited with code 0.
    })
}
