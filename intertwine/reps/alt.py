"""``alt(R, k)``: the k-th exterior power of R, the antisymmetric tensors in ``R**k``.

Coordinates (docs/specs.rst): one per strictly increasing tuple i_1 < ... < i_k,
lexicographic; T is given by T[i_1, ..., i_k], and E puts sign(sigma) * value at the
tuple permuted by sigma.  C(d, k) coordinates (0 when k > d).

Built like ``sym`` (``reps/sym.py`` holds the tuple machinery): a signed permutation
sends tuple t to sorted(pi(t)) with sign prod s times the sign of the sorting; a moved
slot in the Lie action takes the sign of the entries it passes; the character is the
cycle-index sum with the sign (-1)**(k - parts) of each partition.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from math import comb

from ..errors import MAX_DIMENSION_BITS, TooLarge
from .base import constructor
from .sym import Sym


@constructor
@dataclass(frozen=True)
class Alt(Sym):
    name = "alt"
    usage = "alt(R, k)"
    summary = "k-th exterior power (strictly increasing index tuples)"
    strict = True

    def count(self, d: int) -> int:
        return comb(d, self.k)

    def dimension(self, group) -> int:
        d = self.rep.dimension(group)
        if min(self.k, max(d - self.k, 0)) * math.log2(d + 1) > MAX_DIMENSION_BITS:
            raise TooLarge(f"{self} is too large: its dimension has more than "
                           f"{MAX_DIMENSION_BITS} bits")
        return self.count(d)
