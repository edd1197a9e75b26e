"""Beyond the notes: the rest of multiprocessing.Pool, as Python: the twin of src/main.rs."""
import multiprocessing
import os
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "common" / "python"))
from twinargs import ArgumentParser, whole  # noqa: E402 (the twins' one shared helper)

OFFSET = 0


def square(x):
    return x * x


def set_offset(offset):
    global OFFSET
    OFFSET = offset


def add_offset(x):
    return x + OFFSET


def worker_pid(_task):
    return os.getpid()


if __name__ == "__main__":
    parser = ArgumentParser(description="Show imap, imap_unordered, starmap, apply_async, initializer and maxtasksperchild.")
    parser.add_argument("numbers", nargs="*", type=whole())
    parser.add_argument("--workers", type=whole(1, 256), default=2)
    parser.add_argument("--start-method", choices=["fork", "spawn", "forkserver"], default="fork")
    args = parser.parse_args()
    if not args.numbers and "--" not in sys.argv[1:]:
        args.numbers = [1, 2, 3, 4, 5]
    context = multiprocessing.get_context(args.start_method)
    with context.Pool(args.workers) as pool:
        print("imap:", end="")
        for result in pool.imap(square, args.numbers, 1):
            print(f" {result}", end="", flush=True)
        print()
        print(f"imap_unordered, sorted: {sorted(pool.imap_unordered(square, args.numbers, 1))}")
        print(f"starmap(pow): {pool.starmap(pow, [(2, 3), (3, 2)])}")
        pending = pool.apply_async(square, (7,))
        print(f"apply_async(square, 7).get(): {pending.get()}")
    with context.Pool(args.workers, initializer=set_offset, initargs=(10,)) as pool:
        print(f"initializer sets OFFSET = 10: {pool.map(add_offset, args.numbers)}")
    with context.Pool(args.workers, maxtasksperchild=1) as pool:
        pids = pool.map(worker_pid, range(4), chunksize=1)
        print(f"maxtasksperchild=1: 4 tasks ran in {len(set(pids))} different processes")
