"""Ctrl-C and SIGTERM: one way for every command and every phase.

Outside of :func:`deferred` blocks a signal acts at once: SIGINT raises
KeyboardInterrupt (Python's default) and, once :func:`install` has run (the command line
and batch workers do), SIGTERM raises :class:`Terminated`, a SystemExit with status 143.
Both unwind through the ``except BaseException`` blocks that remove temporary files.

Inside a :func:`deferred` block (writing a file, driving worker processes) a signal is
only recorded, and :func:`checkpoint`, called between two steps of the work (bands of a
pattern, datasets, tasks), delivers it.  Raised asynchronously there, the exception
could land in a finaliser or weakref callback -- h5py closes its identifiers from such
callbacks -- where Python prints "Exception ignored in ..." and carries on: the write
would finish and the process exit 0.  A recorded signal is delivered to the handler that
was in place before the block (so a program's own handler keeps its behaviour, and an
ignored signal stays ignored), and never lost: leaving the outermost block delivers one
that is still pending.

Handlers can only be set in the main thread; elsewhere (threads of a Dask worker, say)
the blocks and checkpoints do nothing, and signals reach the main thread as usual.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

__all__ = ["HANDLED", "Terminated", "checkpoint", "deferred", "exit_status", "install"]

HANDLED = (signal.SIGINT, signal.SIGTERM)

_depth = 0  # nesting of deferred() blocks in the main thread
_previous: dict[int, object] = {}  # the handlers the outermost block replaced
_pending: list[int] = []  # signals recorded, in order of arrival, each once


class Terminated(SystemExit):
    """A terminating signal (SIGTERM): the process ends with status 128 + its number."""

    def __init__(self, signum: int):
        super().__init__(128 + signum)
        self.signum = signum


def _terminate(signum, frame):
    raise Terminated(signum)


def install() -> None:
    """Make SIGTERM raise :class:`Terminated` instead of ending the process on the spot,
    so that temporary files are removed on the way out (exit status 143)."""
    if _in_main_thread():
        signal.signal(signal.SIGTERM, _terminate)


def exit_status(exc: BaseException) -> int | None:
    """The exit status for an interruption (130 for Ctrl-C, 143 for SIGTERM), or None if
    ``exc`` is no interruption."""
    if isinstance(exc, KeyboardInterrupt):
        return 128 + signal.SIGINT
    if isinstance(exc, Terminated):
        return 128 + exc.signum
    return None


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _record(signum, frame):
    if signum not in _pending:
        _pending.append(signum)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back until :func:`checkpoint` or the end of the block."""
    global _depth
    if not _in_main_thread():
        yield
        return
    if _depth == 0:
        with _held():
            for signum in HANDLED:
                handler = signal.getsignal(signum)
                if handler is not signal.SIG_IGN:
                    _previous[signum] = handler
                    signal.signal(signum, _record)
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0:
            with _held():
                handlers = dict(_previous)
                _previous.clear()
                for signum, handler in handlers.items():
                    signal.signal(signum, signal.SIG_DFL if handler is None else handler)
            while _pending:  # one that came during the last steps
                signum = _pending.pop(0)
                _deliver(signum, handlers.get(signum, signal.SIG_DFL))


@contextlib.contextmanager
def _held() -> Iterator[None]:
    """Block the signals while the handlers are swapped: one arriving half-way would
    leave a mix of handlers behind."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, HANDLED)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def checkpoint() -> None:
    """Deliver a signal recorded since the block began (call it between two steps)."""
    if _depth and _pending:
        signum = _pending.pop(0)
        _deliver(signum, _previous.get(signum, signal.SIG_DFL))


def _deliver(signum: int, handler) -> None:
    if handler is signal.SIG_IGN:
        return
    if callable(handler):  # Python's default_int_handler raises KeyboardInterrupt
        handler(signum, None)
        return
    # SIG_DFL (or a handler set from C): the process would end; end it by an exception,
    # so that the temporary files go first
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise Terminated(signum)
