//! Notes § *Creating a Simple Thread*.
//!
//! `std::thread::spawn` starts the thread and returns a `JoinHandle`; `join` waits for it, like
//! `thread.start()` and `thread.join()`. The spawned thread prints `0` to `4`, one per line.
//!
//! Run: `cargo run -p simple-thread` (add `-- --delay-ms 10` to skip the one-second pauses).

use std::thread;

use clap::Parser;
use common::cli::{self, Millis};

/// Print 0 to 4 from a spawned thread, pausing between numbers.
#[derive(Parser)]
#[command(
    version,
    after_help = "Notes § Creating a Simple Thread. Source: examples-threads/simple-thread/src/main.rs; Python twin: examples-threads/simple-thread/simple_thread.py."
)]
struct Args {
    /// Pause after each number, in milliseconds.
    #[arg(allow_negative_numbers = true, long, default_value = "1000")]
    delay_ms: Millis,
}

fn print_numbers(delay: Millis) {
    for i in 0..5 {
        println!("{i}");
        thread::sleep(delay.duration());
    }
}

fn main() -> std::process::ExitCode {
    let args = cli::parse::<Args>();
    cli::run(|| {
        // `move` hands the thread its own copy of `delay`: a thread may outlive the stack frame
        // that spawned it, so Rust does not let it borrow locals (see `thread::scope` for that).
        let thread = thread::spawn(move || print_numbers(args.delay_ms));
        Ok(common::panic::join(thread)?) // Wait for the thread to finish.
    })
}
