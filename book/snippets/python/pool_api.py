"""Pool's extras: ordered and unordered maps, a two-argument map, and an initializer."""
import multiprocessing

OFFSET = 0


def square(x):
    return x * x


def set_offset(value):
    global OFFSET
    OFFSET = value  # Runs once in each worker process.


def shifted(x):
    return x + OFFSET


if __name__ == "__main__":
    numbers = [1, 2, 3, 4, 5]
    with multiprocessing.Pool(2, initializer=set_offset, initargs=(10,)) as pool:
        squares = list(pool.imap(square, numbers))  # In input order.
        assert sorted(pool.imap_unordered(square, numbers)) == squares  # As finished.
        powers = pool.starmap(pow, [(2, 3), (3, 2)])
        print(squares, powers, pool.map(shifted, numbers))
