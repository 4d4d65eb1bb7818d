"""The CPU-bound work of questions 2 and 4 (§3's accumulation): add up 0..n one number at a
time, in a plain Python loop — the work the GIL keeps to one thread at a time."""

import threading


def add_up(start, end):
    """start + (start + 1) + … + (end - 1), one addition per number."""
    total = 0
    for number in range(start, end):
        total += number
    return total


def parts(n, count):
    """0..n cut into `count` consecutive (start, end) pieces whose sizes differ by one at most."""
    count = max(count, 1)
    size, extra = divmod(n, count)
    pieces, start = [], 0
    for i in range(count):
        end = start + size + (1 if i < extra else 0)
        pieces.append((start, end))
        start = end
    return pieces


def check(total, n):
    if total != n * (n - 1) // 2:
        raise ValueError("wrong sum %d for 0..%d" % (total, n))


def on_threads(n, count):
    """The sum of 0..n, each part on a thread of its own."""
    results = [0] * max(count, 1)

    def add_part(i, start, end):
        results[i] = add_up(start, end)

    threads = [threading.Thread(target=add_part, args=(i, start, end))
               for i, (start, end) in enumerate(parts(n, count))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(sum(results), n)
