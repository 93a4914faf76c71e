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
from math import lcm

import numpy as np

from ..coo import Coo
from .roots import as_float

__all__ = ["exact_copies", "numeric_copies", "ratios", "Ratios"]


#: rationals as (numerators, positive denominators): object arrays of Python ints
Ratios = tuple[np.ndarray, np.ndarray]


def ratios(values: list[Fraction]) -> Ratios:
    """Fractions as (numerators, denominators)."""
    return (np.array([v.numerator for v in values], object),
            np.array([v.denominator for v in values], object))


def exact_copies(coo, n_basis: int, weights: Ratios, dim: int, offset: int,
                 rep_squares: Ratios | None = None, irrep_squares: Ratios | None = None) -> Coo:
    """Rows offset.. of Q for one irrep (dimension ``dim``) from its exact RREF basis
    (``coo``: ``n_basis`` rational elements, numerators and denominators, or integer
    values), M's diagonal ``weights``: coo with ``numerator``/``denominator`` holding the
    signed squares of the values.

    The elements are rational: for representations that are rational only after the
    scaling ρ = D⁻¹ R D (squares s of D, ``reps.squares``) they are the RREF basis W' of
    the rational form, and the intertwiners W = D_I⁻¹ W' D_REP: positive multiples of the
    RREF elements, which Gram–Schmidt does not see.  Then tr(W M⁻¹ Vᵀ) =
    Σ W'_ij V'_ij s_REP,j / (M_jj s_I,i), rational, and each value w'·√(s_REP,j/s_I,i)/√λ
    is a signed square.

    Gram–Schmidt runs on integer vectors (Python ints): a copy u_c is wanted only up to a
    positive factor, since W_c = u_c/√λ_c is the same for every positive multiple of it,
    so each u_c is kept primitive and the weights of the inner product share one
    denominator.
    """
    n_rep = len(weights[0])
    rep_num, rep_den = rep_squares if rep_squares is not None else _ones(n_rep)
    irrep_num, irrep_den = irrep_squares if irrep_squares is not None else _ones(dim)
    # the weight of position (r, j): s_REP,j / (M_jj s_I,r), over one common denominator
    # (the 1/dim of the inner product is a common factor, which Gram-Schmidt ignores)
    column_num, column_common = _over_common(rep_num * weights[1], rep_den * weights[0])
    row_num, row_common = _over_common(irrep_den, irrep_num)
    common = column_common * row_common
    support, vectors = _integer_rows(coo, n_basis, n_rep)
    # the copies lie in the span of the elements: only the positions that they hold
    omega = np.multiply.outer(row_num, column_num).ravel()[support]
    orthogonal: list[tuple[np.ndarray, int]] = []  # (u_c, <u_c, u_c> in integer weights)
    for a in vectors:
        weighted = a * omega
        terms = [(coefficient, lam, v) for v, lam in orthogonal
                 if (coefficient := int(np.dot(weighted, v)))]
        u = a
        if terms:  # u = L·a - Σ (coefficient·L/λ) v with L the lcm of the λs: integers
            scale = lcm(*(lam for _, lam, _ in terms))
            u = a * scale
            for coefficient, lam, v in terms:
                u = u - v * (coefficient * (scale // lam))
            u = _primitive(u)
        orthogonal.append((u, int(np.dot(u * omega, u))))
    rows, cols, numerators, denominators = [], [], [], []
    for c, (u, lam) in enumerate(orthogonal):
        at = np.flatnonzero(u != 0)
        r, j = np.divmod(support[at], n_rep)
        x = u[at]
        # (u/√λ)² · s_REP,j / s_I,r with λ = lam/(common·dim)
        num = x * np.abs(x) * rep_num[j] * irrep_den[r] * (common * dim)
        den = rep_den[j] * irrep_num[r] * lam
        g = np.gcd(num, den)
        numerators.append(num // g)
        denominators.append(den // g)
        rows.append(offset + c * dim + r)
        cols.append(j)
    if not orthogonal:
        numerators = denominators = rows = cols = [np.zeros(0, object)]
    num, den = np.concatenate(numerators), np.concatenate(denominators)
    return Coo(np.zeros(len(num), np.int64), np.concatenate(rows).astype(np.int64),
               np.concatenate(cols).astype(np.int64), _float_values(num, den), num, den)


def _ones(n: int) -> Ratios:
    one = np.ones(n, dtype=np.int64).astype(object)
    return one, one


def _over_common(num: np.ndarray, den: np.ndarray) -> tuple[np.ndarray, int]:
    """The rationals num/den as integer numerators over one common denominator."""
    common = int(np.lcm.reduce(den)) if len(den) else 1
    return num * (common // den), common


def _integer_rows(coo, n_basis: int, n_rep: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """The positions (row-major) that the elements of an exact rational basis hold, in
    increasing order, and each element as a dense vector of Python ints over them, a
    positive multiple of the element."""
    num = coo.numerator if coo.numerator is not None else np.rint(coo.value).astype(np.int64)
    den = coo.denominator if coo.denominator is not None else np.ones(len(num), np.int64)
    num, den = np.asarray(num, dtype=object), np.asarray(den, dtype=object)
    support, position = np.unique(
        np.asarray(coo.row, np.int64) * n_rep + np.asarray(coo.col, np.int64),
        return_inverse=True)
    position = position.ravel()
    # each element's entries, one run per element (the solvers give them by element)
    order = np.argsort(np.asarray(coo.index), kind="stable")
    bounds = np.searchsorted(np.asarray(coo.index)[order], np.arange(n_basis + 1))
    out = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        mine = order[lo:hi]
        d = lcm(*den[mine].tolist())
        v = np.zeros(len(support), dtype=np.int64).astype(object)
        v[position[mine]] = num[mine] * (d // den[mine])
        out.append(_primitive(v))
    return support, out


def _primitive(v: np.ndarray) -> np.ndarray:
    """v divided by the gcd of its entries (a positive integer)."""
    g = int(np.gcd.reduce(v)) if len(v) else 0
    return v // g if g > 1 else v


def _float_values(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """sign·√(|num|/den) in float64, as ``roots.as_float`` rounds each."""
    if len(num) == 0 or bool(np.all((np.abs(num) < 2**52) & (den < 2**52))):
        a = np.abs(num).astype(np.float64)
        root = np.sqrt(a / den.astype(np.float64))
        return np.where(num.astype(np.float64) < 0, -root, root)
    return np.array([as_float(Fraction(int(a), int(b))) for a, b in zip(num, den)],
                    np.float64)


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
