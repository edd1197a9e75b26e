"""Threads with arguments: pass them in `args`, collect the result by hand."""
import threading


def greet(name, out):
    out.append(f"Hello, {name}!")


greetings = []
thread = threading.Thread(target=greet, args=("Alice", greetings))
thread.start()
thread.join()  # join() returns None: a result travels back through shared state.
print(greetings[0])
