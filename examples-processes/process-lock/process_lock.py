"""Beyond the notes: processes sharing a Value, with and without its lock: the twin of src/main.rs."""
import multiprocessing
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "common" / "python"))
from twinargs import ArgumentParser, whole  # noqa: E402 (the twins' one shared helper)


def add_locked(counter, n):
    for _ in range(n):
        with counter.get_lock():
            counter.value += 1


def add_unlocked(counter, n, barrier):
    first = counter.value
    barrier.wait()  # Everyone has read: only now write.
    counter.value = first + 1
    for _ in range(1, n):
        counter.value += 1  # A read, then a write: not atomic without the lock.


if __name__ == "__main__":
    parser = ArgumentParser(description="Increment a shared value from several processes.")
    parser.add_argument("--processes", type=whole(2, 64), default=4)
    parser.add_argument("--increments", type=whole(1, 1_000_000), default=1000)
    parser.add_argument("--start-method", choices=["fork", "spawn", "forkserver"], default="fork")
    args = parser.parse_args()
    context = multiprocessing.get_context(args.start_method)
    counter = context.Value("q", 0)
    workers = [context.Process(target=add_locked, args=(counter, args.increments)) for _ in range(args.processes)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    print(f"with lock: {counter.value}")
    counter = context.Value("q", 0, lock=False)
    barrier = context.Barrier(args.processes)
    workers = [context.Process(target=add_unlocked, args=(counter, args.increments, barrier))
               for _ in range(args.processes)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    print(f"without lock: {counter.value}")
