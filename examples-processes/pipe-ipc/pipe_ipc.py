"""Beyond the notes: multiprocessing.Pipe, as Python: the twin of src/main.rs (same arguments)."""
import multiprocessing
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "common" / "python"))
from twinargs import ArgumentParser, whole  # noqa: E402 (the twins' one shared helper)


def worker(conn):
    while (n := conn.recv()) is not None:
        conn.send(n * n)


if __name__ == "__main__":
    parser = ArgumentParser(description="Square numbers in a worker process, talking through a pipe.")
    parser.add_argument("numbers", nargs="*", type=whole())
    parser.add_argument("--start-method", choices=["fork", "spawn", "forkserver"], default="fork")
    args = parser.parse_args()
    if not args.numbers and "--" not in sys.argv[1:]:
        args.numbers = [1, 2, 3]
    context = multiprocessing.get_context(args.start_method)
    parent_end, child_end = context.Pipe()
    p = context.Process(target=worker, args=(child_end,))
    p.start()
    child_end.close()  # Only the child holds it now: if the child dies, recv() raises EOFError.
    for n in args.numbers:
        parent_end.send(n)
        print(f"sent {n}, got {parent_end.recv()}")
    parent_end.send(None)
    p.join()
