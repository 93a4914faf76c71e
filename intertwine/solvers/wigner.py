"""Wigner 3j symbols in e3nn's real basis, exactly: the closed form of the one-element
basis of ``SO(3): irr(l1) * irr(l2) -> irr(l3)``.

The intertwiners from irr(l1) (x) irr(l2) to irr(l3) form a space of dimension 1 when
|l1 - l2| <= l3 <= l1 + l2 (else 0).  Its element is a matrix B of shape
(2 l3 + 1, (2 l1 + 1)(2 l2 + 1)): rows are the output coordinate m3, columns the input
pairs (m1, m2) row-major, in e3nn's real coordinates (docs: the SO(3) row of the irreps
table).  e3nn's ``o3.wigner_3j(l1, l2, l3)`` is the invariant tensor C[m1, m2, m3], and
since the real D matrices are orthogonal, B[m3, m1 (2 l2 + 1) + m2] is proportional to
C[m1, m2, m3].

How it is computed (no floating point until the last step):

1. Complex Clebsch-Gordan coefficients by Racah's formula in binomial form
   (Condon-Shortley phases, as e3nn's ``_su2_clebsch_gordan``): with J = l1 + l2 + l3,
   a = J - 2 l3, b = J - 2 l2, c = J - 2 l1 and m3 = m1 + m2,

       <l1 m1 l2 m2 | l3 m3> = sqrt(R) T(m1, m2),
       T(m1, m2) = sum_k (-1)^k C(a, k) C(b, l1 - m1 - k) C(c, l2 + m2 - k)   (an integer),
       R = (2 l3 + 1) prod_i (l_i + m_i)! (l_i - m_i)! / ((J + 1)! a! b! c!).

   R depends on |m1|, |m2|, |m3| only.
2. e3nn's change of basis (``change_basis_real_to_complex``): column mu of Q_l has its
   two entries in rows m = +-|mu|, each a power of i over sqrt(2) (1 for mu = 0), times
   (-i)^l.  The real tensor sum Q1[m1, mu1] Q2[m2, mu2] conj(Q3[m3, mu3]) CG[m1, m2, m3]
   therefore adds, for each real entry, at most four coefficients that share one square
   root sqrt(R / 2^k) (k = how many of mu1, mu2, mu3 are nonzero), with phases that are
   powers of i: each entry is sqrt(R / 2^k) G with G a Gaussian integer.  The imaginary
   part of every G is checked to be exactly 0, so every entry is exactly +-sqrt(rational).
3. The basis is normalised as an RREF: divided by its first nonzero entry in row-major
   order, so each value is sign(G) sqrt(R G^2 2^k0 / (R0 G0^2 2^k)), reduced to lowest
   terms by prime exponents (factorials by Legendre's formula) and gcds.

The exact method answers a spec of exactly that shape (or ``O(3): irr(l1, p1) *
irr(l2, p2) -> irr(l3, p3)``) with this closed form (``wigner_block``, ``solve_wigner``);
the general solver (``solvers.sqrt``) is its test, square for square.

>>> b = wigner_3j_basis(1, 1, 0)
>>> b.n_basis, b.shape, b.row.tolist(), b.col.tolist()
(1, (1, 9), [0, 0, 0], [0, 4, 8])
>>> b.square_numerator.tolist(), b.square_denominator.tolist()
([1, 1, 1], [1, 1, 1])
>>> wigner_3j_basis(1, 1, 3).n_basis
0
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from math import factorial, isqrt

import numpy as np

__all__ = ["SqrtBasis", "wigner_3j_basis", "wigner_3j", "triangle", "wigner_block",
           "solve_wigner"]

_INT64_MAX = np.iinfo(np.int64).max


@dataclass(frozen=True)
class SqrtBasis:
    """A basis of n_basis (0 or 1) matrices of ``shape`` whose entries are
    ``value = sign(sq) sqrt(|square_numerator| / square_denominator)``, stored as coo
    (``row``, ``col``; row-major order, no zeros).  ``square_numerator`` is sign * a and
    ``square_denominator`` b > 0 with gcd(a, b) = 1: int64 arrays, or object arrays of
    Python ints where a number does not fit int64.  ``value`` is float64 within one ulp."""

    shape: tuple[int, int]
    n_basis: int
    row: np.ndarray
    col: np.ndarray
    square_numerator: np.ndarray
    square_denominator: np.ndarray
    value: np.ndarray

    def toarray(self) -> np.ndarray:
        """The (float64) matrix B, or zeros when the space is 0-dimensional."""
        out = np.zeros(self.shape)
        out[self.row, self.col] = self.value
        return out


def triangle(l1: int, l2: int, l3: int) -> bool:
    """Whether irr(l3) occurs in irr(l1) (x) irr(l2): |l1 - l2| <= l3 <= l1 + l2."""
    return abs(l1 - l2) <= l3 <= l1 + l2


def wigner_3j_basis(l1: int, l2: int, l3: int) -> SqrtBasis:
    """The exact basis of ``SO(3): irr(l1) * irr(l2) -> irr(l3)`` in e3nn's real
    coordinates (see the module docstring), normalised with a leading 1."""
    for l in (l1, l2, l3):
        if not isinstance(l, (int, np.integer)) or isinstance(l, bool) or l < 0:
            raise ValueError(f"degrees must be integers >= 0, not {l!r}")
    l1, l2, l3 = int(l1), int(l2), int(l3)
    n1, n2, n3 = 2 * l1 + 1, 2 * l2 + 1, 2 * l3 + 1
    shape = (n3, n1 * n2)
    if not triangle(l1, l2, l3):
        empty = np.zeros(0, np.int64)
        return SqrtBasis(shape, 0, empty, empty, empty, empty.copy(), np.zeros(0))
    g = _real_integers(l1, l2, l3)  # (n3, n1, n2): entry = sqrt(R / 2^k) * g
    i3, i1, i2 = np.nonzero(g)  # row-major order of B: (m3, m1, m2)
    gs = g[i3, i1, i2]
    mu1, mu2, mu3 = np.abs(i1 - l1), np.abs(i2 - l2), np.abs(i3 - l3)
    num, den = _squares(l1, l2, l3, mu1, mu2, mu3, gs)
    sign = np.where(gs * gs[0] > 0, 1, -1)  # gs may be object: compare, do not np.sign
    value = sign * _sqrt_ratio(num, den)
    num = num * sign if num.dtype != object else np.array(
        [int(n) * int(s) for n, s in zip(num, sign)], dtype=object)
    return SqrtBasis(shape, 1, i3.astype(np.int64), (i1 * n2 + i2).astype(np.int64),
                     num, den, value)


def wigner_block(spec) -> tuple[int, int, int, bool] | None:
    """(l1, l2, l3, allowed) when ``spec`` is exactly ``SO(3): irr(l1) * irr(l2) ->
    irr(l3)`` or ``O(3): irr(l1, p1) * irr(l2, p2) -> irr(l3, p3)`` (``allowed``: the
    parities agree, p1 p2 = p3; else the space is 0), otherwise None: the closed form
    applies to these only, everything else goes to the general solver.

    >>> from intertwine.spec import parse_spec
    >>> wigner_block(parse_spec("O(3): 1o * 2e -> 3e")), wigner_block(parse_spec("O(3): V*V -> V"))
    ((1, 2, 3, False), None)
    """
    from ..reps.irr import Irrep
    from ..reps.tensor import Tensor

    factors = spec.group.factors
    if len(factors) != 1 or factors[0].kind not in ("SO", "O") or factors[0].args != (3,):
        return None
    rep_in, rep_out = spec.rep_in, spec.rep_out
    if not (isinstance(rep_in, Tensor) and len(rep_in.factors) == 2):
        return None
    atoms = (*rep_in.factors, rep_out)
    if not all(isinstance(a, Irrep) for a in atoms):
        return None
    labels = [a.label for a in atoms]
    if any(len(label) != (1 if factors[0].kind == "SO" else 2) for label in labels):
        return None  # not labels of these groups' irreps (the parser refuses them)
    degrees = [label[0] for label in labels]
    if factors[0].kind == "SO":
        return (*degrees, True)
    odd = [label[1] == "o" for label in labels]
    return (*degrees, (odd[0] ^ odd[1]) == odd[2])


def solve_wigner(l1: int, l2: int, l3: int, allowed: bool = True):
    """The exact solver's result (``SolveResult``, values as signed squares) for the
    block (``wigner_block``): the closed form in place of the elimination."""
    from ..coo import Coo
    from .result import SolveResult

    basis = wigner_3j_basis(l1, l2, l3)
    n_basis = basis.n_basis if allowed else 0
    take = slice(None) if n_basis else slice(0)
    coo = Coo(np.zeros(len(basis.row[take]), np.int64), basis.row[take], basis.col[take],
              basis.value[take], square_numerator=basis.square_numerator[take],
              square_denominator=basis.square_denominator[take])
    attrs = {"exact_subgroup_reduction": False, "exact_elimination": "wigner_3j",
             "exact_values": "sqrt"}
    return SolveResult(n_basis, coo=coo, attrs=attrs)


def wigner_3j(l1: int, l2: int, l3: int) -> np.ndarray:
    """e3nn 0.6's ``o3.wigner_3j(l1, l2, l3)`` as a float64 array of shape
    (2 l1 + 1, 2 l2 + 1, 2 l3 + 1), sign and norm (1) included, from the exact values.

    >>> c = wigner_3j(1, 1, 0); round(float(c[0, 0, 0]) ** 2 * 3, 12)
    1.0
    """
    if not triangle(l1, l2, l3):
        raise ValueError(f"wigner_3j({l1}, {l2}, {l3}): the triangle rule fails")
    basis = wigner_3j_basis(l1, l2, l3)
    # e3nn's sign: its complex coefficients are ours times a positive constant, so the
    # first entry in row-major order of B has the sign of its G (recomputed here).
    g = _real_integers(l1, l2, l3)
    first = g[basis.row[0], basis.col[0] // (2 * l2 + 1), basis.col[0] % (2 * l2 + 1)]
    b = basis.toarray() * (1 if first > 0 else -1)
    norm2 = sum((_fraction(a, d) for a, d in zip(basis.square_numerator.tolist(),
                                                  basis.square_denominator.tolist())),
                start=_fraction(0, 1))
    b /= float(norm2) ** 0.5
    return b.reshape(2 * l3 + 1, 2 * l1 + 1, 2 * l2 + 1).transpose(1, 2, 0).copy()


def _fraction(a: int, b: int):
    from fractions import Fraction
    return Fraction(abs(int(a)), int(b))


# ------------------------------------------------------------------ integer arithmetic

@cache
def _binomial_rows(n: int, wide: bool) -> np.ndarray:
    """C(n, r) at index r + n + 1 for r in -(n + 1) .. 2 n + 1, zero outside 0..n, so that
    gathers with clipped r need no masks.  int64, or Python ints (object) if wide."""
    from math import comb
    values = [comb(n, r) for r in range(n + 1)]
    row = np.zeros(3 * (n + 1), dtype=object if wide else np.int64)
    row[n + 1:2 * (n + 1)] = values
    row.flags.writeable = False  # cached
    return row


def _racah_sums(l1: int, l2: int, l3: int) -> np.ndarray:
    """T(m1, m2) of the module docstring for all m1, m2 (index l + m); 0 where
    |m1 + m2| > l3."""
    j = l1 + l2 + l3
    a, b, c = j - 2 * l3, j - 2 * l2, j - 2 * l1
    # int64 while every partial sum, and G (at most four T), is surely below 2^63
    wide = 4 * (a + 1) * _comb_max(a) * _comb_max(b) * _comb_max(c) > _INT64_MAX
    m1 = np.arange(-l1, l1 + 1)[:, None, None]
    m2 = np.arange(-l2, l2 + 1)[None, :, None]
    k = np.arange(a + 1)[None, None, :]
    ca = _binomial_rows(a, wide)[a + 1 + k]
    cb = _binomial_rows(b, wide)[np.clip(l1 - m1 - k, -b - 1, 2 * b + 1) + b + 1]
    cc = _binomial_rows(c, wide)[np.clip(l2 + m2 - k, -c - 1, 2 * c + 1) + c + 1]
    signs = np.where(k % 2 == 0, 1, -1)
    t = (signs * ca * cb * cc).sum(axis=2)
    t[np.abs(m1[:, :, 0] + m2[:, :, 0]) > l3] = 0
    return t


@cache
def _comb_max(n: int) -> int:
    from math import comb
    return comb(n, n // 2)


def _phase(m: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """e3nn's Q_l[m, mu] (|m| = |mu|) as a power of i, without the 1/sqrt(2) and the
    common (-i)^l: mu > 0: 1 (m < 0), (-1)^mu (m > 0); mu < 0: -i (m < 0),
    i (-1)^|mu| (m > 0); mu = 0: 1."""
    odd = np.abs(mu) % 2
    return np.where(mu > 0, np.where(m > 0, 2 * odd, 0),
                    np.where(mu < 0, np.where(m > 0, 1 + 2 * odd, 3), 0))


@lru_cache(maxsize=16)  # 40 n1 n2 bytes each: a few blocks' worth, for loops over l3
def _couplings(l1: int, l2: int) -> tuple[np.ndarray, ...]:
    """Which complex coefficient reaches which real entry, for every l3 at once: flat
    arrays over the terms (|m3|, the coefficient's flat index m1, m2, the real mu3, the
    real flat index mu1, mu2, the phase as a power of i without the l3 part).

    Each real (mu1, mu2) meets the complex coefficients at (m1, m2) = (s1 |mu1|,
    s2 |mu2|), counted once where mu = 0 (Q has one entry in that column), and each such
    m3 = m1 + m2 reaches the real mu3 = +-|m3| (once where m3 = 0)."""
    n2 = 2 * l2 + 1
    signs = np.array([[s1, s2, s3] for s1 in (1, -1) for s2 in (1, -1) for s3 in (1, -1)])
    s1, s2, s3 = (signs[:, i, None, None] for i in range(3))
    mu1 = np.arange(-l1, l1 + 1)[None, :, None]
    mu2 = np.arange(-l2, l2 + 1)[None, None, :]
    m1, m2 = s1 * np.abs(mu1), s2 * np.abs(mu2)
    m3 = m1 + m2
    mu3 = s3 * np.abs(m3)
    use = ((s1 == 1) | (mu1 != 0)) & ((s2 == 1) | (mu2 != 0)) & ((s3 == 1) | (m3 != 0))
    # (-i)^l1 (-i)^l2 conj((-i)^l3) = i^(3 l1 + 3 l2 + l3): l3's part is added per block
    phase = 3 * (l1 + l2) + _phase(m1, mu1) + _phase(m2, mu2) - _phase(m3, mu3)
    out = (np.abs(m3), (m1 + l1) * n2 + m2 + l2, mu3, (mu1 + l1) * n2 + mu2 + l2, phase)
    out = tuple(np.broadcast_to(x, use.shape)[use] for x in out)
    for x in out:
        x.flags.writeable = False  # cached
    return out


def _real_integers(l1: int, l2: int, l3: int) -> np.ndarray:
    """G[m3, m1, m2] (index l + mu) with real entry = sqrt(R / 2^k) G (module docstring);
    raises if any imaginary part is nonzero."""
    t = _racah_sums(l1, l2, l3).ravel()
    n12, n3 = (2 * l1 + 1) * (2 * l2 + 1), 2 * l3 + 1
    abs_m3, coefficient, mu3, entry, phase = _couplings(l1, l2)
    keep = abs_m3 <= l3
    e = (phase[keep] + l3) % 4
    vals = t[coefficient[keep]]
    vals = np.where(e >= 2, -vals, vals)
    idx = (mu3[keep] + l3) * n12 + entry[keep]
    real = e % 2 == 0
    re = np.zeros(n3 * n12, t.dtype)
    np.add.at(re, idx[real], vals[real])
    im = np.zeros(n3 * n12, t.dtype)
    np.add.at(im, idx[~real], vals[~real])
    if np.any(im != 0):  # pragma: no cover - would mean a wrong phase table
        raise ArithmeticError(f"wigner_3j({l1}, {l2}, {l3}): entries are not real")
    return re.reshape(n3, 2 * l1 + 1, 2 * l2 + 1)


# ------------------------------------------------------------- squares in lowest terms

@cache
def _primes(n: int) -> np.ndarray:
    sieve = np.ones(max(n + 1, 2), bool)
    sieve[:2] = False
    for p in range(2, isqrt(n) + 1):
        if sieve[p]:
            sieve[p * p::p] = False
    primes = np.nonzero(sieve)[0]
    primes.flags.writeable = False  # cached
    return primes


@cache
def _factorial_exponents(n: int) -> np.ndarray:
    """E[k, i] = the exponent of prime i in k! for k = 0..n (Legendre's formula)."""
    primes = _primes(n)
    k = np.arange(n + 1)[:, None]
    out = np.zeros((n + 1, len(primes)), np.int64)
    power = primes[None, :].astype(np.int64)
    while (power <= n).any():
        out += k // power
        power = power * primes[None, :]
    out.flags.writeable = False  # cached
    return out


def _squares(l1, l2, l3, mu1, mu2, mu3, g) -> tuple[np.ndarray, np.ndarray]:
    """a/b in lowest terms with a/b = R G^2 2^k0 / (R0 G0^2 2^k) per entry (entry 0 is
    the leading one).  R by prime exponents (factorials by Legendre's formula), G by its
    valuations at the same primes and a gcd of what is left; a, b int64 where they fit,
    else Python ints (object arrays).  G beyond int64 (l of about 30 and more): Python
    ints throughout, the factorials themselves and one gcd per entry."""
    nmax = max(2 * max(l1, l2, l3), 2)  # 2 is always a prime here: the 2^k
    primes = _primes(nmax)
    fact = _factorial_exponents(nmax)
    pairs = ((l1, mu1), (l2, mu2), (l3, mu3))
    expo = sum(fact[l + mu] + fact[l - mu] for l, mu in pairs)
    expo[:, 0] -= (mu1 != 0).astype(np.int64) + (mu2 != 0) + (mu3 != 0)  # primes[0] == 2
    expo -= expo[0]
    g = np.abs(g)
    if g.dtype != object:
        pos, neg = np.maximum(expo, 0), np.maximum(-expo, 0)
        bits_g, log2p = 2 * np.log2(np.maximum(g, 1)), np.log2(primes)
        if max((bits_g + pos @ log2p).max(), (bits_g[0] + neg @ log2p).max()) < 62:
            num, den = g * g, np.full_like(g, g[0] * g[0])
            for i, p in enumerate(primes.tolist()):
                if pos[:, i].any():
                    num = num * np.power(np.int64(p), pos[:, i])
                if neg[:, i].any():
                    den = den * np.power(np.int64(p), neg[:, i])
            common = np.gcd(num, den)
            return num // common, den // common
        # G = prod p^v * c with c prime to these primes: only c needs a gcd
        vals = np.zeros_like(expo)
        for i, p in enumerate(primes.tolist()):
            hit = g % p == 0
            while hit.any():
                vals[hit, i] += 1
                g = np.where(hit, g // p, g)
                hit = g % p == 0
        expo += 2 * (vals - vals[0])
        common = np.gcd(g, g[0])
        pos, neg = np.maximum(expo, 0), np.maximum(-expo, 0)
        return (_times_prime_powers(g // common, primes, pos),
                _times_prime_powers(g[0] // common, primes, neg))
    # Python ints: the factorials themselves, then one gcd per entry (numpy calls
    # math.gcd on object arrays)
    table = _factorials(nmax)
    weight = np.ones(len(g), dtype=object)
    for l, mu in pairs:
        weight = weight * table[l + mu] * table[l - mu]
    k = (mu1 != 0).astype(np.int64) + (mu2 != 0) + (mu3 != 0)
    g = g.astype(object)
    num = g * g * weight * (1 << int(k[0]))
    den = (g[0] * g[0] * weight[0]) * np.array([1 << int(x) for x in k], dtype=object)
    common = np.gcd(num, den)
    return _narrow(num // common), _narrow(den // common)


def _times_prime_powers(root: np.ndarray, primes: np.ndarray, expo: np.ndarray) -> np.ndarray:
    """root^2 prod_i primes[i]^expo[:, i] per row (root int64, coprime to the primes):
    int64 where it fits, else Python ints (object array)."""
    root = np.broadcast_to(root, expo.shape[:1])
    bits = 2 * np.log2(np.maximum(root, 1)) + expo @ np.log2(primes)
    fits = bits < 62
    out = np.ones(len(root), np.int64)
    small = root[fits] ** 2
    for i, p in enumerate(primes.tolist()):
        e = expo[fits, i]
        if e.any():
            small = small * np.power(np.int64(p), e)
    out[fits] = small
    if fits.all():
        return out
    out = out.astype(object)
    plist = primes.tolist()
    for j in np.nonzero(~fits)[0].tolist():
        x = int(root[j]) ** 2
        for p, e in zip(plist, expo[j].tolist()):
            if e:
                x *= p ** e
        out[j] = x
    return out


@cache
def _factorials(n: int) -> np.ndarray:
    table = np.array([factorial(k) for k in range(n + 1)], dtype=object)
    table.flags.writeable = False  # cached
    return table


def _narrow(x: np.ndarray) -> np.ndarray:
    """int64 if every (positive) value fits, else the object array as it is."""
    return x.astype(np.int64) if x.max(initial=0) <= _INT64_MAX else x


def _sqrt_ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """sqrt(num / den) in float64 within one ulp: the quotient correctly rounded (numpy's
    where both are exact in float64, else Python's int / int), then one more rounding in
    the square root: relative error at most 3/4 of the unit roundoff."""
    if num.dtype != object and den.dtype != object and \
            max(num.max(initial=0), den.max(initial=0)) < 2 ** 53:
        return np.sqrt(num.astype(np.float64) / den.astype(np.float64))
    return np.sqrt((num.astype(object) / den.astype(object)).astype(np.float64))
