use std::sync::Mutex;
use std::thread;

/// `threads` threads each add 1 to one counter `per_thread` times; the total.
pub fn count(threads: usize, per_thread: usize) -> usize {
    let total = Mutex::new(0);
    thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                for _ in 0..per_thread {
                    *total.lock().unwrap() += 1; // The guard unlocks at the end of the statement.
                }
            });
        }
    });
    total.into_inner().unwrap()
}
