//! Beyond the notes: many connections at once. `count` requests to a slow server, all in flight
//! together, three ways: a thread per request, a pool of a few threads (as the web-scraping row
//! uses), and an async task per request. Each is timed, and its peak memory is the most its
//! resident set grew while it ran (Linux's `VmHWM`, reset before each way).
//!
//! Processes are left out of this row: a process per request would hold one connection as a
//! thread does, at the start cost and memory `threads-vs-processes` measures per process, and a
//! pool of processes waits on its sockets as a pool of threads does.

use std::sync::RwLock;
use std::thread;
use std::time::Instant;

use anyhow::{Context, Result};
use nix::sys::resource::{Resource, getrlimit, setrlimit};

use crate::{asynchronous, server, workloads};

/// The three ways, in the order the page shows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Way {
    ThreadPerRequest,
    Pool,
    Async,
}

pub const WAYS: [Way; 3] = [Way::ThreadPerRequest, Way::Pool, Way::Async];

impl Way {
    /// Its column heading.
    pub fn name(self, pool: usize) -> String {
        match self {
            Way::ThreadPerRequest => "a thread per request".into(),
            Way::Pool => format!("a pool of {pool} threads"),
            Way::Async => "an async task per request".into(),
        }
    }
}

/// File descriptors kept free for everything else the program and its server hold.
const SPARE_FDS: u64 = 64;

/// Raises this process's soft limit on open files to its hard limit (children inherit it: call
/// it before starting the server) and returns how many connections fit at once under it.
pub fn raise_open_file_limit() -> Result<u64> {
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).context("reading the open-file limit")?;
    if soft < hard {
        setrlimit(Resource::RLIMIT_NOFILE, hard, hard).context("raising the open-file limit")?;
    }
    Ok(hard.saturating_sub(SPARE_FDS))
}

/// `(VmRSS, VmHWM)` of this process, in bytes.
fn resident() -> Result<(u64, u64)> {
    let status =
        std::fs::read_to_string("/proc/self/status").context("reading /proc/self/status")?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches(" kB").parse::<u64>().ok())
            .map(|kib| kib << 10)
            .with_context(|| format!("no {name} in /proc/self/status"))
    };
    Ok((field("VmRSS:")?, field("VmHWM:")?))
}

/// Runs `count` requests to the server on `port` by `way`; returns seconds, the peak growth of
/// the resident set in bytes, and the checksum of the pages.
pub fn run(way: Way, port: u16, count: u64, pool: usize) -> Result<(f64, f64, u64)> {
    // Hand the heap's free pages back first, so that what the last way freed but the allocator
    // kept cannot hide this way's growth. Then writing 5 to `clear_refs` resets the peak (VmHWM)
    // to the current resident set.
    // SAFETY: `malloc_trim` only returns free memory to the kernel; it takes no pointer.
    unsafe { nix::libc::malloc_trim(0) };
    std::fs::write("/proc/self/clear_refs", "5").context("resetting the peak resident set")?;
    let (before, _) = resident()?;
    let started = Instant::now();
    let sum = match way {
        Way::ThreadPerRequest => {
            // Every thread waits at the gate until all are started, so that all the requests
            // are in flight together (starting 10 000 threads takes longer than one request).
            // Main holds the gate shut and opens it however the spawning ends.
            let gate = RwLock::new(());
            thread::scope(|s| {
                let shut = gate.write().expect("nobody panics holding it");
                let handles = (0..count)
                    .map(|n| {
                        let gate = &gate;
                        thread::Builder::new()
                            .spawn_scoped(s, move || {
                                drop(gate.read());
                                server::fetch((port, n))
                            })
                            .with_context(|| format!("starting thread {n} of {count}"))
                    })
                    .collect::<Result<Vec<_>>>();
                drop(shut);
                let sums = handles?
                    .into_iter()
                    .map(|h| common::panic::join_scoped(h)?)
                    .collect::<Result<Vec<_>>>()?;
                anyhow::Ok(workloads::checksum(sums))
            })?
        }
        Way::Pool => {
            let items: Vec<u64> = (0..count).collect();
            let sums = workloads::in_threads(&items, pool, |&n| server::fetch((port, n)))?;
            workloads::checksum(sums)
        }
        Way::Async => asynchronous::web(None, port, count)?,
    };
    let seconds = started.elapsed().as_secs_f64();
    let (_, peak) = resident()?;
    Ok((seconds, peak.saturating_sub(before) as f64, sum))
}
