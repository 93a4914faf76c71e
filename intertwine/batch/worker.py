"""One entry's work: compute, write atomically, read back, checksum.

This runs in a worker process (or in the main process with ``--jobs 1``).  Everything
that can go wrong with one entry comes back as ``{"error": reason}`` so that one failure
never stops the others.  Signals are the exception: SIGTERM in a worker unwinds through
:func:`intertwine.io.save` (which removes its temporary file) and ends the process.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time

from ..api import compute_to_file
from ..io import FORMAT_VERSION, load
from ..spec import Spec
from .cache import file_sha256

__all__ = ["compute_entry", "init_worker", "pool_task"]


def compute_entry(spec: str | Spec, method: str, path: str) -> dict:
    """Compute ``spec`` with ``method`` into ``path``; a result dict for the report."""
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
        record = {"size": os.stat(path).st_size, "sha256": file_sha256(path),
                  "spec": back.spec, "method": back.method, "format_version": FORMAT_VERSION,
                  "intertwine_version": back.attrs.get("intertwine_version"),
                  "n_basis": back.n_basis, "dim_out": back.dim_out, "dim_in": back.dim_in}
    except Exception as e:  # noqa: BLE001
        with contextlib.suppress(OSError):
            os.unlink(path)
        return {"error": f"the written file does not read back ({_reason(e)})"}
    if any(record[k] != v for k, v in sizes.items()):
        return {"error": "the written file reads back with other sizes"}
    return {**record, "seconds": time.perf_counter() - start}


def _reason(e: BaseException) -> str:
    from ..solvers.numeric import NotClearCut

    text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    if isinstance(e, NotClearCut):
        return f"numeric solver: {text}; try method exact"
    if isinstance(e, ValueError):  # the library's own messages: already say what is wrong
        return text
    return f"{type(e).__name__}: {text}"


def _exit_on_sigterm(signum, frame):
    raise SystemExit(128 + signum)


def init_worker() -> None:
    # Ctrl-C reaches the whole process group; the main process decides what stops, and
    # it stops workers with SIGTERM.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)


def pool_task(spec: str | Spec, method: str, path: str) -> dict:
    try:
        return compute_entry(spec, method, path)
    except (KeyboardInterrupt, SystemExit):
        # io.save has removed its temporary file on the way up; leave now instead of
        # letting the pool hand this process the next entry.
        os._exit(128 + signal.SIGTERM)
