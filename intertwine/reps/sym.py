"""``sym(R, k)``: the k-th symmetric power of R, the symmetric tensors in ``R**k``.

Coordinates (docs/specs.rst): one per index tuple i_1 <= ... <= i_k of R's coordinates, in
lexicographic order; a symmetric tensor T is given by its entries at those tuples.  So
rho(g) = P rho_R(g)^(x)k E, where E copies each coordinate to every permutation of its
tuple and P reads the sorted tuples.

* A signed permutation R (e_i -> s_i e_pi(i)) gives a signed permutation again: tuple t
  goes to sorted(pi(t)) with sign prod s -- orbits still apply, and exact stays exact.
  Other matrices: P rho^(x)k E with sparse matrices (its inverse likewise, for ``dual``).
* Lie algebra: d rho = P (sum_j I (x) .. (x) dR (x) .. (x) I) E.  Column t, value i of t
  moved to r: the tuple u = t - i + r, coefficient dR[r, i] times the multiplicity of r
  in u (the slots of u holding r that the moved slot may be) -- summed over the distinct
  values i of t.  Integer in, integer out.
* Character from the power sums p_m = chi_R(g**m) (the cycle index of S_k):
  chi(g) = sum over partitions lambda of k of prod_m p_m**a_m / z_lambda, with a_m the
  parts equal to m and z_lambda = prod_m m**a_m a_m!.  (``alt`` uses the same machinery
  with the sign of lambda.)
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from dataclasses import dataclass
from math import comb, factorial

import numpy as np

from ..combinatorics import integer_partitions
from ..coo import CooMatrix, matmul
from ..errors import MAX_DIMENSION_BITS, TooLarge
from . import action
from .base import Parsed, Rep, Structure, Walk, constructor

#: sym/alt characters sum over the partitions of k; beyond this k, no count (None)
MAX_CHARACTER_K = 30
#: general (non signed-permutation) matrices go through R**k: at most this many entries
MAX_KRON = 10**7
#: tables of sorted tuples hold at most this many entries (tuples x k)
MAX_TUPLE_ENTRIES = 10**8
#: alt's signs count inversions, k**2 / 2 passes: at most this k
MAX_ALT_K = 200


def parse_power_argument(cls, parsed: Parsed) -> tuple[Rep, int]:
    """R and k of ``NAME(R, k)`` with k >= 1."""
    if len(parsed.ints) != 1:
        raise parsed.error(f"{parsed.name} takes a representation and one integer k >= 1, "
                           f"e.g. {parsed.name}(V, 2)")
    k = parsed.ints[0]
    if k < 1:
        raise parsed.error(f"{parsed.name}(R, k) needs k >= 1", 0)
    return parsed.reps[0], k


def check_size(rep: Rep, count: int, k: int, d: int) -> None:
    """Refuse before computing a binomial with more than MAX_DIMENSION_BITS bits."""
    if min(k, d) * math.log2(d + k + 1) > MAX_DIMENSION_BITS:
        raise TooLarge(f"{rep} is too large: its dimension has more than "
                       f"{MAX_DIMENSION_BITS} bits")


def tuples(d: int, k: int, strict: bool) -> np.ndarray:
    """All sorted k-tuples of range(d) (strictly increasing if ``strict``), lexicographic."""
    source = itertools.combinations if strict else itertools.combinations_with_replacement
    flat = np.fromiter(itertools.chain.from_iterable(source(range(d), k)), np.int64)
    return flat.reshape(-1, k)


class TupleIndex:
    """Position of a sorted tuple among ``tuples(d, k, strict)``."""

    def __init__(self, table: np.ndarray, d: int):
        self.d, self.k = d, table.shape[1]
        self.wide = d ** self.k >= 2**62
        if self.wide:
            self.lookup = {t.tobytes(): i for i, t in enumerate(table)}
        else:
            self.keys = self._keys(table)  # increasing: lexicographic = numeric order

    def _keys(self, rows: np.ndarray) -> np.ndarray:
        keys = np.zeros(len(rows), np.int64)
        for j in range(self.k):
            keys = keys * self.d + rows[:, j]
        return keys

    def __call__(self, rows: np.ndarray) -> np.ndarray:
        if self.wide:
            return np.array([self.lookup[r.tobytes()] for r in np.ascontiguousarray(rows)],
                            np.int64)
        return np.searchsorted(self.keys, self._keys(rows))


def inversions(rows: np.ndarray) -> np.ndarray:
    """Number of inversions of each row (pairs a < b with row[a] > row[b])."""
    k = rows.shape[1]
    out = np.zeros(len(rows), np.int64)
    for a in range(k):
        for b in range(a + 1, k):
            out += rows[:, a] > rows[:, b]
    return out


def signed_action(g, d: int, k: int, strict: bool):
    """The action of a signed permutation g of R on the sorted tuples."""
    table = tuples(d, k, strict)
    images = g.perm[table]
    order = np.argsort(images, axis=1, kind="stable")
    target = TupleIndex(table, d)(np.take_along_axis(images, order, axis=1))
    sign = np.ones(len(table), np.int64)
    if g.sign is not None:
        sign = np.prod(g.sign[table].astype(np.int64), axis=1)
    if strict:
        sign = sign * np.where(inversions(images) % 2, -1, 1)
    # tuple t goes to target[t]: perm[t] = target[t], sign at t
    if np.all(sign == 1):
        return action.SignedPerm(target)
    return action.SignedPerm(target, sign.astype(np.int8))


def expansion(d: int, k: int, strict: bool):
    """(E, P) as sparse matrices (``CooMatrix``) between the sorted tuples and R**k
    (row-major)."""
    table = tuples(d, k, strict)
    n = len(table)
    rows, cols, vals = [], [], []
    for perm in itertools.permutations(range(k)):
        permuted = table[:, perm]
        flat = np.zeros(n, np.int64)
        for j in range(k):
            flat = flat * d + permuted[:, j]
        rows.append(flat)
        cols.append(np.arange(n))
        parity = -1 if inversions(np.array([perm]))[0] % 2 else 1
        vals.append(np.full(n, parity if strict else 1, np.int64))
    e = CooMatrix.from_entries(np.concatenate(rows), np.concatenate(cols),
                               np.concatenate(vals), (d**k, n))
    # repeated permutations of a tuple with equal entries
    e = CooMatrix(e.row, e.col, np.sign(e.value), e.shape)
    keys = np.zeros(n, np.int64)
    for j in range(k):
        keys = keys * d + table[:, j]
    p = CooMatrix(np.arange(n, dtype=np.int64), keys, np.ones(n, np.int64), (n, d**k))
    return e, p


def matrix_action(a, d: int, k: int, strict: bool):
    """P rho^(x)k E for a general matrix action (and the same of its inverse)."""
    if d**k > MAX_KRON:
        raise TooLarge(f"the symmetric or exterior power of a {d}-dimensional matrix action "
                       f"to the {k}-th is too large here")
    e, p = expansion(d, k, strict)
    a = action.MatrixAction.of(a)
    forward = action.power(a, k)
    inverse = action.power(action.MatrixAction(a.inverse, a.forward, a.inverse_denominator,
                                               a.denominator), k)
    f = matmul(matmul(p, forward.forward), e)
    i = matmul(matmul(p, inverse.forward), e)
    if np.issubdtype(a.forward.dtype, np.integer):
        f = CooMatrix(f.row, f.col, f.value.astype(np.int64), f.shape)
        i = CooMatrix(i.row, i.col, i.value.astype(np.int64), i.shape)
    return action.MatrixAction(f, i, forward.denominator, inverse.denominator)


def lie_action(m, d: int, k: int, strict: bool):
    """d rho on the sorted tuples from a sparse dR (d x d), as derived in the docstring."""
    table = tuples(d, k, strict)
    n = len(table)
    index = TupleIndex(table, d)
    m = CooMatrix.of(m).canonical()
    by_col = np.argsort(m.col, kind="stable")  # dR by columns: its entries in column i
    indptr = np.concatenate([[0], np.cumsum(np.bincount(m.col, minlength=d))])
    rows, data = m.row[by_col], m.value[by_col]
    out_rows, out_cols, out_vals = [], [], []
    for j in range(k):
        if strict:
            take = np.ones(n, bool)
        else:  # first slot of each distinct value only
            take = np.ones(n, bool) if j == 0 else table[:, j] != table[:, j - 1]
        cols = np.flatnonzero(take)
        values = table[cols, j]
        counts = np.diff(indptr)[values]
        if not counts.sum():
            continue
        which = np.repeat(cols, counts)
        starts = np.repeat(indptr[values], counts)
        offset = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        r = rows[starts + offset]
        v = data[starts + offset]
        moved = table[which].copy()
        moved[:, j] = r
        if strict:
            others = np.delete(table[which], j, axis=1)
            clash = np.any(others == r[:, None], axis=1)
            keep = ~clash
            which, r, v, moved, others = which[keep], r[keep], v[keep], moved[keep], others[keep]
            i = table[which, j]
            low, high = np.minimum(i, r), np.maximum(i, r)
            between = np.count_nonzero((others > low[:, None]) & (others < high[:, None]),
                                       axis=1)
            coefficient = v * np.where(between % 2, -1, 1)
        else:
            coefficient = v * np.count_nonzero(moved == r[:, None], axis=1)
        moved.sort(axis=1)
        out_rows.append(index(moved))
        out_cols.append(which)
        out_vals.append(coefficient)
    if not out_rows:
        return CooMatrix.zeros(n, dtype=m.dtype)
    return CooMatrix.from_entries(np.concatenate(out_rows), np.concatenate(out_cols),
                                  np.concatenate(out_vals).astype(m.dtype), (n, n))


def power_sum_character(walk: Walk, rep: Rep, k: int, power: int, signed: bool):
    """sum over partitions lambda of k of sign * prod_m chi_R(g**(power m))**a_m / z_lambda,
    computed as exact integers (k! / z_lambda is an integer) and divided by k! at the end."""
    if k > MAX_CHARACTER_K:
        return None
    sums = {}
    for m in range(1, k + 1):
        value = walk.of(rep, power * m)
        if value is None:
            return None
        sums[m] = np.asarray(value).astype(object) if isinstance(value, np.ndarray) else value
    total = 0
    for parts in integer_partitions(k):
        counts = Counter(parts)
        weight = factorial(k)
        for m, a in counts.items():
            weight //= m**a * factorial(a)
        if signed and (k - len(parts)) % 2:
            weight = -weight
        term = weight
        for m, a in counts.items():
            term = term * sums[m] ** a
        total = total + term
    if getattr(walk, "dtype", None) is float:  # irrational characters (irr): no rounding
        out = total / factorial(k)
        return np.asarray(out, dtype=float) if isinstance(out, np.ndarray) else float(out)
    out = total // factorial(k) if not isinstance(total, np.ndarray) else total // factorial(k)
    if isinstance(out, np.ndarray) and walk.small:
        out = out.astype(np.int64)
    return out


@constructor
@dataclass(frozen=True)
class Sym(Rep):
    rep: Rep
    k: int

    name = "sym"
    usage = "sym(R, k)"
    summary = "k-th symmetric power (sorted index tuples)"
    syntax = "function"
    strict = False

    @classmethod
    def parse(cls, parsed: Parsed) -> Rep:
        return cls(*parse_power_argument(cls, parsed))

    def __str__(self) -> str:
        return f"{self.name}({self.rep}, {self.k})"

    @property
    def children(self):
        return (self.rep,)

    def rebuild(self, children):
        return type(self)(children[0], self.k)

    def count(self, d: int) -> int:
        return comb(d + self.k - 1, self.k)

    def dimension(self, group) -> int:
        d = self.rep.dimension(group)
        check_size(self, 0, self.k, d)
        return self.count(d)

    def simplified(self, group) -> Rep:
        """sym(R, 1) and alt(R, 1) are R; sym of a one-dimensional R is R**k (one tuple,
        the same matrices)."""
        base = self.rep.simplified(group)
        if self.k == 1:
            return base
        if self.count(base.dimension(group)) == 0:
            from .zero import Zero

            return Zero()
        if not self.strict and base.dimension(group) == 1:
            from .power import Power

            return Power(base, self.k).simplified(group)
        return type(self)(base, self.k)

    def _tuples_fit(self, d: int) -> int:
        """The number of tuples, after checking that their table can be built."""
        n = self.count(d)
        if n and (n * self.k > MAX_TUPLE_ENTRIES or (self.strict and self.k > MAX_ALT_K)):
            raise TooLarge(f"{self} is too large to build here ({n} tuples of {self.k})")
        return n

    def act(self, walk: Walk):
        base = walk.of(self.rep)
        d = base.size
        if not self._tuples_fit(d):
            return action.identity(0)
        if base.is_signed_perm:
            return signed_action(base, d, self.k, self.strict)
        return matrix_action(base, d, self.k, self.strict)

    def lie(self, walk: Walk):
        base = walk.of(self.rep)
        if not self._tuples_fit(base.shape[0]):
            return CooMatrix.zeros(0)
        return lie_action(base, base.shape[0], self.k, self.strict)

    def character(self, walk: Walk, power: int = 1):
        return power_sum_character(walk, self.rep, self.k, power, self.strict)

    def degree(self, factor: int) -> int:
        return self.k * self.rep.degree(factor)

    def max_power(self, factor: int) -> int:
        return self.k * self.rep.max_power(factor)

    def monomials(self, n_factors: int, dual: bool = False):
        return None  # no closed count: characters for finite groups, else the basis

    def structure(self) -> Structure:
        return Structure("leaf")
