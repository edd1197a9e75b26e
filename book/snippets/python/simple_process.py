"""A child process squares a number and prints it; the parent waits and checks how it ended."""
import multiprocessing


def square(n):
    print(n * n, flush=True)


if __name__ == "__main__":
    p = multiprocessing.Process(target=square, args=(5,))
    p.start()
    p.join()
    # exitcode: 0, the child's exit status, or minus the signal that killed it.
    assert p.exitcode == 0, f"the child failed: {p.exitcode}"
