//! Beyond the notes: `multiprocessing.Pipe()` ↔ `common::pipe`, a Unix socket pair carrying
//! postcard frames both ways.
//!
//! The parent sends each number to a worker process through its end of the pipe and waits for
//! the square to come back on the same end; `None` tells the worker to stop (Python's twin sends
//! `None` too). The child's end travels in the worker's argument, under every start method, and
//! `process::start` drops the parent's copy of it, as the twin's `child_end.close()` does: so if
//! the worker died, `recv` would fail at once (Python's `EOFError`) instead of waiting forever.
//!
//! Run: `cargo run -p pipe-ipc` prints `sent 1, got 1`, `sent 2, got 4`, `sent 3, got 9`;
//! `cargo run -p pipe-ipc -- 5 6 --start-method spawn`.

use clap::Parser;
use common::pipe::{self, Connection};
use common::process::{self, StartMethod};
use common::{cli, target::Target};

/// Square numbers in a worker process, talking through a pipe.
#[derive(Parser)]
#[command(
    version,
    after_help = "Beyond the notes: multiprocessing.Pipe. Source: examples-processes/pipe-ipc/src/main.rs; Python twin: examples-processes/pipe-ipc/pipe_ipc.py."
)]
struct Args {
    /// The numbers to send (each an i64; squared exactly, as i128) [default: 1 2 3; a bare `--`:
    /// none]
    #[arg(allow_negative_numbers = true, value_parser = cli::int64)]
    numbers: Vec<i64>,
    /// How the worker process is started.
    #[arg(long, value_enum, default_value_t = StartMethod::Fork)]
    start_method: StartMethod,
}

/// Answers each number with its square until it receives `None`, or the parent is gone.
/// Numbers travel as `i128` both ways, so that the square of any `i64` fits, as in Python.
fn worker(conn: Connection<Option<i128>>) -> anyhow::Result<()> {
    while let Some(Some(n)) = conn.recv_or_closed()? {
        conn.send(&Some(n * n))?;
    }
    Ok(())
}
const WORKER: Target<Connection<Option<i128>>, anyhow::Result<()>> = common::target!(worker);

fn main() -> std::process::ExitCode {
    common::roles::run_if_child(&[&WORKER]); // Rust's `if __name__ == '__main__':`
    let args = cli::parse::<Args>();
    let numbers = cli::numbers_or(args.numbers, &[1, 2, 3]);
    cli::run(|| {
        let (parent_end, child_end) = pipe::pipe()?;
        let child = process::start(args.start_method, &WORKER, child_end)?;
        for n in numbers {
            parent_end.send(&Some(i128::from(n)))?;
            let square = parent_end
                .recv()?
                .ok_or_else(|| anyhow::anyhow!("no answer"))?;
            println!("sent {n}, got {square}");
        }
        parent_end.send(&None)?;
        Ok(child.join()?)
    })
}
