"""Question 7 of the bench, in Python: §11's server on asyncio, a task per connection.

Speaks what q7_server_threads.py speaks — a message per read of at most 1024 bytes, printed and
answered 收到收到, until Q or the end of the connection — on one thread, with a coroutine per
client. Prints its address line first; runs until it reads `quit` or the end of its input, is
killed, or its parent is gone.
"""

import asyncio
import sys

from benchlib import quit_on_command, watch_parent

REPLY = "收到收到".encode()
PYTHON = "%d.%d.%d" % sys.version_info[:3]


async def talk(reader, writer):
    try:
        while True:
            data = await reader.read(1024)
            if not data:
                break
            message = data.decode("utf-8", "replace")
            print("收到客户端发来的消息：", message)
            if message.upper() == "Q":
                break
            writer.write(REPLY)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def main():
    server = await asyncio.start_server(talk, "127.0.0.1", 0, backlog=128)
    port = server.sockets[0].getsockname()[1]
    print("listening on 127.0.0.1:%d (Python %s)" % (port, PYTHON), flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    watch_parent()
    quit_on_command()
    sys.exit(asyncio.run(main()))
