"""Creating a simple thread: start it, then join it."""
import threading
import time


def print_numbers():
    for i in range(5):
        print(i, flush=True)
        time.sleep(0.01)


thread = threading.Thread(target=print_numbers)
thread.start()
thread.join()  # An exception in the thread is printed, not raised here.
