"""Question 5 of the bench, in Python: increments per second under threading.Lock and RLock.

`lock THREADS EACH` and `rlock THREADS EACH` start THREADS threads that each add one to a shared
count EACH times, taking the lock around every single addition, as the Rust side does with its
Mutex; they answer the increments per second, once the count is checked.
"""

import threading
import time

from benchlib import serve

count = 0


def increments_per_second(lock, threads, each):
    global count
    count = 0

    def add_ones():
        global count
        for _ in range(each):
            with lock:
                count += 1

    workers = [threading.Thread(target=add_ones) for _ in range(threads)]
    started = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - started
    if count != threads * each:
        raise ValueError("lost increments: %d of %d" % (count, threads * each))
    return threads * each / elapsed


if __name__ == "__main__":
    serve({
        "lock": lambda threads, each: increments_per_second(threading.Lock(), threads, each),
        "rlock": lambda threads, each: increments_per_second(threading.RLock(), threads, each),
    })
