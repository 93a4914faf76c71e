"""The symmetric groups S(n) and the alternating groups A(n), permuting n points."""

from __future__ import annotations

from math import comb, factorial
from typing import TYPE_CHECKING

from ..combinatorics import bell_at_most, derangements
from .base import FiniteFamily, from_cycles, register

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
        return factorial(f.args[0])

    def histogram(self, f: Factor, degree: int | None, max_order: int):
        # S(n) and S(degree + 2) have the same moments up to that degree (counting.py)
        n = f.args[0]
        return symmetric_histogram(n if degree is None else min(n, degree + 2))

    def tuples_by_equality(self, f: Factor, slots: int) -> bool:
        return True

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
        return max(1, factorial(f.args[0]) // 2)

    def tuples_by_equality(self, f: Factor, slots: int) -> bool:
        # A(n) is then transitive enough that no S(n)-orbit of tuples splits
        return f.args[0] >= slots + 2

    def histogram(self, f: Factor, degree: int | None, max_order: int):
        n = f.args[0]
        size = n if degree is None else min(n, degree + 2)
        return {key: v for key, v in symmetric_histogram(size).items() if key[1] == 1}
