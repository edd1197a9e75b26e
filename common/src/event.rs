//! A flag threads can wait for: the counterpart of `threading.Event`.
//!
//! Rust's standard library has the parts (`Mutex<bool>` and `Condvar`) but not the whole; this is
//! Python's four methods on top of them. A waiter blocks in the kernel (a futex) until `set`,
//! never in a loop of checks: `Condvar::wait_while` re-checks the flag only when woken, so a
//! spurious wake-up cannot release it early.
//!
//! ```
//! use std::sync::Arc;
//! use common::event::Event;
//!
//! let ready = Arc::new(Event::new());
//! let waiter = {
//!     let ready = Arc::clone(&ready);
//!     std::thread::spawn(move || ready.wait()) // Blocks until `set`.
//! };
//! ready.set();
//! waiter.join().unwrap();
//! assert!(ready.is_set());
//! ```
//!
//! Shown by: `sync-primitives` (`examples-threads/sync-primitives`).

use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Duration;

/// A flag, initially false, that threads can wait on until another sets it.
#[derive(Debug, Default)]
pub struct Event {
    flag: Mutex<bool>,
    changed: Condvar,
}

impl Event {
    /// A new, unset event (`threading.Event()`).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the flag and wakes every waiter (`event.set()`).
    pub fn set(&self) {
        *self.lock() = true;
        self.changed.notify_all();
    }

    /// Clears the flag (`event.clear()`); later waiters block again.
    pub fn clear(&self) {
        *self.lock() = false;
    }

    /// Whether the flag is set (`event.is_set()`).
    pub fn is_set(&self) -> bool {
        *self.lock()
    }

    /// Blocks until the flag is set (`event.wait()`).
    pub fn wait(&self) {
        let flag = self.lock();
        drop(
            self.changed
                .wait_while(flag, |set| !*set)
                .unwrap_or_else(PoisonError::into_inner),
        );
    }

    /// Blocks until the flag is set or `timeout` passes; returns the flag (`event.wait(timeout)`).
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        let flag = self.lock();
        let (flag, _) = self
            .changed
            .wait_timeout_while(flag, timeout, |set| !*set)
            .unwrap_or_else(PoisonError::into_inner);
        *flag
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, bool> {
        // A bool cannot be left half-written by a panic.
        self.flag.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waiters_are_released_by_set_and_timeouts_report_the_flag() {
        let event = Event::new();
        assert!(!event.wait_timeout(Duration::from_millis(1)));
        std::thread::scope(|s| {
            let waiters: Vec<_> = (0..3).map(|_| s.spawn(|| event.wait())).collect();
            event.set();
            waiters.into_iter().for_each(|w| w.join().unwrap());
        });
        assert!(event.is_set() && event.wait_timeout(Duration::ZERO));
        event.clear();
        assert!(!event.is_set());
    }
}
