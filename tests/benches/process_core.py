"""Python's side of tests/benches/process_core.rs: one measurement per command read from stdin.

The Rust benchmark starts this helper once and asks it for one sample at a time, so that Rust and
Python samples interleave and share the machine's load. Each answer is one number on stdout.
"""
import multiprocessing
import resource
import sys
import time


def nothing():
    pass


def stamp_after(ms, stamp, queue=None):
    time.sleep(ms / 1000)
    if queue is not None:
        queue.put("done")
    stamp.value = time.monotonic_ns()


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def start_join(context):
    started = time.perf_counter()
    p = context.Process(target=nothing)
    p.start()
    p.join()
    return time.perf_counter() - started


def exit_latency(context, with_queue):
    """Seconds from the child's last act to the parent's join() returning."""
    stamp = context.Value("Q", 0, lock=False)
    queue = context.Queue() if with_queue else None
    p = context.Process(target=stamp_after, args=(20, stamp, queue))
    p.start()
    p.join()
    now = time.monotonic_ns()
    if queue is not None:
        queue.get()
    return (now - stamp.value) / 1e9


def join_cpu(context, ms):
    """The share of a core the parent uses while it joins a child that sleeps `ms`."""
    p = context.Process(target=time.sleep, args=(ms / 1000,))
    p.start()
    before, wall = cpu_seconds(), time.perf_counter()
    p.join()
    return (cpu_seconds() - before) / (time.perf_counter() - wall)


def pool_drop(context, workers):
    """Leaving `with Pool(workers)`: Pool.__exit__ calls terminate(), which joins the workers."""
    pool = context.Pool(workers)
    pool.map(nothing_arg, range(workers))  # every worker up and idle
    started = time.perf_counter()
    pool.__exit__(None, None, None)
    return time.perf_counter() - started


def nothing_arg(_):
    pass


def main():
    contexts = {m: multiprocessing.get_context(m) for m in ("fork", "spawn", "forkserver")}
    for line in sys.stdin:
        command, *args = line.split()
        if command == "start_join":
            value = start_join(contexts[args[0]])
        elif command == "exit_latency":
            value = exit_latency(contexts["fork"], args[0] == "queue")
        elif command == "join_cpu":
            value = join_cpu(contexts["fork"], int(args[0]))
        elif command == "pool_drop":
            value = pool_drop(contexts["fork"], int(args[0]))
        else:
            raise SystemExit(f"unknown command {command!r}")
        print(value, flush=True)


if __name__ == "__main__":
    main()
