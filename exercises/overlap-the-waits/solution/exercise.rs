use std::thread;
use std::time::Duration;

/// Waits every one of `waits`; returns when all are over.
pub fn wait_all(waits: &[Duration]) {
    // I/O-bound: a waiting thread needs no CPU, so one thread per wait lets them overlap. (A
    // process each would add a start; tasks need a runtime and gain nothing for eight.)
    thread::scope(|s| {
        for &wait in waits {
            s.spawn(move || thread::sleep(wait)); // A stand-in for a download.
        }
    });
}
