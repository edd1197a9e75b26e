"""A child sends a message to its parent through a multiprocessing.Queue."""
import multiprocessing


def worker(q):
    q.put("Hello from worker")


if __name__ == "__main__":
    q = multiprocessing.Queue()
    p = multiprocessing.Process(target=worker, args=(q,))
    p.start()
    print(q.get())
    p.join()
