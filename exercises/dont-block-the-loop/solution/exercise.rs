use std::time::Duration;

/// Waits `ms` milliseconds, letting other tasks run meanwhile.
pub async fn pause(ms: u64) {
    tokio::time::sleep(Duration::from_millis(ms)).await; // Yields: the loop runs other tasks.
}
