//! Synchronization using a lock: threads add to one counter behind a `Mutex`.
use std::sync::{Arc, Mutex};
use std::thread;

fn main() {
    let counter = Arc::new(Mutex::new(0u64));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let counter = Arc::clone(&counter);
            thread::spawn(move || {
                for _ in 0..100_000 {
                    // The guard unlocks when it goes out of scope, like Python's `with lock:`.
                    let mut value = counter.lock().unwrap();
                    *value += 1;
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let total = *counter.lock().unwrap();
    println!("with lock: {total}");
    assert_eq!(total, 800_000);
}
