"""A future's result with a deadline, and an exception carried back by the future."""
import threading
from concurrent.futures import ThreadPoolExecutor, TimeoutError


def check(n):
    if n < 0:
        raise ValueError(f"negative: {n}")
    return n * n


with ThreadPoolExecutor() as executor:
    for n in [7, -7]:
        future = executor.submit(check, n)
        try:
            print(f"{n}: {future.result(timeout=5)}")  # Re-raises the task's exception.
        except ValueError as why:
            print(f"{n}: raised {why}")
    release = threading.Event()
    never = executor.submit(release.wait)  # Does not answer until released.
    try:
        never.result(timeout=0.05)
        print("never: answered")
    except TimeoutError:
        print("never: timed out")
    release.set()  # The executor's `with` joins its threads: let the task end.
