"""Question 7 of the bench, in Python: §11's server, a thread per connection.

Listens on 127.0.0.1 on a port the OS picks and prints `listening on 127.0.0.1:PORT (Python
X.Y.Z)` first. For each client it starts a thread that takes what one recv(1024) returns as a
message, prints it, and answers 收到收到 — until the client sends Q or closes the connection.
The bench's own Rust client drives it, as it drives the Rust servers; the server runs until it
reads `quit` or the end of its input, is killed, or its parent is gone.
"""

import socket
import sys
import threading

from benchlib import quit_on_command, watch_parent

REPLY = "收到收到".encode()
PYTHON = "%d.%d.%d" % sys.version_info[:3]


def talk(conn):
    with conn:
        try:
            while True:
                data = conn.recv(1024)
                if not data:
                    break
                message = data.decode("utf-8", "replace")
                print("收到客户端发来的消息：", message)
                if message.upper() == "Q":
                    break
                conn.sendall(REPLY)
        except ConnectionError:
            pass  # a client that goes away is its own business


def main():
    watch_parent()
    quit_on_command()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    # The notes listen with a backlog of 5; the Rust servers get Rust's default, 128. The same
    # queue for both, so that 100 clients connecting at once compare the servers, not the
    # backlogs.
    listener.listen(128)
    port = listener.getsockname()[1]
    print("listening on 127.0.0.1:%d (Python %s)" % (port, PYTHON), flush=True)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=talk, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
