use std::sync::mpsc;
use std::thread;

/// The sum of the squares of `0..n`, produced into a queue of 2 and consumed by one thread.
pub fn sum_of_squares(n: u64) -> u64 {
    let (tx, rx) = mpsc::sync_channel::<u64>(2);
    for i in 0..n {
        tx.send(i).unwrap();
    }
    drop(tx);
    let consumer = thread::spawn(move || rx.iter().map(|i| i * i).sum());
    consumer.join().unwrap()
}
