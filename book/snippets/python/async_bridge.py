"""asyncio.to_thread: blocking code on a thread, while the loop goes on."""
import asyncio
import time


def blocking_squares(numbers):
    time.sleep(0.04)  # Blocking: must not run on the loop's thread.
    return [n * n for n in numbers]


async def ticker():
    ticks = 0
    for _ in range(3):
        await asyncio.sleep(0.001)
        ticks += 1
    return ticks


async def main():
    work = asyncio.to_thread(blocking_squares, [5, 6])
    squares, ticks = await asyncio.gather(work, ticker())
    print(f"{squares}, the loop ticked {ticks} times meanwhile")


asyncio.run(main())
