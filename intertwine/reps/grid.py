"""``Grid(k)``: the k x k pixels (C(n), D(n), n in {1, 2, 4}) or k x k x k voxels (Octa,
FullOcta) of a kernel, permuted by the group: [g f](p) = f(g^-1 p).

Coordinates as the contract fixes them (``grids``): pixel (r, c) at (c - (k-1)/2,
(k-1)/2 - r), rotations counterclockwise, D(n)'s reflection (x, y) -> (x, -y); voxels
moved by the group's own matrices.  A permutation representation: orbits apply.
Character: the number of grid points an element fixes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..grids import PLANE_MOVES, fixed_points, grid_permutation
from ..groups import element_table
from .base import constructor
from .field import FieldAtom

#: n for which C(n) and D(n) map into the symmetries of the square pixel grid
PIXEL_SIZES = (1, 2, 4)
#: groups of signed permutation matrices of R^3: their V moves the voxels
CUBE_KINDS = ("Octa", "FullOcta")


@constructor
@dataclass(frozen=True)
class Grid(FieldAtom):
    factor: int | None = None
    column: int = field(default=0, compare=False, repr=False)
    single: bool = field(default=True, compare=False, repr=False)
    args: tuple[int, ...] = ()

    name = "Grid"
    syntax = "atom"

    @property
    def k(self) -> int:
        return self.args[0]

    @classmethod
    def check_arguments(cls, parsed) -> None:
        if len(parsed.ints) != 1:
            raise parsed.error("Grid takes one integer, the side k of the grid: Grid(k)",
                               1 if parsed.ints else None)
        if parsed.ints[0] < 1:
            raise parsed.error("a grid side must be at least 1", 0)

    def unavailable(self, factor) -> str | None:
        if (factor.kind in ("C", "D") and factor.args[0] in PIXEL_SIZES) or \
                factor.kind in CUBE_KINDS:
            return None
        return "pixel grids are for C(n) and D(n) with n in {1, 2, 4}, voxel grids for " \
            "Octa and FullOcta"

    def voxels(self, factor) -> bool:
        return factor.kind in CUBE_KINDS

    def size(self, factor) -> int:
        return self.k ** (3 if self.voxels(factor) else 2)

    def signed_generators(self, factor) -> list[tuple]:
        if self.voxels(factor):  # g moves the voxels by rho_V(g)
            return [(grid_permutation(self.k, g.perm, g.sign), None)
                    for g in factor.family.faithful_generators(factor)]
        return [(grid_permutation(self.k, *move), None) for move in _plane_moves(factor)]

    def element_character(self, factor, value):
        if self.voxels(factor):
            table = element_table(factor)
            fixed = np.array([fixed_points(self.k, p, s) for p, s in zip(table.perm,
                                                                         table.sign)])
            return fixed[value("element")]
        n = factor.args[0]
        moves = np.zeros((n, 2), np.int64)  # n <= 4: at most 8 distinct moves
        for turn in range(n):
            for flip in (0, 1):
                moves[turn, flip] = fixed_points(self.k, *_compose(n, turn, flip))
        return moves[value("t") % n, value("flip")]


def _plane_moves(factor) -> list[tuple]:
    """C(n)'s and D(n)'s generators as signed permutations of the plane: r (for n >= 2,
    as ``groups``), then s for D(n)."""
    n = factor.args[0]
    moves = [PLANE_MOVES[f"rotate{n}"]] if n >= 2 else []
    return moves + ([PLANE_MOVES["reflect"]] if factor.kind == "D" else [])


def _compose(n: int, turn: int, flip: int) -> tuple[list[int], list[int]]:
    """r^turn s^flip as a signed permutation of the plane."""
    perm, sign = [0, 1], [1, 1]
    steps = [PLANE_MOVES["reflect"]] * flip + [PLANE_MOVES[f"rotate{n}"]] * turn
    for p, s in steps:  # apply s first, then r each time: (g h) e_j = s^h_j g e_{h(j)}
        perm, sign = [p[q] for q in perm], [sign[j] * s[perm[j]] for j in range(2)]
    return perm, sign
