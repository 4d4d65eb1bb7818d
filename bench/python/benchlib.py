"""The loop every measuring script of the bench runs: one command in, one line of figures out.

`cargo xtask bench` starts a script as `python3 -B SCRIPT`, in a process group of its own, and
talks to it over its standard input and output, one line each way:

    the bench sends    NAME ARG ...        (every ARG an integer)
    the script answers ok FIGURE ...       or: error WHAT WENT WRONG

`quit`, or the end of the input, ends the script once it has stopped and waited for every
process it started (pools, a manager, the fork server, the resource tracker). Should the bench
itself die, a watcher thread notices that the script's parent changed and ends the script's
whole process group at once, so that nothing is left running either way.

The bench sends its commands between its own Rust measurements, round by round, so a
Rust / Python ratio compares figures taken under the same load.

Only the standard library is used. Run a script by hand to try it:

    $ python3 -B bench/python/q5_locks.py
    lock 1 100000
    ok 8123456.7
"""

import os
import shutil
import signal
import sys
import threading
import time

_stoppers = []


def on_quit(stop):
    """Registers `stop()` to run when the script ends (the latest registered runs first)."""
    _stoppers.append(stop)
    return stop


def watch_parent():
    """Ends this process (and its group, if it leads one) as soon as its parent is gone."""
    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(0.2)
        # multiprocessing's directory for its sockets (a manager's, the fork server's) would
        # be left in the temp dir by the kill below.
        mp_process = sys.modules.get("multiprocessing.process")
        if mp_process is not None:
            tempdir = mp_process.current_process()._config.get("tempdir")
            if tempdir:
                shutil.rmtree(tempdir, ignore_errors=True)
        if os.getpgrp() == os.getpid():
            # The bench started us as a group's leader: every process we started is in it.
            os.killpg(os.getpid(), signal.SIGKILL)
        os._exit(1)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


def quit_on_command():
    """Ends this process at once when `quit` or the end of standard input arrives (for a
    script that answers no commands: a server)."""

    def wait_for_quit():
        for line in sys.stdin:
            if line.strip() == "quit":
                break
        os._exit(0)

    threading.Thread(target=wait_for_quit, name="quit-on-command", daemon=True).start()


def _stop_everything():
    while _stoppers:
        stop = _stoppers.pop()
        try:
            stop()
        except Exception as e:  # one failed stop must not keep the others from running
            print("stopping:", e, file=sys.stderr)
    mp = sys.modules.get("multiprocessing")
    if mp is None:
        return
    for child in mp.active_children():
        child.join(5)
        if child.is_alive():
            child.kill()
            child.join()
    # The fork server and the resource tracker would end on their own soon after we exit; stop
    # them now and wait for them, so that none outlives this script.
    for module, name in (("multiprocessing.forkserver", "_forkserver"),
                         ("multiprocessing.resource_tracker", "_resource_tracker")):
        helper = getattr(sys.modules.get(module), name, None)
        if helper is not None and hasattr(helper, "_stop"):
            helper._stop()


def _answer(commands, words):
    name, args = words[0], words[1:]
    if name == "version":
        return sys.version_info[:3]
    if name not in commands:
        raise ValueError("unknown command %r (known: %s)" % (name, ", ".join(sorted(commands))))
    figures = commands[name](*(int(a) for a in args))
    return figures if isinstance(figures, (tuple, list)) else (figures,)


def serve(commands):
    """Answers commands from standard input until `quit` or its end; `commands` maps a name to
    a function of integers that returns a figure (or a tuple of figures)."""
    watch_parent()
    try:
        while True:
            line = sys.stdin.readline()
            if not line:
                break
            words = line.split()
            if not words:
                continue
            if words[0] == "quit":
                break
            try:
                reply = "ok " + " ".join(repr(float(f)) for f in _answer(commands, words))
            except Exception as e:
                reply = "error %s: %s" % (type(e).__name__, " ".join(str(e).split()))
            sys.stdout.write(reply + "\n")
            sys.stdout.flush()
    finally:
        _stop_everything()


def seconds(work, *args):
    """How long `work(*args)` takes, in seconds."""
    started = time.perf_counter()
    work(*args)
    return time.perf_counter() - started
