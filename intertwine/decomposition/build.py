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
from math import gcd, lcm, sqrt

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

    Gram–Schmidt runs on integer vectors: a copy u_c is wanted only up to a positive
    factor, since W_c = u_c/√λ_c is the same for every positive multiple of it, so each
    u_c is made primitive and the weights of the inner product share one denominator.
    It runs on the m x m Gram matrix of the elements (``_orthogonalised``), in int64 or
    float64 where a bound shows them exact, else in Python ints.
    """
    n_rep = len(weights[0])
    rep_num, rep_den = rep_squares if rep_squares is not None else _ones(n_rep)
    irrep_num, irrep_den = irrep_squares if irrep_squares is not None else _ones(dim)
    if n_basis == 0:
        empty = np.zeros(0, object)
        return Coo(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64),
                   np.zeros(0, np.float64), empty, empty)
    # the weight of position (r, j): s_REP,j / (M_jj s_I,r), over one common denominator
    # (the 1/dim of the inner product is a common factor, which Gram-Schmidt ignores)
    column_num, column_common = _over_common(rep_num * weights[1], rep_den * weights[0])
    row_num, row_common = _over_common(irrep_den, irrep_num)
    common = column_common * row_common
    support, vectors = _integer_rows(coo, n_basis, n_rep)
    # the copies lie in the span of the elements: only the positions that they hold
    support_r, support_j = np.divmod(support, n_rep)
    if _largest(row_num) * _largest(column_num) >= 2**63:
        row_num, column_num = row_num.astype(object), column_num.astype(object)
    omega = _narrowed(row_num[support_r] * column_num[support_j])
    units, lams = _orthogonalised(vectors, omega)
    if units.size <= SMALL_COPIES:
        return _small_copies(units, lams, (support_r, support_j), (rep_num, rep_den),
                             (irrep_num, irrep_den), common * dim, dim, offset)
    c, at = np.nonzero(units)
    r, j = support_r[at], support_j[at]
    x = units[c, at]
    # (u/√λ)² · s_REP,j / s_I,r with λ = lam/(common·dim)
    scale = common * dim
    lam = np.array(lams, object)
    parts = [x, rep_num, irrep_den, rep_den, irrep_num, lam]
    big = [_largest(a) for a in parts]
    if big[0] ** 2 * big[1] * big[2] * scale < 2**63 and big[3] * big[4] * big[5] < 2**63:
        x, rep_num, irrep_den, rep_den, irrep_num, lam = (
            np.asarray(a).astype(np.int64) for a in parts)  # exact in int64: faster
    else:
        x = x.astype(object)
    num = x * np.abs(x) * rep_num[j] * irrep_den[r] * scale
    den = rep_den[j] * irrep_num[r] * lam[c]
    g = np.gcd(num, den)
    num, den = num // g, den // g
    values = _float_values(num, den)
    return Coo(np.zeros(len(num), np.int64), (offset + c * dim + r).astype(np.int64),
               j.astype(np.int64), values, num.astype(object), den.astype(object))


#: ``exact_copies`` assembles at most this many entries of copies in Python ints
SMALL_COPIES = 64


def _small_copies(units: np.ndarray, lams: list[int], support, rep_squares, irrep_squares,
                  scale: int, dim: int, offset: int) -> Coo:
    """The tail of ``exact_copies`` for a few entries, in Python ints: the same signed
    squares (x·|x|·s_REP,j·scale / (t_REP,j·s_I,r·λ), in lowest terms) in the same
    (copy, position) order, without a dozen numpy calls and their int64 bound checks."""
    (support_r, support_j), (rep_num, rep_den), (irrep_num, irrep_den) = \
        support, rep_squares, irrep_squares
    # each position's factors once, as Python ints: s_REP,j's numerator times s_I,r's
    # denominator (and the scale) above, the converse below
    above = [int(a) * int(b) * scale
             for a, b in zip(rep_num[support_j].tolist(), irrep_den[support_r].tolist())]
    below = [int(a) * int(b)
             for a, b in zip(rep_den[support_j].tolist(), irrep_num[support_r].tolist())]
    at_row, at_col = support_r.tolist(), support_j.tolist()
    rows, cols, nums, dens = [], [], [], []
    for c, (unit, lam) in enumerate(zip(units.tolist(), lams)):
        for t, x in enumerate(unit):
            if x:
                num, den = x * abs(x) * above[t], below[t] * lam
                g = gcd(num, den)
                rows.append(offset + c * dim + at_row[t])
                cols.append(at_col[t])
                nums.append(num // g)
                dens.append(den // g)
    num, den = np.array(nums, object), np.array(dens, object)
    return Coo(np.zeros(len(rows), np.int64), np.array(rows, np.int64),
               np.array(cols, np.int64), _float_values(num, den), num, den)


def _orthogonalised(vectors: np.ndarray, omega: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """Gram–Schmidt of the rows a_k of ``vectors`` (integers, independent) for the inner
    product <a, b> = Σ a_s b_s omega_s: the rows u_k, each the primitive integer vector
    that is a positive multiple of a_k less its projections on u_1..u_k-1, and the
    <u_k, u_k>.

    Each u_k = c_k · A is kept as its coefficients c_k over the a's (integers, divided by
    their gcd: the direction is all that counts), found from the Gram matrix G = A Ω Aᵀ
    alone: <a_k, u_j> = (G c_j)_k and <u_j, u_j> = c_j G c_jᵀ.  Only U = C A touches the
    long vectors, once."""
    m = len(vectors)
    if m == 1:  # the vector's primitive multiple is the copy: no Gram matrix
        row = vectors[0].tolist()
        content = gcd(*row)
        if content > 1:
            row = [x // content for x in row]
            vectors = np.array([row], vectors.dtype)
        return vectors, [sum(x * x * int(w) for x, w in zip(row, omega.tolist()))]
    big = _largest(vectors)
    bound = big * big * _largest(omega) * len(omega)  # of every partial sum of G
    weighted = vectors * omega if bound < 2**63 else vectors.astype(object) * omega
    gram_array = _exact_product(weighted, vectors.T, bound)
    gram = [[int(x) for x in row] for row in gram_array.tolist()]
    largest_gram = max((abs(x) for row in gram for x in row), default=0)
    coefficients: list[list[int]] = []
    projected: list[list[int]] = []  # G c_j: <a_k, u_j> for every k
    lams: list[int] = []
    for k in range(m):
        c = [0] * m
        c[k] = 1
        terms = [(coefficient, lam, cj) for cj, gj, lam in zip(coefficients, projected, lams)
                 if (coefficient := gj[k])]
        if terms:  # c = L·e_k - Σ (coefficient·L/λ) c_j with L the lcm of the λs: integers
            scale = lcm(*(lam for _, lam, _ in terms))
            c = [x * scale for x in c]
            for coefficient, lam, cj in terms:
                factor = coefficient * (scale // lam)
                c = [x - factor * y for x, y in zip(c, cj)]
            content = gcd(*c)
            c = [x // content for x in c]
        coefficients.append(c)
        if largest_gram * max(abs(x) for x in c) * m < 2**63:  # G c in int64, exactly
            projected.append((gram_array.astype(np.int64) @ np.array(c, np.int64)).tolist())
        else:
            projected.append([sum(g * x for g, x in zip(row, c) if x) for row in gram])
        # u_k is orthogonal to a_1..a_k-1, so <u_k, u_k> = c_kk <u_k, a_k>
        lams.append(c[k] * projected[k][k])
    bound = max(abs(x) for c in coefficients for x in c) * big * m
    units = _exact_product(np.array(coefficients, object), vectors, bound)
    contents = np.gcd.reduce(units, axis=1)
    units = units // contents[:, None]
    return units, [lam // int(g) ** 2 for lam, g in zip(lams, contents)]


def _exact_product(a: np.ndarray, b: np.ndarray, bound: int) -> np.ndarray:
    """a @ b for integer matrices whose products' partial sums are at most ``bound`` in
    absolute value: in float64 (exact below 2**53: every partial sum is an integer),
    int64, or Python ints."""
    if bound < 2**53:
        return (a.astype(np.float64) @ b.astype(np.float64)).astype(np.int64)
    if bound < 2**63:
        return a.astype(np.int64) @ b.astype(np.int64)
    return a.astype(object) @ b.astype(object)


def _largest(a) -> int:
    """The largest absolute value of an integer array (0 for an empty one), a Python int."""
    a = np.asarray(a)
    if a.size <= 32:  # a tiny decomposition's arrays: Python ints beat numpy's calls
        return int(max(map(abs, a.ravel().tolist()), default=0))
    return int(np.abs(a).max())


def _narrowed(a: np.ndarray) -> np.ndarray:
    """An integer array as int64 where its values fit (faster), else as Python ints."""
    return a.astype(np.int64) if _largest(a) < 2**63 else a.astype(object)


def _ones(n: int) -> Ratios:
    one = np.ones(n, dtype=np.int64).astype(object)
    return one, one


def _over_common(num: np.ndarray, den: np.ndarray) -> tuple[np.ndarray, int]:
    """The rationals num/den as integer numerators over one common denominator."""
    common = lcm(*set(den.tolist()))  # of its few distinct values, in Python ints
    if _largest(num) * common < 2**63 and common < 2**63:  # in int64: faster
        num, den = np.asarray(num).astype(np.int64), np.asarray(den).astype(np.int64)
    return num * (common // den), common


def _integer_rows(coo, n_basis: int, n_rep: int) -> tuple[np.ndarray, np.ndarray]:
    """The positions (row-major) that the elements of an exact rational basis hold, in
    increasing order, and each element as a row of integers over them, the primitive
    positive multiple of the element (int64 where the values fit, else Python ints)."""
    if coo.numerator is not None and len(coo.index) <= SMALL_COPIES:
        return _small_integer_rows(coo, n_basis, n_rep)
    num = coo.numerator if coo.numerator is not None else np.rint(coo.value).astype(np.int64)
    den = coo.denominator if coo.denominator is not None else np.ones(len(num), np.int64)
    index = np.asarray(coo.index, np.int64)
    key = np.asarray(coo.row, np.int64) * n_rep + np.asarray(coo.col, np.int64)
    if n_basis == 1 and bool(np.all(key[1:] > key[:-1])):  # one element, in order
        support, position = key, np.arange(len(key))
    else:
        support, position = np.unique(key, return_inverse=True)
    # each element's common denominator: of its few distinct denominators
    if n_basis == 1:  # (a single copy: no grouping by element)
        commons = [lcm(*set(np.asarray(den).tolist()))]
    else:
        order = np.argsort(index, kind="stable")
        bounds = np.searchsorted(index[order], np.arange(n_basis + 1)).tolist()
        commons = [lcm(*set(den[order[lo:hi]].tolist())) for lo, hi in zip(bounds, bounds[1:])]
    if _largest(num) * max(commons, default=1) < 2**63:
        commons, num, den = (np.asarray(a).astype(np.int64) for a in (commons, num, den))
    else:
        commons, num, den = (np.asarray(a).astype(object) for a in (commons, num, den))
    vectors = np.zeros((n_basis, len(support)), num.dtype)
    vectors[index, position.ravel()] = num * (commons[index] // den)
    contents = np.gcd.reduce(vectors, axis=1)
    return support, vectors // np.maximum(contents, 1)[:, None]


def _small_integer_rows(coo, n_basis: int, n_rep: int) -> tuple[np.ndarray, np.ndarray]:
    """``_integer_rows`` of a few exact entries in Python ints: the same positions and
    rows (int64 where every value fits, else Python ints)."""
    keys = [r * n_rep + c for r, c in zip(coo.row.tolist(), coo.col.tolist())]
    support = sorted(set(keys))
    at = {key: t for t, key in enumerate(support)}
    index = coo.index.tolist()
    num, den = coo.numerator.tolist(), coo.denominator.tolist()
    denominators: list[set] = [set() for _ in range(n_basis)]
    for i, b in zip(index, den):
        denominators[i].add(b)
    commons = [lcm(*d) for d in denominators]
    rows = [[0] * len(support) for _ in range(n_basis)]
    for i, key, a, b in zip(index, keys, num, den):
        rows[i][at[key]] = a * (commons[i] // b)
    for k, row in enumerate(rows):
        content = gcd(*row)
        if content > 1:
            rows[k] = [x // content for x in row]
    fits = all(-2**63 < x < 2**63 for row in rows for x in row)
    return (np.array(support, np.int64),
            np.array(rows, np.int64 if fits else object).reshape(n_basis, len(support)))


def _float_values(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """sign·√(|num|/den) in float64, as ``roots.as_float`` rounds each."""
    if len(num) <= 32:  # a few values: Python floats, the same roundings (exact
        # conversions, then one correctly rounded division and square root)
        pairs = list(zip(num.tolist(), den.tolist()))
        if all(abs(a) < 2**52 and b < 2**52 for a, b in pairs):
            return np.array([-sqrt(-a / b) if a < 0 else sqrt(a / b) for a, b in pairs],
                            np.float64)
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
