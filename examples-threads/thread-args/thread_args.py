"""Notes § Threads with Arguments, as Python: the twin of src/main.rs (same arguments)."""
import pathlib
import sys
import threading

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "common" / "python"))
from twinargs import ArgumentParser  # noqa: E402 (the twins' one shared helper)

parser = ArgumentParser(description="Greet someone from a thread.")
parser.add_argument("name", nargs="?", default="Alice")
args = parser.parse_args()


def greet(name):
    print(f"Hello, {name}!")


thread = threading.Thread(target=greet, args=(args.name,))
thread.start()
thread.join()  # The notes' snippet does not join; the interpreter waits for the thread anyway.
