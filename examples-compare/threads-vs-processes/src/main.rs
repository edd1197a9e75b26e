//! Notes § *Threading vs Multiprocessing Comparison*, measured instead of stated.
//!
//! Prints the notes' table with measured columns: Rust threads (`std::thread`) against Rust
//! processes (`common::process` and `common::pool`, forked), and with `--python` the same
//! measurements by the Python twin beside them. Beyond the notes, an async-tasks column
//! (`tasks.rs`: tokio's current-thread runtime, asyncio in the twin) where the rows apply to
//! tasks: idle memory, I/O-bound speedup, start + join. Then a verdict table: each of the notes' claims,
//! per language, `holds`, `does not hold` or `cannot tell`, by a rule written in `verdicts.rs`.
//! Timings vary from run to run and machine to machine, so the output is not Python's;
//! `--data FILE` records every observation and `--replay FILE` prints the same page again.
//!
//! Run: `cargo run --release -p threads-vs-processes -- --python` (about 12 s, 30 s with
//! Python; `--cpus 1` pins it to one CPU).

mod measure;
mod observed;
mod python;
mod recording;
mod report;
mod session;
mod tasks;
mod verdicts;

use std::path::PathBuf;

use clap::Parser;
use common::cli;
use evidence::record::{DataFile, Evidence};

/// The name the evidence file carries, so that `--replay` refuses another program's file.
const PROGRAM: &str = "threads-vs-processes";

/// Measure the notes' threading vs multiprocessing table on this machine.
#[derive(Parser)]
#[command(
    version,
    after_help = "Notes § Threading vs Multiprocessing Comparison. Source: examples-compare/threads-vs-processes/src/main.rs; Python twin: examples-compare/threads-vs-processes/threads_vs_processes.py."
)]
struct Args {
    /// Runs of each timed measurement; the table shows medians and [min–max] (1 to 50).
    #[arg(allow_negative_numbers = true, long, default_value_t = 3, value_parser = cli::whole(1u64, 50))]
    repeat: u64,
    /// Use only this many CPUs (sched_setaffinity, for Python too), with as many CPU-bound
    /// workers as without it: 1 shows concurrency without parallelism.
    #[arg(allow_negative_numbers = true, long, value_parser = cli::whole(1u64, 1024))]
    cpus: Option<u64>,
    /// Also measure Python (python3) and show its columns beside Rust's (left out, with a line
    /// on stderr, where python3 is missing).
    #[arg(long)]
    python: bool,
    /// Tiny workloads, one run: checks that everything works; the timings mean nothing.
    #[arg(long)]
    quick: bool,
    /// Also time 1 to N workers for each row (the charts of `make bench`; 0 to 16).
    #[arg(allow_negative_numbers = true, long, default_value_t = 0, value_parser = cli::whole(0u64, 16))]
    sweep: u64,
    /// Write every observation to this file (checked writable before measuring).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Print Markdown even to a terminal (piped, the page always is Markdown).
    #[arg(long)]
    markdown: bool,
    /// Print the page of a file that --data wrote, without measuring anything.
    #[arg(long, conflicts_with_all = ["repeat", "cpus", "python", "quick", "sweep", "data"])]
    replay: Option<PathBuf>,
}

fn main() -> std::process::ExitCode {
    common::roles::run_if_child(measure::TARGETS);
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
                // The machine's cores, read before --cpus pins this process (num_cpus counts only
                // the CPUs a process may use).
                let (logical, physical) = (num_cpus::get(), num_cpus::get_physical());
                // Then, before anything else: a --cpus this process cannot have is a usage error.
                let cpus = measure::use_cpus(args.cpus)?;
                let data = args.data.as_deref().map(DataFile::create).transpose()?;
                let (cpus, allowed) = cpus;
                let setup = observed::Setup {
                    quick: args.quick,
                    cpus,
                    pinned: args.cpus.is_some(),
                    logical,
                    physical,
                    plan: measure::Plan::new(
                        args.quick,
                        args.repeat as usize,
                        allowed,
                        args.sweep as usize,
                    ),
                };
                let evidence = session::measure(&setup, args.python)?;
                (evidence, data)
            }
        };
        evidence.check(recording::FIELDS)?;
        evidence::page::print(&report::page(&evidence)?, args.markdown);
        if let Some(data) = data {
            data.write(&evidence, PROGRAM)?;
        }
        Ok(())
    })
}
