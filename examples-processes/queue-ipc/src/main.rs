//! Notes § *Inter-Process Communication (IPC)*, *Using Queue*.
//!
//! A forked child puts a message on an `IpcQueue` (in `common::queue`: a pipe carrying postcard
//! frames); the parent gets it, then joins the child. Unlike Python's `Queue`, the writing end is a
//! separate value: moved into the child, it is closed in the parent as soon as `fork` returns, so
//! if the child died without writing, `get` would fail instead of waiting forever.
//!
//! Run: `cargo run -p queue-ipc` prints `Hello from worker`.

use clap::Parser;
use common::cli;
use common::process;
use common::queue::{IpcQueue, QueueWriter};

/// Pass a message from a child process to its parent.
#[derive(Parser)]
struct Args {}

fn worker(q: QueueWriter<String>) -> anyhow::Result<()> {
    q.put(&"Hello from worker".to_owned())
}

fn main() -> std::process::ExitCode {
    Args::parse();
    cli::run(|| {
        let (q_writer, q) = IpcQueue::new()?;
        let p = process::fork(move || worker(q_writer))?;
        println!("{}", q.get()?);
        p.join()
    })
}
