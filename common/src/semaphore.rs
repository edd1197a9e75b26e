//! A counter of permits: the counterpart of `threading.Semaphore` (and `BoundedSemaphore`).
//!
//! Rust's standard library has no semaphore. [`Semaphore::acquire`] blocks until a permit is free
//! and returns a [`Permit`] whose drop gives it back: Python's `with semaphore:`, where forgetting
//! `release()`, or releasing twice, cannot happen. (So it is always bounded: there is no
//! `release()` without an `acquire()`.)
//!
//! ```
//! use common::semaphore::Semaphore;
//!
//! let pool = Semaphore::new(2);
//! let first = pool.acquire();
//! let _second = pool.acquire();
//! assert!(pool.try_acquire().is_none(), "both permits are taken");
//! drop(first); // Python's leaving `with semaphore:`.
//! assert!(pool.try_acquire().is_some());
//! ```
//!
//! Shown by: `sync-primitives` (`examples-threads/sync-primitives`).

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

/// At most `permits` holders at a time.
#[derive(Debug)]
pub struct Semaphore {
    free: Mutex<usize>,
    released: Condvar,
}

/// One permit of a [`Semaphore`]; dropping it releases it.
#[derive(Debug)]
#[must_use = "the permit is released as soon as it is dropped"]
pub struct Permit<'a>(&'a Semaphore);

impl Semaphore {
    /// A semaphore with `permits` permits (`threading.Semaphore(permits)`).
    pub fn new(permits: usize) -> Self {
        Semaphore {
            free: Mutex::new(permits),
            released: Condvar::new(),
        }
    }

    /// Blocks until a permit is free and takes it (`semaphore.acquire()`, or entering `with`).
    pub fn acquire(&self) -> Permit<'_> {
        let free = self.lock();
        let mut free = self
            .released
            .wait_while(free, |n| *n == 0)
            .unwrap_or_else(PoisonError::into_inner);
        *free -= 1;
        Permit(self)
    }

    /// Takes a permit if one is free, without waiting (`semaphore.acquire(blocking=False)`).
    pub fn try_acquire(&self) -> Option<Permit<'_>> {
        let mut free = self.lock();
        (*free > 0).then(|| {
            *free -= 1;
            Permit(self)
        })
    }

    fn lock(&self) -> MutexGuard<'_, usize> {
        // A count cannot be left half-written by a panic.
        self.free.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        *self.0.lock() += 1;
        self.0.released.notify_one(); // One permit: one waiter can use it.
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permits_are_counted_and_given_back_on_drop() {
        let semaphore = Semaphore::new(2);
        let (a, b) = (semaphore.acquire(), semaphore.acquire());
        assert!(semaphore.try_acquire().is_none());
        drop(a);
        let c = semaphore.try_acquire().expect("one was given back");
        drop((b, c));
        assert!(semaphore.try_acquire().is_some());
    }
}
