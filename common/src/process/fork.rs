//! `fork(2)`: the `fork` start method, and what every child of this crate does on its way out.
//!
//! **Fork safety.** `fork` copies only the calling thread. A lock another thread held at that
//! moment (stdout's, a logger's, a pool's queue) stays locked forever in the child. So [`fork`]
//! refuses unless this process has exactly one thread. (CPython 3.12+ goes on, with a
//! `DeprecationWarning` attributed to the caller of `os.fork()`: the default filters show it only
//! when that caller is `__main__`, so a fork by `multiprocessing` prints nothing unless Python
//! runs with `-W default`.) The forked child never returns into the caller: it runs its body,
//! flushes stdout and calls `_exit`.

use std::io::Write;
use std::os::fd::{AsFd, OwnedFd, RawFd};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use crate::error::{BoxError, Context, Error, Refusal, Result};
use nix::sys::signal::Signal;
use nix::unistd::ForkResult;

use super::after_fork;
use super::child::Child;
use super::{pidfd, report};
use crate::{handoff, wait};

/// Runs `body` in a forked child process and returns the child's handle.
///
/// The child first runs the after-fork list (`process::after_fork`): it lets go of
/// the parent's resource tracker, fork server and pipe ends. It exits with code 0 when `body`
/// returns `Ok`, 1 after printing an `Err` as one line, and 101 if `body` panics. Fails if this
/// process has more than one thread (see the module docs).
///
/// The body may fail with any error (`?` converts a [`crate::Error`], an `anyhow::Error`, an
/// `io::Error`): the child prints it and exits with code 1.
pub fn fork(body: impl FnOnce() -> Result<(), BoxError>) -> Result<Child> {
    fork_keeping(&[], body)
}

/// [`fork`], where the child first takes its own duplicates of the parent's descriptors `handed`
/// (the ones its argument names), before the after-fork list closes the parent's copies.
pub(crate) fn fork_keeping(
    handed: &[RawFd],
    body: impl FnOnce() -> Result<(), BoxError>,
) -> Result<Child> {
    ensure_single_threaded()?;
    // Anything still buffered would otherwise be printed twice: once by each process.
    std::io::stdout()
        .flush()
        .context("flushing stdout before fork")?;
    let (report, theirs) = report::channel()?;
    // SAFETY: fork(2) is unsound only if another thread could hold a lock the child then needs;
    // `ensure_single_threaded` has just checked that this process has no other thread.
    match unsafe { nix::unistd::fork() }.context("fork failed")? {
        ForkResult::Parent { child } => {
            drop(theirs);
            Ok(Child::adopt(child)?.reporting(report))
        }
        ForkResult::Child => in_child(|| {
            drop(report);
            report::report_to(theirs);
            if !handed.is_empty() {
                // (Skipped when empty: every page a forked child writes is a copy to make.)
                handoff::inherit_forked(handed)?;
            }
            after_fork::run();
            body()
        }),
    }
}

/// Called in a child: asks the kernel to kill this process (SIGKILL) when the process `parent`
/// (its parent's pid, read before the fork) ends, however it ends: Linux's `PR_SET_PDEATHSIG`.
/// Returns `false` if the parent had already gone before we asked. A long-lived child (a
/// server, a worker) so never outlives a parent killed before it could stop it. (Python has no
/// such call: the children of a killed Python parent live on.)
pub fn die_with_parent(parent: u32) -> Result<bool> {
    nix::sys::prctl::set_pdeathsig(Signal::SIGKILL).context("asking to die with the parent")?;
    Ok(nix::unistd::getppid().as_raw() as u32 == parent)
}

/// A start-up handshake for a child that must die with its parent: the parent keeps `waiting`,
/// the child gets `told` and drops it once [`die_with_parent`] has returned (or it ends). Until
/// then a stop of the whole group, or a kill of the parent, could leave a child that never asked.
pub(crate) struct DeathAsked {
    pub(crate) waiting: OwnedFd,
    pub(crate) told: OwnedFd,
}

impl DeathAsked {
    pub(crate) fn new() -> Result<DeathAsked> {
        let (waiting, told) =
            nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).context("creating a start-up pipe")?;
        Ok(DeathAsked { waiting, told })
    }

    /// In the parent, after the fork and once its own copy of `told` is closed: returns when the
    /// child has closed its copy, which is end of file (an event; a child stopped before it asked
    /// holds us until it is continued, as `std`'s spawn waits for its child's `exec`).
    pub(crate) fn wait(waiting: OwnedFd) -> Result<()> {
        let mut byte = [0u8; 1];
        loop {
            match nix::unistd::read(&waiting, &mut byte) {
                Err(nix::errno::Errno::EINTR) => {}
                Ok(_) => return Ok(()),
                Err(e) => return Err(e).context("waiting for a child to ask to die with us"),
            }
        }
    }
}

/// Ends a child process after `body`: code 0 on `Ok`, 1 after printing an `Err` as one line, 101
/// on a panic (whose hook has printed it). `_exit`, not `exit`: a forked child must never run the
/// parent's destructors or return into its `main`.
pub(crate) fn in_child(body: impl FnOnce() -> Result<(), BoxError>) -> ! {
    let code = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => 0,
        Ok(Err(err)) => {
            // To the parent, which reports it as the cause of this child's failure; on stderr
            // only when no parent listens (a server's own error, say).
            report::tell(&crate::error::chain(&*err));
            1
        }
        Err(_) => 101,
    };
    _ = std::io::stdout().flush(); // Nowhere left to report a failed flush.
    // SAFETY: `_exit` has no preconditions; it is `unsafe` only because all of libc is.
    unsafe { nix::libc::_exit(code) }
}

/// Fails unless this process has exactly one thread, the only state in which `fork` is safe.
///
/// A thread that was just joined can still be listed for a moment while the kernel tears it down,
/// so each other thread gets up to 100 ms to finish exiting: we wait on a pidfd for it
/// (`PIDFD_THREAD`, Linux ≥ 6.9), which the kernel wakes when the thread is gone.
pub fn ensure_single_threaded() -> Result<()> {
    // One `stat`: procfs gives `/proc/self/task` a link count of 2 plus the number of threads.
    let threads = || -> Result<u64> {
        use std::os::unix::fs::MetadataExt;
        let task = std::fs::metadata("/proc/self/task").context("reading /proc/self/task")?;
        Ok(task.nlink().saturating_sub(2))
    };
    if threads()? <= 1 {
        return Ok(());
    }
    let me = nix::unistd::gettid().as_raw();
    let mut others = Vec::new();
    for entry in std::fs::read_dir("/proc/self/task").context("listing /proc/self/task")? {
        let tid = entry
            .context("listing /proc/self/task")?
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<i32>().ok());
        others.extend(tid.filter(|&t| t != me));
    }
    const PIDFD_THREAD: nix::libc::c_int = nix::libc::O_EXCL;
    let mut pidfds: Vec<OwnedFd> = Vec::with_capacity(others.len());
    for &tid in &others {
        match pidfd::open(tid, PIDFD_THREAD) {
            Ok(pidfd) => pidfds.push(pidfd),
            // Gone already (`ESRCH`), or a kernel before 6.9 (`EINVAL`): nothing to wait for.
            Err(e) if matches!(e.raw_os_error(), Some(nix::libc::ESRCH | nix::libc::EINVAL)) => {}
            // Out of descriptors, say: that is the cause to report, not the thread we could not
            // wait for.
            Err(e) => return Err(e).context("waiting for a thread to exit before fork"),
        }
    }
    let deadline = Instant::now() + Duration::from_millis(100);
    for pidfd in &pidfds {
        // Each returns when its thread is gone, or all together at the deadline.
        wait::readable([pidfd.as_fd()], Some(deadline), "a thread to exit")?;
    }
    let count = threads()?;
    if count <= 1 {
        return Ok(());
    }
    Err(Error::refused(
        Refusal::ForkWithThreads { threads: count },
        format!(
            "cannot fork: this process has {count} threads, and fork copies only the calling \
             one, so a lock held by another would stay locked in the child; fork before starting \
             threads or use the spawn or forkserver start method"
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fork_refuses_while_other_threads_run() {
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        std::thread::scope(|s| {
            s.spawn(move || stopped.recv());
            let err = fork(|| Ok(())).expect_err("a second thread is alive");
            assert!(err.to_string().starts_with("cannot fork"), "{err}");
            drop(stop);
        });
    }
}
