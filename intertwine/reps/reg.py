"""``reg``, ``reg[i]``: the left regular representation of a finite factor, rho(g) e_h = e_gh.

One coordinate per group element, in the contract's order (``elements``: one-line
notation, lexicographic, the identity first).  A permutation representation: orbits
apply.  Character: |G| at the identity, 0 elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .base import constructor
from .field import FieldAtom


@constructor
@dataclass(frozen=True)
class Regular(FieldAtom):
    factor: int | None = None
    column: int = field(default=0, compare=False, repr=False)
    single: bool = field(default=True, compare=False, repr=False)
    args: tuple[int, ...] = ()

    name = "reg"
    syntax = "atom"
