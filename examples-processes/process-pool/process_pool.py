"""Notes § Using a Process Pool, as Python: the twin of src/main.rs (same arguments)."""
import multiprocessing
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "common" / "python"))
from twinargs import ArgumentParser, whole  # noqa: E402 (the twins' one shared helper)


def square(x):
    return x * x


if __name__ == "__main__":
    parser = ArgumentParser(description="Square numbers in a pool of worker processes.")
    parser.add_argument("numbers", nargs="*", type=whole())
    parser.add_argument("--workers", type=whole(1, 256), default=4)
    parser.add_argument("--start-method", choices=["fork", "spawn", "forkserver"], default="fork")
    args = parser.parse_args()
    if not args.numbers and "--" not in sys.argv[1:]:
        args.numbers = [1, 2, 3, 4, 5]  # The defaults; a bare `--` asks for none, map(f, []).
    with multiprocessing.get_context(args.start_method).Pool(args.workers) as pool:
        results = pool.map(square, args.numbers)
        print(results)
