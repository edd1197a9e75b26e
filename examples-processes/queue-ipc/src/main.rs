//! Notes § *Inter-Process Communication (IPC)*, *Using Queue*.
//!
//! A child puts a message on an `IpcQueue` (in `common::queue`: a pipe carrying postcard frames);
//! the parent gets it, then joins the child (before using the message: a child that failed, and
//! so wrote nothing, is then the error the program reports, not the empty queue it left). Unlike Python's `Queue`, the writing end is a separate
//! value: handed to the child, it is closed in the parent, so if the child died without writing,
//! `get` would fail instead of waiting forever. Any `--start-method`; `fork` is the default.
//!
//! Run: `cargo run -p queue-ipc` prints `Hello from worker`.

use clap::Parser;
use common::cli;
use common::process::{self, StartMethod};
use common::queue::{IpcQueue, QueueWriter};
use common::target::Target;

/// Pass a message from a child process to its parent.
#[derive(Parser)]
#[command(
    version,
    after_help = "Notes § Inter-Process Communication (IPC), Using Queue. Source: examples-processes/queue-ipc/src/main.rs; Python twin: examples-processes/queue-ipc/queue_ipc.py."
)]
struct Args {
    /// How the child process is started.
    #[arg(long, value_enum, default_value_t = StartMethod::Fork)]
    start_method: StartMethod,
}

fn worker(q: QueueWriter<String>) -> anyhow::Result<()> {
    Ok(q.put(&"Hello from worker".to_owned())?)
}
const WORKER: Target<QueueWriter<String>, anyhow::Result<()>> = common::target!(worker);

fn main() -> std::process::ExitCode {
    common::roles::run_if_child(&[&WORKER]); // Rust's `if __name__ == '__main__':`

    let args = cli::parse::<Args>();
    cli::run(|| {
        let (q_writer, q) = IpcQueue::new()?;
        let p = process::start(args.start_method, &WORKER, q_writer)?;
        let message = q.get();
        // Joined before the message is used: if the child failed, its error is the one to tell.
        p.join()?;
        println!("{}", message?);
        Ok(())
    })
}
