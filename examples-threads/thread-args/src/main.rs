//! Notes § *Threads with Arguments*.
//!
//! Python passes `args=("Alice",)`; Rust moves the argument into the thread's closure, so the
//! thread owns its `String` and the compiler knows nobody else can touch it.
//!
//! Run: `cargo run -p thread-args` prints `Hello, Alice!`; `cargo run -p thread-args -- Bob`.

use std::thread;

use clap::Parser;
use common::cli;

/// Greet someone from a spawned thread.
#[derive(Parser)]
#[command(
    version,
    after_help = "Notes § Threads with Arguments. Source: examples-threads/thread-args/src/main.rs; Python twin: examples-threads/thread-args/thread_args.py."
)]
struct Args {
    /// Who to greet.
    #[arg(default_value = "Alice", allow_negative_numbers = true)]
    name: String,
}

fn greet(name: String) {
    println!("Hello, {name}!");
}

fn main() -> std::process::ExitCode {
    let Args { name } = cli::parse::<Args>();
    cli::run(|| {
        let thread = thread::spawn(move || greet(name));
        // Python keeps running until every non-daemon thread is done, even without `join`.
        // Rust ends the process when `main` returns, so we join to be sure the greeting prints.
        Ok(common::panic::join(thread)?)
    })
}
