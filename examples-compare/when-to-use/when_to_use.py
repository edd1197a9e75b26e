"""Notes § When to Use What, measured in Python: the twin of src/main.rs, run by `when-to-use --python`.

The same use cases, in one thread, in worker threads and in a pool of worker processes (forked,
Python 3.11's default on Linux), on Python's own work: the same files and the same pages (from
the Rust program's local server, given by --port), and CPU-bound work scaled down (a blur of a
smaller image, fewer Monte Carlo samples) so that pure Python finishes in seconds. Every technique
must compute the same answer. It prints `n<TAB>when.<row>.<Technique><TAB>seconds` lines and `p`
after each step, for the Rust program to read.
"""
import argparse
import math
import multiprocessing
import os
import random
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

TECHNIQUES = ["Sequential", "Threads", "Processes"]


def emit(key, value):
    print(f"n\t{key}\t{value}", flush=True)


def label(row, text):
    print(f"f\twhen.{row}.label\t{text}", flush=True)


def step():
    print("p", flush=True)


def three_ways(technique, workers, f, items):
    if technique == "Sequential":
        return [f(item) for item in items]
    if technique == "Threads":
        with ThreadPoolExecutor(workers) as executor:
            return list(executor.map(f, items))
    with multiprocessing.Pool(workers) as pool:
        return pool.map(f, items)


def checksum(values):
    total = 0
    for v in values:
        total = ((total << 5) | (total >> 59)) & ((1 << 64) - 1) ^ v
    return total


def file_round_trip(item):
    directory, n, size = item
    path = os.path.join(directory, f"file-{n}")
    data = bytes((i ^ n) & 0xFF for i in range(256)) * (size // 256)
    with open(path, "wb") as f:
        f.write(data)
    with open(path, "rb") as f:
        back = f.read()
    os.remove(path)
    return sum(back[::4096])  # A cheap look at what came back; Python's sum of every byte is slow.


def fetch(item):
    port, n = item
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/page/{n}") as response:
        return sum(response.read())


SIGMA, HALO = 3.0, 12
RADIUS = int(math.ceil(3 * SIGMA))
KERNEL = [math.exp(-(i * i) / (2 * SIGMA * SIGMA)) for i in range(-RADIUS, RADIUS + 1)]
KERNEL = [k / sum(KERNEL) for k in KERNEL]


def test_image(side):
    return [[((x * 7 + y * 13) ^ (x * y)) & 0xFF for x in range(side)] for y in range(side)]


def blur_rows(rows):
    """A separable Gaussian blur of a band of rows, edges clamped."""
    height, width = len(rows), len(rows[0])
    horizontal = [[sum(k * row[min(max(x + i - RADIUS, 0), width - 1)] for i, k in enumerate(KERNEL))
                   for x in range(width)] for row in rows]
    return [[int(sum(k * horizontal[min(max(y + i - RADIUS, 0), height - 1)][x] for i, k in enumerate(KERNEL)) + 0.5)
             for x in range(width)] for y in range(height)]


def blur_band(item):
    rows, skip, count = item
    return blur_rows(rows)[skip:skip + count]


def image(technique, workers, picture):
    height = len(picture)
    if technique == "Sequential":
        blurred = blur_rows(picture)
    else:
        band = -(-height // workers)
        items = []
        for y in range(0, height, band):
            count = min(band, height - y)
            top, bottom = max(y - HALO, 0), min(y + count + HALO, height)
            items.append((picture[top:bottom], y - top, count))
        blurred = [row for part in three_ways(technique, workers, blur_band, items) for row in part]
    return checksum(sum(row) for row in blurred)


def darts(item):
    samples, seed = item
    rng = random.Random(seed)
    return sum(1 for _ in range(samples) if rng.random() ** 2 + rng.random() ** 2 <= 1.0)


def busy_work(slices, samples, progress):
    total = 0
    for seed in range(slices):
        total += darts((samples, seed))
        progress[0] += 1
    return total


def longest_pauses(samples):
    """The longest pause of a loop reporting every 10 ms: work inline, then in a worker thread."""
    slices, progress = 100, [0]
    started = time.monotonic()
    inline_hits = busy_work(slices, samples // slices, progress)
    inline = time.monotonic() - started
    progress[0], result = 0, []
    worker = threading.Thread(target=lambda: result.append(busy_work(slices, samples // slices, progress)))
    last, longest = time.monotonic(), 0.0
    worker.start()
    while worker.is_alive():
        worker.join(0.010)  # The frame: the loop wakes to report progress.
        now = time.monotonic()
        longest, last = max(longest, now - last), now
    longest = max(longest, time.monotonic() - last)
    assert result[0] == inline_hits, "inline and threaded work disagree"
    return inline, longest


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cpus", type=int, default=os.cpu_count())
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    quick = args.quick
    files, size = (8, 4096) if quick else (400, 256 << 10)
    pages, io_workers = (8, 4) if quick else (32, 8)
    side = 32 if quick else 256
    samples = 16_000 if quick else 1_600_000
    directory = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"when-to-use-py-{os.getpid()}")
    os.mkdir(directory)
    picture = test_image(side)
    kib = files * size >> 10
    total = f"{kib} KiB" if kib < 1024 else f"{kib >> 10} MiB"
    label(0, f"File I/O ({files} files, {total} in all, written, read back, removed; {io_workers} workers)")
    label(1, f"Web scraping ({pages} pages from the same server; {io_workers} workers)")
    label(2, f"Image processing (Gaussian blur of a {side}×{side} image, in pure Python; {args.cpus} workers)")
    label(3, f"Scientific computation (Monte Carlo π, {samples / 1e6:g} M samples; {args.cpus} workers)")
    label(4, "Responsiveness (GUI apps): longest pause of a loop that reports every 10 ms")
    try:
        for run in range(args.repeat):
            rows = [
                ("0", io_workers, file_round_trip, [(directory, n, size) for n in range(files)]),
                ("1", io_workers, fetch, [(args.port, n) for n in range(pages)]),
                ("2", args.cpus, None, None),
                ("3", args.cpus, darts, [(samples // 16, seed) for seed in range(16)]),
            ]
            for row, workers, f, items in rows:
                answers = []
                for k in range(3):
                    technique = TECHNIQUES[(k + run) % 3]
                    started = time.perf_counter()
                    if row == "2":
                        answers.append(image(technique, workers, picture))
                    else:
                        answers.append(checksum(three_ways(technique, workers, f, items)))
                    emit(f"when.{row}.{technique}", time.perf_counter() - started)
                    step()
                assert len(set(answers)) == 1, f"row {row}: the techniques disagree: {answers}"
            inline, threaded = longest_pauses(samples // 2)
            emit("when.4.Sequential", inline)
            emit("when.4.Threads", threaded)
            step()
    finally:
        os.rmdir(directory)


if __name__ == "__main__":
    main()
