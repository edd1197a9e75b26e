//! The Rust side of each row: the same work with threads, with processes, and (for speed) in one
//! thread, timed. The Python twin (`threads_vs_processes.py`) does the same in Python, key by key.

use std::hint::black_box;
use std::sync::Barrier;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use common::pool::ProcessPool;
use common::process::{self, Exit, StartMethod};
use common::queue::IpcQueue;
use common::shared::SharedValue;
use common::target::Target;
use nix::sched::{CpuSet, sched_getaffinity, sched_setaffinity};
use nix::sys::signal::{SigHandler, Signal, raise, signal};
use nix::unistd::Pid;

use evidence::record::Record;

use crate::tasks;

/// How much of everything to measure.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Runs of each timed measurement (the tables show the median).
    pub repeat: usize,
    /// Workers for the CPU-bound row (the CPUs this process could use before any `--cpus`).
    pub cpu_workers: usize,
    /// Steps of CPU-bound work, shared out among the workers.
    pub cpu_units: u64,
    /// How many blocking waits, how long each, and over how many workers.
    pub io_waits: usize,
    pub io_wait: Duration,
    pub io_workers: usize,
    /// Idle workers started to weigh one.
    pub idle: usize,
    /// Starts timed per repeat: threads, then processes by each start method.
    pub thread_starts: usize,
    pub process_starts: usize,
    /// Idle async tasks started to weigh one, and tasks started and joined (beyond the notes).
    pub idle_tasks: usize,
    pub task_starts: usize,
    /// Also time every worker count from 1 to `sweep` (for the charts of `make bench`).
    pub sweep: usize,
}

impl Plan {
    /// The default plan (about 12 s on 2 cores), or a tiny one for `--quick`; `cpu_workers` is
    /// one per CPU the machine gives this process, also when `--cpus` pins it to fewer.
    pub fn new(quick: bool, repeat: usize, cpu_workers: usize, sweep: usize) -> Plan {
        let pick = |quick_value, value| if quick { quick_value } else { value };
        Plan {
            repeat: pick(1, repeat),
            cpu_workers,
            cpu_units: pick(2_000_000, 400_000_000) as u64,
            io_waits: pick(8, 40),
            io_wait: Duration::from_millis(pick(5, 50) as u64),
            io_workers: pick(4, 8),
            idle: pick(8, 100),
            thread_starts: pick(10, 200),
            process_starts: pick(2, 20),
            idle_tasks: pick(1_000, 10_000),
            task_starts: pick(100, 10_000),
            sweep,
        }
    }

    /// The plan's numbers as the Python twin's flags and as the evidence file's `plan.*` keys.
    pub fn numbers(&self) -> [(&'static str, u64); 12] {
        [
            ("repeat", self.repeat as u64),
            ("cpu-workers", self.cpu_workers as u64),
            ("cpu-units", self.cpu_units),
            ("io-waits", self.io_waits as u64),
            ("io-ms", self.io_wait.as_millis() as u64),
            ("io-workers", self.io_workers as u64),
            ("idle", self.idle as u64),
            ("thread-starts", self.thread_starts as u64),
            ("process-starts", self.process_starts as u64),
            ("idle-tasks", self.idle_tasks as u64),
            ("task-starts", self.task_starts as u64),
            ("sweep", self.sweep as u64),
        ]
    }

    /// Records the plan under `plan.*`.
    pub fn record(&self, r: &mut Record) {
        for (name, value) in self.numbers() {
            r.add(format!("plan.{name}"), value as f64);
        }
    }

    /// The plan a record holds.
    pub fn from_record(r: &Record) -> Result<Plan> {
        let get = |name: &str| {
            r.median(&format!("plan.{name}"))
                .map(|v| v as u64)
                .with_context(|| format!("no plan.{name} in the evidence"))
        };
        Ok(Plan {
            repeat: get("repeat")? as usize,
            cpu_workers: get("cpu-workers")? as usize,
            cpu_units: get("cpu-units")?,
            io_waits: get("io-waits")? as usize,
            io_wait: Duration::from_millis(get("io-ms")?),
            io_workers: get("io-workers")? as usize,
            idle: get("idle")? as usize,
            thread_starts: get("thread-starts")? as usize,
            process_starts: get("process-starts")? as usize,
            idle_tasks: get("idle-tasks")? as usize,
            task_starts: get("task-starts")? as usize,
            sweep: get("sweep")? as usize,
        })
    }

    /// How many progress steps [`all`] takes (the Python twin takes as many).
    pub fn steps(&self) -> u64 {
        let sweeps = 2 * 2 * self.sweep;
        (4 + self.repeat * (6 + 1 + 4 + 1) + sweeps * self.repeat) as u64
    }
}

/// Every row, in the table's order; `step` is called after each step.
pub fn all(plan: &Plan, mut step: impl FnMut()) -> Result<Record> {
    let mut r = Record::default();
    memory_is_shared_or_not(&mut r)?;
    step();
    memory_per_idle_worker(plan, &mut r)?;
    step();
    let task_kib =
        tasks::memory_per_idle_task(plan.idle_tasks, || kib("/proc/self/status", &["VmRSS:"]))?;
    r.add("memory.task_kib", task_kib);
    step();
    crashes(&mut r)?;
    step();
    for _ in 0..plan.repeat {
        for (row, workers) in [("cpu", plan.cpu_workers), ("io", plan.io_workers)] {
            r.add(format!("{row}.sequential"), time(|| work(plan, row, 0))?);
            step();
            r.add(format!("{row}.threads"), time(|| work(plan, row, workers))?);
            step();
            r.add(
                format!("{row}.processes"),
                time(|| pooled(plan, row, workers))?,
            );
            step();
        }
        let (waits, wait, at_once) = (plan.io_waits, plan.io_wait, plan.io_workers);
        r.add("io.tasks", time(|| tasks::io_waits(waits, wait, at_once))?);
        step();
        overhead(plan, &mut r, &mut step)?;
        r.add("overhead.task", tasks::start_and_join(plan.task_starts)?);
        step();
    }
    for workers in 1..=plan.sweep {
        for _ in 0..plan.repeat {
            for row in ["cpu", "io"] {
                let seconds = time(|| work(plan, row, workers))?;
                r.add(format!("sweep.{row}.threads.{workers}"), seconds);
                step();
                let seconds = time(|| pooled(plan, row, workers))?;
                r.add(format!("sweep.{row}.processes.{workers}"), seconds);
                step();
            }
        }
    }
    Ok(r)
}

fn time(f: impl FnOnce() -> Result<u64>) -> Result<f64> {
    let started = Instant::now();
    black_box(f()?);
    Ok(started.elapsed().as_secs_f64())
}

/// CPU-bound work: `units` steps of a xorshift generator, summed (each step needs the last).
fn spin((units, seed): (u64, u64)) -> u64 {
    let (mut x, mut sum) = (seed | 1, 0u64);
    for _ in 0..units {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        sum = sum.wrapping_add(x);
    }
    sum
}
const SPIN: Target<(u64, u64), u64> = common::target!(spin);

/// I/O-bound work: one blocking wait, like a request to a slow server.
fn wait(millis: u64) -> u64 {
    thread::sleep(Duration::from_millis(millis));
    millis
}
const WAIT: Target<u64, u64> = common::target!(wait);

fn idle((parent, ready): (u32, common::queue::QueueWriter<u32>)) -> Result<()> {
    if !process::die_with_parent(parent)? {
        return Ok(());
    }
    ready.put(&1)?;
    loop {
        nix::unistd::pause(); // Until the parent kills us.
    }
}
const IDLE: Target<(u32, common::queue::QueueWriter<u32>), Result<()>> = common::target!(idle);

fn nothing(_: ()) {}
const NOTHING: Target<(), ()> = common::target!(nothing);

/// Every target this program runs in another process (for `roles::run_if_child`).
pub const TARGETS: &[&dyn common::target::Entry] = &[&SPIN, &WAIT, &IDLE, &NOTHING];

/// The CPU-bound work cut in one chunk per worker (one chunk when sequential).
fn cpu_chunks(plan: &Plan, workers: usize) -> Vec<(u64, u64)> {
    let n = workers.max(1) as u64;
    (0..n).map(|i| (plan.cpu_units / n, i + 1)).collect()
}

/// The row's work in this process: in one thread (`workers` = 0) or in `workers` threads, each
/// taking the next item until none is left.
fn work(plan: &Plan, row: &str, workers: usize) -> Result<u64> {
    let millis = plan.io_wait.as_millis() as u64;
    let chunks = cpu_chunks(plan, workers);
    let run: Box<dyn Fn(usize) -> u64 + Sync> = if row == "cpu" {
        Box::new(|i| spin(chunks[i]))
    } else {
        Box::new(move |_| wait(millis))
    };
    let items = if row == "cpu" {
        chunks.len()
    } else {
        plan.io_waits
    };
    if workers == 0 {
        return Ok((0..items).map(&run).fold(0, u64::wrapping_add));
    }
    let next = AtomicUsize::new(0);
    thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    let mut sum = 0u64;
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= items {
                            break sum;
                        }
                        sum = sum.wrapping_add(run(i));
                    }
                })
            })
            .collect();
        handles.into_iter().try_fold(0u64, |total, h| {
            anyhow::Ok(total.wrapping_add(common::panic::join_scoped(h)?))
        })
    })
}

/// The row's work in a pool of `workers` processes, started and stopped inside the timing.
fn pooled(plan: &Plan, row: &str, workers: usize) -> Result<u64> {
    let mut pool = ProcessPool::new(workers, StartMethod::Fork)?;
    let results = if row == "cpu" {
        pool.map(&SPIN, cpu_chunks(plan, workers))?
    } else {
        let millis = plan.io_wait.as_millis() as u64;
        pool.map(&WAIT, vec![millis; plan.io_waits])?
    };
    Ok(results.into_iter().fold(0, u64::wrapping_add))
}

/// Memory: a thread's write is seen by main; a forked child's write to an ordinary variable is
/// not; the same write through `SharedValue` is.
fn memory_is_shared_or_not(r: &mut Record) -> Result<()> {
    let seen = |yes: bool| if yes { "seen" } else { "not seen" };
    let mut plain = 0u64;
    thread::scope(|s| s.spawn(|| plain = 1).join())
        .map_err(|_| anyhow::anyhow!("the writing thread panicked"))?;
    r.fact("memory.thread_write", seen(plain == 1));

    let mut plain = 0u64;
    // The child writes its own copy of `plain`: fork copied the whole address space.
    process::fork(|| {
        plain = 1;
        Ok(())
    })?
    .join()?;
    r.fact("memory.child_write", seen(plain == 1));

    let shared = SharedValue::new(0u64)?;
    process::fork(|| {
        shared.set(1);
        Ok(())
    })?
    .join()?;
    r.fact("memory.shared_write", seen(shared.get() == 1));
    Ok(())
}

/// Memory cost: how much resident memory one more idle thread adds to this process, and how
/// much private memory one idle forked child has (its USS: what killing it would free).
fn memory_per_idle_worker(plan: &Plan, r: &mut Record) -> Result<()> {
    let n = plan.idle;
    let before = kib("/proc/self/status", &["VmRSS:"])?;
    let (started, stop) = (Barrier::new(n + 1), Barrier::new(n + 1));
    let after = thread::scope(|s| {
        for _ in 0..n {
            s.spawn(|| {
                started.wait();
                stop.wait(); // Idle until main has measured.
            });
        }
        started.wait();
        let after = kib("/proc/self/status", &["VmRSS:"]);
        stop.wait();
        after
    })?;
    r.add("memory.thread_kib", (after - before) as f64 / n as f64);

    // Each child reports on a queue of its own, whose one writer it holds (the parent's copy is
    // dropped when `start` returns): waiting on it ends with the child's report or, if the child
    // dies first, with the queue's end, never in a wait for a writer the parent itself holds.
    let mut children = Vec::with_capacity(n);
    for i in 0..n {
        let (ready, readies) = IpcQueue::<u32>::new()?;
        let child = process::start(StartMethod::Fork, &IDLE, (std::process::id(), ready))?;
        if let Err(closed) = readies.get() {
            // It ended first: its own error (out of descriptors, say) is the one to tell.
            child.join()?;
            return Err(closed)
                .with_context(|| format!("idle process {i} ended before it was ready"));
        }
        children.push(child);
    }
    let mut private = 0;
    for child in &children {
        let rollup = format!("/proc/{}/smaps_rollup", child.pid());
        private += kib(&rollup, &["Private_Clean:", "Private_Dirty:"])?;
    }
    r.add("memory.process_kib", private as f64 / n as f64);
    Ok(()) // Dropping `children` kills and reaps them.
}

/// The sum of the `fields` (in kB) of a /proc file.
fn kib(path: &str, fields: &[&str]) -> Result<i64> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
    let mut total = 0;
    for field in fields {
        let line = text.lines().find(|l| l.starts_with(field));
        let value = line.and_then(|l| l.split_whitespace().nth(1)?.parse::<i64>().ok());
        total += value.with_context(|| format!("{path} has no {field}"))?;
    }
    Ok(total)
}

/// Crashes: a panicking thread, a thread that aborts (inside a child, which it kills whole), and
/// a child killed by SIGSEGV. Each is recorded as what was observed (`yes`/`no`, how a process
/// ended), for the verdict to read.
fn crashes(r: &mut Record) -> Result<()> {
    let hook = std::panic::take_hook(); // Silence the panic's report on stderr for a moment.
    std::panic::set_hook(Box::new(|_| {}));
    let joined = thread::spawn(|| panic!("boom")).join();
    std::panic::set_hook(hook);
    let message = joined.err().map(|p| common::panic::message(&*p));
    ensure!(
        message.as_deref() == Some("boom"),
        "the thread did not panic"
    );
    r.fact("crash.thread_error", "panic");
    r.fact("crash.thread_panic.main_lives", "yes"); // We are still here to write it.
    r.fact("crash.thread_panic.join", "Err(\"boom\")");

    let child = process::fork(|| {
        _ = thread::spawn(|| std::process::abort()).join();
        println!("main thread survived"); // Never printed: abort ends every thread.
        Ok(())
    })?;
    r.fact("crash.thread_abort.ended", ended(child)?);

    let child = process::fork(|| {
        // Rust's runtime handles SIGSEGV (to report stack overflows): take the kernel's default
        // back, then send ourselves what the kernel sends a process that follows a bad pointer.
        // SAFETY: restoring the default action installs no handler code.
        unsafe { signal(Signal::SIGSEGV, SigHandler::SigDfl) }?;
        raise(Signal::SIGSEGV)?;
        Ok(())
    })?;
    r.fact("crash.child_segv.ended", ended(child)?);
    r.fact("crash.child_segv.parent_lives", "yes");
    Ok(())
}

/// How a child ended, as the evidence spells it: `signal SIGSEGV` or `exit 0`.
fn ended(mut child: process::Child) -> Result<String> {
    Ok(match child.wait()? {
        Exit::Signal(signal) => format!("signal {signal}"),
        Exit::Code(code) => format!("exit {code}"),
        Exit::Unknown => "unknown".to_owned(),
    })
}

/// Overhead: start + join of a thread that does nothing, and of a process by each start method.
fn overhead(plan: &Plan, r: &mut Record, step: &mut impl FnMut()) -> Result<()> {
    let started = Instant::now();
    for _ in 0..plan.thread_starts {
        thread::spawn(|| ()).join().ok();
    }
    let micros = started.elapsed().as_secs_f64() * 1e6 / plan.thread_starts as f64;
    r.add("overhead.thread", micros);
    step();
    for method in [
        StartMethod::Fork,
        StartMethod::Forkserver,
        StartMethod::Spawn,
    ] {
        process::start(method, &NOTHING, ())?.join()?; // The fork server starts on first use.
        let started = Instant::now();
        for _ in 0..plan.process_starts {
            process::start(method, &NOTHING, ())?.join()?;
        }
        let micros = started.elapsed().as_secs_f64() * 1e6 / plan.process_starts as f64;
        let name = format!("{method:?}").to_lowercase();
        r.add(format!("overhead.{name}"), micros);
        step();
    }
    Ok(())
}

/// The CPUs this process may use, `(now, before)`: all it is allowed, or with `wanted` the first
/// `wanted` of them (pinned with `sched_setaffinity`, which children and Python inherit).
///
/// Its error is a `Box`, so that a [`common::cli::UsageError`] reaches `cli::run` as itself.
pub fn use_cpus(wanted: Option<u64>) -> Result<(usize, usize), common::error::BoxError> {
    let allowed = sched_getaffinity(Pid::from_raw(0)).context("reading the CPU affinity")?;
    let cpus: Vec<usize> = (0..CpuSet::count())
        .filter(|&c| allowed.is_set(c).unwrap_or(false))
        .collect();
    let Some(wanted) = wanted else {
        return Ok((cpus.len(), cpus.len()));
    };
    let wanted = wanted as usize;
    if wanted > cpus.len() {
        let why = format!(
            "--cpus {wanted}: this process may use only {} CPUs",
            cpus.len()
        );
        return Err(common::cli::UsageError(why).into());
    }
    let mut set = CpuSet::new();
    for &cpu in &cpus[..wanted] {
        set.set(cpu)?;
    }
    sched_setaffinity(Pid::from_raw(0), &set).context("pinning to the CPUs")?;
    Ok((wanted, cpus.len()))
}
