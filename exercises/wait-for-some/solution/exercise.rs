use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// Runs every task; after at most `timeout`, the indices done and not done, each sorted.
pub fn wait_for_some(
    tasks: Vec<Box<dyn FnOnce() + Send>>,
    timeout: Duration,
) -> (Vec<usize>, Vec<usize>) {
    let count = tasks.len();
    let (tx, finished) = mpsc::channel();
    for (i, task) in tasks.into_iter().enumerate() {
        let tx = tx.clone();
        thread::spawn(move || {
            task();
            _ = tx.send(i); // Nobody listens after the deadline: fine.
        });
    }
    let deadline = Instant::now() + timeout;
    let mut done = Vec::new();
    while done.len() < count {
        let left = deadline.saturating_duration_since(Instant::now());
        match finished.recv_timeout(left) {
            Ok(i) => done.push(i),
            Err(_) => break, // The deadline passed.
        }
    }
    done.sort();
    let not_done = (0..count).filter(|i| !done.contains(i)).collect();
    (done, not_done)
}
