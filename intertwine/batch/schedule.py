"""Running entries in parallel processes without running the machine out of memory.

Each entry's peak memory is estimated by its method (``solvers.registry.Method.memory``:
bytes per unknown, or per unknown squared for the numeric Gram matrix, or one band for
S(n) patterns written band by band, as each method module measured them),
plus 200 MB for the worker process itself.  Entries start, largest first, only while the
estimates of the running entries add up to at most the budget (60% of physical memory,
or ``INTERTWINE_BATCH_MEMORY`` bytes); an entry larger than the budget runs alone.

Workers are ``forkserver`` processes (never plain ``fork``: the main process may hold
threads and open HDF5 state).  If one dies (killed by the kernel's out-of-memory
killer, say), the pool is rebuilt and the entries that were running are tried once more,
each alone.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from ..runtime import interrupt
from ..runtime.atomic import remove_temporaries, run_tag
from .manifest import Entry

__all__ = ["Task", "estimate_bytes", "memory_budget", "pick", "run_parallel", "default_jobs"]

PROCESS_BYTES = 200 << 20
BUDGET_FRACTION = 0.6
_STOP_SECONDS = 2  # how long stopped workers get to unwind before they are killed
_POLL_SECONDS = 0.1  # how often the loop looks for Ctrl-C / SIGTERM


def default_jobs() -> int:
    """The CPUs this process may use (a container's or CI runner's share, not the host's)."""
    with contextlib.suppress(AttributeError, OSError):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def estimate_bytes(entry: Entry) -> int:
    """The peak memory of the worker that computes ``entry`` (as ``intertwine basis``
    does: streamed where its method streams)."""
    from ..solvers import registry

    return PROCESS_BYTES + registry.method(entry.chosen).memory(entry.problem)


def memory_budget() -> int:
    env = os.environ.get("INTERTWINE_BATCH_MEMORY", "").strip()
    if env:
        with contextlib.suppress(ValueError, OverflowError):
            if int(float(env)) > 0:
                return int(float(env))
    try:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        physical = 8 << 30
    return int(BUDGET_FRACTION * physical)


@dataclass
class Task:
    entry: Entry
    path: Path
    estimate: int
    alone: bool = False  # a retry after a worker died: nothing else runs beside it

    @property
    def cost(self) -> float:
        return math.inf if self.alone else self.estimate


def pick(pending: list[Task], running: list[Task], jobs: int, budget: int) -> int | None:
    """Index in ``pending`` of the next task to start now, or None to wait.

    With nothing running, the first pending task starts whatever its size (so a task
    larger than the budget runs, alone); otherwise the first that fits in the budget.

    >>> t = lambda gb, alone=False: Task(None, None, gb << 30, alone)
    >>> pick([t(20), t(1)], [], jobs=2, budget=14 << 30)
    0
    >>> pick([t(20), t(1)], [t(5)], jobs=2, budget=14 << 30)
    1
    >>> pick([t(1)], [t(20)], jobs=2, budget=14 << 30) is None
    True
    """
    if len(running) >= jobs:
        return None
    if not running:
        return 0 if pending else None
    used = sum(t.cost for t in running)
    return next((i for i, t in enumerate(pending) if used + t.cost <= budget), None)


def run_parallel(tasks: list[Task], jobs: int, budget: int, on_done, on_retry=None) -> None:
    """Compute ``tasks`` in worker processes; ``on_done(task, result)`` as each ends,
    ``on_retry(task)`` when a task is tried again after its worker died.

    On Ctrl-C or SIGTERM (an exception in this thread) the workers are stopped, their
    temporary files removed, and the exception goes on.
    """
    from .worker import init_worker

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["intertwine.batch.worker"])  # import once, fork after
    pending = sorted(tasks, key=lambda t: -t.estimate)  # largest first; stable for ties
    # Ctrl-C and SIGTERM only record themselves while workers run; the loop delivers
    # them between two waits.  Raised asynchronously, they could interrupt
    # concurrent.futures while it holds a future's lock, and the executor's thread
    # would then wait forever.
    with interrupt.deferred():
        _run_pools(pending, jobs, budget, on_done, on_retry, context, init_worker, run_tag())


def _run_pools(pending, jobs, budget, on_done, on_retry, context, init_worker, tag) -> None:
    while pending:
        executor = ProcessPoolExecutor(max_workers=min(jobs, len(pending)),
                                       mp_context=context, initializer=init_worker,
                                       initargs=(os.getpid(),))
        running: dict = {}
        try:
            died = _drive(executor, pending, running, jobs, budget, on_done, tag)
        except BaseException:
            _stop(executor)
            for task in running.values():
                remove_temporaries(task.path, tag)
            raise
        executor.shutdown(wait=True)
        for task in died:  # a worker died: retry each once, alone
            remove_temporaries(task.path, tag)
            if task.alone:
                on_done(task, {"error": "the worker process died (out of memory?)"})
            else:
                task.alone = True
                pending.insert(0, task)
                if on_retry is not None:
                    on_retry(task)


def _drive(executor, pending: list[Task], running: dict, jobs: int, budget: int,
           on_done, tag: str) -> list[Task]:
    """Run until everything is done (returns []) or the pool breaks (returns the
    tasks that were running)."""
    from .worker import pool_task

    while pending or running:
        while (i := pick(pending, list(running.values()), jobs, budget)) is not None:
            task = pending.pop(i)
            future = executor.submit(pool_task, task.entry.parsed, task.entry.chosen,
                                     str(task.path), tag)
            running[future] = task
        done, _ = wait(running, timeout=_POLL_SECONDS, return_when=FIRST_COMPLETED)
        interrupt.checkpoint()
        died = []
        for future in done:
            task = running.pop(future)
            try:
                result = future.result()
            except BrokenProcessPool:
                died.append(task)
                continue
            on_done(task, result)
        if died:  # the pool is unusable: every entry still running is lost with it
            died += running.values()
            running.clear()
            return died
    return []


def _stop(executor: ProcessPoolExecutor) -> None:
    """Terminate the workers (SIGTERM: they unwind and remove their temporary files),
    then kill whatever is still there."""
    processes = list((getattr(executor, "_processes", None) or {}).values())
    for p in processes:
        with contextlib.suppress(Exception):
            p.terminate()
    for p in processes:
        with contextlib.suppress(Exception):
            p.join(_STOP_SECONDS)
    for p in processes:
        with contextlib.suppress(Exception):
            if p.is_alive():
                p.kill()
                p.join(1)
    executor.shutdown(wait=False, cancel_futures=True)
