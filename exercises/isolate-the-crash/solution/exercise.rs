use std::thread;

/// Runs `task` on a thread of its own: its value, or the message it panicked with.
pub fn run_isolated<T: Send + 'static>(
    task: impl FnOnce() -> T + Send + 'static,
) -> Result<T, String> {
    thread::spawn(task).join().map_err(|payload| {
        if let Some(text) = payload.downcast_ref::<&str>() {
            (*text).to_owned()
        } else if let Some(text) = payload.downcast_ref::<String>() {
            text.clone()
        } else {
            "a panic with no message".to_owned()
        }
    })
}
