use std::thread::{self, ThreadId};

/// The numbers `0..n`, made on a thread of their own, and that thread's id.
pub fn numbers_from_a_thread(n: u32) -> (Vec<u32>, ThreadId) {
    todo!("spawn a thread that returns (the numbers, its id), and join it")
}
