//! `make bench`, the process core: each of `common::process`'s costs beside the raw primitive it
//! wraps (written out here, so a reader sees what "raw" means) and Python's counterpart.
//!
//! Samples interleave: every round takes one sample of each column in turn, Python's through a
//! helper (`process_core.py`) that answers one measurement per request, so all three share the
//! machine's load alike. It prints medians with min–max, the ratios, and each target of issue #5
//! with whether it was met. `-- --pinned` runs everything on CPU 0 (children inherit it): across
//! cores the wake-up between processes dominates; pinned, the CPU cost of each step shows.

mod measure;

use std::os::unix::net::UnixStream;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use common::pool::ProcessPool;
use common::process::{self, StartMethod};
use common::queue::{IpcQueue, QueueWriter};
use common::shared::SharedValue;
use common::target::Target;
use measure::{Goal, Row, Unit, seconds};
use nix::sys::resource::{UsageWho, getrusage};
use nix::sys::wait::waitpid;
use nix::unistd::ForkResult;

const NOTHING: Target<(), ()> = common::target!(nothing);
const SLEEP_MS: Target<u64, ()> = common::target!(sleep_ms);
/// How long to sleep, where to stamp the clock, and a queue to put a message on first, if any.
type StampArgs = (u64, SharedValue<u64>, Option<QueueWriter<String>>);
const STAMP_AFTER: Target<StampArgs, Result<()>> = common::target!(stamp_after);

/// The raw spawn measurement runs this executable with this flag; it exits at once.
const RAW_CHILD: &str = "--raw-child";

fn nothing(_: ()) {}

fn sleep_ms(ms: u64) {
    std::thread::sleep(Duration::from_millis(ms));
}

/// Sleeps, puts a message if handed a queue, then stamps the monotonic clock: the child's last act.
fn stamp_after(
    (ms, stamp, queue): (u64, SharedValue<u64>, Option<QueueWriter<String>>),
) -> Result<()> {
    sleep_ms(ms);
    if let Some(queue) = queue {
        queue.put(&"done".to_owned())?;
    }
    stamp.set(monotonic_ns());
    Ok(())
}

fn monotonic_ns() -> u64 {
    let now = nix::time::clock_gettime(nix::time::ClockId::CLOCK_MONOTONIC).expect("clock");
    now.tv_sec() as u64 * 1_000_000_000 + now.tv_nsec() as u64
}

fn main() -> Result<()> {
    if std::env::args().nth(1).as_deref() == Some(RAW_CHILD) {
        return Ok(());
    }
    common::roles::run_if_child(&[&NOTHING, &SLEEP_MS, &STAMP_AFTER]);
    let (rounds, mut python) = measure::start("Process core", 30, "process_core.py")?;
    // After `start` has pinned the process, if asked: the window watches the CPUs it may use.
    let run_line = measure::RunLine::start()?;
    let mut rows = vec![
        Row::new("start + join, fork", Unit::Micros, Goal::Raw(1.2)),
        Row::new("start + join, spawn", Unit::Micros, Goal::None),
        Row::new("start + join, forkserver", Unit::Micros, Goal::None),
        Row::new("child's exit → join returns", Unit::Micros, Goal::Raw(1.1)),
        Row::new(
            "child's exit → join returns, queue held",
            Unit::Micros,
            Goal::Below(1000.0),
        ),
        Row::new(
            "drop a pool of 4 idle workers",
            Unit::Micros,
            Goal::Raw(1.3),
        ),
    ];
    process::start(StartMethod::Forkserver, &NOTHING, ())?.join()?; // Start the server untimed.
    for round in 0..rounds {
        eprint!("\rround {}/{rounds}", round + 1);
        rows[0].sample(
            round,
            || seconds(|| Ok(process::start(StartMethod::Fork, &NOTHING, ())?.join()?)),
            Some(raw_fork_join),
            python.as_mut().map(|p| move || p.ask("start_join fork")),
        )?;
        rows[1].sample(
            round,
            || seconds(|| Ok(process::start(StartMethod::Spawn, &NOTHING, ())?.join()?)),
            Some(raw_spawn_join),
            python.as_mut().map(|p| move || p.ask("start_join spawn")),
        )?;
        rows[2].sample(
            round,
            || seconds(|| Ok(process::start(StartMethod::Forkserver, &NOTHING, ())?.join()?)),
            None::<fn() -> Result<f64>>,
            python
                .as_mut()
                .map(|p| move || p.ask("start_join forkserver")),
        )?;
        rows[3].sample(
            round,
            || exit_latency(false),
            Some(|| raw_exit_latency(false)),
            python.as_mut().map(|p| move || p.ask("exit_latency none")),
        )?;
        rows[4].sample(
            round,
            || exit_latency(true),
            Some(|| raw_exit_latency(true)),
            python.as_mut().map(|p| move || p.ask("exit_latency queue")),
        )?;
        rows[5].sample(
            round,
            pool_drop,
            Some(raw_pool_drop),
            python.as_mut().map(|p| move || p.ask("pool_drop 4")),
        )?;
    }
    let mut cpu = Row::new(
        "parent CPU while joining a 1 s child",
        Unit::ShareOfCore,
        Goal::Below(1.0),
    );
    for round in 0..3 {
        eprint!("\rCPU while joining, {}/3   ", round + 1);
        cpu.sample(
            round,
            || join_cpu_share(1000),
            Some(|| raw_join_cpu_share(1000)),
            python.as_mut().map(|p| move || p.ask("join_cpu 1000")),
        )?;
    }
    rows.push(cpu);
    eprintln!("\r{:40}", "");
    measure::print_table(&rows, python.as_ref());
    let version = python.as_ref().map(|p| p.version.clone());
    if let Some(python) = python {
        python.stop()?;
    }
    common::process::forkserver::stop()?;
    run_line.print(version.as_deref().unwrap_or("python3 not found"))
}

/// Raw: `fork`, the child `_exit`s, the parent `waitpid`s.
fn raw_fork_join() -> Result<f64> {
    seconds(|| {
        // SAFETY: this benchmark is single-threaded; the child calls only `_exit`.
        match unsafe { nix::unistd::fork() }? {
            // SAFETY: `_exit` has no preconditions.
            ForkResult::Child => unsafe { nix::libc::_exit(0) },
            ForkResult::Parent { child } => waitpid(child, None).map(drop).context("waitpid"),
        }
    })
}

/// Raw: `std::process::Command` runs this executable, which exits at once, and waits.
fn raw_spawn_join() -> Result<f64> {
    let exe = std::env::current_exe()?;
    seconds(|| {
        let status = Command::new(&exe).arg(RAW_CHILD).status()?;
        if !status.success() {
            bail!("raw child failed: {status}");
        }
        Ok(())
    })
}

/// Seconds from the child's last act (its stamp) to `join` returning in the parent.
fn exit_latency(with_queue: bool) -> Result<f64> {
    let stamp = SharedValue::new(0u64)?;
    let (writer, queue) = IpcQueue::<String>::new()?;
    let writer = with_queue.then_some(writer);
    let child = process::start(StartMethod::Fork, &STAMP_AFTER, (20, stamp.clone(), writer))?;
    child.join()?;
    let now = monotonic_ns();
    if with_queue {
        queue.get()?;
    }
    Ok(now.saturating_sub(stamp.get()) as f64 / 1e9)
}

/// Raw: `fork`; the child sleeps, writes one small message to a pipe if asked, stamps a shared
/// page and `_exit`s; the parent blocks in `waitpid`.
fn raw_exit_latency(with_queue: bool) -> Result<f64> {
    let stamp = SharedValue::new(0u64)?; // A MAP_SHARED page; only its atomic store is used.
    let (reader, writer) = nix::unistd::pipe()?;
    // SAFETY: this benchmark is single-threaded; the child sleeps, writes, stores and `_exit`s.
    match unsafe { nix::unistd::fork() }? {
        ForkResult::Child => {
            sleep_ms(20);
            if with_queue {
                _ = nix::unistd::write(&writer, b"\x04\0\0\0done");
            }
            stamp.set(monotonic_ns());
            // SAFETY: `_exit` has no preconditions.
            unsafe { nix::libc::_exit(0) }
        }
        ForkResult::Parent { child } => {
            drop(writer);
            waitpid(child, None)?;
            let now = monotonic_ns();
            let mut message = [0u8; 8];
            if with_queue {
                nix::unistd::read(&reader, &mut message)?;
            }
            Ok(now.saturating_sub(stamp.get()) as f64 / 1e9)
        }
    }
}

fn cpu_seconds() -> Result<f64> {
    let usage = getrusage(UsageWho::RUSAGE_SELF)?;
    let secs = |t: nix::sys::time::TimeVal| t.tv_sec() as f64 + t.tv_usec() as f64 / 1e6;
    Ok(secs(usage.user_time()) + secs(usage.system_time()))
}

/// The share of a core this process uses while `join` waits for a child that sleeps `ms`.
fn join_cpu_share(ms: u64) -> Result<f64> {
    let child = process::start(StartMethod::Fork, &SLEEP_MS, ms)?;
    let (cpu, wall) = (cpu_seconds()?, Instant::now());
    child.join()?;
    Ok((cpu_seconds()? - cpu) / wall.elapsed().as_secs_f64())
}

fn raw_join_cpu_share(ms: u64) -> Result<f64> {
    // SAFETY: this benchmark is single-threaded; the child sleeps and `_exit`s.
    match unsafe { nix::unistd::fork() }? {
        ForkResult::Child => {
            sleep_ms(ms);
            // SAFETY: `_exit` has no preconditions.
            unsafe { nix::libc::_exit(0) }
        }
        ForkResult::Parent { child } => {
            let (cpu, wall) = (cpu_seconds()?, Instant::now());
            waitpid(child, None)?;
            Ok((cpu_seconds()? - cpu) / wall.elapsed().as_secs_f64())
        }
    }
}

/// Dropping a `ProcessPool` whose 4 workers are idle (made and warmed up untimed).
fn pool_drop() -> Result<f64> {
    let mut pool = ProcessPool::new(4, StartMethod::Fork)?;
    pool.map(&NOTHING, vec![(); 4])?;
    seconds(|| {
        drop(pool);
        Ok(())
    })
}

/// Raw: 4 forked workers each block reading a socket until it closes, then `_exit`; timed:
/// closing the 4 sockets and `waitpid` for each.
fn raw_pool_drop() -> Result<f64> {
    let mut workers = Vec::new();
    for _ in 0..4 {
        let (parent_end, mut child_end) = UnixStream::pair()?;
        // SAFETY: this benchmark is single-threaded; the child reads and `_exit`s.
        match unsafe { nix::unistd::fork() }? {
            ForkResult::Child => {
                drop(parent_end);
                let mut byte = [0u8];
                _ = std::io::Read::read(&mut child_end, &mut byte);
                // SAFETY: `_exit` has no preconditions.
                unsafe { nix::libc::_exit(0) }
            }
            ForkResult::Parent { child } => workers.push((child, parent_end)),
        }
    }
    seconds(|| {
        let pids: Vec<_> = workers
            .into_iter()
            .map(|(pid, socket)| {
                drop(socket);
                pid
            })
            .collect();
        for pid in pids {
            waitpid(pid, None)?;
        }
        Ok(())
    })
}
