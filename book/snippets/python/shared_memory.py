"""A child process writes to a shared Value and Array its parent made."""
import multiprocessing
from multiprocessing import Array, Value


def f(num, arr):
    num.value = 3.1415
    for i in range(len(arr)):
        arr[i] = -arr[i]


if __name__ == "__main__":
    num = Value("d", 0.0)  # A double in shared memory, with a lock beside it.
    arr = Array("i", range(5))
    p = multiprocessing.Process(target=f, args=(num, arr))
    p.start()
    p.join()
    print(num.value, arr[:])
