//! Notes § *Thread Lifecycle*: New, Runnable, Running, Blocked/Waiting, Terminated.
//!
//! One real thread is walked through the five states, and main prints what it observes at each:
//! New (a configured `Builder`, no OS thread yet), Runnable (spawned: from then on the scheduler
//! may run it whenever a CPU is free; nothing holds it back), Running (its body has reported in),
//! Blocked/Waiting (the kernel's own report, `/proc`, says it sleeps in `recv`), Terminated
//! (`is_finished()`). Every step is sequenced by synchronization, never by sleeping and hoping, so
//! the output is the same on every run. Python itself shows less: a thread not yet started,
//! `is_alive()`, and a finished one.
//!
//! Run: `cargo run -p thread-lifecycle`.

use std::sync::mpsc;
use std::thread;

use anyhow::{Context, anyhow};
use clap::Parser;
use common::cli;

/// Walk one thread through the five lifecycle states, printing each as it is observed.
#[derive(Parser)]
#[command(
    version,
    after_help = "Notes § Thread Lifecycle. Source: examples-threads/thread-lifecycle/src/main.rs; Python twin: examples-threads/thread-lifecycle/thread_lifecycle.py."
)]
struct Args {}

/// The thread's scheduling state as Linux reports it (`R` running, `S` sleeping, …).
fn kernel_state(tid: nix::unistd::Pid) -> anyhow::Result<char> {
    let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat"))?;
    // The line reads `tid (name) S …`; the name may contain spaces, so look after its `)`.
    let (_, after_name) = stat.rsplit_once(')').context("malformed stat line")?;
    after_name
        .trim_start()
        .chars()
        .next()
        .context("no state in stat line")
}

fn main() -> std::process::ExitCode {
    cli::parse::<Args>();
    cli::run(|| {
        let builder = thread::Builder::new().name("worker".into());
        println!("New: a thread::Builder is configured; no OS thread exists yet");

        Ok(thread::scope(|s| {
            // Made inside the scope: if main leaves it early (an error, a closed stdout), the
            // senders are dropped first, the worker's `recv` returns, and the scope can join it.
            let (report, reports) = mpsc::channel();
            let (resume, resumed) = mpsc::channel::<()>();
            let worker = builder.spawn_scoped(s, move || {
                if report.send(nix::unistd::gettid()).is_ok() {
                    _ = resumed.recv(); // Blocks until main says go on (or is gone).
                }
            })?;
            // Whether it has run yet is the scheduler's business; this line claims only that
            // nothing holds it back.
            println!("Runnable: spawned; the scheduler may run it whenever a CPU is free");

            let tid = reports.recv().context("worker reports in")?;
            println!("Running: the thread's body is executing and has reported in");

            while kernel_state(tid)? != 'S' {
                thread::yield_now();
            }
            println!("Blocked/Waiting: the kernel reports the thread asleep in recv()");

            resume.send(()).context("resuming the worker")?;
            while !worker.is_finished() {
                thread::yield_now();
            }
            println!("Terminated: is_finished() is true; join collects its result");
            worker
                .join()
                .map_err(|p| anyhow!(common::panic::message(&*p)))
        })?)
    })
}
