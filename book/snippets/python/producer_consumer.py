"""Producers and consumers through a bounded queue.Queue, stopped by one None per consumer."""
import queue
import threading

q = queue.Queue(maxsize=4)  # put() blocks while 4 items wait.
squares = []


def produce(p):
    for i in range(10):
        q.put(p * 10 + i)


def consume():
    while (n := q.get()) is not None:
        squares.append(n * n)


producers = [threading.Thread(target=produce, args=(p,)) for p in range(2)]
consumers = [threading.Thread(target=consume) for _ in range(3)]
for t in producers + consumers:
    t.start()
for t in producers:
    t.join()
for _ in consumers:
    q.put(None)  # Python's queue has no "closed": one sentinel per consumer.
for t in consumers:
    t.join()
print(f"{sorted(squares)}\nsum: {sum(squares)}")
