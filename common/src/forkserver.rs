//! The fork server: Python's `forkserver` start method, the default on Linux from Python 3.14.
//!
//! `fork` is only safe in a process with one thread, but a real program soon has threads (a thread
//! pool, a logger). The fork server sidesteps that: on first use, the first forkserver start spawns this executable
//! once more as a small server that never starts a thread. Each request (a target's name, its
//! argument and the descriptors it needs, sent with `SCM_RIGHTS`) is answered by forking the
//! server, which is always safe, and running the target in the new process.
//!
//! Python's server forks ordinary children of its own and reports their exit codes over a socket.
//! Here the server forks with `clone(CLONE_PARENT)`, so the new process is a child of the *caller*,
//! not of the server: the caller holds a pidfd for it and reaps it like any other [`Child`], and
//! every guarantee of `Child` (waiting without polling, killed and reaped on drop) holds unchanged.
//!
//! The server exits when the caller closes its socket, or exits itself: it never outlives the
//! program. [`stop`] ends it explicitly (and reaps it), for a program that wants no child left.

use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::{Mutex, MutexGuard, PoisonError};

use anyhow::{Context, Result, anyhow, bail};

use crate::frame;
use crate::handoff;
use crate::process::{self, Child, Launch};

/// The server this process started, if any.
static SERVER: Mutex<Option<Server>> = Mutex::new(None);

#[derive(Debug)]
struct Server {
    process: Child,
    socket: UnixStream,
    /// The process that started it. A process forked from that one inherits this value but must
    /// not share the socket: it starts a server of its own.
    owner: u32,
}

fn server() -> MutexGuard<'static, Option<Server>> {
    // A panic while holding it leaves at worst a dead server, which the next launch replaces.
    SERVER.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Asks the fork server (started now if need be) to run `launch`; returns the new child.
pub(crate) fn launch(launch: &Launch) -> Result<Child> {
    let bytes = postcard::to_allocvec(launch).context("encoding the launch request")?;
    let mut guard = server();
    if let Some(inherited) = guard.take_if(|s| s.owner != std::process::id()) {
        inherited.process.forget(); // Not our child: the parent reaps it.
    }
    if guard.is_none() {
        let (process, socket) = process::spawn_role(process::FORKSERVER)?;
        let owner = std::process::id();
        *guard = Some(Server {
            process,
            socket,
            owner,
        });
    }
    let Some(server) = guard.as_mut() else {
        unreachable!("started above")
    };
    let reply = handoff::send_frame_with_fds(&server.socket, &bytes, launch.fds())
        .and_then(|()| frame::read::<Result<i32, String>>(&mut &server.socket));
    match reply {
        Ok(Some(Ok(pid))) => process::adopt_served(pid),
        Ok(Some(Err(why))) => bail!("the fork server could not start the child: {why}"),
        Ok(None) | Err(_) => {
            // The server is gone: reap it, say how it ended, and start a new one next time.
            let mut dead = guard.take().expect("present above");
            let how = dead.process.wait_or_kill(std::time::Duration::ZERO)?;
            Err(anyhow!("the fork server {how}"))
        }
    }
}

/// Stops this process's fork server, if it runs, and reaps it.
pub fn stop() -> Result<()> {
    if let Some(server) = server().take_if(|s| s.owner == std::process::id()) {
        _ = server.socket.shutdown(std::net::Shutdown::Both); // Fails only if already closed.
        server.process.join().context("stopping the fork server")?;
    }
    Ok(())
}

/// The server's loop, in the process `run_if_child` recognised as the fork server.
pub(crate) fn serve(socket: UnixStream) -> Result<()> {
    while let Some((bytes, fds)) = handoff::recv_frame_with_fds(&socket)? {
        let reply = match postcard::from_bytes::<Launch>(&bytes) {
            Ok(launch) => fork_child(&socket, launch, fds),
            Err(e) => Err(format!("decoding the launch request: {e}")),
        };
        frame::write(&mut &socket, &reply)?;
    }
    Ok(()) // The caller closed the socket: it is done, or gone.
}

/// Forks a child of the caller that runs `launch`; returns its pid.
fn fork_child(
    socket: &UnixStream,
    launch: Launch,
    fds: Vec<std::os::fd::OwnedFd>,
) -> Result<i32, String> {
    // Fail here, in the server, rather than in a child that would only exit with the message.
    process::lookup(launch.target(), launch.signature()).map_err(|e| format!("{e:#}"))?;
    let flags = (nix::libc::CLONE_PARENT | nix::libc::SIGCHLD) as nix::libc::c_ulong;
    // SAFETY: the fork server never starts a thread, so this fork-like clone (no new stack: the
    // child continues on a copy of ours) cannot copy a lock held by another thread.
    let pid = unsafe { nix::libc::syscall(nix::libc::SYS_clone, flags, 0, 0, 0, 0) };
    match pid {
        -1 => Err(format!("clone: {}", std::io::Error::last_os_error())),
        0 => {
            // SAFETY: the child never returns into `serve`, which owns the socket: closing the
            // number here cannot close anything else. The caller must not see it as the server.
            unsafe { nix::libc::close(socket.as_raw_fd()) };
            process::in_child(|| launch.run(fds))
        }
        pid => Ok(pid as i32),
    }
}
