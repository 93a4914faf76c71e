"""One entry's work: compute, write atomically, read back, checksum.

This runs in a worker process (or in the main process with ``--jobs 1``).  Everything
that can go wrong with one entry comes back as ``{"error": reason}`` so that one failure
never stops the others.  Signals are the exception: SIGTERM in a worker unwinds through
:func:`intertwine.io.save` (which removes its temporary file) and ends the process.

A worker must not outlive the run that started it: if the main process dies without
stopping it (SIGKILL, a crash), a watchdog thread sees it and ends the worker the same
way.  Workers are children of the forkserver, not of the main process, so the kernel's
parent-death signal (``PR_SET_PDEATHSIG``) would not do; and once the workers are gone,
the forkserver and the resource tracker end too (their last client has left).
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import threading
import time

from ..api import compute_to_file
from ..io import FORMAT_VERSION, load
from ..runtime import interrupt
from ..runtime.atomic import tagged
from ..spec import Spec
from .cache import fingerprint

__all__ = ["compute_entry", "init_worker", "pool_task"]


def compute_entry(spec: str | Spec, method: str, path: str) -> dict:
    """Compute ``spec`` with ``method`` into ``path``; a result dict for the report."""
    if isinstance(spec, str) and "->" not in spec:  # a decomposition entry: GROUP: REP
        return _decompose_entry(spec, method, path)
    start = time.perf_counter()
    try:
        # as `intertwine basis` does: S(n) patterns are streamed, never held whole;
        # gzip (deflate + shuffle, built into libhdf5): 10-20x smaller weight patterns
        attrs = compute_to_file(spec, path, method, compression="gzip")
        sizes = {k: attrs[k] for k in ("n_basis", "dim_out", "dim_in")}
    except MemoryError:
        return {"error": "out of memory"}
    except Exception as e:  # noqa: BLE001 - any failure is this entry's, reported by name
        return {"error": _reason(e)}
    try:
        back = load(path)  # the file must read back whole before it is recorded as good
        record = {**fingerprint(path), "spec": back.spec, "method": back.method,
                  "format_version": FORMAT_VERSION,
                  "intertwine_version": back.attrs.get("intertwine_version"),
                  "n_basis": back.n_basis, "dim_out": back.dim_out, "dim_in": back.dim_in}
    except Exception as e:  # noqa: BLE001
        with contextlib.suppress(OSError):
            os.unlink(path)
        return {"error": f"the written file does not read back ({_reason(e)})"}
    if any(record[k] != v for k, v in sizes.items()):
        return {"error": "the written file reads back with other sizes"}
    return {**record, "seconds": time.perf_counter() - start}


def _decompose_entry(field: str, method: str, path: str) -> dict:
    """``intertwine decompose FIELD -o path``; the record as for a basis, with n_basis the
    number of irreducible blocks and dim_out = dim_in = dim."""
    from ..decomposition import decompose
    from ..decomposition.files import load as load_decomposition

    start = time.perf_counter()
    try:
        d = decompose(field, method)
        d.save(path)
    except MemoryError:
        return {"error": "out of memory"}
    except Exception as e:  # noqa: BLE001 - any failure is this entry's, reported by name
        return {"error": _reason(e)}
    try:
        back = load_decomposition(path)
    except Exception as e:  # noqa: BLE001
        with contextlib.suppress(OSError):
            os.unlink(path)
        return {"error": f"the written file does not read back ({_reason(e)})"}
    blocks = sum(m for _, m in back.irreps)
    return {**fingerprint(path), "spec": back.spec, "method": back.method,
            "format_version": FORMAT_VERSION,
            "intertwine_version": back.attrs.get("intertwine_version"),
            "n_basis": blocks, "dim_out": back.dim, "dim_in": back.dim,
            "seconds": time.perf_counter() - start}


def _reason(e: BaseException) -> str:
    from ..solvers.numeric import NotClearCut

    text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    if isinstance(e, NotClearCut):
        return f"numeric solver: {text}; try method exact"
    if isinstance(e, ValueError):  # the library's own messages: already say what is wrong
        return text
    return f"{type(e).__name__}: {text}"


_GRACE_SECONDS = 10  # after the main process died: time to remove the temporary file
_POLL_SECONDS = 1.0  # where pidfd_open is missing


def init_worker(main_pid: int | None = None) -> None:
    # Ctrl-C reaches the whole process group; the main process decides what stops, and
    # it stops workers with SIGTERM.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    interrupt.install()
    if main_pid is not None:
        threading.Thread(target=_watch, args=(main_pid,), name="intertwine-watchdog",
                         daemon=True).start()


def _watch(main_pid: int) -> None:
    """End this worker when the main process ``main_pid`` has ended."""
    _wait_for_exit(main_pid)
    os.kill(os.getpid(), signal.SIGTERM)  # unwinds at the next band, as a stop does
    time.sleep(_GRACE_SECONDS)
    os._exit(128 + signal.SIGTERM)  # stuck in a long computation: leave anyway


def _wait_for_exit(pid: int) -> None:
    try:
        fd = os.pidfd_open(pid)  # Linux 5.3: readable once the process has ended
    except ProcessLookupError:
        return
    except (AttributeError, OSError):
        while True:  # elsewhere: look every second
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            except OSError:
                pass
            time.sleep(_POLL_SECONDS)
    try:
        select.select([fd], [], [])
    finally:
        os.close(fd)


def pool_task(spec: str | Spec, method: str, path: str, tag: str = "") -> dict:
    try:
        with tagged(tag):  # the run removes its own leftovers only: see atomic.tagged
            return compute_entry(spec, method, path)
    except (KeyboardInterrupt, SystemExit):
        # io.save has removed its temporary file on the way up; leave now instead of
        # letting the pool hand this process the next entry.
        os._exit(128 + signal.SIGTERM)
