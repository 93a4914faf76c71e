"""Pixel and voxel grids permuted by signed permutation matrices (``Grid(k)``).

A grid is the set of points of a k x ... x k cube centred at the origin.  docs/specs.rst
fixes the coordinates:

* pixel (r, c) has index r*k + c and sits at (x, y) = (c - (k-1)/2, (k-1)/2 - r):
  x to the right, y up;
* voxel (a, b, c) has index (a*k + b)*k + c and sits at (a, b, c) - (k-1)/2 (1, 1, 1).

A group element acts through a signed permutation matrix M of the plane or space
(``g e_j = sign[j] e_{perm[j]}``), and on functions on the grid by
[g f](p) = f(g^-1 p): the point p goes to M p, so rho(g) e_p = e_{Mp}, a permutation.
For C(n) and D(n) (n in {1, 2, 4}) M is the rotation by 2 pi/n counterclockwise,
(x, y) -> (-y, x) for n = 4, and the reflection (x, y) -> (x, -y); for the cube
groups M is rho_V(g) itself.

Coordinates are doubled (2x = 2c - (k-1)) so that they stay integers.

>>> grid_permutation(3, [1, 0], [1, -1]).reshape(3, 3).tolist()  # quarter turn, ccw
[[6, 3, 0], [7, 4, 1], [8, 5, 2]]
>>> fixed_points(3, [1, 0], [1, -1]), fixed_points(4, [0, 1], [1, -1])
(1, 0)
"""

from __future__ import annotations

import numpy as np

__all__ = ["grid_points", "grid_permutation", "fixed_points", "PLANE_MOVES"]

#: M for C(n)/D(n)'s generators on the plane as (perm, sign): r by n, then s
PLANE_MOVES = {
    "rotate4": ([1, 0], [1, -1]),   # (x, y) -> (-y, x): e_x -> e_y, e_y -> -e_x
    "rotate2": ([0, 1], [-1, -1]),  # (x, y) -> (-x, -y)
    "rotate1": ([0, 1], [1, 1]),
    "reflect": ([0, 1], [1, -1]),   # (x, y) -> (x, -y)
}


def grid_points(k: int, d: int) -> np.ndarray:
    """Doubled coordinates of the k**d points in index order, shape (k**d, d)."""
    idx = np.indices((k,) * d).reshape(d, -1).T  # row-major: (r, c) or (a, b, c)
    doubled = 2 * idx - (k - 1)
    if d == 2:  # pixels: x from the column, y up from the row
        return np.stack([doubled[:, 1], -doubled[:, 0]], axis=1)
    return doubled


def _point_index(points: np.ndarray, k: int) -> np.ndarray:
    d = points.shape[1]
    idx = (points + (k - 1)) // 2
    if d == 2:
        r, c = (k - 1) - idx[:, 1], idx[:, 0]
        return r * k + c
    out = np.zeros(len(points), np.int64)
    for j in range(d):
        out = out * k + idx[:, j]
    return out


def grid_permutation(k: int, perm, sign) -> np.ndarray:
    """rho(g) on the k-grid of dimension len(perm): e_p -> e_{Mp} as an index array."""
    perm = np.asarray(perm, dtype=np.int64)
    sign = np.asarray(sign, dtype=np.int64)
    points = grid_points(k, len(perm))
    moved = np.empty_like(points)
    moved[:, perm] = points * sign  # (M p)_{perm[j]} = sign[j] p_j
    return _point_index(moved, k)


def fixed_points(k: int, perm, sign) -> int:
    """Points of the k-grid fixed by M, without listing them: the character of Grid(k).

    Along one cycle of M the coordinates are one value x carried round, and x comes
    back as (product of the cycle's signs) x: any of k values when that is +1, and
    only x = 0 (a grid point when k is odd) when it is -1.
    """
    perm = [int(p) for p in perm]
    sign = [int(s) for s in sign]
    seen = [False] * len(perm)
    total = 1
    for start in range(len(perm)):
        if seen[start]:
            continue
        product, j = 1, start
        while not seen[j]:
            seen[j] = True
            product *= sign[j]
            j = perm[j]
        total *= k if product > 0 else k % 2
    return total
