use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;

static REQUEST_ID: AtomicU32 = AtomicU32::new(0);

fn handle() -> u32 {
    REQUEST_ID.load(Ordering::SeqCst)
}

fn worker(request_id: u32, everyone_stored: &Barrier) -> u32 {
    REQUEST_ID.store(request_id, Ordering::SeqCst);
    everyone_stored.wait(); // Every thread has stored its id before any reads.
    handle()
}

/// Threads 1..=n each handle the request with their own id; what each one's `handle` saw.
pub fn ids_seen(n: u32) -> Vec<u32> {
    let barrier = Arc::new(Barrier::new(n as usize));
    let threads: Vec<_> = (1..=n)
        .map(|id| {
            let barrier = Arc::clone(&barrier);
            thread::spawn(move || worker(id, &barrier))
        })
        .collect();
    threads.into_iter().map(|t| t.join().unwrap()).collect()
}
