use std::cell::Cell;
use std::sync::{Arc, Barrier};
use std::thread;

thread_local! {
    // One copy per thread, as `threading.local()` gives each thread its own attributes.
    static REQUEST_ID: Cell<u32> = const { Cell::new(0) };
}

fn handle() -> u32 {
    REQUEST_ID.get()
}

fn worker(request_id: u32, everyone_stored: &Barrier) -> u32 {
    REQUEST_ID.set(request_id);
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
