"""Notes § Creating a Simple Process, as Python: the twin of src/main.rs (same arguments).

The notes' snippet has no `if __name__ == '__main__':` guard. It works with `fork` (Linux's
default up to Python 3.13) but fails with `spawn` (macOS, Windows) and `forkserver` (Linux from
3.14), whose children import this module afresh and would start a process of their own.
"""
import multiprocessing
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "common" / "python"))
from twinargs import ArgumentParser, whole  # noqa: E402 (the twins' one shared helper)


def square(n):
    print(n * n)


if __name__ == "__main__":
    parser = ArgumentParser(description="Square a number in a child process.")
    parser.add_argument("n", nargs="?", type=whole(), default=5)
    parser.add_argument("--start-method", choices=["fork", "spawn", "forkserver"], default="fork")
    args = parser.parse_args()
    context = multiprocessing.get_context(args.start_method)
    p = context.Process(target=square, args=(args.n,))
    p.start()
    p.join()
