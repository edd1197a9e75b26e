"""A thread's life: created, started, waiting, finished, joined."""
import threading

go = threading.Event()
result = []


def work():
    go.wait()  # Blocked/Waiting until main sets the event.
    result.append(threading.current_thread().name)


thread = threading.Thread(target=work, name="worker")  # New: no OS thread yet.
thread.start()  # Runnable: returns once the OS thread has begun.
assert thread.is_alive()
go.set()
thread.join()  # Terminated.
print(f"{result[0]} finished")
