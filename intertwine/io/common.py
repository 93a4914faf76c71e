"""What the writer and the reader of basis files share: the format's names and the
errors (the memory budget is ``intertwine.budget``)."""

from __future__ import annotations

import h5py
import numpy as np

__all__ = ["BasisFileError", "BasisFileNotFoundError", "FORMAT", "FORMAT_VERSION",
           "REQUIRED", "ENCODINGS", "STR", "INT", "BOOL", "GENERATOR_KINDS",
           "COO_FIELDS", "EXACT_FIELDS", "MAX_ATTR_ITEMS", "UNREAD", "plain_value",
           "attribute_as_read"]

FORMAT = "intertwine.basis"
FORMAT_VERSION = 1

STR, INT, BOOL = "str", "int", "bool"
#: the required root attributes of docs/format.rst, in its order, with their types
REQUIRED = {
    "format": STR, "format_version": INT, "spec": STR, "group": STR, "rep_in": STR,
    "rep_out": STR, "dim_in": INT, "dim_out": INT, "n_basis": INT, "method": STR,
    "encoding": STR, "exact": BOOL, "intertwine_version": STR,
}
#: "partitions": set-partition labels alone, no pattern (``basis --partitions-only``)
ENCODINGS = ("pattern", "coo", "partitions")
GENERATOR_KINDS = ("in", "out", "lie_in", "lie_out")
COO_FIELDS = ("index", "row", "col", "value")
EXACT_FIELDS = ("numerator", "denominator")
#: in place of ``EXACT_FIELDS`` where the root attribute exact_values is "sqrt":
#: value = sign(a) sqrt(|a| / b) for a = square_numerator, b = square_denominator
SQUARE_FIELDS = ("square_numerator", "square_denominator")
EXACT_VALUES = ("rational", "sqrt")


class BasisFileError(ValueError):
    """The path is not a readable basis file (or cannot be written as one)."""


class BasisFileNotFoundError(BasisFileError, FileNotFoundError):
    """The file, or the folder it should be written to, does not exist."""


#: larger extra attributes are not "plain values": the reader skips them (``UNREAD``)
MAX_ATTR_ITEMS = 1 << 16
UNREAD = object()


def plain_value(v):
    """An extra attribute as a plain Python value, or UNREAD if it has none."""
    if isinstance(v, h5py.Empty):
        return None
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, np.generic) and v.dtype.kind in "biufc":  # before float: np.float64
        return v.item()
    if isinstance(v, str | bool | int | float):
        return str(v) if isinstance(v, str) else v
    if isinstance(v, np.ndarray):
        if v.dtype.kind in "biufc":
            return v.tolist()
        if v.dtype.kind in "SUO" and all(isinstance(x, str | bytes) for x in v.flat):
            return np.vectorize(plain_value, otypes=[object])(v).tolist() if v.size else []
    return UNREAD


def attribute_as_read(value):
    """What ``read_attributes`` gives back for an attribute written as ``value`` (a
    writer's record of a file, without reading it back), or ``UNREAD`` if it skips it."""
    if isinstance(value, np.ndarray) and value.size > MAX_ATTR_ITEMS:
        return UNREAD
    return plain_value(value)
