//! An executor's `map` in std: scoped threads, one per item, joined in input order.
use std::thread;

fn task(n: u64) -> u64 {
    n * n
}

fn main() {
    let numbers = [1, 2, 3, 4];
    // The scope is the `with` block: every thread is joined before it ends.
    let results: Vec<u64> = thread::scope(|s| {
        let handles: Vec<_> = numbers.iter().map(|&n| s.spawn(move || task(n))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    println!("{results:?}");
    assert_eq!(results, [1, 4, 9, 16]);
}
