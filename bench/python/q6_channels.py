"""Question 6 of the bench, in Python: messages per second through the notes' channels (§9.3).

Each command takes how many numbers to pass and answers how many went through per second, once
their sum is checked:

- `queue N`: a producer thread puts 0..N into a queue.Queue, this thread gets them;
- `mp_queue N`: a producer process puts them into a multiprocessing.Queue;
- `pipe N`: a producer process sends them through one end of a multiprocessing.Pipe();
- `manager N`: N proxy calls `d[i] = i` on a Manager's dict, each a round trip to the manager's
  server process (the manager is started on first use and kept, as the Rust side keeps its own).

A producer process is started and waits for a go before the clock starts: what is measured is
the passing of the numbers, not the start of the process — as on the Rust side.
"""

import multiprocessing
import queue
import threading
import time

from benchlib import on_quit, serve

# Fork starts the producers soonest; the start is not measured, and a fork-started queue's
# semaphores leave no name behind in /dev/shm.
context = multiprocessing.get_context("fork")


def check(total, n):
    if total != n * (n - 1) // 2:
        raise ValueError("messages lost: sum %d, expected %d" % (total, n * (n - 1) // 2))


def between_threads(n):
    q = queue.Queue()

    def produce():
        for i in range(n):
            q.put(i)

    started = time.perf_counter()
    producer = threading.Thread(target=produce)
    producer.start()
    total = 0
    for _ in range(n):
        total += q.get()
    elapsed = time.perf_counter() - started
    producer.join()
    check(total, n)
    return n / elapsed


def put_numbers(n, go, q):
    go.wait()
    for i in range(n):
        q.put(i)


def send_numbers(n, go, conn):
    go.wait()
    for i in range(n):
        conn.send(i)


def from_a_process(n, producer, channel, receive):
    go = context.Event()
    p = context.Process(target=producer, args=(n, go, channel))
    p.start()
    try:
        started = time.perf_counter()
        go.set()
        total = 0
        for _ in range(n):
            total += receive()
        elapsed = time.perf_counter() - started
    finally:
        p.join()
    check(total, n)
    return n / elapsed


def through_queue(n):
    q = context.Queue()
    try:
        return from_a_process(n, put_numbers, q, q.get)
    finally:
        q.close()
        q.join_thread()


def through_pipe(n):
    mine, theirs = context.Pipe()
    try:
        return from_a_process(n, send_numbers, theirs, mine.recv)
    finally:
        mine.close()
        theirs.close()


managed = []


def manager_calls(n):
    if not managed:
        manager = context.Manager()
        on_quit(manager.shutdown)
        managed.append(manager.dict())
    d = managed[0]
    started = time.perf_counter()
    for i in range(n):
        d[i] = i
    elapsed = time.perf_counter() - started
    if len(d) < n or d[n - 1] != n - 1:
        raise ValueError("the manager's dict lost items")
    return n / elapsed


if __name__ == "__main__":
    serve({
        "queue": between_threads,
        "mp_queue": through_queue,
        "pipe": through_pipe,
        "manager": manager_calls,
    })
