//! Beyond the notes: `threading.local()` ↔ `thread_local!`.
//!
//! Each thread that sets `REQUEST_ID` sets its own copy; code deep in the thread's call stack
//! reads it without being passed it, and `main`'s copy is untouched. Python's `threading.local`
//! object is created at run time and its attributes are looked up by name; Rust's `thread_local!`
//! is a static whose type is fixed at compile time, starts from its initializer in every thread
//! (`0` here, where Python's attribute is simply missing until set), and is dropped when its
//! thread ends.
//!
//! Run: `cargo run -p thread-local` prints `thread 1: request 1 handled` … `thread 3: …`, then
//! `main: request_id is still 0`.

use std::cell::Cell;
use std::thread;

use clap::Parser;
use common::cli;

/// Give each thread its own copy of a variable.
#[derive(Parser)]
#[command(
    version,
    after_help = "Beyond the notes: threading.local. Source: examples-threads/thread-local/src/main.rs; Python twin: examples-threads/thread-local/thread_local.py."
)]
struct Args {
    /// How many threads (1 to 256).
    #[arg(allow_negative_numbers = true, long, default_value_t = 3, value_parser = cli::worker_count())]
    threads: usize,
}

thread_local! {
    /// The request this thread is handling: one copy per thread.
    static REQUEST_ID: Cell<usize> = const { Cell::new(0) };
}

/// Deep in the call stack: reads this thread's copy, which nobody passed in.
fn log_line() -> String {
    format!("request {} handled", REQUEST_ID.get())
}

fn handle(id: usize) -> String {
    REQUEST_ID.set(id); // This thread's copy only.
    log_line()
}

fn main() -> std::process::ExitCode {
    let args = cli::parse::<Args>();
    cli::run(|| {
        let handles: Vec<_> = (1..=args.threads)
            .map(|id| thread::spawn(move || handle(id)))
            .collect();
        // Joined and printed in order, so the output does not depend on which thread ran first.
        for (id, handle) in (1..).zip(handles) {
            println!("thread {id}: {}", common::panic::join(handle)?);
        }
        println!("main: request_id is still {}", REQUEST_ID.get());
        Ok(())
    })
}
