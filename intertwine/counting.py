"""How many intertwiners there are, counted without building any of them.

``count(spec)`` is the dimension N of Hom_G(rep_in, rep_out) for a finite group G,
an exact Python int.  It shares no code with the basis constructions (orbits,
exact or numeric null spaces), so ``verify`` and the tests can hold a basis up
against it: two independent routes that agree are strong evidence that both are right.

Two routes, the first used whenever it applies:

* **Closed form** for products of symmetric groups acting on sums of tensor powers
  of their V's.  A basis of Hom_{S(n)}(V**k, V**l) is indexed by the set partitions
  of the k + l tensor indices into at most n blocks, so N is a sum of
  ``bell_at_most(k + l, n)`` terms, instant even for n = 10**6.
* **Characters**: N = (1/|G|) sum_g chi_in(g) chi_out(g) (the characters of these
  signed-permutation representations are real).  The character of any expression
  at g depends only on, per factor i, fix_i(g) (the character of V[i]) and sgn_i(g)
  (the character of det[i]), so a histogram of each factor's elements by
  (fix, sign) suffices, and the sum runs over the product of those histograms.

For S(n) and A(n) the histogram of a huge group is both long and full of huge
integers, yet chi_in chi_out is a polynomial of some degree d in fix_i, and every
moment E[fix**a sgn**b] with a <= d is the same for S(n) as for S(d + 2) once
n >= d + 2 (the even moments are Bell numbers, the signed ones vanish; likewise for
A(n)).  So such a factor is replaced by S(d + 2) or A(d + 2) without changing N.

>>> from intertwine.spec import parse_spec
>>> count(parse_spec("S(5): V**2 -> V**2"))
15
>>> count_characters(parse_spec("S(5): V**2 -> V**2"))  # the other route agrees
15
>>> count(parse_spec("SO(3): V -> V")) is None
True
"""

from __future__ import annotations

from collections import Counter
from math import comb, factorial, prod

import numpy as np

from .spec import Defining, Det, Dual, Factor, Group, Power, Rep, Spec, Sum, Tensor, Trivial

__all__ = [
    "count", "count_closed_form", "count_characters", "stirling2", "bell_at_most",
    "derangements", "histogram", "group_order", "MAX_ORDER", "MAX_TUPLES",
]

#: Perm groups with more elements than this are not enumerated (count() gives None).
MAX_ORDER = 200_000
#: Largest product of histogram sizes summed over (count() gives None above it).
MAX_TUPLES = 10**6
#: Largest int64 array (elements x moved points) materialised while enumerating a Perm group.
_CHUNK = 2_000_000
#: Characters bounded by this are evaluated in int64, larger ones as exact Python ints.
_INT64_SAFE = 2**62


# ----------------------------------------------------------------------------- combinatorics

_STIRLING_ROWS: list[list[int]] = [[1]]


def _stirling_row(m: int) -> list[int]:
    """[S2(m, 0), ..., S2(m, m)], rows grown once and kept (they are tiny for real specs)."""
    rows = _STIRLING_ROWS
    while len(rows) <= m:
        prev = rows[-1]
        r = len(prev)  # the new row's m
        rows.append([0] + [j * (prev[j] if j < r else 0) + prev[j - 1] for j in range(1, r + 1)])
    return rows[m]


def stirling2(m: int, j: int) -> int:
    """Stirling number of the second kind: partitions of an m-set into exactly j blocks.

    >>> [stirling2(4, j) for j in range(5)]
    [0, 1, 7, 6, 1]
    """
    if m < 0 or j < 0 or j > m:
        return 0
    return _stirling_row(m)[j]


def bell_at_most(m: int, n: int) -> int:
    """Set partitions of an m-set into at most n blocks: dim Hom_{S(n)}(V**k, V**l), k+l = m.

    >>> bell_at_most(4, 5), bell_at_most(4, 2), bell_at_most(0, 1)
    (15, 8, 1)
    """
    return sum(_stirling_row(m)[: min(n, m) + 1])


def derangements(m: int) -> tuple[int, int]:
    """(even, odd) derangements of m points; D(0) = 1 counts the (even) empty permutation.

    D(m) = (m - 1)(D(m-1) + D(m-2)) and D_even - D_odd = (-1)**(m-1) (m - 1).
    """
    total = _derangement_total(m)
    diff = (m - 1) * (-1 if m % 2 == 0 else 1)
    return (total + diff) // 2, (total - diff) // 2


def _derangement_total(m: int) -> int:
    a, b = 1, 0  # D(0), D(1)
    for k in range(2, m + 1):
        a, b = b, (k - 1) * (a + b)
    return a if m == 0 else b


# ----------------------------------------------------------------------------- closed form

def _degree_counts(rep: Rep, n_factors: int) -> Counter | None:
    """{(power of V[0], power of V[1], ...): multiplicity}, or None if det occurs.

    Like reps.tensor_degrees, but equal degree tuples are merged at every step, so
    that (V + 1)**20 costs 21 entries instead of 2**20.  dual(V) = V for permutations.
    """
    if isinstance(rep, Trivial):
        return Counter({(0,) * n_factors: rep.k})
    if isinstance(rep, Defining):
        return Counter({tuple(int(i == rep.factor) for i in range(n_factors)): 1})
    if isinstance(rep, Det):
        return None
    if isinstance(rep, Dual):
        return _degree_counts(rep.rep, n_factors)
    if isinstance(rep, Sum):
        parts = [_degree_counts(t, n_factors) for t in rep.terms]
        if any(p is None for p in parts):
            return None
        return sum(parts, Counter())
    if isinstance(rep, Tensor | Power):
        items = rep.factors if isinstance(rep, Tensor) else (rep.base,) * rep.k
        acc = Counter({(0,) * n_factors: 1})
        for item in items:
            sub = _degree_counts(item, n_factors)
            if sub is None:
                return None
            nxt: Counter = Counter()
            for d1, m1 in acc.items():
                for d2, m2 in sub.items():
                    nxt[tuple(a + b for a, b in zip(d1, d2, strict=True))] += m1 * m2
            acc = nxt
        return acc
    raise TypeError(rep)


def count_closed_form(spec: Spec) -> int | None:
    """N by counting set partitions; None unless every factor is S(n) and det is absent.

    Hom(sum_a R_a, sum_b Q_b) = sum_ab mult_a mult_b prod_i bell_at_most(deg_a[i] + deg_b[i], n_i).
    """
    factors = spec.group.factors
    if not all(f.kind == "S" for f in factors):
        return None
    k = len(factors)
    deg_in = _degree_counts(spec.rep_in, k)
    deg_out = _degree_counts(spec.rep_out, k)
    if deg_in is None or deg_out is None:
        return None
    sizes = [f.args[0] for f in factors]
    return sum(m_a * m_b * prod(bell_at_most(a + b, n)
                                for a, b, n in zip(d_a, d_b, sizes, strict=True))
               for d_a, m_a in deg_in.items() for d_b, m_b in deg_out.items())


# ----------------------------------------------------------------------------- histograms

def _symmetric_histogram(n: int) -> dict[tuple[int, int], int]:
    # a permutation with f fixed points is a choice of them times a derangement of the rest
    hist = {}
    for f in range(n + 1):
        even, odd = derangements(n - f)
        for sign, number in ((1, even), (-1, odd)):
            if number:
                hist[(f, sign)] = comb(n, f) * number
    return hist


def _alternating_histogram(n: int) -> dict[tuple[int, int], int]:
    return {key: v for key, v in _symmetric_histogram(n).items() if key[1] == 1}


def _cyclic_rotations(n: int) -> Counter:
    # Shift t has gcd(n, t) cycles of length n / gcd, so sign (-1)**(n - gcd).  For n odd
    # that is always +1; for n even, n - gcd is odd exactly when gcd is odd, i.e. t odd:
    # no divisor sums (nor factorisations of a huge n) are needed.
    hist = Counter({(n, 1): 1})
    if n % 2:
        hist[(0, 1)] += n - 1
    else:
        hist[(0, -1)] += n // 2
        hist[(0, 1)] += n // 2 - 1
    return hist


def _dihedral_histogram(n: int) -> Counter:
    # reflections i -> s - i (mod n); D(1) and D(2) follow from the same formulas
    hist = _cyclic_rotations(n)
    if n % 2:
        hist[(1, (-1) ** ((n - 1) // 2))] += n
    else:
        hist[(2, (-1) ** ((n - 2) // 2))] += n // 2
        hist[(0, (-1) ** (n // 2))] += n // 2
    return hist


def _perm_histogram(factor: Factor, max_order: int) -> dict[tuple[int, int], int] | None:
    """Enumerate a Perm group through its stabiliser chain; None above max_order elements.

    Every element is uniquely u_1 u_2 ... u_k with u_i from the i-th transversal (a
    Schreier-Sims chain, taken from sympy), so the elements come out as vectorised
    products without a search, and the order is known before anything is enumerated.
    """
    n = factor.args[0]
    moved = sorted({p for gen in factor.cycles for cycle in gen for p in cycle})
    if not moved:
        return {(n, 1): 1}
    from sympy.combinatorics import Permutation, PermutationGroup  # slow import, rarely needed

    label = {p: i for i, p in enumerate(moved)}
    m = len(moved)
    gens = [Permutation([[label[p] for p in c] for c in gen], size=m) for gen in factor.cycles]
    group = PermutationGroup(gens)
    if group.order() > max_order:
        return None
    levels = []
    for transversal in group.basic_transversals:
        reps = list(transversal.values())
        levels.append((np.array([u.array_form for u in reps], dtype=np.int64),
                       np.array([u.signature() for u in reps], dtype=np.int8)))
    hist: Counter = Counter()
    _walk(np.arange(m, dtype=np.int64)[None, :], np.ones(1, np.int8), levels, n - m, hist)
    return dict(hist)


def _walk(elems: np.ndarray, signs: np.ndarray, levels: list, fixed_outside: int,
          hist: Counter) -> None:
    """Multiply by each level's transversal in turn, in chunks that keep memory bounded."""
    m = elems.shape[1]
    if not levels:
        fix = np.count_nonzero(elems == np.arange(m), axis=1) + fixed_outside
        keys, counts = np.unique(np.stack([fix, signs.astype(np.int64)]), axis=1,
                                 return_counts=True)
        for (f, s), c in zip(keys.T.tolist(), counts.tolist(), strict=True):
            hist[(f, s)] += c
        return
    table, table_signs = levels[0]
    step = max(1, _CHUNK // (len(table) * m))
    for start in range(0, len(elems), step):
        block = elems[start:start + step]
        # (g o u)(i) = g[u[i]]: every g of the block composed with every u of the level
        grown = block[:, table].reshape(-1, m)
        grown_signs = np.multiply.outer(signs[start:start + step], table_signs).ravel()
        _walk(grown, grown_signs, levels[1:], fixed_outside, hist)


def histogram(factor: Factor, degree: int | None = None,
              max_order: int = MAX_ORDER) -> dict[tuple[int, int], int] | None:
    """{(fixed points on V, sign): number of elements} of a finite factor.

    With ``degree`` given, S(n) and A(n) may be replaced by S(degree + 2), A(degree + 2):
    same averages of every polynomial of degree <= degree in fix (times sign), so
    normalise by the sum of the counts, not by the order.  None for continuous factors
    and for Perm groups of more than max_order elements.

    >>> from intertwine.spec import parse_group
    >>> sorted(histogram(parse_group("D(4)").factors[0]).items())
    [((0, -1), 2), ((0, 1), 3), ((2, -1), 2), ((4, 1), 1)]
    """
    n = factor.args[0]
    if factor.kind in ("S", "A"):
        size = n if degree is None else min(n, degree + 2)
        return (_symmetric_histogram if factor.kind == "S" else _alternating_histogram)(size)
    if factor.kind in ("C", "D"):
        hist = (_cyclic_rotations if factor.kind == "C" else _dihedral_histogram)(n)
        return {key: v for key, v in hist.items() if v}
    if factor.kind == "Perm":
        return _perm_histogram(factor, max_order)
    return None


def group_order(group: Group) -> int | None:
    """|G| as an exact int (Perm groups via Schreier-Sims); None if G is continuous.

    >>> from intertwine.spec import parse_group
    >>> group_order(parse_group("S(4) x C(3) x D(5) x A(1)"))
    720
    """
    if not group.finite:
        return None
    return prod(_factor_order(f) for f in group.factors)


def _factor_order(factor: Factor) -> int:
    n = factor.args[0]
    if factor.kind == "S":
        return factorial(n)
    if factor.kind == "A":
        return max(1, factorial(n) // 2)
    if factor.kind == "C":
        return n
    if factor.kind == "D":
        return 2 * n
    if not any(factor.cycles):
        return 1
    from sympy.combinatorics import Permutation, PermutationGroup

    return int(PermutationGroup([Permutation([list(c) for c in gen], size=n)
                                 for gen in factor.cycles]).order())


# ----------------------------------------------------------------------------- characters

def _factors_used(rep: Rep, used: set[int]) -> set[int]:
    if isinstance(rep, Defining | Det):
        used.add(rep.factor)
    elif isinstance(rep, Dual):
        _factors_used(rep.rep, used)
    elif isinstance(rep, Sum | Tensor):
        for part in rep.terms if isinstance(rep, Sum) else rep.factors:
            _factors_used(part, used)
    elif isinstance(rep, Power) and rep.k:  # R**0 is 1 whatever R is
        _factors_used(rep.base, used)
    return used


def _fix_degree(rep: Rep, factor: int) -> int:
    """Degree of the character as a polynomial in fix of V[factor]."""
    if isinstance(rep, Defining):
        return int(rep.factor == factor)
    if isinstance(rep, Dual):
        return _fix_degree(rep.rep, factor)
    if isinstance(rep, Sum):
        return max(_fix_degree(t, factor) for t in rep.terms)
    if isinstance(rep, Tensor):
        return sum(_fix_degree(f, factor) for f in rep.factors)
    if isinstance(rep, Power):
        return rep.k * _fix_degree(rep.base, factor)
    return 0


class _Grid:
    """fix_i and sgn_i of every histogram tuple, as arrays broadcast along axis i."""

    def __init__(self, axes: dict[int, tuple[list[int], list[int]]]):
        self.position = {factor: a for a, factor in enumerate(axes)}
        self.values = axes
        self.ndim = len(axes)

    def leaf(self, factor: int, which: int, small: bool) -> np.ndarray:
        shape = [1] * self.ndim
        shape[self.position[factor]] = -1
        values = self.values[factor][which]
        return np.array(values, dtype=np.int64 if small else object).reshape(shape)


def _character(rep: Rep, grid: _Grid, small: bool):
    """chi of rep on the grid; ``small`` when |chi| <= dim < 2**62 fits int64 throughout.

    (Every sub-expression's dimension is at most the whole one's, as all are >= 1.)
    """
    if isinstance(rep, Trivial):
        return rep.k
    if isinstance(rep, Defining | Det):
        return grid.leaf(rep.factor, 0 if isinstance(rep, Defining) else 1, small)
    if isinstance(rep, Dual):  # real characters: chi of dual(R) is chi of R
        return _character(rep.rep, grid, small)
    if isinstance(rep, Sum):
        return sum(_character(t, grid, small) for t in rep.terms)
    if isinstance(rep, Tensor):
        return prod(_character(f, grid, small) for f in rep.factors)
    if isinstance(rep, Power):
        return 1 if rep.k == 0 else _character(rep.base, grid, small) ** rep.k
    raise TypeError(rep)


def count_characters(spec: Spec, max_order: int = MAX_ORDER,
                     max_tuples: int = MAX_TUPLES) -> int | None:
    """N = <chi_in, chi_out> summed over the product of the factors' histograms.

    None for continuous groups, a Perm factor of more than max_order elements, or more
    than max_tuples histogram tuples.  Factors that neither rep mentions act trivially
    and are left out (a huge Perm factor there costs nothing).
    """
    from .reps import dimension  # imported here: the closed form needs no generators

    group, rep_in, rep_out = spec.group, spec.rep_in, spec.rep_out
    if not group.finite:
        return None
    used = sorted(_factors_used(rep_out, _factors_used(rep_in, set())))
    axes, weights = {}, []
    for i in used:
        degree = _fix_degree(rep_in, i) + _fix_degree(rep_out, i)
        hist = histogram(group.factors[i], degree, max_order)
        if hist is None:
            return None
        keys = list(hist)
        axes[i] = ([f for f, _ in keys], [s for _, s in keys])
        weights.append(np.array([hist[key] for key in keys], dtype=object))
    if prod(len(w) for w in weights) > max_tuples:
        return None
    grid = _Grid(axes)
    dims = dimension(rep_in, group), dimension(rep_out, group)
    chi_in = _character(rep_in, grid, dims[0] < _INT64_SAFE)
    chi_out = _character(rep_out, grid, dims[1] < _INT64_SAFE)
    if dims[0] * dims[1] >= _INT64_SAFE:
        chi_in = np.asarray(chi_in).astype(object)
    product = np.asarray(chi_in * chi_out).astype(object)
    product = product.reshape(product.shape + (1,) * (grid.ndim - product.ndim))
    # contract one factor at a time (last axis first), so no grid of weights is built
    for w in reversed(weights):
        total = product[..., 0] * sum(w) if product.shape[-1] == 1 else product.dot(w)
        product = np.asarray(total, dtype=object)
    order = prod(sum(w) for w in weights)
    n, remainder = divmod(int(product.item()), order)
    assert remainder == 0, f"character sum not divisible by |G| for {spec}"
    return n


# ----------------------------------------------------------------------------- entry point

def count(spec: Spec) -> int | None:
    """dim Hom_G(rep_in, rep_out) for a finite group, exactly; None if not available.

    None for continuous groups, Perm groups of more than MAX_ORDER elements, and
    products whose histograms give more than MAX_TUPLES tuples.
    """
    if not spec.group.finite:
        return None
    closed = count_closed_form(spec)
    return closed if closed is not None else count_characters(spec)
