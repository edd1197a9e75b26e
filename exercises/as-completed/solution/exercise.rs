use std::sync::mpsc;
use std::thread;

/// Runs every task at once; `(index, result)` as each finishes.
pub fn as_completed<T: Send + 'static>(
    tasks: Vec<Box<dyn FnOnce() -> T + Send>>,
) -> impl Iterator<Item = (usize, T)> {
    let (tx, rx) = mpsc::channel();
    for (i, task) in tasks.into_iter().enumerate() {
        let tx = tx.clone();
        thread::spawn(move || _ = tx.send((i, task())));
    }
    rx.into_iter() // Ends when the last thread's sender is dropped (ours is, on return).
}
