use std::thread;
use std::time::Duration;

/// Waits every one of `waits`; returns when all are over.
pub fn wait_all(waits: &[Duration]) {
    for &wait in waits {
        thread::sleep(wait); // A stand-in for a download.
    }
}
