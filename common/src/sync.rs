//! What a [`Future`](crate::futures) is made of: std's `Arc` and `Mutex` and crossbeam's channels,
//! or, when the code is built with `--cfg loom` for model checking (`make loom`), loom's models of
//! them, so that loom can try every interleaving of the threads that share a future.
//!
//! The executors themselves (threads, job queues) are not part of the model and are left out of a
//! loom build.

#[cfg(not(loom))]
pub(crate) use crossbeam::channel::{Receiver, RecvTimeoutError, Sender, bounded, unbounded};
#[cfg(not(loom))]
pub(crate) use std::sync::{Arc, Mutex, MutexGuard};

#[cfg(loom)]
pub(crate) use loom::sync::{Arc, Mutex, MutexGuard};
#[cfg(loom)]
pub(crate) use model::{Receiver, RecvTimeoutError, Sender, bounded, unbounded};

/// A channel built on loom's `Mutex` and `Condvar`, with the part of crossbeam's API the futures
/// use. Capacity is not modelled: a future's one-slot channel only ever holds one message.
#[cfg(loom)]
mod model {
    use std::collections::VecDeque;
    use std::time::Duration;

    use loom::sync::{Arc, Condvar, Mutex};

    #[derive(Debug)]
    struct Shared<T> {
        state: Mutex<(VecDeque<T>, usize)>, // Messages, and how many senders are alive.
        ready: Condvar,
    }

    #[derive(Debug)]
    pub(crate) struct Sender<T>(Arc<Shared<T>>);
    #[derive(Debug)]
    pub(crate) struct Receiver<T>(Arc<Shared<T>>);

    #[derive(Debug)]
    pub(crate) enum RecvTimeoutError {
        Timeout,
        Disconnected,
    }

    pub(crate) fn unbounded<T>() -> (Sender<T>, Receiver<T>) {
        let shared = Arc::new(Shared {
            state: Mutex::new((VecDeque::new(), 1)),
            ready: Condvar::new(),
        });
        (Sender(Arc::clone(&shared)), Receiver(shared))
    }

    pub(crate) fn bounded<T>(_capacity: usize) -> (Sender<T>, Receiver<T>) {
        unbounded()
    }

    impl<T> Sender<T> {
        pub(crate) fn send(&self, value: T) -> Result<(), T> {
            self.0.state.lock().unwrap().0.push_back(value);
            self.0.ready.notify_all();
            Ok(())
        }

        pub(crate) fn try_send(&self, value: T) -> Result<(), T> {
            self.send(value)
        }
    }

    impl<T> Clone for Sender<T> {
        fn clone(&self) -> Self {
            self.0.state.lock().unwrap().1 += 1;
            Sender(Arc::clone(&self.0))
        }
    }

    impl<T> Drop for Sender<T> {
        fn drop(&mut self) {
            self.0.state.lock().unwrap().1 -= 1;
            self.0.ready.notify_all();
        }
    }

    impl<T> Receiver<T> {
        pub(crate) fn recv(&self) -> Result<T, RecvTimeoutError> {
            let mut state = self.0.state.lock().unwrap();
            loop {
                if let Some(value) = state.0.pop_front() {
                    return Ok(value);
                }
                if state.1 == 0 {
                    return Err(RecvTimeoutError::Disconnected);
                }
                state = self.0.ready.wait(state).unwrap();
            }
        }

        /// Loom has no clock: a timed wait is modelled as a wait.
        pub(crate) fn recv_timeout(&self, _timeout: Duration) -> Result<T, RecvTimeoutError> {
            self.recv()
        }
    }
}
