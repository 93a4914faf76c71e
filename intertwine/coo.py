"""Ground floor: sparse matrices and bases as plain numpy arrays.

Everything above (groups, representations, solvers, the Basis object, the file
reader and writer) exchanges sparse data in these forms, so that none of them needs
to import another to pass a matrix along, and none needs scipy to do so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

if TYPE_CHECKING:  # imported where used: computing and saving a pattern needs no scipy
    import scipy.sparse as sp

__all__ = ["Coo", "CooMatrix", "Partitions", "pattern_dtype", "kron_sum", "block_diag", "vstack",
           "kron", "matmul"]


def pattern_dtype(n_basis: int) -> np.dtype:
    """The smallest signed integer type that holds -1 .. n_basis - 1."""
    for dt in (np.int8, np.int16, np.int32):
        if n_basis <= np.iinfo(dt).max:
            return np.dtype(dt)
    return np.dtype(np.int64)


@dataclass
class Coo:
    """Entries B_index[row, col] = value; numerator/denominator hold exact values."""

    index: np.ndarray
    row: np.ndarray
    col: np.ndarray
    value: np.ndarray
    numerator: np.ndarray | None = None  # int64, or object (Python ints) if too large
    denominator: np.ndarray | None = None
    #: exact values that are square roots: value = sign(a) sqrt(|a| / b) for a =
    #: square_numerator, b = square_denominator (in place of numerator/denominator)
    square_numerator: np.ndarray | None = None
    square_denominator: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.index)


class CooMatrix(NamedTuple):
    """A sparse matrix as plain arrays: M[row[k], col[k]] = value[k], no (row, col) twice,
    in any order unless said.

    What a signed permutation exports (``SignedPerm.coo``), and what the Lie-algebra
    and matrix actions (``reps``), the constraint blocks (``Problem.constraint_block``)
    and the orbit reduction (``solvers.reduce``) are built as: all of it is index arithmetic on
    these arrays, so that a continuous group's basis is computed and written without
    importing scipy (``import scipy.sparse`` alone took a quarter of the whole run of a
    small one).  ``tocsr`` converts for code that wants scipy.

    >>> m = CooMatrix.from_entries([1, 0, 1], [0, 1, 0], [2, 5, 3], (2, 2))
    >>> m.toarray().tolist(), m.T.toarray().tolist()
    ([[0, 5], [5, 0]], [[0, 5], [5, 0]])
    >>> kron_sum([m, CooMatrix.from_entries([0], [0], [1], (1, 1))]).toarray().tolist()
    [[1, 5], [5, 1]]
    """

    row: np.ndarray
    col: np.ndarray
    value: np.ndarray
    shape: tuple[int, int]

    @classmethod
    def from_entries(cls, row, col, value, shape) -> CooMatrix:
        """The matrix with these entries, repeated ones summed: zeros dropped, in
        row-major order (the canonical form; one pass when the entries come so already)."""
        row, col = np.asarray(row, np.int64), np.asarray(col, np.int64)
        value = np.asarray(value)
        shape = (int(shape[0]), int(shape[1]))
        key = row * shape[1] + col
        if len(key) > 1 and not np.all(key[1:] > key[:-1]):
            # floats are summed in the order given: stable.  Integer sums are the same in
            # any order: timsort merges a few increasing runs (kron products) fastest,
            # numpy's quicksort (SIMD) the rest, e.g. orbit-reduced constraints: 3x
            runs = np.count_nonzero(key[1:] < key[:-1])
            if value.dtype.kind in "fc" or runs < 64:
                order = np.argsort(key, kind="stable")
            else:  # (32-bit keys where they fit sort faster still)
                order = np.argsort(key.astype(np.uint32) if shape[0] * shape[1] <= 2**32
                                   else key)
            key, value = key[order], value[order]
            first = np.flatnonzero(np.diff(key, prepend=-1))
            if len(first) < len(key):
                key, value = key[first], np.add.reduceat(value, first)
        keep = value != 0
        if not keep.all():
            key, value = key[keep], value[keep]
        row, col = np.divmod(key, max(shape[1], 1))
        return cls(row, col, value, shape)

    @classmethod
    def zeros(cls, n_rows: int, n_cols: int | None = None, dtype=np.int64) -> CooMatrix:
        empty = np.zeros(0, np.int64)
        return cls(empty, empty, np.zeros(0, dtype),
                   (n_rows, n_rows if n_cols is None else n_cols))

    @classmethod
    def of(cls, m) -> CooMatrix:
        """``m`` if it is one; else the entries of a scipy sparse matrix (anything with
        ``tocoo``, e.g. what a third-party representation's ``lie`` gives), summed, or the
        nonzero entries of a dense array.  Imports nothing (a scipy matrix brings scipy
        with it)."""
        if isinstance(m, CooMatrix):
            return m
        if hasattr(m, "tocoo"):
            c = m.tocoo()
            return cls.from_entries(c.row, c.col, c.data, c.shape)
        a = np.asarray(m)
        row, col = np.nonzero(a)
        return cls(row.astype(np.int64), col.astype(np.int64), a[row, col], a.shape)

    def without_zeros(self) -> CooMatrix:
        """The same matrix without explicit zeros (in the same order)."""
        keep = self.value != 0
        return self if keep.all() else CooMatrix(self.row[keep], self.col[keep],
                                                 self.value[keep], self.shape)

    def canonical(self) -> CooMatrix:
        """The same matrix in row-major order without explicit zeros."""
        return CooMatrix.from_entries(*self)

    @property
    def nnz(self) -> int:
        return len(self.value)

    @property
    def dtype(self) -> np.dtype:
        return self.value.dtype

    @property
    def T(self) -> CooMatrix:  # noqa: N802  (as numpy and scipy spell it)
        return CooMatrix(self.col, self.row, self.value, (self.shape[1], self.shape[0]))

    def scaled(self, factor) -> CooMatrix:
        return CooMatrix(self.row, self.col, self.value * factor, self.shape)

    def trace(self):
        return self.value[self.row == self.col].sum()

    def toarray(self) -> np.ndarray:
        out = np.zeros(self.shape, self.dtype)
        np.add.at(out, (self.row, self.col), self.value)
        return out

    def tocsr(self) -> sp.csr_matrix:
        import scipy.sparse as sp

        return sp.csr_matrix((self.value, (self.row, self.col)), shape=self.shape)


class Partitions(NamedTuple):
    """Which set partition of the tensor slots each element is (docs/format.rst).

    ``labels`` (n_basis, s): row m labels the slots of B_m's leading position (the
    output's slots, then the input's), equal labels for equal indices of one factor,
    numbered by first appearance; rows of summands with fewer than s slots end in -1.
    ``summand`` (n_basis, 2): the output and input summand that B_m lies in.
    """

    labels: np.ndarray
    summand: np.ndarray


def _value_dtype(parts) -> np.dtype:
    """Integer matrices stay int64 (Lie-algebra actions are exact); floats stay floats."""
    return np.result_type(np.int64, *(m.dtype for m in parts))


def kron_sum(parts: list) -> CooMatrix:
    """d(R (x) Q (x) ...) = dR (x) I (x) I ... + I (x) dQ (x) I ... + ..., row-major as
    numpy.kron; no parts: the 1x1 zero.  Term i puts A_i's entry (r, c) at
    ((p d_i + r) S + s, (p d_i + c) S + s) for every p < P and s < S, where P and S are
    the dimensions before and after factor i."""
    parts = [CooMatrix.of(m) for m in parts]
    dims = [m.shape[0] for m in parts]
    total = int(np.prod(dims, dtype=object)) if dims else 1
    dtype = _value_dtype(parts)
    rows, cols, values = [], [], []
    before = 1
    for m, d in zip(parts, dims):
        after = total // (before * d) if d else 0
        p = np.arange(before)[:, None, None] * d
        s = np.arange(after)[None, None, :]
        rows.append(((p + m.row[None, :, None]) * after + s).ravel())
        cols.append(((p + m.col[None, :, None]) * after + s).ravel())
        values.append(np.broadcast_to(m.value[None, :, None].astype(dtype),
                                      (before, m.nnz, after)).ravel())
        before *= d
    if not parts:
        return CooMatrix.zeros(1, dtype=dtype)
    return CooMatrix.from_entries(np.concatenate(rows), np.concatenate(cols),
                                  np.concatenate(values), (total, total))


def block_diag(parts: list) -> CooMatrix:
    """The direct sum: the parts along the diagonal, the first at the top left."""
    parts = [CooMatrix.of(m) for m in parts]
    offsets = np.cumsum([0] + [m.shape[0] for m in parts])
    dtype = _value_dtype(parts)
    n = int(offsets[-1])
    if not parts:
        return CooMatrix.zeros(0, dtype=dtype)
    return CooMatrix(np.concatenate([m.row + o for m, o in zip(parts, offsets)]),
                     np.concatenate([m.col + o for m, o in zip(parts, offsets)]),
                     np.concatenate([m.value.astype(dtype) for m in parts]), (n, n))


def vstack(parts: list, n_cols: int) -> CooMatrix:
    """The parts one below the other (each ``n_cols`` wide)."""
    offsets = np.cumsum([0] + [m.shape[0] for m in parts])
    if not parts:
        return CooMatrix.zeros(0, n_cols)
    return CooMatrix(np.concatenate([m.row + o for m, o in zip(parts, offsets)]),
                     np.concatenate([m.col for m in parts]),
                     np.concatenate([m.value for m in parts]), (int(offsets[-1]), n_cols))


def kron(a, b) -> CooMatrix:
    """The Kronecker product a (x) b, row-major as numpy.kron (canonical order)."""
    a, b = CooMatrix.of(a), CooMatrix.of(b)
    rows = (a.row[:, None] * b.shape[0] + b.row[None, :]).ravel()
    cols = (a.col[:, None] * b.shape[1] + b.col[None, :]).ravel()
    return CooMatrix.from_entries(rows, cols, np.multiply.outer(a.value, b.value).ravel(),
                                  (a.shape[0] * b.shape[0], a.shape[1] * b.shape[1]))


def matmul(a, b) -> CooMatrix:
    """The product a @ b (canonical order): each entry a[i, k] meets the entries of
    row k of b, found by b's rows sorted (its CSR form, in numpy)."""
    a, b = CooMatrix.of(a), CooMatrix.of(b)
    order = np.argsort(b.row, kind="stable")
    b_col, b_value = b.col[order], b.value[order]
    starts = np.searchsorted(b.row[order], np.arange(b.shape[0] + 1))
    first, counts = starts[a.col], starts[a.col + 1] - starts[a.col]
    which = np.repeat(np.arange(a.nnz), counts)  # the entry of a, once per product
    within = np.arange(len(which)) - np.repeat(np.cumsum(counts) - counts, counts)
    at = first[which] + within
    return CooMatrix.from_entries(a.row[which], b_col[at], a.value[which] * b_value[at],
                                  (a.shape[0], b.shape[1]))
