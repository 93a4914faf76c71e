"""Numeric solver: a float64 orthonormal nullspace, reproducible to rounding.

The problem is first shrunk to the orbits of a finite signed-permutation subgroup
(``reduce.by_subgroup``: W = B c, far fewer unknowns c, and no dense matrix of the size
of W is ever formed).  In the coordinates c~ = sqrt(|orbit|) c the map c~ -> W is an
isometry, so orthonormality carries over.  The reduced constraint matrix M often splits
into independent systems (``reduce.components``: unknowns that no chain of rows links,
e.g. the blocks of a sum of representations, or the weight classes of Sp(n), GL(n) and
the Lorentz groups); each is solved on its own, so the dense limit applies to the largest
component, not to the total, and the cost falls from n^3 to the sum of the cubes.  For
each component:

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

The components' elements are merged in the order of their pivots: the RREF of a system
whose components have disjoint columns is the union of theirs, and Gram-Schmidt in that
order leaves each component's elements unchanged (other components' are orthogonal), so
the result is the one the whole system would give (tested against ``split=False``).

A component beyond ``MAX_DENSE_UNKNOWNS`` (``SO(3): V**6 -> V**6`` is one of 22,144)
cannot take step 1.  Where the matrices are rational, the whole problem then goes
through its exact RREF instead, orthonormalised by Cholesky QR (``gram_schmidt``): the
same basis to rounding, and faster, but not independent of the exact solver, which is
why the eigen route stays for the sizes it can take.  Otherwise it is refused before
anything is decomposed (``TooLarge``).

Every element's residual under all the spec's generators (not only those used to
solve) goes into the file: ``numeric_residuals``.  Failures are loud: ``NotClearCut``
(a ``ValueError``; exit status 2 in the command line) when the gap is not clear or the
residuals are not small.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..problem import Problem, TooLarge
from .accuracy import MAX_RELATIVE_RESIDUAL, MAX_RESIDUAL_ATTRIBUTE, NotClearCut, expand_orbits
from .registry import LIMITS, Method, method, register
from .result import SolveResult

if TYPE_CHECKING:  # imported where a solve needs them: the registry is read at start-up
    import scipy.sparse as sp

__all__ = ["solve_numeric", "DEFAULT_TOLERANCE", "NotClearCut", "MAX_DENSE_UNKNOWNS",
           "expand_orbits"]

#: singular values below tolerance * largest count as zero.  Through the Gram matrix a
#: zero singular value comes out near sqrt(machine epsilon) * largest, hence not 1e-12.
DEFAULT_TOLERANCE = 1e-6
#: the kept and dropped singular values must be separated by at least this factor
MIN_GAP = 1e3
#: the dense Gram matrix of the reduced problem: 6000 unknowns are 290 MB and about 30 s
MAX_DENSE_UNKNOWNS = 6000


def solve_numeric(problem: Problem, tolerance: float = DEFAULT_TOLERANCE,
                  subgroup: bool = True, max_dense: int | None = None,
                  split: bool = True, stream: bool = False) -> SolveResult:
    """``split=False`` solves all constrained unknowns as one system (for comparison).
    A component beyond ``max_dense`` goes through the exact RREF where the matrices are
    rational (``gram_schmidt``), whose result may then be streamed (``stream``)."""
    import scipy.sparse as sp

    from .reduce import by_subgroup, components, plain

    if max_dense is None:
        max_dense = MAX_DENSE_UNKNOWNS
    if not 0 < tolerance < 1:  # also false for nan: would count every vector, or none
        raise ValueError(f"tolerance must be a number between 0 and 1, not {tolerance}")
    reduction = by_subgroup(problem) if subgroup else plain(problem)
    m = reduction.constraints.tocsr()
    scale = 1.0 / np.sqrt(reduction.sizes().astype(np.float64))
    scaled = (m.astype(np.float64) @ sp.diags(scale)).tocsc()  # isometric coordinates
    labels, n_parts = components(m)
    if not split and n_parts:
        labels, n_parts = np.minimum(labels, 0), 1
    attrs = {"numeric_tolerance": tolerance, "numeric_reduced_unknowns": reduction.unknowns,
             "numeric_subgroup_reduction": bool(subgroup), "numeric_components": n_parts}
    parts = [_Part(np.flatnonzero(labels == k)) for k in range(n_parts)]
    if parts:
        attrs["numeric_largest_component"] = max(len(p.cols) for p in parts)
    # a bound on the largest singular value: eigenvectors above it can be dropped at once
    bound = np.sqrt(abs(scaled).sum(axis=0).max() * abs(scaled).sum(axis=1).max()) \
        if m.nnz else 0.0
    largest = max(parts, key=lambda p: len(p.cols), default=None)
    if largest is not None and len(largest.cols) > max_dense:  # before any decomposition
        if exact_route(problem):
            from .gram_schmidt import solve_from_rref

            return solve_from_rref(problem, reduction, labels, n_parts, attrs, stream)
        raise TooLarge(_too_large(problem, len(largest.cols), max_dense,
                                  int(reduction.sizes()[largest.cols].sum())))
    for part in parts:
        part.decompose(scaled, problem, max_dense, tolerance * max(bound, 1.0))
    top = max((p.top for p in parts), default=0.0)
    threshold = tolerance * max(top, 1.0)
    largest_null = max((p.largest_null(threshold) for p in parts), default=0.0)
    smallest_kept = min((p.smallest_kept(threshold) for p in parts), default=np.inf)
    attrs.update(numeric_largest_null_singular_value=largest_null,
                 numeric_smallest_kept_singular_value=smallest_kept)
    if parts:
        attrs["numeric_largest_singular_value"] = top
    null_dims = [p.nullity(threshold) for p in parts]
    if any(null_dims) and smallest_kept < np.inf and smallest_kept < MIN_GAP * max(
            largest_null, 1e-300):
        raise NotClearCut(f"no clear gap in the singular values: largest treated as "
                          f"zero {largest_null:.3g}, smallest kept {smallest_kept:.3g}")
    free = np.flatnonzero(labels < 0)  # untouched by any constraint: an element each
    pieces = [part.canonical(scaled, scale, threshold)
              for part, d in zip(parts, null_dims) if d]
    coeff, diagonal = _merge(free, scale[free], pieces, reduction.unknowns)
    full = reduction.reduce(problem.constraint_matrix()).tocsr().astype(np.float64).tocsc()
    residuals = _residuals(full, coeff, diagonal)
    worst = float(residuals.max(initial=0.0))
    attrs["numeric_max_residual"] = worst  # bounds every element's residual
    if len(residuals) <= MAX_RESIDUAL_ATTRIBUTE:
        attrs["numeric_residuals"] = residuals
    if worst > MAX_RELATIVE_RESIDUAL * max(top, 1.0):
        raise NotClearCut(f"the computed basis misses the constraints by {worst:.3g} "
                          f"(largest singular value {top:.3g}); the nullspace is not clear")
    coo = expand_orbits(reduction, coeff)
    coo.row, coo.col = np.divmod(coo.row, problem.dim_in)
    return SolveResult(coeff.shape[0], coo=coo, attrs=attrs)


class _Part:
    """One connected component of the reduced system: its columns, its spectrum and the
    eigenvectors that may be null (those below a bound on the global threshold)."""

    def __init__(self, cols: np.ndarray):
        self.cols = cols
        self.sv = np.zeros(0)
        self.vectors = np.zeros((len(cols), 0))
        self.top = 0.0

    def decompose(self, scaled: sp.csc_matrix, problem: Problem, max_dense: int,
                  keep_below: float) -> None:
        sub = _rows_used(scaled[:, self.cols])
        gram = (sub.T @ sub).toarray()
        eigval, eigvec = np.linalg.eigh(gram)  # numpy's LAPACK was 2-4x faster than scipy's
        del gram
        self.sv = np.sqrt(np.clip(eigval, 0, None))
        self.top = float(self.sv.max())
        self.vectors = eigvec[:, self.sv <= keep_below]  # eigh sorts: these come first

    def nullity(self, threshold: float) -> int:
        return int((self.sv <= threshold).sum())

    def largest_null(self, threshold: float) -> float:
        null = self.sv[self.sv <= threshold]
        return float(null.max()) if len(null) else 0.0

    def smallest_kept(self, threshold: float) -> float:
        kept = self.sv[self.sv > threshold]
        return float(kept.min()) if len(kept) else np.inf

    def canonical(self, scaled: sp.csc_matrix, scale: np.ndarray, threshold: float):
        """(global pivots, element rows in c coordinates over self.cols, self.cols)."""
        q = self.vectors[:, :self.nullity(threshold)]
        sub = _rows_used(scaled[:, self.cols])
        rows, pivots = _canonical(q, sub, scale[self.cols])
        return self.cols[pivots], rows.T, self.cols


def _too_large(problem: Problem, linked: int, max_dense: int, positions: int) -> str:
    """The refusal of a component beyond the dense limit that cannot go through the exact
    RREF (irrational matrices, or too many unknowns for it; at most three lines): its size,
    and the size of the orthonormal basis, which Gram-Schmidt makes dense over the
    component (``SO(3): V**6 -> V**6``: 487 million entries of W)."""
    from .exact import known_dimension

    lines = [f"{problem.spec}: method numeric solves at most {max_dense} linked unknowns, "
             f"and {linked} remain linked after the subgroup reduction."]
    n_basis = known_dimension(problem)
    if n_basis:
        entries = n_basis * positions
        lines.append(f"Its orthonormal basis would be dense: {n_basis} elements over {positions} "
                     f"positions, up to {entries:.3g} entries ({entries * 32 / 1e9:.3g} GB "
                     f"as coo in memory).")
    if exact_route(problem):
        lines.append("Use --method exact: the basis in reduced row-echelon form is sparse.")
    return "\n".join(lines)


def _rows_used(sub: sp.csc_matrix) -> sp.csr_matrix:
    sub = sub.tocsr()
    return sub[np.diff(sub.indptr) > 0]


def _merge(free: np.ndarray, free_values: np.ndarray, pieces, n: int):
    """The elements of all components as one sparse (d, n) matrix, ordered by pivot.

    The RREF of a system whose components have disjoint columns is the union of theirs,
    ordered by pivot; Gram-Schmidt in that order leaves each component's elements as its
    own Gram-Schmidt gave them (elements of other components are orthogonal: disjoint
    supports).  ``diagonal`` marks the elements that are a single scaled orbit.
    """
    import scipy.sparse as sp

    pivots = np.concatenate([free] + [p for p, _, _ in pieces])
    order = np.empty(len(pivots), np.int64)
    order[np.argsort(pivots, kind="stable")] = np.arange(len(pivots))
    rows, cols, vals, start = [order[:len(free)]], [free], [free_values], len(free)
    for p, block, c in pieces:  # block: (len(c), len(p)), element e of the piece in column e
        nz_row, nz_col = np.nonzero(block)
        rows.append(order[start + nz_col])
        cols.append(c[nz_row])
        vals.append(block[nz_row, nz_col])
        start += len(p)
    coeff = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                          shape=(len(pivots), n))
    diagonal = np.zeros(len(pivots), bool)
    diagonal[order[:len(free)]] = True
    return coeff, diagonal


def _canonical(q: np.ndarray, scaled: sp.csr_matrix, scale: np.ndarray):
    """Orthonormal basis (rows, in orbit coordinates c) of the space spanned by q's columns
    (isometric coordinates), independent of the basis q: RREF, then Gram-Schmidt; and the
    RREF's pivots.
    """
    pivots = _pivots(q.T)
    y = _refine(q.shape[0], q.shape[1], pivots, scaled, scale)
    qr, r = np.linalg.qr((y / scale).T)  # Gram-Schmidt in isometric coordinates
    qr *= np.sign(np.diag(r))  # positive leading coefficients: unique Gram-Schmidt
    out = qr.T * scale
    out[np.abs(out) < 1e-14] = 0.0  # rounding noise, not entries
    return out, pivots


def _pivots(y: np.ndarray, tol: float = 1e-8, block: int = 256) -> np.ndarray:
    """The pivot columns of the RREF of y's row space: each column that is not in the
    span of the columns before it (greedy, left to right).

    Whether a column lies in a span does not change when columns are scaled, so the
    answer is the same in orbit and in isometric coordinates.  Blocked: the columns of a
    block are first projected off the pivots found so far with one matrix product (twice,
    for orthogonality to working accuracy), then decided one by one within the block.
    """
    d, r = y.shape
    basis = np.zeros((d, d))  # orthonormal, spans the pivot columns found so far
    norms = np.linalg.norm(y, axis=0)
    small = tol * max(float(norms.max(initial=0.0)), 1e-300)
    pivots: list[int] = []
    for start in range(0, r, block):
        if len(pivots) == d:
            break
        found = basis[:, :len(pivots)]
        part = y[:, start:start + block].copy()
        for _ in range(2):
            part -= found @ (found.T @ part)
        for j in range(part.shape[1]):
            if len(pivots) == d:
                break
            v = part[:, j]
            if norms[start + j] <= small or np.linalg.norm(v) <= tol * norms[start + j]:
                continue
            v = v / np.linalg.norm(v)
            basis[:, len(pivots)] = v
            pivots.append(start + j)
            rest = part[:, j + 1:]
            for _ in range(2):
                rest -= np.outer(v, v @ rest)
    if len(pivots) != d:
        raise NotClearCut(f"the nullspace basis has rank {len(pivots)}, not {d}; the "
                          "nullspace is not clear")
    return np.array(pivots, np.int64)


def _refine(r: int, d: int, pivots: np.ndarray, scaled: sp.csr_matrix,
            scale: np.ndarray) -> np.ndarray:
    """The RREF basis with these pivots, solved from M x = 0 with x = identity on the pivots.

    In isometric coordinates x~ = x / scale the system is  N x~_free = -M~_pivots e_k,
    N = M~ restricted to the free columns, of full column rank when the pivots are those
    of the nullspace (else Cholesky fails: no clear-cut answer).
    """
    import scipy.sparse as sp

    out = np.zeros((d, r))
    out[np.arange(d), pivots] = 1.0
    free = np.setdiff1d(np.arange(r), pivots)
    if not len(free):
        return out
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
    out[:, free] = (x * scale[free][:, None]).T
    return out


def _residuals(full: sp.csc_matrix | sp.csr_matrix, coeff: sp.csr_matrix,
               diagonal: np.ndarray | None = None) -> np.ndarray:
    """max |M c_k| over the rows of ``full`` (the reduced constraints of *all* the spec's
    generators: max |rho_out(g) B_k - B_k rho_in(g)| and the same for d rho(A)) for each
    element c_k, a row of ``coeff``; ``diagonal`` marks elements that are one scaled orbit.
    In blocks of elements of about 4 million dense products; ``full`` in csc form where
    blocks touch few orbits (their columns are sliced out), csr where they fill them."""
    d = coeff.shape[0]
    out = np.zeros(d)
    if d == 0 or full.nnz == 0:
        return out
    diagonal = np.zeros(d, bool) if diagonal is None else diagonal
    # a single scaled orbit: the largest entry of its column, times the scale
    single = np.flatnonzero(diagonal)
    if len(single):
        one = coeff[single].tocoo()
        out[single[one.row]] = abs(full[:, one.col]).max(axis=0).toarray().ravel() * \
            np.abs(one.data)
    mixed = np.flatnonzero(~diagonal)
    step = max(1, 4 * 10**6 // max(*full.shape, 1))
    for start in range(0, len(mixed), step):
        which = mixed[start:start + step]
        block = coeff[which]
        seen = np.zeros(full.shape[1], bool)
        seen[block.indices] = True
        used = np.flatnonzero(seen)
        if 2 * len(used) < full.shape[1]:  # only the orbits these elements touch
            product = full[:, used] @ block[:, used].toarray().T
        else:  # Gram-Schmidt filled them in: slicing would cost more than it saves
            product = full @ block.toarray().T
        out[which] = np.abs(product).max(axis=0)
    return out


def exact_route(problem: Problem) -> bool:
    """Whether a component too large for the dense Gram matrix may go through the exact
    RREF instead (``gram_schmidt``): the exact method applies and takes this many
    unknowns (its limit for continuous groups, which it reduces by a subgroup first).
    Only rational actions: the RREF of a square-root action is not the rational one."""
    return problem.exactness == "rational" and method("exact").applies(problem) is None \
        and problem.entries <= LIMITS["exact"]


# -- the method --------------------------------------------------------------------------

# orbits first (finite groups: nothing else); the dense Gram matrix of what is left is
# bounded separately by MAX_DENSE_UNKNOWNS
LIMITS["numeric"] = 2 * 10**6
#: peak memory: the dense Gram matrix and eigh, about 40 bytes per unknown squared
BYTES_PER_UNKNOWN_SQUARED = 48

#: applies to every problem; auto's last resort, after the exact methods
METHOD = register(Method(
    name="numeric", preference=2, exact=False, applies=lambda problem: None,
    limit=lambda problem: LIMITS["numeric"],
    memory=lambda problem: BYTES_PER_UNKNOWN_SQUARED * problem.entries**2,
    solve=solve_numeric, options=frozenset({"tolerance"})))
