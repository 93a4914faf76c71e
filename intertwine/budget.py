"""The memory budget, and sizes as people read them: what every part of intertwine that
holds a large array asks before building it.

The budget defaults to half the physical memory (or of ``ulimit -v`` where set) unless
the environment variable ``INTERTWINE_MAX_BYTES`` says otherwise.  A file whose arrays
would take more is refused before anything is read; a streamed pattern is written holding
at most an eighth of it.  Programs and tests change it with :func:`set_max_bytes` or, for
a block of code, :func:`limited`; ``intertwine.io.MAX_BYTES`` is the same setting under
its 0.2 name.
"""

from __future__ import annotations

import os
import warnings
from contextlib import contextmanager

__all__ = ["max_bytes", "set_max_bytes", "limited", "default_max_bytes", "human"]


def default_max_bytes() -> int:
    """The budget a process starts with: ``INTERTWINE_MAX_BYTES`` (a positive number, as
    ``2e9``), else half the memory the process may use."""
    env = os.environ.get("INTERTWINE_MAX_BYTES", "").strip()
    if env:
        try:
            value = int(float(env)) if not env.isdigit() else int(env)
            if value > 0:
                return value
        except (ValueError, OverflowError):
            pass
        warnings.warn(f"ignoring INTERTWINE_MAX_BYTES={env!r}: not a positive number",
                      stacklevel=2)
    try:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # no sysconf (Windows) or no such name
        physical = 8 << 30
    return min(physical, _address_space_limit()) // 2


def _address_space_limit() -> int:
    """``ulimit -v`` (RLIMIT_AS), where set: the process cannot use more, whatever the
    machine has; an unlimited or unknown limit counts as no limit."""
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_AS)[0]
    except (ImportError, ValueError, OSError, AttributeError):
        return 1 << 62
    return soft if 0 < soft != resource.RLIM_INFINITY else 1 << 62


_budget = [default_max_bytes()]  # one cell: read at each use, changed only below


def max_bytes() -> int:
    """The memory budget in force, in bytes."""
    return _budget[0]


def set_max_bytes(limit: int) -> None:
    """Change the budget for the rest of the process (a positive number of bytes)."""
    if int(limit) <= 0:
        raise ValueError(f"the memory budget must be a positive number of bytes, not {limit}")
    _budget[0] = int(limit)


@contextmanager
def limited(limit: int):
    """The budget ``limit`` inside a ``with`` block, the previous one after it."""
    before = max_bytes()
    set_max_bytes(limit)
    try:
        yield
    finally:
        set_max_bytes(before)


def human(n: float) -> str:
    """A size in bytes with three significant digits and a decimal unit: ``1.5 MB``."""
    for unit in ("B", "kB", "MB", "GB", "TB", "PB"):
        if n < 1000:
            return f"{n:.3g} {unit}"
        n /= 1000
    return f"{n:.3g} EB"
