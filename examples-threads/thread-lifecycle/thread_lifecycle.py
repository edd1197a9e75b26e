"""Notes § Thread Lifecycle, as Python: the twin of src/main.rs.

Python itself shows only whether a thread has started and whether it is alive; the kernel's view
(/proc) shows the rest, as in the Rust program. The lines name Python's calls, so they differ
from the Rust program's. Each step is sequenced by a queue or that view, never by sleeping and
hoping.
"""
import pathlib
import queue
import sys
import threading

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "common" / "python"))
from twinargs import ArgumentParser  # noqa: E402 (the twins' one shared helper)

ArgumentParser(description="Walk one thread through the five lifecycle states.").parse_args()


def kernel_state(native_id):
    with open(f"/proc/self/task/{native_id}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0]


reports, resume = queue.Queue(), queue.Queue()


def worker():
    reports.put(threading.get_native_id())
    resume.get()  # Blocks until main says go on.


thread = threading.Thread(target=worker, name="worker")
print("New: a threading.Thread exists; no OS thread does yet (is_alive() is False)")
thread.start()
# CPython's start() returns once the new thread has begun (it waits for the thread to say so);
# from then on it runs whenever the scheduler gives it a CPU and it holds the GIL.
print(f"Runnable: started (is_alive() is {thread.is_alive()}); it runs whenever it has a CPU and the GIL")
native_id = reports.get()
print("Running: the thread's body is executing and has reported in")
while kernel_state(native_id) != "S":
    pass
print("Blocked/Waiting: the kernel reports the thread asleep in queue.get()")
resume.put(None)
thread.join()
print(f"Terminated: join() returned; is_alive() is {thread.is_alive()}")
