"""Notes § Inter-Process Communication (IPC), Using Queue, as Python: the twin of src/main.rs."""
import argparse
import multiprocessing


def worker(q):
    q.put("Hello from worker")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Pass a message from a child process to its parent.")
    parser.add_argument("--start-method", choices=["fork", "spawn", "forkserver"], default="fork")
    args = parser.parse_args()
    context = multiprocessing.get_context(args.start_method)
    q = context.Queue()
    p = context.Process(target=worker, args=(q,))
    p.start()
    print(q.get())
    p.join()
