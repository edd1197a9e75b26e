//! What can go wrong, as one type a caller can match: [`Error`], its variants named after the
//! Python exception a Python program would catch in the same place.
//!
//! | Python | here |
//! |---|---|
//! | `concurrent.futures.process.BrokenProcessPool` | [`Error::BrokenPool`] (which worker, how it ended, which items) |
//! | `TimeoutError`, `multiprocessing.TimeoutError` | [`Error::Timeout`] |
//! | `concurrent.futures.CancelledError` | [`Error::Cancelled`] |
//! | `EOFError`, `BrokenPipeError` | [`Error::Closed`] |
//! | the exception a task raised, re-raised by `get()`/`result()` | [`Error::Raised`] |
//! | a non-zero `Process.exitcode` | [`Error::ChildFailed`] (with the error the child ended with) |
//! | `ValueError` (a message too large for a pipe) | [`Error::TooLarge`] |
//! | `pickle.UnpicklingError`, a broken protocol | [`Error::Protocol`] |
//! | `ValueError`, `RuntimeError` (a request refused) | [`Error::Refused`] |
//! | `OSError` | [`Error::Os`] |
//!
//! One type carries a task's failure all the way: a worker process's reply holds a [`Raised`], the
//! same value a `ProcessPool::map` fails with and a `concurrent.futures`-style `Future`'s
//! `result()` returns, with the item, its `Debug` form and whether it was a panic; a broken pool
//! keeps the worker's pid, how it ended and the items it held, whichever API the caller used.
//!
//! A caller that only reports errors gets a one-line message from `Display`; one that recovers
//! matches, or asks a predicate (`is_timeout()`, `raised()`, …, as crossbeam's errors have):
//!
//! ```
//! use common::Error;
//!
//! fn advice(e: &Error) -> &'static str {
//!     match e {
//!         Error::Timeout(_) => "try again with a longer timeout",
//!         Error::BrokenPool(broken) if broken.exit.is_some() => "a worker died: start a new pool",
//!         Error::Closed(_) => "the other side is gone",
//!         _ => "give up",
//!     }
//! }
//! assert_eq!(advice(&Error::Timeout("a reply".into())), "try again with a longer timeout");
//! ```
//!
//! (The pool's own doc test shows both for real: a timeout, and a worker killed by a signal.)

use std::fmt;
use std::io;
use std::ops::Range;
use std::sync::Arc;

use crate::process::exit::Exit;

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Any error: what a child's body or a program's `main` may fail with (a [`Error`], an
/// `anyhow::Error`, an `io::Error`), for the places that only report it.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// An error and its sources on one line, `outer: inner: …`, as `anyhow` prints `{:#}`.
pub fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let chain: Vec<String> = std::iter::successors(Some(err), |e| e.source())
        .map(ToString::to_string)
        .collect();
    chain.join(": ")
}

/// Everything `common` can fail with.
///
/// `Clone`, so that one failure can reach every party waiting on it (a future's callbacks and
/// its `result()`, every future of a broken pool); the operating system's error is shared.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A worker process died or was ended, so the pool can run nothing more (Python's
    /// `BrokenProcessPool`).
    #[error("{0}")]
    BrokenPool(Box<BrokenPool>),
    /// A wait ran out of time (Python's `TimeoutError`): what was being waited for.
    #[error("timed out waiting for {0}")]
    Timeout(String),
    /// The task was cancelled before it ran (Python's `CancelledError`).
    #[error("the task was cancelled")]
    Cancelled,
    /// The other end is gone (Python's `EOFError`, `BrokenPipeError`): a queue or pipe every
    /// writer has closed, a reader that went away, a message cut short.
    #[error("{0}")]
    Closed(String),
    /// A task returned an error or panicked (the exception Python's `get()` or `result()`
    /// re-raises).
    #[error("{0}")]
    Raised(Box<Raised>),
    /// A child process ended other than with exit code 0 (a non-zero `Process.exitcode`).
    #[error("child process {pid} {exit}{}", cause.as_ref().map(|c| format!(": {c}")).unwrap_or_default())]
    ChildFailed {
        /// Its process id.
        pid: i32,
        /// How it ended.
        exit: Exit,
        /// The error it ended with, as it said it: a child of this crate tells its parent
        /// instead of printing it (Python's child prints its traceback itself).
        cause: Option<String>,
    },
    /// A message larger than one frame may carry ([`frame::MAX_FRAME`](crate::frame::MAX_FRAME)).
    #[error("{len} bytes are over the {limit}-byte limit of one message")]
    TooLarge {
        /// The message's size.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// Bytes that do not decode, or a peer that broke the protocol.
    #[error("{0}")]
    Protocol(String),
    /// A request refused as it stands (Python's `ValueError` or `RuntimeError`): what a caller
    /// can act on ([`Refusal`]: a `fork` while other threads run, a target the program does not
    /// know, items a worker could not run, an argument out of range), and the whole sentence.
    #[error("{why}")]
    Refused {
        /// Why, as a caller can match it.
        kind: Refusal,
        /// The whole story, for a reader.
        why: String,
    },
    /// A call to the operating system failed (Python's `OSError`): what was being done, and why.
    /// (The message says both, so `io` is not also given as the error's `source()`: a printed
    /// chain would say it twice.)
    #[error("{op}: {io}")]
    Os {
        /// What was being done: `creating a socket pair`, `reaping child process 1234`.
        op: String,
        /// The operating system's error (`io.raw_os_error()` is the `errno`).
        io: Arc<io::Error>,
    },
}

/// Why a request was refused, as a caller can act on it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// `fork` while this process runs other threads: fork earlier, or use the spawn or forkserver
    /// start method.
    ForkWithThreads {
        /// The threads this process had.
        threads: u64,
    },
    /// No target of this name in the table `main` gave `roles::run_if_child`.
    UnknownTarget {
        /// The name asked for.
        name: String,
    },
    /// A target of this name, with other argument or result types.
    MistypedTarget {
        /// The name asked for.
        name: String,
    },
    /// A worker could not run these items: they did not decode, or their results were too large
    /// to send. The pool is not broken; counted from the start of the call.
    NotRun {
        /// The items.
        items: Range<usize>,
    },
    /// The fork server could not start the child (its `fork` or a pipe failed; the target was
    /// checked in this process first): the message says why.
    NotStarted,
    /// An argument out of range: a pool of no workers, a size no memory holds, a name with a
    /// newline, more descriptors than one message carries.
    Invalid,
}

/// Why a pool is broken: the facts a caller needs, and the sentence that says them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenPool {
    /// The worker that died first, if a worker's death broke the pool.
    pub pid: Option<i32>,
    /// How that worker ended, if it was reaped.
    pub exit: Option<Exit>,
    /// The items it was working on, counted from the start of the call.
    pub items: Option<Range<usize>>,
    /// The whole story, for a reader.
    pub why: String,
}

impl fmt::Display for BrokenPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the process pool is broken: {}", self.why)
    }
}

/// A task's failure: what a worker reports, and what the caller's `map`, `get` or `result()`
/// returns (Python re-raises the task's exception there).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Raised {
    /// Who failed, when it was not a task: `thread 'worker'`, `the initializer`.
    pub by: Option<String>,
    /// The failing item's index, counted from the start of the call, when a batch was running.
    pub item: Option<usize>,
    /// The failing item, as `Debug` shows it.
    pub shown: Option<String>,
    /// The error's message, or the panic's.
    pub message: String,
    /// Whether it was a panic rather than an `Err`.
    pub panicked: bool,
}

impl fmt::Display for Raised {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = if self.panicked { "panicked" } else { "failed" };
        match (self.item, &self.shown) {
            (Some(item), Some(shown)) => {
                write!(f, "task {verb} on item {item} ({shown}): {}", self.message)
            }
            (Some(item), None) => write!(f, "task {verb} on item {item}: {}", self.message),
            (None, _) => {
                let by = self.by.as_deref().unwrap_or("the task");
                write!(f, "{by} {verb}: {}", self.message)
            }
        }
    }
}

impl Raised {
    /// A task's `Err` (`panicked == false`) or panic, not tied to an item of a batch.
    pub fn new(message: impl Into<String>, panicked: bool) -> Raised {
        Raised {
            by: None,
            item: None,
            shown: None,
            message: message.into(),
            panicked,
        }
    }
}

impl Error {
    /// Whether a wait ran out of time ([`Error::Timeout`]).
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout(_))
    }

    /// Whether the task was cancelled before it ran ([`Error::Cancelled`]).
    pub fn is_cancelled(&self) -> bool {
        matches!(self, Error::Cancelled)
    }

    /// Whether the other end is gone ([`Error::Closed`]).
    pub fn is_closed(&self) -> bool {
        matches!(self, Error::Closed(_))
    }

    /// The task's failure, if a task failed ([`Error::Raised`]).
    pub fn raised(&self) -> Option<&Raised> {
        match self {
            Error::Raised(raised) => Some(raised),
            _ => None,
        }
    }

    /// Why the pool is broken, if it is ([`Error::BrokenPool`]).
    pub fn broken_pool(&self) -> Option<&BrokenPool> {
        match self {
            Error::BrokenPool(broken) => Some(broken),
            _ => None,
        }
    }

    /// The `errno` of a failed system call ([`Error::Os`]): `EMFILE` (24) when this process ran
    /// out of descriptors, say.
    pub fn os_error(&self) -> Option<i32> {
        match self {
            Error::Os { io, .. } => io.raw_os_error(),
            _ => None,
        }
    }

    /// An [`Error::Refused`] of `kind`, which `why` tells.
    pub fn refused(kind: Refusal, why: impl Into<String>) -> Error {
        Error::Refused {
            kind,
            why: why.into(),
        }
    }

    /// Why the request was refused, if it was ([`Error::Refused`]).
    pub fn refusal(&self) -> Option<&Refusal> {
        match self {
            Error::Refused { kind, .. } => Some(kind),
            _ => None,
        }
    }

    /// An [`Error::Os`] from `source` while doing `op`.
    pub fn os(op: impl Into<String>, source: impl Into<io::Error>) -> Error {
        Error::Os {
            op: op.into(),
            io: Arc::new(source.into()),
        }
    }

    /// An [`Error::Os`] for a failure that is not an `io::Error` (a crate's own error type).
    pub fn other(
        op: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Error {
        Error::os(op, io::Error::other(source))
    }

    /// The same error, told as happening while doing `what`: an OS error's operation, a protocol
    /// error's or a refusal's message gain it in front. Errors that carry their own facts (a
    /// timeout, a broken pool, a task's failure) are left as they are, so matching them never
    /// has to look through layers.
    pub fn context(self, what: impl fmt::Display) -> Error {
        match self {
            Error::Os { op, io } => Error::Os {
                op: format!("{what}: {op}"),
                io,
            },
            Error::Protocol(why) => Error::Protocol(format!("{what}: {why}")),
            Error::Refused { kind, why } => Error::Refused {
                kind,
                why: format!("{what}: {why}"),
            },
            Error::Closed(why) => Error::Closed(format!("{what}: {why}")),
            other => other,
        }
    }
}

impl From<nix::Error> for Error {
    fn from(errno: nix::Error) -> Error {
        Error::os("a system call", io::Error::from(errno))
    }
}

impl From<postcard::Error> for Error {
    fn from(e: postcard::Error) -> Error {
        Error::Protocol(e.to_string())
    }
}

/// Adds what was being done to a failure: `.context("creating a socket pair")`.
pub trait Context<T> {
    /// The error, told as happening while doing `what`.
    fn context(self, what: impl fmt::Display) -> Result<T>;
    /// [`Context::context`], with `what` made only on failure.
    fn with_context<D: fmt::Display>(self, what: impl FnOnce() -> D) -> Result<T>;
}

impl<T> Context<T> for Result<T> {
    fn context(self, what: impl fmt::Display) -> Result<T> {
        self.map_err(|e| e.context(what))
    }
    fn with_context<D: fmt::Display>(self, what: impl FnOnce() -> D) -> Result<T> {
        self.map_err(|e| e.context(what()))
    }
}

impl<T> Context<T> for std::result::Result<T, io::Error> {
    fn context(self, what: impl fmt::Display) -> Result<T> {
        self.map_err(|e| Error::os(what.to_string(), e))
    }
    fn with_context<D: fmt::Display>(self, what: impl FnOnce() -> D) -> Result<T> {
        self.map_err(|e| Error::os(what().to_string(), e))
    }
}

impl<T> Context<T> for std::result::Result<T, nix::Error> {
    fn context(self, what: impl fmt::Display) -> Result<T> {
        self.map_err(|e| Error::os(what.to_string(), io::Error::from(e)))
    }
    fn with_context<D: fmt::Display>(self, what: impl FnOnce() -> D) -> Result<T> {
        self.map_err(|e| Error::os(what().to_string(), io::Error::from(e)))
    }
}

impl<T> Context<T> for std::result::Result<T, postcard::Error> {
    fn context(self, what: impl fmt::Display) -> Result<T> {
        self.map_err(|e| Error::Protocol(format!("{what}: {e}")))
    }
    fn with_context<D: fmt::Display>(self, what: impl FnOnce() -> D) -> Result<T> {
        self.map_err(|e| Error::Protocol(format!("{}: {e}", what())))
    }
}

impl<T> Context<T> for Option<T> {
    fn context(self, what: impl fmt::Display) -> Result<T> {
        self.ok_or_else(|| Error::Protocol(what.to_string()))
    }
    fn with_context<D: fmt::Display>(self, what: impl FnOnce() -> D) -> Result<T> {
        self.ok_or_else(|| Error::Protocol(what().to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_prefixes_what_has_no_facts_of_its_own() {
        let io: std::result::Result<(), io::Error> = Err(io::Error::from_raw_os_error(24));
        let e = io
            .context("creating a socket")
            .unwrap_err()
            .context("starting worker 3");
        assert!(
            e.to_string()
                .starts_with("starting worker 3: creating a socket: "),
            "{e}"
        );
        assert!(matches!(e, Error::Os { ref io, .. } if io.raw_os_error() == Some(24)));
        let t = Error::Timeout("a reply".into()).context("mapping");
        assert_eq!(t.to_string(), "timed out waiting for a reply");
    }
}
