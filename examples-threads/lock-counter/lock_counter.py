"""Notes § Synchronization Using Lock, as Python: the twin of src/main.rs (same arguments).

The notes' snippet only defines `increment`; this runs it from several threads, with the lock and
without it, as the Rust program does. Without the lock CPython 3.10+ rarely loses an update with
this pattern (its GIL switches threads only at certain points), 3.9 and older often did: a lesson
in why "it worked when I tried it" proves nothing. So, as in the Rust program, every thread's
first read happens before any thread's first write (a Barrier between them): at least
threads - 1 updates are lost, every time.
"""
import pathlib
import sys
import threading

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "common" / "python"))
from twinargs import ArgumentParser, whole  # noqa: E402 (the twins' one shared helper)

parser = ArgumentParser(description="Count with and without a lock.")
parser.add_argument("--threads", type=whole(1, 256), default=8)
parser.add_argument("--increments", type=whole(0, 10_000_000), default=100_000)
args = parser.parse_args()

counter = 0
lock = threading.Lock()


def increment():
    global counter
    with lock:
        local_copy = counter
        local_copy += 1
        counter = local_copy


everyone_has_read = threading.Barrier(args.threads)


def increment_without_lock(first_round):
    global counter
    local_copy = counter
    if first_round:
        everyone_has_read.wait()  # Widen the window, once, so that the race is certain.
    local_copy += 1
    counter = local_copy


def hammer(step):
    def work():
        for round in range(args.increments):
            step(round == 0)

    threads = [threading.Thread(target=work) for _ in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


hammer(lambda _first_round: increment())
print(f"with lock: {counter}")
counter = 0
hammer(increment_without_lock)
print(f"without lock: {counter}")
