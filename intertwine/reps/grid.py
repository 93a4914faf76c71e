"""``Grid(k)``: the k x k pixels (C(n), D(n), n in {1, 2, 4}) or k x k x k voxels (Octa,
FullOcta) of a kernel, permuted by the group: [g f](p) = f(g^-1 p).

Coordinates as the contract fixes them (``grids``): pixel (r, c) at (c - (k-1)/2,
(k-1)/2 - r), rotations counterclockwise, D(n)'s reflection (x, y) -> (x, -y); voxels
moved by the group's own matrices.  A permutation representation: orbits apply.
Character: the number of grid points an element fixes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .base import constructor
from .field import FieldAtom


@constructor
@dataclass(frozen=True)
class Grid(FieldAtom):
    factor: int | None = None
    column: int = field(default=0, compare=False, repr=False)
    single: bool = field(default=True, compare=False, repr=False)
    args: tuple[int, ...] = ()

    name = "Grid"
    syntax = "atom"
