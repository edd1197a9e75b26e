"""asyncio.Queue with a bound: producers put, the consumer gets until a None says "no more"."""
import asyncio


async def produce(q, p):
    for i in range(10):
        await q.put(p * 10 + i)  # Waits while 4 items wait.


async def main():
    q = asyncio.Queue(maxsize=4)
    producers = [asyncio.create_task(produce(q, p)) for p in range(2)]

    async def close_when_done():
        await asyncio.gather(*producers)
        await q.put(None)  # No close() before 3.13's shutdown(): a sentinel says "no more".

    closer = asyncio.create_task(close_when_done())
    total = 0
    while (n := await q.get()) is not None:
        total += n * n
    await closer
    print(f"sum: {total}")


asyncio.run(main())
