//! Waiting overlaps: eight threads that each wait 50 ms finish in about 50 ms, not 400.
use std::thread;
use std::time::{Duration, Instant};

fn main() {
    let start = Instant::now();
    thread::scope(|s| {
        for _ in 0..8 {
            // A stand-in for I/O: the thread sleeps in the kernel and needs no CPU meanwhile.
            s.spawn(|| thread::sleep(Duration::from_millis(50)));
        }
    });
    let took = start.elapsed();
    println!("8 waits of 50 ms on 8 threads took {took:.0?}");
    assert!(took >= Duration::from_millis(50));
}
