"""Beyond the notes: asyncio timeouts, cancellation and TaskGroup, as Python: the twin of src/main.rs.

Needs Python 3.11 or later (asyncio.timeout, TaskGroup and except* are new in 3.11).
"""
import asyncio
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "common" / "python"))
from twinargs import ArgumentParser, milliseconds  # noqa: E402 (the twins' one shared helper)


async def never(cleaned):
    """Work that never finishes on its own; `cleaned` is marked when it is cancelled."""
    try:
        await asyncio.Event().wait()
    except asyncio.CancelledError:
        cleaned.append(True)
        raise  # Swallowing it would refuse the cancellation.


async def scenes(limit):
    ms = round(limit * 1000)

    cleaned = []
    try:
        await asyncio.wait_for(never(cleaned), timeout=limit)
        gave_up = False
    except TimeoutError:  # asyncio.TimeoutError is the builtin TimeoutError from 3.11.
        gave_up = True
    print(f"a timeout around one await: gave up after {ms} ms: {gave_up}; the work was cancelled: {bool(cleaned)}")

    cleaned = []
    try:
        async with asyncio.timeout(limit):  # One deadline for the whole block.
            await asyncio.sleep(0)
            await never(cleaned)
        gave_up = False
    except TimeoutError:
        gave_up = True
    print(f"a timeout around a block: gave up after {ms} ms: {gave_up}; the work was cancelled: {bool(cleaned)}")

    cleaned, started = [], asyncio.Event()

    async def worker():
        started.set()
        await never(cleaned)

    task = asyncio.create_task(worker())
    await started.wait()
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    print(f"a cancelled task: its cleanup ran: {bool(cleaned)}; awaiting it reported the cancellation: {task.cancelled()}")

    cleaned, started = [], asyncio.Event()

    async def sibling():
        started.set()
        await never(cleaned)

    async def fails():
        await started.wait()  # Fail only once the sibling is waiting.
        raise ValueError("boom")

    try:
        async with asyncio.TaskGroup() as group:  # Cancels the rest on the first error.
            group.create_task(sibling())
            group.create_task(fails())
    except* ValueError as failed:
        errors = failed.exceptions
    print(f"a group where one task fails: {len(errors)} error(s): {', '.join(map(str, errors))}; its sibling was cancelled: {bool(cleaned)}")


parser = ArgumentParser(description="Time out, cancel, and fail in a group, on one thread.")
# At least 1: with 0, wait_for cancels the work before it starts (see the Rust header).
parser.add_argument("--timeout-ms", type=milliseconds(1), default=50)
args = parser.parse_args()
asyncio.run(scenes(args.timeout_ms / 1000))
