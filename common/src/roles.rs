//! Rust's `if __name__ == '__main__':` and every role a process of this program can be started in.
//!
//! A spawned child, the fork server and the resource tracker are this same executable, run again
//! with a role in its first argument and the number of a socket it inherited in the second.
//! [`run_if_child`], the first line of every process program's `main`, recognises the role and
//! runs it; in the program's own process it records the target table and returns.
//!
//! This module sits above the mechanisms it starts (the process machinery, the pool's worker loop,
//! the tracker), so none of them needs to know the others: the import graph has no cycle.
//!
//! ```rust,standalone_crate
//! use common::process::{self, StartMethod};
//! use common::target::Target;
//!
//! fn hello(name: String) {
//!     eprintln!("hello, {name}, from a spawned child");
//! }
//! const HELLO: Target<String, ()> = common::target!(hello);
//!
//! fn main() -> common::Result<()> {
//!     // In the spawned child this line runs `hello` and exits: the rest of `main` is the parent's.
//!     common::roles::run_if_child(&[&HELLO]);
//!     process::start(StartMethod::Spawn, &HELLO, "Ada".to_owned())?.join()
//! }
//! ```
//!
//! Shown by: every process program's first line (`examples-processes/`, `examples-futures/`).

use std::ffi::OsStr;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;

use crate::error::{Context, Error, Result};

use crate::process::{forkserver, in_child, spawn};
use crate::target::{self, Entry};

/// The targets `common` itself runs in other processes.
static BUILTINS: [&dyn Entry; 1] = [&crate::pool::WORKER];

/// Rust's `if __name__ == '__main__':`. Call it first in `main`, with every
/// [`Target`](crate::target::Target) the program starts in another process:
/// `roles::run_if_child(&[&SQUARE])`.
///
/// In the program's own process it records the table and returns. In a process this program
/// spawned, or its fork server, or its resource tracker, it does what the parent asked for and
/// exits, so the child never runs the parent's `main`: the reason Python needs the guard under
/// spawn and forkserver.
pub fn run_if_child(targets: &'static [&'static dyn Entry]) {
    target::set_table(targets, &BUILTINS);
    let mut args = std::env::args_os().skip(1);
    let role = args.next();
    let mut socket = || -> Result<UnixStream> {
        let number: RawFd = args
            .next()
            .and_then(|a| a.to_str()?.parse().ok())
            .context("the child's socket argument is missing")?;
        if number <= 2 {
            return Err(Error::Protocol(format!(
                "descriptor {number} is a standard stream"
            )));
        };
        // SAFETY: the parent kept this socket open across exec for us and named it in our
        // arguments; nothing in this fresh process has used it, and we take it once.
        Ok(UnixStream::from(unsafe { OwnedFd::from_raw_fd(number) }))
    };
    let role = role.as_deref().and_then(OsStr::to_str);
    if matches!(
        role,
        Some(spawn::SPAWNED | forkserver::FORKSERVER | crate::tracker::TRACKER_ROLE)
    ) {
        // A process of this crate's own: a stdout that fails ends it with one line to its parent
        // (as `cli::run` does in a program). The program's own process is left as it is.
        crate::cli::end_quietly_when_stdout_fails();
    }
    match role {
        Some(spawn::SPAWNED) => in_child(move || Ok(spawn::run_spawned(socket()?)?)),
        Some(forkserver::FORKSERVER) => in_child(move || Ok(forkserver::serve(socket()?)?)),
        Some(crate::tracker::TRACKER_ROLE) => {
            in_child(move || Ok(crate::tracker::serve(socket()?)?))
        }
        _ => {}
    }
}
