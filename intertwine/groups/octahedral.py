"""The cube groups: ``Octa`` (rotations, order 24) and ``FullOcta`` (with reflections, 48).

Both act on R^3 by signed permutation matrices: ``Octa`` by those of determinant 1,
``FullOcta`` by all of them.  Generators as docs/specs.rst fixes them: the quarter turn
about z, (x, y, z) -> (-y, x, z), and about x, (x, y, z) -> (x, -z, y); ``FullOcta`` adds
the inversion (x, y, z) -> (-x, -y, -z).  Finite, so the elements come from the
generators by closure (``FiniteFamily``), and so do the counts of ``dim`` and ``verify``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .base import ArgumentError, FiniteFamily, SignedPerm, register

if TYPE_CHECKING:
    from .base import Factor


def _signed(perm, sign) -> SignedPerm:
    """e_j -> sign[j] e_{perm[j]}."""
    return SignedPerm(np.array(perm, np.int64), np.array(sign, np.int8))


# (x, y, z) -> (-y, x, z): e_x -> e_y, e_y -> -e_x, e_z -> e_z
QUARTER_Z = _signed([1, 0, 2], [1, -1, 1])
# (x, y, z) -> (x, -z, y): e_x -> e_x, e_y -> e_z, e_z -> -e_y
QUARTER_X = _signed([0, 2, 1], [1, 1, -1])
INVERSION = _signed([0, 1, 2], [-1, -1, -1])


@register
class Octa(FiniteFamily):
    names = ("Octa",)
    summary = "rotations of the cube (order 24)"
    usage = "Octa"
    generators = (QUARTER_Z, QUARTER_X)
    group_order = 24

    def check(self, args, cycles) -> None:
        if args:
            raise ArgumentError(f"{self.name} takes no arguments", 0)

    def degree(self, f: Factor) -> int:
        return 3

    def discrete(self, f: Factor):
        return list(self.generators)

    def order(self, f: Factor) -> int:
        return self.group_order


@register
class FullOcta(Octa):
    names = ("FullOcta",)
    summary = "rotations and reflections of the cube (order 48)"
    usage = "FullOcta"
    generators = (QUARTER_Z, QUARTER_X, INVERSION)
    group_order = 48
