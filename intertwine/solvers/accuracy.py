"""What a numeric basis must meet, shared by the numeric solver and its exact-RREF route
(``gram_schmidt``): the residual bound, how many residuals a file keeps, the error when
the nullspace is not clear-cut, and the expansion of orbit coefficients into entries."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..coo import Coo

if TYPE_CHECKING:  # imported where a solve needs it: the registry is read at start-up
    from .reduce import Reduction

__all__ = ["MAX_RELATIVE_RESIDUAL", "MAX_RESIDUAL_ATTRIBUTE", "NotClearCut", "expand_orbits"]

#: a basis element whose residual (max |entry| of the constraint applied to it, elements
#: having Frobenius norm 1) exceeds this times the largest singular value is an error
MAX_RELATIVE_RESIDUAL = 1e-9
#: HDF5 keeps attributes in the object header (64 KiB): per-element residuals are
#: stored up to this many elements, numeric_max_residual always
MAX_RESIDUAL_ATTRIBUTE = 6000


class NotClearCut(RuntimeError, ValueError):
    """The singular values give no clear-cut nullspace dimension, or the computed
    basis does not satisfy the constraints to working accuracy."""


def expand_orbits(reduction: Reduction, coeff) -> Coo:
    """W entries of the elements, from their orbit coefficients."""
    import scipy.sparse as sp

    coeff = sp.coo_matrix(coeff)
    return reduction.expand(Coo(coeff.row.astype(np.int64), coeff.col.astype(np.int64),
                                np.zeros(coeff.nnz, np.int64), coeff.data.astype(np.float64)))
