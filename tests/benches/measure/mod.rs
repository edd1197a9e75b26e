#![allow(
    dead_code,
    reason = "each benchmark that includes this module uses part of it"
)]

//! What `make bench`'s interleaved benchmarks share: a row per workload with three columns (this
//! project, the raw primitive it wraps, Python's counterpart), sampled in a rotating order, and a
//! Markdown table of medians, min–max, ratios and targets. Python's samples come from a helper
//! script that answers one measurement per line it reads, so Rust and Python share the load alike.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

/// How a row's samples read.
#[derive(Clone, Copy)]
pub enum Unit {
    /// Seconds, shown in microseconds.
    Micros,
    /// Seconds per item, shown in nanoseconds.
    Nanos,
    /// A fraction of one core, shown in percent.
    ShareOfCore,
}

/// A row's target.
#[derive(Clone, Copy)]
pub enum Goal {
    None,
    /// The project's median at most this many times the raw primitive's.
    Raw(f64),
    /// The project's median at most this many times Python's.
    Python(f64),
    /// Both at once: at most this many times the raw primitive's, and this many times Python's.
    RawAndPython(f64, f64),
    /// The project's median at most this, in the row's shown unit.
    Below(f64),
}

/// The order of the columns in each round (see the function's docs and tests).
pub use tests::bench_order::order;

/// One workload, sampled in three columns.
pub struct Row {
    name: String,
    unit: Unit,
    goal: Goal,
    ours: Vec<f64>,
    raw: Vec<f64>,
    python: Vec<f64>,
}

impl Row {
    pub fn new(name: impl Into<String>, unit: Unit, goal: Goal) -> Row {
        Row {
            name: name.into(),
            unit,
            goal,
            ours: vec![],
            raw: vec![],
            python: vec![],
        }
    }

    /// One sample of each column, in the [`order`] of `round`, so no column pays more often than
    /// another for coming first after another workload.
    pub fn sample(
        &mut self,
        round: usize,
        ours: impl FnOnce() -> Result<f64>,
        raw: Option<impl FnOnce() -> Result<f64>>,
        python: Option<impl FnOnce() -> Result<f64>>,
    ) -> Result<()> {
        let name = self.name.clone();
        let mut ours = Some(ours);
        let (mut raw, mut python) = (raw, python);
        for column in order(round, 3) {
            match column {
                0 => {
                    let f = ours.take().expect("once");
                    self.ours.push(f().with_context(|| name.clone())?);
                }
                1 => {
                    if let Some(f) = raw.take() {
                        self.raw.push(f().with_context(|| format!("{name} (raw)"))?);
                    }
                }
                _ => {
                    if let Some(f) = python.take() {
                        self.python
                            .push(f().with_context(|| format!("{name} (python)"))?);
                    }
                }
            }
        }
        Ok(())
    }

    fn show(&self, samples: &[f64]) -> String {
        let Some((median, min, max)) = summary(samples) else {
            return "—".to_owned();
        };
        let (scale, digits, unit) = self.scale();
        let f = |v: f64| format!("{:.*}", digits, v * scale);
        format!("{} {unit} ({}–{})", f(median), f(min), f(max))
    }

    fn scale(&self) -> (f64, usize, &'static str) {
        match self.unit {
            Unit::Micros => (1e6, 0, "µs"),
            Unit::Nanos => (1e9, 0, "ns"),
            Unit::ShareOfCore => (100.0, 2, "%"),
        }
    }
}

fn summary(samples: &[f64]) -> Option<(f64, f64, f64)> {
    if samples.is_empty() {
        return None;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    Some((
        sorted[sorted.len() / 2],
        sorted[0],
        sorted[sorted.len() - 1],
    ))
}

fn ratio(ours: &[f64], other: &[f64]) -> Option<f64> {
    let (ours, other) = (summary(ours)?.0, summary(other)?.0);
    (other > 0.0).then(|| ours / other)
}

/// Prints the rows as a Markdown table.
pub fn print_table(rows: &[Row], python: Option<&Python>) {
    let python = python.map_or("Python", |p| p.version.as_str());
    println!(
        "| workload (lower is better) | this project | raw primitive | {python} | ÷ raw | ÷ Python | target | met |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for row in rows {
        // A ratio far below one reads `1/269`, never `0.00×`.
        let show_ratio = |r: Option<f64>| r.map_or("—".to_owned(), evidence::show::times);
        let met = |ok: bool| if ok { "yes" } else { "**no**" };
        let (target, met) = match row.goal {
            Goal::None => ("—".to_owned(), "—"),
            Goal::Raw(limit) => (
                format!("≤ {limit}× raw"),
                met(ratio(&row.ours, &row.raw).is_some_and(|r| r <= limit)),
            ),
            Goal::Python(limit) => (
                format!("≤ {limit}× Python"),
                met(ratio(&row.ours, &row.python).is_some_and(|r| r <= limit)),
            ),
            Goal::RawAndPython(raw, py) => (
                format!("≤ {raw}× raw, ≤ {py}× Python"),
                met(ratio(&row.ours, &row.raw).is_some_and(|r| r <= raw)
                    && ratio(&row.ours, &row.python).is_some_and(|r| r <= py)),
            ),
            Goal::Below(limit) => {
                let (scale, _, unit) = row.scale();
                let median = summary(&row.ours).map(|s| s.0 * scale);
                (
                    format!("≤ {limit} {unit}"),
                    met(median.is_some_and(|m| m <= limit)),
                )
            }
        };
        println!(
            "| {} | {} | {} | {} | {} | {} | {target} | {met} |",
            row.name,
            row.show(&row.ours),
            row.show(&row.raw),
            row.show(&row.python),
            show_ratio(ratio(&row.ours, &row.raw)),
            show_ratio(ratio(&row.ours, &row.python)),
        );
    }
    println!();
}

/// The Python helper, asked for one sample at a time.
pub struct Python {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    stdout: BufReader<std::process::ChildStdout>,
    pub version: String,
}

impl Python {
    /// Starts `python3 SCRIPT`, or `None` if there is no python3.
    pub fn start(script: &str) -> Option<Python> {
        let version = Command::new("python3").arg("--version").output().ok()?;
        let version = String::from_utf8_lossy(&version.stdout).trim().to_owned();
        let mut child = Command::new("python3")
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .ok()?;
        let stdin = child.stdin.take()?;
        let stdout = BufReader::new(child.stdout.take()?);
        Some(Python {
            child,
            stdin,
            stdout,
            version,
        })
    }

    /// Sends one command line; returns the number the helper answers.
    pub fn ask(&mut self, command: &str) -> Result<f64> {
        writeln!(self.stdin, "{command}")?;
        let mut line = String::new();
        self.stdout.read_line(&mut line)?;
        line.trim()
            .parse()
            .with_context(|| format!("python answered {line:?} to {command}"))
    }

    /// Closes the helper's input and waits for it.
    pub fn stop(self) -> Result<()> {
        drop(self.stdin);
        let mut child = self.child;
        let status = child.wait()?;
        if !status.success() {
            bail!("the python helper failed: {status}");
        }
        Ok(())
    }
}

/// Starts a benchmark: pins it if asked, reads `BENCH_ROUNDS` (or `default_rounds`), starts the
/// Python helper `script` (in `tests/benches/`), and prints the title line; returns the rounds and
/// the helper.
pub fn start(title: &str, default_rounds: usize, script: &str) -> Result<(usize, Option<Python>)> {
    let pinned = pin_if_asked()?;
    let rounds = rounds(default_rounds);
    let python = Python::start(&format!("{}/benches/{script}", env!("CARGO_MANIFEST_DIR")));
    println!(
        "## {title}, {} ({rounds} rounds, interleaved; {})\n",
        if pinned {
            "pinned to CPU 0"
        } else {
            "spread over the cores"
        },
        python
            .as_ref()
            .map_or("python3 not found", |p| p.version.as_str()),
    );
    Ok((rounds, python))
}

/// `--pinned` on the command line: run on CPU 0 only (children inherit it).
pub fn pin_if_asked() -> Result<bool> {
    let pinned = std::env::args().any(|a| a == "--pinned");
    if pinned {
        let mut cpus = nix::sched::CpuSet::new();
        cpus.set(0)?;
        nix::sched::sched_setaffinity(nix::unistd::Pid::from_raw(0), &cpus)?;
    }
    Ok(pinned)
}

/// `BENCH_ROUNDS` from the environment, or `default`.
pub fn rounds(default: usize) -> usize {
    std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(default)
}

/// The raw primitive under a queue: a forked child writes `frame` (a 4-byte little-endian
/// length, then the payload) `n` times into a pipe, with one `write_all` each; this process reads
/// each frame whole with `read_exact`, hands its payload to `check`, and reaps the child.
pub fn raw_pipe_frames(frame: &[u8], n: usize, check: impl Fn(&[u8]) -> Result<()>) -> Result<()> {
    use std::io::Read;
    let (reader, writer) = nix::unistd::pipe()?;
    // SAFETY: the benchmarks are single-threaded here; the child writes and `_exit`s.
    let child = match unsafe { nix::unistd::fork() }? {
        nix::unistd::ForkResult::Child => {
            drop(reader);
            let mut file = std::fs::File::from(writer);
            for _ in 0..n {
                file.write_all(frame).expect("pipe");
            }
            // SAFETY: `_exit` has no preconditions.
            unsafe { nix::libc::_exit(0) }
        }
        nix::unistd::ForkResult::Parent { child } => child,
    };
    drop(writer);
    let mut file = std::fs::File::from(reader);
    let read = (0..n).try_for_each(|_| {
        let mut header = [0u8; 4];
        file.read_exact(&mut header)?;
        let mut payload = vec![0u8; u32::from_le_bytes(header) as usize];
        file.read_exact(&mut payload)?;
        check(&payload)
    });
    // Reap the child whatever the reading found.
    drop(file);
    nix::sys::wait::waitpid(child, None)?;
    read
}

/// Seconds `body` took.
pub fn seconds(body: impl FnOnce() -> Result<()>) -> Result<f64> {
    let started = std::time::Instant::now();
    body()?;
    Ok(started.elapsed().as_secs_f64())
}

/// Where, when and under what load a benchmark measured, for the line each table carries:
/// `evidence::machine`'s CPUs, kernel and date, the Python it compared with, and the share of the
/// CPUs other programs took meanwhile (`evidence::load`). Open it before measuring; print it after
/// the Python helper has stopped, so that the helper's CPU time counts as the benchmark's own.
pub struct RunLine {
    machine: String,
    window: evidence::load::Window,
}

impl RunLine {
    /// Notes the machine and starts watching the CPUs.
    pub fn start() -> Result<RunLine> {
        let mut run = evidence::record::Record::default();
        evidence::machine::record(&mut run)?;
        Ok(RunLine {
            machine: evidence::machine::describe(Some(&run)),
            window: evidence::load::Window::open()?,
        })
    }

    /// Prints the line: `Measured on 2 CPUs, Linux 6.1.0, 2026-12-07; Python: Python 3.11.7;
    /// other programs took 1.2% of 2 CPUs' time over 93.1 s (limit 10%): quiet.`
    pub fn print(self, python: &str) -> Result<()> {
        let load = self.window.close()?;
        println!(
            "\n*Measured on {}; Python: {python}; {}.*\n",
            self.machine,
            load.describe()
        );
        Ok(())
    }
}
