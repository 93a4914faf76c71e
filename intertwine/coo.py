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

__all__ = ["Coo", "CooMatrix", "as_coo_matrix", "pattern_dtype"]


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

    def __len__(self) -> int:
        return len(self.index)


class CooMatrix(NamedTuple):
    """A sparse matrix as plain arrays: M[row[k], col[k]] = value[k] (no duplicates).

    What a signed permutation exports (``SignedPerm.coo``): writing it to a file needs
    neither scipy nor a conversion.
    """

    row: np.ndarray
    col: np.ndarray
    value: np.ndarray
    shape: tuple[int, int]

    def tocsr(self) -> sp.csr_matrix:
        import scipy.sparse as sp

        return sp.csr_matrix((self.value, (self.row, self.col)), shape=self.shape)


def as_coo_matrix(m) -> CooMatrix:
    """``m`` (a CooMatrix, a scipy sparse matrix or a dense array) as a CooMatrix without
    explicit zeros; imports nothing (a scipy matrix brings scipy with it)."""
    if isinstance(m, CooMatrix):
        keep = m.value != 0
        return m if keep.all() else CooMatrix(m.row[keep], m.col[keep], m.value[keep],
                                              m.shape)
    if hasattr(m, "tocoo"):  # scipy.sparse
        c = m.tocoo()
        keep = c.data != 0
        return CooMatrix(c.row[keep].astype(np.int64), c.col[keep].astype(np.int64),
                         c.data[keep], tuple(c.shape))
    a = np.asarray(m)
    row, col = np.nonzero(a)
    return CooMatrix(row, col, a[row, col], a.shape)
