//! What Rust code usually writes instead of an executor's API, for the same three jobs: the
//! first result of several (a channel fan-in), all results of a few threads on borrowed data
//! (scoped threads), and a parallel map (rayon). Tested below; `--rust-way` prints them.

use std::sync::mpsc;
use std::thread;

use common::event::Event;
use rayon::prelude::*;

/// `wait(FIRST_COMPLETED)`: every thread sends its index into one channel; the first message is
/// the first done. Only task `fast` may finish before that message is in (the others wait for
/// `go`, set just after), so the answer is certain; the scope then joins them all.
pub fn first_of(tasks: usize, fast: usize) -> usize {
    let (done, finished) = mpsc::channel();
    let go = Event::new();
    thread::scope(|s| {
        for i in 0..tasks {
            let (done, go) = (done.clone(), &go);
            s.spawn(move || {
                if i != fast {
                    go.wait();
                }
                _ = done.send(i); // The receiver outlives the scope: this cannot fail.
            });
        }
        let first = finished.recv().expect("at least one task");
        go.set();
        first
    })
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
        first_of(3, 1)
    );
    println!("rust way, scoped threads: {:?}", all_squares(&[1, 2, 3]));
    println!("rust way, rayon: {:?}", squares_in_parallel(&[1, 2, 3]));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_rust_way_gives_what_the_executor_gives() {
        assert_eq!(first_of(3, 1), 1);
        assert_eq!(first_of(8, 7), 7);
        assert_eq!(all_squares(&[1, 2, 3]), [1, 4, 9]);
        assert_eq!(
            squares_in_parallel(&(1..=1000).collect::<Vec<_>>())[999],
            1_000_000
        );
    }
}
