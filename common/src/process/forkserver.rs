//! The fork server: Python's `forkserver` start method, the default on Linux from Python 3.14.
//!
//! `fork` is only safe in a process with one thread, but a real program soon has threads (a thread
//! pool, a logger). The fork server sidesteps that: on first use, a forkserver start spawns this
//! executable once more as a small server that never starts a thread. Each request (a target's
//! name, its argument and the descriptors it needs, sent with `SCM_RIGHTS`) is answered by
//! forking the server, which is always safe, and running the target in the new process.
//!
//! As in Python, the new process is the server's child: the server reaps it and reports how it
//! ended. With each new child the caller receives a pidfd for it (to signal it, and to know the
//! process itself) and the read end of a pipe on which the server writes the exit status once it
//! has reaped the child. A [`Child`] for such a process waits on that pipe: still an event, never
//! a poll loop, and every guarantee of `Child` holds unchanged.
//!
//! The server stops taking requests when the caller closes its socket, or exits; it goes on only
//! until the children it started have ended, so it never outlives the program's work.
//! [`stop`] ends it explicitly (and reaps it), for a program that wants no child left.
//!
//! ```rust,standalone_crate
//! use common::process::{self, StartMethod};
//! use common::target::Target;
//!
//! fn nothing(_: ()) {}
//! const NOTHING: Target<(), ()> = common::target!(nothing);
//!
//! fn main() -> common::Result<()> {
//!     common::roles::run_if_child(&[&NOTHING]);
//!     process::start(StartMethod::Forkserver, &NOTHING, ())?.join()?; // Starts the server.
//!     assert!(process::forkserver::is_running());
//!     process::forkserver::stop()?; // Ends and reaps it.
//!     assert!(!process::forkserver::is_running());
//!     Ok(())
//! }
//! ```
//!
//! Shown by: `executors --overlap --start-method forkserver` (`examples-futures/executors`).

use std::fs::File;
use std::io::Write;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::sync::{Mutex, MutexGuard, PoisonError};

use nix::fcntl::OFlag;
use nix::unistd::ForkResult;

use super::after_fork;
use super::child::Child;
use super::exit::Exit;
use super::fork::{DeathAsked, die_with_parent, in_child};
use super::pidfd::Pidfd;
use super::spawn::{self, Launch};
use crate::error::{Context, Error, Result};
use crate::{handoff, wait};

/// The first argument of the fork server, then its socket's number.
pub(crate) const FORKSERVER: &str = "--multiprocessing-forkserver";

/// The server this process started, if any.
static SERVER: Mutex<Option<Server>> = Mutex::new(None);

#[derive(Debug)]
struct Server {
    process: Child,
    socket: UnixStream,
}

/// In a freshly forked child (registered in the after-fork list when a server starts): the
/// parent's server is not ours. Close our copy of its socket and leave the process to the parent,
/// which reaps it; a forkserver start in this child starts a server of its own.
fn forget_after_fork() {
    if let Some(inherited) = server().take() {
        inherited.process.forget();
        drop(inherited.socket);
    }
}

/// Whether this process has a fork server of its own running (or started and not yet reaped).
#[doc(hidden)]
pub fn is_running() -> bool {
    server().is_some()
}

fn server() -> MutexGuard<'static, Option<Server>> {
    // A panic while holding it leaves at worst a dead server, which the next launch replaces.
    SERVER.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Asks the fork server (started now if need be) to run `launch`; returns the new child.
pub(crate) fn launch(launch: &Launch) -> Result<Child> {
    let bytes = postcard::to_allocvec(launch).context("encoding the launch request")?;
    let (report, theirs) = super::report::channel()?;
    let mut guard = server();
    if guard.is_none() {
        let (process, socket) =
            spawn::spawn_role_with(FORKSERVER, spawn::Death::WithParent, |_| {})?;
        after_fork::register(forget_after_fork);
        *guard = Some(Server { process, socket });
    }
    let Some(server) = guard.as_mut() else {
        unreachable!("started above")
    };
    let answer = handoff::send_frame_with_fds(&server.socket, &bytes, &launch.fds_with(&theirs))
        .and_then(|()| handoff::recv_frame_with_fds(&server.socket));
    let (reply, fds) = match answer {
        Ok(Some(answer)) => answer,
        Ok(None) => {
            // The server is gone: reap it, say how it ended, and start a new one next time.
            let mut dead = guard.take().expect("present above");
            let how = dead.process.wait_or_kill(std::time::Duration::ZERO)?;
            return Err(Error::Closed(format!("the fork server {how}")));
        }
        Err(Error::Os { io, .. }) if io.kind() == std::io::ErrorKind::BrokenPipe => {
            // Our request found no reader: the server died. Reap it and say how.
            let mut dead = guard.take().expect("present above");
            let how = dead.process.wait_or_kill(std::time::Duration::ZERO)?;
            return Err(Error::Closed(format!("the fork server {how}")));
        }
        // Anything else (out of descriptors, say) is ours, not the server's: it stays up, and
        // reaps the child it may have started.
        Err(other) => return Err(other.context("asking the fork server for a child")),
    };
    let reply: Result<i32, String> =
        postcard::from_bytes(&reply).context("decoding the fork server's reply")?;
    let pid = reply.map_err(|why| {
        let why = format!("the fork server could not start the child: {why}");
        Error::refused(crate::error::Refusal::NotStarted, why)
    })?;
    let [pidfd, reported]: [OwnedFd; 2] = fds
        .try_into()
        .map_err(|_| Error::Protocol("the fork server sent no pidfd and report pipe".into()))?;
    Ok(Child::served(Pidfd::received(pid, pidfd), reported).reporting(report))
}

/// Stops this process's fork server, if it runs, and reaps it. The server exits once the
/// children it started have ended.
pub fn stop() -> Result<()> {
    if let Some(server) = server().take() {
        _ = server.socket.shutdown(std::net::Shutdown::Both); // Fails only if already closed.
        server.process.join().context("stopping the fork server")?;
    }
    Ok(())
}

/// A child of the server: how to know it ended, and where to say how.
struct Served {
    pidfd: Pidfd,
    report: File,
}

/// The server's loop, in the process `run_if_child` recognised as the fork server: answer
/// requests while the caller is connected, reap children until none is left.
pub(crate) fn serve(socket: UnixStream) -> Result<()> {
    // Die with the program that started us: the pool workers we fork die with us in turn, so a
    // killed program leaves neither server nor workers behind, stopped ones included.
    let parent = nix::unistd::getppid().as_raw() as u32;
    if !die_with_parent(parent)? {
        return Ok(()); // The program died before we could ask.
    }
    let mut children: Vec<Served> = Vec::new();
    let mut connected = true;
    while connected || !children.is_empty() {
        let fds = connected
            .then(|| socket.as_fd())
            .into_iter()
            .chain(children.iter().map(|c| c.pidfd.as_fd()));
        let ready = wait::readable(fds, None, "requests and children")?.unwrap_or_default();
        let ended = &ready[usize::from(connected)..];
        // Report the children that ended, newest first so the indexes stay valid.
        for index in (0..children.len()).rev() {
            if ended[index] {
                let child = children.swap_remove(index);
                let exit = child.pidfd.reap().ok().flatten().unwrap_or(Exit::Unknown);
                _ = (&child.report).write_all(&exit.to_bytes()); // The caller may be gone.
            }
        }
        if connected && ready[0] {
            let request = match handoff::recv_frame_with_fds(&socket) {
                // The caller is gone: closed, or reset with a request half-sent (it died, or
                // ran out of descriptors mid-way). Finish with the children, say nothing.
                Ok(None) => None,
                Err(Error::Os { io, .. }) if io.kind() == std::io::ErrorKind::ConnectionReset => {
                    None
                }
                // Out of descriptors here: the request was read, its descriptors were not.
                // Refuse it, and stay up for the next.
                Err(Error::Os { op, io }) if io.raw_os_error() == Some(nix::libc::EMFILE) => {
                    Some(Err(format!("the fork server: {op}: {io}")))
                }
                Err(other) => return Err(other),
                Ok(Some(request)) => Some(Ok(request)),
            };
            match request {
                None => connected = false,
                Some(request) => {
                    let started = request.and_then(|(bytes, fds)| {
                        match postcard::from_bytes::<Launch>(&bytes) {
                            Ok(launch) => fork_child(&socket, launch, fds, &mut children),
                            Err(e) => Err(format!("decoding the launch request: {e}")),
                        }
                    });
                    let (reply, handed) = match started {
                        Ok((pid, handed)) => (Ok(pid), Some(handed)),
                        Err(why) => (Err(why), None),
                    };
                    let bytes = postcard::to_allocvec(&reply).context("encoding a reply")?;
                    let numbers: Vec<_> = handed.iter().flatten().map(AsRawFd::as_raw_fd).collect();
                    if handoff::send_frame_with_fds(&socket, &bytes, &numbers).is_err() {
                        connected = false; // The caller is gone; finish with the children.
                    }
                }
            }
        }
    }
    Ok(())
}

/// Forks a child that runs `launch`; returns its pid, and the pidfd and report pipe to hand to
/// the caller.
fn fork_child(
    socket: &UnixStream,
    launch: Launch,
    fds: Vec<OwnedFd>,
    children: &mut Vec<Served>,
) -> Result<(i32, [OwnedFd; 2]), String> {
    // Fail here, in the server, rather than in a child that would only exit with the message.
    crate::target::lookup(launch.target(), launch.signature()).map_err(|e| format!("{e:#}"))?;
    let (read_end, write_end) =
        nix::unistd::pipe2(OFlag::O_CLOEXEC).map_err(|e| format!("pipe: {e}"))?;
    let asked = (launch.death() == spawn::Death::WithParent)
        .then(DeathAsked::new)
        .transpose()
        .map_err(|e| format!("{e:#}"))?;
    let server = std::process::id();
    // SAFETY: the fork server never starts a thread, so fork cannot copy a lock another thread
    // holds; the child runs the target and ends with `_exit`.
    match unsafe { nix::unistd::fork() }.map_err(|e| format!("fork: {e}"))? {
        ForkResult::Child => {
            // Before anything else: a pool worker dies with the server, which dies with the
            // program, so one stopped at any moment of its start-up still dies with its owner.
            if let Some(asked) = asked {
                let asked_in_time = matches!(die_with_parent(server), Ok(true));
                drop(asked); // Both ends: the server may reply to our caller now.
                if !asked_in_time {
                    // SAFETY: `_exit` has no preconditions; the server is gone, so is our caller.
                    unsafe { nix::libc::_exit(0) }
                }
            }
            // Nothing of the server's is the child's business: its siblings' descriptors,
            // the report pipe, the caller's socket.
            children.clear();
            drop((read_end, write_end));
            // SAFETY: the child never returns into `serve`, which owns the socket: closing the
            // number here cannot close anything else.
            unsafe { nix::libc::close(socket.as_raw_fd()) };
            in_child(|| {
                after_fork::run(); // What every forked child of this crate resets.
                Ok(launch.run(fds)?)
            })
        }
        ForkResult::Parent { child } => {
            // If none opens, the child is killed and reaped: nobody could wait for it.
            let pidfd = Pidfd::of_child(child).map_err(|e| e.to_string())?;
            let handed = pidfd.try_clone().map_err(|e| e.to_string())?.into();
            children.push(Served {
                pidfd,
                report: write_end.into(),
            });
            if let Some(DeathAsked { waiting, told }) = asked {
                // Reply only once the child will die with us, whatever happens to us next.
                drop(told);
                DeathAsked::wait(waiting).map_err(|e| format!("{e:#}"))?;
            }
            Ok((child.as_raw(), [handed, read_end]))
        }
    }
}
