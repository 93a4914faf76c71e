"""``irr(k)`` of C(n), ``irr(j, k)`` of D(n): real irreducible representations (escnn's).

The generator i -> i+1 acts as the rotation by 2 pi k/n (k = 0: 1, k = n/2: -1), D(n)'s
reflection as diag(1, -1) or a sign (``irreps``).  Those with 4k/n not an integer have
irrational matrices: they act by float matrices (numeric method only); the others by
signed permutations.  Character: 2 cos(2 pi k t/n) at r^t, 0 at reflections.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .base import constructor
from .field import FieldAtom


@constructor
@dataclass(frozen=True)
class Irrep(FieldAtom):
    factor: int | None = None
    column: int = field(default=0, compare=False, repr=False)
    single: bool = field(default=True, compare=False, repr=False)
    args: tuple[int, ...] = ()

    name = "irr"
    syntax = "atom"
