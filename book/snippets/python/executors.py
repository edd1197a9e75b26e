"""An executor's map: results in input order, every worker joined when the block ends."""
from concurrent.futures import ThreadPoolExecutor


def task(n):
    return n * n


with ThreadPoolExecutor(max_workers=4) as executor:
    results = list(executor.map(task, [1, 2, 3, 4]))
print(results)
