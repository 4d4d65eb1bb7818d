"""Question 3 of the bench, in Python: downloads from the bench's local video site.

`threads PORT COUNT` fetches /video/0 … /video/COUNT-1 from 127.0.0.1:PORT on a thread each;
`asyncio PORT COUNT` fetches them as tasks of one event loop. Both answer the seconds it took,
once every video has come back whole and right. The site answers each request after a fixed
delay, as the Rust side's VideoServer does for the Rust clients in the same rounds.
"""

import asyncio
import socket
import threading
import time

from benchlib import seconds, serve

VIDEO_BYTES = 64 * 1024


def request(port, name):
    return ("GET /video/%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n"
            % (name, port)).encode()


def check(response, name):
    """Raises unless `response` is a 200 whose body is the video `name`, as the site makes it."""
    head, _, body = response.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        raise ValueError("video %s: the site answered %r" % (name, head[:40]))
    line = ("video %s\n" % name).encode()
    want = (line * (VIDEO_BYTES // len(line) + 1))[:VIDEO_BYTES]
    if body != want:
        raise ValueError("video %s came back wrong (%d bytes)" % (name, len(body)))


def fetch(port, name):
    with socket.create_connection(("127.0.0.1", port)) as conn:
        conn.sendall(request(port, name))
        chunks = []
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    check(b"".join(chunks), name)


def on_threads(port, count):
    failures = []

    def one(i):
        try:
            fetch(port, i)
        except Exception as e:
            failures.append(e)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise failures[0]


async def fetch_async(port, name):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request(port, name))
        await writer.drain()
        response = await reader.read()
    finally:
        writer.close()
        await writer.wait_closed()
    check(response, name)


def on_tasks(port, count):
    """The seconds the tasks take (the event loop's own start and end are not counted)."""

    async def all_of_them():
        return await asyncio.gather(*(fetch_async(port, i) for i in range(count)))

    return asyncio.run(timed(all_of_them()))


async def timed(work):
    started = time.perf_counter()
    await work
    return time.perf_counter() - started


if __name__ == "__main__":
    serve({
        "threads": lambda port, count: seconds(on_threads, port, count),
        "asyncio": on_tasks,
    })
