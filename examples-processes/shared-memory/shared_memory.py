"""Notes § Shared Memory with Value and Array, as Python: the twin of src/main.rs.

`--named` uses `multiprocessing.shared_memory.SharedMemory` (a name in /dev/shm) for the same
double and five ints; the child attaches by name, and the parent unlinks the name at the end.
"""
import multiprocessing
import pathlib
import struct
import sys
from multiprocessing import shared_memory

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "common" / "python"))
from twinargs import ArgumentParser  # noqa: E402 (the twins' one shared helper)


def f(n, a):
    n.value = 3.1415
    for i in range(len(a)):
        a[i] = -a[i]


def f_named(name):
    shm = shared_memory.SharedMemory(name=name)
    struct.pack_into("d", shm.buf, 0, 3.1415)
    numbers = shm.buf[8:28].cast("i")
    for i in range(len(numbers)):
        numbers[i] = -numbers[i]
    numbers.release()
    shm.close()


if __name__ == "__main__":
    parser = ArgumentParser(description="A child process writes to memory its parent shares.")
    parser.add_argument("--named", action="store_true")
    parser.add_argument("--start-method", choices=["fork", "spawn", "forkserver"], default="fork")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="say on stderr where named shared memory lives in /dev/shm")
    args = parser.parse_args()
    context = multiprocessing.get_context(args.start_method)
    if args.named:
        shm = shared_memory.SharedMemory(create=True, size=28)
        struct.pack_into("d5i", shm.buf, 0, 0.0, *range(5))
        if args.verbose:
            print(f"named shared memory: /dev/shm/{shm.name}", file=sys.stderr)
        p = context.Process(target=f_named, args=(shm.name,))
        p.start()
        p.join()
        value, *array = struct.unpack_from("d5i", shm.buf, 0)
        print(value, array)
        shm.close()
        shm.unlink()
    else:
        num = context.Value("d", 0.0)
        arr = context.Array("i", range(5))
        p = context.Process(target=f, args=(num, arr))
        p.start()
        p.join()
        print(num.value, arr[:])
