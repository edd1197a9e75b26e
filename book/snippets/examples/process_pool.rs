//! A parallel map without processes: rayon's thread pool runs `square` on every core.
use rayon::prelude::*;

fn square(x: u64) -> u64 {
    x * x
}

fn main() {
    let numbers = vec![1, 2, 3, 4, 5];
    // Results come back in input order, as `Pool.map`'s do.
    let results: Vec<u64> = numbers.par_iter().map(|&x| square(x)).collect();
    println!("{results:?}");
    assert_eq!(results, [1, 4, 9, 16, 25]);
}
