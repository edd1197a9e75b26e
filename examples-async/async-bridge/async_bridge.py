"""Beyond the notes: asyncio.to_thread and run_in_executor, as Python: the twin of src/main.rs."""
import asyncio
import multiprocessing
import pathlib
import sys
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "common" / "python"))
from twinargs import ArgumentParser, whole  # noqa: E402 (the twins' one shared helper)


def square(n):
    return n * n


async def main(args, context):
    # `await asyncio.to_thread(f)`, while another task on the loop sends `f` a signal.
    signal = threading.Event()

    async def other():
        signal.set()

    blocking = asyncio.create_task(asyncio.to_thread(signal.wait, 10))
    asyncio.create_task(other())
    print(f"to_thread: the loop ran another task meanwhile: {await blocking}")

    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(max_workers=args.workers) as pool:
        squares = await asyncio.gather(*(loop.run_in_executor(pool, square, n) for n in args.numbers))
    print(f"run_in_executor, thread pool: {squares}")
    with ProcessPoolExecutor(max_workers=args.workers, mp_context=context) as pool:
        squares = await asyncio.gather(*(loop.run_in_executor(pool, square, n) for n in args.numbers))
    print(f"run_in_executor, process pool: {squares}")


if __name__ == "__main__":
    parser = ArgumentParser(description="Run blocking calls from async code: on a thread, a thread pool and a process pool.")
    parser.add_argument("numbers", nargs="*", type=whole())
    parser.add_argument("--workers", type=whole(1, 256), default=2)
    parser.add_argument("--start-method", choices=["fork", "spawn", "forkserver"], default="fork")
    args = parser.parse_args()
    if not args.numbers and "--" not in sys.argv[1:]:
        args.numbers = [1, 2, 3]
    asyncio.run(main(args, multiprocessing.get_context(args.start_method)))
