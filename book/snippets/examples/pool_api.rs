//! Pool's extras with rayon: ordered and unordered maps, a two-argument map, and an initializer.
use std::cell::Cell;
use std::sync::mpsc;

use rayon::prelude::*;

thread_local! {
    static OFFSET: Cell<u64> = const { Cell::new(0) };
}

fn main() {
    let numbers: Vec<u64> = (1..=5).collect();
    // imap / map: results in input order.
    let squares: Vec<u64> = numbers.par_iter().map(|x| x * x).collect();
    assert_eq!(squares, [1, 4, 9, 16, 25]);
    // imap_unordered: results as workers finish them, through a channel.
    let (tx, rx) = mpsc::channel();
    numbers
        .par_iter()
        .for_each_with(tx, |tx, x| tx.send(x * x).unwrap());
    let mut unordered: Vec<u64> = rx.iter().collect();
    unordered.sort();
    assert_eq!(unordered, squares);
    // starmap(pow, [(2, 3), (3, 2)]): a map over tuples.
    let powers: Vec<u64> = [(2u64, 3u32), (3, 2)]
        .par_iter()
        .map(|&(b, e)| b.pow(e))
        .collect();
    assert_eq!(powers, [8, 9]);
    // initializer: code each worker thread runs once, here setting its OFFSET.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .start_handler(|_| OFFSET.set(10))
        .build()
        .unwrap();
    let shifted: Vec<u64> = pool.install(|| numbers.par_iter().map(|x| x + OFFSET.get()).collect());
    println!("{squares:?} {powers:?} {shifted:?}");
    assert_eq!(shifted, [11, 12, 13, 14, 15]);
}
