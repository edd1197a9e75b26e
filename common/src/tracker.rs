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
//!
//! ```rust,standalone_crate
//! fn main() -> common::Result<()> {
//!     common::roles::run_if_child(&[]); // The tracker is this executable in another role.
//!     let segment = common::shared::SharedArray::named(0..4)?; // Starts the tracker.
//!     assert!(common::tracker::is_connected());
//!     drop(segment); // Removes the name, and tells the tracker.
//!     common::tracker::stop(); // The tracker exits, as nothing is left to track.
//!     Ok(())
//! }
//! ```
//!
//! Shown by: `shared-memory --named` (`examples-processes/shared-memory`).

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::error::{Context, Error, Result};
use nix::errno::Errno;
use nix::unistd::ForkResult;

use crate::process::{Exit, after_fork, spawn};

/// The tracker this process talks to, and every name it has registered and not yet removed. A
/// forked child drops both at once (`forget_after_fork`, in the after-fork list), so a killed
/// parent's names are removed even while children live on.
static TRACKER: Mutex<State> = Mutex::new(State {
    tracker: None,
    names: BTreeSet::new(),
});

struct State {
    tracker: Option<Tracker>,
    /// What this process wants tracked: a restarted tracker is told all of it again.
    names: BTreeSet<String>,
}

struct Tracker {
    socket: UnixStream,
    pid: i32,
}

/// The first argument of the tracker process, then its socket's number.
pub(crate) const TRACKER_ROLE: &str = "--multiprocessing-resource-tracker";

fn state() -> MutexGuard<'static, State> {
    // A panic while holding it leaves at worst no tracker, which the next call starts.
    TRACKER.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Closes this process's end of the tracker's socket: the tracker removes whatever names are still
/// registered and exits (a later named segment starts a new one). For a program that wants no
/// descriptor left open, as `forkserver::stop` is for the fork server.
pub fn stop() {
    let mut state = state();
    state.tracker = None;
    state.names.clear();
}

/// In a freshly forked child: the parent's tracker and names are not ours (a segment this child
/// creates starts its own). Registered in the after-fork list when the tracker starts.
fn forget_after_fork() {
    let mut state = state();
    state.tracker = None;
    state.names.clear();
}

/// Whether this process is connected to a resource tracker of its own.
#[doc(hidden)]
pub fn is_connected() -> bool {
    state().tracker.is_some()
}

/// The process id of this process's tracker, if one runs.
#[doc(hidden)]
pub fn pid() -> Option<i32> {
    state().tracker.as_ref().map(|t| t.pid)
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

/// Records the change, then tells the tracker. A tracker found dead (killed, say: the write
/// fails) is replaced, as Python's `ensure_running` does, and the new one is told every name
/// still alive, which Python's is not: so a killed tracker loses nothing.
fn send(sign: char, name: &str) -> Result<()> {
    if name.contains('\n') {
        return Err(Error::refused(
            crate::error::Refusal::Invalid,
            "a segment name with a newline",
        ));
    }
    let mut state = state();
    if sign == '+' {
        state.names.insert(name.to_owned());
    } else {
        state.names.remove(name);
    }
    if let Some(tracker) = state.tracker.as_mut() {
        if writeln!(tracker.socket, "{sign}{name}").is_ok() {
            return Ok(());
        }
        state.tracker = None; // Dead: its names die with our copy of the socket; start anew.
    }
    let mut tracker = start()?;
    for alive in &state.names {
        writeln!(tracker.socket, "+{alive}")
            .map_err(|e| died(e, "as it was told the names to remove"))?;
    }
    state.tracker = Some(tracker);
    Ok(())
}

/// Starts a tracker: this executable in the tracker's role, which forks the tracker proper and
/// exits; the tracker says its pid first.
fn start() -> Result<Tracker> {
    // Stdin and stdout are not the tracker's business: don't hold the caller's pipes open.
    // Independent: the tracker's work is to outlive a program killed before it could clean up.
    let (mut intermediate, socket) =
        spawn::spawn_role_with(TRACKER_ROLE, spawn::Death::Independent, |command| {
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
    }
    let mut pid = [0u8; 4];
    (&socket)
        .read_exact(&mut pid)
        .map_err(|e| died(e, "as it started, before it said its pid"))?;
    after_fork::register(forget_after_fork);
    Ok(Tracker {
        socket,
        pid: i32::from_le_bytes(pid),
    })
}

/// An error talking to the tracker, named for what it almost always is when the socket is closed
/// or reset (`UnexpectedEof`, `BrokenPipe`, `ConnectionReset`): the tracker died, killed, say;
/// any other error is told as it is.
fn died(e: std::io::Error, when: &str) -> Error {
    use std::io::ErrorKind::{BrokenPipe, ConnectionReset, UnexpectedEof};
    if matches!(e.kind(), UnexpectedEof | BrokenPipe | ConnectionReset) {
        Error::Protocol(format!("the resource tracker died {when} ({e})"))
    } else {
        Error::os(format!("talking to the resource tracker {when}"), e)
    }
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
    let pid = std::process::id() as i32;
    (&socket)
        .write_all(&pid.to_le_bytes())
        .context("telling the caller our pid")?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_tracker_socket_is_named_a_dead_tracker() {
        for kind in [
            std::io::ErrorKind::UnexpectedEof,
            std::io::ErrorKind::BrokenPipe,
            std::io::ErrorKind::ConnectionReset,
        ] {
            let said = died(kind.into(), "as it started").to_string();
            assert!(
                said.contains("the resource tracker died as it started"),
                "{said}"
            );
        }
        let other = died(std::io::ErrorKind::PermissionDenied.into(), "now").to_string();
        assert!(!other.contains("died"), "{other}");
    }
}
