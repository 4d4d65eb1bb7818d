"""Question 2 of the bench, in Python: the accumulation on threads and on processes.

`threads N W` and `processes N W` answer the seconds it takes to add up 0..N split into W parts,
on W threads or on a pool of W processes. The pools are made on first use and kept, as the Rust
side keeps its own, so that a round measures the work and not the pool's start.
"""

from concurrent.futures import ProcessPoolExecutor

from accumulate import add_up, check, on_threads, parts
from benchlib import on_quit, seconds, serve

pools = {}


def pool_of(workers):
    if workers not in pools:
        pool = ProcessPoolExecutor(max_workers=workers)
        pools[workers] = pool
        on_quit(lambda: pool.shutdown(wait=True))
    return pools[workers]


def on_processes(n, workers):
    pool = pool_of(workers)
    futures = [pool.submit(add_up, start, end) for start, end in parts(n, workers)]
    check(sum(f.result() for f in futures), n)


if __name__ == "__main__":
    serve({
        "threads": lambda n, workers: seconds(on_threads, n, workers),
        "processes": lambda n, workers: seconds(on_processes, n, workers),
    })
