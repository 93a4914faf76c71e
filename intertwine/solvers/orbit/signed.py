"""Signed orbits through the double cover: one construction for the orbit solver and for
the subgroup reduction of continuous groups (``solvers/reduce.py``).

A group element g acts on W by W -> rho_out(g) W rho_in(g)^T; for signed permutations
it sends position p to g(p) with a sign.  Node 2p + b of the double cover stands for
W[p] times (-1)^b, and g joins it to node 2 g(p) + (b xor [sign of g at p < 0]).  An
orbit carries a nonzero vector unless both copies of a position land in one component
(some element returns the position to minus itself).  Components are numbered by their
first node, so an orbit's first (row-major) position's positive copy comes before the
rest of the orbit: +1 there, and orbits numbered in the order of their first positions
(the reduced row-echelon order).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...orbits import components
from ...problem import Problem

__all__ = ["SignedOrbits", "signed_orbits", "components", "position_images"]


def position_images(problem: Problem):
    """For each generator, the image of every flat position p = i*dim_in + j, and where
    the sign is negative (None when no generator has signs)."""
    pairs = list(zip(problem.discrete_out, problem.discrete_in))
    images, negative = _images(pairs, problem.dim_in)
    signed = any(g.sign is not None for pair in pairs for g in pair)
    return images, (negative if signed else None)


def _images(pairs, dim_in: int):
    images, negative = [], []
    for g_out, g_in in pairs:
        images.append((g_out.perm[:, None] * dim_in + g_in.perm[None, :]).ravel())
        negative.append((np.multiply.outer(g_out.signs(), g_in.signs()) < 0).ravel())
    return images, negative


@dataclass
class SignedOrbits:
    """The nonzero signed orbits of W's positions: position ``position[t]`` lies in orbit
    ``orbit[t]`` (numbered 0.. in the order of first positions) with sign ``value[t]``."""

    position: np.ndarray
    orbit: np.ndarray
    value: np.ndarray
    count: int


def signed_orbits(pairs, dim_out: int, dim_in: int, label=None) -> SignedOrbits:
    """Signed orbits of positions under the (rho_out(g), rho_in(g)) signed permutations.
    ``label(images, n_nodes)`` numbers the components (default ``components``)."""
    n = dim_out * dim_in
    images, negative = _images(pairs, dim_in)
    # node 2p+0 -> 2g(p)+neg, node 2p+1 -> 2g(p)+(1-neg), the same xor 1: both sheets
    # interleaved, in int32 where the nodes fit (half the memory traffic)
    dtype = np.int32 if 2 * n < 2**31 else np.int64
    cover = []
    for img, neg in zip(images, negative):
        node = np.empty(2 * n, dtype)
        node[0::2] = 2 * img.astype(dtype) + neg
        node[1::2] = node[0::2] ^ 1
        cover.append(node)
    labels = (label or components)(cover, 2 * n)
    plus, minus = labels[0::2], labels[1::2]
    pos = np.flatnonzero(plus != minus)
    first = np.minimum(plus, minus)[pos]
    # the sheet holding an orbit's first position has the smaller label: +1 there
    value = np.where(plus[pos] < minus[pos], 1, -1).astype(np.int8)
    keep = np.zeros(int(first.max(initial=-1)) + 1, bool)
    keep[first] = True
    rank = np.cumsum(keep) - 1
    return SignedOrbits(pos, rank[first], value, int(keep.sum()))
