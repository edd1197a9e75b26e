//! Notes § *Daemon Threads*.
//!
//! Rust has no daemon flag: every thread is "daemon" in Python's sense. When `main` returns, the
//! process exits and any thread still running is stopped where it stands, without unwinding or
//! running destructors. Here that is the point: the background thread loops forever, is never
//! joined, and dies with the process. A real program that must stop such a thread cleanly would
//! tell it to (an `AtomicBool` it checks, or a channel it selects on) and then join it.
//!
//! Run: `cargo run -p daemon-thread` (`-- --interval-ms 10 --run-for-ms 200` for a quick look).

use std::thread;

use clap::Parser;
use common::cli::{self, Millis};

/// Print from a background thread until main returns.
#[derive(Parser)]
#[command(
    version,
    after_help = "Notes § Daemon Threads. Source: examples-threads/daemon-thread/src/main.rs; Python twin: examples-threads/daemon-thread/daemon_thread.py."
)]
struct Args {
    /// Pause between the background thread's messages, in milliseconds.
    #[arg(allow_negative_numbers = true, long, default_value = "2000")]
    interval_ms: Millis,
    /// How long main runs before it returns, in milliseconds.
    #[arg(allow_negative_numbers = true, long, default_value = "5000")]
    run_for_ms: Millis,
}

fn background_task(interval: Millis) {
    loop {
        println!("Running background task");
        thread::sleep(interval.duration());
    }
}

fn main() -> std::process::ExitCode {
    let args = cli::parse::<Args>();
    cli::run(|| {
        // The handle is dropped at once: dropping a `JoinHandle` detaches the thread.
        thread::spawn(move || background_task(args.interval_ms));
        thread::sleep(args.run_for_ms.duration());
        Ok(())
    })
}
