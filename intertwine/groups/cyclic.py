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


def _with_powers(n: int, reflections: bool, powers: int, max_order: int) -> dict | None:
    """Histogram keyed by traces of g, ..., g**powers, element by element (vectorised):
    shift t fixes everything when n divides t and nothing else; a reflection
    i -> s - i squares to the identity."""
    if n * (2 if reflections else 1) > max_order:
        return None
    t = np.arange(n, dtype=np.int64)
    gcd = np.gcd(t, n)
    columns = [np.where(t == 0, n, 0), np.where((n - gcd) % 2, -1, 1)]
    columns += [np.where((j * t) % n == 0, n, 0) for j in range(2, powers + 1)]
    if reflections:
        s = np.arange(n, dtype=np.int64)
        if n % 2:
            fix = np.ones(n, np.int64)
            sign = np.full(n, (-1) ** ((n - 1) // 2))
        else:
            fix = np.where(s % 2 == 0, 2, 0)
            sign = np.where(s % 2 == 0, (-1) ** ((n - 2) // 2), (-1) ** (n // 2))
        more = [fix, sign] + [fix if j % 2 else np.full(n, n) for j in range(2, powers + 1)]
        columns = [np.concatenate([a, b]) for a, b in zip(columns, more)]
    keys, counts = np.unique(np.stack(columns), axis=1, return_counts=True)
    return {tuple(k): c for k, c in zip(keys.T.tolist(), counts.tolist(), strict=True)}


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

    def histogram(self, f: Factor, degree: int | None, max_order: int, powers: int = 1):
        if powers > 1:
            return _with_powers(f.args[0], False, powers, max_order)
        return {key: v for key, v in cyclic_rotations(f.args[0]).items() if v}


@register
class Dihedral(FiniteFamily):
    names = ("D",)
    summary = "dihedral group of the n-gon"

    def degree(self, f: Factor) -> int:
        return f.args[0]

    #: s fixes every vertex of D(1) and D(2), yet D(n) has order 2n and s moves the
    #: points of reg and Grid: it stays a generator
    keeps_trivial_generators = True

    def discrete(self, f: Factor):
        n = f.args[0]
        reflection = SignedPerm((-np.arange(n, dtype=np.int64)) % n)
        return ([from_cycles(n, [tuple(range(n))])] if n >= 2 else []) + [reflection]

    def order(self, f: Factor) -> int:
        return 2 * f.args[0]

    def histogram(self, f: Factor, degree: int | None, max_order: int, powers: int = 1):
        if powers > 1:
            return _with_powers(f.args[0], True, powers, max_order)
        # reflections i -> s - i (mod n); D(1) and D(2) follow from the same formulas
        n = f.args[0]
        hist = cyclic_rotations(n)
        if n % 2:
            hist[(1, (-1) ** ((n - 1) // 2))] += n
        else:
            hist[(2, (-1) ** ((n - 2) // 2))] += n // 2
            hist[(0, (-1) ** (n // 2))] += n // 2
        return {key: v for key, v in hist.items() if v}
