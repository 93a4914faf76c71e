"""Numeric solver: a float64 orthonormal nullspace, reproducible to rounding.

The problem is first shrunk to the orbits of a finite signed-permutation subgroup
(``reduce.by_subgroup``: W = B c, far fewer unknowns c, and no dense matrix of the size
of W is ever formed).  In the coordinates c~ = sqrt(|orbit|) c the map c~ -> W is an
isometry, so orthonormality carries over.  Then:

1. the nullspace of the reduced constraint matrix M comes from the eigen-decomposition
   of its Gram matrix M^T M (singular values are the square roots of its eigenvalues);
   its dimension is accepted only if the singular values show a clear gap;
2. a nullspace has many orthonormal bases; to make ours depend only on the space, we
   take its reduced row-echelon basis (pivots chosen left to right), which the orbit
   order maps to the RREF of the W-space;
3. that RREF basis is then recomputed from the pivots alone, as the solution of the
   consistent system M y = 0 with y = identity on the pivots (Cholesky of the normal
   equations, one step of refinement): the Gram route alone leaves residuals of order
   sqrt(machine epsilon), this one of order machine epsilon times a condition number;
4. Gram-Schmidt (QR) in order gives the orthonormal basis.

Every element's residual under all the spec's generators (not only those used to
solve) goes into the file: ``numeric_residuals``.  Failures are loud: ``NotClearCut``
(a ``ValueError``; exit status 2 in the command line) when the gap is not clear or the
residuals are not small.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..basis import Coo
from ..problem import Problem, TooLarge
from .reduce import Reduction, by_subgroup, plain

__all__ = ["solve_numeric", "DEFAULT_TOLERANCE", "NotClearCut", "MAX_DENSE_UNKNOWNS"]

#: singular values below tolerance * largest count as zero.  Through the Gram matrix a
#: zero singular value comes out near sqrt(machine epsilon) * largest, hence not 1e-12.
DEFAULT_TOLERANCE = 1e-6
#: the kept and dropped singular values must be separated by at least this factor
MIN_GAP = 1e3
#: a basis element whose residual (max |entry| of the constraint applied to it, elements
#: having Frobenius norm 1) exceeds this times the largest singular value is an error
MAX_RELATIVE_RESIDUAL = 1e-9
#: HDF5 keeps attributes in the object header (64 KiB): per-element residuals are
#: stored up to this many elements, numeric_max_residual always
MAX_RESIDUAL_ATTRIBUTE = 6000
#: the dense Gram matrix of the reduced problem: 6000 unknowns are 290 MB and about 30 s
MAX_DENSE_UNKNOWNS = 6000


class NotClearCut(RuntimeError, ValueError):
    """The singular values give no clear-cut nullspace dimension, or the computed
    basis does not satisfy the constraints to working accuracy."""


def solve_numeric(problem: Problem, tolerance: float = DEFAULT_TOLERANCE,
                  subgroup: bool = True) -> dict:
    reduction = by_subgroup(problem) if subgroup else plain(problem)
    m = reduction.constraints
    scale = 1.0 / np.sqrt(reduction.sizes().astype(np.float64))
    attrs = {"numeric_tolerance": tolerance, "numeric_reduced_unknowns": reduction.unknowns,
             "numeric_subgroup_reduction": bool(subgroup)}
    if m.shape[0] == 0:  # the orbits are the answer: no dense matrix at all
        coeff = sp.diags(scale, format="csr")
        attrs.update(numeric_largest_null_singular_value=0.0,
                     numeric_smallest_kept_singular_value=np.inf)
        top = 1.0
    else:
        if reduction.unknowns > MAX_DENSE_UNKNOWNS:
            raise TooLarge(f"{problem.spec}: {reduction.unknowns} unknowns remain after "
                           f"the subgroup reduction; method numeric handles at most "
                           f"{MAX_DENSE_UNKNOWNS} here")
        scaled = (m.astype(np.float64) @ sp.diags(scale)).tocsr()  # isometric coordinates
        q, largest_null, smallest_kept, top = _nullspace(scaled, tolerance)
        attrs.update(numeric_largest_null_singular_value=largest_null,
                     numeric_smallest_kept_singular_value=smallest_kept,
                     numeric_largest_singular_value=top)
        if q.shape[1] and smallest_kept < np.inf and smallest_kept < MIN_GAP * max(
                largest_null, 1e-300):
            raise NotClearCut(f"no clear gap in the singular values: largest treated as "
                              f"zero {largest_null:.3g}, smallest kept {smallest_kept:.3g}")
        coeff = _canonical(q, scaled, scale) if q.shape[1] else np.zeros((0, m.shape[1]))
    residuals = _residuals(problem, reduction, coeff)
    worst = float(residuals.max(initial=0.0))
    attrs["numeric_max_residual"] = worst  # bounds every element's residual
    if len(residuals) <= MAX_RESIDUAL_ATTRIBUTE:
        attrs["numeric_residuals"] = residuals
    if worst > MAX_RELATIVE_RESIDUAL * max(top, 1.0):
        raise NotClearCut(f"the computed basis misses the constraints by {worst:.3g} "
                          f"(largest singular value {top:.3g}); the nullspace is not clear")
    coo = _expand(reduction, coeff)
    coo.row, coo.col = np.divmod(coo.row, problem.dim_in)
    return {"coo": coo, "n_basis": coeff.shape[0], "attrs": attrs}


def _nullspace(c: sp.csr_matrix, tolerance: float):
    gram = (c.T @ c).toarray()
    eigval, eigvec = np.linalg.eigh(gram)  # numpy's LAPACK was 2-4x faster than scipy's here
    del gram
    sv = np.sqrt(np.clip(eigval, 0, None))
    top = float(sv.max())
    null = sv <= tolerance * max(top, 1.0)
    largest_null = float(sv[null].max()) if null.any() else 0.0
    smallest_kept = float(sv[~null].min()) if (~null).any() else np.inf
    return eigvec[:, null], largest_null, smallest_kept, top


def _canonical(q: np.ndarray, scaled: sp.csr_matrix, scale: np.ndarray,
               tol: float = 1e-8) -> np.ndarray:
    """Orthonormal basis (rows, in orbit coordinates c) of the space spanned by q's columns
    (isometric coordinates), independent of the basis q: RREF, then Gram-Schmidt.

    The pivot search runs in c coordinates, where an entry is the value W takes on its
    orbit, so the decisions are those a solver on the whole of W would take.
    """
    y = (q * scale[:, None]).T  # (d, r) in c coordinates
    d = y.shape[0]
    pivots = []
    start = 0
    # Forward elimination finds the RREF's pivots (clearing the rows above changes no
    # decision below), and pivots increase, so each search starts after the last one.
    for step in range(d):
        rest = np.abs(y[step:, start:])
        col = start + int(np.argmax(rest.max(axis=0) > tol))
        row = step + int(np.argmax(rest[:, col - start]))
        y[[step, row]] = y[[row, step]]
        y[step, col:] /= y[step, col]
        y[step + 1:, col:] -= np.outer(y[step + 1:, col], y[step, col:])
        pivots.append(col)
        start = col + 1
    y = _refine(y, np.array(pivots), scaled, scale)
    qr, r = np.linalg.qr((y / scale).T)  # Gram-Schmidt in isometric coordinates
    qr *= np.sign(np.diag(r))  # positive leading coefficients: unique Gram-Schmidt
    out = qr.T * scale
    out[np.abs(out) < 1e-14] = 0.0  # rounding noise, not entries
    return out


def _refine(y: np.ndarray, pivots: np.ndarray, scaled: sp.csr_matrix,
            scale: np.ndarray) -> np.ndarray:
    """The RREF basis with these pivots, solved from M x = 0 with x = identity on the pivots.

    In isometric coordinates x~ = x / scale the system is  N x~_free = -M~_pivots e_k,
    N = M~ restricted to the free columns, of full column rank when the pivots are those
    of the nullspace (else Cholesky fails: no clear-cut answer).
    """
    r = y.shape[1]
    free = np.setdiff1d(np.arange(r), pivots)
    if not len(free):
        return y
    n_free = scaled[:, free]
    rhs = -(scaled[:, pivots] @ sp.diags(1.0 / scale[pivots])).toarray()  # (rows, d)
    normal = (n_free.T @ n_free).toarray()
    try:
        np.linalg.cholesky(normal)  # positive definite exactly when N has full column rank
    except np.linalg.LinAlgError:
        raise NotClearCut("the nullspace's pivots leave a singular system; the "
                          "nullspace is not clear") from None
    x = np.linalg.solve(normal, n_free.T @ rhs)
    x += np.linalg.solve(normal, n_free.T @ (rhs - n_free @ x))  # one refinement
    out = np.zeros_like(y)
    out[np.arange(len(pivots)), pivots] = 1.0
    out[:, free] = (x * scale[free][:, None]).T
    return out


def _residuals(problem: Problem, reduction: Reduction, coeff) -> np.ndarray:
    """max |rho_out(g) B_k - B_k rho_in(g)| and the same for d rho(A), over *all* the
    spec's generators, for each element; computed through the orbits in blocks."""
    d = coeff.shape[0]
    if d == 0:
        return np.zeros(0)
    full = (problem.constraint_matrix().astype(np.float64) @ reduction.basis).tocsr()
    if full.shape[0] == 0:
        return np.zeros(d)
    if sp.issparse(coeff):  # a diagonal: element k is orbit k scaled
        return abs(full).max(axis=0).toarray().ravel() * coeff.diagonal()
    out = np.empty(d)
    step = max(1, 4 * 10**6 // max(full.shape[0], 1))
    for start in range(0, d, step):
        block = coeff[start:start + step]
        block = block.toarray() if sp.issparse(block) else block
        out[start:start + step] = np.abs(full @ block.T).max(axis=0)
    return out


def _expand(reduction: Reduction, coeff) -> Coo:
    """W entries of the elements, from their orbit coefficients."""
    coeff = sp.coo_matrix(coeff)
    return reduction.expand(Coo(coeff.row.astype(np.int64), coeff.col.astype(np.int64),
                                np.zeros(coeff.nnz, np.int64), coeff.data.astype(np.float64)))
