//! The resource tracker: the counterpart of Python's `multiprocessing.resource_tracker`.
//!
//! A named shared-memory segment outlives every process that dies before removing its name: a
//! Ctrl-C, a `SIGKILL`, a crash between creating the segment and unlinking it leaves it in
//! `/dev/shm` until the machine restarts. Python answers with a tracker process; so does this
//! module, and it does better in two ways:
//!
//! - **Registered before created.** [`NamedSharedMemory::create`](crate::named::NamedSharedMemory)
//!   chooses the name, tells the tracker, and only then creates the segment: no signal can land
//!   between a segment's birth and its registration. (CPython 3.11's `SharedMemory` registers the
//!   name after `shm_open`.)
//! - **Out of reach.** The tracker runs in a session of its own (`setsid`), so a signal sent to the
//!   program's process group (Ctrl-C, `kill -9 -PGID`) does not reach it; and it is nobody's child
//!   to wait for (an intermediate process exits at once, so init adopts it). Python's tracker
//!   ignores `SIGINT` and `SIGTERM`, but shares the group, so a `SIGKILL` to the group ends it.
//!
//! The tracker is this executable once more, started on the first named segment. It reads the
//! names registered (`+name`) and removed (`-name`) over a socket. When every process holding the
//! other end is gone, by whatever means, it removes every name still registered, then exits.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::error::{Context, Error, Result};
use nix::errno::Errno;
use nix::unistd::ForkResult;

use crate::process::{Exit, after_fork, spawn};

/// Our end of the tracker's socket. A forked child drops its copy at once (`forget_after_fork`,
/// in the after-fork list), so a killed parent's names are removed even while children live on.
static TRACKER: Mutex<Option<UnixStream>> = Mutex::new(None);

/// The first argument of the tracker process, then its socket's number.
pub(crate) const TRACKER_ROLE: &str = "--multiprocessing-resource-tracker";

fn tracker() -> MutexGuard<'static, Option<UnixStream>> {
    // A panic while holding it leaves at worst no tracker, which the next call starts.
    TRACKER.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Closes this process's end of the tracker's socket: the tracker removes whatever names are still
/// registered and exits (a later named segment starts a new one). For a program that wants no
/// descriptor left open, as `forkserver::stop` is for the fork server.
pub fn stop() {
    *tracker() = None;
}

/// In a freshly forked child: the parent's tracker is not ours (a segment this child creates
/// starts its own). Registered in the after-fork list when the tracker starts.
fn forget_after_fork() {
    *tracker() = None;
}

/// Whether this process is connected to a resource tracker of its own.
#[doc(hidden)]
pub fn is_connected() -> bool {
    tracker().is_some()
}

/// Tells the tracker to remove `name` if this program ends without doing so (starting the tracker
/// on first use). Call it before creating the segment.
pub(crate) fn register(name: &str) -> Result<()> {
    send('+', name)
}

/// Tells the tracker that `name` is gone.
pub(crate) fn unregister(name: &str) -> Result<()> {
    send('-', name)
}

fn send(sign: char, name: &str) -> Result<()> {
    if name.contains('\n') {
        return Err(Error::Refused("a segment name with a newline".into()));
    };
    let mut guard = tracker();
    if guard.is_none() {
        // Stdin and stdout are not the tracker's business: don't hold the caller's pipes open.
        let (mut intermediate, socket) = spawn::spawn_role_with(TRACKER_ROLE, |command| {
            command
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null());
        })?;
        // It forks the tracker and exits at once; the tracker is then nobody's child.
        let exit = intermediate
            .wait()
            .context("starting the resource tracker")?;
        if exit != Exit::Code(0) {
            return Err(Error::Protocol(format!("the resource tracker {exit}")));
        };
        after_fork::register(forget_after_fork);
        *guard = Some(socket);
    }
    let socket = guard.as_mut().expect("started above");
    writeln!(socket, "{sign}{name}").context("telling the resource tracker")
}

/// The tracker's life, in the process `run_if_child` recognised: leave the caller's session,
/// fork the tracker proper, and exit; the tracker serves until its socket has no other end.
pub(crate) fn serve(socket: UnixStream) -> Result<()> {
    nix::unistd::setsid().context("leaving the caller's session")?;
    // SAFETY: this process has just been spawned and runs no other thread.
    match unsafe { nix::unistd::fork() }.context("forking the resource tracker")? {
        ForkResult::Parent { .. } => return Ok(()),
        ForkResult::Child => {}
    }
    let mut names = BTreeSet::new();
    for line in BufReader::new(socket).lines() {
        let Ok(line) = line else { break }; // A read error ends the tracking like an EOF.
        match line.split_at_checked(1) {
            Some(("+", name)) => _ = names.insert(name.to_owned()),
            Some(("-", name)) => _ = names.remove(name),
            _ => {}
        }
    }
    for name in names {
        match nix::sys::mman::shm_unlink(name.as_str()) {
            Ok(()) | Err(Errno::ENOENT) => {}
            Err(e) => eprintln!("resource tracker: cannot remove {name}: {e}"),
        }
    }
    Ok(())
}
