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

from .coo import Coo, CooMatrix, Partitions, pattern_dtype

if TYPE_CHECKING:  # imported where used: computing and saving a pattern needs no scipy
    import scipy.sparse as sp

    from .spec import Spec

__all__ = ["Basis", "Coo", "CooMatrix", "Generators", "Partitions", "pattern_dtype"]


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
    permutations and ``load`` what it reads): those become scipy matrices on first
    access, so that a basis can be computed, saved, loaded and made a layer without
    importing scipy (``raw`` is what the writer and the layers read).
    """

    in_ = _generator_property("in_")
    out = _generator_property("out")
    lie_in = _generator_property("lie_in")
    lie_out = _generator_property("lie_out")

    def __init__(self, in_=(), out=(), lie_in=(), lie_out=()):
        self._made = {"in_": list(in_), "out": list(out), "lie_in": list(lie_in),
                      "lie_out": list(lie_out)}
        self._problem = None

    @classmethod
    def of(cls, problem, when_read: bool = False) -> Generators:
        """The generators of a ``Problem`` (its discrete actions as CooMatrix entries);
        with ``when_read``, built when first read: writing or checking needs them, and a
        caller of ``decompose`` that wants Q alone does not pay for them."""
        generators = cls()
        generators._problem = problem
        if not when_read:
            generators.raw("in_")
        return generators

    @property
    def _lists(self) -> dict[str, list]:
        if self._problem is not None:
            p, self._problem = self._problem, None
            self._made = {"in_": [g.coo() for g in p.discrete_in],
                          "out": [g.coo() for g in p.discrete_out],
                          "lie_in": list(p.lie_in), "lie_out": list(p.lie_out)}
        return self._made

    def raw(self, kind: str) -> list:
        """The stored list of ``kind``, CooMatrix entries not converted."""
        return self._lists[kind]

    def _matrices(self, kind: str) -> list:
        mats = self._lists[kind]
        converted = {}  # one matrix for an object listed many times (vanishing Lie ones)
        for i, m in enumerate(mats):  # in place: the list keeps its identity for callers
            if isinstance(m, CooMatrix):
                if id(m) not in converted:
                    converted[id(m)] = m.tocsr()
                mats[i] = converted[id(m)]
        return mats

    def __repr__(self) -> str:
        counts = ", ".join(f"{k}={len(v)}" for k, v in self._lists.items())
        return f"Generators({counts})"


@dataclass
class Basis:
    """A basis B_0 .. B_{n_basis-1} of the equivariant maps of ``spec``, each of shape
    (dim_out, dim_in), as :func:`intertwine.compute` and :func:`intertwine.load` return it.

    ``spec``, ``group``, ``rep_in``, ``rep_out`` are canonical strings; ``method`` is the
    method that computed it and ``exact`` whether its values are exact.  The elements are
    held as a ``pattern`` (orbit bases: ``pattern[i, j] = k`` where B_k is 1, -1 where all
    are 0) or as ``coo`` entries, as in the file format; ``generators`` are the group's
    generators on both sides.

    >>> import intertwine
    >>> b = intertwine.compute("S(3): V -> V")
    >>> b.n_basis, b.dim_out, b.dim_in, b.method
    (2, 3, 3, 'orbit')
    >>> b.pattern.tolist()
    [[0, 1, 1], [1, 0, 1], [1, 1, 0]]
    """

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
    #: set-partition labels of products of S(n) (docs/format.rst); alone, without pattern
    #: or coo, they are the whole basis (encoding "partitions", ``--partitions-only``)
    partitions: Partitions | None = None
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
        if self.pattern is not None:
            return "pattern"
        return "coo" if self.coo is not None or self.partitions is None else "partitions"

    def __repr__(self) -> str:
        return (f"<Basis {self.spec!r}: {self.n_basis} elements of shape "
                f"({self.dim_out}, {self.dim_in}), method={self.method}>")

    # -- views ---------------------------------------------------------------------
    def entries(self) -> Coo:
        """All nonzero entries as coo arrays (built from the pattern if needed)."""
        if self.coo is not None:
            return self.coo
        flat = self._pattern().ravel()
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

    def _pattern(self) -> np.ndarray | None:
        """The pattern, expanded from the partition labels for encoding "partitions"."""
        if self.pattern is None and self.coo is None and self.partitions is not None:
            from .partitions import expand_pattern

            return expand_pattern(self)
        return self.pattern

    def dense(self) -> np.ndarray:
        """numpy array of shape (n_basis, dim_out, dim_in); integer for 0/1 patterns."""
        pattern = self._pattern()
        if pattern is not None:
            out = np.zeros((self.n_basis, self.dim_out, self.dim_in), np.int8)
            rows, cols = np.nonzero(pattern >= 0)
            out[pattern[rows, cols], rows, cols] = 1
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
        pattern = self._pattern()
        if pattern is not None:
            return np.where(pattern >= 0, np.append(w, 0)[pattern], 0)
        return (self.sparse().T @ w).reshape(self.dim_out, self.dim_in)

    def save(self, path) -> None:
        """Write the basis to an HDF5 file atomically (see ``intertwine.io``)."""
        from .io.write import save  # io.write needs no Basis: no import cycle
        save(self, path)
