"""What the writer and the reader of basis files share: the format's names, the errors
and the memory budget."""

from __future__ import annotations

import os
import warnings

__all__ = ["BasisFileError", "BasisFileNotFoundError", "FORMAT", "FORMAT_VERSION",
           "REQUIRED", "max_bytes"]

FORMAT = "intertwine.basis"
FORMAT_VERSION = 1

_STR, _INT, _BOOL = "str", "int", "bool"
#: the contract's root attributes, in the contract's order, with their types
REQUIRED = {
    "format": _STR, "format_version": _INT, "spec": _STR, "group": _STR, "rep_in": _STR,
    "rep_out": _STR, "dim_in": _INT, "dim_out": _INT, "n_basis": _INT, "method": _STR,
    "encoding": _STR, "exact": _BOOL, "intertwine_version": _STR,
}
#: "partitions": set-partition labels alone, no pattern (``basis --partitions-only``)
ENCODINGS = ("pattern", "coo", "partitions")
_GENERATOR_KINDS = ("in", "out", "lie_in", "lie_out")
_COO_FIELDS = ("index", "row", "col", "value")
_EXACT_FIELDS = ("numerator", "denominator")
#: in place of ``_EXACT_FIELDS`` where the root attribute exact_values is "sqrt":
#: value = sign(a) sqrt(|a| / b) for a = square_numerator, b = square_denominator
_SQUARE_FIELDS = ("square_numerator", "square_denominator")
EXACT_VALUES = ("rational", "sqrt")


class BasisFileError(ValueError):
    """The path is not a readable basis file (or cannot be written as one)."""


class BasisFileNotFoundError(BasisFileError, FileNotFoundError):
    """The file, or the folder it should be written to, does not exist."""


def _default_max_bytes() -> int:
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


def max_bytes() -> int:
    """The memory budget in force: ``intertwine.io.MAX_BYTES``, read at each use so that
    a program may change it at run time."""
    from .. import io

    return io.MAX_BYTES


def _human(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB", "TB", "PB"):
        if n < 1000:
            return f"{n:.3g} {unit}"
        n /= 1000
    return f"{n:.3g} EB"
