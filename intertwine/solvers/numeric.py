"""Numeric solver: a float64 orthonormal nullspace, reproducible to rounding.

The nullspace comes from the eigen-decomposition of the Gram matrix C^T C (singular
values are the square roots of its eigenvalues).  A nullspace has many orthonormal
bases; to make ours depend only on the space, we take its reduced row-echelon basis
(pivots chosen left to right) and orthonormalise that in order (Gram-Schmidt by QR).
"""

from __future__ import annotations

import numpy as np

from ..basis import Coo
from ..problem import Problem

__all__ = ["solve_numeric", "DEFAULT_TOLERANCE", "NotClearCut"]

#: singular values below tolerance * largest count as zero.  Through the Gram matrix a
#: zero singular value comes out near sqrt(machine epsilon) * largest, hence not 1e-12.
DEFAULT_TOLERANCE = 1e-6
#: the kept and dropped singular values must be separated by at least this factor
MIN_GAP = 1e3


class NotClearCut(RuntimeError):
    """The singular values give no clear-cut nullspace dimension."""


def _nullspace(c, tolerance: float):
    n = c.shape[1]
    if c.shape[0] == 0:
        return np.eye(n), 0.0, np.inf, 0.0
    gram = (c.T @ c).toarray().astype(np.float64)
    eigval, eigvec = np.linalg.eigh(gram)
    sv = np.sqrt(np.clip(eigval, 0, None))
    top = sv.max()
    null = sv <= tolerance * max(top, 1.0)
    largest_null = float(sv[null].max()) if null.any() else 0.0
    smallest_kept = float(sv[~null].min()) if (~null).any() else np.inf
    return eigvec[:, null], largest_null, smallest_kept, float(top)


def _canonical(q: np.ndarray, tol: float = 1e-8) -> np.ndarray:
    """Orthonormal rows spanning the same space as the columns of q, basis-independent."""
    y = q.T.copy()  # (d, n)
    d = y.shape[0]
    pivots = []
    for step in range(d):
        rest = np.abs(y[step:])
        col = int(np.argmax(rest.max(axis=0) > tol))
        row = step + int(np.argmax(rest[:, col]))
        y[[step, row]] = y[[row, step]]
        y[step] /= y[step, col]
        others = np.arange(d) != step
        y[others] -= np.outer(y[others, col], y[step])
        pivots.append(col)
    qr, r = np.linalg.qr(y.T)
    qr *= np.sign(np.diag(r))  # positive leading coefficients: unique Gram-Schmidt
    out = qr.T
    out[np.abs(out) < 1e-14] = 0.0  # rounding noise, not entries
    return out


def solve_numeric(problem: Problem, tolerance: float = DEFAULT_TOLERANCE) -> dict:
    c = problem.constraint_matrix().astype(np.float64)
    q, largest_null, smallest_kept, top = _nullspace(c, tolerance)
    if q.shape[1] and smallest_kept < np.inf and smallest_kept < MIN_GAP * max(largest_null,
                                                                                1e-300):
        raise NotClearCut(f"no clear gap in the singular values: largest treated as zero "
                          f"{largest_null:.3g}, smallest kept {smallest_kept:.3g}")
    basis = _canonical(q) if q.shape[1] else np.zeros((0, problem.entries))
    index, pos = np.nonzero(basis)
    row, col = np.divmod(pos, problem.dim_in)
    residual = float(np.abs(c @ basis.T).max()) if basis.size and c.shape[0] else 0.0
    coo = Coo(index.astype(np.int64), row, col, basis[index, pos])
    attrs = {
        "numeric_tolerance": tolerance,
        "numeric_largest_null_singular_value": largest_null,
        "numeric_smallest_kept_singular_value": smallest_kept,
        "numeric_max_residual": residual,
    }
    return {"coo": coo, "n_basis": basis.shape[0], "attrs": attrs}
