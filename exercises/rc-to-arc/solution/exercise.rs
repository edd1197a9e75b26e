use std::sync::Arc;
use std::thread;

/// `threads` threads each sum the same shared numbers; every thread's sum.
pub fn sums_on_threads(numbers: Vec<u64>, threads: usize) -> Vec<u64> {
    let shared = Arc::new(numbers); // Atomic reference counts: `Send` and `Sync`.
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let shared = Arc::clone(&shared);
            thread::spawn(move || shared.iter().sum::<u64>())
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}
