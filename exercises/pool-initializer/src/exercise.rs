use std::cell::Cell;

use rayon::prelude::*;

thread_local! {
    static OFFSET: Cell<u64> = const { Cell::new(0) };
}

fn shifted(x: u64) -> u64 {
    x + OFFSET.get()
}

/// `numbers`, each plus `offset`, computed on a pool of two threads whose workers were each given
/// the offset once, when they started.
pub fn shifted_on_pool(numbers: &[u64], offset: u64) -> Vec<u64> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("a pool");
    pool.install(|| numbers.par_iter().map(|&x| shifted(x)).collect())
}
