# The project's completion of the notes' §9.1 fragment (this file is ours, not the notes' text).
#
# The fragment starts cpu_count() - 1 processes with a target it leaves open, `xxxx`. The
# smallest target that lets it run is one that does nothing; the program's children print their
# pids instead, lines that Python does not have.


def xxxx():
    pass
