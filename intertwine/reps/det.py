"""``det``, ``det[i]``: g -> det(rho_V(g)) (the sign for permutation groups)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from ..coo import CooMatrix
from . import action
from .base import FactorAtom, Structure, Walk, constructor, unit_monomial


@constructor
@dataclass(frozen=True)
class Det(FactorAtom):
    factor: int | None = None
    column: int = field(default=0, compare=False, repr=False)
    single: bool = field(default=True, compare=False, repr=False)

    name = "det"
    syntax = "atom"

    def dimension(self, group) -> int:
        return 1

    def act(self, walk: Walk):
        return action.scalar(walk.g.det() if self.factor == walk.factor else 1)

    def lie(self, walk: Walk):  # d det = trace
        value = int(walk.a.trace()) * getattr(walk, "lie_multiplier", 1) \
            if self.factor == walk.factor else 0
        return CooMatrix.from_entries([0], [0], np.array([value], np.int64), (1, 1))

    def character(self, walk: Walk, power: int = 1):
        return walk.det(self.factor, power)

    def degree(self, factor: int) -> int:
        return 0

    def monomials(self, n_factors: int, dual: bool = False) -> Counter:
        return unit_monomial(n_factors, self.factor, (0, 0, -1 if dual else 1))

    def structure(self) -> Structure:
        return Structure("leaf", label="det")
