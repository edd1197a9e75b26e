"""Results in the order tasks finish, with concurrent.futures.as_completed."""
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed

lengths = [3, 1, 2]
reported, count = threading.Condition(), [0]


def task(units):
    time.sleep(0.03 * units)
    # Timers alone could finish out of order on a loaded machine: wait for every shorter task.
    with reported:
        reported.wait_for(lambda: count[0] == sum(other < units for other in lengths))
        count[0] += 1
        reported.notify_all()
    return units


with ThreadPoolExecutor(max_workers=3) as executor:
    futures = [executor.submit(task, n) for n in lengths]
    for future in as_completed(futures):
        print(future.result())
print([f.result() for f in futures])
