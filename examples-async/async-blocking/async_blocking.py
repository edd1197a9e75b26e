"""Beyond the notes: a blocking call stalls the event loop, as Python: the twin of src/main.rs."""
import asyncio
import pathlib
import sys
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "common" / "python"))
from twinargs import ArgumentParser, milliseconds, whole  # noqa: E402 (the twins' one shared helper)


async def ticker(ticks, tick, start, done=None):
    """Ticks `ticks` times, `tick` apart; returns `start` and the time of each tick."""
    stamps = [start]
    for _ in range(ticks):
        await asyncio.sleep(tick)
        stamps.append(time.monotonic())
    if done is not None:
        done.set()
    return stamps


def report(what, stamps, call, verbose):
    """The line for one scene: "the whole call" when the longest gap is at least the call."""
    during = sum(1 for t in stamps[1:] if call[0] < t < call[1])
    longest = max(b - a for a, b in zip(stamps, stamps[1:]))
    took = call[1] - call[0]
    if verbose:
        print(f"{what}: longest pause {longest * 1000:.1f}ms, the call {took * 1000:.1f}ms", file=sys.stderr)
    pause = "the whole call" if longest >= took else "part of the call"
    return f"{what}: the loop ticked {during} times while it ran; its longest pause: {pause}"


async def main(args):
    block, tick = args.block_ms / 1000, args.tick_ms / 1000

    # Blocking: the loop's thread sleeps, and the ticker cannot run.
    start = time.monotonic()
    ticking = asyncio.create_task(ticker(args.ticks, tick, start))
    await asyncio.sleep(0)  # The ticker starts and waits for its first tick.
    call_start = time.monotonic()
    time.sleep(block)
    call = (call_start, time.monotonic())
    print(report("a blocking sleep in a task", await ticking, call, args.verbose))

    # Moved to a thread: the loop keeps ticking; the call ends after the last tick.
    done = threading.Event()

    def sleeper():
        time.sleep(block)
        done.wait()  # Every tick falls inside the call.
        return time.monotonic()

    call_start = time.monotonic()
    sleeping = asyncio.create_task(asyncio.to_thread(sleeper))
    stamps = await ticker(args.ticks, tick, time.monotonic(), done)
    call = (call_start, await sleeping)
    print(report("the sleep moved to a thread", stamps, call, args.verbose))


parser = ArgumentParser(description="Measure how a blocking call in a task stalls the loop, then move it to a thread.")
parser.add_argument("--block-ms", type=milliseconds(), default=200)
parser.add_argument("--tick-ms", type=milliseconds(1), default=20)
parser.add_argument("--ticks", type=whole(2, 1000), default=5)
parser.add_argument("-v", "--verbose", action="store_true")
args = parser.parse_args()
asyncio.run(main(args))
