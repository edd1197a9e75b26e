"""Beyond the notes: queue.Queue with producers and consumers, as Python: the twin of src/main.rs."""
import argparse
import queue
import threading


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
    parser = argparse.ArgumentParser(description="Square numbers made by producer threads in consumer threads.")
    parser.add_argument("--producers", type=int, default=2)
    parser.add_argument("--consumers", type=int, default=3)
    parser.add_argument("--items", type=int, default=10)
    parser.add_argument("--maxsize", type=int, default=4)
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
