"""What ``batch`` tells its user: progress, the closing summary table, the JSON report.

On a terminal a progress bar; elsewhere (CI logs) one plain line per finished entry,
so that a log read afterwards says what happened in which order.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

import click

from .. import __version__
from ..runtime.atomic import atomic_path
from .manifest import Entry, Invalid

__all__ = ["Outcome", "Progress", "summary_table", "json_report", "write_json"]

WRITTEN, UP_TO_DATE, FAILED = "written", "up to date", "failed"


@dataclass
class Outcome:
    """What happened to one manifest entry."""

    entry: Entry | Invalid
    status: str
    reason: str | None = None
    n_basis: int | None = None
    dim_out: int | None = None
    dim_in: int | None = None
    seconds: float | None = None

    @property
    def name(self) -> str:
        e = self.entry
        if e.name is not None:
            return e.name
        return f"(entry {e.number}, line {e.line})" if e.line else f"(entry {e.number})"

    @property
    def size(self) -> str:
        return "" if self.dim_in is None else f"{self.dim_out} x {self.dim_in}"

    @property
    def status_text(self) -> str:
        if self.status != FAILED:
            return self.status
        where = f"line {self.entry.line}: " if isinstance(self.entry, Invalid) and \
            self.entry.line else ""
        return f"FAILED: {where}{self.reason}"

    def as_dict(self, out_dir) -> dict:
        e = self.entry
        valid = isinstance(e, Entry)
        return {
            "name": e.name, "spec": e.spec, "line": e.line,
            "method": e.method, "method_used": e.chosen if valid else None,
            "file": os.path.join(str(out_dir), e.filename) if valid else None,
            "status": self.status, "reason": self.reason, "n_basis": self.n_basis,
            "dim_out": self.dim_out, "dim_in": self.dim_in,
            "seconds": None if self.seconds is None else round(self.seconds, 3),
        }


class Progress:
    """Reports entries as they finish: a progress bar on a terminal, else lines."""

    def __init__(self, total: int, terminal: bool, echo=click.echo):
        self.total, self.done, self.echo = total, 0, echo
        self.bar = None
        if terminal and total:
            self.bar = click.progressbar(length=total, label="computing bases",
                                         item_show_func=lambda name: name or "",
                                         show_pos=True)
            self.bar.__enter__()

    def finished(self, outcome: Outcome) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.update(1, outcome.name)
            return
        width = len(str(self.total))
        details = []
        if outcome.n_basis is not None:
            plural = "" if outcome.n_basis == 1 else "s"
            details.append(f"{outcome.n_basis} element{plural} ({outcome.size})")
        if outcome.seconds is not None:
            details.append(f"{outcome.seconds:.2f} s")
        self.echo(f"[{self.done:>{width}}/{self.total}] {outcome.name}: {outcome.status_text}"
                  + (f"  {', '.join(details)}" if details else ""))

    def notice(self, message: str) -> None:
        """Something the user should know that is not an entry's end (on stderr)."""
        click.echo(("\n" if self.bar is not None else "") + message, err=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def summary_table(outcomes: list[Outcome], seconds: float, out_dir) -> str:
    rows = [("entry", "n_basis", "size (out x in)", "time", "status")]
    for o in outcomes:
        rows.append((o.name, "" if o.n_basis is None else str(o.n_basis), o.size,
                     "" if o.seconds is None else f"{o.seconds:.2f} s", o.status_text))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [f"{r[0]:<{widths[0]}}  {r[1]:>{widths[1]}}  {r[2]:<{widths[2]}}  "
             f"{r[3]:>{widths[3]}}  {r[4]}".rstrip() for r in rows]
    lines.insert(1, "-" * min(max(map(len, lines)), sum(widths) + 8 + len("status") + 24))
    t = totals(outcomes, seconds)
    lines.append(f"{t['entries']} entries: {t['written']} written, {t['up_to_date']} up to "
                 f"date, {t['failed']} failed, in {seconds:.1f} s; files in {out_dir}")
    return "\n".join(lines)


def totals(outcomes: list[Outcome], seconds: float) -> dict:
    count = {s: sum(o.status == s for o in outcomes) for s in (WRITTEN, UP_TO_DATE, FAILED)}
    return {"entries": len(outcomes), "written": count[WRITTEN],
            "up_to_date": count[UP_TO_DATE], "failed": count[FAILED],
            "seconds": round(seconds, 3)}


def json_report(outcomes: list[Outcome], seconds: float, manifest: str, out_dir) -> dict:
    return {"manifest": str(manifest), "out_dir": str(out_dir),
            "intertwine_version": __version__,
            "entries": [o.as_dict(out_dir) for o in outcomes],
            "totals": totals(outcomes, seconds)}


def write_json(report: dict, path) -> None:
    """Atomically, like every file intertwine writes."""
    try:
        with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=2)
            f.write("\n")
    except OSError as e:  # a full disk shows in a write, which names no file
        e.filename = e.filename or os.fspath(path)
        raise
