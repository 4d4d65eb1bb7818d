"""Question 4 of the bench, in Python: one job split over more and more threads.

`threads N P` answers the seconds to add up 0..N in P parts on a thread each; `pool N P W`, the
seconds for the same P parts on a concurrent.futures thread pool of W threads (made anew each
time, as the Rust side does).
"""

from concurrent.futures import ThreadPoolExecutor

from accumulate import add_up, check, on_threads, parts
from benchlib import seconds, serve


def on_pool(n, count, workers):
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(add_up, start, end) for start, end in parts(n, count)]
        check(sum(f.result() for f in futures), n)


if __name__ == "__main__":
    serve({
        "threads": lambda n, count: seconds(on_threads, n, count),
        "pool": lambda n, count, workers: seconds(on_pool, n, count, workers),
    })
