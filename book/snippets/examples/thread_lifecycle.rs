//! A thread's life as std shows it: configured, running, finished, joined.
use std::sync::mpsc;
use std::thread;

fn main() {
    // New: a Builder holds the configuration; no OS thread exists yet.
    let builder = thread::Builder::new().name("worker".into());
    let (go, wait_for_go) = mpsc::channel::<()>();
    // Runnable, then Running: the OS thread starts and runs whenever a CPU is free.
    let handle = builder
        .spawn(move || {
            // Blocked/Waiting: asleep in recv() until main sends.
            wait_for_go.recv().unwrap();
            thread::current().name().unwrap().to_owned()
        })
        .expect("the OS refused a thread");
    assert!(!handle.is_finished());
    go.send(()).unwrap();
    // Terminated: join waits for the end and returns the thread's result.
    let name = handle.join().unwrap();
    println!("{name} finished");
}
