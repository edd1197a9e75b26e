"""Waiting overlaps: eight threads that each wait 50 ms finish in about 50 ms, not 400."""
import threading
import time

start = time.monotonic()
threads = [threading.Thread(target=time.sleep, args=(0.05,)) for _ in range(8)]
for t in threads:
    t.start()  # A stand-in for I/O: a sleeping thread needs no CPU, and no GIL.
for t in threads:
    t.join()
took = time.monotonic() - start
print(f"8 waits of 50 ms on 8 threads took {took * 1000:.0f}ms")
assert took >= 0.05
