"""Notes § Daemon Threads, as Python: the twin of src/main.rs (same arguments).

The notes' snippet ends at once, taking the daemon thread with it; like the Rust program, this
keeps the main thread alive for `--run-for-ms` so the thread's lines are seen.
"""
import pathlib
import sys
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "common" / "python"))
from twinargs import ArgumentParser, milliseconds  # noqa: E402 (the twins' one shared helper)

parser = ArgumentParser(description="Print from a daemon thread until main returns.")
parser.add_argument("--interval-ms", type=milliseconds(), default=2000)
parser.add_argument("--run-for-ms", type=milliseconds(), default=5000)
args = parser.parse_args()


def background_task():
    while True:
        print("Running background task", flush=True)
        time.sleep(args.interval_ms / 1000)


thread = threading.Thread(target=background_task)
thread.daemon = True
thread.start()
time.sleep(args.run_for_ms / 1000)
