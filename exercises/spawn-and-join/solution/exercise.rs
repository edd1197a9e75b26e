use std::thread::{self, ThreadId};

/// The numbers `0..n`, made on a thread of their own, and that thread's id.
pub fn numbers_from_a_thread(n: u32) -> (Vec<u32>, ThreadId) {
    // The closure's return value is what `join` hands back: no shared state needed.
    let handle = thread::spawn(move || ((0..n).collect(), thread::current().id()));
    handle.join().expect("the thread panicked")
}
