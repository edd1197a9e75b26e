"""Python's side of tests/benches/data_paths.rs: one measurement per command read from stdin.

Each answer is seconds per item (message, increment, task), or seconds per MiB for `queue_mib`.
"""
import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

FORK = multiprocessing.get_context("fork")


def put_ints(q, n):
    for i in range(n):
        q.put(i)


def put_mibs(q, n):
    message = bytes(1 << 20)
    for _ in range(n):
        q.put(message)


def put_bytes(q, n, size):
    message = bytes(size)
    for _ in range(n):
        q.put(message)


def increment(value, n):
    for _ in range(n):
        with value.get_lock():
            value.value += 1


def trivial(n):
    return n + 1


def per_item(seconds, n):
    return seconds / n


def queue_from_child(put, n):
    """Seconds per message: a child runs `put(q, n)`, the parent gets the n messages."""
    q = FORK.Queue()
    started = time.perf_counter()
    p = FORK.Process(target=put, args=(q, n))
    p.start()
    for _ in range(n):
        q.get()
    p.join()
    return per_item(time.perf_counter() - started, n)


def locked_increments(n):
    value = FORK.Value("q", 0)
    started = time.perf_counter()
    ps = [FORK.Process(target=increment, args=(value, n)) for _ in range(2)]
    for p in ps:
        p.start()
    for p in ps:
        p.join()
    assert value.value == 2 * n
    return per_item(time.perf_counter() - started, 2 * n)


def main():
    pool = FORK.Pool(2)
    process_executor = ProcessPoolExecutor(2, mp_context=FORK)
    list(process_executor.map(trivial, range(4)))  # workers up before timing
    thread_executor = ThreadPoolExecutor(2)
    for line in sys.stdin:
        command, n, *rest = line.split()
        n = int(n)
        started = time.perf_counter()
        if command == "queue_bytes":
            size = int(rest[0])
            print(queue_from_child(lambda q, n: put_bytes(q, n, size), n), flush=True)
            continue
        if command in ("queue_ints", "queue_mib"):
            put = put_ints if command == "queue_ints" else put_mibs
            print(queue_from_child(put, n), flush=True)
            continue
        if command == "locked_increments":
            print(locked_increments(n), flush=True)
            continue
        if command == "pool_map":
            pool.map(trivial, range(n))
        elif command == "executor_map":
            list(process_executor.map(trivial, range(n), chunksize=int(rest[0])))
        elif command == "thread_map":
            list(thread_executor.map(trivial, range(n)))
        elif command == "thread_round_trip":
            for _ in range(n):
                thread_executor.submit(trivial, 1).result()
        elif command == "process_round_trip":
            for _ in range(n):
                process_executor.submit(trivial, 1).result()
        else:
            raise SystemExit(f"unknown command {command!r}")
        print(per_item(time.perf_counter() - started, n), flush=True)
    pool.close()
    pool.join()
    process_executor.shutdown()
    thread_executor.shutdown()


if __name__ == "__main__":
    main()
