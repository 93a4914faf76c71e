"""``R**k``: k-fold tensor power (``R**0`` = ``1``), row-major as repeated kron."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from . import action
from .base import Rep, Structure, Walk
from .tensor import kron_lie, product_monomials


@dataclass(frozen=True)
class Power(Rep):
    base: Rep
    k: int

    def __str__(self) -> str:
        inner = f"({self.base})" if self.base.precedence < 3 or isinstance(self.base, Power) \
            else str(self.base)
        return f"{inner}**{self.k}"

    @property
    def children(self):
        return (self.base,)

    def rebuild(self, children):
        return Power(children[0], self.k)

    def factors_used(self, used: set[int]) -> set[int]:
        return self.base.factors_used(used) if self.k else used  # R**0 is 1 whatever R is

    def dimension(self, group) -> int:
        return self.base.dimension(group) ** self.k

    def act(self, walk: Walk):
        return action.power(walk.of(self.base), self.k)

    def lie(self, walk: Walk):
        return kron_lie([walk.of(self.base)] * self.k)

    def character(self, walk: Walk, power: int = 1):
        if self.k == 0:
            return 1
        base = walk.of(self.base, power)
        return None if base is None else base ** self.k

    def degree(self, factor: int) -> int:
        return self.k * self.base.degree(factor)

    def monomials(self, n_factors: int, dual: bool = False) -> Counter | None:
        return product_monomials([self.base.monomials(n_factors, dual)] * self.k, n_factors)

    def structure(self) -> Structure:
        return Structure("kron", (self.base,) * self.k)
