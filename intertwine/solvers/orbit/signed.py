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
    if n <= SMALL_POSITIONS:
        return _small_signed_orbits(pairs, dim_out, dim_in)
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


#: ``signed_orbits`` of at most this many positions in Python (a union-find with signs):
#: a tiny decomposition's (alt(1o, 2): 9 positions) in a fraction of numpy's calls
SMALL_POSITIONS = 16


def _small_signed_orbits(pairs, dim_out: int, dim_in: int) -> SignedOrbits:
    """``signed_orbits`` by a union-find over the positions that keeps, for each one,
    its sign relative to its root (the smallest position of its orbit: +1 there) and
    marks an orbit zero where two paths give a position both signs: the double cover's
    components, numbered alike."""
    n = dim_out * dim_in
    parent, flip, zero = list(range(n)), [0] * n, [False] * n

    def find(x: int) -> tuple[int, int]:
        path = []
        while parent[x] != x:
            path.append(x)
            x = parent[x]
        parity = 0
        for y in reversed(path):  # nearest the root first: compress, with signs
            parity ^= flip[y]
            flip[y], parent[y] = parity, x
        return x, (flip[path[0]] if path else 0)

    for g_out, g_in in pairs:
        out_perm, in_perm = g_out.perm.tolist(), g_in.perm.tolist()
        out_neg = [s < 0 for s in g_out.signs().tolist()]
        in_neg = [s < 0 for s in g_in.signs().tolist()]
        for i in range(dim_out):
            for j in range(dim_in):
                # W[g(p)] = ±W[p]: p's image and the sign between them
                a, pa = find(i * dim_in + j)
                b, pb = find(out_perm[i] * dim_in + in_perm[j])
                between = pa ^ pb ^ (out_neg[i] != in_neg[j])
                if a == b:
                    zero[a] = zero[a] or bool(between)
                    continue
                low, high = (a, b) if a < b else (b, a)
                parent[high], flip[high] = low, between
                zero[low] = zero[low] or zero[high]
    position, orbit, value, number = [], [], [], {}
    for p in range(n):
        root, parity = find(p)
        if not zero[root]:
            position.append(p)
            orbit.append(number.setdefault(root, len(number)))
            value.append(-1 if parity else 1)
    return SignedOrbits(np.array(position, np.int64), np.array(orbit, np.int64),
                        np.array(value, np.int8), len(number))
