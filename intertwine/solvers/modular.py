"""Exact RREF of large sparse systems: elimination modulo a prime, then a proof.

``integer.rref`` reduces rows of Python ints in a Python loop; on the largest continuous
systems (``SO(3): V**6 -> V**6``: 64,879 rows, 22,144 orbit unknowns, rank 17,931) that
loop is two minutes.  Here the same Gauss-Jordan (same row order, same pivots) runs in C
(``_modular.c``) modulo the prime p = 2**61 - 1, where every entry is one machine word,
and the exact answer is recovered and then *proved*:

1. RREF of the rows modulo p: pivot columns and, per pivot row, residues;
2. rational reconstruction: each residue v becomes the fraction n/d with |n|, d below
   sqrt(p/2) and n = v d (mod p) (unique if it exists; the RREF entries of these systems
   are small: ``SO(3): V**6 -> V**6`` has integers up to 224);
3. verification, exactly: the candidate basis (identity at the free columns, minus the
   reconstructed RREF entries at the pivots) is multiplied by the integer constraint
   matrix, in int64 where a bound shows no sum can overflow (else modulo primes whose
   product exceeds the bound), and every product must be zero.

Why 3 proves the result is *the* RREF basis, whatever happened in 1 and 2: the pivot rows
found modulo p are in echelon form with nonzero pivots, so the rank modulo p is at least
their number r, and the rank over the rationals is at least the rank modulo p (a nonzero
minor modulo p is a nonzero integer).  So the nullspace has dimension at most n - r.  The
candidate holds n - r vectors in it (step 3), independent (each has a 1 where the others
have 0): they span it.  And they are in reduced echelon form, which a space has only one
of.  A wrong pivot set or reconstruction (an unlucky prime, an entry beyond the bound)
fails step 3, and the caller falls back to ``integer.rref``.

The C module is built at install time where a compiler is found (``setup.py``;
optional); without it ``available()`` is False and the exact solver uses ``integer.py``.
"""

from __future__ import annotations

from math import isqrt, lcm
from typing import TYPE_CHECKING

import numpy as np

from ..coo import CooMatrix, matmul

if TYPE_CHECKING:
    import scipy.sparse as sp

__all__ = ["available", "nullspace_entries", "PRIME", "Unproved"]

#: the prime of the elimination: 2**61 - 1 (products of residues fit in 128 bits)
PRIME = (1 << 61) - 1
#: verification primes (below 2**31: a row's sum of products stays far below 2**63)
_CHECK_PRIMES = (2147483647, 2147483629, 2147483587, 2147483579, 2147483563, 2147483549)


class Unproved(ArithmeticError):
    """Backend "modular" asked for explicitly, and its result could not be proved."""


def available() -> bool:
    """Whether the compiled elimination is installed."""
    try:
        from . import _modular  # noqa: F401
    except ImportError:
        return False
    return True


def nullspace_entries(m: CooMatrix | sp.csr_matrix, n_cols: int):
    """``integer.nullspace_entries`` for the rows of ``m`` (original column order, integer
    entries, distinct primitive rows as ``reduce.dedupe_rows`` gives), through the
    modular elimination; None when the result cannot be proved (the caller then takes
    the pure-Python path).  Same return value: (n_basis, index, position, numerator,
    denominator), sorted by element then position, int64."""
    try:
        from . import _modular
    except ImportError:
        raise ValueError("backend modular: the extension intertwine.solvers._modular is not "
                         "built (setup.py builds it where a C compiler is found)") from None
    from .reduce import DistinctRows

    if not isinstance(m, DistinctRows):  # (dedupe_rows' result is canonical, int64)
        m = CooMatrix.of(m).canonical()
        m = CooMatrix(m.row, m.col, m.value.astype(np.int64), m.shape)
    rev_indptr, rev_indices, rev_data = _reversed_rows(m, n_cols)
    prime = PRIME  # read here: tests make it small, to see that unlucky primes are caught
    pivots, indptr, cols, vals = (
        np.frombuffer(b, np.int64) for b in _modular.rref(
            rev_indptr, rev_indices, rev_data, n_cols, prime))
    # numerators and denominators up to the bound reconstruct: 2 * bound**2 < prime
    num, den, ok = _modular.reconstruct(vals.view(np.uint64), prime, isqrt((prime - 1) // 2))
    if not ok:
        return None
    num, den = np.frombuffer(num, np.int64), np.frombuffer(den, np.int64)
    # RREF row of pivot p: 1 at p, num/den at cols; the element led by free (reversed)
    # column c holds -num/den at (reversed) pivot p for each entry (p, c)
    free = np.setdiff1d(np.arange(n_cols), pivots, assume_unique=True)  # no numpy.ma
    n_basis = len(free)
    element = np.full(n_cols, -1, np.int64)
    element[free[::-1]] = np.arange(n_basis)
    lengths = np.diff(indptr)
    index = np.concatenate([element[free], element[cols]])
    pos = np.concatenate([n_cols - 1 - free, np.repeat(n_cols - 1 - pivots, lengths)])
    num = np.concatenate([np.ones(n_basis, np.int64), -num])
    den = np.concatenate([np.ones(n_basis, np.int64), den])
    if (index < 0).any():  # an entry at a pivot column: not a reduced form
        return None
    # by element, then position: one key (unique: an element holds a position once),
    # 2-4x faster than np.lexsort on V**6's millions of entries
    sort = np.argsort(index * n_cols + pos)
    index, pos, num, den = index[sort], pos[sort], num[sort], den[sort]
    if not _verify(m, n_basis, index, pos, num, den):
        return None
    return n_basis, index, pos, num, den


def _reversed_rows(m: CooMatrix, n_cols: int):
    """The rows of ``m`` (canonical) as CSR arrays in the elimination's form: columns
    reversed (see exact.py) and sorted within each row, empty rows left out, rows ordered
    as integer.rref orders them (the latest leading column first, then the shortest).
    Numpy alone: medium systems come here too, and scipy.sparse costs 0.1 s to import."""
    # canonical entries run by row, then column: read backwards, they run by row
    # downwards and, within a row, by reversed column upwards
    rev_col, data = (n_cols - 1 - m.col)[::-1], m.value[::-1]
    lengths = np.bincount(m.row, minlength=m.shape[0])
    starts = (m.nnz - np.cumsum(lengths)).astype(np.int64)
    keep = np.flatnonzero(lengths > 0)
    lead = rev_col[starts[keep]]
    if np.all(lengths[keep][1:] >= lengths[keep][:-1]):
        # rows by length already (``dedupe_rows``' order): a stable sort by the lead
        # alone orders them so, by radix sort for 16-bit keys (a third of np.lexsort)
        later = n_cols - 1 - lead
        rows = keep[np.argsort(later.astype(np.uint16) if n_cols <= 2**16 else later,
                               kind="stable")]
    else:
        rows = keep[np.lexsort((lengths[keep], -lead))]
    kept = lengths[rows]
    indptr = np.concatenate([[0], np.cumsum(kept)]).astype(np.int64)
    take = np.repeat(starts[rows] - indptr[:-1], kept) + np.arange(indptr[-1])
    return indptr, rev_col[take].astype(np.int64), data[take].astype(np.int64)


def _verify(m: sp.csr_matrix | CooMatrix, n_basis: int, index, pos, num, den) -> bool:
    """m @ x == 0 exactly for every element x (entries num/den at pos)."""
    if n_basis == 0 or m.shape[0] == 0:
        return True
    m = CooMatrix.of(m)
    m = CooMatrix(m.row, m.col, m.value.astype(np.int64), m.shape)
    starts = np.flatnonzero(np.diff(index, prepend=-1))
    # the common denominator of each element, then its integer multiple
    common = np.lcm.reduceat(den, starts)
    if (common <= 0).any() or common.max() >= 2**62:  # overflow: lcm in Python ints
        return _verify_python(m, index, pos, num, den)
    scale = np.repeat(common, np.diff(np.append(starts, len(index)))) // den
    big = np.abs(num).astype(np.float64) * scale
    row_l1 = float(_row_l1(m))
    if big.max() * row_l1 < 2**62:  # no sum of products can overflow int64
        ints = num * scale
        return _products_zero(m, index, pos, ints, n_basis, None)
    return _verify_python(m, index, pos, num, den)


def _row_l1(m: CooMatrix) -> int:
    """The largest sum of |entries| of a row."""
    sums = np.zeros(max(m.shape[0], 1), np.int64)
    np.add.at(sums, m.row, np.abs(m.value))
    return int(sums.max())


#: structural entries of m @ X below which the check multiplies in numpy (coo.matmul)
#: rather than in scipy, whose import costs more than such a product
_NUMPY_PRODUCT = 2 * 10**6


def _products_zero(m: CooMatrix, index, pos, ints, n_basis, prime) -> bool:
    """m @ X == 0 for the sparse X (position, element) -> ints, element block by block
    (the product's structure, before cancellation, is far denser than X)."""
    # structural entries of one element's product: its entries times a column's weight
    per_element = max(1.0, len(ints) / n_basis * m.nnz / max(m.shape[1], 1))
    if per_element * n_basis < _NUMPY_PRODUCT:
        x = CooMatrix.from_entries(pos, index, ints, (m.shape[1], n_basis))
        part = matmul(m, x)
        values = part.value if prime is None else part.value % prime
        return not np.any(values)
    import scipy.sparse as sp

    x = sp.csc_matrix((ints, (pos, index)), shape=(m.shape[1], n_basis))
    m = m.tocsr()
    block = max(1, int(3 * 10**7 / per_element))
    for lo in range(0, n_basis, block):
        part = m @ x[:, lo:lo + block]
        if prime is not None:
            part.data %= prime
            part.eliminate_zeros()
        if part.nnz:
            return False
    return True


def _verify_python(m, index, pos, num, den) -> bool:
    """The same check with entries too large for int64: modulo primes whose product
    exceeds the largest possible |sum| (the products are integers)."""
    starts = np.flatnonzero(np.diff(index, prepend=-1))
    ends = np.append(starts[1:], len(index))
    ints = np.empty(len(index), object)
    for a, b in zip(starts, ends):
        common = 1
        for d in den[a:b]:
            common = lcm(common, int(d))
        for t in range(a, b):
            ints[t] = int(num[t]) * (common // int(den[t]))
    bound = max(abs(v) for v in ints) * _row_l1(m) * 2 + 1
    product, primes = 1, []
    for q in _CHECK_PRIMES:
        if product > bound:
            break
        primes.append(q)
        product *= q
    if product <= bound:
        return False  # beyond what this check proves: take the pure-Python path
    n_basis = int(index.max()) + 1
    for q in primes:
        residues = np.array([v % q for v in ints], np.int64)
        if not _products_zero(m, index, pos, residues, n_basis, q):
            return False
    return True

