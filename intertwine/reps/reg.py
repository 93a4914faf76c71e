"""``reg``, ``reg[i]``: the left regular representation of a finite factor, rho(g) e_h = e_gh.

One coordinate per group element, in the contract's order (``groups.ElementTable``: one-line
notation, lexicographic, the identity first; D(1), D(2): the rotation before the
reflection that acts alike on the vertices).  A permutation representation: orbits
apply.  Character: |G| at the identity, 0 elsewhere.

>>> from intertwine.spec import parse_group, parse_rep
>>> from intertwine.reps import discrete_action
>>> g = parse_group("D(3)")  # elements 012 (e), 021 (s), 102, 120 (r), 201, 210
>>> [a.perm.tolist() for a in discrete_action(parse_rep("reg", g), g)]
[[3, 2, 5, 4, 0, 1], [1, 0, 4, 5, 2, 3]]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..groups import element_table, factor_order
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

    @classmethod
    def check_arguments(cls, parsed) -> None:
        if parsed.ints:
            raise parsed.error("reg takes no arguments", 0)

    def unavailable(self, factor) -> str | None:
        return None if factor.finite else "a continuous group has no regular representation"

    def size(self, factor) -> int:
        return factor_order(factor)

    def signed_generators(self, factor) -> list[tuple]:
        table = element_table(factor)
        return [(table.regular(g), None) for g in factor.family.faithful_generators(factor)]

    def element_character(self, factor, value):
        order = self.size(factor)
        identity = np.asarray(value("identity"), bool)
        if order < 2**62:
            return np.where(identity, order, 0)
        return np.where(identity, 1, 0).astype(object) * order
