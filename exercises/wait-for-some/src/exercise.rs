use std::time::Duration;

/// Runs every task; after at most `timeout`, the indices done and not done, each sorted.
pub fn wait_for_some(
    tasks: Vec<Box<dyn FnOnce() + Send>>,
    timeout: Duration,
) -> (Vec<usize>, Vec<usize>) {
    todo!("a thread per task, one channel, and a deadline")
}
