//! Notes § *When to Use What*, measured on real work instead of recommended.
//!
//! Runs the notes' four use cases in one thread, in worker threads (`std::thread::scope`) and in
//! a pool of worker processes (`common::pool`, forked): file I/O (files written, read back and
//! removed), web scraping (pages from a slow HTTP server on 127.0.0.1 that this program starts and
//! stops), image processing (a Gaussian blur with the `image` crate) and scientific computation
//! (Monte Carlo π). A fifth row is the notes' "improve responsiveness": a main loop's longest
//! pause while work runs inline or in a worker thread. The techniques must compute the same
//! answer; then the table shows each one's median time, and a verdict table says, by the rules in
//! `verdicts.rs`, whether the notes' pick `holds`, `does not hold` or `cannot tell`, and why.
//! Timings vary by machine: the output is not a fixed text; `--data FILE` records every
//! observation and `--replay FILE` prints the same page again.
//!
//! `--python` adds the same table measured by the Python twin, `when_to_use.py`.
//!
//! Beyond the notes: the two I/O-bound use cases also run as async tasks on one thread
//! (`asynchronous.rs`), and a many-connections row (`connections.rs`) sends `--connections`
//! requests at once by a thread each, a pool of threads, and a task each, with the memory each
//! adds at its peak.
//!
//! Run: `cargo run --release -p when-to-use [-- --python]` (about 45 s, 2 min with Python;
//! `--quick` checks that it runs).

mod asynchronous;
mod connections;
mod measure;
mod recording;
mod responsiveness;
mod server;
mod session;
mod table;
mod verdicts;
mod workloads;

use std::path::PathBuf;

use clap::Parser;
use common::cli;
use evidence::record::{DataFile, Evidence};

/// The name the evidence file carries, so that `--replay` refuses another program's file.
const PROGRAM: &str = "when-to-use";

/// Measure the notes' "When to Use What" table on this machine.
#[derive(Parser)]
#[command(
    version,
    after_help = "Notes § When to Use What. Source: examples-compare/when-to-use/src/main.rs; Python twin: examples-compare/when-to-use/when_to_use.py."
)]
struct Args {
    /// Runs of each measurement; the table shows medians (1 to 50).
    #[arg(allow_negative_numbers = true, long, default_value_t = 3, value_parser = cli::whole(1u64, 50))]
    repeat: u64,
    /// Also measure Python (python3, the twin `when_to_use.py`) and show its table (left out,
    /// with a line on stderr, where python3 is missing).
    #[arg(long)]
    python: bool,
    /// Requests in flight at once in the many-connections row (at most what the open-file
    /// limit allows; the page says so when it is fewer).
    #[arg(allow_negative_numbers = true, long, default_value_t = 10_000, value_parser = cli::whole(1u64, 1_000_000))]
    connections: u64,
    /// Tiny workloads, one run: checks that everything works; the timings mean nothing.
    #[arg(long)]
    quick: bool,
    /// Write every observation to this file (checked writable before measuring).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Print Markdown even to a terminal (piped, the page always is Markdown).
    #[arg(long)]
    markdown: bool,
    /// Print the page of a file that --data wrote, without measuring anything.
    #[arg(long, conflicts_with_all = ["repeat", "python", "quick", "data", "connections"])]
    replay: Option<PathBuf>,
}

fn main() -> std::process::ExitCode {
    common::roles::run_if_child(workloads::TARGETS); // Rust's `if __name__ == '__main__':`
    let args = cli::parse::<Args>();
    cli::run(|| {
        // The page is printed before --data is written: a recording that cannot be saved still
        // leaves its page on the screen, and the error after it.
        let (evidence, data) = match &args.replay {
            // A recording no measurement could have made is a usage error: one line, exit 2.
            Some(path) => (
                Evidence::read_checked(path, PROGRAM, recording::FIELDS)
                    .map_err(|e| cli::UsageError(format!("--replay {e:#}")))?,
                None,
            ),
            None => {
                evidence::page::note_if_debug_build();
                let data = args.data.as_deref().map(DataFile::create).transpose()?;
                let evidence = session::measure(&session::Asked {
                    quick: args.quick,
                    repeat: args.repeat,
                    connections: args.connections,
                    python: args.python,
                })?;
                (evidence, data)
            }
        };
        evidence.check(recording::FIELDS)?;
        evidence::page::print(&table::page(&evidence)?, args.markdown);
        if let Some(data) = data {
            data.write(&evidence, PROGRAM)?;
        }
        Ok(())
    })
}
