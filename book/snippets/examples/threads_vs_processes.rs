//! No GIL: CPU-bound work on two threads takes about half the time of one, on two cores.
use std::thread;
use std::time::Instant;

/// Busy work the optimiser cannot skip: a sum of a xorshift sequence.
fn spin(steps: u64) -> u64 {
    let (mut x, mut sum) = (88_172_645_463_325_252u64, 0u64);
    for _ in 0..steps {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        sum = sum.wrapping_add(x);
    }
    sum
}

fn main() {
    let steps = 20_000_000;
    let start = Instant::now();
    let one = spin(2 * steps);
    let sequential = start.elapsed();
    let start = Instant::now();
    let two: Vec<u64> = thread::scope(|s| {
        let workers: Vec<_> = (0..2).map(|_| s.spawn(|| spin(steps))).collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let threaded = start.elapsed();
    std::hint::black_box((one, two));
    let speedup = sequential.as_secs_f64() / threaded.as_secs_f64();
    println!("speedup on 2 threads: {speedup:.2}×"); // About 2 on two free cores.
}
