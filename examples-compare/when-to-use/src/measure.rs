//! Runs every use case by every technique, `repeat` times in a rotating order, checks that the
//! techniques agree on the answer, and collects the times.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use indicatif::ProgressBar;

use crate::responsiveness;
use crate::table::Row;
use crate::workloads::{self, Technique};

/// How big each use case is.
pub struct Size {
    pub files: u64,
    pub file_bytes: usize,
    pub pages: u64,
    pub page_delay: Duration,
    /// Workers for the two I/O-bound rows (the CPU-bound rows use one per CPU).
    pub io_workers: usize,
    pub image_side: u32,
    pub samples: u64,
}

impl Size {
    /// The default sizes (about 20 s on 2 cores in all), or tiny ones for `--quick`.
    pub fn new(quick: bool) -> Size {
        if quick {
            Size {
                files: 8,
                file_bytes: 4096,
                pages: 8,
                page_delay: Duration::from_millis(2),
                io_workers: 4,
                image_side: 256,
                samples: 1_600_000,
            }
        } else {
            Size {
                files: 400,
                file_bytes: 256 << 10,
                pages: 32,
                page_delay: Duration::from_millis(30),
                io_workers: 8,
                image_side: 4096,
                samples: 160_000_000,
            }
        }
    }
}

/// A directory of our own under the system's temporary directory, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    /// Our directory, `when-to-use-<pid>`. First removes any left by a run that was killed
    /// before it could (its pid no longer alive), ours or the Python twin's.
    pub fn new() -> Result<TempDir> {
        remove_stale(&std::env::temp_dir());
        let path = std::env::temp_dir().join(format!("when-to-use-{}", std::process::id()));
        std::fs::create_dir(&path).with_context(|| format!("creating {}", path.display()))?;
        Ok(TempDir(path))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

/// Removes the `when-to-use-<pid>` and `when-to-use-py-<pid>` directories in `tmp` whose process
/// is gone. (A pid the kernel has since given to another process is left alone: it looks alive.)
fn remove_stale(tmp: &Path) {
    let Ok(entries) = std::fs::read_dir(tmp) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let pid = name
            .strip_prefix("when-to-use-")
            .map(|rest| rest.strip_prefix("py-").unwrap_or(rest));
        let Some(pid) = pid.and_then(|p| p.parse::<i32>().ok()).filter(|&p| p > 0) else {
            continue;
        };
        let gone = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None)
            == Err(nix::errno::Errno::ESRCH);
        if gone {
            _ = std::fs::remove_dir_all(entry.path()); // Another run may be removing it too.
        }
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Progress steps per run: three techniques for four use cases, and the responsiveness row.
pub const STEPS: u64 = 13;

/// Every row, measured `repeat` times; `port` is the web server's.
pub fn all(
    size: &Size,
    repeat: usize,
    cpus: usize,
    port: u16,
    bar: &ProgressBar,
) -> Result<Vec<Row>> {
    let dir = TempDir::new()?;
    let image = workloads::test_image(size.image_side);
    let kib = (size.files * size.file_bytes as u64) >> 10;
    let total = if kib < 1024 {
        format!("{kib} KiB")
    } else {
        format!("{} MiB", kib >> 10)
    };
    let mut rows = vec![
        row(
            format!(
                "File I/O ({} files, {total} in all, written, read back, removed; {} workers)",
                size.files, size.io_workers
            ),
            Technique::Threads,
        ),
        row(
            format!(
                "Web scraping ({} pages, each answered after {} ms; {} workers)",
                size.pages,
                size.page_delay.as_millis(),
                size.io_workers
            ),
            Technique::Threads,
        ),
        row(
            format!(
                "Image processing (Gaussian blur of a {0}×{0} image; {cpus} workers)",
                size.image_side
            ),
            Technique::Processes,
        ),
        row(
            format!(
                "Scientific computation (Monte Carlo π, {} M samples; {cpus} workers)",
                size.samples / 1_000_000
            ),
            Technique::Processes,
        ),
        row(
            format!(
                "Responsiveness (GUI apps): longest pause of a loop that reports every {} ms",
                responsiveness::FRAME.as_millis()
            ),
            Technique::Threads,
        ),
    ];
    for run in 0..repeat {
        for (r, row) in rows.iter_mut().enumerate().take(4) {
            let mut answers = Vec::new();
            for k in 0..3 {
                let t = [
                    Technique::Sequential,
                    Technique::Threads,
                    Technique::Processes,
                ][(k + run) % 3];
                let workers = if r < 2 { size.io_workers } else { cpus };
                bar.set_message(format!(
                    "{}: {t:?}",
                    row.use_case.split(" (").next().unwrap_or_default()
                ));
                let started = Instant::now();
                let answer = match r {
                    0 => workloads::file_io(t, workers, dir.path(), size.files, size.file_bytes),
                    1 => workloads::web(t, workers, port, size.pages),
                    2 => workloads::image(t, workers, &image),
                    _ => workloads::monte_carlo(t, workers, size.samples),
                };
                row.times[t as usize].push(started.elapsed().as_secs_f64());
                answers.push(answer.with_context(|| format!("{} by {t:?}", row.use_case))?);
                bar.inc(1);
            }
            ensure!(
                answers.iter().all(|&a| a == answers[0]),
                "{}: the techniques disagree: {answers:?}",
                row.use_case
            );
        }
        let show = |percent| bar.set_message(format!("Responsiveness: {percent}% done"));
        let (inline, threaded) = responsiveness::longest_pauses(size.samples / 2, &show)?;
        rows[4].times[0].push(inline);
        rows[4].times[1].push(threaded);
        bar.inc(1);
    }
    Ok(rows)
}

fn row(use_case: String, notes: Technique) -> Row {
    Row {
        use_case,
        notes,
        times: Default::default(),
    }
}

/// `--python`: the same use cases measured by the twin, `when_to_use.py`, which fetches its pages
/// from our server on `port`. It prints `n<TAB>when.<row>.<Technique><TAB>seconds`, a label per
/// row (`f<TAB>when.<row>.label<TAB>text`) and `p` after each step.
pub fn python(
    rust: &[Row],
    port: u16,
    repeat: usize,
    cpus: usize,
    quick: bool,
    bar: &ProgressBar,
) -> Result<Option<Vec<Row>>> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/when_to_use.py");
    let mut python = std::process::Command::new("python3");
    python
        .arg(script)
        .args(["--port", &port.to_string(), "--repeat", &repeat.to_string()]);
    python
        .args(["--cpus", &cpus.to_string()])
        .args(quick.then_some("--quick"));
    let child = python.stdout(std::process::Stdio::piped()).spawn();
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
    let mut rows: Vec<Row> = rust.iter().map(|r| row(String::new(), r.notes)).collect();
    let read = std::io::BufRead::lines(std::io::BufReader::new(stdout)).try_for_each(|line| {
        let line = line.context("reading the Python twin's output")?;
        let fields: Vec<&str> = line.splitn(3, '\t').collect();
        let key = |k: &str| -> Option<(usize, String)> {
            let mut parts = k.strip_prefix("when.")?.splitn(2, '.');
            Some((parts.next()?.parse().ok()?, parts.next()?.to_owned()))
        };
        match fields[..] {
            ["p"] => bar.inc(1),
            ["f", k, text] if key(k).is_some_and(|(r, what)| r < rows.len() && what == "label") => {
                rows[key(k).expect("checked").0].use_case = text.to_owned();
            }
            ["n", k, seconds] => {
                let (r, technique) = key(k).with_context(|| format!("unexpected key {k:?}"))?;
                let t = ["Sequential", "Threads", "Processes"]
                    .iter()
                    .position(|&t| t == technique);
                let t = t
                    .filter(|_| r < rows.len())
                    .with_context(|| format!("unexpected key {k:?}"))?;
                rows[r].times[t].push(seconds.parse().with_context(|| format!("{line:?}"))?);
            }
            _ => anyhow::bail!("unexpected line from the Python twin: {line:?}"),
        }
        anyhow::Ok(())
    });
    if read.is_err() {
        _ = child.kill(); // Don't leave it running behind us.
    }
    let status = child.wait().context("waiting for python3")?;
    read?;
    ensure!(status.success(), "the Python twin {status}");
    Ok(Some(rows))
}
