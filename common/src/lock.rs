//! A lock that works across processes: the counterpart of the lock behind `Value.get_lock()`
//! (an `RLock`) and of `multiprocessing.RLock`. It stands in for `multiprocessing.Lock` too, with
//! one difference: it is re-entrant, where taking a `Lock` twice deadlocks.
//!
//! A `std::sync::Mutex` lives in one process's memory; after `fork` each process has its own copy,
//! so it excludes nobody. [`ProcessLock`] is a POSIX mutex placed in a one-page memory file that
//! every process using it maps (a forked child inherits it, a spawned one is handed the file), set
//! up as Python's semaphores are, to be shared between processes, and with two more properties:
//!
//! - **Robust.** If a process dies holding the lock, the kernel releases it (a *robust futex*),
//!   and the next process to lock it gets it. Python's locks are never released when their holder
//!   is killed: the others wait forever. (What the dead holder was doing may be half done: the
//!   lock cannot undo that.)
//! - **Re-entrant**, like the `RLock` that `Value.get_lock()` returns: a thread that holds it can
//!   take it again (and must release it as many times). `multiprocessing.Lock` is not, and a
//!   thread taking it twice deadlocks.
//!
//! **What it costs.** Taking and releasing it uncontended make no system call: a compare-and-swap
//! each, plus what a robust, re-entrant mutex keeps besides (glibc links a robust mutex into its
//! thread's list, which the kernel walks when the thread dies, and counts re-entries), about 1.3–1.5×
//! a raw process-shared semaphore in `make bench`. A contended lock sleeps in the kernel (`futex`)
//! until it is released.
//!
//! ```
//! use common::lock::ProcessLock;
//!
//! let lock = ProcessLock::new()?;
//! {
//!     let _held = lock.lock()?; // Python's `with lock:`; other processes given it wait here.
//! }
//! # Ok::<(), common::Error>(())
//! ```
//!
//! Shown by: `process-lock` (`examples-processes/process-lock`), through `SharedValue::lock`,
//! whose mutex is this one, kept in the value's own memory file, just before the value.

use std::marker::PhantomData;
use std::num::NonZeroUsize;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::ptr::NonNull;

use crate::error::{Context, Error, Result};
use nix::libc;
use nix::sys::memfd::{MFdFlags, memfd_create};
use nix::sys::mman::{MapFlags, ProtFlags, mmap, munmap};

/// A lock shared by this process, its threads, and the processes it hands it to.
#[derive(Debug)]
pub struct ProcessLock {
    file: OwnedFd,
    mutex: SharedMutex,
}

/// The mutex itself, wherever it lives: in a [`ProcessLock`]'s own memory file, or at the start
/// of a shared array's, beside the values it guards (`shared.rs`), which then share its cache
/// line. Whoever holds one keeps the memory it points into mapped for as long as it lives.
#[derive(Debug)]
pub(crate) struct SharedMutex(NonNull<libc::pthread_mutex_t>);

// SAFETY: the mutex is a process-shared pthread mutex, made to be used from any thread of any
// process that maps it; this value only ever passes its address to pthread functions.
unsafe impl Send for SharedMutex {}
// SAFETY: as above: concurrent `lock` calls are what a mutex is for.
unsafe impl Sync for SharedMutex {}

/// Holds a [`ProcessLock`]; dropping it unlocks, like leaving Python's `with lock:` block.
/// It stays on the thread that took it (a mutex must be released by its owner).
#[derive(Debug)]
pub struct ProcessLockGuard<'a> {
    mutex: &'a SharedMutex,
    _owner_thread: PhantomData<*const ()>,
}

impl ProcessLock {
    /// Creates an unlocked lock.
    pub fn new() -> Result<Self> {
        let file = memfd_create(c"process-lock", MFdFlags::MFD_CLOEXEC)
            .context("creating the lock's memory file")?;
        nix::unistd::ftruncate(&file, size_of::<libc::pthread_mutex_t>() as i64)
            .context("sizing the lock's memory file")?;
        let start = Self::map(&file)?;
        // SAFETY: `start` is the fresh, zero-filled mapping of the new file, a mutex's size,
        // shared with nobody yet; it stays mapped until the lock is dropped.
        match unsafe { SharedMutex::init(start) } {
            Ok(mutex) => Ok(Self { file, mutex }),
            Err(e) => {
                // SAFETY: the mapping just made, which nothing else uses.
                _ = unsafe { munmap(start.cast(), size_of::<libc::pthread_mutex_t>()) };
                Err(e)
            }
        }
    }

    /// The lock in a memory file another process made with [`ProcessLock::new`].
    pub(crate) fn from_file(file: OwnedFd) -> Result<Self> {
        let start = Self::map(&file)?;
        // SAFETY: `start` maps a lock's file, whose mutex its maker set up; it stays mapped until
        // the lock is dropped.
        let mutex = unsafe { SharedMutex::attach(start) };
        Ok(Self { file, mutex })
    }

    /// Maps the lock's file; the mutex is at the start.
    fn map(file: &OwnedFd) -> Result<NonNull<libc::pthread_mutex_t>> {
        let size = NonZeroUsize::new(size_of::<libc::pthread_mutex_t>()).expect("not zero");
        let prot = ProtFlags::PROT_READ | ProtFlags::PROT_WRITE;
        // SAFETY: a fresh shared mapping of the lock's file: it aliases no Rust object, and the
        // memory is only ever handed to pthread functions.
        let start = unsafe { mmap(None, size, prot, MapFlags::MAP_SHARED, file, 0) }
            .context("mapping the lock")?;
        Ok(start.cast())
    }

    /// The memory file the lock lives in, to hand to another process.
    pub(crate) fn file(&self) -> BorrowedFd<'_> {
        self.file.as_fd()
    }

    /// Waits until no other thread or process holds the lock, then takes it. If its holder died
    /// holding it, the lock is taken all the same.
    // Inlined, with its rare paths out of line: a locked increment is a few nanoseconds, and a
    // call across crates would be a measurable part of it.
    #[inline]
    pub fn lock(&self) -> Result<ProcessLockGuard<'_>> {
        self.mutex.lock()
    }
}

impl SharedMutex {
    /// Sets up the mutex at `at` as process-shared, robust and recursive.
    ///
    /// # Safety
    /// `at` is zero-filled shared memory of a mutex's size, shared with nobody yet, aligned for a
    /// mutex, that stays mapped for as long as the result lives.
    pub(crate) unsafe fn init(at: NonNull<libc::pthread_mutex_t>) -> Result<SharedMutex> {
        init_shared_robust_recursive(at.as_ptr())?;
        Ok(SharedMutex(at))
    }

    /// The mutex another process (or this one) set up at `at`.
    ///
    /// # Safety
    /// `at` is shared memory where [`SharedMutex::init`] set up a mutex, and it stays mapped for
    /// as long as the result lives.
    pub(crate) unsafe fn attach(at: NonNull<libc::pthread_mutex_t>) -> SharedMutex {
        SharedMutex(at)
    }

    /// [`ProcessLock::lock`].
    #[inline]
    pub(crate) fn lock(&self) -> Result<ProcessLockGuard<'_>> {
        // SAFETY: `self.0` is a process-shared mutex that `init` set up, mapped for as long as
        // `self` lives (see `init` and `attach`).
        let rc = unsafe { libc::pthread_mutex_lock(self.0.as_ptr()) };
        if rc != 0 {
            self.recover(rc)?;
        }
        Ok(ProcessLockGuard {
            mutex: self,
            _owner_thread: PhantomData,
        })
    }

    /// After `pthread_mutex_lock` returned `rc`, not 0: takes over from a dead holder, or fails.
    #[cold]
    fn recover(&self, rc: i32) -> Result<()> {
        if rc != libc::EOWNERDEAD {
            return Err(Error::os(
                "taking the process lock",
                std::io::Error::from_raw_os_error(rc),
            ));
        }
        // Its holder died. Mark the mutex usable again; what it protected is as it was left.
        // SAFETY: `self.0` is the mapped, initialised mutex, and we hold it (EOWNERDEAD hands it
        // over), as `pthread_mutex_consistent` requires.
        match unsafe { libc::pthread_mutex_consistent(self.0.as_ptr()) } {
            0 => Ok(()),
            rc => Err(Error::os(
                "recovering the lock",
                std::io::Error::from_raw_os_error(rc),
            )),
        }
    }
}

/// Initialises the mutex at `mutex` (zeroed, freshly mapped, not yet shared with anyone) as
/// process-shared, robust and recursive.
fn init_shared_robust_recursive(mutex: *mut libc::pthread_mutex_t) -> Result<()> {
    let mut attr = std::mem::MaybeUninit::<libc::pthread_mutexattr_t>::uninit();
    let attr = attr.as_mut_ptr();
    let check = |rc: libc::c_int, what: &str| -> Result<()> {
        if rc != 0 {
            return Err(Error::os(
                format!("setting up the lock ({what})"),
                std::io::Error::from_raw_os_error(rc),
            ));
        }
        Ok(())
    };
    // SAFETY: `attr` points to storage for an attribute object on this stack frame.
    check(unsafe { libc::pthread_mutexattr_init(attr) }, "init")?;
    // SAFETY: `attr` was initialised just above (each call below relies on that).
    let shared = unsafe { libc::pthread_mutexattr_setpshared(attr, libc::PTHREAD_PROCESS_SHARED) };
    // SAFETY: as above.
    let robust = unsafe { libc::pthread_mutexattr_setrobust(attr, libc::PTHREAD_MUTEX_ROBUST) };
    // SAFETY: as above.
    let recursive = unsafe { libc::pthread_mutexattr_settype(attr, libc::PTHREAD_MUTEX_RECURSIVE) };
    let init = if shared | robust | recursive == 0 {
        // SAFETY: `mutex` is valid, unused memory of a mutex's size; `attr` is initialised.
        unsafe { libc::pthread_mutex_init(mutex, attr) }
    } else {
        shared | robust | recursive
    };
    // SAFETY: `attr` is initialised, and no longer needed once the mutex is.
    unsafe { libc::pthread_mutexattr_destroy(attr) };
    check(init, "attributes")
}

impl Drop for ProcessLockGuard<'_> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: this thread holds the mutex (the guard cannot leave it), which stays mapped
        // while the guard borrows it. Unlocking a held mutex cannot fail.
        unsafe { libc::pthread_mutex_unlock(self.mutex.0.as_ptr()) };
    }
}

impl Drop for ProcessLock {
    fn drop(&mut self) {
        // Not `pthread_mutex_destroy`: other processes may still use the mutex. Only unmap it.
        // SAFETY: exactly the mapping made in `map`; no guard can outlive `self`.
        _ = unsafe { munmap(self.mutex.0.cast(), size_of::<libc::pthread_mutex_t>()) };
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_holder_can_take_it_again_and_others_wait_until_it_is_released_as_often() {
        let lock = ProcessLock::new().unwrap();
        let outer = lock.lock().unwrap();
        let inner = lock.lock().unwrap(); // Re-entrant, like Python's RLock: no deadlock.
        let (taken, was_taken) = mpsc::channel();
        std::thread::scope(|s| {
            s.spawn(|| {
                let _held = lock.lock().unwrap();
                taken.send(()).unwrap();
            });
            drop(inner);
            // Still held once, so the other thread cannot have it (this cannot fail by chance).
            assert!(was_taken.recv_timeout(Duration::from_millis(50)).is_err());
            drop(outer);
            was_taken.recv().unwrap();
        });
    }
}
