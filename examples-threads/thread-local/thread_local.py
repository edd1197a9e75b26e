"""Beyond the notes: threading.local, as Python: the twin of src/main.rs (same arguments)."""
import pathlib
import sys
import threading

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "common" / "python"))
from twinargs import ArgumentParser, whole  # noqa: E402 (the twins' one shared helper)

local = threading.local()


def log_line():
    return f"request {local.request_id} handled"


def handle(request_id, results):
    local.request_id = request_id  # This thread's attribute only.
    results[request_id] = log_line()


if __name__ == "__main__":
    parser = ArgumentParser(description="Give each thread its own copy of a variable.")
    parser.add_argument("--threads", type=whole(1, 256), default=3)
    args = parser.parse_args()
    results = {}
    threads = [threading.Thread(target=handle, args=(i, results)) for i in range(1, args.threads + 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in range(1, args.threads + 1):
        print(f"thread {i}: {results[i]}")
    # main never set it: its attribute does not exist (Rust's copy starts at 0).
    print(f"main: request_id is still {getattr(local, 'request_id', 0)}")
