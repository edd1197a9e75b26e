use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// The task did not finish within the time given.
#[derive(Debug, PartialEq, Eq)]
pub struct TimeoutError;

/// A value that a task on another thread will produce.
pub struct Future<T> {
    value: mpsc::Receiver<T>,
}

/// Runs `task` on a thread of its own.
pub fn submit<T: Send + 'static>(task: impl FnOnce() -> T + Send + 'static) -> Future<T> {
    let (tx, value) = mpsc::channel();
    // If nobody waits any more, the send fails: fine, the value is not wanted.
    thread::spawn(move || _ = tx.send(task()));
    Future { value }
}

impl<T> Future<T> {
    /// The task's value, waiting at most `timeout` for it.
    pub fn result(&self, timeout: Duration) -> Result<T, TimeoutError> {
        self.value.recv_timeout(timeout).map_err(|_| TimeoutError)
    }
}
