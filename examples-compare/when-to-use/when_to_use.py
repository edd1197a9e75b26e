"""Notes § When to Use What, measured in Python: the twin of src/main.rs, run by `when-to-use --python`.

The same use cases, in one thread, in worker threads, in a pool of worker processes (forked, as
Rust's are: the start method is set to "fork" explicitly, since 3.14 made "forkserver" the default
on Linux), on Python's own work: the same files and the same pages (from
the Rust program's local server, given by --port), and CPU-bound work scaled down (a blur of a
smaller image, fewer Monte Carlo samples) so that pure Python finishes in seconds. Every technique
must compute the same answer. The two I/O-bound use cases also run as asyncio tasks (files through
asyncio.to_thread, pages through asyncio.open_connection), and a many-connections row fetches
--connections pages at once from a second server (--connections-port): a thread per request, a pool
of threads, and an asyncio task per request, each timed with the memory it added at its peak. It prints `n<TAB>when.<row>.<Technique><TAB>seconds` lines, the
other observations the Rust side records under the same keys (`f<TAB>key<TAB>text` for facts), and
`p` after each step, for the Rust program to read.
"""
import argparse
import asyncio
import ctypes
import gc
import math
import multiprocessing
import os
import pickle
import platform
import random
import resource
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

TECHNIQUES = ["Sequential", "Threads", "Processes"]
IO_TECHNIQUES = TECHNIQUES + ["Async"]
WAYS = ["ThreadPerRequest", "Pool", "Async"]


def emit(key, value):
    print(f"n\t{key}\t{value}", flush=True)


def fact(key, text):
    print(f"f\t{key}\t{text}", flush=True)


def label(row, text):
    print(f"f\twhen.{row}.label\t{text}", flush=True)


def step():
    print("p", flush=True)


def three_ways(technique, workers, f, items):
    if technique == "Async":
        return asyncio.run(ASYNC_WAYS[f](workers, items))
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


async def async_file_io(workers, items):
    """Each round trip on the loop's executor of `workers` threads (what asyncio.to_thread uses)."""
    asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(workers))
    return await asyncio.gather(*(asyncio.to_thread(file_round_trip, item) for item in items))


async def async_fetch(port, n):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET /page/{n} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
    response = await reader.read()  # Up to the end: the server closes after one page.
    writer.close()
    await writer.wait_closed()
    head, _, body = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 200"), f"page {n}: not 200 OK"
    return sum(body)


async def async_web(at_once, items):
    """A task per page, at most `at_once` at a time (None: all at once)."""
    limit = asyncio.Semaphore(at_once) if at_once else None

    async def one(item):
        if limit is None:
            return await async_fetch(*item)
        async with limit:
            return await async_fetch(*item)

    return await asyncio.gather(*(one(item) for item in items))


def resident():
    """(VmRSS, VmHWM) of this process, in bytes."""
    with open("/proc/self/status") as status:
        fields = dict(line.split(":", 1) for line in status)
    return tuple(int(fields[name].split()[0]) * 1024 for name in ("VmRSS", "VmHWM"))


def many_connections(way, port, count, pool):
    """Seconds, the peak growth of the resident set, and the checksum, for `count` requests at once."""
    gc.collect()
    LIBC.malloc_trim(0)  # Hands free heap pages back, so the last way's leftovers hide nothing.
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")  # Resets the peak (VmHWM) to the current resident set.
    before, _ = resident()
    items = [(port, n) for n in range(count)]
    started = time.perf_counter()
    if way == "ThreadPerRequest":
        # Every thread waits until all are started, so that all the requests are in flight
        # together (starting 10 000 threads takes longer than one request).
        sums, go = [None] * count, threading.Event()

        def one(n):
            go.wait()
            sums[n] = fetch(items[n])

        threads = [threading.Thread(target=one, args=(n,)) for n in range(count)]
        try:
            for t in threads:
                t.start()
        finally:
            go.set()
        for t in threads:
            if t.ident is not None:
                t.join()
        assert None not in sums, "a request failed"
    elif way == "Pool":
        with ThreadPoolExecutor(pool) as executor:
            sums = list(executor.map(fetch, items))
    else:
        sums = asyncio.run(async_web(None, items))
    seconds = time.perf_counter() - started
    return seconds, resident()[1] - before, checksum(sums)


LIBC = ctypes.CDLL(None)  # This process's C library (glibc on Linux), for malloc_trim.


def raise_open_file_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


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


def bands(picture, workers):
    """One band of rows per worker, with the rows its blur needs above and below."""
    height = len(picture)
    band = -(-height // workers)
    items = []
    for y in range(0, height, band):
        count = min(band, height - y)
        top, bottom = max(y - HALO, 0), min(y + count + HALO, height)
        items.append((picture[top:bottom], y - top, count))
    return items


def image(technique, workers, picture):
    if technique == "Sequential":
        blurred = blur_rows(picture)
    else:
        blurred = [row for part in three_ways(technique, workers, blur_band, bands(picture, workers)) for row in part]
    return checksum(sum(row) for row in blurred)


def pickled(items, results):
    """The bytes a pool pickles to send `items` to its workers and `results` back."""
    return len(pickle.dumps(items)) + len(pickle.dumps(results))


def start_costs(workers):
    """Seconds to start and stop `workers` idle threads, and a pool of `workers` processes."""
    started = time.perf_counter()
    threads = [threading.Thread(target=lambda: None) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    threads_time = time.perf_counter() - started
    started = time.perf_counter()
    with multiprocessing.Pool(workers):
        pass
    return threads_time, time.perf_counter() - started


ASYNC_WAYS = {}  # Filled once the functions exist: file_round_trip → async_file_io, fetch → async_web.


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


ASYNC_WAYS.update({file_round_trip: async_file_io, fetch: async_web})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cpus", type=int, default=os.cpu_count())
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--connections-port", type=int, required=True)
    parser.add_argument("--connections", type=int, default=10_000)
    parser.add_argument("--connection-delay-ms", type=int, default=5)
    args = parser.parse_args()
    raise_open_file_limit()
    multiprocessing.set_start_method("fork")
    fact("start_method", multiprocessing.get_start_method())
    fact("python.implementation", platform.python_implementation())
    fact("python.version", platform.python_version())
    # sys._is_gil_enabled() exists from 3.13 on; every build before it has a GIL.
    fact("python.gil", "enabled" if getattr(sys, "_is_gil_enabled", lambda: True)() else "disabled")
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
    fact("conn.label", f"Many connections ({args.connections} requests at once, each answered after {args.connection_delay_ms} ms)")
    emit("conn.count", args.connections)
    emit("conn.delay", args.connection_delay_ms / 1000)
    emit("conn.pool", io_workers)
    file_items = [(directory, n, size) for n in range(files)]
    page_items = [(args.port, n) for n in range(pages)]
    dart_items = [(samples // 16, seed) for seed in range(16)]
    band_items = bands(picture, args.cpus)
    # A blurred band pickles as its shape of small ints does, whatever their values (0 to 255).
    blurred = [[[0] * len(rows[0]) for _ in range(count)] for rows, _, count in band_items]
    for row, nbytes in enumerate([pickled(file_items, [0] * files), pickled(page_items, [0] * pages),
                                  pickled(band_items, blurred), pickled(dart_items, [0] * 16)]):
        emit(f"when.{row}.bytes", nbytes)
    try:
        for run in range(args.repeat):
            rows = [
                ("0", io_workers, file_round_trip, file_items),
                ("1", io_workers, fetch, page_items),
                ("2", args.cpus, None, None),
                ("3", args.cpus, darts, dart_items),
            ]
            for row, workers, f, items in rows:
                answers = []
                techniques = IO_TECHNIQUES if row in ("0", "1") else TECHNIQUES
                for k in range(len(techniques)):
                    technique = techniques[(k + run) % len(techniques)]
                    started = time.perf_counter()
                    if row == "2":
                        answers.append(image(technique, workers, picture))
                    else:
                        answers.append(checksum(three_ways(technique, workers, f, items)))
                    emit(f"when.{row}.{technique}", time.perf_counter() - started)
                    step()
                assert len(set(answers)) == 1, f"row {row}: the techniques disagree: {answers}"
            for workers in [io_workers, args.cpus]:
                threads_time, processes_time = start_costs(workers)
                emit(f"start.threads.{workers}", threads_time)
                emit(f"start.processes.{workers}", processes_time)
            inline, threaded = longest_pauses(samples // 2)
            emit("when.4.Sequential", inline)
            emit("when.4.Threads", threaded)
            step()
            answers = []
            for k in range(len(WAYS)):
                way = WAYS[(k + run) % len(WAYS)]
                seconds, peak, total = many_connections(way, args.connections_port, args.connections, io_workers)
                emit(f"conn.{way}", seconds)
                emit(f"conn.{way}.peak", peak)
                answers.append(total)
                step()
            assert len(set(answers)) == 1, f"many connections: the ways disagree: {answers}"
    finally:
        os.rmdir(directory)


if __name__ == "__main__":
    main()
