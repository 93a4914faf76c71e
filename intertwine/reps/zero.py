"""The zero-dimensional representation: what ``Problem.model`` puts in place of a part
with no coordinates (``alt(V, 4)`` of S(3), a product with such a factor), so that
nothing is built for it.  Never parsed, never printed in a file."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..coo import CooMatrix
from . import action
from .base import Rep, Structure, Walk


@dataclass(frozen=True)
class Zero(Rep):
    def __str__(self) -> str:
        return "0"

    def dimension(self, group) -> int:
        return 0

    def act(self, walk: Walk):
        return action.identity(0)

    def lie(self, walk: Walk):
        return CooMatrix.zeros(0)

    def character(self, walk: Walk, power: int = 1):
        return 0

    def degree(self, factor: int) -> int:
        return 0

    def monomials(self, n_factors: int, dual: bool = False) -> Counter:
        return Counter()

    def structure(self) -> Structure:
        return Structure("scalars", count=0)
