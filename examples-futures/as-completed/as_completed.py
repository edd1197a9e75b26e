"""Beyond the notes: concurrent.futures.as_completed, as Python: the twin of src/main.rs.

As in the Rust program, each task waits for its turn after its sleep, so the order is certain.
"""
import pathlib
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "common" / "python"))
from twinargs import ArgumentParser, milliseconds, whole  # noqa: E402 (the twins' one shared helper)

parser = ArgumentParser(description="Print task results in the order the tasks finish.")
parser.add_argument("lengths", nargs="*", type=whole(0, 4294967295), default=[3, 1, 2])
parser.add_argument("--unit-ms", type=milliseconds(), default=1000)
args = parser.parse_args()


finished = 0
turns = threading.Condition()


def task(units, rank):
    time.sleep(units * args.unit_ms / 1000)
    with turns:
        turns.wait_for(lambda: finished >= rank)
    return units


def rank_of(position, units):
    # Its turn comes after every shorter task's, and every equal one before it.
    return sum(1 for other, length in enumerate(args.lengths)
               if length < units or (length == units and other < position))


with ThreadPoolExecutor(max_workers=max(len(args.lengths), 1)) as executor:
    futures = {executor.submit(task, units, rank_of(position, units)): position
               for position, units in enumerate(args.lengths)}
    in_submission_order = [0] * len(args.lengths)
    for future in as_completed(futures):
        print(future.result())
        in_submission_order[futures[future]] = future.result()
        with turns:
            finished += 1
            turns.notify_all()  # The next task may finish now.
    print(in_submission_order)
