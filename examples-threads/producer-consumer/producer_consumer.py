"""Beyond the notes: queue.Queue with producers and consumers, as Python: the twin of src/main.rs."""
import pathlib
import queue
import sys
import threading

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "common" / "python"))
from twinargs import ArgumentParser, whole  # noqa: E402 (the twins' one shared helper)


def produce(q, p, items):
    for i in range(items):
        q.put(p * items + i)  # Blocks while the queue holds maxsize items.


def consume(q, out):
    while True:
        n = q.get()
        if n is None:  # The sentinel: no more items.
            q.task_done()
            return
        out.append(n * n)
        q.task_done()


if __name__ == "__main__":
    parser = ArgumentParser(description="Square numbers made by producer threads in consumer threads.")
    parser.add_argument("--producers", type=whole(1, 256), default=2)
    parser.add_argument("--consumers", type=whole(1, 256), default=3)
    parser.add_argument("--items", type=whole(0, 10_000), default=10)
    parser.add_argument("--maxsize", type=whole(1, 1000), default=4)
    args = parser.parse_args()
    q = queue.Queue(maxsize=args.maxsize)
    squares = []
    consumers = [threading.Thread(target=consume, args=(q, squares)) for _ in range(args.consumers)]
    producers = [threading.Thread(target=produce, args=(q, p, args.items)) for p in range(args.producers)]
    for t in consumers + producers:
        t.start()
    for t in producers:
        t.join()
    q.join()  # Every item taken and marked task_done.
    for _ in consumers:
        q.put(None)
    for t in consumers:
        t.join()
    squares.sort()
    print(f"{len(squares)} items from {args.producers} producers, squared by {args.consumers} consumers")
    print(squares)
    print(f"sum: {sum(squares)}")
