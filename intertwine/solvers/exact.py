"""Exact solver: the nullspace of the integer constraint matrix over the rationals.

The elimination is ``integer.rref``: sparse fraction-free Gauss-Jordan in Python ints
(no sympy import, so a continuous spec starts as fast as a finite one); systems of at
least ``MODULAR_MIN_UNKNOWNS`` unknowns go to ``modular`` instead (the same elimination
in C modulo a prime, then rational reconstruction and an exact proof; where it cannot
prove its result, or is not built, ``integer.rref`` decides).  sympy's sparse
``DomainMatrix`` over QQ (``backend="sympy"``) is kept as the reference it is tested
against: the three give identical results on every spec of the test suite.

docs/format.rst wants the basis itself in reduced row-echelon form (leading entries at
the smallest positions).  The textbook nullspace of RREF(C) is not that; but with the
columns of C reversed, every free column f gives a vector whose other entries sit at
pivot columns before f -- i.e. *after* f once the order is restored -- and no other
vector touches f.  Reversing back therefore yields the RREF basis with no second
elimination.
"""

from __future__ import annotations

import numpy as np

from ..coo import Coo, CooMatrix
from ..problem import Problem
from .registry import LIMITS
from .result import SolveResult

__all__ = ["solve_exact", "nullspace_rref", "BACKENDS", "ExactCooSource", "eliminate",
           "known_dimension"]

#: "integer": ``integer.rref`` in Python; "modular": ``modular`` (C, modulo a prime, then
#: an exact proof; falls back to "integer" where it cannot prove its result); "auto": the
#: one that is faster for the size; "sympy": the reference
BACKENDS = ("auto", "integer", "modular", "sympy")
#: backend "auto" hands systems of at least this many unknowns to ``modular``, where the
#: extension is built (``SO(3): V**6 -> V**6``: 9 s instead of 125); smaller ones stay
#: in Python, which is as fast there and starts without scipy.sparse's heavier parts
MODULAR_MIN_UNKNOWNS = 1000


def _row_bounds(m: CooMatrix) -> list[int]:
    """Where each row's entries start and end in a matrix in row-major order."""
    return np.concatenate([[0], np.cumsum(np.bincount(m.row, minlength=m.shape[0]))]).tolist()


def _to_domain_matrix(matrix, n_cols: int):
    from sympy import QQ
    from sympy.polys.matrices import DomainMatrix

    matrix = CooMatrix.of(matrix).canonical()
    rows: dict[int, dict[int, object]] = {}
    seen: set[bytes] = set()
    bounds = _row_bounds(matrix)
    for lo, hi in zip(bounds, bounds[1:]):
        if lo == hi:
            continue
        cols = (n_cols - 1 - matrix.col[lo:hi]).tolist()  # reversed column order
        vals = matrix.value[lo:hi].tolist()
        key = np.array(cols + vals, np.int64).tobytes()
        if key in seen:  # permutation constraints repeat rows a lot
            continue
        seen.add(key)
        rows[len(rows)] = {c: QQ(int(v)) for c, v in zip(cols, vals) if v}
    return DomainMatrix(rows, (len(rows), n_cols), QQ)


def choose_backend(n_cols: int, backend: str = "auto",
                   modular_from: int | None = None) -> str:
    """The elimination ``backend`` "auto" takes for a system of ``n_cols`` unknowns
    (``modular`` from ``modular_from`` unknowns on, default ``MODULAR_MIN_UNKNOWNS``,
    where the extension is built)."""
    if backend != "auto":
        return backend
    if n_cols < (MODULAR_MIN_UNKNOWNS if modular_from is None else modular_from):
        return "integer"
    from . import modular  # imports scipy.sparse: only for large systems

    return "modular" if modular.available() else "integer"


def nullspace_rref(matrix, n_cols: int, backend: str = "auto",
                   nullity: int | None = None) -> tuple[int, Coo]:
    """RREF basis of {x : matrix x = 0} for an integer sparse matrix (``CooMatrix``, or
    scipy's), as coo entries (``row`` = position, ``col`` = 0).  ``backend``: one of
    ``BACKENDS``.  ``nullity``, the dimension of the nullspace from an independent count
    where one is known, lets ``integer.rref`` skip dependent rows."""
    if backend == "auto":
        return _eliminate(matrix, n_cols, backend, nullity)[:2]
    if backend == "sympy":
        return _nullspace_sympy(matrix, n_cols)
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose one of {BACKENDS}")
    from .integer import nullspace_entries
    from .reduce import dedupe_rows

    m = dedupe_rows(matrix)  # primitive distinct rows: permutation constraints repeat a lot
    if backend == "modular":
        from . import modular

        found = modular.nullspace_entries(m, n_cols)
        if found is None:
            raise modular.Unproved("the modular elimination could not prove its result "
                                   "(entries beyond its bounds); use backend integer")
        n_basis, index, pos, num, den = found
        return n_basis, Coo(index, pos, np.zeros(len(pos), np.int64), _floats(num, den),
                            num, den)
    cols = (n_cols - 1 - m.col).tolist()  # reversed column order
    vals = m.value.tolist()
    if m.nnz <= 256:  # (a few entries: the same dicts, without numpy's bounds)
        rows = [{} for _ in range(m.shape[0])]
        for r, c, v in zip(m.row.tolist(), cols, vals):
            rows[r][c] = v
    else:
        bounds = _row_bounds(m)
        rows = [dict(zip(cols[lo:hi], vals[lo:hi])) for lo, hi in zip(bounds, bounds[1:])]
    n_basis, index, pos, num, den = nullspace_entries(rows, n_cols, nullity)
    return n_basis, Coo(index, pos, np.zeros(len(pos), np.int64), _floats(num, den), num, den)


def _floats(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den correctly rounded, as Python's int division gives it."""
    if num.dtype != object and len(num) and max(abs(num).max(), den.max()) < 2**53:
        return num / den  # both exact in float64: one rounding, as in Python
    return np.array([int(a) / int(b) for a, b in zip(num, den)], np.float64)


def _nullspace_sympy(matrix, n_cols: int) -> tuple[int, Coo]:
    dm = _to_domain_matrix(matrix, n_cols)
    if dm.shape[0]:
        rref, pivots = dm.rref(method="GJ")
        table = rref.rep.to_sdm() if hasattr(rref.rep, "to_sdm") else rref.rep
    else:
        pivots, table = (), {}
    pivot_set = set(pivots)
    free = [c for c in range(n_cols) if c not in pivot_set]
    # Original position of reversed column c is n_cols-1-c: the largest free reversed
    # column leads the first basis element.
    order = {c: k for k, c in enumerate(sorted(free, reverse=True))}
    index, pos, num, den = [], [], [], []
    for c in free:
        index.append(order[c])
        pos.append(n_cols - 1 - c)
        num.append(1)
        den.append(1)
    for r, row in table.items():
        p = pivots[r]
        for c, v in row.items():
            if c == p or c not in order:
                continue
            index.append(order[c])
            pos.append(n_cols - 1 - p)
            num.append(-int(v.numerator))
            den.append(int(v.denominator))
    index = np.array(index, np.int64)
    pos = np.array(pos, np.int64)
    fits = all(abs(x) < 2**63 for x in num) and all(x < 2**63 for x in den)
    num_arr = np.array(num, np.int64 if fits else object)
    den_arr = np.array(den, np.int64 if fits else object)
    value = np.array([a / b for a, b in zip(num, den)], np.float64)
    sort = np.lexsort((pos, index))
    coo = Coo(index[sort], pos[sort], np.zeros(len(pos), np.int64), value[sort],
              num_arr[sort], den_arr[sort])
    return len(free), coo


#: W entries expanded at once by a streamed result: about 50 bytes each in flight
STREAM_BLOCK_ENTRIES = 4 * 10**6


class ExactCooSource:
    """The exact coo entries of W, produced block by block for writing (``io.save``).

    Holds the RREF over the orbit unknowns (a few percent of the entries of W:
    ``SO(3): V**6 -> V**6`` has 9.8 million orbit entries, 58.8 million entries of W)
    and expands it to W element block by element block (``Reduction.expand``), in the
    order the whole array would have: by element, then position.
    """

    def __init__(self, reduction, orbit_coo: Coo, dim_in: int):
        self.reduction, self.orbit_coo, self.dim_in = reduction, orbit_coo, dim_in
        sizes = reduction.sizes()[orbit_coo.row]
        self._ends = np.cumsum(sizes)  # W entries up to and including each orbit entry
        self.nnz = int(self._ends[-1]) if len(sizes) else 0
        self.exact = True
        self.numerator_dtype = orbit_coo.numerator.dtype

    def __len__(self) -> int:
        return self.nnz

    def blocks(self, entries: int = STREAM_BLOCK_ENTRIES):
        """Coo blocks of whole elements, about ``entries`` W entries each (row, col split)."""
        c = self.orbit_coo
        # cut only where an element starts, so that each block sorts on its own
        bounds = np.append(np.flatnonzero(np.diff(c.index, prepend=-1)), len(c))
        before = np.concatenate([[0], self._ends])[bounds]  # W entries before each cut
        lo, last = 0, len(bounds) - 1
        while lo < last:
            hi = min(max(np.searchsorted(before, before[lo] + entries, "right") - 1, lo + 1),
                     last)
            a, b = bounds[lo], bounds[hi]
            part = Coo(c.index[a:b], c.row[a:b], c.col[a:b], c.value[a:b],
                       c.numerator[a:b], c.denominator[a:b])
            block = self.reduction.expand(part)
            block.row, block.col = np.divmod(block.row, self.dim_in)
            yield block
            lo = hi


def solve_exact(problem: Problem, subgroup: bool | None = None,
                backend: str = "auto", stream: bool = False,
                nullity: int | None = None,
                modular_from: int | None = None) -> SolveResult:
    """RREF basis over the rationals.

    ``subgroup`` (default: for continuous groups) first reduces to the orbits of the
    finite signed-permutation subgroup (``reduce.by_subgroup``); the RREF of the orbit
    coefficients maps entry for entry to the RREF of W.  Finite groups keep the plain
    elimination, so that it stays an independent check of the orbit solver.
    ``backend``: one of ``BACKENDS``: "auto" (``modular`` for large systems, else
    ``integer.rref``), "integer", "modular" or "sympy" (the reference).
    ``stream``: the result's "coo" may be an ``ExactCooSource`` (when it is larger than
    ``STREAM_BLOCK_ENTRIES`` and reduced), for ``io.save`` to write block by block.
    ``nullity``: the dimension, where the caller has it from an independent count
    (``decompose``: the characters' multiplicity); otherwise asked of ``counting``.
    ``modular_from``: the size from which "auto" eliminates in C (``choose_backend``).
    """
    if subgroup is None:
        subgroup = not problem.finite
    if subgroup:
        from .reduce import by_subgroup

        reduction = by_subgroup(problem)
        if backend not in ("auto", "integer"):
            nullity = None
        elif nullity is None:
            nullity = known_dimension(problem)
        n_basis, coo, used = _eliminate(reduction.constraints, reduction.unknowns, backend,
                                        nullity, modular_from)
        attrs = {"exact_subgroup_reduction": True, "exact_elimination": used}
        if stream:
            source = ExactCooSource(reduction, coo, problem.dim_in)
            if source.nnz > STREAM_BLOCK_ENTRIES and coo.numerator.dtype != object:
                return SolveResult(n_basis, coo=source, attrs=attrs)
        coo = reduction.expand(coo)
    else:
        n_basis, coo, used = _eliminate(problem.constraint_matrix(), problem.entries, backend)
        attrs = {"exact_subgroup_reduction": False, "exact_elimination": used}
    coo.row, coo.col = np.divmod(coo.row, problem.dim_in)
    return SolveResult(n_basis, coo=coo, attrs=attrs)


def _eliminate(matrix, n_cols: int, backend: str, nullity: int | None = None,
               modular_from: int | None = None):
    """``nullspace_rref`` with "auto" resolved, and the elimination that gave the result
    (it goes into the file as ``exact_elimination``)."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose one of {BACKENDS}")
    used = choose_backend(n_cols, backend, modular_from)
    if used == "modular" and backend == "auto":
        from .modular import Unproved

        try:
            return (*nullspace_rref(matrix, n_cols, used), used)
        except Unproved:
            used = "integer"
    return (*nullspace_rref(matrix, n_cols, used, nullity), used)


def eliminate(matrix, n_cols: int, backend: str, nullity: int | None = None):
    """``nullspace_rref`` with "auto" resolved, and the elimination that gave the result:
    (n_basis, rref, elimination).  (Through the module's ``_eliminate`` at each call, so
    that a test may replace it.)"""
    return _eliminate(matrix, n_cols, backend, nullity)


def known_dimension(problem: Problem) -> int | None:
    """The dimension from a closed form (``counting``), if one is known: the orbit
    reduction keeps it (one unknown per orbit, the RREF maps entry for entry).  Only
    asked for continuous groups: a finite group's exact elimination stays independent
    of its character count, which checks it."""
    from ..counting import independent_count

    try:
        return independent_count(problem.spec)[0]
    except (ValueError, OverflowError, MemoryError):  # a count too large to attempt
        return None


# -- the method's limits (solvers/exact_method.py registers it) -------------------------

# continuous groups first shrink to the orbits of a finite subgroup, then eliminate modulo
# a prime in C with an exact proof (solvers/modular.py; Python ints in solvers/integer.py
# for small systems or without the extension): SO(3): V**6 -> V**6 (531,441 unknowns)
# takes about 18 s and 1.5 GiB with the file written (130 s in Python ints).  Finite
# groups keep the plain elimination (an independent check of the orbit solver).
LIMITS["exact"] = 11 * 10**5
LIMITS["exact_finite"] = 3 * 10**4
