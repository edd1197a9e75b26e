//! `make bench`: the notes' claims about threads and processes, measured in Rust.
//!
//! The notes' comparison table says threads are slower for CPU-bound work (the GIL), faster for
//! I/O-bound work, and cheaper to start. Rust has no GIL, so the first claim should not hold here:
//! compare `cpu_bound::threads` with `cpu_bound::processes`. `tests/benches/models.py` runs the same
//! workloads in Python for a side-by-side reading; `make bench` runs both.
//!
//! Pools are created once per benchmark, so `cpu_bound` and `io_bound` time the work, and
//! `overhead` times what starting a thread or a process, and one round trip to it, costs.

use std::time::Duration;

use common::futures::{ProcessPoolExecutor, ThreadPoolExecutor};
use common::pool::ProcessPool;
use common::process::{self, StartMethod};
use common::target::Target;
use divan::{Bencher, black_box};

/// How many tasks each workload runs, and how many workers run them (this machine has 2 cores).
const TASKS: u64 = 8;
const WORKERS: usize = 2;

const COUNT_PRIMES: Target<u64, u64> = common::target!(count_primes);
const WAIT_FOR_IO: Target<u64, u64> = common::target!(wait_for_io);
const TRIVIAL: Target<u64, u64> = common::target!(trivial);
const NOTHING: Target<(), ()> = common::target!(nothing);

fn main() {
    process::run_if_child(&[&COUNT_PRIMES, &WAIT_FOR_IO, &TRIVIAL, &NOTHING]);
    divan::main();
}

fn nothing(_: ()) {}

/// CPU-bound: counts the primes in block `n` of 20 000 numbers, by trial division.
fn count_primes(n: u64) -> u64 {
    let block = 1_000_000 + n * 20_000..1_000_000 + (n + 1) * 20_000;
    block
        .filter(|&k| (2..).take_while(|d| d * d <= k).all(|d| k % d != 0))
        .count() as u64
}

/// I/O-bound stand-in: waits 10 ms, as a network or disk request would.
fn wait_for_io(n: u64) -> u64 {
    std::thread::sleep(Duration::from_millis(10));
    n
}

fn trivial(n: u64) -> u64 {
    n + 1
}

mod cpu_bound {
    use super::*;

    #[divan::bench]
    fn sequential() -> u64 {
        (0..TASKS).map(count_primes).sum()
    }

    #[divan::bench]
    fn threads(bencher: Bencher) {
        let executor = ThreadPoolExecutor::new(WORKERS).unwrap();
        bencher.bench_local(|| {
            executor
                .map(count_primes, 0..TASKS)
                .map(Result::unwrap)
                .sum::<u64>()
        });
    }

    #[divan::bench]
    fn processes(bencher: Bencher) {
        let mut pool = ProcessPool::new(WORKERS, StartMethod::Fork).unwrap();
        bencher.bench_local(|| {
            pool.map(&COUNT_PRIMES, 0..TASKS)
                .unwrap()
                .iter()
                .sum::<u64>()
        });
    }
}

mod io_bound {
    use super::*;

    #[divan::bench(sample_count = 20)]
    fn sequential() -> u64 {
        (0..TASKS).map(wait_for_io).sum()
    }

    #[divan::bench(sample_count = 20)]
    fn threads(bencher: Bencher) {
        let executor = ThreadPoolExecutor::new(TASKS as usize).unwrap();
        bencher.bench_local(|| {
            executor
                .map(wait_for_io, 0..TASKS)
                .map(Result::unwrap)
                .sum::<u64>()
        });
    }

    #[divan::bench(sample_count = 20)]
    fn processes(bencher: Bencher) {
        let mut pool = ProcessPool::new(TASKS as usize, StartMethod::Fork).unwrap();
        bencher.bench_local(|| {
            pool.map(&WAIT_FOR_IO, 0..TASKS)
                .unwrap()
                .iter()
                .sum::<u64>()
        });
    }
}

mod overhead {
    use super::*;

    /// `threading.Thread(target=…).start()` then `join()`.
    #[divan::bench]
    fn thread_start_and_join() {
        std::thread::spawn(|| black_box(1)).join().unwrap();
    }

    /// `multiprocessing.Process` with the fork start method, then `join()`.
    #[divan::bench]
    fn fork_and_reap() {
        process::start(StartMethod::Fork, &NOTHING, ())
            .unwrap()
            .join()
            .unwrap();
    }

    /// `multiprocessing.Process` with the spawn start method: a fresh run of this binary.
    #[divan::bench(sample_count = 20)]
    fn spawn_and_reap() {
        process::start(StartMethod::Spawn, &NOTHING, ())
            .unwrap()
            .join()
            .unwrap();
    }

    /// One task to a pool and its result back: a thread pool passes a pointer.
    #[divan::bench]
    fn thread_pool_round_trip(bencher: Bencher) {
        let executor = ThreadPoolExecutor::new(WORKERS).unwrap();
        bencher.bench_local(|| executor.submit(trivial, black_box(1)).result().unwrap());
    }

    /// One task to a process pool and its result back: serialize, two socket hops, deserialize.
    #[divan::bench]
    fn process_pool_round_trip(bencher: Bencher) {
        let executor = ProcessPoolExecutor::new(WORKERS, StartMethod::Fork).unwrap();
        bencher.bench_local(|| executor.submit(&TRIVIAL, black_box(1)).result().unwrap());
    }

    /// 10 000 trivial items through `ProcessPool::map`, which sends them in 8 chunks …
    #[divan::bench(sample_count = 20)]
    fn process_pool_map_chunked(bencher: Bencher) {
        let mut pool = ProcessPool::new(WORKERS, StartMethod::Fork).unwrap();
        bencher.bench_local(|| pool.map(&TRIVIAL, 0..10_000).unwrap());
    }

    /// … and through `ProcessPoolExecutor::map` with chunksize 1, Python's default: one at a time.
    #[divan::bench(sample_count = 20)]
    fn process_executor_map_one_by_one(bencher: Bencher) {
        let executor = ProcessPoolExecutor::new(WORKERS, StartMethod::Fork).unwrap();
        bencher.bench_local(|| {
            executor
                .map(&TRIVIAL, 0..10_000, 1)
                .map(Result::unwrap)
                .count()
        });
    }
}
