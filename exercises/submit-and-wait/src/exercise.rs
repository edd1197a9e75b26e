use std::sync::mpsc;
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
    todo!("a thread, and a channel for its one value")
}

impl<T> Future<T> {
    /// The task's value, waiting at most `timeout` for it.
    pub fn result(&self, timeout: Duration) -> Result<T, TimeoutError> {
        todo!("wait on `self.value` at most `timeout`")
    }
}
