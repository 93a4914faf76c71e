"""``batch --dask ADDRESS``: the entries run as tasks on a Dask distributed cluster.

Dask is the engine scientific Python clusters already run (dask-jobqueue starts it on
Slurm or PBS, dask-kubernetes on Kubernetes), so intertwine schedules nothing itself:
each entry to compute is one task, submitted largest first (``priority``).  Where the
workers declare a ``MEMORY`` resource (``dask worker --resources MEMORY=16e9``), each task
asks for its memory estimate (:func:`.schedule.estimate_bytes`, at most the largest
worker's), so Dask never runs more at once than a worker's memory holds; without it the
estimate only orders the tasks.

A worker writes the entry into a staging folder of this run, ``DIR/.intertwine-batch/
run-<id>/<attempt>/``, reads it back and hashes it there, and only then renames it into
``DIR``: the same temporary-file-and-rename as a local run, on the shared filesystem.  A
worker lost mid-task (killed, out of memory, its machine gone) leaves at most a
half-written file in the staging folder; Dask runs the task again on another worker
(``distributed.scheduler.allowed-failures`` times, then the entry fails), and the client
removes its staging folder at the end, also on Ctrl-C.  The client records each finished
file, as a local run does (:mod:`.cache`), and reports it through the same callbacks.

On Ctrl-C or SIGTERM the client cancels every future and removes the staging folder: a
task already running on a worker finishes computing (Dask does not interrupt running
tasks) but cannot rename its file into place (its staging folder is gone), so no
unrecorded file appears later.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
import uuid
from pathlib import Path

from .. import __version__
from ..runtime import interrupt
from .cache import RECORD_DIR
from .schedule import Task

__all__ = ["DaskUnavailable", "connect", "run_on_dask", "dask_task"]

CONNECT_SECONDS = 10
_POLL_SECONDS = 0.1


class DaskUnavailable(ValueError):
    """Dask is not installed or its scheduler cannot be reached (a usage error)."""


#: a scheduler file is a small JSON object (``dask scheduler --scheduler-file``)
SCHEDULER_FILE_BYTES = 1 << 20
#: how long the scheduler's port may take to accept a connection
PROBE_SECONDS = 5


def connect(address: str):
    """A ``distributed.Client`` of the scheduler at ``address`` (``tcp://host:port``, or
    the JSON file written by ``dask scheduler --scheduler-file``).

    Everything that can be checked is checked before a Client exists -- the file, the
    address's form, that its port accepts connections -- because a Client that fails
    to connect spends its timeout, then tens of seconds closing itself, and prints a
    traceback when it is collected."""
    try:
        from distributed import Client
    except ImportError:
        raise DaskUnavailable("batch --dask needs Dask distributed: pip install "
                              "'intertwine[dask]'") from None
    shown = address
    if "://" not in address and (os.path.exists(address) or address.endswith(".json")
                                 or os.sep in address):
        address = _scheduler_file_address(address)
    host, port = _tcp_address(address, shown)
    _probe(host, port, shown)
    _quiet_client_collection()
    try:
        return Client(f"tcp://{_join(host, port)}", timeout=CONNECT_SECONDS,
                      set_as_default=False)
    except MemoryError:  # something else listens there: its bytes read as a frame length
        raise DaskUnavailable(f"cannot reach the Dask scheduler at {shown}: what answers "
                              "there is not a Dask scheduler") from None
    except Exception as e:  # noqa: BLE001 -- any failure to connect is the user's to fix
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise DaskUnavailable(f"cannot reach the Dask scheduler at {shown}: {first}") from None


def _scheduler_file_address(path: str) -> str:
    """The ``address`` of a scheduler file, read and checked (size, JSON, the key)."""
    import json

    def bad(why: str) -> DaskUnavailable:
        return DaskUnavailable(f"cannot reach the Dask scheduler: scheduler file {path} {why}")

    try:
        with open(path, "rb") as fh:
            if not os.path.isfile(path):
                raise bad("is not a regular file")
            text = fh.read(SCHEDULER_FILE_BYTES + 1)
    except FileNotFoundError:
        raise bad("does not exist") from None
    except OSError as e:
        raise bad(f"cannot be read ({e.strerror})") from None
    if len(text) > SCHEDULER_FILE_BYTES:
        raise bad(f"is larger than {SCHEDULER_FILE_BYTES >> 20} MB: not a scheduler file")
    if not text.strip():
        raise bad("is empty (is the scheduler still starting?)")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise bad("is not JSON") from None
    found = data.get("address") if isinstance(data, dict) else None
    if not isinstance(found, str) or not found:
        raise bad("names no address")
    return found


def _tcp_address(address: str, shown: str) -> tuple[str, int]:
    """(host, port) of ``tcp://host:port`` (or ``host:port``); other protocols are
    refused: tls needs a security configuration that batch cannot pass, inproc is one
    process's own, ucx is no longer part of distributed."""
    def bad(why: str) -> DaskUnavailable:
        return DaskUnavailable(f"cannot reach the Dask scheduler at {shown}: {why}")

    scheme, sep, rest = address.partition("://")
    if not sep:
        scheme, rest = "tcp", address
    if scheme.lower() != "tcp":
        raise bad(f"the {scheme}:// protocol is not supported here; give tcp://HOST:PORT")
    host, colon, port = rest.rpartition(":")
    if host.startswith("[") and host.endswith("]"):  # [::1]:8786
        host = host[1:-1]
    if not colon or not host or not port.isascii() or not port.isdigit() or \
            not 0 < int(port) < 65536 or any(c in host for c in "/?#@ "):
        raise bad("expected tcp://HOST:PORT, for example tcp://10.0.0.5:8786")
    return host, int(port)


def _join(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _probe(host: str, port: int, shown: str) -> None:
    """Fail at once where nothing listens (a refused connection is immediate)."""
    import socket

    try:
        socket.create_connection((host, port), timeout=PROBE_SECONDS).close()
    except OSError as e:
        why = "timed out" if isinstance(e, TimeoutError) else (e.strerror or str(e))
        raise DaskUnavailable(f"cannot reach the Dask scheduler at {shown}: {why}") from None


def _quiet_client_collection() -> None:
    """A Client that failed in its constructor prints a traceback when it is collected
    (``Client.__del__``); the failure has been reported already."""
    import sys

    previous = sys.unraisablehook
    if getattr(previous, "_intertwine", False):
        return

    def hook(unraisable):
        if "Client.__del__" not in repr(getattr(unraisable, "object", "")):
            previous(unraisable)
    hook._intertwine = True
    sys.unraisablehook = hook


def run_on_dask(client, tasks: list[Task], out_dir: Path, on_done) -> None:
    """Compute ``tasks`` on the cluster; ``on_done(task, result)`` as each ends."""
    from distributed import as_completed

    staging = Path(out_dir).resolve() / RECORD_DIR / f"run-{uuid.uuid4().hex}"
    staging.mkdir(parents=True)
    memory = _largest_memory_resource(client)
    futures = {}
    try:
        with interrupt.deferred():
            ordered = sorted(tasks, key=lambda t: -t.estimate)  # largest first
            for rank, task in enumerate(ordered):
                hints = {"resources": {"MEMORY": min(task.estimate, memory)}} if memory else {}
                future = client.submit(
                    dask_task, task.entry.spec, task.entry.chosen,
                    str(Path(task.path).resolve()), str(staging), __version__,
                    key=f"intertwine-{task.entry.name}-{uuid.uuid4().hex[:8]}", pure=False,
                    priority=len(ordered) - rank, **hints)
                futures[future] = task
            pending = as_completed(futures, loop=client.loop)
            while not pending.is_empty():
                interrupt.checkpoint()
                if not pending.has_ready():
                    time.sleep(_POLL_SECONDS)
                    continue
                for future in pending.next_batch(block=False):
                    on_done(futures[future], _result(future))
    except BaseException:
        with contextlib.suppress(Exception):  # a scheduler already gone cancels nothing
            client.cancel(list(futures))
        raise
    finally:
        _remove_staging(staging)


def _remove_staging(staging: Path) -> None:
    """Renamed first: a task still running on a worker (cancelled, or of a worker Dask
    gave up on) then finds no path to create files in or to rename its file from, so
    nothing appears in the out-dir later and the removal cannot race with it."""
    gone = staging.with_name(f"gone-{staging.name}")
    with contextlib.suppress(OSError):
        os.rename(staging, gone)
        staging = gone
    shutil.rmtree(staging, ignore_errors=True)


def _result(future) -> dict:
    if future.status == "cancelled":
        return {"error": "cancelled by the cluster (the scheduler lost it)"}
    try:  # a result lost with its worker after as_completed saw it finish is computed
        return future.result()  # again: the client still holds the future
    except Exception as error:  # the task's own error, or KilledWorker
        exc = error
    if type(exc).__name__ == "KilledWorker":
        return {"error": "the workers running it died (killed, out of memory?), also on "
                         "retrying"}
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return {"error": f"{type(exc).__name__}: {text}" if text else type(exc).__name__}


def _largest_memory_resource(client) -> float | None:
    """The largest ``MEMORY`` resource a worker declares, or None if none declares one."""
    with contextlib.suppress(Exception):
        workers = client.scheduler_info(n_workers=-1).get("workers", {}).values()
        amounts = [w.get("resources", {}).get("MEMORY") for w in workers]
        amounts = [a for a in amounts if a]
        return max(amounts) if amounts else None
    return None


def dask_task(spec: str, method: str, path: str, staging: str, version: str) -> dict:
    """One entry, on a worker: compute into a fresh attempt folder under ``staging``,
    then rename the file, whole and checked, to ``path``."""
    from .. import __version__ as here
    from .worker import compute_entry

    if here != version:
        return {"error": f"the worker runs intertwine {here}, the client {version}: "
                         "install the same version on both"}
    attempt = os.path.join(staging, uuid.uuid4().hex)
    try:
        os.mkdir(attempt)  # not os.makedirs: a missing staging folder means cancelled
    except FileNotFoundError:
        return {"error": f"{staging} is missing on this worker: the run was cancelled, or "
                         "--out-dir is not on a filesystem the workers share"}
    try:
        if os.path.isdir(path):
            return {"error": f"is a folder, not a file: {path}"}
        staged = os.path.join(attempt, os.path.basename(path))
        result = compute_entry(spec, method, staged)
        if "error" not in result:
            os.replace(staged, path)  # keeps the inode and mtime that were hashed
            _fsync_folder(os.path.dirname(path))
        return result
    except OSError as e:
        return {"error": f"cannot move the file into {os.path.dirname(path)}: {e.strerror}"}
    finally:
        shutil.rmtree(attempt, ignore_errors=True)


def _fsync_folder(folder: str) -> None:
    """The rename must reach the disk (as io.save makes sure for its own)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
