"""The change of basis Q of a decomposition, exact or in floats.

For each irrep I of multiplicity m, the RREF basis A_1..A_m of Hom_G(REP, I) (computed
by ``intertwine.compute``, the solvers of ``intertwine basis``) is orthonormalised in
order (Gram–Schmidt) for the inner product <A, B> = tr(A M⁻¹ Bᵀ)/dim I, M the Gram
matrix of REP's coordinates (``gram.py``).  Every representation here preserves M and
I is of real type, so by Schur's lemma A M⁻¹ Bᵀ = <A, B>·Id: the orthonormal copies W_c
satisfy W_c M⁻¹ W_cᵀ = Id, copies of different irreps are orthogonal, and Q (the W_c
stacked in printed order) satisfies Q M⁻¹ Qᵀ = I, that is Qᵀ Q = M, and
Q ρ_REP(g) = ρ_IRREPS(g) Q.

Exactly: the RREF bases are rational, so the Gram matrix is, and Gram–Schmidt without
normalising (Fractions) gives rational rows u_c with <u_c, u_c> = λ_c rational; W_c =
u_c/√λ_c has values ±√(a/b), held as signed squares (``roots.py``).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from ..coo import Coo
from .roots import as_float, signed_square

__all__ = ["exact_copies", "numeric_copies", "exact_elements"]


def exact_elements(coo, n_basis: int) -> list[dict[tuple[int, int], Fraction]]:
    """Each element of an exact rational basis (coo entries) as {(row, col): Fraction}."""
    num = coo.numerator if coo.numerator is not None else np.rint(coo.value).astype(np.int64)
    den = coo.denominator if coo.denominator is not None else np.ones(len(num), np.int64)
    out: list[dict] = [{} for _ in range(n_basis)]
    for k, r, col, a, b in zip(coo.index.tolist(), coo.row.tolist(), coo.col.tolist(),
                               np.asarray(num).tolist(), np.asarray(den).tolist()):
        out[k][r, col] = Fraction(a, b)
    return out


def _inner(a: dict, b: dict, column_weights: list[Fraction], row_weights: list[Fraction],
           dim: int) -> Fraction:
    if len(b) < len(a):
        a, b = b, a
    total = Fraction(0)
    for key, v in a.items():
        w = b.get(key)
        if w is not None:
            total += v * w * column_weights[key[1]] * row_weights[key[0]]
    return total / dim


def exact_copies(elements: list[dict], weights: list[Fraction], dim: int, offset: int,
                 rep_squares: list[Fraction] | None = None,
                 irrep_squares: list[Fraction] | None = None) -> Coo:
    """Rows offset.. of Q for one irrep (dimension ``dim``) from its exact RREF basis:
    coo with ``numerator``/``denominator`` holding the signed squares of the values.

    ``elements`` are rational: for representations that are rational only after the
    scaling ρ = D⁻¹ R D (squares s of D, ``reps.squares``) they are the RREF basis W' of
    the rational form, and the intertwiners W = D_I⁻¹ W' D_REP: positive multiples of the
    RREF elements, which Gram–Schmidt does not see.  Then tr(W M⁻¹ Vᵀ) =
    Σ W'_ij V'_ij s_REP,j / (M_jj s_I,i), rational, and each value w'·√(s_REP,j/s_I,i)/√λ
    is a signed square."""
    n_rep = len(weights)
    rep_squares = rep_squares or [Fraction(1)] * n_rep
    irrep_squares = irrep_squares or [Fraction(1)] * dim
    columns = [s / w for s, w in zip(rep_squares, weights)]
    rows_weight = [1 / s for s in irrep_squares]
    orthogonal: list[tuple[dict, Fraction]] = []  # (u_c, lambda_c)
    for a in elements:
        u = dict(a)
        for v, lam in orthogonal:
            coefficient = _inner(a, v, columns, rows_weight, dim) / lam
            if coefficient:
                for key, x in v.items():
                    y = u.get(key, 0) - coefficient * x
                    if y:
                        u[key] = y
                    else:
                        u.pop(key, None)
        orthogonal.append((u, _inner(u, u, columns, rows_weight, dim)))
    rows, cols, squares = [], [], []
    for c, (u, lam) in enumerate(orthogonal):
        for (r, col), x in sorted(u.items()):
            rows.append(offset + c * dim + r)
            cols.append(col)
            squares.append(signed_square(x) * rep_squares[col] / (irrep_squares[r] * lam))
    values = np.array([as_float(s) for s in squares], np.float64)
    return Coo(np.zeros(len(rows), np.int64), np.array(rows, np.int64),
               np.array(cols, np.int64), values,
               np.array([s.numerator for s in squares], object),
               np.array([s.denominator for s in squares], object))


def _rref(x: np.ndarray) -> np.ndarray:
    """The reduced row-echelon form of rows that are linearly independent (floats)."""
    a = x.astype(np.float64, copy=True)
    m, n = a.shape
    tolerance = 1e-9 * max(np.abs(a).max(initial=0.0), 1e-300)
    r = 0
    for col in range(n):
        if r == m:
            break
        pivot = r + int(np.argmax(np.abs(a[r:, col])))
        if abs(a[pivot, col]) <= tolerance:
            continue
        a[[r, pivot]] = a[[pivot, r]]
        a[r] /= a[r, col]
        others = np.arange(m) != r
        a[others] -= np.outer(a[others, col], a[r])
        a[others, col] = 0.0
        a[r, col] = 1.0
        r += 1
    if r < m:
        raise ValueError("numeric basis is not linearly independent")
    return a


def numeric_copies(basis, weights: list[Fraction], dim: int, offset: int) -> Coo:
    """Rows offset.. of Q for one irrep from a float basis: its RREF (unique: the same
    rows as the exact method's, to rounding), then Gram–Schmidt."""
    m = basis.n_basis
    x = _rref(basis.dense().reshape(m, -1))
    inverse = np.tile(np.array([1 / float(w) for w in weights]), dim)
    gram = (x * inverse) @ x.T / dim
    lower = np.linalg.cholesky(gram)
    u = np.linalg.solve(lower, x)  # rows orthonormal: u diag(M^-1) u^T / dim = I
    block = u.reshape(m * dim, -1)
    big = np.abs(block).max(initial=0.0)
    rows, cols = np.nonzero(np.abs(block) > 1e-14 * max(big, 1.0))
    return Coo(np.zeros(len(rows), np.int64), rows.astype(np.int64) + offset,
               cols.astype(np.int64), block[rows, cols])
