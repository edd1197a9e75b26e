//! Runs every use case by every technique, `repeat` times in a rotating order, checks that the
//! techniques agree on the answer, and collects the times.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use indicatif::ProgressBar;

use crate::asynchronous;
use crate::connections::{self, WAYS};
use crate::responsiveness;
use crate::workloads::{self, Technique};
use common::pool::ProcessPool;
use common::process::StartMethod;
use evidence::record::Record;

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
    /// Requests in flight at once in the many-connections row, and how slowly each is answered.
    pub connections: u64,
    pub connection_delay: Duration,
}

impl Size {
    /// The default sizes (about 20 s on 2 cores in all), or tiny ones for `--quick`; at most
    /// `connections` in the many-connections row.
    pub fn new(quick: bool, connections: u64) -> Size {
        let size = if quick {
            Size {
                files: 8,
                file_bytes: 4096,
                pages: 8,
                page_delay: Duration::from_millis(2),
                io_workers: 4,
                image_side: 256,
                samples: 1_600_000,
                connections: 200,
                connection_delay: Duration::from_millis(2),
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
                connections,
                connection_delay: Duration::from_millis(5),
            }
        };
        Size {
            connections: size.connections.min(connections),
            ..size
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

/// Progress steps per run: four techniques for the two I/O-bound use cases, three for the two
/// CPU-bound ones, the responsiveness row, and three ways in the many-connections row.
pub const STEPS: u64 = 18;

/// The use cases in the table's order: the notes' pick for each, and what kind of work it is.
pub const ROWS: [(Technique, Work); 5] = [
    (Technique::Threads, Work::Io),
    (Technique::Threads, Work::Io),
    (Technique::Processes, Work::Cpu),
    (Technique::Processes, Work::Cpu),
    (Technique::Threads, Work::Responsiveness),
];

/// What a use case spends its time on.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Work {
    Io,
    Cpu,
    Responsiveness,
}

/// How the run was made (the `run` scope).
pub struct Setup {
    pub cpus: usize,
    pub repeat: usize,
    pub quick: bool,
    pub io_workers: usize,
}

impl Setup {
    /// The setup the `run` scope holds.
    pub fn from_record(r: &Record) -> Result<Setup> {
        let get = |key: &str| {
            r.median(key)
                .with_context(|| format!("no run {key} in the evidence"))
        };
        Ok(Setup {
            cpus: get("cpus")? as usize,
            repeat: get("repeat")? as usize,
            quick: get("quick")? != 0.0,
            io_workers: get("io_workers")? as usize,
        })
    }
}

/// Records how the run was made in the `run` scope (read back by [`Setup::from_record`]).
pub fn record_setup(size: &Size, cpus: usize, repeat: usize, quick: bool, r: &mut Record) {
    r.add("cpus", cpus as f64);
    r.add("repeat", repeat as f64);
    r.add("quick", if quick { 1.0 } else { 0.0 });
    r.add("io_workers", size.io_workers as f64);
}

/// Every row, measured `repeat` times; `port` is the web server's. Records each time as
/// `when.<row>.<Technique>`, each row's label, the bytes a process pool copies for it
/// (`when.<row>.bytes`), and what starting the workers costs (`start.<threads|processes>.<n>`).
pub fn all(
    size: &Size,
    repeat: usize,
    cpus: usize,
    ports: Ports,
    bar: &ProgressBar,
) -> Result<Record> {
    let dir = TempDir::new()?;
    let image = workloads::test_image(size.image_side);
    let kib = (size.files * size.file_bytes as u64) >> 10;
    let total = if kib < 1024 {
        format!("{kib} KiB")
    } else {
        format!("{} MiB", kib >> 10)
    };
    let labels = [
        format!(
            "File I/O ({} files, {total} in all, written, read back, removed; {} workers)",
            size.files, size.io_workers
        ),
        format!(
            "Web scraping ({} pages, each answered after {} ms; {} workers)",
            size.pages,
            size.page_delay.as_millis(),
            size.io_workers
        ),
        format!(
            "Image processing (Gaussian blur of a {0}×{0} image; {cpus} workers)",
            size.image_side
        ),
        format!(
            "Scientific computation (Monte Carlo π, {} M samples; {cpus} workers)",
            size.samples / 1_000_000
        ),
        format!(
            "Responsiveness (GUI apps): longest pause of a loop that reports every {} ms",
            responsiveness::FRAME.as_millis()
        ),
    ];
    let mut r = Record::default();
    for (row, label) in labels.iter().enumerate() {
        r.fact(format!("when.{row}.label"), label.as_str());
    }
    r.fact("conn.label", connections_label(size));
    r.add("conn.count", size.connections as f64);
    r.add("conn.delay", size.connection_delay.as_secs_f64());
    r.add("conn.pool", size.io_workers as f64);
    // What a pool copies to its workers and back; for the small rows an upper bound that
    // counts every number at 8 bytes and the directory's path once per file.
    let path = dir.path().as_os_str().len() as u64;
    let bytes = [
        size.files * (path + 24),
        size.pages * 24,
        workloads::image_bytes(size.image_side, cpus),
        16 * 24,
    ];
    for (row, bytes) in bytes.into_iter().enumerate() {
        r.add(format!("when.{row}.bytes"), bytes as f64);
    }
    for run in 0..repeat {
        for (row, label) in labels.iter().enumerate().take(4) {
            let mut answers = Vec::new();
            let techniques = techniques(row);
            for k in 0..techniques.len() {
                let t = techniques[(k + run) % techniques.len()];
                let workers = if row < 2 { size.io_workers } else { cpus };
                bar.set_message(format!(
                    "{}: {t:?}",
                    label.split(" (").next().unwrap_or_default()
                ));
                let started = Instant::now();
                let answer = match (row, t) {
                    (0, Technique::Async) => {
                        asynchronous::file_io(workers, dir.path(), size.files, size.file_bytes)
                    }
                    (0, _) => {
                        workloads::file_io(t, workers, dir.path(), size.files, size.file_bytes)
                    }
                    (1, Technique::Async) => {
                        asynchronous::web(Some(workers), ports.pages, size.pages)
                    }
                    (1, _) => workloads::web(t, workers, ports.pages, size.pages),
                    (2, _) => workloads::image(t, workers, &image),
                    _ => workloads::monte_carlo(t, workers, size.samples),
                };
                r.add(format!("when.{row}.{t:?}"), started.elapsed().as_secs_f64());
                answers.push(answer.with_context(|| format!("{label} by {t:?}"))?);
                bar.inc(1);
            }
            ensure!(
                answers.iter().all(|&a| a == answers[0]),
                "{label}: the techniques disagree: {answers:?}"
            );
        }
        for workers in [size.io_workers, cpus] {
            let (threads, processes) = start_costs(workers)?;
            r.add(format!("start.threads.{workers}"), threads);
            r.add(format!("start.processes.{workers}"), processes);
        }
        let show = |percent| bar.set_message(format!("Responsiveness: {percent}% done"));
        let (inline, threaded) = responsiveness::longest_pauses(size.samples / 2, &show)?;
        r.add("when.4.Sequential", inline);
        r.add("when.4.Threads", threaded);
        bar.inc(1);
        let mut answers = Vec::new();
        for k in 0..WAYS.len() {
            let way = WAYS[(k + run) % WAYS.len()];
            bar.set_message(format!("Many connections: {way:?}"));
            let (seconds, peak, sum) =
                connections::run(way, ports.connections, size.connections, size.io_workers)
                    .with_context(|| format!("many connections, {way:?}"))?;
            r.add(format!("conn.{way:?}"), seconds);
            r.add(format!("conn.{way:?}.peak"), peak);
            answers.push(sum);
            bar.inc(1);
        }
        ensure!(
            answers.iter().all(|&a| a == answers[0]),
            "many connections: the ways disagree: {answers:?}"
        );
    }
    Ok(r)
}

/// The techniques a use case runs by: async tasks only for the I/O-bound ones.
pub fn techniques(row: usize) -> &'static [Technique] {
    const IO: &[Technique] = &[
        Technique::Sequential,
        Technique::Threads,
        Technique::Processes,
        Technique::Async,
    ];
    if row < 2 { IO } else { &IO[..3] }
}

/// The many-connections row's label.
pub fn connections_label(size: &Size) -> String {
    format!(
        "Many connections ({} requests at once, each answered after {} ms)",
        size.connections,
        size.connection_delay.as_millis()
    )
}

/// The two local servers' ports: the web-scraping row's and the many-connections row's.
#[derive(Clone, Copy)]
pub struct Ports {
    pub pages: u16,
    pub connections: u16,
}

/// Seconds to start and stop `workers` idle threads, and a pool of `workers` forked processes.
fn start_costs(workers: usize) -> Result<(f64, f64)> {
    let started = Instant::now();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers).map(|_| s.spawn(|| ())).collect();
        handles
            .into_iter()
            .try_for_each(|h| common::panic::join_scoped(h))
    })?;
    let threads = started.elapsed().as_secs_f64();
    let started = Instant::now();
    drop(ProcessPool::new(workers, StartMethod::Fork)?); // Dropping it stops and reaps them.
    Ok((threads, started.elapsed().as_secs_f64()))
}

/// `--python`: the same use cases measured by the twin, `when_to_use.py`, which fetches its pages
/// from our server on `port`. It prints the same keys as [`all`] records, and `p` after each step.
pub fn python(
    ports: Ports,
    size: &Size,
    repeat: usize,
    cpus: usize,
    quick: bool,
    bar: &ProgressBar,
) -> Result<Option<Record>> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/when_to_use.py");
    let mut args = vec![
        "--port".to_owned(),
        ports.pages.to_string(),
        "--connections-port".to_owned(),
        ports.connections.to_string(),
        "--connections".to_owned(),
        size.connections.to_string(),
        "--connection-delay-ms".to_owned(),
        size.connection_delay.as_millis().to_string(),
        "--repeat".to_owned(),
        repeat.to_string(),
        "--cpus".to_owned(),
        cpus.to_string(),
    ];
    if quick {
        args.push("--quick".to_owned());
    }
    let mut record = Record::default();
    let ran = evidence::twin::run(script, &args, |line| {
        if record.read_twin_line(line)? {
            bar.inc(1);
        }
        Ok(())
    })?;
    Ok(ran.then_some(record))
}
