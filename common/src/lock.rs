//! A lock that works across processes: the counterpart of `multiprocessing.Lock` and of the lock
//! behind `Value.get_lock()`.
//!
//! A `std::sync::Mutex` lives in one process's memory; after `fork` each process has its own copy,
//! so it excludes nobody. [`ProcessLock`] pairs it with a POSIX record lock (`fcntl(F_SETLKW)`) on
//! an anonymous memory file that forked children inherit. Record locks belong to the process: the
//! kernel releases one when its holder dies, so a child killed while holding the lock can never
//! leave the parent waiting forever, which a spin lock in shared memory would. The `Mutex` excludes
//! the threads of one process, which record locks do not.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::{Mutex, MutexGuard};

use anyhow::{Context, Result};
use nix::fcntl::{FcntlArg, fcntl};
use nix::libc;
use nix::sys::memfd::{MFdFlags, memfd_create};

/// A lock shared by this process, its threads, and the processes it forks.
#[derive(Debug)]
pub struct ProcessLock {
    file: OwnedFd,
    threads: Mutex<()>,
}

/// Holds a [`ProcessLock`]; dropping it unlocks, like leaving Python's `with lock:` block.
#[derive(Debug)]
pub struct ProcessLockGuard<'a> {
    lock: &'a ProcessLock,
    _threads: MutexGuard<'a, ()>,
}

impl ProcessLock {
    /// Creates an unlocked lock.
    pub fn new() -> Result<Self> {
        let file = memfd_create(c"process-lock", MFdFlags::MFD_CLOEXEC)
            .context("creating the lock's memory file")?;
        Ok(Self {
            file,
            threads: Mutex::new(()),
        })
    }

    /// The memory file the lock is taken on, to hand to another process.
    pub(crate) fn file(&self) -> BorrowedFd<'_> {
        self.file.as_fd()
    }

    /// The lock on a memory file another process created with [`ProcessLock::new`].
    pub(crate) fn from_file(file: OwnedFd) -> Self {
        Self {
            file,
            threads: Mutex::new(()),
        }
    }

    /// Excludes only the other threads of this process, for a caller that knows no other process
    /// can be contending.
    pub(crate) fn lock_threads(&self) -> MutexGuard<'_, ()> {
        self.threads
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Waits until no other thread or process holds the lock, then takes it.
    pub fn lock(&self) -> Result<ProcessLockGuard<'_>> {
        // A thread that panicked while holding the guard left no broken state behind: the data
        // this lock protects lives elsewhere, so a poisoned mutex is still a usable lock.
        let threads = self
            .threads
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        fcntl(&self.file, FcntlArg::F_SETLKW(&record(libc::F_WRLCK)))
            .context("taking the process lock")?;
        Ok(ProcessLockGuard {
            lock: self,
            _threads: threads,
        })
    }
}

impl Drop for ProcessLockGuard<'_> {
    fn drop(&mut self) {
        // Unlocking a lock we hold cannot fail on a valid descriptor; exit releases it regardless.
        _ = fcntl(&self.lock.file, FcntlArg::F_SETLK(&record(libc::F_UNLCK)));
    }
}

/// A record lock of type `kind` covering the whole file.
fn record(kind: libc::c_int) -> libc::flock {
    libc::flock {
        l_type: kind as libc::c_short,
        l_whence: libc::SEEK_SET as libc::c_short,
        l_start: 0,
        l_len: 0, // To the end of the file, however long.
        l_pid: 0,
    }
}
