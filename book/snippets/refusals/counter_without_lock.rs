// Two threads add to one counter with no lock: `counter += 1` from both at once.
use std::thread;

pub fn main() {
    let mut counter = 0;
    thread::scope(|s| {
        s.spawn(|| counter += 1);
        s.spawn(|| counter += 1);
    });
    println!("{counter}");
}
