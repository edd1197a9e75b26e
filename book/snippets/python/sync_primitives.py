"""A Barrier and a Condition from threading."""
import threading

barrier = threading.Barrier(3)
leaders = []
threads = [threading.Thread(target=lambda: leaders.append(barrier.wait() == 0)) for _ in range(3)]
for t in threads:
    t.start()
for t in threads:
    t.join()
assert leaders.count(True) == 1  # wait() returns 0 to exactly one of the parties.

ready, flag = threading.Condition(), [False]


def waiter():
    with ready:
        ready.wait_for(lambda: flag[0])


t = threading.Thread(target=waiter)
t.start()
with ready:
    flag[0] = True
    ready.notify_all()
t.join()
print("barrier: one leader of 3; condition: the waiter saw the flag")
