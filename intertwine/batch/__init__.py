"""``intertwine batch``: precompute the bases listed in a TOML manifest.

The pieces, in the order a run uses them: :mod:`.manifest` reads and checks the
manifest (and picks a ``--shard``), :mod:`.cache` decides which files are already right
and keeps their records, :mod:`.schedule` runs the rest in worker processes within a
memory budget (or :mod:`.cluster` on a Dask cluster), :mod:`.worker` computes one entry,
and :mod:`.report` tells the user (progress, summary table, JSON).
"""

from __future__ import annotations

from pathlib import Path

from ..api import check_size
from ..runtime import interrupt
from ..runtime.atomic import OutputPathError, remove_stale_temporaries
from .cache import RECORD_DIR, Records, RecordsUnusable, check_up_to_date
from .manifest import Entry, Invalid, Manifest, ManifestError, default_name, read_manifest
from .report import FAILED, UP_TO_DATE, WRITTEN, Outcome, Progress
from .schedule import Task, default_jobs, estimate_bytes, memory_budget, run_parallel

__all__ = ["BatchInterrupted", "Entry", "Invalid", "Manifest", "ManifestError", "Outcome",
           "RECORD_DIR", "RecordsUnusable", "default_jobs", "default_name", "not_run",
           "read_manifest", "run_batch"]

INTERRUPTED = "interrupted: not written"


class BatchInterrupted(SystemExit):
    """Ctrl-C or SIGTERM stopped the run: ``code`` is the exit status (130 or 143) and
    ``outcomes`` what :func:`run_batch` would have returned, the entries it did not finish
    failed as interrupted, so that the report can still be written."""

    def __init__(self, outcomes: list[Outcome], code: int):
        super().__init__(code)
        self.outcomes = outcomes


def not_run(manifest: Manifest) -> list[Outcome]:
    """The outcomes of a run interrupted before it began (while connecting to a
    cluster): the invalid entries as such, every other one interrupted."""
    outcomes = {inv.number: Outcome(inv, FAILED, inv.reason) for inv in manifest.invalid}
    for entry in manifest.entries:
        outcomes[entry.number] = Outcome(entry, FAILED, INTERRUPTED)
    return [outcomes[n] for n in sorted(outcomes)]


def run_batch(manifest: Manifest, out_dir: Path, jobs: int = 1, force: bool = False,
              progress: Progress | None = None, dask=None) -> list[Outcome]:
    """Bring every valid entry's file in ``out_dir`` up to date; one Outcome per entry of
    the manifest (invalid ones included), in manifest order.

    ``jobs == 1`` computes in this process; more use worker processes; ``dask`` (a
    ``distributed.Client``) runs the entries on its cluster instead.  For a shard, pass
    ``manifest.shard(i, n)``.  Raises :class:`RecordsUnusable` if the folder's records
    cannot be used, :class:`BatchInterrupted` on Ctrl-C or SIGTERM.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    progress = progress or Progress(len(manifest.entries), terminal=False, echo=lambda s: None)
    records = Records(out_dir)
    stale = remove_stale_temporaries(out_dir)  # of runs on this host that were killed
    if stale:
        shown = ", ".join(stale[:5]) + (f" and {len(stale) - 5} more" if len(stale) > 5 else "")
        progress.notice(f"removed {len(stale)} temporary file{'s' * (len(stale) > 1)} that "
                        f"killed runs left in {out_dir}: {shown}")
    outcomes = {inv.number: Outcome(inv, FAILED, inv.reason) for inv in manifest.invalid}

    def finish(outcome: Outcome) -> None:
        outcomes[outcome.entry.number] = outcome
        progress.finished(outcome)

    def on_done(task: Task, result: dict) -> None:
        entry = task.entry
        if "error" in result:
            finish(Outcome(entry, FAILED, result["error"]))
            return
        # what the worker read back from the file, not what the entry asked for
        try:
            records.set(entry.filename, {k: v for k, v in result.items() if k != "seconds"})
        except (OSError, OutputPathError) as e:  # the file is fine; the next run recomputes it
            reason = getattr(e, "strerror", None) or e
            progress.notice(f"{entry.name}: written, but its record cannot be written "
                            f"({reason}): the next run computes it again")
        finish(Outcome(entry, WRITTEN, None, result["n_basis"], result["dim_out"],
                       result["dim_in"], result["seconds"]))

    try:
        todo = _plan(manifest.entries, out_dir, force, records, finish)
        if dask is not None:
            from .cluster import run_on_dask

            run_on_dask(dask, todo, out_dir, on_done)
        elif jobs <= 1 or len(todo) <= 1:
            from .worker import compute_entry

            for task in todo:
                on_done(task, compute_entry(task.entry.parsed, task.entry.chosen,
                                            str(task.path)))
        else:
            run_parallel(todo, jobs, memory_budget(), on_done, lambda task: progress.notice(
                f"{task.entry.name}: a worker process died (killed, out of memory?); "
                "trying the entry again, alone"))
    except BaseException as stop:
        code = interrupt.exit_status(stop)
        if code is None:
            raise
        for entry in manifest.entries:
            outcomes.setdefault(entry.number, Outcome(entry, FAILED, INTERRUPTED))
        raise BatchInterrupted([outcomes[n] for n in sorted(outcomes)], code) from None
    finally:
        progress.close()
        records.close()
    return [outcomes[n] for n in sorted(outcomes)]


def _plan(entries: list[Entry], out_dir: Path, force: bool, records: Records,
          finish) -> list[Task]:
    """Report what is up to date or cannot be computed; return what is left to compute."""
    todo = []
    for entry in entries:
        path = out_dir / entry.filename
        attrs = None if force else check_up_to_date(entry, path, records)
        if attrs is not None:
            finish(Outcome(entry, UP_TO_DATE, None, attrs["n_basis"], attrs["dim_out"],
                           attrs["dim_in"]))
            continue
        try:  # fails at once instead of in a worker; the limits of `intertwine basis`
            check_size(entry.problem, entry.chosen)
        except ValueError as e:
            finish(Outcome(entry, FAILED, str(e)))
            continue
        todo.append(Task(entry, path, estimate_bytes(entry)))
    return todo
