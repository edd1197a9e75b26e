// A global counter, as Python's `global counter`: a `static mut` can only be touched unsafely.
use std::thread;

static mut COUNTER: u64 = 0;

pub fn main() {
    let handle = thread::spawn(|| COUNTER += 1);
    handle.join().unwrap();
}
