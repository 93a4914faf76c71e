"""What the writer and the reader of basis files share: the format's names and the
errors (the memory budget is ``intertwine.budget``)."""

from __future__ import annotations

__all__ = ["BasisFileError", "BasisFileNotFoundError", "FORMAT", "FORMAT_VERSION",
           "REQUIRED", "ENCODINGS", "STR", "INT", "BOOL", "GENERATOR_KINDS",
           "COO_FIELDS", "EXACT_FIELDS"]

FORMAT = "intertwine.basis"
FORMAT_VERSION = 1

STR, INT, BOOL = "str", "int", "bool"
#: the contract's root attributes, in the contract's order, with their types
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


class BasisFileError(ValueError):
    """The path is not a readable basis file (or cannot be written as one)."""


class BasisFileNotFoundError(BasisFileError, FileNotFoundError):
    """The file, or the folder it should be written to, does not exist."""
