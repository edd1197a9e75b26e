"""A daemon thread dies with the program: nothing joins it."""
import queue
import threading


def background_task(ticks, done):
    while True:  # Runs until the interpreter exits.
        ticks.get()
        print("Running background task", flush=True)
        done.put(None)


ticks, done = queue.Queue(), queue.Queue()
threading.Thread(target=background_task, args=(ticks, done), daemon=True).start()
for _ in range(3):
    ticks.put(None)
    done.get()  # Wait for that round, so the output is certain.
print("main returns; the background thread ends with the process")
