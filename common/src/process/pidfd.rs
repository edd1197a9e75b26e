//! [`Pidfd`]: a descriptor for one process (Linux ≥ 5.3), the handle this crate signals, waits for
//! and reaps processes by.
//!
//! A pid can be reused once its process is reaped, so `kill(pid)` may reach a stranger; a pidfd
//! cannot: it names one process for as long as it is open. It also becomes *readable* when the
//! process ends, so waiting for a process is waiting for an event (`poll`), never a loop of
//! `waitpid(WNOHANG)`. Python's `multiprocessing` has no such handle: `Popen.poll` calls
//! `os.waitpid(pid, WNOHANG)` and `Popen.wait(timeout)` waits with `multiprocessing.connection.wait`
//! on a pipe the child holds (CPython 3.11, `Lib/multiprocessing/popen_fork.py`).
//!
//! The one fallback is here too: a child whose pidfd cannot be opened is killed and reaped at
//! once, so no process is left that nobody could wait for.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

use nix::errno::Errno;
use nix::sys::signal::Signal;
use nix::sys::wait::{Id, WaitPidFlag, waitid};
use nix::unistd::Pid;

use super::exit::Exit;
use crate::error::{Context, Result};

/// A pidfd: an open handle on process `pid`.
#[derive(Debug)]
pub(crate) struct Pidfd {
    pid: Pid,
    fd: OwnedFd,
}

impl Pidfd {
    /// A pidfd for `pid`, an unreaped child of this process. If none can be opened, the child is
    /// killed and reaped before the error returns: nobody could otherwise wait for it.
    pub(crate) fn of_child(pid: Pid) -> Result<Pidfd> {
        match open(pid.as_raw(), 0) {
            Ok(fd) => Ok(Pidfd { pid, fd }),
            Err(err) => {
                _ = nix::sys::signal::kill(pid, Signal::SIGKILL);
                _ = nix::sys::wait::waitpid(pid, None);
                // ENOSYS is the only case where the kernel's age is the cause.
                let needs = if err.raw_os_error() == Some(nix::libc::ENOSYS) {
                    " (needs Linux 5.3+)"
                } else {
                    ""
                };
                Err(err).with_context(|| format!("pidfd_open({pid}){needs}"))
            }
        }
    }

    /// A pidfd for any process `pid`, a child of ours or not (to wait for it or signal it; only
    /// a child can be reaped).
    pub(crate) fn of(pid: i32) -> Result<Pidfd> {
        let fd = open(pid, 0).with_context(|| format!("pidfd_open({pid})"))?;
        Ok(Pidfd {
            pid: Pid::from_raw(pid),
            fd,
        })
    }

    /// A pidfd for `pid` that another process opened and sent us (the fork server's children).
    pub(crate) fn received(pid: i32, fd: OwnedFd) -> Pidfd {
        Pidfd {
            pid: Pid::from_raw(pid),
            fd,
        }
    }

    /// The process id.
    pub(crate) fn pid(&self) -> Pid {
        self.pid
    }

    /// Sends `signal`. A process that has already exited is not an error (`ESRCH`): whoever is
    /// its parent reaps it.
    pub(crate) fn signal(&self, signal: Signal) -> Result<()> {
        send_signal(self.fd.as_fd(), signal)
            .with_context(|| format!("signalling process {}", self.pid))
    }

    /// Waits for the process, a child of ours, to end, and reaps it: how it ended. (`None` only
    /// for a status `waitid` does not report with `WEXITED`.)
    pub(crate) fn reap(&self) -> Result<Option<Exit>> {
        let status = loop {
            match waitid(Id::PIDFd(self.fd.as_fd()), WaitPidFlag::WEXITED) {
                Err(Errno::EINTR) => {}
                other => break other,
            }
        };
        let status = status.with_context(|| format!("reaping child process {}", self.pid))?;
        Ok(Exit::from_status(status))
    }

    /// Another descriptor for the same process, to hand to another thread or process.
    pub(crate) fn try_clone(&self) -> Result<Pidfd> {
        Ok(Pidfd {
            pid: self.pid,
            fd: self.fd.try_clone().context("duplicating a pidfd")?,
        })
    }
}

impl AsFd for Pidfd {
    /// Readable once the process has ended.
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl From<Pidfd> for OwnedFd {
    fn from(pidfd: Pidfd) -> OwnedFd {
        pidfd.fd
    }
}

/// Sends `signal` to the process behind `pidfd`; `ESRCH` (it has exited) is not an error.
pub(crate) fn send_signal(pidfd: BorrowedFd<'_>, signal: Signal) -> Result<()> {
    // SAFETY: pidfd_send_signal takes a pidfd, a signal number and a null siginfo.
    let rc = unsafe {
        nix::libc::syscall(
            nix::libc::SYS_pidfd_send_signal,
            pidfd.as_raw_fd(),
            signal as i32,
            std::ptr::null::<nix::libc::siginfo_t>(),
            0,
        )
    };
    if rc != 0 && Errno::last() != Errno::ESRCH {
        return Err(Errno::last()).context("pidfd_send_signal");
    }
    Ok(())
}

/// A pidfd for any process `pid` (a child of ours or not): readable once it has ended, so its end
/// can be waited for without polling.
pub fn pidfd_of(pid: i32) -> Result<OwnedFd> {
    Ok(Pidfd::of(pid)?.into())
}

/// A pidfd for process (or, with `PIDFD_THREAD`, thread) `pid`: readable once it has ended, and a
/// handle to signal or reap it by that cannot be confused with a later process of the same pid.
pub(crate) fn open(pid: i32, flags: nix::libc::c_int) -> std::io::Result<OwnedFd> {
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1; no memory.
    let fd = unsafe { nix::libc::syscall(nix::libc::SYS_pidfd_open, pid, flags) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: pidfd_open has just returned this new descriptor (close-on-exec), ours alone.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}
