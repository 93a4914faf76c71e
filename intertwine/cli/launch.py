"""The ``intertwine`` executable: from ``sys.argv`` to the exit status, and out.

Three things here are for start-up speed, which is most of the time a small basis takes
(``SO(3): V**2 -> V``: 2 ms to compute, 0.2 s in all, of which importing numpy and
h5py is 0.12 s):

* The plain forms of the everyday commands, ``intertwine basis SPEC -o FILE`` (with
  ``--method`` and ``--compress``) and ``intertwine decompose FIELD [-o FILE]`` (with
  ``--method``), are recognised without click and handed straight to
  :func:`commands.write_basis` and :func:`commands.write_decomposition`, which the
  click commands call too.  Anything else --
  help, another command, another option, an option twice, a value that looks like an
  option -- goes to click, which parses it, explains it and calls the same function.
  Importing click and building its commands takes about a tenth of such a process.
* The imports run with the garbage collector paused (:func:`_uncollected`): it walked
  the freshly imported modules about 55 times, 8-11 ms.
* :func:`program` ends the process without the interpreter's teardown when nothing
  needs it (see :func:`leave`): unloading numpy and h5py takes 20-30 ms.
"""

from __future__ import annotations

import contextlib
import gc
import os
import stat
import sys

from ..runtime import interrupt
from .commands import Usage, methods, out_of_memory, say, write_basis, write_decomposition

__all__ = ["program", "main", "status", "guarded", "plain_basis", "plain_decompose", "leave"]


def program():
    """The ``intertwine`` executable and ``python -m intertwine``."""
    try:
        code = status()
    except SystemExit as e:  # info, verify and batch end with sys.exit; SIGTERM too
        if not (e.code is None or isinstance(e.code, int)):
            raise
        code = e.code or 0
    leave(code)


def main():
    """The command line for a program that runs it inside its own process (a test, a
    wrapper script): ends with ``sys.exit``, so the caller's exit handlers run.  The
    executable is :func:`program`."""
    sys.exit(status())


def status(args: list[str] | None = None) -> int:
    """Run the command ``args`` (default: ``sys.argv[1:]``); its exit status."""
    args = sys.argv[1:] if args is None else args
    if getattr(sys.stdout, "errors", None) == "strict" and hasattr(sys.stdout, "reconfigure"):
        # a file name that is not valid in the locale's encoding is printed back as the
        # bytes it was given as, not refused (an 'internal error' at the very end)
        sys.stdout.reconfigure(errors="surrogateescape")
    # click's shell completion is asked for by this variable, whatever the arguments
    completing = "_INTERTWINE_COMPLETE" in os.environ

    def run() -> int | None:  # the imports too: Ctrl-C or a memory limit may come there
        with _uncollected():
            basis = None if completing else plain_basis(args)
            decomposition = None if completing or basis else plain_decompose(args)
            if basis:
                from .. import api, io  # noqa: F401  (what write_basis computes and writes with)
            elif decomposition:
                from .. import decomposition as _  # noqa: F401  (what it computes with)
            else:
                from .app import click_status
        if basis:
            return write_basis(**basis)
        if decomposition:
            say(write_decomposition(**decomposition).irreps_string)
            return 0
        return click_status(args)

    return guarded(run)


@contextlib.contextmanager
def _uncollected():
    """Import with the cyclic garbage collector paused, then exempt what was imported.

    Importing numpy, h5py and intertwine allocates objects that live until the end,
    and the collector ran about 55 times over them while they were imported: 8-11 ms
    here, 5 % of a small basis.  Afterwards ``gc.freeze`` moves them out of every later
    collection's way (a large computation's collections no longer walk the modules).
    """
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def guarded(run) -> int:
    """Call ``run`` and turn how it ended into an exit status, with at most a short
    message: usage problems 2, Ctrl-C 130, SIGTERM 143, a bug 3 (with the way to see
    its traceback)."""
    interrupt.install()  # SIGTERM unwinds (removing temporary files), exit status 143
    try:
        code = run()
    except KeyboardInterrupt:  # on a line of its own, after the terminal's ^C
        say("\ninterrupted", err=True)
        return 128 + interrupt.signal.SIGINT
    except Usage as e:
        say(f"Error: {e}", err=True)
        return e.exit_code
    except BrokenPipeError:  # stdout closed early (| head): quietly, as click does
        sys.stdout = open(os.devnull, "w")
        return 1
    except (MemoryError, ImportError) as e:  # resource exhaustion is not a bug
        message = out_of_memory(e)
        if message is None or os.environ.get("INTERTWINE_DEBUG"):
            raise
        say(message, err=True)
        return 2
    except Exception as e:  # a bug, not a usage error: short, but with a way to see more
        if os.environ.get("INTERTWINE_DEBUG"):
            raise
        say(f"internal error ({type(e).__name__}: {e}); this is a bug in intertwine. "
            "Run again with INTERTWINE_DEBUG=1 for the traceback.", err=True)
        return 3
    return code if isinstance(code, int) else 0


def plain_basis(args: list[str]) -> dict | None:
    """The arguments of ``basis SPEC -o FILE [--method M] [--compress]``, in any order,
    as click parses them; None for every other command line (click's to parse)."""
    found = _plain_options(args, "basis", flags=("--compress",))
    if found is None or "output" not in found or found.get("method", "auto") not in methods():
        return None
    return found


def plain_decompose(args: list[str]) -> dict | None:
    """The arguments of ``decompose 'GROUP: REP' [-o FILE] [--method M]``, in any order,
    as click parses them (``field``, ``output``, ``method``); None for every other
    command line (``--json``, help: click's to parse)."""
    from ..decomposition.core import DECOMPOSE_METHODS

    found = _plain_options(args, "decompose", flags=())
    if found is None or found.get("method", "auto") not in DECOMPOSE_METHODS:
        return None
    return {"field": found["spec"], "output": found.get("output"),
            "method": found.get("method", "auto")}


def _plain_options(args: list[str], command: str, flags: tuple[str, ...]) -> dict | None:
    """``command``'s one argument (``spec``), ``-o``/``--output``, ``--method`` and the
    boolean ``flags``, each at most once, in any order and in the forms click accepts;
    None where the line holds anything else, or something click would refuse."""
    if not args or args[0] != command:
        return None
    found: dict = {}
    tokens = iter(args[1:])
    for token in tokens:
        name, equals, value = token.partition("=") if token.startswith("--") else \
            (token, "", "")
        if name in ("-o", "--output", "--method"):
            if not equals:
                value = next(tokens, None)
            key = "method" if name == "--method" else "output"
            # a value that looks like an option, or an option twice: click's rules
            if key in found or value is None or value.startswith("-"):
                return None
            found[key] = value
        elif token in flags and token[2:] not in found:
            found[token[2:]] = True
        elif token.startswith("-") or "spec" in found:
            return None
        else:
            found["spec"] = token
    if "spec" not in found or ("output" in found and _not_a_file(found["output"])):
        return None
    return found


def _not_a_file(path: str) -> bool:
    """Whether click's ``Path(dir_okay=False)`` would refuse ``path`` (an existing
    folder, or a file it cannot read): click then says so, in its words."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return False
    return stat.S_ISDIR(st.st_mode) or not os.access(path, os.R_OK)


def leave(code: int):
    """End the process with ``code``, skipping the interpreter's teardown when it has
    nothing left to do.

    Every file the commands write is closed and renamed into place before this point,
    and what is written to stdout and stderr is flushed here; only the cases in
    :func:`_teardown_needed` need the teardown, and take it.
    """
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: Python's own exit handles it as before
        sys.exit(code)
    if _teardown_needed():
        sys.exit(code)
    os._exit(code)


def _teardown_needed() -> bool:
    threading = sys.modules.get("threading")
    h5py = sys.modules.get("h5py")
    return bool(
        sys.gettrace() or sys.getprofile() or "coverage" in sys.modules  # saves at exit
        or (threading is not None and threading.active_count() > 1)  # joined at exit
        or "multiprocessing" in sys.modules  # batch's workers: its exit handler reaps them
        or (h5py is not None  # an open file is flushed and closed by the library at exit
            and h5py.h5f.get_obj_count(h5py.h5f.OBJ_ALL, h5py.h5f.OBJ_FILE) > 0))
