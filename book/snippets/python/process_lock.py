"""Processes adding to one shared counter: the read-modify-write must hold the value's lock."""
import multiprocessing


def add(counter):
    for _ in range(1000):
        with counter.get_lock():  # `counter.value += 1` alone is a read, then a write.
            counter.value += 1


if __name__ == "__main__":
    counter = multiprocessing.Value("q", 0)
    children = [multiprocessing.Process(target=add, args=(counter,)) for _ in range(4)]
    for c in children:
        c.start()
    for c in children:
        c.join()
    print(f"with an atomic add: {counter.value}")
