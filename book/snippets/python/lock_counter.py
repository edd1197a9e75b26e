"""Synchronization using a lock: threads add to one counter under `with lock:`."""
import threading

counter = 0
lock = threading.Lock()


def increment():
    global counter
    for _ in range(100_000):
        with lock:  # Released at the end of the block, as Rust's guard is at the end of scope.
            counter += 1


threads = [threading.Thread(target=increment) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(f"with lock: {counter}")
