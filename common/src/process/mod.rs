//! Starting a process: the counterpart of `multiprocessing.Process` and its start methods.
//!
//! [`start`]`(method, &TARGET, arg)` runs a [`Target`] in a new process and returns a [`Child`].
//! The three start methods are Python's:
//!
//! - [`StartMethod::Fork`] copies this process with `fork(2)`. Fast, but only safe while this
//!   process has one thread (see *fork safety* below). Python's default on Linux up to 3.13.
//! - [`StartMethod::Spawn`] runs this executable again. The new process starts from `main`, whose
//!   first line, [`run_if_child`](crate::roles::run_if_child), recognises it, reads the target's name and argument from a socket
//!   and runs it. Python's default on macOS (since 3.8) and Windows.
//! - [`StartMethod::Forkserver`] asks a small server process for the child: the server is this
//!   executable, spawned once on first use, and it stays single-threaded, so each `fork` it does
//!   is safe whatever the caller runs. Python's default on Linux from 3.14.
//!
//! [`roles::run_if_child`](crate::roles::run_if_child)`(&[&TARGET, …])` is Rust's
//! `if __name__ == '__main__':`: in the parent it records the program's target table and returns;
//! in a spawned child or the fork server it never returns. A child finds its target in that table
//! by name and checks its types (see [`crate::target`](mod@crate::target)). The argument travels
//! as postcard bytes; descriptors inside it (a queue's writer, shared memory) go along as open
//! descriptors (`handoff`, inside this crate).
//!
//! One file per mechanism, as CPython has one `popen_*.py` per start method: `child.rs` (the
//! handle, waiting, signals), `fork.rs` (and fork safety), `spawn.rs`, [`forkserver`], and
//! `after_fork.rs` (the one list of what a forked child resets). Nothing here
//! knows the modules built on top (pools, queues, the tracker): those register what they need.
//!
//! ```rust,standalone_crate
//! use common::process::{self, StartMethod};
//! use common::target::Target;
//!
//! fn square(n: i64) -> i64 {
//!     n * n
//! }
//! const SQUARE: Target<i64, i64> = common::target!(square);
//!
//! fn main() -> common::Result<()> {
//!     common::roles::run_if_child(&[&SQUARE]); // Rust's `if __name__ == '__main__':`
//!     for method in [StartMethod::Fork, StartMethod::Spawn, StartMethod::Forkserver] {
//!         process::start(method, &SQUARE, 7)?.join()?; // Python's `p.start(); p.join()`
//!     }
//!     common::process::forkserver::stop() // No child left behind, the fork server included.
//! }
//! ```
//!
//! Shown by: `simple-process` (`examples-processes/simple-process`), and every process program.

use std::fmt;

use crate::error::Result;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::handoff;
use crate::target::{self, Entry, Outcome, Target};

pub(crate) mod after_fork;
mod child;
pub(crate) mod exit;
mod fork;
pub mod forkserver;
pub(crate) mod pidfd;
pub(crate) mod report;
pub(crate) mod spawn;

pub use child::Child;
pub use exit::Exit;
pub(crate) use fork::DeathAsked;
pub use fork::{die_with_parent, ensure_single_threaded, fork};
pub(crate) use fork::{fork_keeping, in_child};
pub(crate) use pidfd::Pidfd;
pub use pidfd::pidfd_of;
pub(crate) use spawn::Death;

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

/// Starts `target(arg)` in a new process by `method` (Python's `Process(target, args).start()`).
///
/// `arg` may hold queue writers and shared memory: they reach the child under every method.
pub fn start<A, R>(method: StartMethod, target: &Target<A, R>, arg: A) -> Result<Child>
where
    A: Serialize + DeserializeOwned + fmt::Debug + 'static,
    R: Outcome,
{
    start_with(method, target, arg, Death::Independent)
}

/// [`start`], with how the child dies: a pool's worker dies with its program
/// ([`Death::WithParent`]), asked for before anything of the child's own runs.
pub(crate) fn start_with<A, R>(
    method: StartMethod,
    target: &Target<A, R>,
    arg: A,
    death: Death,
) -> Result<Child>
where
    A: Serialize + DeserializeOwned + fmt::Debug + 'static,
    R: Outcome,
{
    let (bytes, outgoing) = handoff::encode_for_child(&arg)?;
    let mut child = match method {
        StartMethod::Fork => {
            let target = *target;
            // Read only when needed: each `getpid` is a system call on the way to every fork.
            let parent = (death == Death::WithParent).then(std::process::id);
            fork_keeping(&outgoing.fds, move || {
                if let Some(parent) = parent
                    && !die_with_parent(parent)?
                {
                    return Ok(()); // The parent died before we could ask.
                }
                Ok(spawn::run_entry(&target, &bytes)?)
            })?
        }
        StartMethod::Spawn | StartMethod::Forkserver => {
            // Refuse in the parent a target the child could not find.
            target::lookup(target.name(), target.signature())?;
            let launch = spawn::Launch::new(target, bytes, outgoing.fds.clone(), death);
            if method == StartMethod::Spawn {
                spawn::spawn(&launch)?
            } else {
                forkserver::launch(&launch)?
            }
        }
    };
    child.serve_while_waiting(outgoing.wait_sources);
    drop(arg); // Only now: the descriptors it holds had to stay open until the child had them.
    Ok(child)
}
