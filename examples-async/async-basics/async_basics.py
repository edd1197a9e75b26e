"""Beyond the notes: asyncio basics, as Python: the twin of src/main.rs.

As in the Rust program, each task waits for its turn after its sleep, so the order is certain.
"""
import asyncio
import pathlib
import sys
import threading

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "common" / "python"))
from twinargs import ArgumentParser, milliseconds, whole  # noqa: E402 (the twins' one shared helper)

parser = ArgumentParser(description="Start sleeping tasks together on one thread; print as each finishes, then all results.")
parser.add_argument("lengths", nargs="*", type=whole(0, 4294967295), default=[3, 1, 2])
parser.add_argument("--unit-ms", type=milliseconds(), default=100)
args = parser.parse_args()


async def task(units, rank, turns, finished):
    await asyncio.sleep(units * args.unit_ms / 1000)  # Yields to the loop; time.sleep would not.
    async with turns:
        await turns.wait_for(lambda: finished[0] >= rank)
        print(f"finished: {units} unit(s)")
        finished[0] += 1
        turns.notify_all()
    return units, threading.get_ident()


def rank_of(position, units):
    # Its turn comes after every shorter task's, and every equal one before it.
    return sum(1 for other, length in enumerate(args.lengths)
               if length < units or (length == units and other < position))


async def main():
    turns, finished = asyncio.Condition(), [0]
    tasks = [asyncio.create_task(task(units, rank_of(position, units), turns, finished))
             for position, units in enumerate(args.lengths)]
    results = await asyncio.gather(*tasks)  # Every result, in the order the tasks were started.
    print(f"gather, in start order: {[units for units, _ in results]}")
    print(f"one thread ran every task: {all(ident == threading.get_ident() for _, ident in results)}")


asyncio.run(main())
