//! The `spawn` start method: run this executable again in a child role, and hand it what to run.
//!
//! The new process starts from `main`, whose first line (`roles::run_if_child`) recognises the
//! role in its arguments, reads a [`Launch`] (the target's name and signature, its argument, the
//! descriptors it names) from the socket it inherited, and runs it. The fork server and the
//! resource tracker are started the same way, in roles of their own.

use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;

use crate::error::{Context, Error, Result};
use nix::unistd::Pid;
use serde::{Deserialize, Serialize};

use super::child::Child;
use crate::handoff;
use crate::target::{self, Entry};

/// The first argument of a spawned child (Python's spawn method passes the same flag), then the
/// number of the socket it reads its target from.
pub(crate) const SPAWNED: &str = "--multiprocessing-fork";

/// What a spawned or forkserver child is asked to run.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Launch {
    target: String,
    signature: String,
    arg: Vec<u8>,
    /// The parent's numbers for the descriptors sent alongside, in order.
    fds: Vec<RawFd>,
    /// Whether the child dies with the program that asked for it.
    death: Death,
    /// Whether one more descriptor follows `fds`: where the child reports the error it ends with
    /// (`process::report`).
    reports: bool,
}

impl Launch {
    /// A request to run `target` on the encoded `arg`, with the parent's descriptors `fds`.
    pub(crate) fn new(target: &dyn Entry, arg: Vec<u8>, fds: Vec<RawFd>, death: Death) -> Self {
        Launch {
            target: target.name().to_owned(),
            signature: target.signature().to_owned(),
            arg,
            fds,
            death,
            reports: true,
        }
    }

    pub(crate) fn death(&self) -> Death {
        self.death
    }

    pub(crate) fn target(&self) -> &str {
        &self.target
    }

    pub(crate) fn signature(&self) -> &str {
        &self.signature
    }

    /// The descriptors to send with the request: the argument's, then the report channel's.
    pub(crate) fn fds_with(&self, report: &OwnedFd) -> Vec<RawFd> {
        let mut fds = self.fds.clone();
        fds.push(report.as_raw_fd());
        fds
    }

    /// Looks the target up and runs it on the argument, with the descriptors `received`.
    pub(crate) fn run(self, mut received: Vec<OwnedFd>) -> Result<()> {
        if self.reports {
            let report = received
                .pop()
                .ok_or_else(|| Error::Protocol("the parent sent no report channel".into()))?;
            super::report::report_to(report);
        }
        handoff::inherit(&self.fds, received)?;
        let entry = target::lookup(&self.target, &self.signature)?;
        run_entry(entry, &self.arg)
    }
}

/// Runs a target on its encoded argument.
pub(crate) fn run_entry(entry: &dyn Entry, arg: &[u8]) -> Result<()> {
    entry.run_once(arg)
}

/// A spawned child's work: read what to run from the parent's socket, and run it.
pub(crate) fn run_spawned(socket: UnixStream) -> Result<()> {
    let (bytes, fds) = handoff::recv_frame_with_fds(&socket)?.ok_or_else(|| {
        Error::Closed("the parent closed its socket before sending a target".into())
    })?;
    drop(socket);
    let launch: Launch = postcard::from_bytes(&bytes).context("decoding the launch request")?;
    launch.run(fds)
}

/// Whether a child dies with the process that asked for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Death {
    /// It lives on if we die, as Python's children do.
    Independent,
    /// The kernel kills it when we die (`PR_SET_PDEATHSIG`), asked for before `exec`, so that no
    /// moment of its start-up is left in which it could be stopped and outlive us; and it does not
    /// start at all if we died before it asked.
    WithParent,
}

/// Starts this executable again with `role` and the number of a socket it inherits, dying as
/// `death` says, after `adjust` has had a chance to change the command (its standard streams,
/// say); returns the child and our end of the socket.
pub(crate) fn spawn_role_with(
    role: &str,
    death: Death,
    adjust: impl FnOnce(&mut std::process::Command),
) -> Result<(Child, UnixStream)> {
    let (ours, theirs) = UnixStream::pair().context("creating a socket for the child")?;
    let number = theirs.as_raw_fd();
    let exe = std::env::current_exe().context("locating this executable to spawn it")?;
    let mut command = std::process::Command::new(&exe);
    command.args([role, &number.to_string()]);
    adjust(&mut command);
    // Read before the fork: in the child, `getppid` is compared with it.
    let parent = nix::libc::pid_t::try_from(std::process::id()).unwrap_or(0);
    // Every descriptor of ours is close-on-exec; this one must survive the exec.
    let prepare = move || -> std::io::Result<()> {
        // SAFETY: `number` is our end of a socket we own until `spawn` returns; F_SETFD sets flags only.
        if unsafe { nix::libc::fcntl(number, nix::libc::F_SETFD, 0) } == -1 {
            return Err(std::io::Error::last_os_error());
        }
        if death == Death::WithParent {
            // SAFETY: prctl(PR_SET_PDEATHSIG) is one system call on this process's own settings.
            if unsafe { nix::libc::prctl(nix::libc::PR_SET_PDEATHSIG, nix::libc::SIGKILL) } == -1 {
                return Err(std::io::Error::last_os_error());
            }
            // SAFETY: getppid is one system call that cannot fail.
            if unsafe { nix::libc::getppid() } != parent {
                // The parent died before we asked: start nothing. (A raw OS error allocates
                // nothing, which matters between fork and exec.)
                return Err(std::io::Error::from_raw_os_error(nix::libc::ESRCH));
            }
        }
        Ok(())
    };
    // SAFETY: the hook runs in the child between fork and exec, where only async-signal-safe
    // functions may be called: it calls fcntl, prctl and getppid, which are, and allocates
    // nothing.
    unsafe { command.pre_exec(prepare) };
    let child = command
        .spawn()
        .with_context(|| format!("spawning {}", exe.display()))?;
    drop(theirs);
    // `std::process::Child` neither waits nor kills on drop: our handle takes over the pid.
    let pid = i32::try_from(child.id())
        .map_err(|_| Error::Protocol(format!("child pid {} out of range", child.id())))?;
    Ok((Child::adopt(Pid::from_raw(pid))?, ours))
}

/// Spawns a child and sends it `launch`, with its descriptors.
pub(crate) fn spawn(launch: &Launch) -> Result<Child> {
    let (report, theirs) = super::report::channel()?;
    let (child, socket) = spawn_role_with(SPAWNED, launch.death, |_| {})?;
    let bytes = postcard::to_allocvec(launch).context("encoding the launch request")?;
    // If the child died before reading, this fails and dropping `child` reaps it.
    handoff::send_frame_with_fds(&socket, &bytes, &launch.fds_with(&theirs))?;
    Ok(child.reporting(report))
}
