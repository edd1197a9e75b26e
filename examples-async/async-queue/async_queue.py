"""Beyond the notes: asyncio.Queue with producers and consumers, as Python: the twin of src/main.rs."""
import asyncio
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "common" / "python"))
from twinargs import ArgumentParser, whole  # noqa: E402 (the twins' one shared helper)


async def produce(q, p, items):
    for i in range(items):
        await q.put(p * items + i)  # Waits while the queue holds maxsize items.


async def consume(q, out):
    while True:  # Ends when main cancels it.
        n = await q.get()
        out.append(n * n)
        q.task_done()


async def main(args):
    q = asyncio.Queue(maxsize=args.maxsize)
    squares = []
    consumers = [asyncio.create_task(consume(q, squares)) for _ in range(args.consumers)]
    await asyncio.gather(*(produce(q, p, args.items) for p in range(args.producers)))
    await q.join()  # Every item taken and marked task_done.
    for consumer in consumers:
        consumer.cancel()
    await asyncio.gather(*consumers, return_exceptions=True)
    squares.sort()
    print(f"{len(squares)} items from {args.producers} producers, squared by {args.consumers} consumers")
    print(squares)
    print(f"sum: {sum(squares)}")


if __name__ == "__main__":
    parser = ArgumentParser(description="Square numbers made by producer tasks in consumer tasks, on one thread.")
    parser.add_argument("--producers", type=whole(0, 1000), default=2)
    parser.add_argument("--consumers", type=whole(1, 1000), default=3)
    parser.add_argument("--items", type=whole(0, 1_000_000), default=10)
    parser.add_argument("--maxsize", type=whole(1, 1_000_000), default=4)
    args = parser.parse_args()
    asyncio.run(main(args))
