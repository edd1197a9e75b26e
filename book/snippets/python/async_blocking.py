"""One blocking call stalls the loop; moved to a thread, it does not."""
import asyncio
import time


async def ticker():
    last, longest = time.monotonic(), 0.0
    for _ in range(10):
        await asyncio.sleep(0.005)
        longest, last = max(longest, time.monotonic() - last), time.monotonic()
    return longest


async def longest_pause(block_inline):
    tick = asyncio.create_task(ticker())
    await asyncio.sleep(0)  # Let the ticker start.
    if block_inline:
        time.sleep(0.06)  # The loop's only thread sleeps: no task runs.
    else:
        await asyncio.to_thread(time.sleep, 0.06)
    return await tick


print(f"blocked: the loop paused at least 60 ms: {str(asyncio.run(longest_pause(True)) >= 0.06).lower()}")
print(f"on a thread: the longest pause was {asyncio.run(longest_pause(False)) * 1000:.0f} ms")
