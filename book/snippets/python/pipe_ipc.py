"""Both ways through a Pipe: the parent sends numbers, the child sends back their squares."""
import multiprocessing


def worker(conn):
    while (n := conn.recv()) is not None:  # None: no more work.
        conn.send(n * n)


if __name__ == "__main__":
    parent, child = multiprocessing.Pipe()
    p = multiprocessing.Process(target=worker, args=(child,))
    p.start()
    for n in [1, 2, 3]:
        parent.send(n)
        print(f"sent {n}, got {parent.recv()}")
    parent.send(None)
    p.join()
    assert p.exitcode == 0
