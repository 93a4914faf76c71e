"""Decomposition files (HDF5): Q and the generators that let any reader check it.

Root attributes ``format = "intertwine.decomposition"``, ``format_version = 1``,
``group``, ``rep``, ``irreps`` (the printed sum), ``dim``, ``method``, ``exact``,
``exact_values`` ("rational" or "sqrt", exact files only), ``intertwine_version``, and
``spec`` (``GROUP: REP``, for ``batch``'s records).  Group ``change_of_basis``: coo
datasets ``row``, ``col``, ``value`` of Q (sorted by row, then column), with
``numerator``/``denominator`` (rational) or ``square_numerator``/``square_denominator``
(v = sign·√(a/b)) when exact; group ``generators`` as in basis files, ``in`` for REP and
``out`` for the irreps.  Group ``irreps``: ``label``, ``multiplicity``, ``dim``.
See docs/decompose.rst.

Writing is ``write.save`` (re-exported here).  Reading is as defensive as for basis
files (the same helpers: sizes checked against the memory budget before reading,
one-line :class:`BasisFileError` for anything wrong).
"""

from __future__ import annotations

import os

import h5py
import numpy as np

from ..budget import human, max_bytes
from ..io.common import BasisFileError, plain_value
from .result import Decomposition
from .write import FORMAT, FORMAT_VERSION, REQUIRED, save

__all__ = ["FORMAT", "save", "load", "is_decomposition", "read_attributes"]

#: bytes per entry of Q when read: coo arrays, exact Python numbers and their Fractions
_ENTRY_BYTES = 400


# -- reading -----------------------------------------------------------------------------

def is_decomposition(path) -> bool:
    """The file exists and its ``format`` attribute names a decomposition (no error for
    anything else: the basis-file reader then says what is wrong).  Only a regular file is
    opened: a FIFO or a device would block or stream forever."""
    import stat

    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return False
        with h5py.File(os.fsdecode(path), "r") as f:
            value = f.attrs.get("format")
    except (OSError, ValueError, TypeError):
        return False
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return value == FORMAT


def read_attributes(path) -> dict:
    """The root attributes as plain values; BasisFileError unless a decomposition file."""
    from ..io.read import as_bool, as_int, as_str, file_error, reading

    path = os.fsdecode(path)
    with reading(path) as f:
        names = list(f.attrs)
        if as_str(f.attrs.get("format")) != FORMAT:
            raise BasisFileError(f"not a decomposition file: {path}")
        out = {}
        for key in REQUIRED:
            if key not in names:
                raise file_error(path, f"attribute {key} missing")
            raw = f.attrs[key]
            convert = {"format_version": as_int, "dim": as_int, "exact": as_bool}.get(
                key, as_str)
            value = convert(raw)
            if value is None:
                raise file_error(path, f"attribute {key} has the wrong type")
            out[key] = value
        if out["format_version"] != FORMAT_VERSION:
            raise BasisFileError(f"unsupported format_version {out['format_version']} "
                                 f"(this intertwine reads {FORMAT_VERSION}): {path}")
        if out["dim"] < 0 or out["method"] not in ("exact", "numeric"):
            raise file_error(path, "dim or method out of range")
        for key in names:
            if key not in out:
                out[key] = plain_value(f.attrs[key])
        return out


def _exact_column(ds, path: str) -> np.ndarray:
    from ..io.read import file_error, parse_decimal

    a = ds[()]
    if a.dtype.kind in "iu":
        return a.astype(object)
    if a.dtype.kind in "OS":
        try:
            return np.array([parse_decimal(x) for x in a.tolist()], object)
        except (ValueError, TypeError):
            pass
    raise file_error(path, f"{ds.name} must hold integers")


def load(path) -> Decomposition:
    """Read a decomposition file back (BasisFileError if it is not a readable one)."""
    from ..basis import Generators
    from ..coo import Coo
    from ..io.read import file_error, read_matrices, reading

    path = os.fsdecode(path)
    attrs = read_attributes(path)
    dim = attrs["dim"]
    with reading(path) as f:
        if "change_of_basis" not in f or not isinstance(f["change_of_basis"], h5py.Group):
            raise file_error(path, "group change_of_basis missing")
        q = f["change_of_basis"]
        for key in ("row", "col", "value"):
            if key not in q or not isinstance(q[key], h5py.Dataset) or q[key].ndim != 1:
                raise file_error(path, f"change_of_basis/{key} missing or not 1-D")
        nnz = q["row"].shape[0]
        if nnz * _ENTRY_BYTES > max_bytes():
            raise BasisFileError(f"{path}: reading Q needs about "
                                 f"{human(nnz * _ENTRY_BYTES)} of memory, limit "
                                 f"{human(max_bytes())} (see INTERTWINE_MAX_BYTES)")
        row, col = q["row"][()], q["col"][()]
        value = q["value"][()].astype(np.float64)
        if not (row.dtype.kind in "iu" and col.dtype.kind in "iu"):
            raise file_error(path, "change_of_basis row and col must be integers")
        if not (len(col) == len(value) == nnz):
            raise file_error(path, "change_of_basis datasets differ in length")
        if nnz and (min(row.min(), col.min()) < 0 or max(row.max(), col.max()) >= dim):
            raise file_error(path, "change_of_basis row or col out of range")
        key = np.sort(row.astype(np.int64) * max(dim, 1) + col)  # np.unique: numpy.ma
        if nnz and bool(np.any(key[1:] == key[:-1])):
            raise file_error(path, "change_of_basis has an entry twice")
        num = den = None
        kind = attrs.get("exact_values", "rational") if attrs["exact"] else None
        if kind is not None:
            names = (("square_numerator", "square_denominator") if kind == "sqrt" else
                     ("numerator", "denominator"))
            for key in names:
                if key not in q or q[key].shape != (nnz,):
                    raise file_error(path, f"change_of_basis/{key} missing or of the wrong length")
            num, den = (_exact_column(q[key], path) for key in names)
            if any(b <= 0 for b in den):
                raise file_error(path, f"change_of_basis/{names[1]} must be positive")
            if kind != "sqrt":  # held as signed squares in memory
                num = np.array([a * abs(a) for a in num], object)
                den = np.array([b * b for b in den], object)
        gens = {}
        for kind_name in ("in", "out", "lie_in", "lie_out"):
            where = f"generators/{kind_name}"
            if where not in f:
                if kind_name in ("in", "out"):
                    raise file_error(path, f"group {where} missing")
                continue
            grp = f[where]
            count = int(grp.attrs.get("count", -1))
            if count < 0:
                raise file_error(path, f"{where} lacks a count")
            dss = {k: grp[k] for k in ("index", "row", "col", "value") if k in grp}
            if len(dss) != 4:
                raise file_error(path, f"{where} lacks coo datasets")
            gens[kind_name] = read_matrices((dss, count), dim, kind_name, path)
    table = _irrep_table(path, attrs)
    coo = Coo(np.zeros(nnz, np.int64), row.astype(np.int64), col.astype(np.int64), value,
              num, den)
    return Decomposition(group=attrs["group"], rep=attrs["rep"], irreps=table[0],
                         irrep_dims=table[1], dim=dim, method=attrs["method"],
                         exact=attrs["exact"], coo=coo,
                         generators=Generators(gens.get("in", []), gens.get("out", []),
                                               gens.get("lie_in", []), gens.get("lie_out", [])),
                         attrs={k: v for k, v in attrs.items()
                                if k not in REQUIRED or k == "intertwine_version"})


def _irrep_table(path: str, attrs: dict) -> tuple[list[tuple[str, int]], list[int]]:
    """The irreps and their dimensions from the ``irreps`` attribute (parsed with the
    group, so that a file is read by what it says, not by an extra table)."""
    from ..io.read import file_error
    from ..reps import dimension
    from ..spec import SpecError, Sum, Tensor, Trivial, parse_group, parse_rep

    try:
        group = parse_group(attrs["group"])
        parse_rep(attrs["rep"], group)
        summed = parse_rep(attrs["irreps"], group)
    except SpecError as e:
        raise file_error(path, f"its group, rep or irreps do not parse ({e})") from None
    terms = summed.terms if isinstance(summed, Sum) else (summed,)
    irreps, dims = [], []
    for term in terms:
        m = 1
        if isinstance(term, Tensor) and isinstance(term.factors[0], Trivial):
            m = term.factors[0].k
            rest = term.factors[1:]
            term = rest[0] if len(rest) == 1 else Tensor(tuple(rest))
        irreps.append((str(term), m))
        dims.append(dimension(term, group))
    if sum(m * d for (_, m), d in zip(irreps, dims)) != attrs["dim"]:
        raise file_error(path, "its irreps do not add up to dim")
    return irreps, dims
