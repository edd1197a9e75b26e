"""Notes § Using a Process Pool, as Python: the twin of src/main.rs (same arguments)."""
import argparse
import multiprocessing
import sys


def square(x):
    return x * x


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Square numbers in a pool of worker processes.")
    parser.add_argument("numbers", nargs="*", type=int)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--start-method", choices=["fork", "spawn", "forkserver"], default="fork")
    args = parser.parse_args()
    if not args.numbers and "--" not in sys.argv[1:]:
        args.numbers = [1, 2, 3, 4, 5]  # The defaults; a bare `--` asks for none, map(f, []).
    with multiprocessing.get_context(args.start_method).Pool(args.workers) as pool:
        results = pool.map(square, args.numbers)
        print(results)
