"""Notes § Using concurrent.futures, as Python: the twin of src/main.rs (same arguments).

The notes' snippet creates its ProcessPoolExecutor at module level, without a `__main__` guard:
that fails under `spawn` and `forkserver`, so this one is guarded. `--overlap` keeps the thread
pool running while the process pool starts: with `fork`, Python goes on where the Rust program
refuses. (3.12+ raises a DeprecationWarning then, but the default filters hide it because the fork
happens inside multiprocessing, not in __main__; run with `python3 -W default` to see it.)
"""
import multiprocessing
import pathlib
import sys
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "common" / "python"))
from twinargs import ArgumentParser, whole  # noqa: E402 (the twins' one shared helper)


def task(n):
    return n * n


if __name__ == "__main__":
    parser = ArgumentParser(description="Square numbers with two executors.")
    parser.add_argument("numbers", nargs="*", type=whole())
    parser.add_argument("--workers", type=whole(1, 256), default=3)
    parser.add_argument("--start-method", choices=["fork", "spawn", "forkserver"], default="fork")
    parser.add_argument("--overlap", action="store_true")
    args = parser.parse_args()
    if not args.numbers and "--" not in sys.argv[1:]:
        args.numbers = [1, 2, 3, 4]  # The defaults; a bare `--` asks for none, map(f, []).
    context = multiprocessing.get_context(args.start_method)

    # Thread Pool
    threads = ThreadPoolExecutor(max_workers=args.workers)
    results = threads.map(task, args.numbers)
    print(list(results))
    if not args.overlap:
        threads.shutdown()

    # Process Pool
    with ProcessPoolExecutor(max_workers=args.workers, mp_context=context) as executor:
        results = executor.map(task, args.numbers)
        print(list(results))
    threads.shutdown()
