"""The workloads of tests/benches/models.rs in Python, for a side-by-side reading (`make bench`).

Same tasks, same sizes, same worker counts; median wall time of a few runs. Read the ratios:
Python's threads should not beat sequential code on CPU-bound work (the GIL), Rust's do.
"""
import multiprocessing
import statistics
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

TASKS = 8
WORKERS = 2


def count_primes(n):
    """CPU-bound: counts the primes in block n of 20 000 numbers, by trial division."""
    count = 0
    for k in range(1_000_000 + n * 20_000, 1_000_000 + (n + 1) * 20_000):
        d = 2
        while d * d <= k and k % d:
            d += 1
        count += d * d > k
    return count


def wait_for_io(n):
    """I/O-bound stand-in: waits 10 ms, as a network or disk request would."""
    time.sleep(0.010)
    return n


def trivial(n):
    return n + 1


def nothing():
    pass


def median_time(run, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def show(group, name, seconds):
    value = f"{seconds * 1e3:.2f} ms" if seconds >= 1e-3 else f"{seconds * 1e6:.1f} µs"
    print(f"{group:<10} {name:<34} {value:>12}")


def process_start_and_join(context):
    p = context.Process(target=nothing)
    p.start()
    p.join()


def main():
    print(f"{'python':<10} {'benchmark':<34} {'median':>12}")
    show("cpu_bound", "sequential", median_time(lambda: sum(map(count_primes, range(TASKS))), 3))
    with ThreadPoolExecutor(WORKERS) as executor:
        show("cpu_bound", "threads", median_time(lambda: sum(executor.map(count_primes, range(TASKS))), 3))
    with multiprocessing.Pool(WORKERS) as pool:
        show("cpu_bound", "processes", median_time(lambda: sum(pool.map(count_primes, range(TASKS))), 3))

    show("io_bound", "sequential", median_time(lambda: sum(map(wait_for_io, range(TASKS))), 5))
    with ThreadPoolExecutor(TASKS) as executor:
        show("io_bound", "threads", median_time(lambda: sum(executor.map(wait_for_io, range(TASKS))), 5))
    with multiprocessing.Pool(TASKS) as pool:
        show("io_bound", "processes", median_time(lambda: sum(pool.map(wait_for_io, range(TASKS))), 5))

    def thread_start_and_join():
        t = threading.Thread(target=nothing)
        t.start()
        t.join()

    show("overhead", "thread_start_and_join", median_time(thread_start_and_join, 100))
    fork, spawn = multiprocessing.get_context("fork"), multiprocessing.get_context("spawn")
    show("overhead", "fork_and_reap", median_time(lambda: process_start_and_join(fork), 50))
    show("overhead", "spawn_and_reap", median_time(lambda: process_start_and_join(spawn), 10))
    with ThreadPoolExecutor(WORKERS) as executor:
        show("overhead", "thread_pool_round_trip", median_time(lambda: executor.submit(trivial, 1).result(), 200))
    with ProcessPoolExecutor(WORKERS) as executor:
        executor.submit(trivial, 1).result()  # Start the workers outside the timing, as Rust does.
        show("overhead", "process_pool_round_trip", median_time(lambda: executor.submit(trivial, 1).result(), 200))
    with multiprocessing.Pool(WORKERS) as pool:
        show("overhead", "process_pool_map_chunked", median_time(lambda: pool.map(trivial, range(10_000)), 5))
    with ProcessPoolExecutor(WORKERS) as executor:
        show("overhead", "process_executor_map_one_by_one",
             median_time(lambda: list(executor.map(trivial, range(10_000))), 3))


if __name__ == "__main__":
    main()
