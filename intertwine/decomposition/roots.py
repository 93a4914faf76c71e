"""Exact values that are square roots: v = sign(s)·√|s| held as the rational s ("signed
square"), as the files store them (square_numerator = sign·a, square_denominator = b
for v = ±√(a/b); see the exact square-root values in docs/).

Sums of such values are compared exactly in the canonical form c·√q (c rational, q a
squarefree integer): square roots of distinct squarefree integers are linearly
independent over the rationals, so a sum is zero exactly when each q's coefficients
sum to zero.

>>> surd(Fraction(-8, 3))  # -√(8/3) = -(2/3)·√6
(Fraction(-2, 3), 6)
>>> as_float(Fraction(1, 2)) == 0.5 ** 0.5
True
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache
from math import isqrt

__all__ = ["surd", "as_float", "is_square", "SurdSum"]


def is_square(s: Fraction) -> bool:
    """|s| is the square of a rational (the value is rational)."""
    s = abs(s)
    return isqrt(s.numerator) ** 2 == s.numerator and isqrt(s.denominator) ** 2 == s.denominator


def as_float(s: Fraction) -> float:
    """The value sign(s)·√|s| in float64, correctly rounded for moderate sizes."""
    import math

    if s == 0:
        return 0.0
    a, b = abs(s.numerator), s.denominator
    root = math.sqrt(a / b) if max(a, b) < 2**52 else math.exp((math.log(a) - math.log(b)) / 2)
    return root if s > 0 else -root


@lru_cache(maxsize=4096)
def _squarefree(n: int) -> tuple[int, int]:
    """n = f²·q with q squarefree: (f, q)."""
    from sympy import factorint

    f, q = 1, 1
    for p, e in factorint(n).items():
        f *= p ** (e // 2)
        if e % 2:
            q *= p
    return f, q


def surd(s: Fraction) -> tuple[Fraction, int]:
    """sign(s)·√|s| as (c, q) with c rational and q squarefree: the value is c·√q."""
    if s == 0:
        return Fraction(0), 1
    a, b = abs(s.numerator), s.denominator
    f, q = _squarefree(a * b)  # √(a/b) = √(ab)/b
    c = Fraction(f, b)
    return (c if s > 0 else -c), q


class SurdSum:
    """A sum of square-root values, kept as {q: coefficient of √q}."""

    __slots__ = ("terms",)

    def __init__(self):
        self.terms: dict[int, Fraction] = {}

    def add(self, s: Fraction, times: Fraction = Fraction(1)) -> None:
        """Add times·sign(s)·√|s| (times rational)."""
        c, q = surd(s)
        self.terms[q] = self.terms.get(q, Fraction(0)) + c * times

    def add_product(self, s: Fraction, t: Fraction) -> None:
        """Add the product of the values of signed squares s and t: its signed square
        is s·t."""
        self.add(s * t)

    def equals(self, other: SurdSum) -> bool:
        keys = set(self.terms) | set(other.terms)
        return all(self.terms.get(q, 0) == other.terms.get(q, 0) for q in keys)
