use std::time::Duration;

/// Waits `ms` milliseconds, letting other tasks run meanwhile.
pub async fn pause(ms: u64) {
    std::thread::sleep(Duration::from_millis(ms));
}
