use std::sync::mpsc;
use std::thread;

/// The sum of the squares of `0..n`, produced into a queue of 2 and consumed by one thread.
pub fn sum_of_squares(n: u64) -> u64 {
    let (tx, rx) = mpsc::sync_channel::<u64>(2);
    // The consumer runs first: each `send` that finds the queue full waits for it, not for ever.
    let consumer = thread::spawn(move || rx.iter().map(|i| i * i).sum());
    for i in 0..n {
        tx.send(i).unwrap();
    }
    drop(tx); // The consumer's loop ends when the queue is empty and every sender is gone.
    consumer.join().unwrap()
}
