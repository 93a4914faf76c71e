"""``intertwine batch``: precompute the bases listed in a TOML manifest.

The pieces, in the order a run uses them: :mod:`.manifest` reads and checks the
manifest, :mod:`.cache` decides which files are already right, :mod:`.schedule` runs the
rest in worker processes within a memory budget, :mod:`.worker` computes one entry, and
:mod:`.report` tells the user (progress, summary table, JSON).
"""

from __future__ import annotations

from pathlib import Path

from ..solvers import LIMITS
from .cache import RECORD_FILE, Records, check_up_to_date
from .manifest import Entry, Invalid, Manifest, ManifestError, default_name, read_manifest
from .report import FAILED, UP_TO_DATE, WRITTEN, Outcome, Progress
from .schedule import Task, default_jobs, estimate_bytes, memory_budget, run_parallel

__all__ = ["Entry", "Invalid", "Manifest", "ManifestError", "Outcome", "RECORD_FILE",
           "default_jobs", "default_name", "read_manifest", "run_batch"]


def run_batch(manifest: Manifest, out_dir: Path, jobs: int = 1, force: bool = False,
              progress: Progress | None = None) -> list[Outcome]:
    """Bring every valid entry's file in ``out_dir`` up to date; one Outcome per entry of
    the manifest (invalid ones included), in manifest order.

    ``jobs == 1`` computes in this process; more use worker processes.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    progress = progress or Progress(len(manifest.entries), terminal=False, echo=lambda s: None)
    records = Records(out_dir)
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
        records.set(entry.filename, {k: v for k, v in result.items() if k != "seconds"})
        finish(Outcome(entry, WRITTEN, None, result["n_basis"], result["dim_out"],
                       result["dim_in"], result["seconds"]))

    try:
        todo = _plan(manifest.entries, out_dir, force, records, finish)
        if jobs <= 1 or len(todo) <= 1:
            from .worker import compute_entry

            for task in todo:
                on_done(task, compute_entry(task.entry.parsed, task.entry.chosen,
                                            str(task.path)))
        else:
            run_parallel(todo, jobs, memory_budget(), on_done, lambda task: progress.notice(
                f"{task.entry.name}: a worker process died (killed, out of memory?); "
                "trying the entry again, alone"))
    finally:
        progress.close()
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
        try:  # fails at once instead of in a worker; no memory estimate for these
            entry.problem.check_size(LIMITS[entry.chosen], entry.chosen)
        except ValueError as e:
            finish(Outcome(entry, FAILED, str(e)))
            continue
        todo.append(Task(entry, path, estimate_bytes(entry)))
    return todo
