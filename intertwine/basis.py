"""The Basis object: one basis {B_0, ..., B_{N-1}} of an intertwiner space.

A basis is stored either as a ``pattern`` (0/1 elements with disjoint supports, the
usual weight-sharing picture: ``W = w[pattern]``) or as coo arrays (``index``, ``row``,
``col``, ``value``), with exact numerators and denominators when the values are exact.

>>> import intertwine
>>> b = intertwine.compute("S(3): V -> V")
>>> b.n_basis, b.encoding
(2, 'pattern')
>>> b.dense()[1].tolist()
[[0, 1, 1], [1, 0, 1], [1, 1, 0]]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .coo import Coo, CooMatrix, pattern_dtype

if TYPE_CHECKING:  # imported where used: computing and saving a pattern needs no scipy
    import scipy.sparse as sp

    from .spec import Spec

__all__ = ["Basis", "Coo", "CooMatrix", "Generators", "pattern_dtype"]


def _generator_property(kind: str) -> property:
    def get(self):
        return self._matrices(kind)

    def put(self, value):
        self._lists[kind] = list(value)

    return property(get, put, doc=f"``{kind}`` as a list of scipy sparse matrices")


class Generators:
    """Representation matrices of the group's generators on the input and output.

    ``in_``/``out``: discrete generators rho(g); ``lie_in``/``lie_out``: Lie-algebra
    generators d rho(A).  Read as attributes they are lists of scipy sparse matrices.
    They may be given as :class:`CooMatrix` too (how ``compute`` stores signed
    permutations): those become scipy matrices on first access, so that a basis can be
    computed and saved without importing scipy (``raw`` is what the writer reads).
    """

    in_ = _generator_property("in_")
    out = _generator_property("out")
    lie_in = _generator_property("lie_in")
    lie_out = _generator_property("lie_out")

    def __init__(self, in_=(), out=(), lie_in=(), lie_out=()):
        self._lists = {"in_": list(in_), "out": list(out), "lie_in": list(lie_in),
                       "lie_out": list(lie_out)}

    def raw(self, kind: str) -> list:
        """The stored list of ``kind``, CooMatrix entries not converted."""
        return self._lists[kind]

    def _matrices(self, kind: str) -> list:
        mats = self._lists[kind]
        for i, m in enumerate(mats):  # in place: the list keeps its identity for callers
            if isinstance(m, CooMatrix):
                mats[i] = m.tocsr()
        return mats

    def __repr__(self) -> str:
        counts = ", ".join(f"{k}={len(v)}" for k, v in self._lists.items())
        return f"Generators({counts})"


@dataclass
class Basis:
    spec: str
    group: str
    rep_in: str
    rep_out: str
    dim_in: int
    dim_out: int
    n_basis: int
    method: str
    exact: bool
    pattern: np.ndarray | None = None
    coo: Coo | None = None
    generators: Generators = field(default_factory=Generators)
    #: extra root attributes: solver diagnostics, the writing version, ...
    attrs: dict = field(default_factory=dict)
    #: the parsed spec, kept by ``compute`` (a loaded file parses ``spec`` on first use)
    parsed: Spec | None = field(default=None, repr=False, compare=False)

    @property
    def parsed_spec(self) -> Spec:
        """``spec`` parsed once (raises ``SpecError`` if it does not parse)."""
        if self.parsed is None:
            from .spec import parse_spec

            self.parsed = parse_spec(self.spec)
        return self.parsed

    @property
    def encoding(self) -> str:
        return "pattern" if self.pattern is not None else "coo"

    def __repr__(self) -> str:
        return (f"<Basis {self.spec!r}: {self.n_basis} elements of shape "
                f"({self.dim_out}, {self.dim_in}), method={self.method}>")

    # -- views ---------------------------------------------------------------------
    def entries(self) -> Coo:
        """All nonzero entries as coo arrays (built from the pattern if needed)."""
        if self.coo is not None:
            return self.coo
        flat = self.pattern.ravel()
        pos = np.flatnonzero(flat >= 0)
        row, col = np.divmod(pos, self.dim_in)
        ones = np.ones(len(pos), np.int64)
        return Coo(flat[pos].astype(np.int64), row, col, ones.astype(np.float64), ones, ones)

    def sparse(self) -> sp.csr_matrix:
        """scipy.sparse, shape (n_basis, dim_out*dim_in): row k is row-major vec(B_k)."""
        import scipy.sparse as sp

        c = self.entries()
        flat = c.row.astype(np.int64) * self.dim_in + c.col
        return sp.csr_matrix((c.value, (c.index, flat)),
                             shape=(self.n_basis, self.dim_out * self.dim_in))

    def dense(self) -> np.ndarray:
        """numpy array of shape (n_basis, dim_out, dim_in); integer for 0/1 patterns."""
        if self.pattern is not None:
            out = np.zeros((self.n_basis, self.dim_out, self.dim_in), np.int8)
            rows, cols = np.nonzero(self.pattern >= 0)
            out[self.pattern[rows, cols], rows, cols] = 1
            return out
        out = np.zeros((self.n_basis, self.dim_out, self.dim_in), np.float64)
        c = self.coo
        out[c.index, c.row, c.col] = c.value
        return out

    def weights_to_matrix(self, w) -> np.ndarray:
        """W = sum_k w_k B_k for a vector of n_basis weights."""
        w = np.asarray(w)
        if w.shape != (self.n_basis,):
            raise ValueError(f"expected {self.n_basis} weights, got shape {w.shape}")
        if self.pattern is not None:
            return np.where(self.pattern >= 0, np.append(w, 0)[self.pattern], 0)
        return (self.sparse().T @ w).reshape(self.dim_out, self.dim_in)

    def save(self, path) -> None:
        """Write the basis to an HDF5 file atomically (see ``intertwine.io``)."""
        from .io.write import save  # io.write needs no Basis: no import cycle
        save(self, path)
