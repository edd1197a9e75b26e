"""Notes § Threads with Arguments, as Python: the twin of src/main.rs (same arguments)."""
import argparse
import threading

parser = argparse.ArgumentParser(description="Greet someone from a thread.")
parser.add_argument("name", nargs="?", default="Alice")
args = parser.parse_args()


def greet(name):
    print(f"Hello, {name}!")


thread = threading.Thread(target=greet, args=(args.name,))
thread.start()
thread.join()  # The notes' snippet does not join; the interpreter waits for the thread anyway.
