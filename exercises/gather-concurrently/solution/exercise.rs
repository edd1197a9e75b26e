use std::time::Duration;

async fn work(ms: u64) -> u64 {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    ms
}

/// Sleeps of `ms` milliseconds, all at once; their lengths in the order given.
pub async fn gather(ms: Vec<u64>) -> Vec<u64> {
    // Spawned tasks start now; awaiting the handles in order keeps the results in order.
    let handles: Vec<_> = ms.into_iter().map(|m| tokio::spawn(work(m))).collect();
    let mut results = Vec::new();
    for handle in handles {
        results.push(handle.await.expect("a task panicked"));
    }
    results
}
