//! Blocking until descriptors are readable: the one place `common` calls `poll`.
//!
//! Every wait in this crate is an event the kernel reports on a descriptor (a pidfd when a process
//! ends, a pipe or socket when data or a hang-up arrives, an eventfd when another thread wakes us),
//! with an optional deadline; never a tick or a sleep-and-retry.

use std::os::fd::BorrowedFd;
use std::time::{Duration, Instant};

use crate::error::{Context, Result};
use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};

/// Waits until one of `fds` is readable or hung up, or `deadline` passes (a deadline already
/// past still looks once). Returns which are ready, or `None` at the deadline. A signal that
/// interrupts the wait returns with none ready: callers wait again.
pub(crate) fn readable<'fd>(
    fds: impl IntoIterator<Item = BorrowedFd<'fd>>,
    deadline: Option<Instant>,
    waiting_for: &str,
) -> Result<Option<Vec<bool>>> {
    let timeout = match deadline {
        None => PollTimeout::NONE,
        // Round up, so that we never wake just before the deadline and spin.
        Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
            // (A deadline of now looks once: rounding nothing up would wait a millisecond.)
            Some(left) if !left.is_zero() => {
                PollTimeout::try_from(left + Duration::from_micros(999)).unwrap_or(PollTimeout::MAX)
            }
            _ => PollTimeout::ZERO,
        },
    };
    let mut polled: Vec<PollFd> = fds
        .into_iter()
        .map(|fd| PollFd::new(fd, PollFlags::POLLIN))
        .collect();
    match poll(&mut polled, timeout) {
        Ok(0) if deadline.is_some() => return Ok(None),
        Ok(_) | Err(Errno::EINTR) => {}
        Err(e) => return Err(e).with_context(|| format!("waiting for {waiting_for}")),
    }
    Ok(Some(
        polled
            .iter()
            .map(|fd| fd.revents().is_some_and(|r| !r.is_empty()))
            .collect(),
    ))
}
