//! What Rust code usually writes instead of an executor's API, for the same three jobs: the
//! first result of several (a channel fan-in), all results of a few threads on borrowed data
//! (scoped threads), and a parallel map (rayon). Tested below; `--rust-way` prints them.

use std::sync::mpsc;
use std::thread;

use rayon::prelude::*;

/// `wait(FIRST_COMPLETED)`: every thread sends into one channel; the first message wins.
/// The others finish on their own; their sends fail harmlessly once the receiver is gone.
pub fn first_of(delays_ms: &[u64]) -> usize {
    let (tx, rx) = mpsc::channel();
    for (i, &ms) in delays_ms.iter().enumerate() {
        let tx = tx.clone();
        thread::spawn(move || {
            thread::sleep(std::time::Duration::from_millis(ms));
            _ = tx.send(i);
        });
    }
    rx.recv().expect("at least one thread")
}

/// `wait(ALL_COMPLETED)` + results: scoped threads may borrow `numbers`, and the scope joins them.
pub fn all_squares(numbers: &[i64]) -> Vec<i64> {
    thread::scope(|s| {
        let handles: Vec<_> = numbers.iter().map(|n| s.spawn(move || n * n)).collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("no panic"))
            .collect()
    })
}

/// `executor.map`: rayon splits the work over a pool sized to the machine and keeps the order.
pub fn squares_in_parallel(numbers: &[i64]) -> Vec<i64> {
    numbers.par_iter().map(|n| n * n).collect()
}

pub fn show() {
    println!(
        "rust way, channel fan-in: first done is task {}",
        first_of(&[200, 0, 200])
    );
    println!("rust way, scoped threads: {:?}", all_squares(&[1, 2, 3]));
    println!("rust way, rayon: {:?}", squares_in_parallel(&[1, 2, 3]));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_rust_way_gives_what_the_executor_gives() {
        // Task 1 has no delay; the others sleep for ten seconds, far beyond any scheduling noise.
        assert_eq!(first_of(&[10_000, 0, 10_000]), 1);
        assert_eq!(all_squares(&[1, 2, 3]), [1, 4, 9]);
        assert_eq!(
            squares_in_parallel(&(1..=1000).collect::<Vec<_>>())[999],
            1_000_000
        );
    }
}
