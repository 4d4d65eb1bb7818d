# `cargo xtask compare`'s prelude (the project's own code): runs a snippet of the notes as the
# main program, `python3 xtask_prelude.py SNIPPET`.
#
# The snippet runs with runpy as `__main__`, so that `if __name__ == '__main__':` holds and the
# spawn start method finds the snippet's functions in its children. Its directory on sys.path
# is the working directory, where compare writes the files it needs (§11.3's module). When
# XTASK_COMPLETION names the project's completion of a fragment, that runs first and the
# fragment runs with the names it defines. Scaling time.sleep is sitecustomize's job (beside
# this file), because it must happen in every process of the snippet.
import os as _os
import runpy as _runpy
import sys as _sys

_snippet = _sys.argv[1]
_sys.argv = [_snippet]
_sys.path[0] = _os.getcwd()
_names = {}
_completion = _os.environ.get("XTASK_COMPLETION")
if _completion:
    _defined = _runpy.run_path(_completion, run_name="xtask_completion")
    _names = {k: v for k, v in _defined.items() if not k.startswith("__")}
_defined = _runpy.run_path(_snippet, init_globals=_names, run_name="__main__")
# Once the snippet's code has run, what it left running goes on until the interpreter exits, as
# it would after a script: a process pool still pickles its tasks — by their names in
# `__main__`, which is this module again now — and a manager still serves. So this module takes
# on everything the snippet defined: the same objects, alive and found under the same names.
globals().update(_defined)
