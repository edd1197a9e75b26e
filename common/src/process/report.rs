//! A child's last word: the error that ends a child of this crate travels to its parent, which
//! reports it as the cause of the child's failure, so that a program prints one line, not one
//! from each failed child and another from itself.
//!
//! Python's child prints its traceback on its own stderr and the parent sees only the exit code
//! (`Process.exitcode == 1`; CPython 3.11's `Process._bootstrap` prints `Process Process-1:` and
//! the traceback); here [`Child::join`](super::Child::join)'s
//! [`Error::ChildFailed`](crate::Error::ChildFailed) carries the child's message as `cause`.
//!
//! Each child gets the write end of a pipe of its own (handed over like any other descriptor under
//! spawn and forkserver, inherited under fork). `in_child` writes the error there instead of on
//! stderr; the parent reads it once the child has ended, without waiting for an end of file that
//! a grandchild holding a copy could delay.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{FromRawFd, IntoRawFd, OwnedFd};
use std::sync::atomic::{AtomicI32, Ordering};

use nix::fcntl::OFlag;

use crate::error::{Context, Result};

/// In a child: the descriptor its error goes to, or -1 (then it goes to stderr).
static REPORT_TO: AtomicI32 = AtomicI32::new(-1);

/// The most of a child's message the parent reads.
const MOST: u64 = 64 * 1024;

/// A new channel: the parent's read end and the child's write end, both non-blocking (one system
/// call: a child's report is short, and one that filled the pipe would only be cut short).
pub(crate) fn channel() -> Result<(Report, OwnedFd)> {
    let (read, write) = nix::unistd::pipe2(OFlag::O_CLOEXEC | OFlag::O_NONBLOCK)
        .context("creating a report pipe")?;
    Ok((Report(File::from(read)), write))
}

/// In a child, first thing: its error goes to `fd` from now on.
pub(crate) fn report_to(fd: OwnedFd) {
    let old = REPORT_TO.swap(fd.into_raw_fd(), Ordering::SeqCst);
    if old >= 0 {
        // SAFETY: `old` was a descriptor this process owned (an inherited parent's channel, in a
        // forked grandchild): ours to close, and no longer named anywhere.
        drop(unsafe { OwnedFd::from_raw_fd(old) });
    }
}

/// The error a process ends with: to its parent if one listens (a child of this crate), else on
/// stderr as `error: …`.
pub(crate) fn tell(message: &str) {
    if !send(message) {
        eprintln!("error: {message}");
    }
}

/// In a child that ends with an error: sends `message` to the parent; `false` if this child has
/// no parent listening.
fn send(message: &str) -> bool {
    let fd = REPORT_TO.load(Ordering::SeqCst);
    if fd < 0 {
        return false;
    }
    // SAFETY: `fd` is the write end `report_to` took ownership of; `ManuallyDrop` leaves it open.
    let mut file = std::mem::ManuallyDrop::new(unsafe { File::from_raw_fd(fd) });
    file.write_all(message.as_bytes()).is_ok()
}

/// The parent's end of a child's report channel.
#[derive(Debug)]
pub(crate) struct Report(File);

impl Report {
    /// What the child said before it ended, if anything (read once the child has ended: its
    /// words are in the pipe by then).
    pub(crate) fn take(&mut self) -> Option<String> {
        let mut said = Vec::new();
        // WouldBlock once what was written is read (a grandchild may hold the write end open).
        _ = (&mut self.0).take(MOST).read_to_end(&mut said);
        let said = String::from_utf8_lossy(&said).trim().to_owned();
        (!said.is_empty()).then_some(said)
    }
}
