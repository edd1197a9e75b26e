"""Notes § Inter-Process Communication (IPC), Using Queue, as Python: the twin of src/main.rs."""
import multiprocessing
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "common" / "python"))
from twinargs import ArgumentParser  # noqa: E402 (the twins' one shared helper)


def worker(q):
    q.put("Hello from worker")


if __name__ == "__main__":
    parser = ArgumentParser(description="Pass a message from a child process to its parent.")
    parser.add_argument("--start-method", choices=["fork", "spawn", "forkserver"], default="fork")
    args = parser.parse_args()
    context = multiprocessing.get_context(args.start_method)
    q = context.Queue()
    p = context.Process(target=worker, args=(q,))
    p.start()
    print(q.get())
    p.join()
