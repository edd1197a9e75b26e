//! A call after a delay, in a thread, that can be cancelled: the counterpart of
//! `threading.Timer`.
//!
//! The thread waits on a channel with a timeout, an event wait: `cancel` wakes it at once and it
//! ends without calling; otherwise the timeout passes and it calls. Like Python's Timer, which is
//! not a daemon thread and so keeps the program alive until it fires, dropping a [`Timer`] waits
//! for it to fire; [`Timer::cancel`] returns at once.
//!
//! ```
//! use std::sync::mpsc;
//! use std::time::Duration;
//! use common::timer::Timer;
//!
//! let (fired, calls) = mpsc::channel();
//! let timer = Timer::start(Duration::from_millis(1), move || fired.send("fired").unwrap());
//! assert_eq!(calls.recv().unwrap(), "fired");
//! timer.join();
//! let never = Timer::start(Duration::from_secs(60), || unreachable!());
//! never.cancel(); // Returns at once; the function never runs.
//! ```
//!
//! Shown by: `sync-primitives` (`examples-threads/sync-primitives`).

use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam::channel::{self, RecvTimeoutError, Sender};

/// A function that will run once `delay` has passed, unless cancelled first.
#[derive(Debug)]
pub struct Timer {
    cancel: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Timer {
    /// Starts the timer (`threading.Timer(delay, f).start()`).
    pub fn start(delay: Duration, f: impl FnOnce() + Send + 'static) -> Timer {
        let (cancel, cancelled) = channel::bounded::<()>(1);
        let thread = std::thread::spawn(move || {
            if let Err(RecvTimeoutError::Timeout) = cancelled.recv_timeout(delay) {
                f();
            }
        });
        Timer {
            cancel: Some(cancel),
            thread: Some(thread),
        }
    }

    /// Stops the timer if it has not fired yet (`timer.cancel()`); `f` then never runs.
    pub fn cancel(mut self) {
        drop(self.cancel.take()); // The waiting thread wakes at once (the channel is closed)...
    } // ...and `drop` joins it: when `cancel` returns, the thread is gone.

    /// Waits until the timer has fired (`timer.join()`).
    pub fn join(self) {}
}

impl Drop for Timer {
    fn drop(&mut self) {
        if let Some(thread) = self.thread.take() {
            _ = thread.join(); // `f`'s panic, if any, was already reported by the thread.
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Instant;

    use super::*;

    #[test]
    fn a_timer_fires_after_its_delay_and_a_cancelled_one_never() {
        let fired = Arc::new(AtomicBool::new(false));
        let started = Instant::now();
        let flag = Arc::clone(&fired);
        Timer::start(Duration::from_millis(20), move || {
            flag.store(true, Ordering::SeqCst)
        })
        .join();
        assert!(fired.load(Ordering::SeqCst) && started.elapsed() >= Duration::from_millis(20));

        let fired = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&fired);
        let timer = Timer::start(Duration::from_secs(3600), move || {
            flag.store(true, Ordering::SeqCst)
        });
        timer.cancel(); // Returns at once: a test that waited an hour would time out.
        assert!(!fired.load(Ordering::SeqCst));
    }
}
