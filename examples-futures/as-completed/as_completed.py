"""Beyond the notes: concurrent.futures.as_completed, as Python: the twin of src/main.rs."""
import argparse
import time
from concurrent.futures import ThreadPoolExecutor, as_completed

parser = argparse.ArgumentParser(description="Print task results in the order the tasks finish.")
parser.add_argument("lengths", nargs="*", type=int, default=[3, 1, 2])
parser.add_argument("--unit-ms", type=int, default=1000)
args = parser.parse_args()


def task(units):
    time.sleep(units * args.unit_ms / 1000)
    return units


with ThreadPoolExecutor(max_workers=max(len(args.lengths), 1)) as executor:
    futures = {executor.submit(task, units): position for position, units in enumerate(args.lengths)}
    in_submission_order = [0] * len(args.lengths)
    for future in as_completed(futures):
        print(future.result())
        in_submission_order[futures[future]] = future.result()
    print(in_submission_order)
