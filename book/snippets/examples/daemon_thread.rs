//! A background thread that stops when told to, then is joined: the clean version of a daemon.
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

fn main() {
    let stop = Arc::new(AtomicBool::new(false));
    let background = thread::spawn({
        let stop = Arc::clone(&stop);
        move || {
            while !stop.load(Ordering::Relaxed) {
                println!("Running background task");
                thread::sleep(Duration::from_millis(20));
            }
        }
    });
    thread::sleep(Duration::from_millis(50));
    stop.store(true, Ordering::Relaxed);
    background.join().unwrap();
    // Without the flag and the join, returning from main would end the thread wherever it
    // stood: every Rust thread is a daemon thread in Python's sense.
}
