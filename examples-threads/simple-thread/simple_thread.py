"""Notes § Creating a Simple Thread, as Python: the twin of src/main.rs (same arguments)."""
import pathlib
import sys
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "common" / "python"))
from twinargs import ArgumentParser, milliseconds  # noqa: E402 (the twins' one shared helper)

parser = ArgumentParser(description="Print 0 to 4 from a thread.")
parser.add_argument("--delay-ms", type=milliseconds(), default=1000)
args = parser.parse_args()


def print_numbers():
    for i in range(5):
        print(i, flush=True)
        time.sleep(args.delay_ms / 1000)


thread = threading.Thread(target=print_numbers)
thread.start()
thread.join()  # Wait for thread to finish
