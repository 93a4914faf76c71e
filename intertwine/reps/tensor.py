"""``R * Q``: tensor product, row-major ((a, b) -> a dim(Q) + b, as numpy.kron)."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from math import prod

from ..coo import kron_sum
from ..errors import MAX_DIMENSION_BITS, TooLarge
from . import action
from .base import Rep, Structure, Walk, zero_monomial

#: sums of more distinct monomials than this get no closed count (None)
MAX_MONOMIALS = 10**5


def product_monomials(subs: list, n_factors: int) -> Counter | None:
    """Monomials of a tensor product from its factors' (equal monomials merged at every
    step, so that (V + 1)**20 costs 21 entries instead of 2**20); None if a factor has
    none or there are more than MAX_MONOMIALS."""
    acc = Counter({zero_monomial(n_factors): 1})
    for sub in subs:
        if sub is None or len(acc) * len(sub) > MAX_MONOMIALS:
            return None
        nxt: Counter = Counter()
        for d1, m1 in acc.items():
            for d2, m2 in sub.items():
                key = tuple((x[0] + y[0], x[1] + y[1], x[2] + y[2]) for x, y in zip(d1, d2))
                nxt[key] += m1 * m2
        if any(m.bit_length() > MAX_DIMENSION_BITS for m in nxt.values()):
            return None  # multiplicities as large as no dimension may be: (3*V)**10**12
        acc = nxt
    return acc


@dataclass(frozen=True)
class Tensor(Rep):
    factors: tuple[Rep, ...]
    precedence = 2

    def __str__(self) -> str:
        return "*".join(f.wrapped(3) for f in self.factors)

    @property
    def children(self):
        return self.factors

    def rebuild(self, children):
        return Tensor(tuple(children))

    def dimension(self, group) -> int:
        dims = [f.dimension(group) for f in self.factors]
        if 0 not in dims and sum(math.log2(d) for d in dims) > MAX_DIMENSION_BITS:
            raise TooLarge(f"{self} is too large: its dimension has more than "
                           f"{MAX_DIMENSION_BITS} bits")
        return prod(dims)

    def act(self, walk: Walk):
        out = walk.of(self.factors[0])
        for f in self.factors[1:]:
            out = action.tensor(out, walk.of(f))
        return out

    def lie(self, walk: Walk):  # d(R (x) Q) = dR (x) I + I (x) dQ
        return kron_sum([walk.of(f) for f in self.factors])

    def character(self, walk: Walk, power: int = 1):
        parts = [walk.of(f, power) for f in self.factors]
        return None if any(p is None for p in parts) else prod(parts)

    def degree(self, factor: int) -> int:
        return sum(f.degree(factor) for f in self.factors)

    def monomials(self, n_factors: int, dual: bool = False) -> Counter | None:
        return product_monomials([f.monomials(n_factors, dual) for f in self.factors],
                                 n_factors)

    def structure(self) -> Structure:
        return Structure("kron", self.factors)
