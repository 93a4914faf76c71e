"""The cyclic groups C(n) (alias Z(n)) and the dihedral groups D(n) of the n-gon."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import numpy as np

from .base import FiniteFamily, SignedPerm, from_cycles, register

if TYPE_CHECKING:
    from ..spec import Factor


def cyclic_rotations(n: int) -> Counter:
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


@register
class Cyclic(FiniteFamily):
    names = ("C", "Z")
    summary = "cyclic group"

    def degree(self, f: Factor) -> int:
        return f.args[0]

    def discrete(self, f: Factor):
        n = f.args[0]
        return [from_cycles(n, [tuple(range(n))])] if n >= 2 else []

    def order(self, f: Factor) -> int:
        return f.args[0]

    def histogram(self, f: Factor, degree: int | None, max_order: int):
        return {key: v for key, v in cyclic_rotations(f.args[0]).items() if v}


@register
class Dihedral(FiniteFamily):
    names = ("D",)
    summary = "dihedral group of the n-gon"

    def degree(self, f: Factor) -> int:
        return f.args[0]

    def discrete(self, f: Factor):
        n = f.args[0]
        if n < 2:
            return []
        return [from_cycles(n, [tuple(range(n))]),
                SignedPerm((-np.arange(n, dtype=np.int64)) % n)]

    def order(self, f: Factor) -> int:
        return 2 * f.args[0]

    def histogram(self, f: Factor, degree: int | None, max_order: int):
        # reflections i -> s - i (mod n); D(1) and D(2) follow from the same formulas
        n = f.args[0]
        hist = cyclic_rotations(n)
        if n % 2:
            hist[(1, (-1) ** ((n - 1) // 2))] += n
        else:
            hist[(2, (-1) ** ((n - 2) // 2))] += n // 2
            hist[(0, (-1) ** (n // 2))] += n // 2
        return {key: v for key, v in hist.items() if v}
