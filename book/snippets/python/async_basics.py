"""asyncio.run, create_task and gather."""
import asyncio
import time


async def work(units):
    await asyncio.sleep(0.02 * units)  # Yields to the loop.
    return units


async def main():
    tasks = [asyncio.create_task(work(u)) for u in [3, 1, 2]]
    return await asyncio.gather(*tasks)  # In the order they were started.


start = time.monotonic()
results = asyncio.run(main())
print(f"gather, in start order: {results}")
# The sleeps overlapped: 6 units in a row would take 120 ms; at least the longest, 60 ms.
print(f"waited at least 60 ms: {str(time.monotonic() - start >= 0.06).lower()}")
