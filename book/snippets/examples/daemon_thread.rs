//! Every Rust thread is a daemon thread in Python's sense: when `main` returns, the process
//! ends, and a thread still running stops wherever it stands.
use std::sync::mpsc;
use std::thread;

fn main() {
    let (tick, ticks) = mpsc::channel::<()>();
    let (done, dones) = mpsc::channel::<()>();
    thread::spawn(move || {
        // Runs until the process ends: each message is one round of work.
        while ticks.recv().is_ok() {
            println!("Running background task");
            done.send(()).unwrap();
        }
    });
    for _ in 0..3 {
        tick.send(()).unwrap();
        dones.recv().unwrap(); // Wait for that round, so the output is certain.
    }
    println!("main returns; the background thread ends with the process");
}
