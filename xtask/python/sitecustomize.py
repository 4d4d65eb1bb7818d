# `cargo xtask compare`'s setup of every Python interpreter it starts (the project's own code).
#
# compare puts this directory on PYTHONPATH, so Python imports this module at start-up in every
# process of a snippet: the main one, and the children that spawn and forkserver start afresh
# (forked children inherit it). It changes only what the comparison needs:
#
# - time.sleep is scaled by XTASK_TIME_SCALE, as the Rust programs scale theirs by
#   EXAMPLES_TIME_SCALE, so §9.5's hundred seconds take five at 0.05;
# - print writes its whole line in one write: Python's own print writes the text and the line
#   end separately, so that lines of concurrent threads or processes run together ("日魔-4日魔-5")
#   and could not be compared line by line; what is printed, and in which order, stays Python's;
# - input echoes the line it read when stdin is not a terminal, as a terminal shows what is
#   typed (the Rust client does the same), so that a scripted session reads like a typed one;
# - when XTASK_FIXED_PORT is set (the §11 server and client name port 8001), a bind to that port
#   takes a port the OS picks instead and, once listening, writes it to XTASK_LISTEN_FILE; a
#   connect to it goes to XTASK_CONNECT_PORT. So compare never clashes with a server the reader
#   runs on 8001, nor with itself.
import builtins
import os
import sys
import time

_scale = float(os.environ.get("XTASK_TIME_SCALE", "1"))
_sleep = time.sleep


def _scaled_sleep(seconds):
    _sleep(seconds * _scale)


time.sleep = _scaled_sleep


def _print(*args, sep=" ", end="\n", file=None, flush=False):
    if file is None:
        file = sys.stdout
    if file is None:
        return
    sep = " " if sep is None else sep
    end = "\n" if end is None else end
    file.write(sep.join(str(arg) for arg in args) + end)
    if flush:
        file.flush()


builtins.print = _print

_input = builtins.input


def _echoing_input(prompt=""):
    line = _input(prompt)
    if not sys.stdin.isatty():
        sys.stdout.write(line + "\n")
    return line


builtins.input = _echoing_input

if os.environ.get("XTASK_FIXED_PORT"):
    import socket

    _fixed = int(os.environ["XTASK_FIXED_PORT"])
    _remapped = set()
    _bind, _listen, _connect = socket.socket.bind, socket.socket.listen, socket.socket.connect

    def _remapping_bind(self, address):
        if isinstance(address, tuple) and address[1] == _fixed and "XTASK_LISTEN_FILE" in os.environ:
            _remapped.add(self.fileno())
            return _bind(self, (address[0], 0))
        return _bind(self, address)

    def _reporting_listen(self, *args):
        _listen(self, *args)
        if self.fileno() in _remapped:
            path = os.environ["XTASK_LISTEN_FILE"]
            with open(path + ".new", "w") as f:
                f.write(str(self.getsockname()[1]))
            os.replace(path + ".new", path)

    def _remapping_connect(self, address):
        if isinstance(address, tuple) and address[1] == _fixed and "XTASK_CONNECT_PORT" in os.environ:
            address = (address[0], int(os.environ["XTASK_CONNECT_PORT"]))
        return _connect(self, address)

    socket.socket.bind = _remapping_bind
    socket.socket.listen = _reporting_listen
    socket.socket.connect = _remapping_connect
