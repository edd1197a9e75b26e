//! A child process's handle: how it ended ([`Exit`]), waiting for it without polling, signalling
//! it, and reaping it on drop (Python's `Process.join`, `exitcode`, `kill`, `terminate`).
//!
//! A [`Child`] holds a *pidfd* for the process (Linux ≥ 5.3): [`Child::join`] blocks in `poll`
//! until the child exits, so a parent that waits uses no CPU, and learns of the exit at once. While
//! it waits it also drains every queue the child was handed, so a child blocked writing a large
//! message can always finish (Python's *joining processes that use queues* deadlock). Dropping a
//! `Child` that was not joined kills and reaps it, so an error path leaves no stray process.
//! (Python's `Process` is not a context manager; at interpreter exit it joins the non-daemon
//! children and terminates the daemon ones.)

use std::io::Read;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::Arc;
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;
use nix::unistd::Pid;

use super::exit::Exit;
use super::pidfd::Pidfd;
use super::report::Report;
use crate::error::{Error, Result};
use crate::handoff::WaitSource;
use crate::wait;

/// A child process of ours. Dropping it reaps the process, killing it first if still running.
#[derive(Debug)]
pub struct Child {
    /// Readable once the process has exited; also how we reap and signal it, race-free.
    pidfd: Pidfd,
    exit: Option<Exit>,
    /// Queues the child was handed, drained while we wait for it.
    serving: Vec<Arc<dyn WaitSource>>,
    /// For a child of the fork server, which reaps it: where the server writes how it ended.
    reported: Option<std::fs::File>,
    /// Where the child's last word (the error it ended with) arrives.
    report: Option<Report>,
}

impl Child {
    /// Takes charge of `pid`, which must be an unreaped child of this process.
    pub(crate) fn adopt(pid: Pid) -> Result<Self> {
        Ok(Child {
            pidfd: Pidfd::of_child(pid)?,
            exit: None,
            serving: Vec::new(),
            reported: None,
            report: None,
        })
    }

    /// A child the fork server started and reaps: it sent a pidfd for it and a pipe on which it
    /// reports the exit.
    pub(crate) fn served(pidfd: Pidfd, reported: OwnedFd) -> Self {
        Child {
            pidfd,
            exit: None,
            serving: Vec::new(),
            reported: Some(reported.into()),
            report: None,
        }
    }

    /// What becomes readable when the child has ended: its pidfd, or the fork server's report.
    fn ended(&self) -> BorrowedFd<'_> {
        match &self.reported {
            Some(report) => report.as_fd(),
            None => self.pidfd.as_fd(),
        }
    }

    /// The same child, whose error arrives on `report` (see `report`).
    pub(crate) fn reporting(mut self, report: Report) -> Self {
        self.report = Some(report);
        self
    }

    /// What the child said it failed with, once it has ended (its error's message); `None` if it
    /// said nothing, or it was said already.
    pub(crate) fn take_report(&mut self) -> Option<String> {
        self.report.as_mut()?.take()
    }

    /// The child's process id.
    pub fn pid(&self) -> Pid {
        self.pidfd.pid()
    }

    /// Waits for the child to end (Python's `p.join()`) and fails unless it exited with code 0.
    pub fn join(mut self) -> Result<()> {
        match self.wait()? {
            Exit::Code(0) => Ok(()),
            exit => Err(Error::ChildFailed {
                pid: self.pid().as_raw(),
                exit,
                cause: self.take_report(),
            }),
        }
    }

    /// Waits for the child to end and reports how.
    pub fn wait(&mut self) -> Result<Exit> {
        Ok(self.wait_until(None)?.expect("no deadline"))
    }

    /// Waits at most `timeout` for the child to end (Python's `p.join(timeout)`); `None` if it
    /// is still running.
    pub fn wait_timeout(&mut self, timeout: Duration) -> Result<Option<Exit>> {
        self.wait_until(Some(Instant::now() + timeout))
    }

    fn wait_until(&mut self, deadline: Option<Instant>) -> Result<Option<Exit>> {
        if deadline.is_none() && self.serving.is_empty() && self.exit.is_none() {
            // Nothing else to watch: block in `waitid` (or the server's report) itself.
            self.reap()?;
        }
        let _draining = Draining::begin(&self.serving);
        while self.exit.is_none() {
            let fds = std::iter::once(self.ended()).chain(self.serving.iter().map(|s| s.fd()));
            let Some(ready) = wait::readable(fds, deadline, "a child process")? else {
                return Ok(None);
            };
            // Serve the queues first: a child's last message must be read before we say it ended.
            let mut finished = Vec::new();
            for (index, source) in self.serving.iter().enumerate() {
                if ready[index + 1] && !source.service()? {
                    finished.push(index);
                }
            }
            for index in finished.into_iter().rev() {
                self.serving.swap_remove(index);
            }
            if ready[0] {
                self.reap()?;
            }
        }
        Ok(self.exit)
    }

    /// Reports how the child ended, or `None` if it is still running; never blocks.
    pub fn try_wait(&mut self) -> Result<Option<Exit>> {
        if self.exit.is_none() {
            // A deadline already past: look once, without waiting.
            let ready = wait::readable([self.ended()], Some(Instant::now()), "a child process")?;
            if ready.is_some_and(|ready| ready[0]) {
                self.reap()?; // It has exited: this returns at once.
            }
        }
        Ok(self.exit)
    }

    /// Waits for the child to end and records how: `waitid` on our own child, or the fork
    /// server's report on one of its children.
    fn reap(&mut self) -> Result<()> {
        if let Some(report) = &mut self.reported {
            let mut bytes = [0u8; 8];
            self.exit = Some(match report.read_exact(&mut bytes) {
                Ok(()) => Exit::from_bytes(bytes),
                Err(_) => {
                    // The server is gone: wait for the process itself, whose status is lost.
                    while !wait::readable([self.pidfd.as_fd()], None, "a child process")?
                        .is_some_and(|ready| ready[0])
                    {}
                    Exit::Unknown
                }
            });
            return Ok(());
        }
        self.exit = self.pidfd.reap()?;
        Ok(())
    }

    /// Waits up to `grace` for the child to end, then kills it; reports how it ended.
    pub fn wait_or_kill(&mut self, grace: Duration) -> Result<Exit> {
        if let Some(exit) = self.wait_timeout(grace)? {
            return Ok(exit);
        }
        self.kill()?;
        self.wait()
    }

    /// Sends `SIGKILL` to the child if it is still running (Python's `p.kill()`).
    pub fn kill(&mut self) -> Result<()> {
        self.signal(Signal::SIGKILL)
    }

    /// Sends `signal` to the child if it is still running (Python's `p.terminate()` is `SIGTERM`).
    pub fn signal(&mut self, signal: Signal) -> Result<()> {
        if self.exit.is_some() {
            return Ok(());
        }
        self.pidfd.signal(signal)
    }

    /// Another pidfd for the same process, to signal it from elsewhere.
    pub(crate) fn pidfd(&self) -> Result<Pidfd> {
        self.pidfd.try_clone()
    }

    /// Gives up this handle without killing or reaping the process, closing its descriptors: for
    /// a forked child that inherited its parent's handle (the parent reaps the process).
    pub(crate) fn forget(mut self) {
        self.exit = Some(Exit::Unknown); // So `drop` leaves the process alone.
    }

    /// Keeps `sources` (the queues the child was handed) served while this handle waits.
    pub(crate) fn serve_while_waiting(&mut self, sources: Vec<Arc<dyn WaitSource>>) {
        self.serving = sources;
    }
}

/// The sources a waiting [`Child`] serves, told when its wait begins and, however it ends, ends.
struct Draining(Vec<Arc<dyn WaitSource>>);

impl Draining {
    fn begin(sources: &[Arc<dyn WaitSource>]) -> Draining {
        sources.iter().for_each(|source| source.begin_wait());
        Draining(sources.to_vec())
    }
}

impl Drop for Draining {
    fn drop(&mut self) {
        self.0.iter().for_each(|source| source.end_wait());
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        if self.exit.is_none() {
            // Only error paths get here: the caller did not join. Don't leave a process behind.
            _ = self.kill(); // Fails only if it has exited already; the reap below collects it.
            _ = self.reap(); // Fails only if it is already reaped.
        }
    }
}
