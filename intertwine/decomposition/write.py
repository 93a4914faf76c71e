"""Writing decomposition files (the format is described in ``files`` and
docs/decompose.rst).

Apart from the reader, which builds a ``Decomposition``: ``Decomposition.save`` calls
this module, which reads a decomposition through :class:`SavedDecomposition` and so
does not import it.
"""

from __future__ import annotations

import os
from fractions import Fraction
from typing import Protocol

import h5py
import numpy as np

from ..coo import Coo
from ..io.common import BasisFileError

__all__ = ["FORMAT", "FORMAT_VERSION", "REQUIRED", "save", "SavedDecomposition"]

FORMAT = "intertwine.decomposition"
FORMAT_VERSION = 1
REQUIRED = ("format", "format_version", "group", "rep", "irreps", "dim", "method", "exact",
            "intertwine_version")

_DESCRIPTIONS = {
    "change_of_basis": "Q (dim x dim) as coo entries Q[row, col] = value: rows are the "
                       "irreps' coordinates (in the order of the root attribute irreps, "
                       "copies consecutive), columns the coordinates of rep. "
                       "Q rho_rep(g) = rho_irreps(g) Q and Q^T Q = M (M: the Gram matrix "
                       "of rep's coordinates).",
    "square_numerator": "sign(v)*a for v = sign*sqrt(a/b) (int64 or decimal strings)",
    "square_denominator": "b > 0 for v = sign*sqrt(a/b)",
    "numerator": "v = numerator / denominator exactly",
    "denominator": "positive; v = numerator / denominator",
}


class SavedDecomposition(Protocol):
    """What :func:`save` reads of a decomposition (an ``intertwine.Decomposition``)."""

    group: str
    rep: str
    irreps: list[tuple[str, int]]
    irrep_dims: list[int]
    dim: int
    method: str
    exact: bool
    coo: Coo
    generators: object
    attrs: dict

    @property
    def spec(self) -> str: ...

    @property
    def irreps_string(self) -> str: ...

    @property
    def exact_values(self) -> str | None: ...


def _sorted(coo):
    order = np.lexsort((coo.col, coo.row))
    return order


def save(d: SavedDecomposition, path) -> None:
    """Write ``d`` to ``path`` atomically (a temporary file renamed over it)."""
    from .. import __version__
    from ..io.write import (
        cannot_write,
        destination,
        generator_coos,
        stored_exact,
        write_error,
        write_generators,
    )
    from ..runtime.atomic import atomic_path

    path = os.fsdecode(path)
    folder, target = destination(path)
    order = _sorted(d.coo)
    c = d.coo
    datasets = {"row": c.row[order].astype(np.int64), "col": c.col[order].astype(np.int64),
                "value": c.value[order].astype(np.float64)}
    kind = d.exact_values
    if kind == "sqrt":
        datasets["square_numerator"] = stored_exact(np.asarray(c.numerator, object)[order])
        datasets["square_denominator"] = stored_exact(np.asarray(c.denominator, object)[order])
    elif kind == "rational":
        from math import isqrt

        squares = [Fraction(int(a), int(b)) for a, b in zip(c.numerator, c.denominator)]
        nums = [(1 if s > 0 else -1) * isqrt(abs(s.numerator)) for s in squares]
        dens = [isqrt(s.denominator) for s in squares]
        datasets["numerator"] = stored_exact(np.array(nums, object)[order])
        datasets["denominator"] = stored_exact(np.array(dens, object)[order])
    generators = generator_coos(d.generators, d.dim, d.dim)
    attrs = {"format": FORMAT, "format_version": FORMAT_VERSION, "spec": d.spec,
             "group": d.group, "rep": d.rep, "irreps": d.irreps_string, "dim": d.dim,
             "method": d.method, "exact": np.bool_(d.exact)}
    if kind is not None:
        attrs["exact_values"] = kind
    attrs["intertwine_version"] = d.attrs.get("intertwine_version", __version__)
    string = h5py.string_dtype()
    try:
        with atomic_path(target, cannot_write) as tmp, h5py.File(tmp, "w") as f:
            for key, value in attrs.items():
                if isinstance(value, str):
                    f.attrs.create(key, value, dtype=string)
                else:
                    f.attrs[key] = value
            q = f.create_group("change_of_basis")
            q.attrs["description"] = _DESCRIPTIONS["change_of_basis"]
            for key, a in datasets.items():
                ds = q.create_dataset(key, data=a, dtype=string if a.dtype == object else a.dtype)
                if key in _DESCRIPTIONS:
                    ds.attrs["description"] = _DESCRIPTIONS[key]
            table = f.create_group("irreps")
            table.create_dataset("label", data=[label for label, _ in d.irreps], dtype=string)
            table.create_dataset("multiplicity", data=np.array([m for _, m in d.irreps],
                                                              np.int64))
            table.create_dataset("dim", data=np.array(d.irrep_dims, np.int64))
            write_generators(f.create_group("generators"), generators, None,
                              {"in": d.dim, "out": d.dim})
    except OSError as exc:
        if isinstance(exc, BasisFileError):
            raise
        raise write_error(exc, path) from exc
