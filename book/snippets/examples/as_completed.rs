//! Results in the order tasks finish: each task sends its result on one channel.
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

fn main() {
    let lengths = [3u64, 1, 2];
    let (tx, rx) = mpsc::channel();
    for (i, &units) in lengths.iter().enumerate() {
        let tx = tx.clone();
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(30 * units));
            tx.send((i, units)).unwrap();
        });
    }
    drop(tx); // The loop below ends when every task has sent.
    let mut by_submission = vec![0; lengths.len()];
    for (i, result) in rx {
        println!("{result}"); // As completed (by the clock: a loaded machine may reorder).
        by_submission[i] = result;
    }
    println!("{by_submission:?}");
}
