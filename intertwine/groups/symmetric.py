"""The symmetric groups S(n) and the alternating groups A(n), permuting n points."""

from __future__ import annotations

from itertools import permutations
from math import comb, factorial, lgamma, log
from typing import TYPE_CHECKING

import numpy as np

from ..combinatorics import bell_at_most, derangements, integer_partitions
from ..errors import MAX_DIMENSION_BITS, TooLarge
from .base import ElementTable, FiniteFamily, from_cycles, parity, register

#: slots x blocks beyond which S(n)'s closed count is not attempted
MAX_COUNT_WORK = 10**7

if TYPE_CHECKING:
    from ..spec import Factor


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


@register
class Symmetric(FiniteFamily):
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
