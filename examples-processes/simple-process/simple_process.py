"""Notes § Creating a Simple Process, as Python: the twin of src/main.rs (same arguments).

The notes' snippet has no `if __name__ == '__main__':` guard. It works with `fork` (Linux's
default up to Python 3.13) but fails with `spawn` (macOS, Windows) and `forkserver` (Linux from
3.14), whose children import this module afresh and would start a process of their own.
"""
import argparse
import multiprocessing


def square(n):
    print(n * n)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Square a number in a child process.")
    parser.add_argument("n", nargs="?", type=int, default=5)
    parser.add_argument("--start-method", choices=["fork", "spawn", "forkserver"], default="fork")
    args = parser.parse_args()
    context = multiprocessing.get_context(args.start_method)
    p = context.Process(target=square, args=(args.n,))
    p.start()
    p.join()
