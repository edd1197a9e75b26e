//! Notes § *When to Use What*, measured on real work instead of recommended.
//!
//! Runs the notes' four use cases in one thread, in worker threads (`std::thread::scope`) and in
//! a pool of worker processes (`common::pool`, forked): file I/O (files written, read back and
//! removed), web scraping (pages from a slow HTTP server on 127.0.0.1 that this program starts and
//! stops), image processing (a Gaussian blur with the `image` crate) and scientific computation
//! (Monte Carlo π). A fifth row is the notes' "improve responsiveness": a main loop's longest
//! pause while work runs inline or in a worker thread. The techniques must compute the same
//! answer; then the table shows each one's median time, the fastest, the notes' pick, and where
//! Rust's answer differs, why. Timings vary by machine: the output is not a fixed text.
//!
//! `--python` adds the same table measured by the Python twin, `when_to_use.py`.
//!
//! Run: `cargo run --release -p when-to-use [-- --python]` (about 12 s, 40 s with Python;
//! `--quick` checks that it runs).

mod measure;
mod responsiveness;
mod server;
mod table;
mod workloads;

use anyhow::Context;
use clap::Parser;
use common::{cli, process};
use indicatif::{ProgressBar, ProgressStyle};

/// Measure the notes' "When to Use What" table on this machine.
#[derive(Parser)]
#[command(
    version,
    after_help = "Notes § When to Use What. Source: examples-compare/when-to-use/src/main.rs."
)]
struct Args {
    /// Runs of each measurement; the table shows medians (1 to 50).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=50))]
    repeat: u64,
    /// Also measure Python (python3, the twin `when_to_use.py`) and show its table (left out,
    /// with a line on stderr, where python3 is missing).
    #[arg(long)]
    python: bool,
    /// Tiny workloads, one run: checks that everything works; the timings mean nothing.
    #[arg(long)]
    quick: bool,
    /// Write every time measured to this file, one `rust<TAB>key<TAB>seconds` per line.
    #[arg(long)]
    data: Option<std::path::PathBuf>,
}

fn main() -> std::process::ExitCode {
    process::run_if_child(workloads::TARGETS); // Rust's `if __name__ == '__main__':`
    let args = Args::parse();
    cli::run(|| {
        let size = measure::Size::new(args.quick);
        let repeat = if args.quick { 1 } else { args.repeat as usize };
        let server = server::Server::start(size.page_delay)?; // Forks: before any thread.
        let cpus = std::thread::available_parallelism().map_or(1, usize::from);
        let steps = repeat as u64 * measure::STEPS * if args.python { 2 } else { 1 };
        let bar = ProgressBar::new(steps).with_style(
            ProgressStyle::with_template("{msg:32} [{bar:30}] {pos}/{len}, {elapsed}")?
                .progress_chars("=> "),
        );
        let rows = measure::all(&size, repeat, cpus, server.port(), &bar)?;
        bar.set_message("Python");
        let python = args
            .python
            .then(|| measure::python(&rows, server.port(), repeat, cpus, args.quick, &bar));
        let python = python.transpose()?.flatten();
        bar.finish_and_clear();
        if let Some(path) = &args.data {
            let tsv = table::tsv(&rows, "rust")
                + &python
                    .as_deref()
                    .map(|p| table::tsv(p, "python"))
                    .unwrap_or_default();
            std::fs::write(path, tsv).with_context(|| format!("writing {}", path.display()))?;
        }
        print!(
            "{}",
            table::page(&rows, python.as_deref(), cpus, repeat, args.quick)
        );
        Ok(())
    }) // The server process is killed and reaped as `server` drops.
}
