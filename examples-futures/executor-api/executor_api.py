"""Beyond the notes: wait, add_done_callback, exception() and map's timeout: the twin of src/main.rs.

`--rust-way` does the three jobs of the Rust program's `--rust-way` (the first of several results,
all results of a few threads, a parallel map) with their nearest Python: a queue that every thread
puts into, threads joined in turn, and `executor.map`. It prints the same lines.
"""
import pathlib
import queue
import sys
import threading
from concurrent.futures import ALL_COMPLETED, FIRST_COMPLETED, FIRST_EXCEPTION, ThreadPoolExecutor, wait

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "common" / "python"))
from twinargs import ArgumentParser, milliseconds  # noqa: E402 (the twins' one shared helper)


def task(n, gate):
    gate.wait()
    if n < 0:
        raise ValueError(f"negative: {n}")
    return n * n


def show(futures, done_and_not):
    done, not_done = done_and_not
    return f"done {sorted(futures.index(f) for f in done)}, not done {sorted(futures.index(f) for f in not_done)}"


def wait_and_callbacks():
    with ThreadPoolExecutor(3) as executor:
        opened, fail_now, later = threading.Event(), threading.Event(), threading.Event()
        opened.set()
        futures = [executor.submit(task, 3, opened), executor.submit(task, -1, fail_now),
                   executor.submit(task, 5, later)]
        calls = queue.Queue()
        futures[0].add_done_callback(lambda f: calls.put(f"result() {f.result()}"))
        print(f"wait(FIRST_COMPLETED): {show(futures, wait(futures, return_when=FIRST_COMPLETED))}")
        fail_now.set()  # Only now can task 1 fail: the line above is certain.
        print(f"wait(FIRST_EXCEPTION): {show(futures, wait(futures, return_when=FIRST_EXCEPTION))}")
        later.set()
        print(f"wait(ALL_COMPLETED): {show(futures, wait(futures, return_when=ALL_COMPLETED))}")
        print(f"add_done_callback: the callback saw {calls.get()}")


def exception():
    with ThreadPoolExecutor(2) as executor:
        opened = threading.Event()
        opened.set()
        answers = []
        for n in [7, -7]:
            future = executor.submit(task, n, opened)
            error = future.exception()
            answers.append(f"{n} → None, result() {future.result()}" if error is None else f'{n} → "{error}"')
        print(f"exception(): {'; '.join(answers)}")


def map_with_timeout(timeout):
    """map with a timeout, on one worker: the first item runs (held until the timeout has been
    seen) and the two queued behind it are cancelled when the timeout is raised (map cancels every
    future it has not yielded); then the same map without a timeout."""
    gate, started, ran = threading.Event(), threading.Event(), []

    def square(n):
        ran.append(n)
        started.set()
        gate.wait()
        return n * n

    items, timed = [1, 2, 3], []
    with ThreadPoolExecutor(1) as one_worker:
        results = one_worker.map(square, items, timeout=timeout)
        started.wait()  # The first item runs; the other two wait behind it.
        try:
            for result in results:
                timed.append(str(result))
        except TimeoutError:
            timed.append("TimeoutError")
        gate.set()  # Lets the running item end; leaving the block joins the worker.
    ran_then = list(ran)  # A new name: `square` goes on appending to `ran`.
    cancelled = [n for n in items if n not in ran_then]
    with ThreadPoolExecutor(3) as executor:
        squares = list(executor.map(square, items))
    print(f"map(timeout={timeout}): {', '.join(timed)}; ran {ran_then}, cancelled {cancelled}; without a timeout: {squares}")


def first_of(tasks, fast):
    """The first result of several: each thread puts its index in one queue; only `fast` may
    finish before the first is taken (the others wait for `go`), so the answer is certain."""
    done, go = queue.Queue(), threading.Event()

    def run(i):
        if i != fast:
            go.wait()
        done.put(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(tasks)]
    for t in threads:
        t.start()
    first = done.get()
    go.set()
    for t in threads:
        t.join()
    return first


def all_squares(numbers):
    """All results of a few threads: each writes its own slot, and every thread is joined."""
    squares = [None] * len(numbers)

    def run(i):
        squares[i] = numbers[i] * numbers[i]

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(numbers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return squares


def rust_way():
    print(f"rust way, channel fan-in: first done is task {first_of(3, 1)}")
    print(f"rust way, scoped threads: {all_squares([1, 2, 3])}")
    with ThreadPoolExecutor() as executor:  # rayon's par_iter().map() keeps the order, as map does.
        print(f"rust way, rayon: {list(executor.map(lambda n: n * n, [1, 2, 3]))}")


if __name__ == "__main__":
    parser = ArgumentParser(description="Show wait, add_done_callback, exception() and map's timeout.")
    parser.add_argument("--timeout-ms", type=milliseconds(), default=50)
    parser.add_argument("--rust-way", action="store_true",
                        help="also do the same jobs the way the Rust program's --rust-way shows")
    args = parser.parse_args()
    wait_and_callbacks()
    exception()
    map_with_timeout(args.timeout_ms / 1000)
    if args.rust_way:
        rust_way()
