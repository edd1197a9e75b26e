//! Notes § *Creating a Simple Process*.
//!
//! A child process squares a number and prints it; the parent waits and checks how it exited.
//! `--start-method fork` (the default, as Python on Linux) copies this process with `fork(2)`;
//! `--start-method spawn` runs this binary again in a child role, as Python's `spawn` does.
//!
//! Run: `cargo run -p simple-process` prints `25`; `cargo run -p simple-process -- 7 --start-method spawn`.

use clap::Parser;
use common::cli;
use common::process::{self, StartMethod};

/// Square a number in a child process.
#[derive(Parser)]
struct Args {
    /// The number the child squares.
    #[arg(default_value_t = 5, allow_negative_numbers = true, value_parser = cli::squarable())]
    n: i64,
    /// How the child process is started.
    #[arg(long, value_enum, default_value_t = StartMethod::Fork)]
    start_method: StartMethod,
}

fn square(n: i64) -> anyhow::Result<()> {
    println!("{}", n * n);
    Ok(())
}

fn main() -> std::process::ExitCode {
    // Rust's `if __name__ == '__main__':`. A spawned child runs this same binary from the top;
    // this line sends it to `square` (with the parent's argument) and ends it there.
    process::run_if_spawned(square);

    let args = Args::parse();
    cli::run(|| {
        let p = process::start(args.start_method, square, args.n)?;
        p.join() // Fails unless the child exited with code 0.
    })
}
