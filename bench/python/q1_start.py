"""Question 1 of the bench, in Python: microseconds to start and join one unit of concurrency.

Each command takes how many to start, one after the other, and answers the mean µs per start and
join: a thread, an asyncio task, a multiprocessing Process by each start method, and the two
floors the start methods stand on — a bare os.fork() and a fresh interpreter.
"""

import multiprocessing
import os
import sys
import threading
import time

from benchlib import serve


def nothing():
    """What every started unit runs."""


def micros_each(count, start_and_join):
    started = time.perf_counter()
    for _ in range(count):
        start_and_join()
    return (time.perf_counter() - started) * 1e6 / count


def thread(count):
    def once():
        t = threading.Thread(target=nothing)
        t.start()
        t.join()

    return micros_each(count, once)


def task(count):
    """Tasks of one running event loop (the loop's own start is not counted)."""
    # Imported here, not at the top: a spawn or forkserver child runs this file's top again
    # (Python 3.11's fork server does not keep the main module it preloads), and importing
    # asyncio there would add its own cost to every process those rows start.
    import asyncio

    async def empty():
        pass

    async def all_of_them():
        started = time.perf_counter()
        for _ in range(count):
            await asyncio.create_task(empty())
        return (time.perf_counter() - started) * 1e6 / count

    return asyncio.run(all_of_them())


def process_by(method):
    context = multiprocessing.get_context(method)

    def measure(count):
        def once():
            p = context.Process(target=nothing)
            p.start()
            p.join()
            if p.exitcode != 0:
                raise RuntimeError("a %s child ended with %s" % (method, p.exitcode))

        return micros_each(count, once)

    return measure


def bare_fork(count):
    def once():
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)

    return micros_each(count, once)


def bare_interpreter(count):
    """A new python3 that runs nothing: the floor under the spawn start method."""
    argv = [sys.executable, "-B", "-c", ""]

    def once():
        pid = os.posix_spawn(sys.executable, argv, os.environ)
        _, status = os.waitpid(pid, 0)
        if status != 0:
            raise RuntimeError("python3 -c '' ended with status %d" % status)

    return micros_each(count, once)


if __name__ == "__main__":
    serve({
        "thread": thread,
        "task": task,
        "fork": process_by("fork"),
        "bare_fork": bare_fork,
        "forkserver": process_by("forkserver"),
        "spawn": process_by("spawn"),
        "bare_interpreter": bare_interpreter,
    })
