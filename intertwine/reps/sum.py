"""``R + Q``: direct sum, R's coordinates first."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..coo import block_diag
from . import action
from .base import Rep, Structure, Walk


@dataclass(frozen=True)
class Sum(Rep):
    terms: tuple[Rep, ...]
    precedence = 1

    def __str__(self) -> str:
        return " + ".join(t.wrapped(2) for t in self.terms)

    @property
    def children(self):
        return self.terms

    def rebuild(self, children):
        return Sum(tuple(children))

    def dimension(self, group) -> int:
        return sum(t.dimension(group) for t in self.terms)

    def act(self, walk: Walk):
        return action.direct_sum([walk.of(t) for t in self.terms])

    def lie(self, walk: Walk):
        return block_diag([walk.of(t) for t in self.terms])

    def character(self, walk: Walk, power: int = 1):
        parts = [walk.of(t, power) for t in self.terms]
        return None if any(p is None for p in parts) else sum(parts)

    def degree(self, factor: int) -> int:
        return max(t.degree(factor) for t in self.terms)

    def monomials(self, n_factors: int, dual: bool = False) -> Counter | None:
        parts = [t.monomials(n_factors, dual) for t in self.terms]
        return None if any(p is None for p in parts) else sum(parts, Counter())

    def structure(self) -> Structure:
        return Structure("sum", self.terms)
