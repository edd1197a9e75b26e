"""Notes § Threading vs Multiprocessing Comparison, measured in Python: the twin of src/main.rs.

It prints what it measures as lines for src/python.rs to read (`n key value`, `f key text`, `p` after
each step, tab-separated) under the same keys as the Rust side; `threads-vs-processes --python`
runs it and puts its columns beside Rust's. Processes are forked, as Rust's are: the start method
is set to "fork" explicitly (it is the default on Linux only up to 3.13; 3.14 made it "forkserver").
"""
import argparse
import asyncio
import multiprocessing
import multiprocessing.forkserver
import os
import platform
import signal
import sys
import threading
import time


def emit_number(key, value):
    print(f"n\t{key}\t{value}", flush=True)


def emit_fact(key, text):
    print(f"f\t{key}\t{text}", flush=True)


def step():
    print("p", flush=True)


def spin(chunk):
    """CPU-bound work: the xorshift steps of the Rust side, on 64-bit integers."""
    units, seed = chunk
    x, total, mask = seed | 1, 0, (1 << 64) - 1
    for _ in range(units):
        x ^= (x << 13) & mask
        x ^= x >> 7
        x ^= (x << 17) & mask
        total = (total + x) & mask
    return total


def wait(millis):
    """I/O-bound work: one blocking wait."""
    time.sleep(millis / 1000)
    return millis


def chunks(args, workers):
    n = max(workers, 1)
    return [(args.cpu_units // n, i + 1) for i in range(n)]


def work(args, row, workers):
    """The row's work in one thread (workers == 0) or in `workers` threads taking turns."""
    items = chunks(args, workers) if row == "cpu" else [args.io_ms] * args.io_waits
    run = spin if row == "cpu" else wait
    if workers == 0:
        return [run(item) for item in items]
    results, lock = [], threading.Lock()

    def worker():
        while True:
            with lock:
                if not items:
                    return
                item = items.pop()
            value = run(item)
            with lock:
                results.append(value)

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def pooled(args, row, workers):
    with multiprocessing.Pool(workers) as pool:
        if row == "cpu":
            return pool.map(spin, chunks(args, workers))
        return pool.map(wait, [args.io_ms] * args.io_waits)


def timed(f, *a):
    started = time.perf_counter()
    f(*a)
    return time.perf_counter() - started


def write_one(box):
    box[0] = 1


def memory_is_shared_or_not():
    seen = lambda yes: "seen" if yes else "not seen"
    box = [0]
    t = threading.Thread(target=write_one, args=(box,))
    t.start()
    t.join()
    emit_fact("memory.thread_write", seen(box[0] == 1))
    box = [0]
    p = multiprocessing.Process(target=write_one, args=(box,))
    p.start()
    p.join()
    emit_fact("memory.child_write", seen(box[0] == 1))
    value = multiprocessing.Value("q", 0)
    p = multiprocessing.Process(target=set_value, args=(value,))
    p.start()
    p.join()
    emit_fact("memory.shared_write", seen(value.value == 1))


def set_value(value):
    value.value = 1


def kib(path, fields):
    with open(path) as f:
        lines = f.read().splitlines()
    return sum(int(l.split()[1]) for l in lines for field in fields if l.startswith(field))


def idle_process(ready):
    ready.put(1)
    while True:
        signal.pause()


def memory_per_idle_worker(args):
    n = args.idle
    before = kib("/proc/self/status", ["VmRSS:"])
    started, stop = threading.Barrier(n + 1), threading.Barrier(n + 1)

    def idle_thread():
        started.wait()
        stop.wait()

    threads = [threading.Thread(target=idle_thread) for _ in range(n)]
    for t in threads:
        t.start()
    started.wait()
    after = kib("/proc/self/status", ["VmRSS:"])
    stop.wait()
    for t in threads:
        t.join()
    emit_number("memory.thread_kib", (after - before) / n)

    ready = multiprocessing.Queue()
    children = [multiprocessing.Process(target=idle_process, args=(ready,)) for _ in range(n)]
    for c in children:
        c.start()
    for _ in range(n):
        ready.get()
    private = sum(kib(f"/proc/{c.pid}/smaps_rollup", ["Private_Clean:", "Private_Dirty:"]) for c in children)
    emit_number("memory.process_kib", private / n)
    for c in children:
        c.kill()
        c.join()


async def idle_tasks(n):
    """KiB of resident memory one idle asyncio task adds, over `n` tasks that all started and wait."""
    before = kib("/proc/self/status", ["VmRSS:"])
    stop = asyncio.Event()
    tasks = [asyncio.create_task(stop.wait()) for _ in range(n)]
    await asyncio.sleep(0)  # Every task runs up to its first await: the loop runs them in order.
    after = kib("/proc/self/status", ["VmRSS:"])
    stop.set()
    await asyncio.gather(*tasks)
    return (after - before) / n


async def task_starts(n):
    """Microseconds to create a task that does nothing and await it, averaged over `n`."""
    async def nothing_async():
        pass

    started = time.perf_counter()
    for _ in range(n):
        await asyncio.create_task(nothing_async())
    return (time.perf_counter() - started) * 1e6 / n


async def io_tasks(waits, seconds, at_once):
    """`waits` waits, a task each, at most `at_once` waiting together."""
    limit = asyncio.Semaphore(at_once)

    async def one():
        async with limit:
            await asyncio.sleep(seconds)  # Waiting, not blocking: the loop is free.
            return 1

    return sum(await asyncio.gather(*(one() for _ in range(waits))))


def raise_in_thread():
    raise RuntimeError("boom")


def abort_in_thread():
    t = threading.Thread(target=os.abort)
    t.start()
    t.join()
    print("main thread survived")  # Never printed: abort ends every thread.


def segfault():
    os.kill(os.getpid(), signal.SIGSEGV)


def ended(p):
    """How a child ended, as the evidence spells it: `signal SIGSEGV` or `exit 0`."""
    p.join()
    if p.exitcode < 0:
        return f"signal {signal.Signals(-p.exitcode).name}"
    return f"exit {p.exitcode}"


def crashes():
    hook = threading.excepthook
    threading.excepthook = lambda _: None  # Silence the traceback for a moment.
    t = threading.Thread(target=raise_in_thread)
    t.start()
    threading.excepthook = hook
    result = t.join()
    emit_fact("crash.thread_error", "exception")
    emit_fact("crash.thread_panic.main_lives", "yes")  # We are still here to say it.
    emit_fact("crash.thread_panic.join", repr(result))
    for key, target in [("crash.thread_abort.ended", abort_in_thread), ("crash.child_segv.ended", segfault)]:
        p = multiprocessing.Process(target=target)
        p.start()
        emit_fact(key, ended(p))
    emit_fact("crash.child_segv.parent_lives", "yes")


def nothing():
    pass


def overhead(args):
    started = time.perf_counter()
    for _ in range(args.thread_starts):
        t = threading.Thread(target=nothing)
        t.start()
        t.join()
    emit_number("overhead.thread", (time.perf_counter() - started) * 1e6 / args.thread_starts)
    step()
    for method in ["fork", "forkserver", "spawn"]:
        context = multiprocessing.get_context(method)
        warm = context.Process(target=nothing)  # The fork server starts on first use.
        warm.start()
        warm.join()
        started = time.perf_counter()
        for _ in range(args.process_starts):
            p = context.Process(target=nothing)
            p.start()
            p.join()
        emit_number(f"overhead.{method}", (time.perf_counter() - started) * 1e6 / args.process_starts)
        step()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for flag in ["repeat", "cpu-workers", "cpu-units", "io-waits", "io-ms", "io-workers", "idle",
                 "thread-starts", "process-starts", "idle-tasks", "task-starts", "sweep"]:
        parser.add_argument(f"--{flag}", type=int, required=True)
    args = parser.parse_args()
    multiprocessing.set_start_method("fork")
    emit_fact("start_method", multiprocessing.get_start_method())
    emit_fact("python.implementation", platform.python_implementation())
    emit_fact("python.version", platform.python_version())
    # sys._is_gil_enabled() exists from 3.13 on; every build before it has a GIL.
    gil = getattr(sys, "_is_gil_enabled", lambda: True)()
    emit_fact("python.gil", "enabled" if gil else "disabled")
    memory_is_shared_or_not()
    step()
    memory_per_idle_worker(args)
    step()
    emit_number("memory.task_kib", asyncio.run(idle_tasks(args.idle_tasks)))
    step()
    crashes()
    step()
    for _ in range(args.repeat):
        for row, workers in [("cpu", args.cpu_workers), ("io", args.io_workers)]:
            emit_number(f"{row}.sequential", timed(work, args, row, 0))
            step()
            emit_number(f"{row}.threads", timed(work, args, row, workers))
            step()
            emit_number(f"{row}.processes", timed(pooled, args, row, workers))
            step()
        started = time.perf_counter()
        asyncio.run(io_tasks(args.io_waits, args.io_ms / 1000, args.io_workers))
        emit_number("io.tasks", time.perf_counter() - started)
        step()
        overhead(args)
        emit_number("overhead.task", asyncio.run(task_starts(args.task_starts)))
        step()
    for workers in range(1, args.sweep + 1):
        for _ in range(args.repeat):
            for row in ["cpu", "io"]:
                emit_number(f"sweep.{row}.threads.{workers}", timed(work, args, row, workers))
                step()
                emit_number(f"sweep.{row}.processes.{workers}", timed(pooled, args, row, workers))
                step()
    # The fork server outlives this script unless stopped, and the CPU it and the children it
    # forked used would count as another program's on the Rust side's busy-machine rule. Stop it
    # and wait for it, so that its time is this run's own. (`_stop` is what CPython's own tests
    # call, private, present since 3.7; where it is missing the server is left to end on its own.)
    stop = getattr(multiprocessing.forkserver._forkserver, "_stop", None)
    if stop is not None:
        stop()


if __name__ == "__main__":
    main()
