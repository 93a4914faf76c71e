"""The symmetric groups S(n) and the alternating groups A(n), permuting n points.

S(n) has its irreducible representations ``irr(lambda_1, ..., lambda_r)``, one per
partition of n, in Young's orthogonal form; the mathematics (tableaux, generators,
seminormal scaling, Murnaghan-Nakayama characters) is in ``young.py``, the coordinates
in docs/irreps_sn.rst.  Their characters are functions of the cycle type, i.e. of the
traces on V of g, g**2, ..., g**n, so counting sums them over the cycle-type histogram
like the characters of ``sym`` and ``alt`` of V: no element is enumerated.

>>> from intertwine.spec import parse_group
>>> f = parse_group("S(4)").factors[0]
>>> f.family.irrep_dimension(f, (2, 1, 1)), f.family.irrep_problem(f, (2, 1))
(3, 'a label of irr on S(4) is a partition of 4: its parts add up to 3, not 4')
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from itertools import permutations
from math import comb, factorial, lgamma, log
from typing import TYPE_CHECKING

import numpy as np

from ..combinatorics import bell_at_most, derangements, integer_partitions
from ..errors import MAX_DIMENSION_BITS, TooLarge
from . import young
from .base import ElementTable, FiniteFamily, SignedPerm, from_cycles, parity, register
from .irrep import IrrepData

#: slots x blocks beyond which S(n)'s closed count is not attempted
MAX_COUNT_WORK = 10**7

if TYPE_CHECKING:
    from .base import Factor


def symmetric_histogram(n: int) -> dict[tuple[int, int], int]:
    # a permutation with f fixed points is a choice of them times a derangement of the rest
    hist = {}
    for f in range(n + 1):
        even, odd = derangements(n - f)
        for sign, number in ((1, even), (-1, odd)):
            if number:
                hist[(f, sign)] = comb(n, f) * number
    return hist


#: cycle types are enumerated up to this many points (42: 53,174 partitions)
MAX_CYCLE_TYPE_POINTS = 42
#: beyond that, irr(n - m, mu) is counted from its character polynomial up to this m
MAX_STABLE_DEGREE = 40


def cycle_type_histogram(n: int, powers: int) -> dict | None:
    """{(trace, sign, trace of g**2, ..., trace of g**powers): elements} of S(n), from its
    cycle types: c_l cycles of length l number n! / prod(l**c_l c_l!) elements, and g**j
    fixes the points of the cycles whose length divides j.  (The weighted moments agree
    with those of S(degree + 2) as for traces alone: the cycle counts of S(n) have the
    moments of independent Poisson(1/l) variables up to weight n.)"""
    if n > MAX_CYCLE_TYPE_POINTS:
        return None
    hist: dict = {}
    for parts in integer_partitions(n):
        counts = {length: parts.count(length) for length in set(parts)}
        size = factorial(n)
        for length, c in counts.items():
            size //= length**c * factorial(c)
        traces = [sum(length * c for length, c in counts.items() if j % length == 0)
                  for j in range(1, powers + 1)]
        key = (traces[0], (-1) ** (n - len(parts)), *traces[1:])
        hist[key] = hist.get(key, 0) + size
    return hist


class _SymmetricIrreps:
    """The irreps interface of ``groups/irrep.py`` for S(n): labels are partitions of n."""

    irrep_syntax = "irr(lambda_1, ..., lambda_r) on S(n), a partition of n"

    def irrep_problem(self, f: Factor, label) -> str | None:
        n = f.args[0]
        why = young.check_shape(label, n)
        return None if why is None else f"a label of irr on S({n}) is a partition of {n}: {why}"

    def irrep_dimension(self, f: Factor, label) -> int:
        return young.dimension(label)

    def irrep_exactness(self, f: Factor, label) -> str:
        # +-1 for irr(n) and irr(1, ..., 1); square roots of rationals otherwise (the
        # orthogonal form), rational after the seminormal scaling
        return "rational" if young.dimension(label) == 1 else "sqrt"

    def irrep(self, f: Factor, label) -> IrrepData:
        """rho of the generators (0 1) and (0 1 ... n-1): (0 1) exchanges the letters 1
        and 2, which sit side by side (+1) or one above the other (-1), so it is a
        diagonal sign; the cycle is (0 1)(1 2)...(n-2 n-1), a product in young.py."""
        y = young.young(tuple(label))
        gens = self.discrete(f)
        if y.dim == 1:
            sign = -1 if label[0] == 1 and f.args[0] > 1 else 1
            one = np.zeros(1, np.int64)
            return IrrepData(1, "rational", tuple(
                SignedPerm(one, None if sign > 0 or _even(g) else -np.ones(1, np.int8))
                for g in gens))
        first = y.generator(1)  # diagonal: the signs
        signs = first.square_numerator.astype(np.int8)
        discrete = [SignedPerm(np.arange(y.dim), None if (signs > 0).all() else signs)]
        # D rho D^-1: D commutes with a diagonal; the cycle's is built only if the exact
        # solver asks (numeric never does; for dim 7700 it is 10 s and 470 MB)
        rational = [lambda: (np.diag(signs.astype(np.int64)), 1)]
        if len(gens) > 1:
            cycle = gens[1].perm.tolist()
            discrete.append(y.sparse_matrix(cycle))
            rational.append(lambda: _dense_rational(y.seminormal_matrix(cycle)))
        squares = tuple(Fraction(int(s)) for s in y.scaling())
        return IrrepData(y.dim, "sqrt", tuple(discrete), squares=squares,
                         rational_discrete=_Built(rational))

    def irrep_trace_degree(self, f: Factor, label) -> int | None:
        """The character is a function of the cycle type: of the traces on V of g, ...,
        g**n.  For larger n, of irr(n - m, mu): a polynomial of weighted degree m in the
        numbers of short cycles, i.e. in the traces of g, ..., g**m (``young``)."""
        n = f.args[0]
        if n <= MAX_CYCLE_TYPE_POINTS:
            return n
        m = n - label[0]
        return max(m, 1) if m <= MAX_STABLE_DEGREE else None

    def irrep_character_from_traces(self, f: Factor, label, traces):
        if f.args[0] <= MAX_CYCLE_TYPE_POINTS:
            return young.characters_from_traces(label, traces)
        return young.stable_characters(label, traces)


class _Built(Sequence):
    """A sequence whose items are built on first access, then kept."""

    def __init__(self, builders: list) -> None:
        self._builders = builders
        self._items: dict[int, object] = {}

    def __len__(self) -> int:
        return len(self._builders)

    def __getitem__(self, k: int):
        if k not in self._items:
            self._items[k] = self._builders[k]()
        return self._items[k]


def _dense_rational(semi: young.RationalEntries) -> tuple[np.ndarray, int]:
    """(M, q), M an integer array with M / q the matrix (one common denominator)."""
    common = int(np.lcm.reduce(np.asarray(semi.denominator, np.int64)))
    dense = np.zeros(semi.shape, np.int64)
    dense[semi.row, semi.col] = np.asarray(semi.numerator, np.int64) * (
        common // np.asarray(semi.denominator, np.int64))
    return dense, common


def _even(g: SignedPerm) -> bool:
    return g.det() == 1


@register
class Symmetric(_SymmetricIrreps, FiniteFamily):
    names = ("S",)
    summary = "symmetric group"

    def degree(self, f: Factor) -> int:
        return f.args[0]

    def discrete(self, f: Factor):
        n = f.args[0]
        if n < 2:
            return []
        gens = [from_cycles(n, [(0, 1)])]
        if n >= 3:
            gens.append(from_cycles(n, [tuple(range(n))]))
        return gens

    def order(self, f: Factor) -> int:
        return _factorial(f)

    def histogram(self, f: Factor, degree: int | None, max_order: int, powers: int = 1):
        # S(n) and S(degree + 2) have the same moments up to that degree (counting.py)
        n = f.args[0]
        size = n if degree is None else min(n, degree + 2)
        if powers > 1:
            return cycle_type_histogram(size, powers)
        return symmetric_histogram(size)

    def tuples_by_equality(self, f: Factor, slots: int) -> bool:
        return True

    def element_table(self, f: Factor) -> ElementTable:
        return symmetric_table(f.args[0])

    def hom(self, f: Factor, m_in, m_out) -> int | None:
        """Set partitions of the k + l tensor indices into at most n blocks."""
        if m_in[2] or m_out[2]:  # det
            return None
        slots = m_in[0] + m_in[1] + m_out[0] + m_out[1]
        if min(slots, f.args[0]) * slots > MAX_COUNT_WORK:
            return None  # too many powers to add up: no count (the basis is refused too)
        return bell_at_most(slots, f.args[0])


@register
class Alternating(FiniteFamily):
    names = ("A",)
    summary = "alternating group"

    def degree(self, f: Factor) -> int:
        return f.args[0]

    def discrete(self, f: Factor):
        n = f.args[0]
        if n < 3:
            return []
        gens = [from_cycles(n, [(0, 1, 2)])]
        long = tuple(range(n)) if n % 2 else tuple(range(1, n))
        if long != (0, 1, 2):
            gens.append(from_cycles(n, [long]))
        return gens

    def order(self, f: Factor) -> int:
        return max(1, _factorial(f) // 2)

    def tuples_by_equality(self, f: Factor, slots: int) -> bool:
        # A(n) is then transitive enough that no S(n)-orbit of tuples splits
        return f.args[0] >= slots + 2

    def histogram(self, f: Factor, degree: int | None, max_order: int, powers: int = 1):
        n = f.args[0]
        size = n if degree is None else min(n, degree + 2)
        hist = cycle_type_histogram(size, powers) if powers > 1 else symmetric_histogram(size)
        return None if hist is None else {key: v for key, v in hist.items() if key[1] == 1}

    def element_table(self, f: Factor) -> ElementTable:
        table = symmetric_table(f.args[0])
        even = parity(table.perm) == 0
        return ElementTable(table.perm[even], table.sign[even])


def symmetric_table(n: int) -> ElementTable:
    """S(n): itertools.permutations already lists one-line notations in lex order."""
    perm = np.array(list(permutations(range(n))), dtype=np.int64).reshape(-1, n)
    return ElementTable(perm, np.ones(perm.shape, np.int8))


def _factorial(f: Factor) -> int:
    """n! for S(n) or A(n), refused (TooLarge) beyond 2**MAX_DIMENSION_BITS, as every size
    is: computing 10**12! (for reg of S(10**12)) would never end."""
    n = f.args[0]
    if n > 2 and lgamma(n + 1) / log(2) > MAX_DIMENSION_BITS:
        raise TooLarge(f"{f} has more than 2**{MAX_DIMENSION_BITS} elements: far too many "
                       "to compute with")
    return factorial(n)
