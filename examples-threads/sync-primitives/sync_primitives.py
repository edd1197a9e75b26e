"""Beyond the notes: Event, Semaphore, Barrier, Condition and Timer, as Python: the twin of src/main.rs."""
import pathlib
import sys
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "common" / "python"))
from twinargs import ArgumentParser, milliseconds, whole  # noqa: E402 (the twins' one shared helper)


def run_all(target, count):
    threads = [threading.Thread(target=target) for _ in range(count)]
    for t in threads:
        t.start()
    return threads


def event(n):
    go, released, lock = threading.Event(), [0], threading.Lock()

    def waiter():
        go.wait()
        with lock:
            released[0] += 1

    threads = run_all(waiter, n)
    go.set()
    for t in threads:
        t.join()
    return released[0]


def semaphore(n):
    permits, together, lock = threading.Semaphore(n), threading.Barrier(n), threading.Lock()
    state = {"inside": 0, "most": 0}

    def worker():
        with permits:
            with lock:
                state["inside"] += 1
                state["most"] = max(state["most"], state["inside"])
            together.wait()  # Only n can be here, and the barrier waits for n.
            with lock:
                state["inside"] -= 1

    for t in run_all(worker, 3 * n):
        t.join()
    return state["most"]


def barrier(n):
    arrived, all_here, lock, seen = [0], threading.Barrier(n), threading.Lock(), []

    def thread():
        with lock:
            arrived[0] += 1
        all_here.wait()
        with lock:
            seen.append(arrived[0])

    for t in run_all(thread, n):
        t.join()
    return min(seen)


def condition(count):
    cond, slot, received = threading.Condition(), [None], []

    def producer():
        for n in range(1, count + 1):
            with cond:
                cond.wait_for(lambda: slot[0] is None)
                slot[0] = n
                cond.notify_all()

    def consumer():
        for _ in range(count):
            with cond:
                cond.wait_for(lambda: slot[0] is not None)
                received.append(slot[0])
                slot[0] = None
                cond.notify_all()

    threads = [threading.Thread(target=producer), threading.Thread(target=consumer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return received


def timer(delay):
    started, fired_at = time.monotonic(), []
    t = threading.Timer(delay, lambda: fired_at.append(time.monotonic() - started))
    t.start()
    t.join()
    fired = []
    cancelled = threading.Timer(delay + 3600, lambda: fired.append(True))
    cancelled.start()
    cancelled.cancel()
    cancelled.join()
    return fired_at[0], bool(fired)


if __name__ == "__main__":
    parser = ArgumentParser(description="Show Event, Semaphore, Barrier, Condition and Timer at work.")
    parser.add_argument("--threads", type=whole(1, 64), default=3)
    parser.add_argument("--timer-ms", type=milliseconds(), default=50)
    args = parser.parse_args()
    n = args.threads
    print(f"event: {event(n)} waiters released by one set()")
    print(f"semaphore({n}): {3 * n} workers, at most {semaphore(n)} inside at once")
    print(f"barrier: each of {n} threads saw {barrier(n)} arrivals before going on")
    print(f"condition: {condition(5)} through a one-slot buffer")
    delay = args.timer_ms / 1000
    fired_after, cancelled_fired = timer(delay)
    print(f"timer: fired after {'at least' if fired_after >= delay else 'BEFORE'} {args.timer_ms} ms")
    print(f"timer: cancelled in time, {'fired anyway' if cancelled_fired else 'never fired'}")
