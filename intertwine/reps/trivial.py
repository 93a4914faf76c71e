"""``k``: k copies of the trivial representation (``1`` is one copy)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..coo import CooMatrix
from . import action
from .base import Rep, Structure, Walk, zero_monomial


@dataclass(frozen=True)
class Trivial(Rep):
    k: int
    column: int = field(default=0, compare=False, repr=False)

    def __str__(self) -> str:
        return str(self.k)

    def dimension(self, group) -> int:
        return self.k

    def act(self, walk: Walk):
        return action.identity(self.k)

    def lie(self, walk: Walk):
        return CooMatrix.zeros(self.k)

    def character(self, walk: Walk, power: int = 1):
        return self.k

    def degree(self, factor: int) -> int:
        return 0

    def monomials(self, n_factors: int, dual: bool = False) -> Counter:
        return Counter({zero_monomial(n_factors): self.k})

    def structure(self) -> Structure:
        return Structure("scalars", count=self.k)
