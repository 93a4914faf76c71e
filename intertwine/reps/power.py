"""``R**k``: k-fold tensor power (``R**0`` = ``1``), row-major as repeated kron."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np

from ..coo import CooMatrix, kron_sum
from ..errors import MAX_DIMENSION_BITS, TooLarge
from . import action
from .base import Rep, Structure, Walk
from .tensor import product_monomials
from .trivial import Trivial


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
        if self.k == 0:
            return 1
        d = self.base.dimension(group)
        if d > 1 and self.k * math.log2(d) > MAX_DIMENSION_BITS:  # before computing it
            raise TooLarge(f"{self} is too large: its dimension has more than "
                           f"{MAX_DIMENSION_BITS} bits")
        return d ** self.k

    def simplified(self, group) -> Rep:
        """A power of a dimension-1 representation by +-1 is R or 1 (same matrices);
        ``1**k`` is ``1``."""
        if self.k == 0:
            return Trivial(1)
        base = self.base.simplified(group)
        if base == Trivial(1) or base.dimension(group) == 0:
            return base
        if group.finite and base.dimension(group) == 1 and base.signed_permutation(group):
            return base if self.k % 2 else Trivial(1)
        return Power(base, self.k)

    def act(self, walk: Walk):
        if self.k == 0:
            return action.identity(1)
        base = walk.of(self.base)
        if base.size == 1 and base.is_signed_perm:  # +-1: no k-fold product
            return action.scalar(-1 if base.sign is not None and base.sign[0] < 0
                                 and self.k % 2 else 1)
        return action.power(base, self.k)

    def lie(self, walk: Walk):
        if self.k == 0:
            return kron_sum([])
        base = CooMatrix.of(walk.of(self.base))
        if base.shape == (1, 1):  # d(R**k) = k dR for a 1x1 dR
            if not base.nnz:
                return base
            if int(np.abs(base.value).max()) * self.k >= 2**62:
                raise TooLarge(f"{self} is too large: its Lie-algebra action overflows int64")
            return base.scaled(self.k)
        return kron_sum([base] * self.k)

    def character(self, walk: Walk, power: int = 1):
        if self.k == 0:
            return 1
        base = walk.of(self.base, power)
        if base is None:
            return None
        k = self.k
        if k > 64 and isinstance(base, np.ndarray) and base.dtype != object:
            # int64 characters are bounded by the dimension (< 2**62), so a base raised to
            # k > 64 takes only the values -1, 0, 1: v**k = v**(2 + k % 2)
            k = 2 + k % 2
        return base ** k

    def degree(self, factor: int) -> int:
        return self.k * self.base.degree(factor)

    def monomials(self, n_factors: int, dual: bool = False) -> Counter | None:
        out = product_monomials([], n_factors)
        if self.k == 0:  # R**0 is 1 whatever R is (R may be too large to expand)
            return out
        base = self.base.monomials(n_factors, dual)
        k = self.k
        while k and base is not None and out is not None:  # by squaring: log2(k) products
            if k & 1:
                out = product_monomials([out, base], n_factors)
            k >>= 1
            if k:
                base = product_monomials([base, base], n_factors)
        return None if base is None else out

    def structure(self) -> Structure:
        return Structure("kron", (self.base,) * self.k)
