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

from .spec import (
    Defining,
    Det,
    Dual,
    Factor,
    Field,
    Group,
    Power,
    Rep,
    Spec,
    Sum,
    Tensor,
    Trivial,
)

__all__ = [
    "count", "count_closed_form", "count_characters", "stirling2", "bell_at_most",
    "derangements", "histogram", "group_order", "MAX_ORDER", "MAX_TUPLES", "count_continuous",
    "independent_count",
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

    Equal degree tuples are merged at every step, so that (V + 1)**20 costs 21 entries
    instead of 2**20.  dual(V) = V for permutations.
    """
    if isinstance(rep, Trivial):
        return Counter({(0,) * n_factors: rep.k})
    if isinstance(rep, Defining):
        return Counter({tuple(int(i == rep.factor) for i in range(n_factors)): 1})
    if isinstance(rep, Det | Field):
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

def _factors_used(rep: Rep, used: set[int], fields: bool = False) -> set[int]:
    """Factors that rep mentions (``fields``: only through reg, irr, Grid)."""
    if isinstance(rep, Field) or (isinstance(rep, Defining | Det) and not fields):
        used.add(rep.factor)
    elif isinstance(rep, Dual):
        _factors_used(rep.rep, used, fields)
    elif isinstance(rep, Sum | Tensor):
        for part in rep.terms if isinstance(rep, Sum) else rep.factors:
            _factors_used(part, used, fields)
    elif isinstance(rep, Power) and rep.k:  # R**0 is 1 whatever R is
        _factors_used(rep.base, used, fields)
    return used


def _irrational(rep: Rep, group: Group) -> bool:
    """Whether some irr in rep has irrational matrices (characters then in floats)."""
    from .fields import field_rational

    if isinstance(rep, Field):
        return not field_rational(rep.name, rep.args, group.factors[rep.factor])
    if isinstance(rep, Dual):
        return _irrational(rep.rep, group)
    if isinstance(rep, Sum | Tensor):
        return any(_irrational(p, group) for p in (rep.terms if isinstance(rep, Sum)
                                                   else rep.factors))
    if isinstance(rep, Power):
        return rep.k > 0 and _irrational(rep.base, group)
    return False


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
    """Per factor, arrays over its histogram tuples (or elements) -- ``fix`` and ``sign``
    always, more where fields need them -- broadcast along that factor's axis."""

    def __init__(self, axes: dict[int, dict[str, np.ndarray]], group: Group):
        self.position = {factor: a for a, factor in enumerate(axes)}
        self.values = axes
        self.ndim = len(axes)
        self.group = group

    def leaf(self, factor: int, key: str, dtype) -> np.ndarray:
        shape = [1] * self.ndim
        shape[self.position[factor]] = -1
        values = np.asarray(self.values[factor][key])
        if dtype is not None:
            values = values.astype(dtype)
        return values.reshape(shape)


def _character(rep: Rep, grid: _Grid, dtype):
    """chi of rep on the grid, in ``dtype``: int64 when |chi| <= dim < 2**62 fits
    throughout, object (Python ints) when not, float when an irrep is irrational.

    (Every sub-expression's dimension is at most the whole one's, as all are >= 1.)
    """
    if isinstance(rep, Trivial):
        return rep.k
    if isinstance(rep, Defining | Det):
        return grid.leaf(rep.factor, "fix" if isinstance(rep, Defining) else "sign", dtype)
    if isinstance(rep, Field):
        from .fields import field_character

        chi = field_character(rep.name, rep.args, grid.group.factors[rep.factor],
                              lambda key: grid.leaf(rep.factor, key, None))
        return np.asarray(chi).astype(dtype)
    if isinstance(rep, Dual):  # real characters: chi of dual(R) is chi of R
        return _character(rep.rep, grid, dtype)
    if isinstance(rep, Sum):
        return sum(_character(t, grid, dtype) for t in rep.terms)
    if isinstance(rep, Tensor):
        return prod(_character(f, grid, dtype) for f in rep.factors)
    if isinstance(rep, Power):
        return 1 if rep.k == 0 else _character(rep.base, grid, dtype) ** rep.k
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
    with_fields = _factors_used(rep_out, _factors_used(rep_in, set(), True), True)
    axes, weights = {}, []
    for i in used:
        if i in with_fields:  # reg, irr, Grid need more than (fix, sign) of each element
            from .fields import element_classes

            classes = element_classes(group.factors[i])
            if classes is None:
                return None
            weights.append(np.asarray(classes[0], dtype=object))
            axes[i] = classes[1]
            continue
        degree = _fix_degree(rep_in, i) + _fix_degree(rep_out, i)
        hist = histogram(group.factors[i], degree, max_order)
        if hist is None:
            return None
        keys = list(hist)
        axes[i] = {"fix": [f for f, _ in keys], "sign": [s for _, s in keys]}
        weights.append(np.array([hist[key] for key in keys], dtype=object))
    if prod(len(w) for w in weights) > max_tuples:
        return None
    grid = _Grid(axes, group)
    dims = dimension(rep_in, group), dimension(rep_out, group)
    if _irrational(rep_in, group) or _irrational(rep_out, group):
        return _float_count(rep_in, rep_out, grid, weights)
    chi_in = _character(rep_in, grid, np.int64 if dims[0] < _INT64_SAFE else object)
    chi_out = _character(rep_out, grid, np.int64 if dims[1] < _INT64_SAFE else object)
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


def _float_count(rep_in: Rep, rep_out: Rep, grid: _Grid, weights: list) -> int | None:
    """The character sum in floating point (irrational irreps: 2 cos(2 pi k t/n)).  The
    result is an integer; None if rounding leaves a doubt (characters too large)."""
    chi = np.asarray(_character(rep_in, grid, float) * _character(rep_out, grid, float))
    chi = chi.reshape(chi.shape + (1,) * (grid.ndim - chi.ndim))
    scale = float(np.abs(chi).max()) if chi.size else 0.0
    for w in reversed(weights):
        w = np.asarray(w, dtype=float)
        chi = chi[..., 0] * w.sum() if chi.shape[-1] == 1 else chi.dot(w)
    order = prod(float(np.asarray(w, dtype=float).sum()) for w in weights)
    value = float(chi) / order
    if scale > 1e12 or abs(value - round(value)) > 1e-6:
        return None
    return round(value)


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


# ----------------------------------------------------------------------------- continuous

#: count_continuous answers None beyond this total tensor degree (walks over partitions)
MAX_CONTINUOUS_DEGREE = 40


def count_continuous(spec: Spec) -> int | None:
    """dim Hom_G(rep_in, rep_out) from representation theory, for products of S(n), O(n),
    SO(n), the Lorentz groups, Sp(n), GL(n) and SL(n) on sums of tensor products of V,
    dual(V) and det; None where no formula here applies (count() stays for finite groups).

    Hom of sums is the sum of Homs, and for a product group (R_1 (x) R_2)^(G_1 x G_2) =
    R_1^G_1 (x) R_2^G_2, so each pair of monomials contributes a product over factors:

    * S(n): set partitions into at most n blocks (``bell_at_most``), as in count().
    * O(n): the irreducibles of O(n) in tensor powers of V are the partitions lambda with
      lambda'_1 + lambda'_2 <= n, and lambda (x) V = sum of lambda +- one box, invalid
      ones dropped (the Pieri rule behind Brauer's centraliser theorem; Goodman-Wallach,
      ch. 10); det (x) lambda is the associate partition lambda* (first column of length
      n - lambda'_1).  So dim Hom(V**k, V**l) = sum over lambda of the number of walks
      of length k and l from the empty partition to lambda; for n >= (k + l)/2 that is
      the number of Brauer diagrams (perfect matchings of k + l points).
    * SO(n): Ind from SO(n) to O(n) of the trivial rep is 1 + det, so Hom_SO(R, Q) =
      Hom_O(R, Q) + Hom_O(R, Q (x) det).
    * SO(1,3), O(1,3): Zariski-dense real forms of SO(4, C) and O(4, C): as SO(4), O(4).
    * Sp(n) on R^(2n): partitions with at most n rows, lambda (x) V = lambda +- one box.
    * GL(n): (V**p (x) dual(V)**q (x) det**s)^GL = Hom(V**q, V**p (x) det**s), and by
      Schur-Weyl duality V**q = sum over lambda |- q with at most n rows of f^lambda
      copies of S_lambda (f^lambda: standard tableaux, hook length formula); det**s
      adds s columns of height n.
    * SL(n): the SL-invariants are the GL-semi-invariants of every weight det**s, and the
      scalars fix s = (q - p)/n; det is trivial.

    >>> from intertwine.spec import parse_spec
    >>> [count_continuous(parse_spec(f"O(3): V**{m} -> 1")) for m in range(2, 7)]
    [1, 0, 3, 0, 15]
    >>> [count_continuous(parse_spec(f"SO(3): V**{m} -> 1")) for m in range(2, 7)]
    [1, 1, 3, 6, 15]
    >>> count_continuous(parse_spec("GL(3): V**3 -> V**3")), count_continuous(
    ...     parse_spec("SO(3) x S(5): V[0]*V[1] -> V[0]*V[1]"))
    (6, 2)
    """
    factors = spec.group.factors
    k = len(factors)
    mono_in = _monomials(spec.rep_in, k)
    mono_out = _monomials(spec.rep_out, k)
    if mono_in is None or mono_out is None:
        return None
    total = 0
    for m_in, c_in in mono_in.items():
        for m_out, c_out in mono_out.items():
            term = c_in * c_out
            for f, a, b in zip(factors, m_in, m_out):
                h = _factor_hom(f, a, b)
                if h is None:
                    return None
                term *= h
                if not term:
                    break
            total += term
    return total


def _monomials(rep: Rep, n_factors: int, dual: bool = False) -> Counter | None:
    """{((#V, #dual(V), power of det) per factor): multiplicity} of a rep expression.

    ``dual`` flips V and dual(V) and negates the det powers (dual(dual(R)) = R).
    """
    zero = ((0, 0, 0),) * n_factors

    def one(i: int, entry: tuple[int, int, int]) -> Counter:
        return Counter({zero[:i] + (entry,) + zero[i + 1:]: 1})

    if isinstance(rep, Trivial):
        return Counter({zero: rep.k})
    if isinstance(rep, Field):
        return None
    if isinstance(rep, Defining):
        return one(rep.factor, (0, 1, 0) if dual else (1, 0, 0))
    if isinstance(rep, Det):
        return one(rep.factor, (0, 0, -1 if dual else 1))
    if isinstance(rep, Dual):
        return _monomials(rep.rep, n_factors, not dual)
    if isinstance(rep, Sum):
        parts = [_monomials(t, n_factors, dual) for t in rep.terms]
        return None if any(p is None for p in parts) else sum(parts, Counter())
    if isinstance(rep, Tensor | Power):
        items = rep.factors if isinstance(rep, Tensor) else (rep.base,) * rep.k
        acc = Counter({zero: 1})
        for item in items:
            sub = _monomials(item, n_factors, dual)
            if sub is None:
                return None
            nxt: Counter = Counter()
            for d1, m1 in acc.items():
                for d2, m2 in sub.items():
                    key = tuple((x[0] + y[0], x[1] + y[1], x[2] + y[2]) for x, y in zip(d1, d2))
                    nxt[key] += m1 * m2
            acc = nxt
        return acc
    raise TypeError(rep)


def _factor_hom(f: Factor, m_in: tuple[int, int, int], m_out: tuple[int, int, int]) -> int | None:
    """dim Hom of one factor between V**a (x) dual(V)**b (x) det**e monomials."""
    a, b, e = m_in
    c, d, g = m_out
    if (a, b, e) == (0, 0, 0) and (c, d, g) == (0, 0, 0):
        return 1
    kind, n = f.kind, f.degree
    if a + b + c + d > MAX_CONTINUOUS_DEGREE:
        return None
    if kind == "S":
        return bell_at_most(a + b + c + d, n) if e == g == 0 else None
    if kind in ("O", "SO"):  # dual(V) = V: orthogonal (eta-orthogonal for Lorentz)
        twist = (e + g) % 2 if kind == "O" else 0
        left, right = _walks(a + b, n, "O"), _walks(c + d, n, "O")
        same = sum(m * right.get(_associate(lam, n) if twist else lam, 0)
                   for lam, m in left.items())
        if kind == "O":
            return same
        other = sum(m * right.get(_associate(lam, n), 0) for lam, m in left.items())
        return same + other
    if kind == "Sp":  # dual(V) = V through the form; det = 1 on Sp
        left, right = _walks(a + b, n // 2, "Sp"), _walks(c + d, n // 2, "Sp")
        return sum(m * right.get(lam, 0) for lam, m in left.items())
    if kind in ("GL", "SL"):
        p, q = b + c, a + d  # R* (x) Q = V**p (x) dual(V)**q (x) det**s
        if kind == "GL":
            return _gl_semi_invariants(p, q, g - e, n)
        return _gl_semi_invariants(p, q, (q - p) // n, n) if (q - p) % n == 0 else 0
    return None


def _valid(lam: tuple[int, ...], n: int, kind: str) -> bool:
    if kind == "Sp":
        return len(lam) <= n
    return len(lam) + sum(1 for x in lam if x >= 2) <= n


def _associate(lam: tuple[int, ...], n: int) -> tuple[int, ...]:
    """det (x) lambda for O(n): the first column's length c becomes n - c."""
    wide = tuple(x for x in lam if x >= 2)
    return wide + (1,) * (n - len(lam) - len(wide))


def _walks(steps: int, n: int, kind: str) -> dict[tuple[int, ...], int]:
    """Multiplicity of each irreducible lambda in V**steps: walks from () adding or
    removing one box at a time, through valid partitions only."""
    state = {(): 1}
    for _ in range(steps):
        nxt: Counter = Counter()
        for lam, m in state.items():
            rows = list(lam)
            for i in range(len(rows) + 1):  # add a box to row i
                if i == len(rows) or i == 0 or rows[i - 1] > rows[i]:
                    new = rows[:i] + [rows[i] + 1 if i < len(rows) else 1] + rows[i + 1:]
                    mu = tuple(new)
                    if _valid(mu, n, kind):
                        nxt[mu] += m
            for i in range(len(rows)):  # remove a box from row i
                if i == len(rows) - 1 or rows[i] > rows[i + 1]:
                    new = rows[:i] + [rows[i] - 1] + rows[i + 1:]
                    nxt[tuple(x for x in new if x)] += m
        state = dict(nxt)
    return state


def _partitions(total: int, max_parts: int, min_part: int = 1, largest: int | None = None):
    """Partitions of total into at most max_parts parts, each >= min_part, non-increasing."""
    if total == 0:
        yield ()
        return
    if max_parts == 0:
        return
    top = total if largest is None else min(largest, total)
    for first in range(top, min_part - 1, -1):
        for rest in _partitions(total - first, max_parts - 1, min_part, first):
            yield (first,) + rest


def _standard_tableaux(lam: tuple[int, ...]) -> int:
    """f^lambda by the hook length formula."""
    if not lam:
        return 1
    cols = [sum(1 for x in lam if x > j) for j in range(lam[0])]
    hooks = prod(lam[i] - j + cols[j] - i - 1 for i in range(len(lam)) for j in range(lam[i]))
    return factorial(sum(lam)) // hooks


def _gl_semi_invariants(p: int, q: int, s: int, n: int) -> int:
    """dim Hom_GL(n)(V**q, V**p (x) det**s) = sum of f^lambda f^mu, lambda = mu + (s^n)."""
    if s < 0:
        p, q, s = q, p, -s  # Hom(A, B) and Hom(B, A) have the same dimension
    if q != p + n * s:
        return 0
    total = 0
    for mu in _partitions(p, n):
        lam = tuple(x + s for x in mu + (0,) * (n - len(mu)))
        lam = tuple(x for x in lam if x)
        total += _standard_tableaux(lam) * _standard_tableaux(mu)
    return total


def independent_count(spec: Spec) -> tuple[int | None, str]:
    """The dimension by a formula, with the formula's name: ``(None, ...)`` where none is
    known.  One place for ``intertwine dim`` and ``intertwine verify`` to ask."""
    if spec.group.finite:
        return count(spec), "characters / Stirling numbers"
    return count_continuous(spec), "representation theory"
