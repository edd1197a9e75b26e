//! Notes § *Threading vs Multiprocessing Comparison*, measured instead of stated.
//!
//! Prints the notes' table with measured columns: Rust threads (`std::thread`) against Rust
//! processes (`common::process` and `common::pool`, forked), and with `--python` the same
//! measurements by the Python twin beside them. Each row's cell is a fact shown by a run (a write
//! seen or not, a signal that killed a child) or a median of `--repeat` timings; the closing
//! paragraph says which of the notes' claims these numbers support for Rust, and which only for
//! Python. Timings vary from run to run and machine to machine: the output is not Python's.
//!
//! Run: `cargo run --release -p threads-vs-processes -- --python` (about a minute; `--cpus 1` pins
//! it to one CPU).

mod measure;
mod python;
mod report;
mod results;

use anyhow::Context;
use clap::Parser;
use common::{cli, process};
use indicatif::{ProgressBar, ProgressStyle};

/// Measure the notes' threading vs multiprocessing table on this machine.
#[derive(Parser)]
#[command(
    version,
    after_help = "Notes § Threading vs Multiprocessing Comparison. Source: examples-compare/threads-vs-processes/src/main.rs; Python twin: examples-compare/threads-vs-processes/threads_vs_processes.py."
)]
struct Args {
    /// Runs of each timed measurement; the table shows medians and [min–max] (1 to 50).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=50))]
    repeat: u64,
    /// Use only this many CPUs (sched_setaffinity, for Python too): 1 shows concurrency
    /// without parallelism.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1024))]
    cpus: Option<u64>,
    /// Also measure Python (python3) and show its columns beside Rust's (left out, with a line
    /// on stderr, where python3 is missing).
    #[arg(long)]
    python: bool,
    /// Tiny workloads, one run: checks that everything works; the timings mean nothing.
    #[arg(long)]
    quick: bool,
    /// Also time 1 to N workers for each row (the charts of `make bench`; 0 to 16).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=16))]
    sweep: u64,
    /// Write every measured value to this file, one `language<TAB>key<TAB>value` per line.
    #[arg(long)]
    data: Option<std::path::PathBuf>,
}

fn main() -> std::process::ExitCode {
    process::run_if_child(measure::TARGETS);
    let args = Args::parse();
    cli::run(|| {
        let cpus = measure::use_cpus(args.cpus)?;
        let plan = measure::Plan::new(args.quick, args.repeat as usize, cpus, args.sweep as usize);
        let steps = plan.steps() * if args.python { 2 } else { 1 };
        let bar = ProgressBar::new(steps).with_style(
            ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} steps, {elapsed}")?
                .progress_chars("=> "),
        );
        bar.set_message("measuring Rust");
        let rust = measure::all(&plan, || bar.inc(1))?;
        bar.set_message("measuring Python");
        let python = args
            .python
            .then(|| python::run(&plan, || bar.inc(1)))
            .transpose()?
            .flatten();
        bar.finish_and_clear();

        if let Some(path) = &args.data {
            let mut tsv = rust.to_tsv("rust");
            tsv += &python
                .as_ref()
                .map(|p| p.to_tsv("python"))
                .unwrap_or_default();
            std::fs::write(path, tsv).with_context(|| format!("writing {}", path.display()))?;
        }
        let setup = report::Setup {
            quick: args.quick,
            cpus,
            logical: num_cpus::get(),
            physical: num_cpus::get_physical(),
            plan,
        };
        print!("{}", report::page(&setup, &rust, python.as_ref()));
        Ok(())
    })
}
