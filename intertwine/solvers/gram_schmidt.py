"""Numeric bases of systems too large for the eigen route, from the exact RREF.

``numeric.py`` finds each component's nullspace from the eigen-decomposition of its
dense Gram matrix M^T M, which bounds a component to ``MAX_DENSE_UNKNOWNS`` orbit
unknowns.  ``SO(3): V**6 -> V**6`` is one component of 22,144.  But the numeric basis is
*defined* as the Gram-Schmidt orthonormalisation, in order, of the RREF basis, and where
the matrices are rational that RREF is exactly computable (``exact.py``: 9 s for
``V**6``).  So this route takes it from there, for problems with a component too large:

1. the exact RREF over the orbit unknowns, in floating point (rounded once per entry);
2. per component, its elements as the rows of a dense matrix A in isometric coordinates
   (c~ = sqrt(|orbit|) c, where the map to W is an isometry), and Gram-Schmidt of those
   rows as Cholesky QR twice: R = chol(A A^T), A <- R^-T A.  One pass loses
   orthogonality like cond(A)^2 * eps (4e-11 for ``V**6``, cond 1.2e4); the second
   brings it to rounding (2e-15).  R's positive diagonal makes it *the* Gram-Schmidt;
3. every element's residual under all the spec's generators, as ``numeric.py`` records
   it (over the distinct primitive constraint rows: the full reduced matrix of ``V**6``
   repeats its 64,879 rows 25 times);
4. the orthonormal elements, dense over the component (81 million orbit entries for
   ``V**6``, 487 million entries of W, a 9.7 GB file), are expanded to W block by block
   while they are written (:class:`NumericCooSource`).

Components that are small enough go the same way: one definition, one code path for
the whole problem.  The results agree with the eigen route to rounding (tested).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..coo import Coo
from ..problem import Problem, TooLarge
from .numeric import (
    MAX_RELATIVE_RESIDUAL,
    MAX_RESIDUAL_ATTRIBUTE,
    NotClearCut,
    _expand,
    _residuals,
)
from .reduce import Reduction, dedupe_rows
from .result import SolveResult

__all__ = ["solve_from_rref", "NumericCooSource", "MAX_DENSE_ENTRIES", "cholesky_qr2"]

#: a component's elements x unknowns as a dense float64 matrix (three are alive at the
#: peak): V**6 has 4,213 x 22,144 = 93 million (0.75 GB)
MAX_DENSE_ENTRIES = 3 * 10**8
#: W entries held whole by an unstreamed result (``compute`` rather than a file)
MAX_UNSTREAMED_ENTRIES = 10**8
#: orbit coefficients below this are rounding noise, not entries (as ``numeric.py``)
ZERO = 1e-14


def solve_from_rref(problem: Problem, reduction: Reduction, labels: np.ndarray,
                    n_parts: int, attrs: dict, stream: bool = False) -> SolveResult:
    """The numeric basis of ``problem`` through its exact RREF: ``reduction`` is its orbit
    reduction, ``labels, n_parts`` its components (``reduce.components``), ``attrs`` the
    diagnostics gathered so far."""
    from .exact import _eliminate, _known_dimension

    sizes = reduction.sizes()
    known = _known_dimension(problem)  # a closed count, where there is one
    _check_dense_sizes(problem, labels, n_parts, sizes, known, stream)
    n_basis, rref, used = _eliminate(reduction.constraints, reduction.unknowns, "auto", known)
    attrs = {**attrs, "exact_elimination": used, "numeric_orthonormalisation":
             "Gram-Schmidt of the exact RREF (Cholesky QR, twice)"}
    coeff = _orthonormal(rref, n_basis, reduction.unknowns, labels, n_parts, sizes)
    # its 64,879 distinct primitive rows stand for 1.6 million rows for V**6
    full = dedupe_rows(reduction.reduce(problem.constraint_matrix())).tocsr()
    residuals = _residuals(full.astype(np.float64), coeff)  # csr: elements fill the orbits
    worst = float(residuals.max(initial=0.0))
    attrs["numeric_max_residual"] = worst
    if len(residuals) <= MAX_RESIDUAL_ATTRIBUTE:
        attrs["numeric_residuals"] = residuals
    scale = abs(full).sum(axis=1).max() if full.nnz else 1.0  # bounds |M c| / |c|_inf
    if worst > MAX_RELATIVE_RESIDUAL * max(float(scale), 1.0):
        raise NotClearCut(f"the orthonormalised basis misses the constraints by {worst:.3g}")
    source = NumericCooSource(reduction, coeff, problem.dim_in)
    if stream and source.nnz > STREAM_BLOCK_ENTRIES:  # as exact.py: small ones whole
        return SolveResult(n_basis, coo=source, attrs=attrs)
    if source.nnz > MAX_UNSTREAMED_ENTRIES:
        raise TooLarge(f"{problem.spec}: its numeric basis has {source.nnz:.3g} entries, too "
                       f"many to hold in memory; write it to a file (intertwine basis, or "
                       f"api.compute_to_file)")
    coo = _expand(reduction, coeff)
    coo.row, coo.col = np.divmod(coo.row, problem.dim_in)
    return SolveResult(n_basis, coo=coo, attrs=attrs)


def _check_dense_sizes(problem: Problem, labels: np.ndarray, n_parts: int,
                       sizes: np.ndarray, n_basis: int | None, stream: bool) -> None:
    """Refuse, before the elimination, a component whose dense matrix would not fit: its
    elements are at most its unknowns, and at most the whole count ``n_basis`` (None
    where no closed count is known).  Unless the result is
    streamed to a file, refuse too one whose elements may fill more entries of W than a
    result held in memory may have (Gram-Schmidt fills a component: ``V**6`` 87%)."""
    if not n_parts:
        return
    counts = np.bincount(labels[labels >= 0])
    widest = int(counts.max())
    height = widest if n_basis is None else min(widest, n_basis)
    positions = int(sizes[labels == int(counts.argmax())].sum())
    if not stream and height * positions > MAX_UNSTREAMED_ENTRIES:
        raise TooLarge(f"{problem.spec}: its numeric basis may have up to "
                       f"{height * positions:.3g} entries, too many to hold in memory; write "
                       f"it to a file (intertwine basis, or api.compute_to_file)")
    if height * widest > MAX_DENSE_ENTRIES:
        raise TooLarge(f"{problem.spec}: method numeric orthonormalises at most "
                       f"{MAX_DENSE_ENTRIES:.0e} dense entries per component, and one of its "
                       f"components has up to {height} elements over {widest} orbit "
                       f"unknowns.\nUse --method exact: the basis in reduced row-echelon "
                       f"form is sparse.")


def cholesky_qr2(a: np.ndarray) -> np.ndarray:
    """Gram-Schmidt of the rows of ``a`` (C order, float64, full row rank), in place:
    Cholesky QR twice.  Raises ``NotClearCut`` if the rows are numerically dependent.

    The second pass's R is I + U with U of the order of the first pass's loss of
    orthogonality (``V**6``: |U|_F = 9e-9).  R^-T = I - U^T + O(|U|^2), so the second
    pass is a <- a - U^T a with that product in float32: its error, |U| times float32's
    rounding, is below float64's (the two agree to 1e-16 on ``V**6``), at half the time
    of the float64 triangular solve."""
    from scipy.linalg import blas

    rows_t = a.T  # Fortran order: BLAS works on it in place
    r = _cholesky(blas.dsyrk(1.0, rows_t, trans=1))  # a a^T = R^T R
    blas.dtrsm(1.0, r, rows_t, side=1, lower=0, overwrite_b=1)  # a^T <- a^T R^-1
    r = _cholesky(blas.dsyrk(1.0, rows_t, trans=1))
    r[np.diag_indices_from(r)] -= 1.0  # U
    if np.linalg.norm(r) > MIXED_PRECISION_BELOW:
        r[np.diag_indices_from(r)] += 1.0
        blas.dtrsm(1.0, r, rows_t, side=1, lower=0, overwrite_b=1)
        return a
    correction = blas.strmm(1.0, r.astype(np.float32), rows_t.astype(np.float32, order="F"),
                            side=1, lower=0, overwrite_b=1)  # a^T U
    rows_t -= correction
    return a


#: the second pass's |U|_F up to which its product goes in float32: the first-order
#: error |U|^2 and float32's |U| * 6e-8 stay below 1e-14
MIXED_PRECISION_BELOW = 1e-7


def _cholesky(gram: np.ndarray) -> np.ndarray:
    """The upper Cholesky factor of ``gram`` (its upper triangle, Fortran order), in place."""
    from scipy.linalg import lapack

    r, info = lapack.dpotrf(gram, lower=0, clean=1, overwrite_a=1)
    if info:
        raise NotClearCut("the RREF's elements are numerically dependent; no orthonormal "
                          "basis to working accuracy")
    return r


def _orthonormal(rref: Coo, n_basis: int, unknowns: int, labels: np.ndarray, n_parts: int,
                 sizes: np.ndarray) -> sp.csr_matrix:
    """The Gram-Schmidt basis, in orbit coordinates: (n_basis, unknowns), element by row.

    The RREF's components have disjoint supports (each element lies in the component of
    its leading unknown, or is a lone unknown no constraint touches), so Gram-Schmidt in
    order acts on each component alone."""
    scale = np.sqrt(sizes.astype(np.float64))  # c -> c~
    index, col = np.asarray(rref.index, np.int64), np.asarray(rref.row, np.int64)
    value = np.asarray(rref.value, np.float64)
    part = labels[col]
    lone = np.flatnonzero(part < 0)  # lone unknowns: elements of one orbit, normalised
    rows = [(index[lone], np.ones(len(lone), np.int64), col[lone], 1.0 / scale[col[lone]])]
    order = np.argsort(part, kind="stable")
    bounds = np.searchsorted(part[order], np.arange(n_parts + 1))
    for k in range(n_parts):
        at = order[bounds[k]:bounds[k + 1]]
        if len(at):
            rows.append(_component(index[at], col[at], value[at], scale, n_basis, unknowns))
    elements, counts, indices, data = (np.concatenate(a) for a in zip(*rows))
    if len(elements) > 1 and not np.all(elements[1:] > elements[:-1]):  # interleaved
        by_element = np.argsort(elements, kind="stable")
        starts = np.cumsum(counts) - counts
        take = _ranges(starts[by_element], counts[by_element])
        elements, counts = elements[by_element], counts[by_element]
        indices, data = indices[take], data[take]
    if not np.array_equal(elements, np.arange(n_basis)):
        raise AssertionError("the RREF's elements do not fall into the components")
    indptr = np.concatenate([[0], np.cumsum(counts)])
    coeff = sp.csr_matrix((data, indices, indptr), shape=(n_basis, unknowns))
    coeff.has_sorted_indices = True  # each row's unknowns come in increasing order
    return coeff


def _component(index, col, value, scale, n_basis: int, unknowns: int):
    """One component's orthonormal elements: (elements, entries per element, unknowns,
    values), element by element, unknowns increasing."""
    elements, e = _numbering(index, n_basis)
    columns, c = _numbering(col, unknowns)
    a = np.zeros((len(elements), len(columns)))
    a[e, c] = value * scale[col]
    del e, c
    cholesky_qr2(a)
    a *= 1.0 / scale[columns]
    keep = a >= ZERO  # |a| >= ZERO without a temporary the size of a (V**6: 750 MB)
    keep |= a <= -ZERO
    counts = keep.sum(axis=1)
    flat = np.flatnonzero(keep)
    del keep
    data = a.ravel()[flat]
    del a
    flat -= np.repeat(np.arange(len(elements)) * len(columns), counts)
    return elements, counts, columns.astype(np.int32)[flat], data


def _numbering(values: np.ndarray, size: int):
    """(the distinct values, increasing; each value's number among them), values < size."""
    if 8 * len(values) < size:  # few: sort them
        distinct, number = np.unique(values, return_inverse=True)
        return distinct, number.ravel()
    seen = np.zeros(size, bool)  # many: a table over all values is cheaper than sorting
    seen[values] = True
    number = np.cumsum(seen) - 1
    return np.flatnonzero(seen), number[values]


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """starts[0] .. starts[0] + counts[0] - 1, then the same for each following range."""
    shift = np.repeat(starts - (np.cumsum(counts) - counts), counts)
    return np.arange(int(counts.sum())) + shift


#: W entries per block of a streamed result
STREAM_BLOCK_ENTRIES = 8 * 10**6


class _UsedPositions:
    """The positions of W that lie in an orbit, increasing: each one's orbit, sign, row
    and column (narrow where the sizes allow: the file stores int32)."""

    def __init__(self, reduction: Reduction, dim_in: int):
        used = np.flatnonzero(reduction.orbit >= 0)
        self.orbit = reduction.orbit[used].astype(np.intp)
        self.sign = reduction.sign[used].astype(np.float64)
        narrow = np.int32 if len(reduction.orbit) < 2**31 else np.int64
        row, col = np.divmod(used, dim_in)
        self.row, self.col = row.astype(narrow), col.astype(narrow)


class NumericCooSource:
    """The coo entries of W of an orthonormal basis in orbit coordinates (``coeff``),
    block by block, in the order of the whole array: by element, then position.

    A block of elements that is dense over the orbits (Gram-Schmidt fills them in) is
    expanded by one gather over all positions, in position order; a sparse one by
    ``Reduction.expand``."""

    exact = False
    numerator_dtype = None

    def __init__(self, reduction: Reduction, coeff: sp.csr_matrix, dim_in: int):
        self.reduction, self.coeff, self.dim_in = reduction, coeff, dim_in
        sizes = sp.csr_matrix((reduction.sizes()[coeff.indices], coeff.indices,
                               coeff.indptr), shape=coeff.shape)
        entries = np.asarray(sizes.sum(axis=1)).ravel()  # W entries of each element
        self._before = np.concatenate([[0], np.cumsum(entries)])
        self.nnz = int(self._before[-1])

    def __len__(self) -> int:
        return self.nnz

    def blocks(self, entries: int = STREAM_BLOCK_ENTRIES):
        n = self.coeff.shape[0]
        used = _UsedPositions(self.reduction, self.dim_in)
        lo = 0
        while lo < n:
            hi = int(np.searchsorted(self._before, self._before[lo] + entries, "right")) - 1
            hi = min(max(hi, lo + 1), n)
            count = int(self._before[hi] - self._before[lo])
            if 4 * count >= (hi - lo) * len(used.orbit):
                yield self._dense_block(lo, hi, used)
            else:
                yield self._sparse_block(lo, hi)
            lo = hi

    def _dense_block(self, lo: int, hi: int, used: _UsedPositions) -> Coo:
        """A block of elements over all used positions at once: a gather of their orbit
        coefficients, then the nonzeros in position order.  Rows and columns are looked
        up per position (a gather) rather than divided out (``V**6``: 0.16 s a block of
        8 million entries instead of 0.4 s)."""
        values = np.take(self.coeff[lo:hi].toarray(), used.orbit, axis=1)
        values *= used.sign
        keep = values != 0
        counts = keep.sum(axis=1)
        flat = np.flatnonzero(keep)
        del keep
        value = values.ravel()[flat]
        del values
        flat -= np.repeat(np.arange(hi - lo) * len(used.orbit), counts)  # among used
        index = np.repeat(np.arange(lo, hi, dtype=used.row.dtype), counts)
        return Coo(index, used.row[flat], used.col[flat], value)

    def _sparse_block(self, lo: int, hi: int) -> Coo:
        coo = _expand(self.reduction, self.coeff[lo:hi])
        coo.index += lo
        coo.row, coo.col = np.divmod(coo.row, self.dim_in)
        return coo
