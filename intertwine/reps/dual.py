"""``dual(R)``: g -> rho_R(g)^(-T), on the same coordinates as R."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..coo import CooMatrix
from . import action
from .base import Parsed, Rep, Structure, Walk, constructor


@constructor
@dataclass(frozen=True)
class Dual(Rep):
    rep: Rep

    name = "dual"
    usage = "dual(R)"
    summary = "the dual: g -> rho_R(g)^-T"
    syntax = "function"

    @classmethod
    def parse(cls, parsed: Parsed) -> Rep:
        return cls(parsed.reps[0])

    def __str__(self) -> str:
        return f"dual({self.rep})"

    @property
    def children(self):
        return (self.rep,)

    def rebuild(self, children):
        return Dual(children[0])

    def dimension(self, group) -> int:
        return self.rep.dimension(group)

    def act(self, walk: Walk):
        return action.dual(walk.of(self.rep))

    def lie(self, walk: Walk):
        return CooMatrix.of(walk.of(self.rep)).T.scaled(-1)

    def character(self, walk: Walk, power: int = 1):
        return walk.of(self.rep, power)  # real characters: chi of dual(R) is chi of R

    def degree(self, factor: int) -> int:
        return self.rep.degree(factor)

    def monomials(self, n_factors: int, dual: bool = False) -> Counter | None:
        return self.rep.monomials(n_factors, not dual)

    def structure(self) -> Structure:
        return Structure("same", (self.rep,))
