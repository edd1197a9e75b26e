"""Per-thread state with threading.local: each thread sees its own attribute."""
import threading

state = threading.local()


def handle():
    return f"request {state.request_id} handled"  # Deep in the call stack, no parameter.


def worker(request_id, out):
    state.request_id = request_id
    out[request_id - 1] = handle()


results = [None] * 3
threads = [threading.Thread(target=worker, args=(i, results)) for i in (1, 2, 3)]
for t in threads:
    t.start()
for i, t in enumerate(threads):
    t.join()
    print(f"thread {i + 1}: {results[i]}")
assert not hasattr(state, "request_id"), "main's copy is untouched"
