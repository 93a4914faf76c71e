"""``V``, ``V[i]``: the defining representation of factor i (the group's own matrices)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..coo import CooMatrix
from . import action
from .base import FactorAtom, Structure, Walk, constructor, unit_monomial


@constructor
@dataclass(frozen=True)
class Defining(FactorAtom):
    """``factor`` is None only before it is resolved to an index."""

    factor: int | None = None
    column: int = field(default=0, compare=False, repr=False)
    single: bool = field(default=True, compare=False, repr=False)

    name = "V"
    syntax = "atom"

    def dimension(self, group) -> int:
        return group.factors[self.factor].degree

    def act(self, walk: Walk):
        if self.factor == walk.factor:
            return walk.g
        return action.identity(walk.group.factors[self.factor].degree)

    def lie(self, walk: Walk):
        if self.factor == walk.factor:
            c = getattr(walk, "lie_multiplier", 1)  # the rational form's c A
            return walk.a if c == 1 else walk.a.scaled(c)
        return CooMatrix.zeros(walk.group.factors[self.factor].degree)

    def character(self, walk: Walk, power: int = 1):
        return walk.trace(self.factor, power)

    def degree(self, factor: int) -> int:
        return int(self.factor == factor)

    def monomials(self, n_factors: int, dual: bool = False) -> Counter:
        return unit_monomial(n_factors, self.factor, (0, 1, 0) if dual else (1, 0, 0))

    def structure(self) -> Structure:
        return Structure("axis", factor=self.factor)
