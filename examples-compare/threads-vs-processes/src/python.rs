//! `--python`: the same measurements by the Python twin, `threads_vs_processes.py`, read back
//! line by line (see [`crate::results`] for the lines).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, ensure};

use crate::measure::Plan;
use crate::results::Results;

/// Python does this fraction of Rust's CPU-bound steps, so that both take a similar time:
/// speedups compare across the languages, times do not.
pub const CPU_SHARE: u64 = 100;

/// Runs the twin with the same plan; `step` is called after each of its steps.
pub fn run(plan: &Plan, mut step: impl FnMut()) -> Result<Option<Results>> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/threads_vs_processes.py");
    let numbers = [
        ("--repeat", plan.repeat as u64),
        ("--cpu-workers", plan.cpu_workers as u64),
        ("--cpu-units", plan.cpu_units / CPU_SHARE),
        ("--io-waits", plan.io_waits as u64),
        ("--io-ms", plan.io_wait.as_millis() as u64),
        ("--io-workers", plan.io_workers as u64),
        ("--idle", plan.idle as u64),
        ("--thread-starts", plan.thread_starts as u64),
        ("--process-starts", plan.process_starts as u64),
        ("--sweep", plan.sweep as u64),
    ];
    let mut python = Command::new("python3");
    python.arg(script).stdout(Stdio::piped());
    for (flag, value) in numbers {
        python.args([flag.to_owned(), value.to_string()]);
    }
    let child = python.spawn();
    let mut child = match child {
        Ok(child) => child,
        // `--python` measures Python when it is there; without it, Rust's table is still whole.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("python3 not found: Python's measurements are left out");
            return Ok(None);
        }
        Err(e) => return Err(e).context("starting python3"),
    };
    let stdout = child.stdout.take().context("python3's stdout")?;
    let mut results = Results::default();
    let read = BufReader::new(stdout).lines().try_for_each(|line| {
        if results.read_line(&line.context("reading the Python twin's output")?)? {
            step();
        }
        anyhow::Ok(())
    });
    if read.is_err() {
        _ = child.kill(); // Don't leave it running behind us.
    }
    let status = child.wait().context("waiting for python3")?;
    read?;
    ensure!(status.success(), "the Python twin {status}");
    Ok(Some(results))
}
