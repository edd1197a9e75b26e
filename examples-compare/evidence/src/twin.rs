//! Running a Python twin: `python3 SCRIPT ARGS…`, its stdout read line by line as it comes.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, ensure};

use crate::record::Record;

/// The Python a twin ran on, as it reported it (facts `python.implementation`, `python.version`,
/// `python.gil`): `CPython 3.11.7 (GIL enabled)`.
pub fn python_build(r: &Record) -> String {
    format!("{} (GIL {})", python_name(r), r.fact_or_dash("python.gil"))
}

/// The Python a twin ran on, without its GIL: `CPython 3.11.7`.
pub fn python_name(r: &Record) -> String {
    format!(
        "{} {}",
        r.fact_or_dash("python.implementation"),
        r.fact_or_dash("python.version")
    )
}

/// Runs `python3 script args…` and hands each line of its stdout to `line`.
///
/// Returns `Ok(false)`, with one line on stderr, when there is no `python3` (the caller leaves
/// Python's columns out). An error from `line` kills the twin (nothing is left running), then is
/// returned; so is a twin that fails.
pub fn run(
    script: &str,
    args: &[String],
    mut line: impl FnMut(&str) -> Result<()>,
) -> Result<bool> {
    let child = Command::new("python3")
        .arg(script)
        .args(args)
        .stdout(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("python3 not found: Python's measurements are left out");
            return Ok(false);
        }
        Err(e) => return Err(e).context("starting python3"),
    };
    let stdout = child.stdout.take().context("python3's stdout")?;
    let read = BufReader::new(stdout).lines().try_for_each(|text| {
        line(&text.context("reading the Python twin's output")?)
            .with_context(|| format!("{script} printed something unexpected"))
    });
    if read.is_err() {
        _ = child.kill(); // Don't leave it running behind us; it is reaped just below.
    }
    let status = child.wait().context("waiting for python3")?;
    read?;
    ensure!(status.success(), "the Python twin {status}");
    Ok(true)
}
