"""The GIL: CPU-bound work on two threads is no faster than one; on two processes it is."""
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor


def spin(steps):
    total = 0
    for i in range(steps):
        total += i * i
    return total


if __name__ == "__main__":
    steps = 2_000_000
    start = time.monotonic()
    spin(2 * steps)
    sequential = time.monotonic() - start
    for name, pool in [("threads", ThreadPoolExecutor), ("processes", ProcessPoolExecutor)]:
        with pool(2) as executor:
            start = time.monotonic()
            list(executor.map(spin, [steps, steps]))
            print(f"speedup on 2 {name}: {sequential / (time.monotonic() - start):.2f}×")
