//! Starting a process: the counterpart of `multiprocessing.Process`.
//!
//! Two start methods, as in Python:
//! - [`fork`] copies this process with `fork(2)`; the child runs a closure and ends with `_exit`.
//!   This is Python's default on Linux.
//! - [`spawn`] starts this same executable again in a child role, handing it one serialized
//!   argument. The child must reach [`run_if_spawned`] first thing in `main`: that line is Rust's
//!   counterpart of `if __name__ == '__main__':`, which Python's spawn method needs for the same reason.
//!   A spawned child shares no memory with its parent; what it needs of the parent's descriptors
//!   (shared memory files, say) is kept open across the exec by [`start_inheriting`].
//!
//! Both return a [`Child`], which reaps the process: [`Child::join`] waits and turns a non-zero exit
//! or a signal into an error; dropping a `Child` that was not joined kills and reaps it, so an
//! error path leaves no zombie and no stray process (Python's `with` has no such guarantee).
//!
//! **Fork safety.** `fork` copies only the calling thread. A lock another thread held at that moment
//! (the allocator's, stdout's) stays locked forever in the child. So [`fork`] refuses to run unless
//! this process has exactly one thread, and the child never returns into the caller: it runs the
//! closure, flushes stdout, and calls `_exit`, so it neither runs the parent's destructors nor
//! flushes the parent's buffers a second time.

use std::ffi::OsString;
use std::fmt;
use std::io::Write;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};
use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// How a child process is started (`multiprocessing.set_start_method`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum StartMethod {
    /// Copy the running process with `fork(2)` (Python's default on Linux).
    Fork,
    /// Run this executable again in a child role (Python's `spawn`).
    Spawn,
}

/// How a child process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// It exited with this code.
    Code(i32),
    /// A signal killed it.
    Signal(Signal),
}

impl fmt::Display for Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Exit::Code(code) => write!(f, "exited with code {code}"),
            Exit::Signal(signal) => write!(f, "was killed by {signal}"),
        }
    }
}

/// A child process of ours. Dropping it reaps the process, killing it first if still running.
#[derive(Debug)]
pub struct Child {
    pid: Pid,
    exit: Option<Exit>,
}

impl Child {
    /// The child's process id.
    pub fn pid(&self) -> Pid {
        self.pid
    }

    /// Waits for the child to end (Python's `p.join()`) and fails unless it exited with code 0.
    pub fn join(mut self) -> Result<()> {
        match self.wait()? {
            Exit::Code(0) => Ok(()),
            exit => bail!("child process {} {exit}", self.pid),
        }
    }

    /// Waits for the child to end and reports how.
    ///
    /// While waiting it keeps reading every [`IpcQueue`](crate::queue::IpcQueue) this process
    /// holds, so a child blocked writing a large message to us can always finish and exit.
    pub fn wait(&mut self) -> Result<Exit> {
        loop {
            if let Some(exit) = self.try_wait()? {
                return Ok(exit);
            }
            crate::queue::drain_while_waiting(Duration::from_millis(5))?;
        }
    }

    /// Reports how the child ended, or `None` if it is still running.
    pub fn try_wait(&mut self) -> Result<Option<Exit>> {
        if self.exit.is_none() {
            let status = waitpid(self.pid, Some(WaitPidFlag::WNOHANG))
                .with_context(|| format!("waiting for child process {}", self.pid))?;
            self.exit = match status {
                WaitStatus::Exited(_, code) => Some(Exit::Code(code)),
                WaitStatus::Signaled(_, signal, _) => Some(Exit::Signal(signal)),
                _ => None,
            };
        }
        Ok(self.exit)
    }

    /// Waits up to `grace` for the child to end, then kills it; reports how it ended.
    pub fn wait_or_kill(&mut self, grace: Duration) -> Result<Exit> {
        let deadline = std::time::Instant::now() + grace;
        while std::time::Instant::now() < deadline {
            if let Some(exit) = self.try_wait()? {
                return Ok(exit);
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        self.kill()?;
        self.wait()
    }

    /// Sends `SIGKILL` to the child if it is still running (Python's `p.kill()`).
    pub fn kill(&mut self) -> Result<()> {
        if self.try_wait()?.is_none() {
            kill(self.pid, Signal::SIGKILL)
                .with_context(|| format!("killing child process {}", self.pid))?;
        }
        Ok(())
    }

    /// Gives up this handle without reaping: for a forked child that inherited a sibling's handle.
    pub(crate) fn forget(self) {
        std::mem::forget(self);
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        if self.exit.is_none() {
            // Only error paths get here: the caller did not join. Don't leave a process behind.
            _ = kill(self.pid, Signal::SIGKILL); // ESRCH: it has just exited; waitpid reaps it.
            _ = waitpid(self.pid, None); // The only failure, ECHILD, means nothing is left to reap.
        }
    }
}

/// Starts `target(arg)` in a new process by `method` (Python's `Process(target, args).start()`).
///
/// With [`StartMethod::Spawn`] the child runs the target that `main` passed to [`run_if_spawned`].
pub fn start<T>(method: StartMethod, target: fn(T) -> Result<()>, arg: T) -> Result<Child>
where
    T: Serialize + DeserializeOwned,
{
    start_inheriting(method, target, arg, &[])
}

/// Like [`start`], and the child also gets `fds`: descriptors that `arg` names by number, such as
/// the memory file behind a [`SharedArray`](crate::shared::SharedArray). The child claims each
/// with [`take_inherited`], whichever the start method.
pub fn start_inheriting<T>(
    method: StartMethod,
    target: fn(T) -> Result<()>,
    arg: T,
    fds: &[BorrowedFd<'_>],
) -> Result<Child>
where
    T: Serialize + DeserializeOwned,
{
    match method {
        StartMethod::Fork => fork(move || {
            // A forked child has every descriptor already: hand `take_inherited` copies of these.
            for fd in fds {
                inherit(fd.as_raw_fd(), fd.try_clone_to_owned()?);
            }
            target(arg)
        }),
        StartMethod::Spawn => spawn_inheriting(&arg, fds),
    }
}

/// Runs `body` in a forked child process and returns the child's handle.
///
/// The child exits with code 0 when `body` returns `Ok`, 1 after printing an `Err` as one line,
/// and 101 if `body` panics. Fails if this process has more than one thread (see the module docs).
pub fn fork(body: impl FnOnce() -> Result<()>) -> Result<Child> {
    ensure_single_threaded()?;
    // Anything still buffered would otherwise be printed twice: once by each process.
    std::io::stdout()
        .flush()
        .context("flushing stdout before fork")?;
    // SAFETY: fork(2) is unsound only if another thread could hold a lock the child then needs;
    // `ensure_single_threaded` has just checked that this process has no other thread.
    match unsafe { nix::unistd::fork() }.context("fork failed")? {
        ForkResult::Parent { child } => Ok(Child {
            pid: child,
            exit: None,
        }),
        ForkResult::Child => {
            crate::queue::forget_readers_after_fork();
            let code = match catch_unwind(AssertUnwindSafe(body)) {
                Ok(Ok(())) => 0,
                Ok(Err(err)) => {
                    eprintln!("error: {err:#}");
                    1
                }
                Err(_) => 101, // The panic hook has already printed the message.
            };
            _ = std::io::stdout().flush(); // Nowhere left to report a failed flush.
            // `_exit`, not `exit`: never return into the parent's `main`, never run its destructors.
            // SAFETY: `_exit` has no preconditions; it is `unsafe` only because all of libc is.
            unsafe { nix::libc::_exit(code) }
        }
    }
}

/// Fails unless this process has exactly one thread, the only state in which `fork` is safe.
pub fn ensure_single_threaded() -> Result<()> {
    let count = || -> Result<usize> {
        Ok(std::fs::read_dir("/proc/self/task")
            .context("listing /proc/self/task")?
            .count())
    };
    // A thread that was just joined can stay listed for a moment after `join` returns.
    for _ in 0..50 {
        if count()? == 1 {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    bail!(
        "cannot fork: this process has {} threads, and fork copies only the calling one, so a \
         lock held by another would stay locked in the child; fork before starting threads or \
         use the spawn start method",
        count()?
    )
}

/// The first argument of a spawned child, as in Python, whose spawn method passes the same flag.
/// Then come the child's argument (postcard bytes, hex-encoded) and the descriptors it inherits.
const SPAWNED: &str = "--multiprocessing-fork";

/// Starts this executable again as a child that runs the target given to [`run_if_spawned`] with `arg`.
pub fn spawn<T: Serialize>(arg: &T) -> Result<Child> {
    spawn_inheriting(arg, &[])
}

/// Like [`spawn`], keeping `fds` open in the child, under the same numbers, for [`take_inherited`].
pub fn spawn_inheriting<T: Serialize>(arg: &T, fds: &[BorrowedFd<'_>]) -> Result<Child> {
    let bytes = postcard::to_allocvec(arg).context("serializing the child's argument")?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let keep: Vec<RawFd> = fds.iter().map(AsRawFd::as_raw_fd).collect();
    let listed: Vec<String> = keep.iter().map(RawFd::to_string).collect();
    let exe = std::env::current_exe().context("locating this executable to spawn it")?;
    let mut command = std::process::Command::new(&exe);
    command.args([SPAWNED, &hex, &listed.join(",")]);
    // Every descriptor here is close-on-exec; these few must survive the exec.
    let clear_close_on_exec = move || -> std::io::Result<()> {
        for &fd in &keep {
            // SAFETY: `fd` is open, lent by the caller for this whole call; F_SETFD sets its flags only.
            if unsafe { nix::libc::fcntl(fd, nix::libc::F_SETFD, 0) } == -1 {
                return Err(std::io::Error::last_os_error());
            }
        }
        Ok(())
    };
    // SAFETY: the hook runs in the child between fork and exec, where only async-signal-safe
    // functions may be called: it calls fcntl, which is one, and allocates nothing.
    unsafe { command.pre_exec(clear_close_on_exec) };
    let child = command
        .spawn()
        .with_context(|| format!("spawning {}", exe.display()))?;
    // `std::process::Child` neither waits nor kills on drop: our handle takes over the pid.
    let pid = i32::try_from(child.id()).context("child pid out of range")?;
    Ok(Child {
        pid: Pid::from_raw(pid),
        exit: None,
    })
}

/// In a child started by [`spawn`], runs `target` with the parent's argument and exits;
/// in any other process, returns at once.
///
/// Call it first in `main`, before parsing arguments: it is the counterpart of Python's
/// `if __name__ == '__main__':`, the line that keeps a spawned child from running the parent's code.
pub fn run_if_spawned<T: DeserializeOwned>(target: fn(T) -> Result<()>) {
    let mut args = std::env::args_os().skip(1);
    if args.next().is_none_or(|first| first != SPAWNED) {
        return;
    }
    let (hex, listed) = (
        args.next().unwrap_or_default(),
        args.next().unwrap_or_default(),
    );
    let result = claim_spawned_fds(listed)
        .and_then(|()| decode_spawn_arg(hex))
        .and_then(target);
    let code = match result {
        Ok(()) => 0,
        Err(err) => {
            eprintln!("error: {err:#}");
            1
        }
    };
    std::process::exit(code);
}

/// Takes ownership of the descriptors `spawn_inheriting` kept open for this process.
fn claim_spawned_fds(listed: OsString) -> Result<()> {
    let listed = listed
        .into_string()
        .ok()
        .context("descriptor list is not UTF-8")?;
    for number in listed.split(',').filter(|n| !n.is_empty()) {
        let fd: RawFd = number.parse().context("descriptor list is not numbers")?;
        ensure!(fd > 2, "descriptor {fd} is standard input, output or error");
        // SAFETY: the parent kept `fd` open across exec for this process and listed it, and nothing
        // here has used it: `run_if_spawned` runs first in `main`, and claims each number once.
        let owned = unsafe { OwnedFd::from_raw_fd(fd) };
        inherit(fd, owned);
    }
    Ok(())
}

/// Descriptors handed down by the parent, by the number the parent knew them by.
static INHERITED: Mutex<Vec<(RawFd, OwnedFd)>> = Mutex::new(Vec::new());

fn inherit(parent_number: RawFd, fd: OwnedFd) {
    INHERITED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push((parent_number, fd));
}

/// In a child started with [`start_inheriting`], takes the descriptor the parent passed as number
/// `parent_fd`. Each is taken once; a number the parent did not pass is an error.
pub fn take_inherited(parent_fd: RawFd) -> Result<OwnedFd> {
    let mut inherited = INHERITED.lock().unwrap_or_else(PoisonError::into_inner);
    let index = inherited
        .iter()
        .position(|(number, _)| *number == parent_fd)
        .with_context(|| format!("descriptor {parent_fd} was not handed to this process"))?;
    Ok(inherited.swap_remove(index).1)
}

fn decode_spawn_arg<T: DeserializeOwned>(hex: OsString) -> Result<T> {
    let hex = hex
        .into_string()
        .ok()
        .context("spawn argument is not UTF-8")?;
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("?"), 16))
        .collect::<Result<Vec<u8>, _>>()
        .context("spawn argument is not hex")?;
    postcard::from_bytes(&bytes).context("decoding the spawn argument")
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

    #[test]
    fn spawn_argument_round_trips_through_hex() {
        let hex: String = postcard::to_allocvec(&-7i64)
            .unwrap()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(decode_spawn_arg::<i64>(hex.into()).unwrap(), -7);
        assert!(decode_spawn_arg::<i64>("zz".into()).is_err());
    }
}
