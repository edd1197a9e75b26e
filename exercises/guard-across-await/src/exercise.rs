use std::sync::{Arc, Mutex};

/// `tasks` tasks each add 1 to a shared total; the total.
pub async fn add_in_tasks(tasks: u64) -> u64 {
    let total = Arc::new(Mutex::new(0));
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let total = Arc::clone(&total);
            tokio::spawn(async move {
                let mut guard = total.lock().unwrap();
                tokio::task::yield_now().await; // Stands for an await inside the critical section.
                *guard += 1;
            })
        })
        .collect();
    for handle in handles {
        handle.await.unwrap();
    }
    let sum = *total.lock().unwrap();
    sum
}
