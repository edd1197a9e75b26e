use std::sync::Barrier;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;

/// `threads` threads each add 1 to one counter `rounds` times, all in step; the total.
pub fn add_in_step(threads: usize, rounds: u64) -> u64 {
    let counter = AtomicU64::new(0);
    let in_step = Barrier::new(threads);
    thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                for _ in 0..rounds {
                    let seen = counter.load(Ordering::SeqCst);
                    in_step.wait(); // Every thread has read before any writes.
                    counter.store(seen + 1, Ordering::SeqCst);
                    in_step.wait();
                }
            });
        }
    });
    counter.into_inner()
}
