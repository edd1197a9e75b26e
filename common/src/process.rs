//! Starting a process: the counterpart of `multiprocessing.Process` and its start methods.
//!
//! [`start`]`(method, &TARGET, arg)` runs a [`Target`] in a new process and returns a [`Child`].
//! The three start methods are Python's:
//!
//! - [`StartMethod::Fork`] copies this process with `fork(2)`. Fast, but only safe while this
//!   process has one thread (see *fork safety* below). Python's default on Linux up to 3.13.
//! - [`StartMethod::Spawn`] runs this executable again. The new process starts from `main`, whose
//!   first line, [`run_if_child`], recognises it, reads the target's name and argument from a socket
//!   and runs it. Python's default on macOS (since 3.8) and Windows.
//! - [`StartMethod::Forkserver`] asks a small server process for the child: the server is this
//!   executable, spawned once on first use, and it stays single-threaded, so each `fork` it does
//!   is safe whatever the caller runs. Python's default on Linux from 3.14.
//!
//! `run_if_child(&[&TARGET, …])` is Rust's `if __name__ == '__main__':`: in the parent it records
//! the program's target table and returns; in a spawned child or the fork server it never returns.
//! A child finds its target in that table by name and checks its types (see [`crate::target`](mod@crate::target)).
//! The argument travels as postcard bytes; descriptors inside it (a queue's writer, shared memory)
//! go along as open descriptors ([`crate::handoff`]).
//!
//! A [`Child`] holds a *pidfd* for the process (Linux ≥ 5.3): [`Child::join`] blocks in `poll`
//! until the child exits, so a parent that waits uses no CPU, and learns of the exit at once. While
//! it waits it also drains every queue the child was handed, so a child blocked writing a large
//! message can always finish (Python's *joining processes that use queues* deadlock). Dropping a
//! `Child` that was not joined kills and reaps it, so an error path leaves no stray process.
//! (Python's `Process` is not a context manager; at interpreter exit it joins the non-daemon
//! children and terminates the daemon ones.)
//!
//! **Fork safety.** `fork` copies only the calling thread. A lock another thread held at that
//! moment (stdout's, a logger's, a pool's queue) stays locked forever in the child. So [`fork`]
//! refuses unless this process has exactly one thread. (CPython 3.12+ goes on, with a
//! `DeprecationWarning` attributed to the caller of `os.fork()`: the default filters show it only
//! when that caller is `__main__`, so a fork by `multiprocessing` prints nothing unless Python
//! runs with `-W default`.) The forked child never returns into the
//! caller: it runs its body, flushes stdout and calls `_exit`.

use std::ffi::OsStr;
use std::fmt;
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail, ensure};
use nix::errno::Errno;
use nix::sys::signal::Signal;
use nix::sys::wait::{Id, WaitPidFlag, WaitStatus, waitid};
use nix::unistd::{ForkResult, Pid};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::handoff::{self, WaitSource};
use crate::target::{self, Entry, Failure, Outcome, Target};
use crate::wait;

/// How a child process is started (`multiprocessing.set_start_method`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum StartMethod {
    /// Copy the running process with `fork(2)` (Python's default on Linux up to 3.13).
    Fork,
    /// Run this executable again in a child role (Python's default on macOS and Windows).
    Spawn,
    /// Ask a single-threaded server process to fork the child (Python's default on Linux from 3.14).
    Forkserver,
}

/// How a child process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// It exited with this code.
    Code(i32),
    /// A signal killed it.
    Signal(Signal),
    /// It ended, but the fork server that reaped it died before saying how.
    Unknown,
}

impl fmt::Display for Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Exit::Code(code) => write!(f, "exited with code {code}"),
            Exit::Signal(signal) => write!(f, "was killed by {signal}"),
            Exit::Unknown => f.write_str("ended; how was lost with the fork server"),
        }
    }
}

impl Exit {
    /// How a reaped process ended, from `waitid`'s answer.
    pub(crate) fn from_status(status: WaitStatus) -> Option<Exit> {
        match status {
            WaitStatus::Exited(_, code) => Some(Exit::Code(code)),
            WaitStatus::Signaled(_, signal, _) => Some(Exit::Signal(signal)),
            _ => None,
        }
    }

    /// Eight bytes for the fork server to report an exit with.
    pub(crate) fn to_bytes(self) -> [u8; 8] {
        let (kind, value): (i32, i32) = match self {
            Exit::Code(code) => (0, code),
            Exit::Signal(signal) => (1, signal as i32),
            Exit::Unknown => (2, 0),
        };
        let mut bytes = [0; 8];
        bytes[..4].copy_from_slice(&kind.to_le_bytes());
        bytes[4..].copy_from_slice(&value.to_le_bytes());
        bytes
    }

    fn from_bytes(bytes: [u8; 8]) -> Exit {
        let kind = i32::from_le_bytes(bytes[..4].try_into().expect("4 bytes"));
        let value = i32::from_le_bytes(bytes[4..].try_into().expect("4 bytes"));
        match (kind, Signal::try_from(value)) {
            (0, _) => Exit::Code(value),
            (1, Ok(signal)) => Exit::Signal(signal),
            _ => Exit::Unknown,
        }
    }
}

/// A child process of ours. Dropping it reaps the process, killing it first if still running.
#[derive(Debug)]
pub struct Child {
    pid: Pid,
    /// Readable once the process has exited; also how we reap and signal it, race-free.
    pidfd: OwnedFd,
    exit: Option<Exit>,
    /// Queues the child was handed, drained while we wait for it.
    serving: Vec<Arc<dyn WaitSource>>,
    /// For a child of the fork server, which reaps it: where the server writes how it ended.
    reported: Option<std::fs::File>,
}

impl Child {
    /// Takes charge of `pid`, which must be an unreaped child of this process.
    fn adopt(pid: Pid) -> Result<Self> {
        let pidfd = match pidfd_open(pid.as_raw(), 0) {
            Ok(pidfd) => pidfd,
            Err(err) => {
                // Don't leave the process running with nobody to reap it.
                _ = nix::sys::signal::kill(pid, Signal::SIGKILL);
                _ = nix::sys::wait::waitpid(pid, None);
                return Err(err).with_context(|| format!("pidfd_open({pid}) (needs Linux 5.3+)"));
            }
        };
        Ok(Child {
            pid,
            pidfd,
            exit: None,
            serving: Vec::new(),
            reported: None,
        })
    }

    /// A child the fork server started and reaps: it sent a pidfd for it and a pipe on which it
    /// reports the exit.
    pub(crate) fn served(pid: i32, pidfd: OwnedFd, reported: OwnedFd) -> Self {
        Child {
            pid: Pid::from_raw(pid),
            pidfd,
            exit: None,
            serving: Vec::new(),
            reported: Some(reported.into()),
        }
    }

    /// What becomes readable when the child has ended: its pidfd, or the fork server's report.
    fn ended(&self) -> BorrowedFd<'_> {
        match &self.reported {
            Some(report) => report.as_fd(),
            None => self.pidfd.as_fd(),
        }
    }

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
        let status = loop {
            match waitid(Id::PIDFd(self.pidfd.as_fd()), WaitPidFlag::WEXITED) {
                Err(Errno::EINTR) => {}
                other => break other,
            }
        };
        let status = status.with_context(|| format!("reaping child process {}", self.pid))?;
        self.exit = Exit::from_status(status);
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
        send_signal(self.pidfd.as_fd(), signal)
            .with_context(|| format!("signalling child process {}", self.pid))
    }

    /// Another pidfd for the same process, to signal it from elsewhere.
    pub(crate) fn pidfd(&self) -> Result<OwnedFd> {
        self.pidfd.try_clone().context("duplicating a pidfd")
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
            _ = self.kill(); // Fails only if it has exited already; the reap below collects it.
            _ = self.reap(); // Fails only if it is already reaped.
        }
    }
}

/// The program's target table, as `main` gave it to [`run_if_child`].
static TABLE: OnceLock<&'static [&'static dyn Entry]> = OnceLock::new();

/// The targets `common` itself starts: a pool's worker loop.
fn builtin() -> [&'static dyn Entry; 1] {
    [&crate::pool::WORKER]
}

/// Looks a target up in this program's table (and `common`'s own), checking its types.
pub(crate) fn lookup(name: &str, signature: &str) -> Result<&'static dyn Entry> {
    // Searched in place: a lookup runs for every job, and allocates only to report a failure.
    let table = builtin()
        .into_iter()
        .chain(TABLE.get().copied().unwrap_or_default().iter().copied());
    target::find(table, name, signature).map_err(|e| {
        if TABLE.get().is_none() {
            anyhow!("{e}; call process::run_if_child(&[…]) first in main")
        } else {
            anyhow!(e)
        }
    })
}

/// Rust's `if __name__ == '__main__':`. Call it first in `main`, with every [`Target`] the program
/// starts in another process: `process::run_if_child(&[&SQUARE])`.
///
/// In the program's own process it records the table and returns. In a process this program
/// spawned, or its fork server, it runs what the parent asked for and exits, so the child never
/// runs the parent's `main`: the reason Python needs the guard under spawn and forkserver.
pub fn run_if_child(targets: &'static [&'static dyn Entry]) {
    _ = TABLE.set(targets); // Called twice: the first table stays.
    crate::cli::end_quietly_when_stdout_fails();
    let mut args = std::env::args_os().skip(1);
    let role = args.next();
    let mut fd = || -> Result<UnixStream> {
        let number: RawFd = args
            .next()
            .and_then(|a| a.to_str()?.parse().ok())
            .context("the child's socket argument is missing")?;
        ensure!(number > 2, "descriptor {number} is a standard stream");
        // SAFETY: the parent kept this socket open across exec for us and named it in our
        // arguments; nothing in this fresh process has used it, and we take it once.
        Ok(UnixStream::from(unsafe { OwnedFd::from_raw_fd(number) }))
    };
    match role.as_deref().and_then(OsStr::to_str) {
        Some(SPAWNED) => in_child(move || run_spawned(fd()?)),
        Some(FORKSERVER) => in_child(move || crate::forkserver::serve(fd()?)),
        Some(crate::tracker::TRACKER_ROLE) => in_child(move || crate::tracker::serve(fd()?)),
        _ => {}
    }
}

/// The first argument of a spawned child (Python's spawn method passes the same flag), then the
/// number of the socket it reads its target from.
const SPAWNED: &str = "--multiprocessing-fork";
/// The first argument of the fork server, then its socket's number.
pub(crate) const FORKSERVER: &str = "--multiprocessing-forkserver";

/// What a spawned or forkserver child is asked to run.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Launch {
    target: String,
    signature: String,
    arg: Vec<u8>,
    /// The parent's numbers for the descriptors sent alongside, in order.
    fds: Vec<RawFd>,
}

impl Launch {
    pub(crate) fn target(&self) -> &str {
        &self.target
    }

    pub(crate) fn signature(&self) -> &str {
        &self.signature
    }

    pub(crate) fn fds(&self) -> &[RawFd] {
        &self.fds
    }

    /// Looks the target up and runs it on the argument, with the descriptors `received`.
    pub(crate) fn run(self, received: Vec<OwnedFd>) -> Result<()> {
        handoff::inherit(&self.fds, received)?;
        let entry = lookup(&self.target, &self.signature)?;
        run_entry(entry, &self.arg)
    }
}

fn run_entry(entry: &dyn Entry, arg: &[u8]) -> Result<()> {
    entry.run_once(arg).map_err(|failure| match failure {
        Failure::Undecodable(why) => anyhow!("{}: {why}", entry.name()),
        Failure::Raised(message) => anyhow!(message),
    })
}

fn run_spawned(socket: UnixStream) -> Result<()> {
    let (bytes, fds) =
        handoff::recv_frame_with_fds(&socket)?.context("the parent sent no target")?;
    drop(socket);
    let launch: Launch = postcard::from_bytes(&bytes).context("decoding the launch request")?;
    launch.run(fds)
}

/// Starts `target(arg)` in a new process by `method` (Python's `Process(target, args).start()`).
///
/// `arg` may hold queue writers and shared memory: they reach the child under every method.
pub fn start<A, R>(method: StartMethod, target: &Target<A, R>, arg: A) -> Result<Child>
where
    A: Serialize + DeserializeOwned + fmt::Debug + 'static,
    R: Outcome,
{
    let (bytes, outgoing) = handoff::encode_for_child(&arg)?;
    let mut child = match method {
        StartMethod::Fork => {
            let (target, fds) = (*target, outgoing.fds.clone());
            fork(move || {
                if !fds.is_empty() {
                    // (Skipped when empty: every page a forked child writes is a copy to make.)
                    handoff::inherit_forked(&fds)?;
                }
                crate::pipe::close_after_fork(); // The ends it was handed are its duplicates now.
                run_entry(&target, &bytes)
            })?
        }
        StartMethod::Spawn | StartMethod::Forkserver => {
            // Refuse in the parent a target the child could not find.
            lookup(target.name(), target.signature())?;
            let launch = Launch {
                target: target.name().to_owned(),
                signature: target.signature().to_owned(),
                arg: bytes,
                fds: outgoing.fds.clone(),
            };
            if method == StartMethod::Spawn {
                spawn(&launch)?
            } else {
                crate::forkserver::launch(&launch)?
            }
        }
    };
    child.serving = outgoing.wait_sources;
    drop(arg); // Only now: the descriptors it holds had to stay open until the child had them.
    Ok(child)
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
        ForkResult::Parent { child } => Child::adopt(child),
        ForkResult::Child => {
            crate::tracker::forget_after_fork();
            in_child(body)
        }
    }
}

/// Sends `signal` to the process behind `pidfd`. A process that has already exited is not an
/// error (ESRCH): its parent reaps it.
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

/// A pidfd for process (or, with `PIDFD_THREAD`, thread) `pid`: readable once it has ended, and a
/// handle to signal or reap it by that cannot be confused with a later process of the same pid.
pub(crate) fn pidfd_open(pid: i32, flags: nix::libc::c_int) -> std::io::Result<OwnedFd> {
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1; no memory.
    let fd = unsafe { nix::libc::syscall(nix::libc::SYS_pidfd_open, pid, flags) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: pidfd_open has just returned this new descriptor (close-on-exec), ours alone.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// Ends a child process after `body`: code 0 on `Ok`, 1 after printing an `Err` as one line, 101
/// on a panic (whose hook has printed it). `_exit`, not `exit`: a forked child must never run the
/// parent's destructors or return into its `main`.
pub(crate) fn in_child(body: impl FnOnce() -> Result<()>) -> ! {
    let code = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => 0,
        Ok(Err(err)) => {
            eprintln!("error: {err:#}");
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
        let tid = entry?
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<i32>().ok());
        others.extend(tid.filter(|&t| t != me));
    }
    const PIDFD_THREAD: nix::libc::c_int = nix::libc::O_EXCL;
    let pidfds: Vec<OwnedFd> = others
        .iter()
        .filter_map(|&tid| pidfd_open(tid, PIDFD_THREAD).ok())
        .collect();
    let deadline = Instant::now() + Duration::from_millis(100);
    for pidfd in &pidfds {
        // Each returns when its thread is gone, or all together at the deadline.
        wait::readable([pidfd.as_fd()], Some(deadline), "a thread to exit")?;
    }
    let count = threads()?;
    if count <= 1 {
        return Ok(());
    }
    bail!(
        "cannot fork: this process has {count} threads, and fork copies only the calling one, so \
         a lock held by another would stay locked in the child; fork before starting threads or \
         use the spawn or forkserver start method"
    )
}

/// Starts this executable again with `role` and the number of a socket it inherits; returns the
/// child and our end of the socket.
pub(crate) fn spawn_role(role: &str) -> Result<(Child, UnixStream)> {
    spawn_role_with(role, |_| {})
}

/// [`spawn_role`], with a chance to adjust the command first (its standard streams, say).
pub(crate) fn spawn_role_with(
    role: &str,
    adjust: impl FnOnce(&mut std::process::Command),
) -> Result<(Child, UnixStream)> {
    let (ours, theirs) = UnixStream::pair().context("creating a socket for the child")?;
    let number = theirs.as_raw_fd();
    let exe = std::env::current_exe().context("locating this executable to spawn it")?;
    let mut command = std::process::Command::new(&exe);
    command.args([role, &number.to_string()]);
    adjust(&mut command);
    // Every descriptor of ours is close-on-exec; this one must survive the exec.
    let keep_open = move || -> std::io::Result<()> {
        // SAFETY: `number` is our end of a socket we own until `spawn` returns; F_SETFD sets flags only.
        if unsafe { nix::libc::fcntl(number, nix::libc::F_SETFD, 0) } == -1 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    };
    // SAFETY: the hook runs in the child between fork and exec, where only async-signal-safe
    // functions may be called: it calls fcntl, which is one, and allocates nothing.
    unsafe { command.pre_exec(keep_open) };
    let child = command
        .spawn()
        .with_context(|| format!("spawning {}", exe.display()))?;
    drop(theirs);
    // `std::process::Child` neither waits nor kills on drop: our handle takes over the pid.
    let pid = i32::try_from(child.id()).context("child pid out of range")?;
    Ok((Child::adopt(Pid::from_raw(pid))?, ours))
}

/// Spawns a child and sends it `launch`, with its descriptors.
fn spawn(launch: &Launch) -> Result<Child> {
    let (child, socket) = spawn_role(SPAWNED)?;
    let bytes = postcard::to_allocvec(launch).context("encoding the launch request")?;
    // If the child died before reading, this fails and dropping `child` reaps it.
    handoff::send_frame_with_fds(&socket, &bytes, &launch.fds)?;
    Ok(child)
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
