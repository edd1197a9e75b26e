// A task on tokio's multi-thread runtime holds a std `MutexGuard` across an `.await`.
use std::sync::{Arc, Mutex};

pub async fn add(total: Arc<Mutex<u64>>) {
    let handle = tokio::spawn(async move {
        let mut guard = total.lock().unwrap();
        tokio::task::yield_now().await; // Another task may run here, on another thread.
        *guard += 1;
    });
    handle.await.unwrap();
}
